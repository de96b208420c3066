// Launches layers.cl: max-pool with indices, unpool, their gradients, MSE and Adam.
package io.github.convcl.opencl;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.spec.AdamStep;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PoolSpec;
import org.jocl.cl_kernel;

/** The {@link io.github.convcl.backend.LayerOps} kernels, one work-item per output element (per row: CPU max-pool). Called with the context's lock held. */
final class LayerLauncher {
    /** Work-items per group of every layers.cl launch (mse_partial's local array is this size). */
    private static final int LOCAL = 64;
    /** The most work-groups of the loss's first stage: the partials it leaves are summed by one work-item. */
    private static final int LOSS_GROUPS = 256;

    private final ClContext cx;

    LayerLauncher(ClContext cx) {
        this.cx = cx;
    }

    /**
     * Max-pool with the window's size compiled in; {@code rows} takes the kernel of one work-item per output row (for
     * CPU devices, which run a group's work-items one after another), else one work-item per output (GPUs).
     */
    void maxPool(PoolSpec s, DeviceBuffer x, DeviceBuffer y, DeviceBuffer idx, boolean rows) {
        int[] k3 = ConvSpec.to3d(s.kernel(), 1);
        cl_kernel k = cx.kernel("layers", "-DPKZ=" + k3[0] + " -DPKY=" + k3[1] + " -DPKX=" + k3[2], rows ? "max_pool_rows" : "max_pool");
        new KernelArgs(k).mem(x).mem(y).mem(idx == null ? y : idx).i(idx == null ? 0 : 1)
                .i4(ConvSpec.to3d(s.inputSize(), 1)).i4(ConvSpec.to3d(s.outputSize(), 1))
                .i4(ConvSpec.to3d(s.stride(), 1)).i4(ConvSpec.to3d(s.padding(), 0)).i4(ConvSpec.to3d(s.dilation(), 1));
        if (rows) {
            launchRows(k, s.outputSize(), s.planes());
        } else {
            launchPlanes(k, s.outputSize(), s.planes());
        }
    }

    void avgPool(PoolSpec s, DeviceBuffer x, DeviceBuffer y) {
        cl_kernel k = cx.kernel("layers", "", "avg_pool");
        window(new KernelArgs(k).mem(x).mem(y).i(s.countIncludePad() ? 1 : 0), s);
        launchPlanes(k, s.outputSize(), s.planes());
    }

    /** max-pool's gradient ({@code unpool} false) or the unpool: a gather over each input element's windows. */
    void gather(PoolSpec s, DeviceBuffer src, DeviceBuffer idx, DeviceBuffer dst, boolean unpool) {
        cl_kernel k = cx.kernel("layers", "", "pool_gather");
        window(new KernelArgs(k).mem(src).mem(idx).mem(dst).i(unpool ? 1 : 0), s);
        launchPlanes(k, s.inputSize(), s.planes());
    }

    void unpoolBackward(PoolSpec s, DeviceBuffer gy, DeviceBuffer idx, DeviceBuffer gv) {
        int total = Math.toIntExact(s.outputElements());
        int inPlane = Math.toIntExact(s.inputElements() / Math.max(1, s.planes()));
        int outPlane = Math.toIntExact(total / Math.max(1, s.planes()));
        cl_kernel k = cx.kernel("layers", "", "unpool_backward");
        new KernelArgs(k).mem(gy).mem(idx).mem(gv).i(inPlane).i(outPlane).i(total);
        launch(k, total);
    }

    private static KernelArgs window(KernelArgs a, PoolSpec s) {
        return a.i4(ConvSpec.to3d(s.inputSize(), 1)).i4(ConvSpec.to3d(s.outputSize(), 1)).i4(ConvSpec.to3d(s.kernel(), 1))
                .i4(ConvSpec.to3d(s.stride(), 1)).i4(ConvSpec.to3d(s.padding(), 0)).i4(ConvSpec.to3d(s.dilation(), 1));
    }

    void mse(int n, DeviceBuffer out, DeviceBuffer target, DeviceBuffer loss, DeviceBuffer grad) {
        int groups = (int) Math.max(1, Math.min(LOSS_GROUPS, ClContext.ceilDiv(n, LOCAL)));
        DeviceBuffer partial = cx.scratch(ClContext.Scratch.PARTIAL_SUMS, groups);
        cl_kernel first = cx.kernel("layers", "", "mse_partial");
        new KernelArgs(first).mem(out).mem(target).mem(grad == null ? loss : grad).i(grad == null ? 0 : 1).mem(partial).i(n).f(2f / n);
        cx.launch(first, null, new long[] {(long) groups * LOCAL}, new long[] {LOCAL});
        cl_kernel last = cx.kernel("layers", "", "mse_final");
        new KernelArgs(last).mem(partial).i(groups).mem(loss).f(1f / n);
        cx.launch(last, null, new long[] {1}, new long[] {1});
    }

    void adam(AdamStep a, DeviceBuffer p, DeviceBuffer g, DeviceBuffer m, DeviceBuffer v) {
        int total = Math.toIntExact(p.elements());
        cl_kernel k = cx.kernel("layers", "", "adam");
        new KernelArgs(k).mem(p).mem(g).mem(m).mem(v).f((float) a.beta1()).f((float) a.beta2()).f((float) a.weightDecay())
                .f((float) a.stepSize()).f((float) a.secondCorrection()).f((float) a.eps()).i(total);
        launch(k, total);
    }

    /**
     * A launch over {@code planes} planes of {@code size} (1 to 3 dimensions, the last fastest): width, then depth x
     * height, then plane, in groups of {@link #LOCAL} work-items that span as much of a row as it has (rounded up to a
     * power of two), so that a narrow plane does not leave most of each group idle.
     */
    private void launchPlanes(cl_kernel k, int[] size, int planes) {
        int width = size[size.length - 1];
        int rows = rows(size);
        if ((long) width * rows * planes == 0) {
            return;
        }
        int lx = Math.min(LOCAL, Integer.highestOneBit(width * 2 - 1));
        int ly = LOCAL / lx;
        cx.launch(k, null, new long[] {ClContext.ceilDiv(width, lx) * lx, ClContext.ceilDiv(rows, ly) * ly, planes},
                new long[] {lx, ly, 1});
    }

    /** A launch of one work-item per row of {@code planes} planes of {@code size}: (depth x height, plane). */
    private void launchRows(cl_kernel k, int[] size, int planes) {
        int rows = rows(size);
        if ((long) size[size.length - 1] * rows * planes > 0) {
            cx.launch(k, null, new long[] {rows, planes}, null);
        }
    }

    /** Rows of a plane of {@code size}: the product of every dimension but the last (width). */
    private static int rows(int[] size) {
        int rows = 1;
        for (int d = 0; d < size.length - 1; d++) {
            rows = Math.multiplyExact(rows, size[d]);
        }
        return rows;
    }

    private void launch(cl_kernel k, int total) {
        if (total > 0) {
            cx.launch(k, null, new long[] {ClContext.ceilDiv(total, LOCAL) * LOCAL}, new long[] {LOCAL});
        }
    }
}
