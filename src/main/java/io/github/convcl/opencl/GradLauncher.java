// Launches grad.cl: grad_weight and grad_bias by direct reduction, and grad_input's fold, crop and accumulation.
package io.github.convcl.opencl;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.spec.ConvSpec;
import org.jocl.cl_kernel;

/**
 * The backward passes' kernels (grad.cl): one work-item per gradient element (per plane for the fold), each reducing
 * in a fixed order, so the results are the same bits run to run. Called with the context's lock held.
 */
final class GradLauncher {
    private final ClContext cx;

    GradLauncher(ClContext cx) {
        this.cx = cx;
    }

    /** {@code gw (+)= dL/dw} of {@code s} (a convolution or a transposed one). */
    void weight(ConvSpec s, DeviceBuffer x, DeviceBuffer gy, DeviceBuffer gw, boolean accumulate) {
        int total = Math.toIntExact(s.weightElements());
        if (total == 0) {
            return;
        }
        cl_kernel k = cx.kernel("grad", "", "grad_weight_direct");
        layer(new KernelArgs(k).mem(x).mem(gy).mem(gw), s).i(s.transposed() ? 1 : 0).i(s.batch()).i(accumulate ? 1 : 0).i(total);
        cx.launch(k, null, new long[] {ClContext.ceilDiv(total, 64) * 64}, new long[] {64});
    }

    /**
     * {@code gw (+)= dL/dw} of {@code s} by the implicit GEMM (grad.cl's grad_weight_gemm), its reduction split into
     * {@code splits} ranges, then summed in order (grad_weight_sum). For a transposed {@code s}, its adjoint's weight
     * gradient with input and grad_output swapped ({@link io.github.convcl.spec.Adjoint#weightSpec}; the planner offers
     * this only where nothing needs embedding).
     */
    void weightGemm(ConvSpec s, int splits, DeviceBuffer x, DeviceBuffer gy, DeviceBuffer gw, boolean accumulate) {
        ConvSpec w = s.transposed() ? io.github.convcl.spec.Adjoint.weightSpec(s) : s;
        DeviceBuffer in = s.transposed() ? gy : x;
        DeviceBuffer grad = s.transposed() ? x : gy;
        int total = Math.toIntExact(w.weightElements());
        if (total == 0) {
            return;
        }
        int cols = w.inPerGroup() * w.kernelVolume();
        int perGroup = w.outPerGroup() * cols;
        int positions = Math.toIntExact(w.batch() == 0 ? 0 : w.outputElements() / ((long) w.batch() * w.outChannels()));
        long reduction = (long) w.batch() * positions;
        int step = io.github.convcl.plan.ClWeightSplit.STEP;
        int tile = io.github.convcl.plan.ClWeightSplit.TILE;
        int chunk = Math.toIntExact(ClContext.ceilDiv(ClContext.ceilDiv(Math.max(1, reduction), splits), step) * step);
        DeviceBuffer partial = cx.scratch(ClContext.Scratch.WEIGHT_PARTIALS, (long) w.groups() * splits * perGroup);
        cl_kernel k = cx.kernel("grad", "", "grad_weight_gemm");
        layer(new KernelArgs(k).mem(in).mem(grad).mem(partial), w).i(w.batch()).i(splits).i(chunk);
        cx.launch(k, null, new long[] {ClContext.ceilDiv(cols, tile) * 8, ClContext.ceilDiv(w.outPerGroup(), tile) * 8,
                (long) w.groups() * splits}, new long[] {8, 8, 1});
        cl_kernel sum = cx.kernel("grad", "", "grad_weight_sum");
        new KernelArgs(sum).mem(partial).mem(gw).i(perGroup).i(splits).i(accumulate ? 1 : 0).i(total);
        cx.launch(sum, null, new long[] {ClContext.ceilDiv(total, 64) * 64}, new long[] {64});
    }

    /**
     * The layer's geometry as both grad_weight kernels take it: channels (in, out, per group), then sizes, kernel,
     * stride, dilation and padding in front as (depth, height, width), and the padding mode.
     */
    private static KernelArgs layer(KernelArgs a, ConvSpec s) {
        return a.i(s.inChannels()).i(s.outChannels()).i(s.inPerGroup()).i(s.outPerGroup())
                .i4(ConvSpec.to3d(s.inputSize(), 1)).i4(ConvSpec.to3d(s.outputSize(), 1)).i4(ConvSpec.to3d(s.kernel(), 1))
                .i4(ConvSpec.to3d(s.stride(), 1)).i4(ConvSpec.to3d(s.dilation(), 1)).i4(ConvSpec.to3d(s.padBefore(), 0))
                .i(s.paddingMode().ordinal());
    }

    /** {@code out} = {@code s}'s weights flipped for its grad_input's convolution ({@link io.github.convcl.spec.Adjoint#flipWeights}). */
    void flip(ConvSpec s, DeviceBuffer w, DeviceBuffer out) {
        int total = Math.toIntExact(s.weightElements());
        cl_kernel k = cx.kernel("grad", "", "grad_flip_weights");
        new KernelArgs(k).mem(w).mem(out).i(s.inPerGroup()).i(s.outPerGroup()).i(s.kernelVolume()).i(total);
        cx.launch(k, null, new long[] {ClContext.ceilDiv(total, 64) * 64}, new long[] {64});
    }

    /** {@code gb (+)= dL/db}: grad_output summed per output channel. */
    void bias(ConvSpec s, DeviceBuffer gy, DeviceBuffer gb, boolean accumulate) {
        int cout = s.outChannels();
        long outVol = s.batch() == 0 ? 0 : s.outputElements() / ((long) s.batch() * cout);
        cl_kernel k = cx.kernel("grad", "", "grad_bias");
        new KernelArgs(k).mem(gy).mem(gb).i(cout).i(Math.toIntExact(outVol)).i(s.batch()).i(accumulate ? 1 : 0);
        cx.launch(k, null, new long[] {ClContext.ceilDiv(cout, 64) * 64}, new long[] {64});
    }

    /**
     * {@code gx (+)= z} where {@code z} (extents {@code zSize}) is the adjoint's output: folded through {@code s}'s
     * padding mode when {@code fold}, else cropped to the input.
     */
    void fold(ConvSpec s, int[] zSize, DeviceBuffer z, DeviceBuffer gx, boolean fold, boolean accumulate) {
        int planes = s.batch() * s.inChannels();
        if (planes == 0) {
            return;
        }
        cl_kernel k = cx.kernel("grad", "", "grad_fold");
        new KernelArgs(k).mem(z).mem(gx).i4(ConvSpec.to3d(zSize, 1)).i4(ConvSpec.to3d(s.inputSize(), 1))
                .i4(ConvSpec.to3d(s.padBefore(), 0)).i(s.paddingMode().ordinal()).i(fold ? 1 : 0).i(accumulate ? 1 : 0).i(planes);
        cx.launch(k, null, new long[] {ClContext.ceilDiv(planes, 64) * 64}, new long[] {64});
    }
}
