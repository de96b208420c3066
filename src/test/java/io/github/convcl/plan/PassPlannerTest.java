// Which plan each pass of a layer gets on each kind of device: the backward passes' part of the planner's table.
package io.github.convcl.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Pass;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PassPlannerTest {
    static ConvSpec convT() {
        return ConvSpec.convTranspose(2).input(2, 64, 16, 16).outChannels(32).kernel(4).stride(2).padding(1).build();
    }

    /**
     * backward-data runs the adjoint's forward algorithm (stride 1 with zero padding: a convolution over flipped
     * weights, so Winograd and depthwise serve it; strided: a transposed convolution; transposed: a convolution);
     * backward-weight takes dot products up to 3 output channels per group on Java, else the tap tiles (the GEMM where
     * the phase planes would be too large: {@link #theJavaWeightGemmTakesLayersTooLargeForTapTiles}); OpenCL the split-reduction GEMM from 16 output channels per group, else the direct reduction.
     */
    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("resnet3x3", PlannerTest.resnet3x3(), Pass.BACKWARD_DATA, Algorithm.JAVA_WINOGRAD, Algorithm.CL_CPU_TILE, Algorithm.CL_IMPLICIT_GEMM),
                Arguments.of("resnet3x3", PlannerTest.resnet3x3(), Pass.BACKWARD_WEIGHT, Algorithm.JAVA_WEIGHT_TAPS, Algorithm.CL_WEIGHT_GEMM, Algorithm.CL_WEIGHT_GEMM),
                Arguments.of("resnet3x3s2", PlannerTest.resnet3x3s2(), Pass.BACKWARD_DATA, Algorithm.JAVA_TRANSPOSED_DIRECT, Algorithm.CL_CPU_TILE_TRANSPOSED,
                        Algorithm.CL_IMPLICIT_GEMM),
                Arguments.of("depthwise", PlannerTest.depthwise(), Pass.BACKWARD_DATA, Algorithm.JAVA_DEPTHWISE, Algorithm.CL_CPU_DEPTHWISE, Algorithm.CL_DEPTHWISE),
                Arguments.of("depthwise", PlannerTest.depthwise(), Pass.BACKWARD_WEIGHT, Algorithm.JAVA_WEIGHT_DOTS, Algorithm.CL_WEIGHT_DIRECT, Algorithm.CL_WEIGHT_DIRECT),
                Arguments.of("pointwise", PlannerTest.pointwise(), Pass.BACKWARD_DATA, Algorithm.JAVA_POINTWISE_GEMM, Algorithm.CL_CPU_TILE, Algorithm.CL_IMPLICIT_GEMM),
                Arguments.of("grouped 32 per group", PlannerTest.grouped(), Pass.BACKWARD_WEIGHT, Algorithm.JAVA_WEIGHT_TAPS, Algorithm.CL_WEIGHT_GEMM, Algorithm.CL_WEIGHT_GEMM),
                Arguments.of("grouped 8 per group", ConvSpec.conv(2).input(2, 256, 28, 28).outChannels(256).kernel(3).padding(1).groups(32).build(),
                        Pass.BACKWARD_WEIGHT, Algorithm.JAVA_WEIGHT_TAPS, Algorithm.CL_WEIGHT_DIRECT, Algorithm.CL_WEIGHT_DIRECT),
                Arguments.of("convT4x4s2", convT(), Pass.BACKWARD_DATA, Algorithm.JAVA_DIRECT_GEMM, Algorithm.CL_CPU_TILE, Algorithm.CL_IMPLICIT_GEMM),
                Arguments.of("convT4x4s2", convT(), Pass.BACKWARD_WEIGHT, Algorithm.JAVA_WEIGHT_TAPS, Algorithm.CL_WEIGHT_GEMM, Algorithm.CL_WEIGHT_GEMM),
                Arguments.of("depthwise reflect", PlannerTest.depthwiseReflect(), Pass.BACKWARD_DATA, Algorithm.JAVA_TRANSPOSED_DIRECT,
                        Algorithm.CL_CPU_TILE_TRANSPOSED, Algorithm.CL_TRANSPOSED_GATHER),
                Arguments.of("depthwise reflect", PlannerTest.depthwiseReflect(), Pass.BACKWARD_WEIGHT, Algorithm.JAVA_WEIGHT_DOTS,
                        Algorithm.CL_WEIGHT_DIRECT, Algorithm.CL_WEIGHT_DIRECT),
                Arguments.of("convT with output_padding", ConvSpec.convTranspose(2).input(1, 8, 5, 5).outChannels(4).kernel(3).stride(2)
                        .outputPadding(1).build(), Pass.BACKWARD_WEIGHT, Algorithm.JAVA_WEIGHT_TAPS, Algorithm.CL_WEIGHT_DIRECT, Algorithm.CL_WEIGHT_DIRECT));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("table")
    void eachPassGetsItsAlgorithm(String name, ConvSpec s, Pass pass, Algorithm java, Algorithm pocl, Algorithm gpu) {
        List<DeviceFacts> devices = List.of(PlannerTest.JAVA, PlannerTest.POCL, PlannerTest.GPU);
        List<Algorithm> expected = List.of(java, pocl, gpu);
        for (int i = 0; i < devices.size(); i++) {
            Plan p = Planner.plan(s, pass, devices.get(i));
            assertEquals(expected.get(i), p.algorithm(), name + " " + pass + " on " + devices.get(i).name());
            assertEquals(pass, p.pass(), "the plan says its pass");
            List<Plan> all = Planner.applicable(s, pass, devices.get(i));
            assertTrue(all.contains(p), "the planner's choice is among the applicable plans: " + all);
            for (Plan q : all) {
                assertEquals(pass, q.pass());
                assertEquals(q, Planner.requireApplicable(s, pass, devices.get(i), q), "forcing " + q);
            }
        }
    }

    /**
     * Where the phase planes would be mostly padding (beyond the padded-copy bound) the tap tiles do not apply: the
     * Java grad_weight takes the GEMM, or the dot products in a grouped layer of up to 16 output channels per group.
     */
    @Test
    void theJavaWeightGemmTakesLayersTooLargeForTapTiles() {
        ConvSpec dense = ConvSpec.conv(2).input(1, 4, 8, 8).outChannels(8).kernel(3).dilation(400).padding(400).build();
        ConvSpec grouped = ConvSpec.conv(2).input(1, 16, 8, 8).outChannels(16).kernel(3).dilation(400).padding(400).groups(2).build();
        ConvSpec near = ConvSpec.conv(2).input(1, 4, 8, 8).outChannels(8).kernel(3).dilation(100).padding(100).build();
        assertTrue(!Planner.javaWeightTapsShaped(dense) && !Planner.javaWeightTapsShaped(grouped));
        assertTrue(Planner.javaWeightTapsShaped(near), "a copy within the bound");
        assertEquals(Algorithm.JAVA_WEIGHT_GEMM, Planner.plan(dense, Pass.BACKWARD_WEIGHT, PlannerTest.JAVA).algorithm());
        assertEquals(Algorithm.JAVA_WEIGHT_DOTS, Planner.plan(grouped, Pass.BACKWARD_WEIGHT, PlannerTest.JAVA).algorithm());
        assertEquals(Algorithm.JAVA_WEIGHT_TAPS, Planner.plan(near, Pass.BACKWARD_WEIGHT, PlannerTest.JAVA).algorithm());
        assertTrue(Planner.applicable(dense, Pass.BACKWARD_WEIGHT, PlannerTest.JAVA).stream()
                .noneMatch(p -> p.algorithm() == Algorithm.JAVA_WEIGHT_TAPS), "not offered where it does not apply");
    }

    /** The GEMM's reduction is split until the device has work-groups to spare, never below 1,024 positions a split. */
    @Test
    void theWeightGemmSplitsItsReductionToFillTheDevice() {
        ConvSpec deep = ConvSpec.conv(2).input(32, 512, 7, 7).outChannels(512).kernel(3).padding(1).build();
        ConvSpec stem = ConvSpec.conv(2).input(32, 3, 224, 224).outChannels(64).kernel(7).stride(2).padding(3).build();
        ConvSpec tiny = ConvSpec.conv(2).input(1, 3, 8, 8).outChannels(16).kernel(3).build();
        Plan p = Planner.plan(deep, Pass.BACKWARD_WEIGHT, PlannerTest.GPU);
        assertEquals(new ClWeightSplit(1), p.variant(), "16 x 144 tiles fill 132 units: " + p);
        assertEquals(new ClWeightSplit(132 * 4 / (2 * 5) + 1), Planner.plan(stem, Pass.BACKWARD_WEIGHT, PlannerTest.GPU).variant());
        assertEquals(new ClWeightSplit(1), Planner.plan(tiny, Pass.BACKWARD_WEIGHT, PlannerTest.GPU).variant(), "36 positions: one split");
    }

    @Test
    void backwardDataPlansAreTheAdjointsForwardPlans() {
        ConvSpec s = PlannerTest.resnet3x3s2();
        ConvSpec adjoint = io.github.convcl.spec.Adjoint.dataSpec(s);
        for (DeviceFacts d : List.of(PlannerTest.JAVA, PlannerTest.POCL, PlannerTest.GPU)) {
            assertEquals(Planner.applicable(adjoint, d), Planner.applicable(s, Pass.BACKWARD_DATA, d).stream().map(p -> p.forPass(Pass.FORWARD)).toList());
            assertTrue(Planner.plan(s, Pass.BACKWARD_DATA, d).toString().startsWith("grad_input: "));
        }
    }

    @Test
    void aPlanOfAnotherPassIsRefusedNamingBoth() {
        ConvSpec s = PlannerTest.resnet3x3();
        Plan forward = Planner.plan(s, PlannerTest.JAVA);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Planner.requireApplicable(s, Pass.BACKWARD_DATA, PlannerTest.JAVA, forward));
        assertTrue(e.getMessage().contains("computes forward, not backward-data"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Planner.requireApplicable(s, Pass.BACKWARD_WEIGHT, PlannerTest.POCL, Plan.of(Algorithm.JAVA_WEIGHT_DOTS)));
        assertTrue(e.getMessage().contains("does not apply to backward-weight") && e.getMessage().contains("grad_weight direct"), e.getMessage());
    }

    @Test
    void tunedBackwardPlansServeTheirPassOnly() {
        ConvSpec s = PlannerTest.resnet3x3();
        String cls = Planner.layerClass(s, Pass.BACKWARD_DATA);
        assertEquals("dense-k3:backward-data", cls);
        assertEquals("dense-k3:backward-weight", Planner.layerClass(s, Pass.BACKWARD_WEIGHT));
        DeviceFacts tuned = PlannerTest.POCL.withTuned(Map.of(cls, Plan.of(Algorithm.CL_DIRECT)));
        assertEquals(Algorithm.CL_DIRECT, Planner.plan(s, Pass.BACKWARD_DATA, tuned).algorithm(), "the backward-data entry is taken");
        assertEquals(Algorithm.CL_CPU_TILE, Planner.plan(s, Pass.FORWARD, tuned).algorithm(), "and not for the forward pass");
        // Without a backward-data entry, the adjoint's own forward tuning serves it.
        ConvSpec adjoint = io.github.convcl.spec.Adjoint.dataSpec(s);
        DeviceFacts forwardTuned = PlannerTest.POCL.withTuned(Map.of(Planner.layerClass(adjoint), Plan.of(Algorithm.CL_DIRECT)));
        assertEquals(Algorithm.CL_DIRECT, Planner.plan(s, Pass.BACKWARD_DATA, forwardTuned).algorithm());
        // A Java weight plan tuned for the layer wins over the rule.
        DeviceFacts javaTuned = PlannerTest.JAVA.withTuned(Map.of(Planner.layerKey(s, Pass.BACKWARD_WEIGHT), Plan.of(Algorithm.JAVA_WEIGHT_DOTS)));
        assertEquals(Algorithm.JAVA_WEIGHT_DOTS, Planner.plan(s, Pass.BACKWARD_WEIGHT, javaTuned).algorithm());
    }
}
