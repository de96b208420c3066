// Shapes and costs summed over a list of layers, without running anything.
package io.github.convcl.spec;

import java.util.List;

/**
 * Totals over a sequence of layers: parameters, FLOPs, and the receptive field of the stack
 * (layers applied one after another; the standard recurrence {@code r += (extent-1) * jump; jump *= stride}).
 */
public record Costs(long parameters, long flops, int[] receptiveField) {

    /** Parameters and FLOPs summed over {@code layers}; the receptive field of them chained in order. */
    public static Costs of(List<ConvSpec> layers) {
        long params = 0;
        long flops = 0;
        int rank = layers.isEmpty() ? 0 : layers.get(0).rank();
        long[] field = new long[rank];
        long[] jump = new long[rank];
        java.util.Arrays.fill(field, 1);
        java.util.Arrays.fill(jump, 1);
        for (ConvSpec s : layers) {
            params += s.parameters();
            flops += s.flops();
            if (s.rank() != rank) {
                continue;
            }
            int[] e = s.effectiveKernel();
            for (int i = 0; i < rank; i++) {
                if (s.transposed()) {
                    // Each output sees ceil(extent / stride) inputs; steps between outputs shrink by the stride.
                    field[i] += (long) (s.receptiveField()[i] - 1) * jump[i];
                    jump[i] = Math.max(1, jump[i] / s.stride()[i]);
                } else {
                    field[i] += (long) (e[i] - 1) * jump[i];
                    jump[i] *= s.stride()[i];
                }
            }
        }
        int[] rf = new int[rank];
        for (int i = 0; i < rank; i++) {
            rf[i] = (int) Math.min(Integer.MAX_VALUE, field[i]);
        }
        return new Costs(params, flops, rf);
    }
}
