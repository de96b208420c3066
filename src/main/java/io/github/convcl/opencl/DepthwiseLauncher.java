// Launches the depthwise kernels: per row segment, per block of rows, and per plane on CPUs.
package io.github.convcl.opencl;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.opencl.ClContext.ClBuffer;
import io.github.convcl.opencl.Launcher.ClLayer;
import io.github.convcl.opencl.Launcher.Operands;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import org.jocl.cl_kernel;

/** The depthwise kernels: direct_conv.cl's {@code conv_depthwise}, depthwise.cl's rows, cpu_tile.cl's {@code conv_cpu_depthwise}. */
final class DepthwiseLauncher implements Launcher {
    private final ClContext cx;

    DepthwiseLauncher(ClContext cx) {
        this.cx = cx;
    }

    @Override
    public void run(ClLayer l, Plan plan, Operands o) {
        ConvSpec s = l.spec();
        int[] in3 = l.in3();
        int[] out3 = l.out3();
        int[] k3 = l.k3();
        int[] st3 = l.st3();
        int[] dl3 = l.dl3();
        int[] pd3 = l.pd3();
        int total = l.total();
        DeviceBuffer in = o.in();
        DeviceBuffer weight = o.weight();
        ClBuffer b = o.bias();
        int hasBias = o.hasBias();
        DeviceBuffer out = o.out();
        switch (plan.algorithm()) {
            case CL_CPU_DEPTHWISE -> {
                // The file's other kernels need CO and VN; this one takes the kernel's height and width.
                cl_kernel k = cx.kernel("cpu_tile", Planner.CPU_TILE_1.cpuTileOptions() + " -DKH=" + k3[1] + " -DKW=" + k3[2]
                        + " -DSX=" + (st3[2] <= 2 ? st3[2] : 0), "conv_cpu_depthwise");
                long rows = (long) out3[0] * out3[1];
                long perRow = 2L * out3[2] * s.kernelVolume();
                int rowsPerItem = (int) Math.max(1, Math.min(rows, CPU_TILE_MIN_FLOPS_PER_ITEM / Math.max(1, perRow)));
                int planes = Math.toIntExact((long) s.batch() * s.outChannels());
                long perPlane = perRow * rows;
                int planesPerItem = (int) Math.max(1, Math.min(planes,
                        io.github.convcl.plan.Thresholds.CL_CPU_DEPTHWISE_FLOPS_PER_ITEM / Math.max(1, perPlane)));
                new KernelArgs(k).mem(in).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.outPerGroup())
                        .i4(in3).i4(out3).i4(k3).i4(st3).i4(dl3).i4(pd3).i(hasBias).i(rowsPerItem).i(planesPerItem).i(planes).epilogue(o);
                long items = ClContext.ceilDiv(rows, rowsPerItem);
                long blocks = ClContext.ceilDiv(planes, planesPerItem);
                long step = Math.max(1, cx.maxLaunchFlops() / Math.max(1, perPlane * planesPerItem));
                for (long p0 = 0; p0 < blocks; p0 += step) {
                    cx.launch(k, new long[] {0, p0}, new long[] {items, Math.min(step, blocks - p0)}, new long[] {1, 1});
            }
        
            }
            case CL_DEPTHWISE -> {
                cl_kernel k = cx.kernel("direct_conv", "", "conv_depthwise");
                int items = Math.toIntExact((long) (total / out3[2]) * ClContext.ceilDiv(out3[2], DEPTHWISE_X));
                new KernelArgs(k).mem(in).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.outPerGroup())
                        .i4(in3).i4(out3).i4(k3).i4(st3).i4(dl3).i4(pd3).i(hasBias).i(items).epilogue(o);
                cx.launch1d(k, items, s);
            }
            case CL_DEPTHWISE_ROWS -> {
                cl_kernel k = cx.kernel("depthwise", depthwiseRowsOptions(k3, st3, dl3), "conv_depthwise_rows");
                long xgroups = ClContext.ceilDiv(out3[2], 64);
                long planes = (long) s.batch() * s.outChannels();
                new KernelArgs(k).mem(in).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.outPerGroup())
                        .i(in3[1]).i(in3[2]).i(out3[1]).i(out3[2]).i(pd3[1]).i(pd3[2]).i(hasBias).i(Math.toIntExact(xgroups)).epilogue(o);
                cx.launch(k, null, new long[] {planes * xgroups * 64, ClContext.ceilDiv(out3[1], DEPTHWISE_ROWS)}, new long[] {64, 1});
            }
            default -> throw new IllegalStateException("not a DepthwiseLauncher plan: " + plan);
        }
    }

    /** The work one conv_cpu_tile work-item should have at least (it takes several rows when one is less). */
    private static final long CPU_TILE_MIN_FLOPS_PER_ITEM = 1 << 16;
    /** Outputs per work-item of depthwise.cl (its ROWS). */
    private static final int DEPTHWISE_ROWS = 4;
    /** The build options of depthwise.cl: the window (height, width of the 3D vectors), strides and dilations. */
    public static String depthwiseRowsOptions(int[] k3, int[] st3, int[] dl3) {
        return "-DKH=" + k3[1] + " -DKW=" + k3[2] + " -DSY=" + st3[1] + " -DSX=" + st3[2] + " -DDY=" + dl3[1] + " -DDX=" + dl3[2]
                + " -DROWS=" + DEPTHWISE_ROWS;
    }
    /** Outputs per work-item of direct_conv.cl's conv_depthwise (its DW_X). */
    private static final int DEPTHWISE_X = 4;}
