// One golden case of the shared format: the layer, its arrays, and the expected output or error.
package io.github.convcl.golden;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.convcl.spec.Activation;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;
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
        if (t == null || t.isNull()) {
            return DEFAULT_TOLERANCE;
        }
        if (!t.isNumber() || !(t.asDouble() >= 0)) {
            throw new IllegalArgumentException("case " + name() + ": tolerance=" + t + " is not a non-negative number");
        }
        return t.asDouble();
    }

    public boolean hasBias() {
        JsonNode b = json.get("bias");
        return b != null && b.isTextual();
    }

    /** The spec the case describes; throws IllegalArgumentException for cases the runtime must refuse. */
    public ConvSpec spec() {
        ConvSpec.Builder b = ConvSpec.forOp(op())
                .input(ints("input_shape"))
                .outChannels(integer("out_channels", json.get("out_channels")))
                .kernel(ints("kernel_size"))
                .bias(hasBias());
        if (json.has("stride")) b.stride(ints("stride"));
        if (json.has("dilation")) b.dilation(ints("dilation"));
        if (json.has("groups")) b.groups(integer("groups", json.get("groups")));
        JsonNode p = json.get("padding");
        if (p != null && !p.isNull()) {
            b.padding(p.isTextual() ? Padding.parse(p.asText()) : Padding.of(ints("padding")));
        }
        if (json.hasNonNull("output_padding")) b.outputPadding(ints("output_padding"));
        if (json.hasNonNull("output_size")) b.outputSize(ints("output_size"));
        if (json.hasNonNull("padding_mode")) b.paddingMode(PaddingMode.parse(json.get("padding_mode").asText()));
        b.epilogue(epilogue());
        return b.build();
    }

    /**
     * The case's fused epilogue (golden-fused): {@code "epilogue": {"activation", "negative_slope", "scale", "shift",
     * "residual"}}, each part optional; {@link Epilogue#NONE} without one.
     */
    public Epilogue epilogue() {
        JsonNode e = json.get("epilogue");
        if (e == null || e.isNull()) {
            return Epilogue.NONE;
        }
        if (!e.isObject()) {
            throw new IllegalArgumentException("epilogue=" + e + " is not an object");
        }
        Activation a = Activation.parse(e.hasNonNull("activation") ? e.get("activation").asText() : null);
        Epilogue ep = Epilogue.of(a).affine(e.hasNonNull("scale"), e.hasNonNull("shift"));
        if (e.hasNonNull("residual")) {
            ep = ep.residual();
        }
        if (e.hasNonNull("negative_slope")) {
            JsonNode s = e.get("negative_slope");
            if (!s.isNumber()) {
                throw new IllegalArgumentException("negative_slope=" + s + " is not a number");
            }
            if (a != Activation.LEAKY_RELU) {
                throw new IllegalArgumentException("negative_slope=" + s + " was given for activation=" + a.torchName() + ", which has none");
            }
            ep = ep.leakyRelu((float) s.asDouble());
        }
        return ep;
    }

    /** The epilogue's array {@code part} (scale, shift or residual), or null where the case has none. */
    public Npy epilogueArray(String part) throws IOException {
        JsonNode e = json.get("epilogue");
        JsonNode f = e == null ? null : e.get(part);
        if (f == null || f.isNull()) {
            return null;
        }
        if (!f.isTextual()) {
            throw new IOException("case " + name() + ": epilogue " + part + "=" + f + " is not a file name");
        }
        return Npy.read(dir.resolve(f.asText()));
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

    /** Whether the case carries grad_output, and with it the expected gradients (golden-grad). */
    public boolean hasGradients() {
        return json.hasNonNull("grad_output");
    }

    public Npy gradOutput() throws IOException {
        return array("grad_output");
    }

    /** The expected gradient {@code key} (grad_input, grad_weight, grad_bias), or null where the case has none. */
    public Npy expectedGradient(String key) throws IOException {
        JsonNode f = json.get(key);
        return f == null || f.isBoolean() || f.isNull() ? null : array(key);
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
        return ints(key, n);
    }

    /** A JSON list of integers, or one integer as a list of one (PyTorch accepts both). */
    public static int[] ints(JsonNode n) {
        return ints("value", n);
    }

    private static int[] ints(String key, JsonNode n) {
        if (n.isNumber()) {
            return new int[] {integer(key, n)};
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(key + "=" + n + " is not an integer or a list of integers");
        }
        int[] v = new int[n.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = integer(key, n.get(i));
        }
        return v;
    }

    /** The 32-bit integer {@code n}, or an IllegalArgumentException naming {@code key} and the value. */
    private static int integer(String key, JsonNode n) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException(key + "=" + n + " is not a 32-bit integer");
        }
        return n.asInt();
    }
}
