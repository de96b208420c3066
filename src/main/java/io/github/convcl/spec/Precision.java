// The arithmetic a convolution may use, modelled on PyTorch's allow_tf32.
package io.github.convcl.spec;

/**
 * How precisely a convolution must be computed. Set per runtime ({@code ConvCL.precision}) or per call
 * ({@link ConvSpec.Builder#precision}); a call's setting wins.
 *
 * <ul>
 * <li>{@link #FP32} (the default): FP32 accuracy, within the golden tolerance. On NVIDIA tensor cores this runs as
 * 3xTF32: each operand split into a TF32 part and a TF32 remainder, three products accumulated in FP32.</li>
 * <li>{@link #TF32} (opt-in): inputs may be rounded to TF32 (10 explicit mantissa bits, round to nearest, ties
 * away from zero) and multiplied on tensor cores with FP32 accumulation. Guaranteed tolerance, per output element:
 * {@code |y - exact| <= TF32_RELATIVE_BOUND * sum|w*x|} (the sum of absolute products over its reduction) plus
 * FP32 accumulation error. Backends without tensor cores compute FP32, which meets it too.</li>
 * </ul>
 */
public enum Precision {
    FP32,
    TF32;

    /**
     * The relative error bound of one TF32 product: both operands rounded to 11 significant bits (unit roundoff
     * 2^-11 each), so at most {@code 2 * 2^-11 + 2^-22}, rounded up to 1.0e-3.
     */
    public static final double TF32_RELATIVE_BOUND = 1.0e-3;

    /** The lower-case name used on the command line and in tables. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses {@code fp32} or {@code tf32}, any case. */
    public static Precision parse(String s) {
        for (Precision p : values()) {
            if (p.name().equalsIgnoreCase(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision=" + s + " is not one of fp32, tf32");
    }
}
