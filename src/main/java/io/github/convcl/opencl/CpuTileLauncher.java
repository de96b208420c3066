// Launches cpu_tile.cl: the input padded into phase planes, weights blocked, register tiles of output channels x positions.
package io.github.convcl.opencl;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.opencl.ClContext.ClBuffer;
import io.github.convcl.opencl.Launcher.ClLayer;
import io.github.convcl.opencl.Launcher.Operands;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.ConvSpec;
import org.jocl.cl_kernel;

/** cpu_tile.cl's register-tile kernels for CPU devices: convolution and transposed convolution by residue class. */
final class CpuTileLauncher implements Launcher {
    private final ClContext cx;

    CpuTileLauncher(ClContext cx) {
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
        DeviceBuffer in = o.in();
        DeviceBuffer weight = o.weight();
        ClBuffer b = o.bias();
        int hasBias = o.hasBias();
        DeviceBuffer out = o.out();
        switch (plan.algorithm()) {
            case CL_CPU_TILE -> {
                int[] before = ConvSpec.to3d(s.padBefore(), 0);
                int[] pp = ConvSpec.to3d(s.paddedInputSize(), 1);
                // Strides become phase planes (space to depth): qq is one phase plane's size.
                int[] qq = {(int) ClContext.ceilDiv(pp[0], st3[0]), (int) ClContext.ceilDiv(pp[1], st3[1]), (int) ClContext.ceilDiv(pp[2], st3[2])};
                long padded = (long) s.batch() * s.inChannels() * st3[0] * st3[1] * st3[2] * qq[0] * qq[1] * qq[2];
                int vn = plan.tuning().tn() / 8;
                ClBuffer xp = cx.scratch(ClContext.Scratch.INPUT, padded + 64L * vn);
                String opts = plan.tuning().cpuTileOptions();
                cl_kernel pad = cx.kernel("cpu_tile", opts, "conv_pad");
                long padRows = padded / qq[2];
                new KernelArgs(pad).mem(in).mem(xp).i4(in3).i4(pp).i4(before).i4(st3).i4(qq).i(s.paddingMode().ordinal()).i((int) padRows);
                cx.launch(pad, null, new long[] {ClContext.ceilDiv(padRows, 8) * 8}, new long[] {8});
                int co = plan.tuning().tm();
                int blocked = (int) (s.groups() * ClContext.ceilDiv(s.outPerGroup(), co) * s.inPerGroup() * s.kernelVolume() * co);
                ClBuffer wb = cx.scratch(ClContext.Scratch.WEIGHTS, blocked);
                cl_kernel reorder = cx.kernel("cpu_tile", opts, "conv_weights_blocked");
                int blockRows = blocked / (s.kernelVolume() * co);
                new KernelArgs(reorder).mem(weight).mem(wb).i(s.outChannels()).i(s.inPerGroup()).i(s.outPerGroup())
                        .i(s.kernelVolume()).i(blockRows);
                cx.launch(reorder, null, new long[] {ClContext.ceilDiv(blockRows, 8) * 8}, new long[] {8});
                cl_kernel k = cx.kernel("cpu_tile", opts, "conv_cpu_tile");
                long rows = (long) out3[0] * out3[1];
                long planes = (long) s.batch() * s.groups() * ClContext.ceilDiv(s.outPerGroup(), co);
                long perRow = 2L * ClContext.ceilDiv(out3[2], 8) * 8 * co * s.inPerGroup() * s.kernelVolume();
                // Rows per work-item: enough work per work-group that PoCL's per-group cost stays small.
                int rowsPerItem = (int) Math.max(1, Math.min(rows, CPU_TILE_MIN_FLOPS_PER_ITEM / Math.max(1, perRow)));
                new KernelArgs(k).mem(xp).mem(wb).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.inPerGroup())
                        .i(s.outPerGroup()).i4(qq).i4(out3).i4(k3).i4(st3).i4(dl3).i(hasBias).mem(tapOffsets(k3, st3, dl3, qq))
                        .i(rowsPerItem).epilogue(o);
                long items = ClContext.ceilDiv(rows, rowsPerItem);
                long step = Math.max(1, cx.maxLaunchFlops() / Math.max(1, perRow * rowsPerItem * planes));
                for (long r0 = 0; r0 < items; r0 += step) {
                    // One block per work-item, or a whole row when a block of one channel is too little work.
                    long gx = co == 1 ? 1 : ClContext.ceilDiv(out3[2], 8L * vn);
                    cx.launch(k, new long[] {0, r0, 0}, new long[] {gx, Math.min(step, items - r0), planes}, new long[] {1, 1, 1});
            }
        
            }
            case CL_CPU_TILE_TRANSPOSED -> {
                int sx = st3[2];
                int lift = (dl3[2] * (k3[2] - 1) + sx - 1) / sx + 1;
                int padX = lift;
                int perResidue = (int) ClContext.ceilDiv(out3[2], sx);
                int pw = padX + Math.max(in3[2], (sx - 1 + pd3[2]) / sx + perResidue + 9);
                int[] pp = {in3[0], in3[1], pw};
                long padded = (long) s.batch() * s.inChannels() * pp[0] * pp[1] * pp[2];
                ClBuffer xp = cx.scratch(ClContext.Scratch.INPUT, padded + 64);
                String opts = plan.tuning().cpuTileOptions();
                cl_kernel pad = cx.kernel("cpu_tile", opts, "conv_pad");
                long padRows = padded / pw;
                new KernelArgs(pad).mem(in).mem(xp).i4(in3).i4(pp).i4(new int[] {0, 0, padX}).i4(new int[] {1, 1, 1}).i4(pp)
                        .i(0).i((int) padRows);
                cx.launch(pad, null, new long[] {ClContext.ceilDiv(padRows, 8) * 8}, new long[] {8});
                cl_kernel k = cx.kernel("cpu_tile", opts, "conv_cpu_tile_transposed");
                int co = plan.tuning().tm();
                long rows = (long) out3[0] * out3[1];
                long planes = (long) s.batch() * s.groups() * ClContext.ceilDiv(s.outPerGroup(), co);
                long gx = sx * ClContext.ceilDiv(perResidue, 8);
                long perRow = Math.max(1, s.flops() / Math.max(1, rows));
                // One work-item's share of a row: CO channels x 8 outputs, over the taps of its residue.
                long perItemRow = Math.max(1, perRow / Math.max(1, gx * planes));
                int rowsPerItem = (int) Math.max(1, Math.min(rows, CPU_TILE_MIN_FLOPS_PER_ITEM / perItemRow));
                new KernelArgs(k).mem(xp).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.inPerGroup())
                        .i(s.outPerGroup()).i4(in3).i(pw).i(padX).i4(out3).i4(k3).i4(st3).i4(dl3).i4(pd3).i(lift).i(hasBias)
                        .i(rowsPerItem).epilogue(o);
                long items = ClContext.ceilDiv(rows, rowsPerItem);
                long step = Math.max(1, cx.maxLaunchFlops() / (perRow * rowsPerItem));
                for (long r0 = 0; r0 < items; r0 += step) {
                    cx.launch(k, new long[] {0, r0, 0}, new long[] {gx, Math.min(step, items - r0), planes}, new long[] {1, 1, 1});
            }
        
            }
            default -> throw new IllegalStateException("not a CpuTileLauncher plan: " + plan);
        }
    }

    /** The work one conv_cpu_tile work-item should have at least (it takes several rows when one is less). */
    private static final long CPU_TILE_MIN_FLOPS_PER_ITEM = 1 << 16;
    /** Uploads the per-tap offsets into the phase planes that conv_cpu_tile reads (see cpu_tile.cl); lock held. */
    private ClBuffer tapOffsets(int[] k, int[] st, int[] dl, int[] qq) {
        int[] offs = new int[k[0] * k[1] * k[2]];
        int phaseVol = qq[0] * qq[1] * qq[2];
        int t = 0;
        for (int kz = 0; kz < k[0]; kz++) {
            for (int ky = 0; ky < k[1]; ky++) {
                for (int kx = 0; kx < k[2]; kx++, t++) {
                    int tz = kz * dl[0];
                    int ty = ky * dl[1];
                    int tx = kx * dl[2];
                    int phase = ((tz % st[0]) * st[1] + ty % st[1]) * st[2] + tx % st[2];
                    offs[t] = phase * phaseVol + ((tz / st[0]) * qq[1] + ty / st[1]) * qq[2] + tx / st[2];
                }
            }
        }
        return cx.table(offs);
    }}
