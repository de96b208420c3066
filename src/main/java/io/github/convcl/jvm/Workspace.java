// Per-thread scratch arrays of the Java kernels, one per use, grown on demand and kept.
package io.github.convcl.jvm;

/**
 * The Java kernels' scratch: each thread keeps one array per {@link Slot}, grown to the largest size asked for and
 * reused by every later call, so a steady stream of calls allocates nothing. Two arrays a kernel holds at once are
 * always of different slots.
 */
final class Workspace {
    /** The uses; a kernel never holds two arrays of one slot. */
    enum Slot {
        /** Packed B panels of a column tile, or the GEMM's slice scratch. */
        PANELS,
        /** One unfolded row, an accumulator block, or a register tile's scratch. */
        BLOCK,
        /** Packed weights when no cache holds them. */
        WEIGHTS,
        /** The padded input: a batch block on the calling thread, or a task's local copy. */
        INPUT,
        /** Winograd: a task's transformed input tiles. */
        WINOGRAD_INPUT,
        /** Winograd: a task's products per transformed point. */
        WINOGRAD_PRODUCTS,
        /** grad_input: the weights flipped for a stride-1 convolution's adjoint, on the calling thread. */
        FLIPPED_WEIGHTS,
        /** grad_weight: a task's vector-lane partial sums per weight. */
        LANES,
        /** The GEMM's edge tiles' scratch ({@code Gemm.EDGE} floats). */
        EDGE,
        /** A channel-blocked register tile's sums, handed to its epilogue. */
        SUMS,
        /** grad_input: the adjoint's output before it is folded or cropped into the input's gradient, on the calling thread. */
        ADJOINT_OUTPUT,
        /** A strided pointwise layer's input at its strided positions, gathered on the calling thread's call. */
        GATHERED,
        /** A channel-blocked operand's input reordered to NCHW for a kernel without a blocked form, on the calling thread. */
        LAYOUT_INPUT,
        /** A channel-blocked operand's residual reordered to NCHW, on the calling thread. */
        LAYOUT_RESIDUAL,
        /** An NCHW output before it is reordered into a channel-blocked tensor, on the calling thread. */
        LAYOUT_OUTPUT,
        /** The last values of an activation's run, fewer than a vector, while the vector form applies to them. */
        ACTIVATION_TAIL
    }

    private static final ThreadLocal<float[][]> ARRAYS = ThreadLocal.withInitial(() -> new float[Slot.values().length][0]);

    private Workspace() {
    }

    private static final ThreadLocal<double[][]> SUMS = ThreadLocal.withInitial(() -> new double[1][0]);

    private static final ThreadLocal<int[][]> INTS = ThreadLocal.withInitial(() -> new int[1][0]);

    /** This thread's int scratch (one slot), at least {@code size}; its contents are whatever was left there. */
    static int[] ints(int size) {
        int[][] ws = INTS.get();
        if (ws[0].length < size) {
            ws[0] = new int[size];
        }
        return ws[0];
    }

    /** This thread's double accumulators (one slot), at least {@code size}, zeroed. */
    static double[] sums(int size) {
        double[][] ws = SUMS.get();
        if (ws[0].length < size) {
            ws[0] = new double[size];
        }
        java.util.Arrays.fill(ws[0], 0, size, 0.0);
        return ws[0];
    }

    /** This thread's array of {@code slot}, at least {@code size} floats; its contents are whatever was left there. */
    static float[] get(Slot slot, int size) {
        float[][] ws = ARRAYS.get();
        int i = slot.ordinal();
        if (ws[i].length < size) {
            ws[i] = new float[size];
        }
        return ws[i];
    }
}
