// The benchmark suite file (shared/bench/suite.json): layers as specs at the GPU or CPU batch.
package io.github.convcl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.convcl.golden.GoldenSuite;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Padding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a benchmark suite into named specs. */
final class Suite {
    record Layer(String name, ConvSpec spec, String why) {
    }

    private Suite() {
    }

    static List<Layer> load(Path file, String batch) throws IOException {
        JsonNode root = GoldenSuite.readJson(file);
        List<Layer> layers = new ArrayList<>();
        if (!root.path("layers").isArray() || root.path("layers").isEmpty()) {
            throw new IOException(file + " holds no layers (a 'layers' list, as in shared/bench/suite.json)");
        }
        for (JsonNode l : root.path("layers")) {
            try {
                layers.add(layer(l, batch));
            } catch (RuntimeException e) {
                throw new IOException(file + ": layer " + l.path("name").asText("#" + layers.size()) + " is not a valid layer: "
                        + (e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }
        return layers;
    }

    private static Layer layer(JsonNode l, String batch) {
        {
            JsonNode sp = l.get("spatial");
            int[] input = new int[sp.size() + 2];
            input[0] = l.path("batch").path(batch).asInt(1);
            input[1] = l.get("in_channels").asInt();
            for (int i = 0; i < sp.size(); i++) {
                input[i + 2] = sp.get(i).asInt();
            }
            ConvSpec.Builder b = ConvSpec.forOp(l.get("op").asText()).input(input)
                    .outChannels(l.get("out_channels").asInt()).kernel(ints(l.get("kernel_size")))
                    .stride(ints(l.get("stride"))).dilation(ints(l.get("dilation"))).groups(l.path("groups").asInt(1))
                    .bias(l.path("bias").asBoolean(false));
            JsonNode p = l.get("padding");
            b.padding(p.isTextual() ? Padding.parse(p.asText()) : Padding.of(ints(p)));
            if (l.hasNonNull("output_padding")) {
                b.outputPadding(ints(l.get("output_padding")));
            }
            return new Layer(l.get("name").asText(), b.build(), l.path("why").asText(""));
        }
    }

    private static int[] ints(JsonNode n) {
        return io.github.convcl.golden.GoldenCase.ints(n);
    }
}
