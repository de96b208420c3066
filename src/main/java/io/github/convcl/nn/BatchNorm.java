// Folding an inference batch norm into the per-channel scale and shift of a convolution's epilogue.
package io.github.convcl.nn;

/**
 * An inference-mode batch norm, {@code (v - mean) / sqrt(var + eps) * gamma + beta}, is the per-channel affine map
 * {@code v * scale + shift} with {@code scale = gamma / sqrt(var + eps)} and {@code shift = beta - mean * scale}: the
 * scale and shift of a fused epilogue ({@link io.github.convcl.spec.Epilogue#affine()}).
 */
public final class BatchNorm {
    private BatchNorm() {
    }

    /** A folded batch norm: {@code scale} and {@code shift}, one value per channel. */
    public record Folded(float[] scale, float[] shift) {
    }

    /**
     * Folds {@code gamma}, {@code beta}, {@code runningMean} and {@code runningVar} (one value per channel each) with
     * {@code eps} (PyTorch's default 1e-5; torchvision's GoogLeNet uses 1e-3), in float64.
     *
     * @throws IllegalArgumentException when the arrays differ in length, eps is negative or not finite, or a variance
     *                                  plus eps is not positive
     */
    public static Folded fold(float[] gamma, float[] beta, float[] runningMean, float[] runningVar, double eps) {
        int c = gamma.length;
        if (beta.length != c || runningMean.length != c || runningVar.length != c) {
            throw new IllegalArgumentException("batch norm arrays differ in length: gamma " + c + ", beta " + beta.length
                    + ", running_mean " + runningMean.length + ", running_var " + runningVar.length);
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("eps=" + eps + " is not a finite non-negative number");
        }
        float[] scale = new float[c];
        float[] shift = new float[c];
        for (int i = 0; i < c; i++) {
            double v = runningVar[i] + eps;
            if (!(v > 0)) {
                throw new IllegalArgumentException("running_var[" + i + "] + eps = " + v + " is not positive");
            }
            double s = gamma[i] / Math.sqrt(v);
            scale[i] = (float) s;
            shift[i] = (float) (beta[i] - runningMean[i] * s);
        }
        return new Folded(scale, shift);
    }
}
