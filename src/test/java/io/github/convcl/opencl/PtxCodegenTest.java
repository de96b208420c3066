// Compiles implicit_gemm.cl for NVIDIA (PTX) with the clang that PoCL depends on: the tensor-core kernel's inline
// PTX must assemble into exactly the mma.sync instructions its tiling implies, and no kernel may keep its
// accumulators on the stack. A static check of the GPU code, on machines without a GPU.
package io.github.convcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.convcl.TestSupport;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.plan.Tuning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PtxCodegenTest {
    /** PoCL 3.1 (Debian 12) depends on clang-15, whose NVPTX back end knows sm_80 (the first with TF32 mma). */
    static final String CLANG = System.getProperty("convcl.clang", "clang-15");

    @TempDir
    Path dir;

    static Stream<Plan> plans() {
        List<Plan> plans = new ArrayList<>();
        for (Tuning t : Planner.MMA_TILE_CANDIDATES) {
            if (t.fitsThreeProducts()) {
                plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32, t));
            }
            plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32, t));
            if (t.isValidMmaFragmentTiling(3) && t.fitsThreeProducts()) {
                plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32_FRAG, t));
            }
            if (t.isValidMmaFragmentTiling(1)) {
                plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32_FRAG, t));
            }
            if (t.isValidMmaAsyncTiling() && t.fitsThreeProducts()) {
                plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32_ASYNC, t));
            }
            if (t.isValidMmaAsyncTiling()) {
                plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32_ASYNC, t));
            }
        }
        for (Tuning t : Planner.GEMM_TILE_CANDIDATES) {
            plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM, t));
            if (t.tk() == 16 && t.isValidGemmAsyncTiling()) {
                plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_ASYNC, t));
            }
        }
        return plans.stream();
    }

    private static boolean clangAvailable() {
        return tool(CLANG, "--version");
    }

    private static boolean tool(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void compilesToPtxWithTheExpectedInstructionsAndNoStack(Plan plan) throws Exception {
        String options = ImplicitGemmLauncher.gemmPlanOptions(plan) + ImplicitGemmLauncher.gemmTableOptions(io.github.convcl.spec.PaddingMode.ZEROS, true);
        checkPtx(plan, ptx("implicit_gemm", options));
        checkPtx(plan, ptx("implicit_gemm", options + " -DTAP_MAJOR"));
        checkPtx(plan, ptx("implicit_gemm", options + " -DTAP_MAJOR" + ImplicitGemmLauncher.rowTapsOptions(new int[] {1, 2, 2})));
    }

    private static void checkPtx(Plan plan, String code) {
        Tuning t = plan.tuning();
        long mma = code.lines().filter(l -> l.contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32")).count();
        if (plan.algorithm().isTensorCore()) {
            long perStep = (long) (t.wm() / 16) * (t.wn() / 8) * plan.algorithm().tf32Products();
            assertEquals(perStep * (t.tk() / 8), mma, "mma.sync instructions in the unrolled reduction step");
            assertTrue(code.contains(".entry conv_implicit_gemm_mma"), "kernel entry");
            if (plan.algorithm().fragmentTiles()) {
                // Each fragment read is one 16-byte local load: per k8 step WM/16 weight and WN/16 input blocks, twice
                // for 3xTF32 with the parts stored apart (the cp.async tiles hold raw values, split at the read).
                long v4 = code.lines().filter(l -> l.contains("ld.shared.v4.u32") || l.contains("ld.shared.v4.b32")
                        || l.contains("ld.shared.v4.f32")).count();
                boolean split = plan.algorithm().tf32Products() == 3 && !plan.algorithm().asyncCopies();
                long loads = (long) (t.wm() / 16 + t.wn() / 16) * (split ? 2 : 1);
                assertEquals(loads * (t.tk() / 8), v4, "16-byte fragment loads in the unrolled reduction step");
                assertEquals(v4, code.lines().filter(l -> l.contains("ld.shared")).count(), "local reads other than the fragments'");
            }
        } else {
            assertEquals(0, mma);
            // Without libclc, clang leaves OpenCL's fma() as a call to the mangled builtin; NVIDIA's compiler inlines it.
            long fma = code.lines().map(String::trim).filter(l -> l.startsWith("fma.rn") || l.equals("_Z3fmafff,")).count();
            assertTrue(fma >= (long) t.wm() * t.wn() * t.tk(), "expected the unrolled " + t.wm() + "x" + t.wn() + "x" + t.tk()
                    + " FMAs, found " + fma);
        }
        long copies = code.lines().filter(l -> l.contains("cp.async.ca.shared.global")).count();
        if (plan.algorithm().asyncCopies()) {
            // A work-item's share of one stage, (TM + TN) * TK / WG elements, as 4-byte copies with a source size (zero
            // for padding), at one call site; no local stores remain (the tiles are filled by cp.async).
            int wg = plan.algorithm().isTensorCore() ? t.mmaWorkGroupSize() : t.workGroupSize();
            assertEquals((long) (t.tm() + t.tn()) * t.tk() / wg, copies, "cp.async copies of one stage");
            assertEquals(0, code.lines().filter(l -> l.contains("st.shared")).count(), "local stores beside cp.async");
            int stages = t.asyncStages(plan.algorithm().isTensorCore());
            assertTrue(stages >= 2 && code.contains("cp.async.wait_group " + (stages - 2) + ";"), "waits for all but " + (stages - 2) + " stages");
            assertTrue(code.contains("cp.async.commit_group;"), "commits each stage");
        } else {
            assertEquals(0, copies, "cp.async outside ASYNC_COPY");
        }
        long stack = code.lines().filter(l -> l.contains("ld.local") || l.contains("st.local")).count();
        assertEquals(0, stack, "accumulators or fragments spilled to the stack (local memory)");
    }

    /**
     * The PTX assembles for the H100 (sm_90) with NVIDIA's ptxas where it is installed (CUDA 13 here and in CI):
     * inside the 48 KiB of static local memory and with at most {@link #MAX_SPILL_BYTES} of spilled registers per
     * work-item. clang's PTX is not NVIDIA's OpenCL compiler's, but the register allocation is ptxas's in both; the
     * planner's tilings keep the accumulators and fragments in registers (Tuning.fitsThreeProducts excludes those that
     * spilled kilobytes).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void assemblesForSm90WithinLocalMemoryAndRegisters(Plan plan) throws Exception {
        assumeTrue(tool(PTXAS, "--version"), PTXAS + " not found");
        String options = ImplicitGemmLauncher.gemmPlanOptions(plan) + ImplicitGemmLauncher.gemmTableOptions(io.github.convcl.spec.PaddingMode.ZEROS, true)
                + " -DTAP_MAJOR";
        // Without libclc the work-item functions stay calls that ptxas cannot link: PTX special registers instead.
        Path prelude = dir.resolve("workitem.h");
        Files.writeString(prelude, String.join("\n",
                "#define CL_SREG(b, d) ((size_t)((d) == 0 ? b##_x() : (d) == 1 ? b##_y() : b##_z()))",
                "#define get_local_id(d) CL_SREG(__nvvm_read_ptx_sreg_tid, d)",
                "#define get_group_id(d) CL_SREG(__nvvm_read_ptx_sreg_ctaid, d)",
                "#define get_local_size(d) CL_SREG(__nvvm_read_ptx_sreg_ntid, d)",
                "#define get_global_id(d) (get_group_id(d) * get_local_size(d) + get_local_id(d))",
                "#define barrier(f) __nvvm_bar_sync(0)",
                "#define fma __builtin_fmaf",
                // the epilogue's one library call (kernels/common.cl): NVIDIA's compiler has its own exp
                "#define exp(x) __nvvm_ex2_approx_f((x) * 1.4426950408889634f)", ""));
        String code = ptx("implicit_gemm", options + " -include " + prelude);
        // clang-15 writes PTX 7.5 for sm_80; the same code for the H100.
        code = code.replaceFirst("(?m)^\\.version .*$", ".version 8.0").replaceFirst("(?m)^\\.target sm_80.*$", ".target sm_90");
        Path ptx = dir.resolve("sm90.ptx");
        Files.writeString(ptx, code);
        Process p = new ProcessBuilder(PTXAS, "-arch=sm_90", "-v", ptx.toString(), "-o", dir.resolve("sm90.cubin").toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ptxas timed out");
        assertEquals(0, p.exitValue(), "ptxas failed:\n" + log);
        String kernel = ImplicitGemmLauncher.gemmKernelName(plan);
        String props = log.substring(log.indexOf("'" + kernel + "'"));
        java.util.regex.Matcher spill = java.util.regex.Pattern.compile("(\\d+) bytes spill stores").matcher(props);
        assertTrue(spill.find(), log);
        assertTrue(Integer.parseInt(spill.group(1)) <= MAX_SPILL_BYTES, kernel + " spills " + spill.group(1) + " bytes:\n" + log);
    }

    static final String PTXAS = System.getProperty("convcl.ptxas", "ptxas");

    /**
     * The TF32 row layout spills 116-172 bytes on 64x64 warp tiles (128x128x16/64x64 nevertheless won the H100's
     * pointwise TF32 class); 3xTF32 on 64x64 warp tiles spilled 1 to 1.5 KiB, on 32x64 with TK 32 about 1 KiB.
     */
    static final int MAX_SPILL_BYTES = 256;

    /** Winograd tile shapes: F(2,3) and F(4,3) in 1D and 2D, F(2,3) in 3D, and 2D inside a 3D layer (kernel 1x3x3). */
    static Stream<String> winogradShapes() {
        return Stream.of("-DM=2 -DAZ=1 -DAY=4 -DAX=4", "-DM=4 -DAZ=1 -DAY=6 -DAX=6", "-DM=2 -DAZ=1 -DAY=1 -DAX=4",
                "-DM=4 -DAZ=1 -DAY=1 -DAX=6", "-DM=2 -DAZ=4 -DAY=4 -DAX=4", "-DM=4 -DAZ=1 -DAY=6 -DAX=1");
    }

    /** The transforms hold a whole tile in registers: after unrolling, no private array may be left on the stack. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("winogradShapes")
    void winogradTransformsKeepTheirTilesInRegisters(String options) throws Exception {
        String code = ptx("winograd", options);
        for (String kernel : KernelSource.FILES.get("winograd")) {
            assertTrue(code.contains(".entry " + kernel), kernel + " missing from the PTX");
        }
        long stack = code.lines().filter(l -> l.contains("ld.local") || l.contains("st.local")).count();
        assertEquals(0, stack, "a transform's tile went to the stack (local memory)");
    }

    /** The depthwise rows kernel keeps its window's weights in registers for 3x3, 5x5 (stride 2) and 1D k7 dilated. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("depthwiseWindows")
    void depthwiseRowsKeepsItsWeightsInRegisters(String options) throws Exception {
        String code = ptx("depthwise", options);
        assertTrue(code.contains(".entry conv_depthwise_rows"), "kernel entry");
        long stack = code.lines().filter(l -> l.contains("ld.local") || l.contains("st.local")).count();
        assertEquals(0, stack, "the weights went to the stack (local memory)");
    }

    static Stream<String> depthwiseWindows() {
        return Stream.of(DepthwiseLauncher.depthwiseRowsOptions(new int[] {1, 3, 3}, new int[] {1, 1, 1}, new int[] {1, 1, 1}),
                DepthwiseLauncher.depthwiseRowsOptions(new int[] {1, 5, 5}, new int[] {1, 2, 2}, new int[] {1, 1, 1}),
                DepthwiseLauncher.depthwiseRowsOptions(new int[] {1, 1, 7}, new int[] {1, 1, 1}, new int[] {1, 1, 4}));
    }

    private String ptx(String file, String options) throws Exception {
        boolean clang = clangAvailable();
        if (!clang && TestSupport.openClRequired()) {
            throw new AssertionError(CLANG + " (a dependency of PoCL) is missing, so the PTX check cannot run");
        }
        assumeTrue(clang, CLANG + " not found");
        Path src = dir.resolve(file + ".cl");
        Files.writeString(src, KernelSource.load(file));
        Path ptx = dir.resolve(file + ".ptx");
        List<String> cmd = new ArrayList<>(List.of(CLANG, "-target", "nvptx64-nvidia-nvcl", "-x", "cl", "-cl-std=CL1.2",
                "-Xclang", "-finclude-default-header", "-O2", "-cl-mad-enable", "-S", "-Xclang", "-target-cpu", "-Xclang", "sm_80",
                // NVIDIA's OpenCL compiler takes the GNU keyword asm; clang's OpenCL mode knows only __asm__.
                "-Dasm=__asm__", "-o", ptx.toString()));
        cmd.addAll(List.of(options.trim().split(" +")));
        cmd.add(src.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "clang timed out");
        assertEquals(0, p.exitValue(), "clang failed:\n" + log);
        return Files.readString(ptx);
    }

    /**
     * The shipped kernels unroll with plain {@code #pragma unroll} only: NVIDIA documents it (cl_nv_pragma_unroll),
     * not the {@code _Pragma} operator, and a build failure there would send every GPU call to the fallback.
     */
    @org.junit.jupiter.api.Test
    void kernelsUseOnlyDocumentedPragmas() {
        for (String file : KernelSource.FILES.keySet()) {
            String src = KernelSource.load(file);
            org.junit.jupiter.api.Assertions.assertFalse(src.contains("_Pragma"), file + ".cl uses _Pragma");
            src.lines().filter(l -> l.trim().startsWith("#pragma")).forEach(l -> assertTrue(
                    l.trim().equals("#pragma unroll") || l.trim().startsWith("#pragma OPENCL EXTENSION"), file + ".cl: " + l.trim()));
        }
    }
}
