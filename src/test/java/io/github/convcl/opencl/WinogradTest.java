// Winograd F(2,3) and F(4,3) on the CPU OpenCL device: every tile shape the kernels take, against the float64
// reference, within the golden tolerance and within the documented fraction of sum|w*x|.
package io.github.convcl.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.TestSupport;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Padding;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WinogradTest extends OpenClCpuFixture {
    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of("2d, bias, sizes not a multiple of the tile",
                        ConvSpec.conv(2).input(2, 6, 11, 13).outChannels(5).kernel(3).padding(1).build()),
                Arguments.of("2d valid", ConvSpec.conv(2).input(1, 8, 9, 10).outChannels(7).kernel(3).bias(false).build()),
                Arguments.of("2d dilation (2,3), same", ConvSpec.conv(2).input(1, 4, 17, 19).outChannels(6).kernel(3).dilation(2, 3)
                        .padding(Padding.same()).build()),
                Arguments.of("grouped", ConvSpec.conv(2).input(2, 8, 9, 9).outChannels(12).groups(2).kernel(3).padding(1).build()),
                Arguments.of("1d dilated", ConvSpec.conv(1).input(2, 10, 37).outChannels(9).kernel(3).dilation(4).padding(4).build()),
                Arguments.of("kernel 1x3, padded rows", ConvSpec.conv(2).input(1, 6, 5, 17).outChannels(4).kernel(1, 3).padding(1, 1).build()),
                Arguments.of("3d kernel 1x3x3", ConvSpec.conv(3).input(1, 4, 3, 8, 9).outChannels(5).kernel(1, 3, 3).padding(0, 1, 1).build()),
                Arguments.of("3d kernel 3x3x3 (F(2,3) only)", ConvSpec.conv(3).input(1, 4, 6, 7, 5).outChannels(6).kernel(3).padding(1).build()),
                Arguments.of("more tiles than one chunk", CHUNKED));
    }

    /** 300 tiles of F(2,3) and 75 of F(4,3), with 512 channels: several chunks in the CPU scratch budget. */
    static final ConvSpec CHUNKED = ConvSpec.conv(2).input(3, 512, 20, 20).outChannels(8).kernel(3).padding(1).build();

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void everyWinogradPlanMatchesTheReference(String name, ConvSpec s) {
        List<Plan> plans = cl.backend().applicablePlans(s).stream().filter(p -> p.algorithm().winogradTile() > 0).toList();
        int threes = (int) java.util.Arrays.stream(s.kernel()).filter(k -> k == 3).count();
        assertTrue(plans.stream().anyMatch(p -> p.algorithm() == Algorithm.CL_WINOGRAD_F2), "F(2,3) offered");
        assertEquals(threes <= 2, plans.stream().anyMatch(p -> p.algorithm() == Algorithm.CL_WINOGRAD_F4), "F(4,3) offered");
        TestSupport.assertPlansMatchReference(cl.backend(), name, s, plans, TestSupport.WINOGRAD_RELATIVE);
    }

    @Test
    void theChunkedLayerTakesSeveralChunks() {
        long f2Tiles = 3L * 10 * 10;
        long f4Tiles = 3L * 5 * 5;
        assertTrue(WinogradLauncher.winogradChunk(f2Tiles, 16, 512, Thresholds.CL_WINOGRAD_CPU_SCRATCH_BYTES) < f2Tiles / 2);
        assertTrue(WinogradLauncher.winogradChunk(f4Tiles, 36, 512, Thresholds.CL_WINOGRAD_CPU_SCRATCH_BYTES) < f4Tiles);
        assertEquals(1, WinogradLauncher.winogradChunk(10, 36, 1 << 20, 1024), "at least one tile");
    }

    @Test
    void applicability() {
        ConvSpec dense = ConvSpec.conv(2).input(1, 8, 8, 8).outChannels(8).kernel(3).padding(1).build();
        assertTrue(Planner.winogradShaped(dense, 4));
        assertFalse(Planner.winogradShaped(dense.toBuilder().stride(2).build(), 2), "stride 2");
        assertFalse(Planner.winogradShaped(dense.toBuilder().kernel(5).build(), 2), "kernel 5");
        assertFalse(Planner.winogradShaped(dense.toBuilder().kernel(1).build(), 2), "1x1");
        assertFalse(Planner.winogradShaped(dense.toBuilder().paddingMode(io.github.convcl.spec.PaddingMode.REFLECT).build(), 2), "reflect");
        assertFalse(Planner.winogradShaped(dense.toBuilder().groups(8).build(), 2), "depthwise");
        assertFalse(Planner.winogradShaped(ConvSpec.convTranspose(2).input(1, 8, 8, 8).outChannels(8).kernel(3).build(), 2), "transposed");
        ConvSpec cube = ConvSpec.conv(3).input(1, 4, 6, 6, 6).outChannels(4).kernel(3).build();
        assertTrue(Planner.winogradShaped(cube, 2));
        assertFalse(Planner.winogradShaped(cube, 4), "F(4,3) in three dimensions: 216 points per tile");
    }
}
