// The tensors a convolution's fused epilogue reads: a folded batch norm's scale and shift, a residual.
package io.github.convcl;

/**
 * The tensors of a fused epilogue ({@link io.github.convcl.spec.Epilogue}): {@code scale} and {@code shift} of shape
 * [out channels] (a folded batch norm: nn.BatchNorm.fold computes them), {@code residual} of the
 * output's shape (cuDNN's {@code z}). Each is null where the spec's epilogue has no such part.
 */
public record EpilogueInputs(Tensor scale, Tensor shift, Tensor residual) {
    /** No tensors: an epilogue of an activation alone, or none. */
    public static final EpilogueInputs NONE = new EpilogueInputs(null, null, null);

    /** A folded batch norm's per-channel scale and shift. */
    public static EpilogueInputs affine(Tensor scale, Tensor shift) {
        return new EpilogueInputs(scale, shift, null);
    }

    /** A residual alone. */
    public static EpilogueInputs residual(Tensor residual) {
        return new EpilogueInputs(null, null, residual);
    }

    /** These tensors with {@code residual} added. */
    public EpilogueInputs withResidual(Tensor residual) {
        return new EpilogueInputs(scale, shift, residual);
    }
}
