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
            plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32, t));
            plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32, t));
            if (t.isValidMmaFragmentTiling(3)) {
                plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32_FRAG, t));
            }
            if (t.isValidMmaFragmentTiling(1)) {
                plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32_FRAG, t));
            }
        }
        for (Tuning t : Planner.GEMM_TILE_CANDIDATES) {
            plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM, t));
        }
        return plans.stream();
    }

    private static boolean clangAvailable() {
        try {
            Process p = new ProcessBuilder(CLANG, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void compilesToPtxWithTheExpectedInstructionsAndNoStack(Plan plan) throws Exception {
        Tuning t = plan.tuning();
        String options = t.buildOptions() + (plan.algorithm().isTensorCore() ? " -DMMA=" + plan.algorithm().tf32Products() : "")
                + (plan.algorithm().fragmentTiles() ? " -DMMA_FRAG" : "")
                + OpenClBackend.gemmTableOptions(io.github.convcl.spec.PaddingMode.ZEROS, true);
        checkPtx(plan, ptx("implicit_gemm", options));
        checkPtx(plan, ptx("implicit_gemm", options + " -DTAP_MAJOR"));
        checkPtx(plan, ptx("implicit_gemm", options + " -DTAP_MAJOR" + OpenClBackend.rowTapsOptions(new int[] {1, 2, 2})));
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
                // for 3xTF32 (high parts and remainders).
                long v4 = code.lines().filter(l -> l.contains("ld.shared.v4.u32") || l.contains("ld.shared.v4.b32")).count();
                long loads = (long) (t.wm() / 16 + t.wn() / 16) * (plan.algorithm().tf32Products() == 3 ? 2 : 1);
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
        long stack = code.lines().filter(l -> l.contains("ld.local") || l.contains("st.local")).count();
        assertEquals(0, stack, "accumulators or fragments spilled to the stack (local memory)");
    }

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
        return Stream.of(OpenClBackend.depthwiseRowsOptions(new int[] {1, 3, 3}, new int[] {1, 1, 1}, new int[] {1, 1, 1}),
                OpenClBackend.depthwiseRowsOptions(new int[] {1, 5, 5}, new int[] {1, 2, 2}, new int[] {1, 1, 1}),
                OpenClBackend.depthwiseRowsOptions(new int[] {1, 1, 7}, new int[] {1, 1, 1}, new int[] {1, 1, 4}));
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
