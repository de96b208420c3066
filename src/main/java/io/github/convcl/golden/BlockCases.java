// Runs the seed's network blocks of a blocks.json directory (shared/golden-blocks) and judges their outputs.
package io.github.convcl.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.nn.Block;
import io.github.convcl.nn.Bottleneck;
import io.github.convcl.nn.ConvBn;
import io.github.convcl.nn.Inception;
import io.github.convcl.nn.Network;
import io.github.convcl.nn.Trace;
import io.github.convcl.nn.Weights;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.Layout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A directory holding {@code blocks.json}: torchvision blocks ({@code bottleneck}: inplanes, planes, stride;
 * {@code inception}: in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj) with their folded weights, an
 * input and the expected output. Each block is built with {@link Bottleneck} or {@link Inception} from the case's
 * parameters and arrays, run on the runtime's backend, and judged by the golden rule
 * ({@link GoldenRunner#compare}: max error within tolerance * max(1, max |expected|)).
 */
public final class BlockCases {
    /** The file that marks a blocks directory. */
    public static final String FILE = "blocks.json";

    private final Path dir;
    private final JsonNode root;

    private BlockCases(Path dir, JsonNode root) {
        this.dir = dir;
        this.root = root;
    }

    public static boolean isBlocksDir(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    public static BlockCases load(Path dir) throws IOException {
        JsonNode root = new ObjectMapper().readTree(dir.resolve(FILE).toFile());
        if (!root.path("cases").isArray()) {
            throw new IOException(dir.resolve(FILE) + " has no 'cases' list");
        }
        return new BlockCases(dir, root);
    }

    /**
     * Every case on {@code cl} with the planner's plans; with {@code allPlans} also rounds in which each convolution
     * runs its i-th applicable plan (i modulo its count), until every plan of every convolution has run once. Where the
     * backend holds channel-blocked tensors, each block runs once more with its input, output and own tensors in
     * {@link Layout#NCHW16C} where their channels allow it (named "... [NCHW16c]").
     */
    public List<GoldenRunner.Result> run(ConvCL cl, boolean allPlans) {
        List<GoldenRunner.Result> results = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            run(cl, c, Layout.NCHW, allPlans, results);
            int[] in = GoldenCase.ints(c.path("input_shape"));
            if (cl.supports(Layout.NCHW16C) && in.length == 4) {
                run(cl, c, Layout.NCHW16C, false, results);
            }
        }
        return results;
    }

    /** One case with its tensors in {@code layout} (where their channels allow it). */
    private void run(ConvCL cl, JsonNode c, Layout layout, boolean allPlans, List<GoldenRunner.Result> results) {
        String name = c.path("name").asText("unnamed") + (layout == Layout.NCHW ? "" : " [" + layout + "]");
        try (Block block = build(cl, c, layout); Tensor x = input(cl, c, layout);
             Tensor y = cl.empty(block.outputLayout(layout), block.outputShape())) {
            Npy expected = array(c, "expected");
            if (!java.util.Arrays.equals(expected.shape(), block.outputShape())) {
                results.add(new GoldenRunner.Result(name, false, "output shape " + java.util.Arrays.toString(block.outputShape())
                        + " != expected " + java.util.Arrays.toString(expected.shape())));
                return;
            }
            double tolerance = c.path("tolerance").asDouble(GoldenCase.DEFAULT_TOLERANCE);
            block.forward(x, y, Trace.OFF);
            results.add(GoldenRunner.compare(name, y.toArray(), expected.data(), tolerance));
            if (!allPlans) {
                return;
            }
            List<List<Plan>> plans = new ArrayList<>();
            int rounds = 0;
            for (ConvBn conv : block.convolutions()) {
                List<Plan> p = cl.backend().applicablePlans(conv.spec().precisionSet() || cl.precision() == io.github.convcl.spec.Precision.FP32
                        ? conv.spec() : conv.spec().withPrecision(cl.precision()));
                plans.add(p);
                rounds = Math.max(rounds, p.size());
            }
            for (int r = 0; r < rounds; r++) {
                StringBuilder used = new StringBuilder();
                for (int i = 0; i < plans.size(); i++) {
                    Plan p = plans.get(i).get(r % plans.get(i).size());
                    block.convolutions().get(i).force(p);
                    used.append(i == 0 ? "" : ", ").append(block.convolutions().get(i).name()).append(": ").append(p);
                }
                try {
                    block.forward(x, y, Trace.OFF);
                    GoldenRunner.Result res = GoldenRunner.compare(name + " [round " + (r + 1) + "]", y.toArray(), expected.data(), tolerance);
                    results.add(res.passed() ? res : new GoldenRunner.Result(res.name(), false, res.detail() + " with " + used));
                } catch (RuntimeException ex) {
                    results.add(new GoldenRunner.Result(name + " [round " + (r + 1) + "]", false, ex + " with " + used));
                }
            }
        } catch (IOException | RuntimeException ex) {
            results.add(new GoldenRunner.Result(name, false, ex.getClass().getSimpleName() + ": " + ex.getMessage()));
        }
    }

    /** The case's input in {@code layout} (where its channels allow it). */
    private Tensor input(ConvCL cl, JsonNode c, Layout layout) throws IOException {
        int[] shape = ints(c, "input_shape");
        Tensor x = cl.empty(Network.layoutFor(layout, shape), shape);
        try {
            x.write(array(c, "input").data());
            return x;
        } catch (RuntimeException | IOException e) {
            x.close();
            throw e;
        }
    }

    /** The block a case describes, its parameters read from the case's arrays, its own tensors in {@code layout}. */
    Block build(ConvCL cl, JsonNode c, Layout layout) throws IOException {
        int[] input = ints(c, "input_shape");
        Map<String, float[]> arrays = new HashMap<>();
        JsonNode files = c.path("arrays");
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            arrays.put(e.getKey(), Npy.read(dir.resolve(e.getValue().asText())).data());
        }
        Weights w = Weights.of(arrays);
        String kind = c.path("kind").asText();
        return switch (kind) {
            case "bottleneck" -> {
                int inplanes = integer(c, "inplanes");
                if (inplanes != input[1]) {
                    throw new IllegalArgumentException("inplanes=" + inplanes + " does not match the input's " + input[1] + " channels");
                }
                yield new Bottleneck(cl, w, "", input, integer(c, "planes"), integer(c, "stride"), layout);
            }
            case "inception" -> {
                int in = integer(c, "in_channels");
                if (in != input[1]) {
                    throw new IllegalArgumentException("in_channels=" + in + " does not match the input's " + input[1] + " channels");
                }
                yield new Inception(cl, w, "", input, integer(c, "ch1x1"), integer(c, "ch3x3red"), integer(c, "ch3x3"),
                        integer(c, "ch5x5red"), integer(c, "ch5x5"), integer(c, "pool_proj"), layout);
            }
            default -> throw new IllegalArgumentException("kind=" + kind + " is not one of bottleneck, inception");
        };
    }

    private Npy array(JsonNode c, String key) throws IOException {
        JsonNode f = c.get(key);
        if (f == null || !f.isTextual()) {
            throw new IOException("case " + c.path("name").asText() + " has no '" + key + "' file");
        }
        return Npy.read(dir.resolve(f.asText()));
    }

    private static int[] ints(JsonNode c, String key) {
        JsonNode n = c.get(key);
        if (n == null) {
            throw new IllegalArgumentException("case " + c.path("name").asText() + " has no " + key);
        }
        return GoldenCase.ints(n);
    }

    private static int integer(JsonNode c, String key) {
        JsonNode n = c.get(key);
        if (n == null || !n.canConvertToInt()) {
            throw new IllegalArgumentException(key + "=" + n + " is not an integer");
        }
        return n.asInt();
    }
}
