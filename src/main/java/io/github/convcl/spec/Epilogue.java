// What a convolution does to its result before the one store: a folded batch norm, a residual add, an activation.
package io.github.convcl.spec;

import java.util.Objects;

/**
 * The fused epilogue {@code y = activation(conv(x, w, b) * scale[c] + shift[c] + residual)}, each part optional: the
 * per-output-channel {@code scale} and {@code shift} are a folded batch norm ({@code scale = gamma / sqrt(var + eps)},
 * {@code shift = beta - mean * scale}), the {@code residual} has the output's shape (ResNet's shortcut, cuDNN's
 * {@code z}). It is part of the {@link ConvSpec}, and so of the plan and the tuning key; the arrays themselves come
 * with the call. Immutable.
 */
public final class Epilogue {
    /** No epilogue: the convolution plus its bias. */
    public static final Epilogue NONE = new Epilogue(Activation.IDENTITY, 0f, false, false, false);

    private final Activation activation;
    private final float slope;
    private final boolean scale;
    private final boolean shift;
    private final boolean residual;

    private Epilogue(Activation activation, float slope, boolean scale, boolean shift, boolean residual) {
        this.activation = Objects.requireNonNull(activation, "activation");
        if (activation == Activation.LEAKY_RELU && !Float.isFinite(slope)) {
            throw new IllegalArgumentException("negative_slope=" + slope + " is not a finite number");
        }
        this.slope = activation == Activation.LEAKY_RELU ? slope : 0f;
        this.scale = scale;
        this.shift = shift;
        this.residual = residual;
    }

    /** The epilogue that applies {@code a} alone (leaky_relu with PyTorch's default slope, 0.01). */
    public static Epilogue of(Activation a) {
        return new Epilogue(a, a == Activation.LEAKY_RELU ? 0.01f : 0f, false, false, false);
    }

    /** This epilogue with {@code a} as its activation (leaky_relu keeps this slope, 0.01 when there was none). */
    public Epilogue activation(Activation a) {
        float s = activation == Activation.LEAKY_RELU ? slope : 0.01f;
        return new Epilogue(a, a == Activation.LEAKY_RELU ? s : 0f, scale, shift, residual);
    }

    /** This epilogue with leaky_relu of {@code negativeSlope}. */
    public Epilogue leakyRelu(float negativeSlope) {
        return new Epilogue(Activation.LEAKY_RELU, negativeSlope, scale, shift, residual);
    }

    /** This epilogue with a per-output-channel scale and shift (a folded batch norm) multiplied and added. */
    public Epilogue affine() {
        return new Epilogue(activation, slope, true, true, residual);
    }

    /** This epilogue with a per-output-channel scale ({@code scale}) and shift ({@code shift}) on or off. */
    public Epilogue affine(boolean scale, boolean shift) {
        return new Epilogue(activation, slope, scale, shift, residual);
    }

    /** This epilogue with a residual of the output's shape added before the activation. */
    public Epilogue residual() {
        return new Epilogue(activation, slope, scale, shift, true);
    }

    public Activation activation() {
        return activation;
    }

    /** leaky_relu's negative slope (0 for the other activations). */
    public float slope() {
        return slope;
    }

    public boolean hasScale() {
        return scale;
    }

    public boolean hasShift() {
        return shift;
    }

    public boolean hasResidual() {
        return residual;
    }

    /** Whether this is {@link #NONE}. */
    public boolean isNone() {
        return equals(NONE);
    }

    /** {@code v} (the convolution plus bias), the residual {@code r} and channel values in float64, for the reference. */
    public double apply(double v, double scaleValue, double shiftValue, double r) {
        double t = v;
        if (scale) t *= scaleValue;
        if (shift) t += shiftValue;
        if (residual) t += r;
        return activation.apply(t, slope);
    }

    /**
     * Parses the form {@link #toString()} prints: parts joined by '+', each {@code scale}, {@code shift},
     * {@code residual} or an activation's PyTorch name ({@code leaky_relu(0.2)} with its slope); {@code none} is
     * {@link #NONE}.
     *
     * @throws IllegalArgumentException naming the part it does not know
     */
    public static Epilogue parse(String text) {
        Epilogue e = NONE;
        if (text == null || text.isBlank() || text.trim().equals("none")) {
            return e;
        }
        for (String part : text.trim().split("\\+")) {
            String p = part.trim();
            if (p.equals("scale")) {
                e = e.affine(true, e.shift);
            } else if (p.equals("shift")) {
                e = e.affine(e.scale, true);
            } else if (p.equals("residual")) {
                e = e.residual();
            } else if (p.startsWith("leaky_relu(") && p.endsWith(")")) {
                try {
                    e = e.leakyRelu(Float.parseFloat(p.substring("leaky_relu(".length(), p.length() - 1)));
                } catch (NumberFormatException bad) {
                    throw new IllegalArgumentException("epilogue part " + p + " has no number as its slope");
                }
            } else {
                e = e.activation(Activation.parse(p));
            }
        }
        return e;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Epilogue e && activation == e.activation && Float.compare(slope, e.slope) == 0 && scale == e.scale
                && shift == e.shift && residual == e.residual;
    }

    @Override
    public int hashCode() {
        return Objects.hash(activation, slope, scale, shift, residual);
    }

    /** For example {@code scale+shift+residual+relu}, or {@code leaky_relu(0.2)}; {@code none} for {@link #NONE}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (scale) sb.append("scale+");
        if (shift) sb.append("shift+");
        if (residual) sb.append("residual+");
        if (activation != Activation.IDENTITY) {
            sb.append(activation.torchName());
            if (activation == Activation.LEAKY_RELU) sb.append('(').append(slope).append(')');
        } else if (sb.length() > 0) {
            sb.setLength(sb.length() - 1);
        } else {
            sb.append("none");
        }
        return sb.toString();
    }
}
