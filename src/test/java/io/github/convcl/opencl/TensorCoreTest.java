// The tensor-core kernels and the precision setting: TF32 within its documented bound, 3xTF32 at FP32 accuracy,
// the planner's choice per precision, and the fallback when a compiler refuses the PTX.
package io.github.convcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.convcl.ConvCL;
import io.github.convcl.TestSupport;
import io.github.convcl.backend.Backend;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.Reference;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.DeviceFacts;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Precision;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * Runs on the CPU OpenCL device (PoCL in CI), where the tensor-core kernels run emulated: the same tiling, loaders,
 * TF32 rounding and fragment layout as on NVIDIA, with each m16n8k8 product computed in OpenCL C. A test table of
 * layers checks each mode against the float64 reference.
 */
class TensorCoreTest extends OpenClCpuFixture {
    /** 3xTF32 must be as accurate as FP32: error within this fraction of sum|w*x| (FP32 itself reaches about 1e-7). */
    static final double THREE_TF32_RELATIVE = 1e-5;
    /** TF32 rounds: on these random layers some output must be off by more than FP32 ever is. */
    static final double TF32_VISIBLE_RELATIVE = 1e-5;

    static final String FIRST_LAYER = "strided 3x3";

    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of("dense 3x3", ConvSpec.conv(2).input(2, 24, 10, 11).outChannels(40).kernel(3).padding(1).build()),
                Arguments.of("strided 3x3", ConvSpec.conv(2).input(1, 16, 13, 12).outChannels(32).kernel(3).stride(2).padding(1).build()),
                Arguments.of("dilated 3x3", ConvSpec.conv(2).input(1, 16, 12, 12).outChannels(20).kernel(3).dilation(2).padding(2).build()),
                Arguments.of("1x1", ConvSpec.conv(2).input(2, 48, 7, 9).outChannels(36).kernel(1).build()),
                Arguments.of("conv1d", ConvSpec.conv(1).input(2, 20, 30).outChannels(24).kernel(5).padding(2).build()),
                Arguments.of("3d", ConvSpec.conv(3).input(1, 8, 5, 6, 7).outChannels(24).kernel(3).padding(1).build()),
                Arguments.of("transposed s2", ConvSpec.convTranspose(2).input(1, 32, 6, 7).outChannels(24).kernel(4).stride(2).padding(1).build()),
                Arguments.of("transposed 3d", ConvSpec.convTranspose(3).input(1, 16, 3, 4, 4).outChannels(16).kernel(2).stride(2).build()),
                Arguments.of("reflect pad", ConvSpec.conv(2).input(1, 16, 9, 9).outChannels(16).kernel(3).padding(1)
                        .paddingMode(io.github.convcl.spec.PaddingMode.REFLECT).build()));
    }

    /** max over outputs of |y - ref| / sum|w*x|. */
    private static double relativeToMagnitude(ConvSpec s, float[] y, float[] x, float[] w, float[] b) {
        return TestSupport.worstRelativeToMagnitude(y, Reference.convolve(s, x, w, b), TestSupport.magnitude(s, x, w));
    }

    private static float[][] data(ConvSpec s, long seed) {
        RandomSpecs r = new RandomSpecs(seed, 1);
        return new float[][] {r.data(s.inputElements()), r.data(s.weightElements()), s.hasBias() ? r.data(s.outChannels()) : null};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void tf32StaysWithinItsBoundAndVisiblyRounds(String name, ConvSpec spec) {
        ConvSpec s = spec.withPrecision(Precision.TF32);
        float[][] d = data(s, name.hashCode());
        Backend b = cl.backend();
        for (Plan p : List.of(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32, Planner.MMA_TILES), new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32, Planner.MMA_TILE_CANDIDATES.get(1)))) {
            assertTrue(b.applicablePlans(s).stream().anyMatch(q -> q.tiles().equals(p)), p + " offered for " + s);
            float[] y = b.convolveArrays(s, p, d[0], d[1], d[2]);
            double rel = relativeToMagnitude(s, y, d[0], d[1], d[2]);
            assertTrue(rel <= Precision.TF32_RELATIVE_BOUND, name + " " + p + ": error / sum|w*x| = " + rel);
            assertTrue(rel > TF32_VISIBLE_RELATIVE, name + " " + p + ": error / sum|w*x| = " + rel + ", so the inputs were not rounded to TF32");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void threeTf32KeepsFp32Accuracy(String name, ConvSpec s) {
        float[][] d = data(s, name.hashCode() + 1);
        Plan p = new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32, Planner.MMA_TILES);
        float[] y = cl.backend().convolveArrays(s, p, d[0], d[1], d[2]);
        double rel = relativeToMagnitude(s, y, d[0], d[1], d[2]);
        assertTrue(rel <= THREE_TF32_RELATIVE, name + ": error / sum|w*x| = " + rel);
        TestSupport.assertClose(name, y, Reference.convolve(s, d[0], d[1], d[2]));
    }

    /**
     * The fragment-ordered tiles hold the same TF32 parts and feed the same products in the same order as the row
     * layout, so every tiling that allows them must give bit-identical outputs; and 3xTF32 through them stays at FP32
     * accuracy; so must the tiles filled by cp.async (ASYNC_COPY), which hold raw values and round them at the read.
     * The strided layer covers every tiling in TF32: the three column mappings (fewer, as many and more warps than
     * 16-column blocks), one and two stages (cp.async: two to four), k steps of 16 and 32.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void fragmentOrderedTilesMatchTheRowLayoutBitForBit(String name, ConvSpec spec) {
        Backend b = cl.backend();
        int checked = 0;
        for (Precision precision : List.of(Precision.FP32, Precision.TF32)) {
            ConvSpec s = spec.withPrecision(precision);
            float[][] d = data(s, name.hashCode() + 2);
            int products = precision == Precision.TF32 ? 1 : 3;
            // Every tiling on the first layer; on the others (each a slow PoCL build per tiling) the default tiling and
            // one with more warps than 16-column blocks.
            // 3xTF32 shares every index computation with TF32 (it adds the split): its every-tiling pass is TF32's.
            List<io.github.convcl.plan.Tuning> tilings = name.equals(FIRST_LAYER) && products == 1 ? Planner.MMA_TILE_CANDIDATES
                    : TapMajorGemmTest.FRAGMENT_TILINGS;
            for (io.github.convcl.plan.Tuning t : tilings) {
                if (!t.isValidMmaFragmentTiling(products) || products == 3 && !t.fitsThreeProducts()) {
                    continue;
                }
                Plan rows = new Plan(products == 1 ? Algorithm.CL_IMPLICIT_GEMM_TF32 : Algorithm.CL_IMPLICIT_GEMM_3XTF32, t);
                List<Plan> variants = new java.util.ArrayList<>(List.of(
                        new Plan(products == 1 ? Algorithm.CL_IMPLICIT_GEMM_TF32_FRAG : Algorithm.CL_IMPLICIT_GEMM_3XTF32_FRAG, t)));
                // cp.async: every tiling on the first layer, the default tiling on the others.
                if (t.isValidMmaAsyncTiling() && (name.equals(FIRST_LAYER) || t.equals(Planner.MMA_TILES))) {
                    // cp.async stages: the raw values, rounded (split) at the read into the same TF32 parts.
                    variants.add(new Plan(products == 1 ? Algorithm.CL_IMPLICIT_GEMM_TF32_ASYNC : Algorithm.CL_IMPLICIT_GEMM_3XTF32_ASYNC, t));
                }
                float[] expected = b.convolveArrays(s, rows, d[0], d[1], d[2]);
                for (Plan frag : variants) {
                    assertTrue(b.applicablePlans(s).stream().anyMatch(q -> q.tiles().equals(frag)), frag + " offered for " + s);
                    float[] y = b.convolveArrays(s, frag, d[0], d[1], d[2]);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, y, name + " " + frag);
                    if (products == 3) {
                        double rel = relativeToMagnitude(s, y, d[0], d[1], d[2]);
                        assertTrue(rel <= THREE_TF32_RELATIVE, name + " " + frag + ": error / sum|w*x| = " + rel);
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked >= (name.equals(FIRST_LAYER) ? 14 : 6), "fragment-ordered tilings checked: " + checked);
    }

    @Test
    void tf32PlansAreOfferedOnlyToCallsThatAllowTf32() {
        ConvSpec s = ConvSpec.conv(2).input(1, 16, 8, 8).outChannels(16).kernel(3).build();
        assertFalse(cl.backend().applicablePlans(s).stream().anyMatch(p -> p.algorithm() == Algorithm.CL_IMPLICIT_GEMM_TF32));
        assertTrue(cl.backend().applicablePlans(s.withPrecision(Precision.TF32)).stream().anyMatch(p -> p.algorithm() == Algorithm.CL_IMPLICIT_GEMM_TF32));
    }

    @Test
    void precisionPerRuntimeAndPerCall() {
        ConvSpec s = ConvSpec.conv(2).input(1, 16, 8, 8).outChannels(16).kernel(3).build();
        float[][] d = data(s, 7);
        double[] ref = Reference.convolve(s, d[0], d[1], d[2]);
        try (ConvCL java = ConvCL.open("java")) {
            assertEquals(Precision.FP32, java.precision());
            java.precision(Precision.TF32);
            // No tensor cores here: TF32 calls compute FP32, which meets the TF32 bound a fortiori.
            TestSupport.assertClose("java tf32", java.convolve(s, d[0], d[1], d[2]), ref);
            assertEquals(Algorithm.JAVA_DIRECT_GEMM, java.plan(s).algorithm());
        }
        cl.precision(Precision.TF32);
        try {
            assertFalse(cl.plan(s).algorithm().isTensorCore(), "the planner never picks (emulated) tensor cores on " + cl.device());
            TestSupport.assertClose("opencl-cpu tf32", cl.convolve(s, d[0], d[1], d[2]), ref);
            // A call's own precision wins over the runtime's.
            assertEquals(Precision.FP32, s.withPrecision(Precision.FP32).precision());
            assertTrue(s.withPrecision(Precision.FP32).precisionSet());
            assertFalse(s.precisionSet());
        } finally {
            cl.precision(Precision.FP32);
        }
        assertEquals(Precision.TF32, Precision.parse("TF32"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp16"));
        assertTrue(e.getMessage().contains("precision=fp16"), e.getMessage());
        assertTrue(s.withPrecision(Precision.TF32).toString().contains("precision=tf32"));
        assertFalse(s.equals(s.withPrecision(Precision.TF32)));
    }

    /**
     * A device that claims native tensor cores but whose compiler refuses the inline PTX (PoCL here): the first call
     * logs one WARN, finishes on the FP32 kernels, and the planner stops offering tensor cores; nothing leaks.
     */
    @Test
    void aCompilerThatRefusesThePtxFallsBackWithOneWarning() {
        ConvSpec s = ConvSpec.conv(2).input(1, 32, 12, 12).outChannels(32).kernel(3).padding(1).build();
        float[][] d = data(s, 11);
        double[] ref = Reference.convolve(s, d[0], d[1], d[2]);
        Logger log = (Logger) LoggerFactory.getLogger(OpenClBackend.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        Map<ClCounters.Kind, Long> baseline = ClCounters.snapshot();
        try (ConvCL native_ = TestSupport.openOrSkip("opencl-cpu", io.github.convcl.config.Settings.fromSystem().withTensorCores("native"))) {
            OpenClBackend b = (OpenClBackend) native_.backend();
            assertEquals(DeviceFacts.TensorCores.NATIVE, b.facts().tensorCores());
            b.tuned(Map.of("dense", new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32, Planner.MMA_TILES)));
            assertTrue(native_.plan(s).algorithm().isTensorCore());
            for (int i = 0; i < 3; i++) {
                TestSupport.assertClose("after the refused build", native_.convolve(s, d[0], d[1], d[2]), ref);
            }
            List<ILoggingEvent> warns = events.list.stream().filter(e -> e.getLevel().toString().equals("WARN")).toList();
            assertEquals(1, warns.size(), warns.toString());
            assertTrue(warns.get(0).getFormattedMessage().contains("refused the tensor-core"), warns.get(0).getFormattedMessage());
            assertEquals(DeviceFacts.TensorCores.NONE, b.facts().tensorCores());
            assertFalse(native_.plan(s).algorithm().isTensorCore());
        } finally {
            log.detachAppender(events);
        }
        assertEquals(baseline, ClCounters.snapshot(), "live OpenCL objects after close");
    }
}
