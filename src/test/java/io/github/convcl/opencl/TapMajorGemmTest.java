// The implicit GEMM's tap-major reduction (TAP_MAJOR in implicit_gemm.cl: reordered weights, one bounds check per
// tap and step) on the CPU OpenCL device: every implicit-GEMM plan, FP32 and emulated 3xTF32, against the float64
// reference, on layers that take it and on layers that keep the channel-major tables.
package io.github.convcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.TestSupport;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.plan.Tuning;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Padding;
import io.github.convcl.spec.PaddingMode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TapMajorGemmTest extends OpenClCpuFixture {
    /** FP32 and 3xTF32 both stay within this fraction of sum|w*x| (FP32 reaches about 1e-7). */
    static final double RELATIVE = 1e-5;

    /** Channels per group are multiples of 16 (every tiling's step divides them) unless the name says otherwise. */
    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of("3x3 padded, bias, ragged columns", ConvSpec.conv(2).input(2, 32, 9, 11).outChannels(24).kernel(3).padding(1).build()),
                Arguments.of("3x3 stride 2", ConvSpec.conv(2).input(1, 16, 13, 12).outChannels(20).kernel(3).stride(2).padding(1).build()),
                Arguments.of("5x5 dilated, asymmetric same", ConvSpec.conv(2).input(1, 16, 12, 10).outChannels(12).kernel(5, 3)
                        .dilation(2, 1).padding(Padding.same()).build()),
                Arguments.of("1x1", ConvSpec.conv(2).input(3, 64, 5, 7).outChannels(40).kernel(1).build()),
                Arguments.of("16 outputs per image: vector stores, a partial last tile", ConvSpec.conv(2).input(3, 16, 4, 4).outChannels(24)
                        .kernel(3).padding(1).build()),
                Arguments.of("1x1 stride 2", ConvSpec.conv(2).input(1, 32, 9, 9).outChannels(16).kernel(1).stride(2).build()),
                Arguments.of("conv1d k7", ConvSpec.conv(1).input(2, 48, 29).outChannels(16).kernel(7).padding(3).build()),
                Arguments.of("conv3d k3", ConvSpec.conv(3).input(1, 16, 4, 6, 5).outChannels(24).kernel(3).padding(1).build()),
                Arguments.of("grouped, 32 channels per group", ConvSpec.conv(2).input(1, 64, 7, 7).outChannels(32).groups(2).kernel(3).padding(1).build()),
                Arguments.of("8 channels (tk 8 only)", ConvSpec.conv(2).input(1, 8, 7, 9).outChannels(16).kernel(3).padding(1).build()),
                Arguments.of("transposed 4x4 stride 2 (DCGAN)", ConvSpec.convTranspose(2).input(2, 32, 5, 6).outChannels(24).kernel(4)
                        .stride(2).padding(1).build()),
                Arguments.of("transposed 3x3 stride 2, output padding, dilation", ConvSpec.convTranspose(2).input(1, 16, 5, 5).outChannels(8)
                        .kernel(3).stride(2).padding(1).dilation(2).outputPadding(1).build()),
                Arguments.of("transposed 1x1 stride 2 (classes without taps)", ConvSpec.convTranspose(2).input(1, 16, 4, 5).outChannels(8)
                        .kernel(1).stride(2).build()),
                Arguments.of("transposed 3d 2x2x2 stride 2", ConvSpec.convTranspose(3).input(1, 16, 3, 4, 3).outChannels(8).kernel(2)
                        .stride(2).build()),
                Arguments.of("transposed 2x2 stride 2, grouped, bias (one GEMM of (channel, tap) rows)", ConvSpec.convTranspose(2)
                        .input(2, 32, 5, 7).outChannels(12).groups(2).kernel(2).stride(2).bias(true).build()),
                Arguments.of("transposed 1d kernel 3 stride 3, 12 channels (one GEMM, channel-major)", ConvSpec.convTranspose(1)
                        .input(2, 12, 11).outChannels(10).kernel(3).stride(3).bias(true).build()),
                Arguments.of("transposed 1d grouped", ConvSpec.convTranspose(1).input(2, 32, 9).outChannels(16).groups(2).kernel(5)
                        .stride(3).padding(2).build()),
                Arguments.of("3 channels (channel-major)", ConvSpec.conv(2).input(1, 3, 15, 15).outChannels(16).kernel(7).stride(2).padding(3).build()),
                Arguments.of("reflect (channel-major)", ConvSpec.conv(2).input(1, 16, 8, 8).outChannels(16).kernel(3).padding(1)
                        .paddingMode(PaddingMode.REFLECT).build()));
    }

    /** The layers checked with every tiling (each tiling is a slow build on PoCL); the others take TestSupport.GEMM_TILINGS. */
    static final java.util.Set<String> EVERY_TILING = java.util.Set.of("3x3 padded, bias, ragged columns",
            "transposed 4x4 stride 2 (DCGAN)", "grouped, 32 channels per group");

    /** The layer that runs the FMA kernel's cp.async stages with every tiling (the others: asyncCopiesMatch...). */
    static final String ASYNC_EVERY_TILING = "3x3 padded, bias, ragged columns";

    /**
     * The fragment-ordered MMA kernel with as many warps as 16-column blocks (the default tiling) and with more
     * (8 warps, 4 blocks): TensorCoreTest's tilings on its layers beyond the first; here the default only.
     */
    static final List<Tuning> FRAGMENT_TILINGS = List.of(Planner.MMA_TILES, new Tuning(128, 64, 16, 32, 32));

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void everyImplicitGemmPlanMatchesTheReference(String name, ConvSpec s) {
        boolean every = EVERY_TILING.contains(name);
        List<Plan> plans = cl.backend().applicablePlans(s).stream()
                .filter(p -> p.algorithm() == Algorithm.CL_IMPLICIT_GEMM || p.algorithm() == Algorithm.CL_IMPLICIT_GEMM_3XTF32
                        || p.algorithm() == Algorithm.CL_IMPLICIT_GEMM_ASYNC && name.equals(ASYNC_EVERY_TILING)
                        || (p.algorithm() == Algorithm.CL_IMPLICIT_GEMM_3XTF32_FRAG || p.algorithm() == Algorithm.CL_IMPLICIT_GEMM_3XTF32_ASYNC)
                                && p.tuning().equals(Planner.MMA_TILES))
                .filter(p -> every || TestSupport.GEMM_TILINGS.contains(p.tuning())).toList();
        if (every) {
            long threeProducts = Planner.MMA_TILE_CANDIDATES.stream().filter(io.github.convcl.plan.Tuning::fitsThreeProducts).count();
            assertTrue(plans.size() >= Planner.GEMM_TILE_CANDIDATES.size() + threeProducts + 2,
                    "implicit-GEMM plans offered: " + plans);
        }
        TestSupport.assertPlansMatchReference(cl.backend(), name, s, plans, RELATIVE);
    }

    /**
     * FMA tilings with 4 and 2 cp.async stages (ASYNC_COPY), both among TestSupport.GEMM_TILINGS (whose register-staged
     * builds the other tests share); TensorCoreTest runs 3 stages.
     */
    static final List<Tuning> ASYNC_TILINGS = List.of(Planner.GPU_TILES, new Tuning(128, 128, 16, 8, 8));

    static Stream<Arguments> asyncLayers() {
        java.util.Set<String> names = java.util.Set.of("3x3 padded, bias, ragged columns", "1x1", "conv3d k3", "8 channels (tk 8 only)",
                "transposed 1x1 stride 2 (classes without taps)", "reflect (channel-major)");
        return layers().filter(a -> names.contains((String) a.get()[0]));
    }

    /**
     * The FMA kernel with cp.async stages (emulated here as plain copies) computes the same products in the same order
     * as the register-staged one: the same bits, on tap-major, channel-major (8 channels with 16-step tiles, reflect
     * padding), transposed and short-reduction layers, with 2 and 4 stages and reductions shorter than the stages.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("asyncLayers")
    void asyncCopiesMatchTheRegisterStagedKernelBitForBit(String name, ConvSpec s) {
        assertEquals(List.of(4, 2), ASYNC_TILINGS.stream().map(t -> t.asyncStages(false)).toList());
        RandomSpecs r = new RandomSpecs(name.hashCode(), 1);
        float[] x = r.data(s.inputElements());
        float[] w = r.data(s.weightElements());
        float[] b = s.hasBias() ? r.data(s.outChannels()) : null;
        for (Tuning t : ASYNC_TILINGS) {
            Plan async = new Plan(Algorithm.CL_IMPLICIT_GEMM_ASYNC, t);
            assertTrue(cl.backend().applicablePlans(s).stream().anyMatch(q -> q.tiles().equals(async)), async + " offered for " + name);
            float[] y = cl.backend().convolveArrays(s, async, x, w, b);
            org.junit.jupiter.api.Assertions.assertArrayEquals(cl.backend().convolveArrays(s, new Plan(Algorithm.CL_IMPLICIT_GEMM, t), x, w, b),
                    y, name + " " + async);
        }
    }

    /**
     * A transposed convolution whose kernel is its stride runs as one GEMM of (channel, tap) rows: the same products
     * in the same order as the residue classes, so the same bits; and only such layers take that path.
     */
    @Test
    void upsamplingAsOneGemmMatchesTheResidueClassesBitForBit() {
        ConvSpec s = ConvSpec.convTranspose(2).input(2, 16, 6, 5).outChannels(24).kernel(2).stride(2).bias(true).build();
        assertTrue(io.github.convcl.plan.ClGemm.rowTapsShaped(s));
        assertFalse(io.github.convcl.plan.ClGemm.rowTapsShaped(s.toBuilder().padding(1).build()), "padding");
        assertFalse(io.github.convcl.plan.ClGemm.rowTapsShaped(s.toBuilder().kernel(3).build()), "kernel 3, stride 2");
        assertFalse(io.github.convcl.plan.ClGemm.rowTapsShaped(s.toBuilder().stride(1).kernel(2).build()), "overlapping taps");
        assertFalse(io.github.convcl.plan.ClGemm.rowTapsShaped(ConvSpec.conv(2).input(1, 4, 6, 6).outChannels(4).kernel(2).stride(2).build()), "convolution");
        // Widths 5 (scalar stores), 8 and 4 (the FMA kernel's paired float4 stores), 2D, 3D and 1D.
        List<ConvSpec> layers = List.of(s, s.toBuilder().input(1, 16, 3, 8).build(),
                ConvSpec.convTranspose(3).input(1, 16, 2, 3, 4).outChannels(8).kernel(2).stride(2).build(),
                ConvSpec.convTranspose(1).input(2, 16, 12).outChannels(8).kernel(2).stride(2).bias(true).build());
        RandomSpecs r = new RandomSpecs(5, 1);
        for (ConvSpec l : layers) {
            assertTrue(io.github.convcl.plan.ClGemm.rowTapsShaped(l), l.toString());
            float[] x = r.data(l.inputElements());
            float[] w = r.data(l.weightElements());
            float[] b = l.hasBias() ? r.data(l.outChannels()) : null;
            List<Plan> plans = cl.backend().applicablePlans(l).stream()
                    .filter(p -> p.algorithm() == Algorithm.CL_IMPLICIT_GEMM || p.algorithm() == Algorithm.CL_IMPLICIT_GEMM_3XTF32)
                    .filter(p -> TestSupport.GEMM_TILINGS.contains(p.tuning()))
                    .filter(p -> ((io.github.convcl.plan.ClGemm) p.variant()).rowTaps()).toList();
            assertFalse(plans.isEmpty());
            for (Plan p : plans) {
                float[] one = cl.backend().convolveArrays(l, p, x, w, b);
                io.github.convcl.plan.ClGemm tables = (io.github.convcl.plan.ClGemm) p.variant();
                assertTrue(tables.rowTaps(), "the planner takes row taps: " + p);
                float[] classes = cl.backend().convolveArrays(l, p.with(new io.github.convcl.plan.ClGemm(tables.flatTable(), tables.tapMajor(), false)),
                        x, w, b);
                org.junit.jupiter.api.Assertions.assertArrayEquals(classes, one, l + " " + p);
                TestSupport.assertClose(l + " " + p, one, io.github.convcl.jvm.Reference.convolve(l, x, w, b));
            }
        }
    }

    @Test
    void whichLayersRunTapMajor() {
        Tuning tk16 = Planner.GPU_TILES;
        Tuning tk8 = new Tuning(128, 64, 8, 8, 4);
        ConvSpec c16 = ConvSpec.conv(2).input(1, 16, 9, 9).outChannels(8).kernel(3).padding(1).build();
        assertTrue(io.github.convcl.plan.ClGemm.tapMajorShaped(c16, tk16));
        ConvSpec c8 = c16.toBuilder().input(1, 8, 9, 9).build();
        assertFalse(io.github.convcl.plan.ClGemm.tapMajorShaped(c8, tk16), "8 channels, step 16");
        assertTrue(io.github.convcl.plan.ClGemm.tapMajorShaped(c8, tk8));
        assertFalse(io.github.convcl.plan.ClGemm.tapMajorShaped(c16.toBuilder().paddingMode(PaddingMode.CIRCULAR).build(), tk16), "circular padding");
        assertTrue(io.github.convcl.plan.ClGemm.tapMajorShaped(ConvSpec.convTranspose(2).input(1, 16, 9, 9).outChannels(8).kernel(3).stride(2).build(), tk16),
                "transposed: tap-major per residue class");
        ConvSpec dense = (ConvSpec) layers().findFirst().orElseThrow().get()[1];
        assertEquals(32, dense.inPerGroup(), "the first layer takes the tap-major path with every tiling");
    }
}
