// The Java backend's operations on channel-blocked tensors (NCHW16c): kernels where they exist, a reorder otherwise.
package io.github.convcl.jvm;

import io.github.convcl.plan.BlockedKernel;
import io.github.convcl.plan.DeviceFacts;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Layout;
import io.github.convcl.spec.PoolSpec;

/**
 * Convolutions and pools whose operands are {@link Layout#NCHW16C}. Block k of image n of a tensor of C channels and
 * V positions starts where its first channel's plane would in NCHW, (n C + 16 k) V, so a channel slice in 16s of a
 * blocked tensor is the same run of memory as in NCHW, and {@link Store#plane} names a block's start.
 *
 * <p>Kernels on blocked tensors, with 512-bit vectors and input, output (and residual) blocked, for a 2D convolution
 * of one group with zero padding: an unpadded pointwise layer of any stride ({@link BlockedGemm#pointwise}), a 3x3
 * stride-1 layer by Winograd along channels ({@link ChannelWinograd}, which reads and writes a position's 16 channels
 * as one vector), and any other such layer by {@link BlockedGemm#direct}; the planner picks among them
 * ({@link Planner#javaBlocked}). Everything else (a given plan, a mix of layouts, 1D and 3D, groups, transposed, other
 * padding modes) is reordered: the blocked operands to NCHW scratch, the planner's (or the given) plan there, the
 * output back.
 */
final class Blocked {
    private Blocked() {
    }

    /**
     * {@code y = epilogue(conv(x, w) + bias)} of {@code s}, each of x, y and the residual in its layout; {@code plan}
     * null: the blocked kernel where one applies, else the planner's plan on NCHW.
     */
    static void convolve(Plan plan, ConvSpec s, DeviceFacts facts, float[] x, Layout xl, float[] w, float[] bias, PackCache cache,
                         float[] scale, float[] shift, float[] residual, Layout rl, int channels, int first, float[] y, Layout yl) {
        boolean blocked = xl == Layout.NCHW16C && yl == Layout.NCHW16C && (residual == null || rl == Layout.NCHW16C);
        BlockedKernel kernel = plan == null && blocked ? Planner.javaBlocked(s, facts) : BlockedKernel.REORDER;
        if (kernel != BlockedKernel.REORDER) {
            Store st = Store.of(s, scale, shift, residual, channels, first);
            switch (kernel) {
                case POINTWISE -> BlockedGemm.pointwise(s, x, w, bias, cache, st, y);
                case DEPTHWISE -> BlockedGemm.depthwise(s, x, w, bias, cache, st, y);
                case WINOGRAD_F4, WINOGRAD_F2 -> {
                    // the direct kernel also takes what the Winograd refuses: inputs or weights that are not all finite
                    if (!ChannelWinograd.run(s, kernel == BlockedKernel.WINOGRAD_F2 ? 2 : 4, x, w, bias, y, cache, st, true)) {
                        BlockedGemm.direct(s, x, w, bias, cache, st, y);
                    }
                }
                default -> BlockedGemm.direct(s, x, w, bias, cache, st, y);
            }
            return;
        }
        Plan p = plan == null ? Planner.plan(s, facts) : plan;
        int cout = s.outChannels();
        int outVol = volume(s.outputSize());
        float[] xs = xl == Layout.NCHW ? x : toNchw(Workspace.Slot.LAYOUT_INPUT, x, s.batch(), s.inChannels(), volume(s.inputSize()));
        float[] rs = residual == null || rl == Layout.NCHW ? residual
                : toNchw(Workspace.Slot.LAYOUT_RESIDUAL, residual, s.batch(), cout, outVol);
        if (yl == Layout.NCHW) {
            JavaKernels.run(p, s, xs, w, bias, y, cache, Store.of(s, scale, shift, rs, channels, first));
            return;
        }
        float[] ys = Workspace.get(Workspace.Slot.LAYOUT_OUTPUT, Math.toIntExact(s.outputElements()));
        JavaKernels.run(p, s, xs, w, bias, ys, cache, Store.of(s, scale, shift, rs, cout, 0));
        reorder(ys, y, s.batch(), cout, outVol, channels, first, true);
    }

