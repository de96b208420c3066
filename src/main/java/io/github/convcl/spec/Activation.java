// The element-wise activations a convolution's epilogue applies: torch.nn.functional's, by their PyTorch names.
package io.github.convcl.spec;

import java.util.Locale;

/**
 * An activation of a fused epilogue, with PyTorch's definition. Each has a float64 form for the reference and a float32
 * form the Java kernels use; the OpenCL kernels select them by {@link #code()}, the same numbers as
 * {@code kernels/common.cl}.
 */
public enum Activation {
    /** {@code x}. */
    IDENTITY,
    /** {@code max(x, 0)}. */
    RELU,
    /** {@code min(max(x, 0), 6)}. */
    RELU6,
    /** {@code x} for {@code x >= 0}, else {@code negative_slope * x}. */
    LEAKY_RELU,
    /** {@code 1 / (1 + exp(-x))}. */
    SIGMOID,
    /** {@code tanh(x)}. */
    TANH,
    /** {@code x * sigmoid(x)} (swish). */
    SILU,
    /** {@code x / 2 * (1 + erf(x / sqrt 2))}: the exact form, PyTorch's default. */
    GELU,
    /** {@code x * min(max(x + 3, 0), 6) / 6}. */
    HARDSWISH;

    /** PyTorch's name: {@code relu}, {@code leaky_relu}, ... */
    public String torchName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The number the OpenCL kernels switch on. */
    public int code() {
        return ordinal();
    }

    /** Parses PyTorch's name; null is {@link #IDENTITY}. */
    public static Activation parse(String name) {
        if (name == null) {
            return IDENTITY;
        }
        for (Activation a : values()) {
            if (a.torchName().equals(name.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("activation=" + name + " is not one of identity, relu, relu6, leaky_relu, sigmoid, tanh, "
                + "silu, gelu, hardswish");
    }

    /** The activation in float64, for the reference. */
    public double apply(double x, double slope) {
        return switch (this) {
            case IDENTITY -> x;
            case RELU -> x > 0 ? x : (x == x ? 0 : x);
            case RELU6 -> x != x ? x : Math.min(Math.max(x, 0), 6);
            case LEAKY_RELU -> x >= 0 ? x : x * slope;
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case SILU -> x / (1 + Math.exp(-x));
            case GELU -> 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
            case HARDSWISH -> x != x ? x : x * Math.min(Math.max(x + 3, 0), 6) / 6;
        };
    }

    /** The activation in float32, as the Java kernels apply it. */
    public float apply(float x, float slope) {
        return switch (this) {
            case IDENTITY -> x;
            case RELU -> x > 0 ? x : (x == x ? 0f : x);
            case RELU6 -> x != x ? x : Math.min(Math.max(x, 0f), 6f);
            case LEAKY_RELU -> x >= 0 ? x : x * slope;
            case SIGMOID -> (float) (1 / (1 + Math.exp(-x)));
            case TANH -> (float) Math.tanh(x);
            case SILU -> (float) (x / (1 + Math.exp(-x)));
            case GELU -> (float) (0.5 * x * (1 + Erf.erf(x / Math.sqrt(2))));
            case HARDSWISH -> x != x ? x : x * Math.min(Math.max(x + 3f, 0f), 6f) / 6f;
        };
    }

    /**
     * The largest slope of the activation, {@code sup |f'(x)|}: an error {@code e} in its argument moves its value by at
     * most this times {@code e}, so a check of the activated output scales the argument's error bound by it.
     */
    public double maxSlope(double slope) {
        return switch (this) {
            case IDENTITY, RELU, RELU6, TANH -> 1;
            case LEAKY_RELU -> Math.max(1, Math.abs(slope));
            case SIGMOID -> 0.25;
            // x sigmoid(x): 1.0998 at x = 2.3994
            case SILU -> 1.1;
            // Phi(x) + x phi(x): 1.1289 at x = sqrt 2
            case GELU -> 1.129;
            // (2x + 3) / 6 on [-3, 3]: 1.5 at x = 3
            case HARDSWISH -> 1.5;
        };
    }
}
