// One golden case of the shared format: the layer, its arrays, and the expected output or error.
package io.github.convcl.golden;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Padding;
import io.github.convcl.spec.PaddingMode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A case from a golden {@code cases.json} (format 1, described in shared/README.md). Scalar values are
 * accepted where the format has lists, since PyTorch accepts both.
 */
public record GoldenCase(Path dir, JsonNode json) {
    public static final double DEFAULT_TOLERANCE = 1e-4;

    public String name() {
        return json.path("name").asText("unnamed");
    }

    public String op() {
        return json.path("op").asText();
    }

    /** The word the error message must contain, or null for a case that must run. */
    public String expectError() {
        JsonNode e = json.get("expect_error");
        return e == null || e.isNull() ? null : e.asText();
    }

    public double tolerance() {
        JsonNode t = json.get("tolerance");
        return t == null || t.isNull() ? DEFAULT_TOLERANCE : t.asDouble();
    }

    public boolean hasBias() {
        JsonNode b = json.get("bias");
        return b != null && b.isTextual();
    }

    /** The spec the case describes; throws IllegalArgumentException for cases the runtime must refuse. */
    public ConvSpec spec() {
        ConvSpec.Builder b = ConvSpec.forOp(op())
                .input(ints("input_shape"))
                .outChannels(json.path("out_channels").asInt())
                .kernel(ints("kernel_size"))
                .bias(hasBias());
        if (json.has("stride")) b.stride(ints("stride"));
        if (json.has("dilation")) b.dilation(ints("dilation"));
        if (json.has("groups")) b.groups(json.get("groups").asInt());
        JsonNode p = json.get("padding");
        if (p != null && !p.isNull()) {
            b.padding(p.isTextual() ? Padding.parse(p.asText()) : Padding.of(ints("padding")));
        }
        if (json.hasNonNull("output_padding")) b.outputPadding(ints("output_padding"));
        if (json.hasNonNull("output_size")) b.outputSize(ints("output_size"));
        if (json.hasNonNull("padding_mode")) b.paddingMode(PaddingMode.parse(json.get("padding_mode").asText()));
        return b.build();
    }

    public Npy input() throws IOException {
        return array("input");
    }

    public Npy weight() throws IOException {
        return array("weight");
    }

    /** The bias array, or null when the case has none. */
    public Npy bias() throws IOException {
        return hasBias() ? array("bias") : null;
    }

    public Npy expected() throws IOException {
        return array("expected");
    }

    public int[] outputShape() {
        return json.has("output_shape") ? ints("output_shape") : null;
    }

    private Npy array(String key) throws IOException {
        JsonNode f = json.get(key);
        if (f == null || !f.isTextual()) {
            throw new IOException("case " + name() + " has no '" + key + "' file");
        }
        return Npy.read(dir.resolve(f.asText()));
    }

    private int[] ints(String key) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException("case " + name() + " has no " + key);
        }
        return ints(n);
    }

    /** A JSON list of integers, or one integer as a list of one (PyTorch accepts both). */
    public static int[] ints(JsonNode n) {
        if (n.isNumber()) {
            return new int[] {n.asInt()};
        }
        int[] v = new int[n.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = n.get(i).asInt();
        }
        return v;
    }
}