    /** A blocked tensor's values in NCHW order, in this thread's scratch {@code slot}. */
    private static float[] toNchw(Workspace.Slot slot, float[] blocked, int batch, int channels, int vol) {
        float[] out = Workspace.get(slot, batch * channels * vol);
        reorder(out, blocked, batch, channels, vol, channels, 0, false);
        return out;
    }

    /**
     * Between dense NCHW {@code planes} (images of {@code channels} channels of {@code vol} positions) and channels
     * [first, first + channels) of the blocked tensor {@code blocks} of {@code total} channels: into the blocks with
     * {@code toBlocks}, else out of them. One task per block of each image.
     */
    private static void reorder(float[] planes, float[] blocks, int batch, int channels, int vol, int total, int first, boolean toBlocks) {
        int per = channels / Layout.BLOCK;
        Parallel.forEach(batch * per, q -> {
            int n = q / per;
            int c = q % per * Layout.BLOCK;
            Layout.copyBlock(planes, (n * channels + c) * vol, blocks, (n * total + first + c) * vol, vol, toBlocks);
        });
    }

    /** The product of {@code size}. */
    static int volume(int[] size) {
        int v = 1;
        for (int d : size) {
            v = Math.multiplyExact(v, d);
        }
        return v;
    }

    /** max-pool of {@code s} (no indices) with input and output in their layouts. */
    static void maxPool(PoolSpec s, float[] x, Layout xl, float[] y, Layout yl) {
        if (xl == Layout.NCHW16C && yl == Layout.NCHW16C && s.rank() == 2 && Gemm.VECTOR && Gemm.LANES == Layout.BLOCK) {
            BlockedGemm.maxPool2d(s, x, y);
            return;
        }
        relaid(s, x, xl, y, yl, (xs, ys) -> Layers.maxPool(s, xs, ys, null));
    }

    /** Average pool of {@code s} with input and output in their layouts. */
    static void avgPool(PoolSpec s, float[] x, Layout xl, float[] y, Layout yl) {
        int outVol = volume(s.outputSize());
        if (xl == Layout.NCHW16C && outVol == 1 && isGlobal(s)) {
            // (N, C, 1...) lies the same in both layouts
            globalAverage(s, x, y);
            return;
        }
        relaid(s, x, xl, y, yl, (xs, ys) -> Layers.avgPool(s, xs, ys));
    }

    /** Whether {@code s}'s one window covers the whole input with nothing padded (a global average). */
    private static boolean isGlobal(PoolSpec s) {
        for (int i = 0; i < s.rank(); i++) {
            if (s.kernel()[i] != s.inputSize()[i] || s.padding()[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Runs an NCHW pool on NCHW copies of the blocked operands. */
    private static void relaid(PoolSpec s, float[] x, Layout xl, float[] y, Layout yl, java.util.function.BiConsumer<float[], float[]> pool) {
        int c = s.channels();
        float[] xs = xl == Layout.NCHW ? x : toNchw(Workspace.Slot.LAYOUT_INPUT, x, s.batch(), c, volume(s.inputSize()));
        if (yl == Layout.NCHW) {
            pool.accept(xs, y);
            return;
        }
        int outVol = volume(s.outputSize());
        float[] ys = Workspace.get(Workspace.Slot.LAYOUT_OUTPUT, s.batch() * c * outVol);
        pool.accept(xs, ys);
        reorder(ys, y, s.batch(), c, outVol, c, 0, true);
    }

    /** Each channel's mean over its positions, summed in position order, from a blocked input into (N, C, 1...). */
    private static void globalAverage(PoolSpec s, float[] x, float[] y) {
        int vol = volume(s.inputSize());
        int blocks = s.batch() * s.channels() / Layout.BLOCK;
        Parallel.forEach(blocks, b -> {
            float[] sum = new float[Layout.BLOCK];
            for (int q = 0, at = b * vol * Layout.BLOCK; q < vol; q++, at += Layout.BLOCK) {
                for (int c = 0; c < Layout.BLOCK; c++) {
                    sum[c] += x[at + c];
                }
            }
            for (int c = 0; c < Layout.BLOCK; c++) {
                y[b * Layout.BLOCK + c] = sum[c] / vol;
            }
        });
    }
}
