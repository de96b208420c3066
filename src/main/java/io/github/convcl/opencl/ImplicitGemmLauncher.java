// Launches implicit_gemm.cl: one launch sequence per convolution, one per output residue class of a transposed one.
package io.github.convcl.opencl;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.opencl.ClContext.ClBuffer;
import io.github.convcl.opencl.Launcher.ClLayer;
import io.github.convcl.opencl.Launcher.Operands;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Tuning;
import io.github.convcl.spec.ConvSpec;
import java.util.ArrayList;
import java.util.List;
import org.jocl.cl_kernel;

/**
 * The implicit GEMM (FMA and tensor cores): builds implicit_gemm.cl with the plan's tiles and its {@link io.github.convcl.plan.ClGemm}
 * table layout, uploads the reduction tables, reorders weights tap-major where the plan says so, and launches.
 */
final class ImplicitGemmLauncher implements Launcher {
    private final ClContext cx;
    private final java.util.function.Supplier<io.github.convcl.plan.DeviceFacts> facts;

    ImplicitGemmLauncher(ClContext cx, java.util.function.Supplier<io.github.convcl.plan.DeviceFacts> facts) {
        this.cx = cx;
        this.facts = facts;
    }

    /**
     * Runs implicit_gemm.cl: one launch sequence for a convolution, one per output residue class for a transposed
     * convolution (see the file's header for the column mapping); lock held.
     */
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
        Tuning t = plan.tuning();
        boolean mma = plan.algorithm().isTensorCore();
        io.github.convcl.plan.ClGemm tables = (io.github.convcl.plan.ClGemm) plan.variant();
        boolean flat = tables.flatTable();
        boolean tapMajor = tables.tapMajor();
        boolean rowTaps = tables.rowTaps();
        cl_kernel k = cx.kernel("implicit_gemm", gemmBuildOptions(plan) + gemmTableOptions(s.paddingMode(), flat)
                + (tapMajor ? " -DTAP_MAJOR" : "") + (rowTaps ? rowTapsOptions(k3) : ""), gemmKernelName(plan));
        int kvol = s.kernelVolume();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        // The GEMM's rows per group: output channels, or with ROW_TAPS (output channel, tap) pairs.
        int rows = rowTaps ? coutG * kvol : coutG;
        long gy = mma ? ClContext.ceilDiv(rows, t.tm()) : ClContext.ceilDiv(rows, t.tm()) * (t.tm() / t.wm());
        long[] local = mma ? new long[] {t.mmaWorkGroupSize(), 1, 1} : new long[] {t.tn() / t.wn(), t.tm() / t.wm(), 1};
        long itemsPerTile = mma ? t.mmaWorkGroupSize() : t.tn() / t.wn();
        for (GemmClass c : gemmClasses(s, in3, out3, k3, st3, dl3, pd3, flat, tapMajor, rowTaps)) {
            int reduction = c.reduction;
            DeviceBuffer w = weight;
            long wgs = (long) coutG * cinG * kvol;
            if (c.weightTaps != null) {
                // This launch's weights, tap-major and compact: (groups, rows, taps, channels).
                int ntaps = c.weightTaps.length;
                wgs = (long) coutG * ntaps * cinG;
                int total = Math.toIntExact(wgs * s.groups());
                ClBuffer wp = cx.scratch(ClContext.Scratch.WEIGHTS, Math.max(1, total));
                int srow = s.transposed() ? kvol : cinG * kvol;
                int sci = s.transposed() ? coutG * kvol : kvol;
                cl_kernel reorder = cx.kernel("implicit_gemm", gemmBuildOptions(plan) + gemmTableOptions(s.paddingMode(), flat)
                        + " -DTAP_MAJOR", "gemm_weights_tap_major");
                new KernelArgs(reorder).mem(weight).mem(wp).mem(cx.table(c.weightTaps)).i(ntaps).i(cinG).i(coutG).i(srow).i(sci)
                        .i(Math.toIntExact((long) coutG * cinG * kvol)).i(total);
                if (total > 0) {
                    cx.launch(reorder, null, new long[] {total}, null);
                }
                w = wp;
            }
            long cols = (long) s.batch() * c.q[0] * c.q[1] * c.q[2];
            KernelArgs a = new KernelArgs(k).mem(in).mem(w).mem(b).mem(out)
                    .i(s.inChannels()).i(s.outChannels()).i(cinG).i(rows)
                    .i4(in3).i4(out3).i4(c.q).i4(c.omul).i4(c.ores).i4(c.imul).i4(c.ipad)
                    .i(hasBias).i(reduction).i(c.wrow).i(Math.toIntExact(wgs))
                    .i(s.transposed() && c.weightTaps == null ? 0 : 1).i(Math.toIntExact(cols));
            int colBaseArg = a.index;
            a.i(0).mem(cx.table(c.ktab)).mem(cx.table(c.kwoff)).epilogue(o);
            long flopsPerColumn = 2L * s.outChannels() * Math.max(1, reduction);
            long step = Math.max(t.tn(), cx.maxLaunchFlops() / flopsPerColumn / t.tn() * t.tn());
            for (long c0 = 0; c0 < cols; c0 += step) {
                a.at(colBaseArg).i((int) c0);
                long gx = ClContext.ceilDiv(Math.min(step, cols - c0), t.tn()) * itemsPerTile;
                cx.launch(a.kernel, null, new long[] {gx, gy, s.groups()}, local);
            }
        }
    }

    /**
     * The build options of implicit_gemm.cl that a layer fixes: its padding mode, and whether its reduction table
     * holds flat offsets ({@link io.github.convcl.plan.ClGemm#flatTable}).
     */
    public static String gemmTableOptions(io.github.convcl.spec.PaddingMode mode, boolean flat) {
        return " -DPAD_MODE=" + mode.ordinal() + (flat ? " -DFLAT_KTAB" : "");
    }

    /** The ROW_TAPS build options for a kernel of (depth, height, width) k3. */
    static String rowTapsOptions(int[] k3) {
        return " -DROW_TAPS=" + k3[0] * k3[1] * k3[2] + " -DRKH=" + k3[1] + " -DRKW=" + k3[2];
    }

    /** The build options of implicit_gemm.cl for a plan on this device, without the layer's ({@link #gemmTableOptions}). */
    public String gemmBuildOptions(Plan plan) {
        if (!plan.algorithm().isTensorCore() && !plan.algorithm().asyncCopies()) {
            return gemmPlanOptions(plan);
        }
        boolean emulated = facts.get().tensorCores() != io.github.convcl.plan.DeviceFacts.TensorCores.NATIVE;
        if (!plan.algorithm().isTensorCore()) {
            // cp.async only: PTX for the device's architecture, or emulated copies.
            return gemmPlanOptions(plan) + (emulated ? " -DCOPY_EMULATE" : mmaOptions());
        }
        return gemmPlanOptions(plan) + mmaOptions();
    }

    /**
     * The build options that a plan gives implicit_gemm.cl on any device: the tiling, and the micro-kernel's (MMA with
     * its TF32 products, MMA_FRAG, ASYNC_COPY with its stages); {@link #gemmBuildOptions} adds the device's.
     */
    public static String gemmPlanOptions(Plan plan) {
        io.github.convcl.plan.Algorithm a = plan.algorithm();
        return plan.tuning().buildOptions() + (a.isTensorCore() ? " -DMMA=" + a.tf32Products() : "")
                + (a.fragmentTiles() ? " -DMMA_FRAG" : "")
                + (a.asyncCopies() ? " -DASYNC_COPY=" + plan.tuning().asyncStages(a.isTensorCore()) : "");
    }

    /** The kernel of implicit_gemm.cl a plan runs. */
    public static String gemmKernelName(Plan plan) {
        return plan.algorithm().isTensorCore() ? "conv_implicit_gemm_mma" : "conv_implicit_gemm";
    }

    /** Build options of the tensor-core kernel on this device: emulated on CPUs, the device's architecture on NVIDIA. */
    private String mmaOptions() {
        if (facts.get().tensorCores() == io.github.convcl.plan.DeviceFacts.TensorCores.NATIVE && cx.device().isNvidia()) {
            int cc = cx.device().computeCapability();
            return " -cl-nv-arch sm_" + cc;
        }
        return facts.get().tensorCores() == io.github.convcl.plan.DeviceFacts.TensorCores.NATIVE ? "" : " -DMMA_EMULATE";
    }

    /**
     * The column mapping and reduction tables of one launch of implicit_gemm.cl: a convolution has one, a transposed
     * convolution one per output residue class. ktab holds (ci, dz, dy, dx) per reduction index (flat tables: ci
     * replaced by the tap's flat input offset; tap-major: one entry per tap, ci = 0) and kwoff each index's weight
     * offset within a row; both are padded to a multiple of {@link #TABLE_STEP} entries, ktab's tail with dz = -2^30
     * (a load of zero). weightTaps: the kernel taps whose weights a tap-major launch reorders first (none for a 1x1
     * convolution, whose weights are in order already).
     */
    record GemmClass(int[] q, int[] omul, int[] ores, int[] imul, int[] ipad, int wrow, int reduction, int[] ktab, int[] kwoff,
                     int[] weightTaps) {
    }

    /** Reduction tables are padded to a multiple of this, which every tiling's TK divides. */
    static final int TABLE_STEP = 64;

    static List<GemmClass> gemmClasses(ConvSpec s, int[] in3, int[] out3, int[] k3, int[] st3, int[] dl3, int[] pd3,
                                       boolean flat, boolean tapMajor, boolean rowTaps) {
        int kvol = s.kernelVolume();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int channels = tapMajor ? 1 : cinG;
        List<GemmClass> classes = new ArrayList<>();
        if (rowTaps) {
            // One 1x1 reduction over the channels per input position; the rows (co, tap) read weights reordered to
            // (groups, cout_g, taps, cin_g), all taps in kernel order.
            int[][] tables = reductionTables(channels, new int[] {0}, new int[][] {{0, 0, 0}}, flat, in3);
            classes.add(new GemmClass(in3, st3, new int[] {0, 0, 0}, new int[] {1, 1, 1}, new int[] {0, 0, 0}, cinG, cinG, tables[0],
                    tables[1], java.util.stream.IntStream.range(0, kvol).toArray()));
            return classes;
        }
        if (!s.transposed()) {
            int[] taps = java.util.stream.IntStream.range(0, kvol).toArray();
            int[][] offsets = new int[kvol][];
            for (int kz = 0, t = 0; kz < k3[0]; kz++) {
                for (int ky = 0; ky < k3[1]; ky++) {
                    for (int kx = 0; kx < k3[2]; kx++) {
                        offsets[t++] = new int[] {kz * dl3[0], ky * dl3[1], kx * dl3[2]};
                    }
                }
            }
            int[][] tables = reductionTables(channels, taps, offsets, flat, in3);
            classes.add(new GemmClass(out3, new int[] {1, 1, 1}, new int[] {0, 0, 0}, st3, pd3, cinG * kvol, cinG * kvol, tables[0], tables[1],
                    tapMajor && kvol > 1 ? taps : null));
            return classes;
        }
        int[] q = new int[3];
        for (int d = 0; d < 3; d++) {
            q[d] = (int) ClContext.ceilDiv(out3[d], st3[d]);
        }
        for (io.github.convcl.spec.ResidueClass rc : io.github.convcl.spec.ResidueClass.of(s)) {
            int taps = rc.taps().length;
            // Channel-major weights stay in the transposed layout (Cin, Cout/g, k...): row co, index (c, t) reads
            // w[c * coutG * kvol + co * kvol + tap], so each index has its offset.
            int[][] tables = reductionTables(channels, rc.taps(), rc.offsets(), flat, in3);
            if (!tapMajor) {
                for (int c = 0, i = 0; c < cinG; c++) {
                    for (int t = 0; t < taps; t++) {
                        tables[1][i++] = c * coutG * kvol + rc.taps()[t];
                    }
                }
            }
            classes.add(new GemmClass(q, st3, rc.residue(), new int[] {1, 1, 1}, new int[] {0, 0, 0}, tapMajor ? taps * cinG : kvol,
                    cinG * taps, tables[0], tables[1], tapMajor ? rc.taps() : null));
        }
        return classes;
    }

    /**
     * ktab and kwoff for {@code channels} x taps entries (channel-major; kwoff[i] = i), padded to a multiple of
     * {@link #TABLE_STEP}; ktab's tail reads nothing.
     */
    private static int[][] reductionTables(int channels, int[] taps, int[][] offsets, boolean flat, int[] in3) {
        int reduction = channels * taps.length;
        int padded = Math.max(TABLE_STEP, (int) ClContext.ceilDiv(reduction, TABLE_STEP) * TABLE_STEP);
        int[] ktab = new int[4 * padded];
        int[] kwoff = new int[padded];
        for (int c = 0, i = 0; c < channels; c++) {
            for (int t = 0; t < taps.length; t++, i++) {
                int[] o = offsets[t];
                ktab[4 * i] = flat ? (c * in3[0] + o[0]) * in3[1] * in3[2] + o[1] * in3[2] + o[2] : c;
                ktab[4 * i + 1] = o[0];
                ktab[4 * i + 2] = o[1];
                ktab[4 * i + 3] = o[2];
                kwoff[i] = i;
            }
        }
        for (int i = reduction; i < padded; i++) {
            ktab[4 * i + 1] = -(1 << 30);
        }
        return new int[][] {ktab, kwoff};
    }
}
