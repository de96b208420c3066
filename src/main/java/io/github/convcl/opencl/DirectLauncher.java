// Launches direct_conv.cl's one-work-item-per-output kernels: convolution and transposed gather.
package io.github.convcl.opencl;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.opencl.ClContext.ClBuffer;
import io.github.convcl.opencl.Launcher.ClLayer;
import io.github.convcl.opencl.Launcher.Operands;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.ConvSpec;
import org.jocl.cl_kernel;

/** One work-item per output element: {@code conv_direct} (any convolution) and {@code conv_transposed_gather}. */
final class DirectLauncher implements Launcher {
    private final ClContext cx;

    DirectLauncher(ClContext cx) {
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
            case CL_DIRECT -> {
                cl_kernel k = cx.kernel("direct_conv", "", "conv_direct");
                new KernelArgs(k).mem(in).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.inPerGroup())
                        .i(s.outPerGroup()).i4(in3).i4(out3).i4(k3).i4(st3).i4(dl3).i4(pd3)
                        .i(s.paddingMode().ordinal()).i(hasBias).i(total).epilogue(o);
                cx.launch1d(k, total, s);
            }
            case CL_TRANSPOSED_GATHER -> {
                cl_kernel k = cx.kernel("direct_conv", "", "conv_transposed_gather");
                new KernelArgs(k).mem(in).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.inPerGroup())
                        .i(s.outPerGroup()).i4(in3).i4(out3).i4(k3).i4(st3).i4(dl3).i4(pd3).i(hasBias).i(total).epilogue(o);
                cx.launch1d(k, total, s);
            }
            default -> throw new IllegalStateException("not a DirectLauncher plan: " + plan);
        }
    }
}
