// The OpenCL grad_weight GEMM's one parameter: how many ranges its reduction is split into.
package io.github.convcl.plan;

import io.github.convcl.spec.ConvSpec;

/**
 * The OpenCL grad_weight implicit GEMM ({@link Algorithm#CL_WEIGHT_GEMM}) reduces over the batch and positions; with few
 * weights its 32x32 tiles are too few work-groups to fill a device, so the planner splits the reduction into
 * {@code splits} ranges, each a work-group of its own, summed in order by a second kernel. A size derived from the
 * device: forcing the algorithm takes the planner's.
 */
public record ClWeightSplit(int splits) implements Variant {
    /** The GEMM's tile of grad_weight (output channels x columns) and its reduction step, as grad.cl fixes them. */
    public static final int TILE = 32;
    public static final int STEP = 16;

    @Override
    public Variant choice() {
        return Variant.DEFAULT;
    }

    @Override
    public String toString() {
        return splits == 1 ? "" : splits + " splits";
    }

    /**
     * Enough splits for {@link Thresholds#CL_WEIGHT_GROUPS_PER_UNIT} work-groups per compute unit, each reducing at
     * least {@link Thresholds#CL_WEIGHT_MIN_SPLIT} positions, with the partial sums within
     * {@link Thresholds#CL_WEIGHT_PARTIAL_BYTES}.
     */
    static ClWeightSplit choose(ConvSpec s, int computeUnits) {
        long tiles = (long) s.groups() * ceil(s.outPerGroup(), TILE) * ceil((long) s.inPerGroup() * s.kernelVolume(), TILE);
        long reduction = (long) s.batch() * (s.outputElements() / Math.max(1, (long) s.batch() * s.outChannels()));
        long want = ceil((long) Thresholds.CL_WEIGHT_GROUPS_PER_UNIT * Math.max(1, computeUnits), Math.max(1, tiles));
        long byLength = Math.max(1, reduction / Thresholds.CL_WEIGHT_MIN_SPLIT);
        long byMemory = Math.max(1, Thresholds.CL_WEIGHT_PARTIAL_BYTES / Math.max(1, s.weightElements() * Float.BYTES));
        return new ClWeightSplit((int) Math.max(1, Math.min(want, Math.min(byLength, byMemory))));
    }

    private static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }
}
