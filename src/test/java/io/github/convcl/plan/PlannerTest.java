// Which plan each shape gets on each kind of device: the planner's table.
package io.github.convcl.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlannerTest {
    static final DeviceFacts JAVA = DeviceFacts.java();
    static final DeviceFacts GPU = new DeviceFacts(BackendKind.OPENCL_GPU, "NVIDIA Corporation", "NVIDIA H100 80GB HBM3", 132, 49152, 1024);
    static final DeviceFacts POCL = new DeviceFacts(BackendKind.OPENCL_CPU, "AuthenticAMD", "pthread-haswell-AMD EPYC", 2, 524288, 4096);
    static final DeviceFacts SMALL_WG = new DeviceFacts(BackendKind.OPENCL_GPU, "Tiny", "tiny", 1, 16384, 64);
    /** NVIDIA devices as ClDevice reports them: compute capability 9.0 and 8.0 have tensor cores for TF32, 7.0 not. */
    static final DeviceFacts H100 = DeviceFacts.nvidia("NVIDIA H100 80GB HBM3", 132, 49152, 1024, 90);
    static final DeviceFacts A100 = DeviceFacts.nvidia("NVIDIA A100-SXM4-40GB", 108, 49152, 1024, 80);
    static final DeviceFacts V100 = DeviceFacts.nvidia("Tesla V100-SXM2-16GB", 80, 49152, 1024, 70);
    static final DeviceFacts POCL_EMULATED = POCL.withTensorCores(DeviceFacts.TensorCores.EMULATED);

    static ConvSpec tf32(ConvSpec s) {
        return s.withPrecision(io.github.convcl.spec.Precision.TF32);
    }

    static ConvSpec conv3d() {
        return ConvSpec.conv(3).input(1, 64, 8, 28, 28).outChannels(64).kernel(3).padding(1).build();
    }

    static ConvSpec dilated() {
        return ConvSpec.conv(2).input(2, 64, 28, 28).outChannels(64).kernel(3).padding(2).dilation(2).build();
    }

    static ConvSpec grouped() {
        return ConvSpec.conv(2).input(2, 128, 28, 28).outChannels(128).kernel(3).padding(1).groups(4).build();
    }
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
                Arguments.of(resnet3x3(), JAVA, Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(2, 32, 56, 56).outChannels(32).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(2, 32, 28, 28).outChannels(128).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                // 7x7 at batch 1: F(2,3)'s 16 tiles fill a column slice, F(4,3)'s 4 would not; at batch 8 F(4,3)'s 32 do
                Arguments.of(ConvSpec.conv(2).input(1, 512, 7, 7).outChannels(512).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD_F2, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(8, 512, 7, 7).outChannels(512).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 32, 7, 7).outChannels(128).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 1024, 28, 28).outChannels(1024).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 2304, 28, 28).outChannels(2304).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(2, 256, 14, 14).outChannels(256).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                // a fully connected layer (one position per image) and a 3x3 on 2x2: output channels along the vectors
                Arguments.of(ConvSpec.conv(2).input(8, 2048, 1, 1).outChannels(1000).kernel(1).build(), JAVA,
                        Algorithm.JAVA_CHANNEL_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 512, 2, 2).outChannels(512).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_CHANNEL_GEMM, Tuning.NONE),
                // a pointwise layer from at least 480 channels into at most half as many, on at most 28x28: the channel
                // GEMM stores the (smaller) output transposed rather than packing the input; expanding, the pointwise
                Arguments.of(ConvSpec.conv(2).input(1, 1024, 4, 4).outChannels(512).kernel(1).build(), JAVA,
                        Algorithm.JAVA_CHANNEL_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 512, 28, 28).outChannels(128).kernel(1).build(), JAVA,
                        Algorithm.JAVA_CHANNEL_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(8, 1024, 14, 14).outChannels(256).kernel(1).build(), JAVA,
                        Algorithm.JAVA_POINTWISE_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 256, 14, 14).outChannels(1024).kernel(1).build(), JAVA,
                        Algorithm.JAVA_POINTWISE_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 256, 28, 28).outChannels(64).kernel(1).build(), JAVA,
                        Algorithm.JAVA_POINTWISE_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 512, 56, 56).outChannels(128).kernel(1).build(), JAVA,
                        Algorithm.JAVA_POINTWISE_GEMM, Tuning.NONE),
                // a pointwise 7x7 pads its last column tile (49 of 56), a 14x14 hardly (196 of 200); strided 1x1s gather
                Arguments.of(ConvSpec.conv(2).input(1, 2048, 7, 7).outChannels(512).kernel(1).build(), JAVA,
                        Algorithm.JAVA_CHANNEL_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(8, 832, 7, 7).outChannels(48).kernel(1).build(), JAVA,
                        Algorithm.JAVA_CHANNEL_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 528, 14, 14).outChannels(128).kernel(1).build(), JAVA,
                        Algorithm.JAVA_CHANNEL_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 528, 14, 14).outChannels(320).kernel(1).build(), JAVA,
                        Algorithm.JAVA_POINTWISE_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 1024, 14, 14).outChannels(2048).kernel(1).stride(2).build(), JAVA,
                        Algorithm.JAVA_CHANNEL_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 512, 28, 28).outChannels(1024).kernel(1).stride(2).build(), JAVA,
                        Algorithm.JAVA_POINTWISE_GEMM, Tuning.NONE),
                // batch 1 at 14x14: 16 tiles, the fewest Winograd takes (one chunk, its stages split across the threads)
                Arguments.of(ConvSpec.conv(2).input(1, 160, 14, 14).outChannels(320).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 256, 12, 14).outChannels(256).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD_F2, Tuning.NONE),
                Arguments.of(dilated(), JAVA, Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                Arguments.of(grouped(), JAVA, Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                Arguments.of(conv3d(), JAVA, Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                Arguments.of(ConvSpec.conv(3).input(1, 8, 8, 28, 28).outChannels(8).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.conv(3).input(1, 16, 8, 28, 28).outChannels(32).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(2, 40, 56, 56).outChannels(40).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                Arguments.of(ConvSpec.conv(3).input(1, 64, 8, 28, 28).outChannels(64).kernel(1, 3, 3).padding(0, 1, 1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                Arguments.of(ConvSpec.conv(1).input(4, 256, 1024).outChannels(256).kernel(3).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD, Tuning.NONE),
                Arguments.of(ConvSpec.conv(1).input(2, 128, 4096).outChannels(128).kernel(3).padding(4).dilation(4).build(), JAVA,
                        Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                Arguments.of(resnet3x3s2(), JAVA, Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                // stride 2: F(2,3) from 256 channels (ResNet's layer3.0.conv2 and layer4.0.conv2 at batch 8), the direct
                // GEMM below; into 7x7 at batch 1 (one slice of 16 tiles) the channel GEMM
                Arguments.of(ConvSpec.conv(2).input(1, 256, 28, 28).outChannels(256).kernel(3).stride(2).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD_F2, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(8, 512, 14, 14).outChannels(512).kernel(3).stride(2).padding(1).build(), JAVA,
                        Algorithm.JAVA_WINOGRAD_F2, Tuning.NONE),
                Arguments.of(ConvSpec.conv(2).input(1, 512, 14, 14).outChannels(512).kernel(3).stride(2).padding(1).build(), JAVA,
                        Algorithm.JAVA_CHANNEL_GEMM, Tuning.NONE),
                Arguments.of(pointwise(), JAVA, Algorithm.JAVA_POINTWISE_GEMM, Tuning.NONE),
                Arguments.of(depthwise(), JAVA, Algorithm.JAVA_DEPTHWISE, Tuning.NONE),
                Arguments.of(depthwiseReflect(), JAVA, Algorithm.JAVA_DIRECT_GEMM, Tuning.NONE),
                Arguments.of(transposed(), JAVA, Algorithm.JAVA_TRANSPOSED_GEMM, Tuning.NONE),
                Arguments.of(ConvSpec.convTranspose(2).input(1, 64, 16, 16).outChannels(32).kernel(3).stride(2).padding(1)
                        .outputPadding(1).build(), JAVA, Algorithm.JAVA_TRANSPOSED_DIRECT, Tuning.NONE),
                Arguments.of(ConvSpec.convTranspose(1).input(1, 8, 16).outChannels(8).kernel(3).build(), JAVA,
                        Algorithm.JAVA_TRANSPOSED_GEMM, Tuning.NONE),
                // uneven residues, but 3 output channels: too few rows for the direct GEMM per residue (the stem's grad_input)
                Arguments.of(ConvSpec.convTranspose(2).input(2, 64, 112, 112).outChannels(3).kernel(7).stride(2).padding(3)
                        .outputPadding(1).build(), JAVA, Algorithm.JAVA_TRANSPOSED_GEMM, Tuning.NONE),
                // one channel in and out (the autoencoder): the direct GEMM reduces over the taps
                Arguments.of(ConvSpec.convTranspose(2).input(100, 1, 26, 26).outChannels(1).kernel(3).build(), JAVA,
                        Algorithm.JAVA_TRANSPOSED_DIRECT, Tuning.NONE),
                Arguments.of(resnet3x3(), GPU, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(pointwise(), GPU, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(resnet3x3(), POCL, Algorithm.CL_CPU_TILE, Planner.CPU_TILE_6x16),
                Arguments.of(depthwise(), POCL, Algorithm.CL_CPU_DEPTHWISE, Tuning.NONE),
                Arguments.of(depthwiseReflect(), POCL, Algorithm.CL_CPU_TILE, Planner.CPU_TILE_1),
                Arguments.of(ConvSpec.conv(2).input(1, 8, 9, 9).outChannels(12).kernel(3).groups(2).build(), POCL,
                        Algorithm.CL_CPU_TILE, Planner.CPU_TILE_6x16),
                Arguments.of(ConvSpec.conv(2).input(1, 8, 9, 9).outChannels(10).kernel(3).groups(2).build(), POCL,
                        Algorithm.CL_CPU_TILE, Planner.CPU_TILE_4),
                Arguments.of(transposed(), POCL, Algorithm.CL_CPU_TILE_TRANSPOSED, Planner.CPU_TILE_TRANSPOSED_6),
                Arguments.of(resnet3x3(), SMALL_WG, Algorithm.CL_DIRECT, Tuning.NONE),
                Arguments.of(depthwise(), GPU, Algorithm.CL_DEPTHWISE, Tuning.NONE),
                Arguments.of(depthwiseReflect(), GPU, Algorithm.CL_DIRECT, Tuning.NONE),
                Arguments.of(transposed(), GPU, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(ConvSpec.convTranspose(2).input(1, 4, 9, 9).outChannels(8).kernel(2).stride(2).build(), GPU,
                        Algorithm.CL_TRANSPOSED_GATHER, Tuning.NONE),
                // Tensor cores: 3xTF32 for FP32, one TF32 product when the call allows TF32; dense, strided,
                // dilated, 1x1, transposed and 3D alike. Depthwise, grouped and tiny layers keep their kernels.
                Arguments.of(resnet3x3(), H100, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(tf32(resnet3x3()), H100, Algorithm.CL_IMPLICIT_GEMM_TF32, Planner.MMA_TILES),
                Arguments.of(resnet3x3s2(), H100, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(dilated(), H100, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(pointwise(), H100, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(tf32(pointwise()), H100, Algorithm.CL_IMPLICIT_GEMM_TF32, Planner.MMA_TILES),
                Arguments.of(transposed(), H100, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(tf32(transposed()), H100, Algorithm.CL_IMPLICIT_GEMM_TF32, Planner.MMA_TILES),
                Arguments.of(conv3d(), H100, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(tf32(conv3d()), A100, Algorithm.CL_IMPLICIT_GEMM_TF32, Planner.MMA_TILES),
                Arguments.of(depthwise(), H100, Algorithm.CL_DEPTHWISE, Tuning.NONE),
                Arguments.of(tf32(depthwise()), H100, Algorithm.CL_DEPTHWISE, Tuning.NONE),
                Arguments.of(grouped(), H100, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                // ResNeXt's 32 groups of 8 channels: the narrow tile.
                Arguments.of(ConvSpec.conv(2).input(2, 256, 28, 28).outChannels(256).kernel(3).padding(1).groups(32).build(), H100,
                        Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_NARROW_TILES),
                Arguments.of(ConvSpec.conv(2).input(2, 64, 28, 28).outChannels(16).kernel(3).padding(1).build(), GPU,
                        Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_NARROW_TILES),
                Arguments.of(fewOutputs(), H100, Algorithm.CL_DIRECT, Tuning.NONE),
                Arguments.of(tf32(resnet3x3()), V100, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(resnet3x3(), V100, Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                Arguments.of(tf32(resnet3x3()), POCL_EMULATED, Algorithm.CL_CPU_TILE, Planner.CPU_TILE_6x16),
                Arguments.of(tf32(transposed()), POCL_EMULATED, Algorithm.CL_CPU_TILE_TRANSPOSED, Planner.CPU_TILE_TRANSPOSED_6),
                Arguments.of(tf32(resnet3x3()), JAVA, Algorithm.JAVA_WINOGRAD, Tuning.NONE),
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
        assertEquals(tuned, Planner.plan(resnet3x3(), gpu).tiles());
        assertEquals(Planner.plan(pointwise(), GPU), Planner.plan(pointwise(), gpu));
        // A tile the device's work-group limit refuses is ignored.
        Plan big = new Plan(Algorithm.CL_IMPLICIT_GEMM, new Tuning(128, 128, 8, 8, 8));
        assertEquals(Planner.plan(resnet3x3(), SMALL_WG), Planner.plan(resnet3x3(), SMALL_WG.withTuned(java.util.Map.of("dense", big))));
        // A TF32 plan tuned for TF32 calls never runs an FP32 call, and vice versa the classes are apart.
        Plan tf32Plan = new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32, Planner.MMA_TILES);
        DeviceFacts h100 = H100.withTuned(java.util.Map.of("dense", tf32Plan, "dense:tf32", tf32Plan));
        assertEquals(Algorithm.CL_IMPLICIT_GEMM, Planner.plan(resnet3x3(), h100).algorithm(), "FP32: the FMA kernels untuned");
        assertEquals(tf32Plan, Planner.plan(tf32(resnet3x3()), h100).tiles());
        // Tensor-core plans tuned on a device that loses them (a refused PTX build) are ignored.
        Plan mma = new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32, Planner.MMA_TILES);
        DeviceFacts refused = H100.withTuned(java.util.Map.of("dense", mma)).withTensorCores(DeviceFacts.TensorCores.NONE);
        assertEquals(Algorithm.CL_IMPLICIT_GEMM, Planner.plan(resnet3x3(), refused).algorithm());
        assertEquals("dense-k3:tf32", Planner.layerClass(tf32(resnet3x3())));
        // Without a TF32 entry, a TF32 call takes the FP32 class's tuned plan.
        Plan cpu = new Plan(Algorithm.CL_CPU_TILE, Planner.CPU_TILE_4x16);
        assertEquals(cpu, Planner.plan(tf32(resnet3x3()), POCL.withTuned(java.util.Map.of("dense", cpu))).tiles());
        assertEquals("dense-k3", Planner.layerClass(resnet3x3()));
        assertEquals("dense", Planner.layerClass(resnet3x3s2()));
        assertEquals("dense", Planner.layerClass(conv3d()), "3x3x3: no F(4,3), so not in the Winograd class");
        String layer = Planner.layerKey(resnet3x3());
        assertEquals(layer + ":tf32", Planner.layerKey(tf32(resnet3x3())));
        assertEquals(layer, Planner.layerKey(resnet3x3().withPrecision(io.github.convcl.spec.Precision.FP32)), "FP32 asked for or by default: one key");
        assertEquals(java.util.List.of(layer + ":tf32", layer, "dense-k3:tf32", "dense-k3", "dense:tf32", "dense"),
                Planner.tuningClasses(tf32(resnet3x3())));
        assertEquals(java.util.List.of(Planner.layerKey(resnet3x3s2()), "dense"), Planner.tuningClasses(resnet3x3s2()));
        // A layer's own entry comes before its class's; another batch size is another layer.
        Plan f2 = new Plan(Algorithm.CL_WINOGRAD_F2, Planner.GPU_TILES);
        DeviceFacts perLayer = H100.withTuned(java.util.Map.of("dense-k3", new Plan(Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES), layer, f2));
        assertEquals(f2, Planner.plan(resnet3x3(), perLayer).tiles());
        ConvSpec otherBatch = resnet3x3().toBuilder().input(3, 64, 56, 56).build();
        assertEquals(Algorithm.CL_IMPLICIT_GEMM, Planner.plan(otherBatch, perLayer).algorithm());
        assertEquals("pointwise", Planner.layerClass(pointwise()));
        assertEquals("depthwise", Planner.layerClass(depthwise()));
        assertEquals("transposed", Planner.layerClass(transposed()));
    }

    /** Winograd: offered where F(m,3) computes the layer, chosen only when tuned (no GPU measurement yet), per class. */
    @org.junit.jupiter.api.Test
    void winogradIsACandidateAndRunsWhereTuned() {
        java.util.function.BiPredicate<ConvSpec, Algorithm> offered = (s, a) -> Planner.applicable(s, H100).stream()
                .anyMatch(p -> p.algorithm() == a);
        assertTrue(offered.test(resnet3x3(), Algorithm.CL_WINOGRAD_F4));
        assertTrue(offered.test(resnet3x3(), Algorithm.CL_WINOGRAD_F4_3XTF32));
        assertFalse(Planner.applicable(resnet3x3(), GPU).stream().anyMatch(p -> p.algorithm().isTensorCore()), "no tensor cores");
        assertFalse(offered.test(resnet3x3s2(), Algorithm.CL_WINOGRAD_F2), "stride 2");
        assertTrue(offered.test(conv3d(), Algorithm.CL_WINOGRAD_F2));
        assertFalse(offered.test(conv3d(), Algorithm.CL_WINOGRAD_F4));
        assertFalse(offered.test(depthwise(), Algorithm.CL_WINOGRAD_F2));
        for (DeviceFacts d : java.util.List.of(GPU, H100, POCL)) {
            assertEquals(0, Planner.plan(resnet3x3(), d).algorithm().winogradTile(), "untuned default on " + d.name());
        }
        Plan f4 = new Plan(Algorithm.CL_WINOGRAD_F4, Planner.GPU_TILES);
        DeviceFacts tuned = GPU.withTuned(java.util.Map.of("dense-k3", f4));
        assertEquals(f4, Planner.plan(resnet3x3(), tuned).tiles());
        assertEquals(Planner.plan(resnet3x3s2(), GPU), Planner.plan(resnet3x3s2(), tuned), "another class");
        ConvSpec products = ConvSpec.conv(1).input(1, 36 * 64, 100).outChannels(36 * 64).kernel(1).groups(36).bias(false).build();
        assertEquals(new Plan(Algorithm.CL_CPU_TILE, Planner.CPU_TILE_6x16),
                Planner.winogradProduct(new Plan(Algorithm.CL_WINOGRAD_F2, Planner.CPU_TILE_6x16), products, GPU));
        assertEquals(new Plan(Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES, new ClGemm(true, true, false)),
                Planner.winogradProduct(f4, products, GPU), "the products' tables: flat, tap-major (64 channels per group)");
        assertEquals(new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32, Planner.MMA_TILES),
                Planner.winogradProduct(new Plan(Algorithm.CL_WINOGRAD_F4_3XTF32, Planner.MMA_TILES), products, GPU).tiles());
    }

    @org.junit.jupiter.api.Test
    void everyMmaTilingMeetsTheKernelsConstraints() {
        for (Tuning t : Planner.MMA_TILE_CANDIDATES) {
            org.junit.jupiter.api.Assertions.assertTrue(t.isValidMmaTiling(), t.toString());
        }
        org.junit.jupiter.api.Assertions.assertFalse(new Tuning(64, 64, 16, 24, 32).isValidMmaTiling(), "WM not a multiple of 16");
        org.junit.jupiter.api.Assertions.assertFalse(new Tuning(64, 64, 12, 32, 32).isValidMmaTiling(), "TK not a multiple of 8");
        org.junit.jupiter.api.Assertions.assertFalse(new Tuning(64, 256, 16, 64, 64).isValidMmaTiling(), "128 work-items cannot load 256 columns");
    }

    /** The planner never emits PTX where there are no native tensor cores, whatever the shape and precision. */
    @org.junit.jupiter.api.Test
    void noTensorCorePlanWithoutNativeTensorCores() {
        java.util.List<ConvSpec> specs = java.util.List.of(resnet3x3(), resnet3x3s2(), pointwise(), depthwise(), transposed(), conv3d(),
                dilated(), grouped(), tinyReduction(), fewOutputs());
        for (DeviceFacts d : java.util.List.of(JAVA, GPU, POCL, POCL_EMULATED, SMALL_WG, V100)) {
            for (ConvSpec s : specs) {
                for (ConvSpec p : java.util.List.of(s, tf32(s))) {
                    org.junit.jupiter.api.Assertions.assertFalse(Planner.plan(p, d).algorithm().isTensorCore(), p + " on " + d.name());
                }
            }
        }
    }

    /** Tests and tuners see the emulated tensor-core plans; TF32 plans only for calls that allow TF32. */
    @org.junit.jupiter.api.Test
    void applicablePlansFollowPrecisionAndSupport() {
        java.util.function.Function<java.util.List<Plan>, Long> tf32Plans = ps -> ps.stream().filter(p -> p.algorithm() == Algorithm.CL_IMPLICIT_GEMM_TF32).count();
        java.util.function.Function<java.util.List<Plan>, Long> x3Plans = ps -> ps.stream().filter(p -> p.algorithm() == Algorithm.CL_IMPLICIT_GEMM_3XTF32).count();
        assertEquals(0L, tf32Plans.apply(Planner.applicable(resnet3x3(), H100)));
        // 3xTF32 only on warp tiles whose registers it fits (Tuning.fitsThreeProducts): not on the 64x64 ones.
        long rows3 = Planner.MMA_TILE_CANDIDATES.stream().filter(Tuning::fitsThreeProducts).count();
        assertTrue(rows3 >= 5 && rows3 < Planner.MMA_TILE_CANDIDATES.size(), "3xTF32 tilings: " + rows3);
        assertTrue(Planner.applicable(resnet3x3(), H100).stream().noneMatch(p -> p.algorithm().tf32Products() == 3
                && p.algorithm().winogradTile() == 0 && p.tuning().wm() * p.tuning().wn() > 2048), "3xTF32 on a 64x64 warp tile");
        assertEquals(rows3, x3Plans.apply(Planner.applicable(resnet3x3(), H100)));
        assertEquals((long) Planner.MMA_TILE_CANDIDATES.size(), tf32Plans.apply(Planner.applicable(tf32(resnet3x3()), H100)));
        assertEquals(rows3, x3Plans.apply(Planner.applicable(transposed(), POCL_EMULATED)));
        java.util.function.Function<java.util.List<Plan>, Long> fragPlans = ps -> ps.stream()
                .filter(p -> p.algorithm().fragmentTiles() && !p.algorithm().asyncCopies()).count();
        java.util.function.Function<java.util.List<Plan>, Long> asyncPlans = ps -> ps.stream()
                .filter(p -> p.algorithm().asyncCopies() && p.algorithm().isTensorCore()).count();
        // The FMA kernel with cp.async stages: on sm_80 and later (and emulated), the 16-step tilings.
        java.util.function.Function<java.util.List<Plan>, Long> fmaAsync = ps -> ps.stream()
                .filter(p -> p.algorithm() == Algorithm.CL_IMPLICIT_GEMM_ASYNC).count();
        long fmaAsyncTilings = Planner.GEMM_TILE_CANDIDATES.stream().filter(t -> t.tk() == 16 && t.isValidGemmAsyncTiling()).count();
        assertTrue(fmaAsyncTilings >= 6, "FMA cp.async tilings: " + fmaAsyncTilings);
        assertEquals(fmaAsyncTilings, fmaAsync.apply(Planner.applicable(resnet3x3(), H100)));
        assertEquals(fmaAsyncTilings, fmaAsync.apply(Planner.applicable(resnet3x3(), POCL_EMULATED)));
        assertEquals(0L, fmaAsync.apply(Planner.applicable(resnet3x3(), V100)));
        assertEquals(0L, fmaAsync.apply(Planner.applicable(resnet3x3(), POCL)));
        long frag3 = Planner.MMA_TILE_CANDIDATES.stream().filter(t -> t.isValidMmaFragmentTiling(3) && t.fitsThreeProducts()).count();
        long frag1 = Planner.MMA_TILE_CANDIDATES.stream().filter(t -> t.isValidMmaFragmentTiling(1)).count();
        long async1 = Planner.MMA_TILE_CANDIDATES.stream().filter(Tuning::isValidMmaAsyncTiling).count();
        long async3 = Planner.MMA_TILE_CANDIDATES.stream().filter(t -> t.isValidMmaAsyncTiling() && t.fitsThreeProducts()).count();
        assertTrue(frag3 >= 4 && frag1 > frag3, "fragment-ordered tilings: " + frag3 + " (3xTF32), " + frag1 + " (TF32)");
        assertTrue(async3 >= 4 && async1 > async3 && async1 < frag1, "cp.async tilings: " + async3 + " (3xTF32), " + async1 + " (TF32)");
        assertEquals(frag3, fragPlans.apply(Planner.applicable(resnet3x3(), H100)));
        assertEquals(frag3 + frag1, fragPlans.apply(Planner.applicable(tf32(resnet3x3()), H100)));
        assertEquals(async3, asyncPlans.apply(Planner.applicable(resnet3x3(), H100)));
        assertEquals(async3 + async1, asyncPlans.apply(Planner.applicable(tf32(resnet3x3()), H100)));
        assertEquals(0L, fragPlans.apply(Planner.applicable(tf32(resnet3x3()), V100)));
        assertEquals(0L, asyncPlans.apply(Planner.applicable(tf32(resnet3x3()), V100)));
        assertEquals(0L, x3Plans.apply(Planner.applicable(tf32(resnet3x3()), POCL)));
        assertEquals(0L, x3Plans.apply(Planner.applicable(tf32(resnet3x3()), V100)));
        assertEquals(0L, x3Plans.apply(Planner.applicable(resnet3x3(), JAVA)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("table")
    void eachShapeGetsItsPlan(ConvSpec spec, DeviceFacts device, Algorithm algorithm, Tuning tuning) {
        Plan p = Planner.plan(spec, device);
        assertEquals(algorithm, p.algorithm());
        assertEquals(tuning, p.tuning());
    }

    @Test
    void paddedEighthsCountTheWholeEighthsOfPadding() {
        assertEquals(1, Planner.paddedEighths(49)); // 56 columns
        assertEquals(0, Planner.paddedEighths(196)); // 200
        assertEquals(0, Planner.paddedEighths(64));
        assertEquals(7, Planner.paddedEighths(1)); // 8
        assertEquals(0, Planner.paddedEighths(36)); // 40: 4 of 40
        assertEquals(0, Planner.paddedEighths(50)); // 56: 6 of 56
    }

    /** The Java kernels on channel-blocked operands, per layer: ResNet-50's, and the cases that are reordered. */
    @Test
    void blockedLayersTakeTheirKernelByShape() {
        DeviceFacts wide = DeviceFacts.java(2, 16, io.github.convcl.config.Settings.JavaChoices.PLANNER);
        DeviceFacts narrow = DeviceFacts.java(2, 8, io.github.convcl.config.Settings.JavaChoices.PLANNER);
        ConvSpec reduce = ConvSpec.conv(2).input(1, 256, 56, 56).outChannels(64).kernel(1).bias(false).build();
        ConvSpec downsample = ConvSpec.conv(2).input(1, 256, 56, 56).outChannels(512).kernel(1).stride(2).bias(false).build();
        ConvSpec layer4 = ConvSpec.conv(2).input(1, 512, 7, 7).outChannels(512).kernel(3).padding(1).bias(false).build();
        ConvSpec strided = ConvSpec.conv(2).input(1, 128, 56, 56).outChannels(128).kernel(3).stride(2).padding(1).bias(false).build();
        Object[][] table = {
            {reduce, BlockedKernel.POINTWISE},
            {downsample, BlockedKernel.POINTWISE},
            {resnet3x3(), BlockedKernel.WINOGRAD_F4},
            {layer4, BlockedKernel.WINOGRAD_F2},
            {strided, BlockedKernel.DIRECT},
            {ConvSpec.conv(2).input(1, 32, 9, 9).outChannels(32).kernel(1).padding(1).build(), BlockedKernel.DIRECT},
            {dilated(), BlockedKernel.DIRECT},
            // dilated layers the NCHW Winograd takes: reordered for it from 2^16 input channels x phase positions
            {ConvSpec.conv(2).input(1, 256, 64, 64).outChannels(256).kernel(3).padding(2).dilation(2).build(), BlockedKernel.REORDER},
            {ConvSpec.conv(2).input(1, 512, 28, 28).outChannels(512).kernel(3).padding(2).dilation(2).build(), BlockedKernel.REORDER},
            {ConvSpec.conv(2).input(1, 128, 28, 28).outChannels(128).kernel(3).padding(2).dilation(2).build(), BlockedKernel.DIRECT},
            {ConvSpec.conv(2).input(1, 64, 56, 56).outChannels(64).kernel(3).padding(4).dilation(4).build(), BlockedKernel.DIRECT},
            {ConvSpec.conv(2).input(1, 3, 224, 224).outChannels(64).kernel(7).stride(2).padding(3).build(), BlockedKernel.REORDER},
            {grouped(), BlockedKernel.REORDER},
            {ConvSpec.conv(2).input(1, 32, 56, 56).outChannels(32).groups(32).kernel(3).stride(2).padding(1).build(), BlockedKernel.DEPTHWISE},
            {ConvSpec.conv(2).input(1, 32, 14, 14).outChannels(64).groups(32).kernel(3).padding(1).build(), BlockedKernel.REORDER},
            {ConvSpec.conv(2).input(1, 32, 14, 14).outChannels(32).groups(32).kernel(3).padding(1).paddingMode(PaddingMode.REFLECT).build(),
                BlockedKernel.REORDER},
            {ConvSpec.convTranspose(2).input(1, 32, 8, 8).outChannels(32).kernel(2).stride(2).build(), BlockedKernel.REORDER},
            {ConvSpec.conv(2).input(1, 32, 9, 9).outChannels(32).kernel(3).padding(1).paddingMode(PaddingMode.REFLECT).build(),
                BlockedKernel.REORDER},
            {ConvSpec.conv(1).input(1, 32, 40).outChannels(32).kernel(3).build(), BlockedKernel.REORDER},
        };
        for (Object[] row : table) {
            assertEquals(row[1], Planner.javaBlocked((ConvSpec) row[0], wide), row[0].toString());
            assertEquals(BlockedKernel.REORDER, Planner.javaBlocked((ConvSpec) row[0], narrow), "256-bit: " + row[0]);
        }
    }
}
