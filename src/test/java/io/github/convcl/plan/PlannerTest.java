// Which plan each shape gets on each kind of device: the planner's table.
package io.github.convcl.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.convcl.backend.BackendKind;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlannerTest {
    static final DeviceFacts JAVA = DeviceFacts.java();
    static final DeviceFacts GPU = new DeviceFacts(BackendKind.OPENCL_GPU, "NVIDIA Corporation", "NVIDIA H100 80GB HBM3", 132, 49152, 1024);
    static final DeviceFacts POCL = new DeviceFacts(BackendKind.OPENCL_CPU, "AuthenticAMD", "pthread-haswell-AMD EPYC", 2, 524288, 4096);
    static final DeviceFacts SMALL_WG = new DeviceFacts(BackendKind.OPENCL_GPU, "Tiny", "tiny", 1, 16384, 64);

    static ConvSpec resnet3x3() {
        return ConvSpec.conv(2).input(2, 64, 56, 56).outChannels(64).kernel(3).padding(1).build();
    }

    static ConvSpec resnet3x3s2() {
        return ConvSpec.conv(2).input(2, 128, 56, 56).outChannels(128).kernel(3).stride(2).padding(1).build();
    }

    static ConvSpec pointwise() {
        return ConvSpec.conv(2).input(2, 128, 56, 56).outChannels(128).kernel(1).build();
    }

    static ConvSpec depthwise() {
        return ConvSpec.conv(2).input(2, 128, 56, 56).outChannels(128).kernel(3).padding(1).groups(128).build();
    }

    static ConvSpec depthwiseReflect() {
        return ConvSpec.conv(2).input(2, 8, 9, 9).outChannels(16).kernel(3).padding(1).groups(8).paddingMode(PaddingMode.REFLECT).build();
    }

    static ConvSpec transposed() {
        return ConvSpec.convTranspose(2).input(2, 256, 16, 16).outChannels(128).kernel(4).stride(2).padding(1).build();
    }

    static ConvSpec tinyReduction() {
        return ConvSpec.conv(2).input(1, 2, 9, 9).outChannels(16).kernel(2).build();
    }

    static ConvSpec fewOutputs() {
        return ConvSpec.conv(2).input(1, 64, 9, 9).outChannels(2).kernel(3).build();
    }

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of(resnet3x3(), JAVA, Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                Arguments.of(resnet3x3s2(), JAVA, Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                Arguments.of(pointwise(), JAVA, Algorithm.JAVA_POINTWISE_GEMM, Tuning.NONE),
                Arguments.of(depthwise(), JAVA, Algorithm.JAVA_DEPTHWISE, Tuning.NONE),
                Arguments.of(depthwiseReflect(), JAVA, Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                Arguments.of(transposed(), JAVA, Algorithm.JAVA_TRANSPOSED_GEMM, Tuning.NONE),
                Arguments.of(resnet3x3(), GPU, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(pointwise(), GPU, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(resnet3x3(), POCL, Algorithm.CL_CPU_TILE, Planner.CPU_TILE_8),
                Arguments.of(depthwise(), POCL, Algorithm.CL_CPU_TILE, Planner.CPU_TILE_1),
                Arguments.of(depthwiseReflect(), POCL, Algorithm.CL_CPU_TILE, Planner.CPU_TILE_1),
                Arguments.of(ConvSpec.conv(2).input(1, 8, 9, 9).outChannels(12).kernel(3).groups(2).build(), POCL,
                        Algorithm.CL_CPU_TILE, Planner.CPU_TILE_4),
                Arguments.of(transposed(), POCL, Algorithm.CL_CPU_TILE_TRANSPOSED, Planner.CPU_TILE_8),
                Arguments.of(resnet3x3(), SMALL_WG, Algorithm.CL_DIRECT, Tuning.NONE),
                Arguments.of(depthwise(), GPU, Algorithm.CL_DEPTHWISE, Tuning.NONE),
                Arguments.of(depthwiseReflect(), GPU, Algorithm.CL_DIRECT, Tuning.NONE),
                Arguments.of(transposed(), GPU, Algorithm.CL_TRANSPOSED_GATHER, Tuning.NONE),
                Arguments.of(tinyReduction(), GPU, Algorithm.CL_DIRECT, Tuning.NONE),
                Arguments.of(fewOutputs(), GPU, Algorithm.CL_DIRECT, Tuning.NONE));
    }

    @org.junit.jupiter.api.Test
    void everyGemmTilingMeetsTheKernelsConstraints() {
        for (Tuning t : Planner.GEMM_TILE_CANDIDATES) {
            org.junit.jupiter.api.Assertions.assertTrue(t.isValidGemmTiling(), t.toString());
        }
        org.junit.jupiter.api.Assertions.assertFalse(new Tuning(64, 64, 16, 4, 3).isValidGemmTiling());
        org.junit.jupiter.api.Assertions.assertFalse(new Tuning(64, 32, 4, 2, 2).isValidGemmTiling());
    }

    @org.junit.jupiter.api.Test
    void aTunedPlanIsUsedOnlyWhereItApplies() {
        Plan tuned = new Plan(Algorithm.CL_IMPLICIT_GEMM, new Tuning(128, 64, 8, 8, 4));
        DeviceFacts gpu = GPU.withTuned(java.util.Map.of("dense", tuned, "transposed", tuned));
        assertEquals(tuned, Planner.plan(resnet3x3(), gpu));
        assertEquals(Planner.plan(pointwise(), GPU), Planner.plan(pointwise(), gpu));
        // An implicit GEMM cannot run a transposed layer: the tuned entry is ignored.
        assertEquals(Algorithm.CL_TRANSPOSED_GATHER, Planner.plan(transposed(), gpu).algorithm());
        assertEquals("dense", Planner.layerClass(resnet3x3()));
        assertEquals("pointwise", Planner.layerClass(pointwise()));
        assertEquals("depthwise", Planner.layerClass(depthwise()));
        assertEquals("transposed", Planner.layerClass(transposed()));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("table")
    void eachShapeGetsItsPlan(ConvSpec spec, DeviceFacts device, Algorithm algorithm, Tuning tuning) {
        Plan p = Planner.plan(spec, device);
        assertEquals(algorithm, p.algorithm());
        assertEquals(tuning, p.tuning());
    }
}
