// Launches winograd.cl: weights transformed once, then per chunk of tiles the input transform, the products and the inverse transform.
package io.github.convcl.opencl;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.opencl.ClContext.ClBuffer;
import io.github.convcl.opencl.Launcher.ClLayer;
import io.github.convcl.opencl.Launcher.Operands;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import org.jocl.cl_kernel;

/**
 * Winograd F(2,3) and F(4,3): see winograd.cl's header. The products per transformed point and group run as a grouped
 * 1x1 convolution through {@code products} with the plan {@link Planner#winogradProduct} gives; chunks of tiles bound
 * the scratch buffers.
 */
final class WinogradLauncher implements Launcher {
    private final ClContext cx;
    private final java.util.function.Supplier<io.github.convcl.plan.DeviceFacts> facts;
    private final Launcher products;

    WinogradLauncher(ClContext cx, java.util.function.Supplier<io.github.convcl.plan.DeviceFacts> facts, Launcher products) {
        this.cx = cx;
        this.facts = facts;
        this.products = products;
    }

    @Override
    /**
     * Runs winograd.cl (see its header): weights transformed once, then per chunk of tiles the input transform, one
     * matrix product per transformed point and group (a grouped 1x1 convolution run by {@link Planner#winogradProduct})
     * and the inverse transform with the bias; chunks bound the scratch buffers; lock held.
     */
    public void run(ClLayer l, Plan plan, Operands o) {
        ConvSpec s = l.spec();
        int[] in3 = l.in3();
        int[] out3 = l.out3();
        int[] k3 = l.k3();
        int[] dl3 = l.dl3();
        int[] pd3 = l.pd3();
        DeviceBuffer in = o.in();
        DeviceBuffer weight = o.weight();
        ClBuffer b = o.bias();
        int hasBias = o.hasBias();
        DeviceBuffer out = o.out();
        int m = plan.algorithm().winogradTile();
        int[] alpha = new int[3];
        int[] per = new int[3];
        int[] tiles = new int[3];
        int[] dil = new int[3];
        for (int d = 0; d < 3; d++) {
            boolean three = k3[d] == 3;
            alpha[d] = three ? m + 2 : 1;
            dil[d] = three ? dl3[d] : 1;
            per[d] = three ? (int) ClContext.ceilDiv(ClContext.ceilDiv(out3[d], dil[d]), m) : out3[d];
            tiles[d] = dil[d] * per[d];
        }
        int points = alpha[0] * alpha[1] * alpha[2];
        long ptiles = (long) s.batch() * tiles[0] * tiles[1] * tiles[2];
        int cin = s.inChannels();
        int cout = s.outChannels();
        String opts = winogradOptions(m, alpha);
        int filters = cout * s.inPerGroup();
        ClBuffer u = cx.scratch(ClContext.Scratch.WINOGRAD_U, (long) points * filters);
        cl_kernel filter = cx.kernel("winograd", opts, "wino_filter");
        new KernelArgs(filter).mem(weight).mem(u).i(cout).i(s.inPerGroup()).i(filters);
        cx.launch(filter, null, new long[] {ClContext.ceilDiv(filters, 64) * 64}, new long[] {64});
        long budget = cx.device().kind() == io.github.convcl.plan.BackendKind.OPENCL_GPU
                ? io.github.convcl.plan.Thresholds.CL_WINOGRAD_GPU_SCRATCH_BYTES : io.github.convcl.plan.Thresholds.CL_WINOGRAD_CPU_SCRATCH_BYTES;
        long chunk = winogradChunk(ptiles, points, Math.max(cin, cout), Math.min(budget, cx.device().maxAllocationBytes()));
        ClBuffer v = cx.scratch(ClContext.Scratch.WINOGRAD_V, (long) points * cin * chunk);
        ClBuffer y = cx.scratch(ClContext.Scratch.WINOGRAD_Y, (long) points * cout * chunk);
        cl_kernel input = cx.kernel("winograd", opts, "wino_input");
        cl_kernel output = cx.kernel("winograd", opts, "wino_output");
        for (long p0 = 0; p0 < ptiles; p0 += chunk) {
            int pc = (int) Math.min(chunk, ptiles - p0);
            int inTotal = cin * pc;
            new KernelArgs(input).mem(in).mem(v).i(cin).i4(in3).i4(tiles).i4(per).i4(dil).i4(pd3).i(Math.toIntExact(p0)).i(pc).i(inTotal);
            cx.launch(input, null, new long[] {ClContext.ceilDiv(inTotal, 64) * 64}, new long[] {64});
            ConvSpec products = ConvSpec.conv(1).input(1, points * cin, pc).outChannels(points * cout).kernel(1)
                    .groups(points * s.groups()).bias(false).build();
            this.products.run(ClLayer.of(products), Planner.winogradProduct(plan, products, facts.get()), Operands.plain(v, u, cx.noBias(), 0, y, cx.noBias(), products.outChannels()));
            int outTotal = cout * pc;
            new KernelArgs(output).mem(y).mem(b).mem(out).i(cout).i4(out3).i4(tiles).i4(per).i4(dil).i(hasBias).i(Math.toIntExact(p0)).i(pc)
                    .i(outTotal).epilogue(o);
            cx.launch(output, null, new long[] {ClContext.ceilDiv(outTotal, 64) * 64}, new long[] {64});
        }
    }

    /** The build options of winograd.cl: F(m,3), {@code alpha} transformed points per dimension (depth, height, width). */
    public static String winogradOptions(int m, int[] alpha) {
        return "-DM=" + m + " -DAZ=" + alpha[0] + " -DAY=" + alpha[1] + " -DAX=" + alpha[2];
    }

    /**
     * Tiles per Winograd chunk: the scratch of {@code points} x {@code channels} floats per tile within {@code budget}
     * bytes, and channel x tile indices within an int.
     */
    static long winogradChunk(long tiles, int points, int channels, long budget) {
        long perTile = (long) points * channels * Float.BYTES;
        return Math.max(1, Math.min(tiles, Math.min(budget / perTile, Integer.MAX_VALUE / channels)));
    }
}
