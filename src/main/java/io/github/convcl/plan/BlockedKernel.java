// Which Java kernel runs a convolution whose operands are channel-blocked (NCHW16c): the planner's choice for that layout.
package io.github.convcl.plan;

/**
 * The Java backend's kernels on channel-blocked input, output and residual ({@code spec.Layout.NCHW16C}), as
 * {@link Planner#javaBlocked} picks them; {@link #REORDER} where none applies (the operands are reordered to NCHW and
 * the planner's NCHW plan runs).
 */
public enum BlockedKernel {
    /** An unpadded pointwise layer of any stride: 8 positions x 32 output channels per register tile. */
    POINTWISE,
    /** A 3x3 stride-1 layer: the Winograd F(4,3) along channels. */
    WINOGRAD_F4,
    /** A 3x3 stride-1 layer: the Winograd F(2,3) along channels (where the planner would take F(2,3)). */
    WINOGRAD_F2,
    /** Any other 2D layer of one group with zero padding: the taps' blocks copied per 8 positions, the same tile. */
    DIRECT,
    /** A depthwise layer, as many outputs as inputs, any kernel, stride and dilation: a tap's 16 channels per multiply-add. */
    DEPTHWISE,
    /** No blocked kernel: reorder to NCHW, run the NCHW plan, reorder the output back. */
    REORDER
}
