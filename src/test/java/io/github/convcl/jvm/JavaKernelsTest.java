// Java kernel paths that random small layers rarely reach: channel-split tasks, panel tails, large strides.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.github.convcl.TestSupport;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.DeviceFacts;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;
import java.util.List;
import org.junit.jupiter.api.Test;

class JavaKernelsTest {
    static void check(ConvSpec s) {
        RandomSpecs r = new RandomSpecs(s.hashCode(), 1);
        float[] x = r.data(s.inputElements());
        float[] w = r.data(s.weightElements());
        float[] b = s.hasBias() ? r.data(s.outChannels()) : null;
        double[] ref = Reference.convolve(s, x, w, b);
        for (var plan : Planner.applicable(s, JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER))) {
            float[] y = new float[ref.length];
            java.util.Arrays.fill(y, Float.NaN); // every output must be written, whatever the array held
            JavaKernels.run(plan, s, x, w, b, y);
            TestSupport.assertClose(s + " with " + plan, y, ref);
        }
    }

    /** The planner offers the direct GEMM with {@code layout} and {@code padding} for {@code s}, so {@link #check} runs it. */
    static void assertOffered(ConvSpec s, io.github.convcl.plan.JavaDirect.Layout layout, io.github.convcl.plan.JavaDirect.Padding padding) {
        boolean offered = Planner.applicable(s, JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER)).stream()
                .anyMatch(p -> p.variant() instanceof io.github.convcl.plan.JavaDirect d && p.algorithm() == io.github.convcl.plan.Algorithm.JAVA_DIRECT_GEMM
                        && d.layout() == layout && d.padding() == padding);
        org.junit.jupiter.api.Assertions.assertTrue(offered, layout + " " + padding + " offered for " + s);
    }

    /**
     * A strided 1x1 without padding runs on its gathered positions, by default and among every plan: the pointwise GEMM,
     * or the channel GEMM where the positions would leave the pointwise GEMM's last tile mostly padding (ResNet's
     * downsample into 7x7).
     */
    @Test
    void stridedPointwiseLayersGatherTheirPositionsFirst() {
        java.util.Map<ConvSpec, Algorithm> specs = java.util.Map.of(
                ConvSpec.conv(1).input(2, 6, 17).outChannels(9).kernel(1).stride(3).build(), Algorithm.JAVA_CHANNEL_GEMM,
                ConvSpec.conv(2).input(2, 12, 13, 11).outChannels(20).kernel(1).stride(2, 3).build(), Algorithm.JAVA_CHANNEL_GEMM,
                ConvSpec.conv(2).input(1, 16, 56, 56).outChannels(24).kernel(1).stride(2).groups(2).bias(false).build(),
                Algorithm.JAVA_POINTWISE_GEMM,
                ConvSpec.conv(2).input(1, 64, 14, 14).outChannels(96).kernel(1).stride(2).build(), Algorithm.JAVA_CHANNEL_GEMM,
                ConvSpec.conv(3).input(1, 5, 5, 6, 7).outChannels(8).kernel(1).stride(2, 1, 3).build(), Algorithm.JAVA_POINTWISE_GEMM);
        for (var e : specs.entrySet()) {
            org.junit.jupiter.api.Assertions.assertEquals(e.getValue(),
                    Planner.plan(e.getKey(), JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER)).algorithm(),
                    e.getKey().toString());
            check(e.getKey());
        }
    }

    /**
     * The channel GEMM's panels of 18 positions end in every count of rows: its tiles of 6, 7 (512-bit) and 4 rows cover
     * a last panel of 1 to 17 positions (7x7 at batch 1: 18 + 18 + 13; at batch 8: 21 panels and 14), beside channel
     * counts that end in a partial pair of channel panels.
     */
    @Test
    void channelGemmTilesCoverEveryPanelTail() {
        for (int positions = 1; positions <= 36; positions++) {
            ConvSpec s = ConvSpec.conv(1).input(1, 24, positions).outChannels(positions % 2 == 0 ? 40 : 64).kernel(1).build();
            assertOfferedChannelGemm(s);
            check(s);
        }
        check(ConvSpec.conv(2).input(1, 96, 7, 7).outChannels(80).kernel(1).build());
        check(ConvSpec.conv(2).input(8, 32, 7, 7).outChannels(48).kernel(1).build());
    }

    /**
     * A pointwise layer's positions past its last 32-column tile (1 to 8 of them) are dot products along the reduction
     * where the 512-bit tiles run: every count of such columns, one or two rows of weights at a time (odd channel
     * counts), reductions that end in a partial vector, groups, a batch, and a strided layer's gathered positions.
     */
    @Test
    void pointwiseTailColumnsRunAsDotProducts() {
        for (int tail = 1; tail <= 8; tail++) {
            ConvSpec s = ConvSpec.conv(1).input(1, 16 + 3 * tail, 32 + tail).outChannels(5 + tail).kernel(1).build();
            org.junit.jupiter.api.Assertions.assertEquals(Gemm.WIDE ? tail : 0, Im2colGemm.dotColumns(32 + tail), s.toString());
            check(s);
        }
        org.junit.jupiter.api.Assertions.assertEquals(0, Im2colGemm.dotColumns(4));
        org.junit.jupiter.api.Assertions.assertEquals(0, Im2colGemm.dotColumns(784));
        check(ConvSpec.conv(2).input(2, 40, 14, 14).outChannels(30).kernel(1).groups(2).build());
        check(ConvSpec.conv(2).input(1, 64, 28, 28).outChannels(33).kernel(1).stride(2).bias(false).build());
    }

    /**
     * The channel GEMM copies a pointwise layer's positions straight from the input: one float per image for a fully
     * connected layer, runs of a plane otherwise, a panel of 18 positions spanning image boundaries (7 images of one
     * position, 5 images of 3x3), groups, and a 1x1 with padding (not pointwise: unfolded) beside them.
     */
    @Test
    void theChannelGemmPacksPointwisePositionsAcrossImages() {
        List<ConvSpec> specs = List.of(
                ConvSpec.conv(2).input(7, 40, 1, 1).outChannels(33).kernel(1).build(),
                ConvSpec.conv(1).input(20, 24, 1).outChannels(17).kernel(1).bias(false).build(),
                ConvSpec.conv(2).input(5, 12, 3, 3).outChannels(40).kernel(1).groups(2).build(),
                ConvSpec.conv(3).input(3, 8, 1, 2, 2).outChannels(16).kernel(1).build(),
                ConvSpec.conv(2).input(3, 8, 1, 1).outChannels(16).kernel(1).padding(1).build());
        for (ConvSpec s : specs) {
            assertOfferedChannelGemm(s);
            check(s);
        }
    }

    /**
     * A pointwise layer with a panel of positions per image or more is read in place by the channel GEMM: panels that
     * end at each image's last position (3 images of 7x7: 18 + 18 + 13 each), panels whose tiles would pad (an image of
     * 23 positions ends in a panel of 5, which is copied) beside ones read in place, reductions longer than a block,
     * channel counts that end in a partial panel, with and without a bias; by default for a reducing layer on 3 images of 14x14.
     */
    @Test
    void theChannelGemmReadsPointwiseInputInPlace() {
        List<ConvSpec> specs = List.of(
                ConvSpec.conv(2).input(3, 40, 7, 7).outChannels(24).kernel(1).build(),
                ConvSpec.conv(1).input(2, 24, 23).outChannels(40).kernel(1).bias(false).build(),
                ConvSpec.conv(1).input(2, 300, 41).outChannels(17).kernel(1).build(),
                ConvSpec.conv(3).input(2, 16, 2, 3, 4).outChannels(48).kernel(1).build());
        for (ConvSpec s : specs) {
            assertOfferedChannelGemm(s);
            check(s);
        }
        ConvSpec reduce = ConvSpec.conv(2).input(3, 512, 14, 14).outChannels(48).kernel(1).build();
        org.junit.jupiter.api.Assertions.assertEquals(Algorithm.JAVA_CHANNEL_GEMM,
                Planner.plan(reduce, JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER)).algorithm());
        check(reduce);
    }

    /**
     * The Winograds along channels (F(4,3) and F(2,3), both offered) on every tile shape: planes that end in partial
     * tiles (13x11, 5x7), padding 0, 1 and 2 ("same"), a batch whose tiles share chunks across images, reductions of
     * one and several 16-channel blocks, several 32-channel output groups and a last one of 16, with and without a
     * bias; offered wherever it applies, and the planner's choice for ResNet-50's 3x3 at 14x14 (at 28x28 the other
     * Winograd) and F(2,3) for a 7x7.
     */
    @Test
    void theWinogradAlongChannelsCoversTilesPaddingAndImages() {
        List<ConvSpec> specs = List.of(
                ConvSpec.conv(2).input(1, 16, 13, 11).outChannels(32).kernel(3).padding(1).build(),
                ConvSpec.conv(2).input(3, 32, 5, 7).outChannels(64).kernel(3).padding(1).bias(false).build(),
                ConvSpec.conv(2).input(2, 48, 9, 9).outChannels(96).kernel(3).padding(0).build(),
                ConvSpec.conv(2).input(1, 16, 6, 10).outChannels(32).kernel(3).padding(2).build(),
                ConvSpec.conv(2).input(2, 16, 7, 9).outChannels(32).kernel(3).padding(io.github.convcl.spec.Padding.same()).build(),
                // 48 output channels: a last group of 16 real and 16 zero-weight channels
                ConvSpec.conv(2).input(2, 32, 10, 7).outChannels(48).kernel(3).padding(1).build(),
                ConvSpec.conv(2).input(1, 16, 6, 6).outChannels(16).kernel(3).padding(1).bias(false).build());
        DeviceFacts facts = JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER);
        for (ConvSpec s : specs) {
            List<io.github.convcl.plan.Plan> channels = Planner.applicable(s, facts).stream()
                    .filter(p -> p.algorithm() == Algorithm.JAVA_WINOGRAD_CHANNELS || p.algorithm() == Algorithm.JAVA_WINOGRAD_F2_CHANNELS)
                    .toList();
            org.junit.jupiter.api.Assertions.assertEquals(Gemm.WIDE ? 2 : 0, channels.size(), "offered for " + s);
            check(s);
            // the Winograd plans' promise (docs/precision.md): within 1e-5 sum|w*x| per output, on standard-normal data
            io.github.convcl.TestSupport.assertPlansMatchReference(new JavaBackend(), "along channels " + s, s, channels,
                    io.github.convcl.TestSupport.WINOGRAD_RELATIVE);
        }
        ConvSpec resnet = ConvSpec.conv(2).input(1, 256, 14, 14).outChannels(256).kernel(3).padding(1).bias(false).build();
        org.junit.jupiter.api.Assertions.assertEquals(Gemm.WIDE ? Algorithm.JAVA_WINOGRAD_CHANNELS : Algorithm.JAVA_WINOGRAD,
                Planner.plan(resnet, facts).algorithm());
        ConvSpec larger = ConvSpec.conv(2).input(1, 128, 28, 28).outChannels(128).kernel(3).padding(1).bias(false).build();
        org.junit.jupiter.api.Assertions.assertEquals(Algorithm.JAVA_WINOGRAD, Planner.plan(larger, facts).algorithm());
        ConvSpec small = ConvSpec.conv(2).input(1, 160, 7, 7).outChannels(320).kernel(3).padding(1).bias(false).build();
        org.junit.jupiter.api.Assertions.assertEquals(Gemm.WIDE ? Algorithm.JAVA_WINOGRAD_F2_CHANNELS : Algorithm.JAVA_WINOGRAD_F2,
                Planner.plan(small, facts).algorithm());
    }

    private static void assertOfferedChannelGemm(ConvSpec s) {
        org.junit.jupiter.api.Assertions.assertTrue(Planner.applicable(s, JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER))
                .stream().anyMatch(p -> p.algorithm() == Algorithm.JAVA_CHANNEL_GEMM), "channel GEMM offered for " + s);
    }

    @Test
    void manyChannelsFewPositionsSplitChannelsBetweenTasks() {
        // 6x6 outputs but 96..200 output channels: the direct GEMM splits channels; 200 and 196 end in 4-row panels.
        for (int cout : List.of(96, 196, 200, 256)) {
            check(ConvSpec.conv(2).input(1, 32, 6, 6).outChannels(cout).kernel(3).padding(1).build());
        }
        check(ConvSpec.conv(2).input(2, 64, 4, 5).outChannels(192).kernel(3).padding(1).groups(2).build());
    }

    @Test
    void stridesDilationsAndPaddingModesThroughPhasePlanes() {
        check(ConvSpec.conv(2).input(2, 5, 17, 13).outChannels(14).kernel(3).stride(2, 3).dilation(2, 1).padding(2).build());
        check(ConvSpec.conv(3).input(1, 3, 9, 10, 11).outChannels(8).kernel(3).stride(2).padding(1).paddingMode(PaddingMode.REFLECT).build());
        check(ConvSpec.conv(1).input(3, 4, 50).outChannels(6).kernel(5).stride(4).dilation(3).padding(6).paddingMode(PaddingMode.CIRCULAR).build());
        check(ConvSpec.conv(2).input(1, 3, 31, 29).outChannels(16).kernel(7).stride(2).padding(3).paddingMode(PaddingMode.REPLICATE).build());
        // Stride 2 across: each input row is split into its two phase rows in one pass, eight pairs a step; padding in
        // front even and odd, rows of odd and even width, longer than eight pairs.
        check(ConvSpec.conv(2).input(1, 12, 6, 37).outChannels(10).kernel(5).stride(2).padding(2).paddingMode(PaddingMode.CIRCULAR).build());
        check(ConvSpec.conv(2).input(2, 12, 5, 40).outChannels(10).kernel(3).stride(2).build());
        check(ConvSpec.conv(2).input(1, 12, 5, 35).outChannels(10).kernel(3).stride(1, 2).padding(1).paddingMode(PaddingMode.REFLECT).build());
    }

    /**
     * Tasks that pad only the positions their columns read, of every phase plane (forced here; by default only for
     * large inputs): strides of 1 to 3 with front padding even and odd, rows of odd and even width split into phase
     * rows (two at a time for stride 2), dilation, every padding mode, 1D (accumulating in place), 3D (taps reaching
     * into further planes), groups, batches, several runs of columns with a ragged last one.
     */
    @Test
    void tasksPadOnlyThePositionsTheirColumnsRead() {
        List<ConvSpec> specs = List.of(
                ConvSpec.conv(2).input(2, 20, 23, 37).outChannels(18).kernel(3).stride(2).padding(1).build(),
                ConvSpec.conv(2).input(1, 20, 22, 40).outChannels(13).kernel(5).stride(2).padding(2).paddingMode(PaddingMode.REFLECT).bias(false).build(),
                ConvSpec.conv(2).input(1, 18, 15, 33).outChannels(12).kernel(3, 5).stride(1, 2).padding(2, 3).dilation(2, 1).paddingMode(PaddingMode.CIRCULAR).build(),
                ConvSpec.conv(2).input(1, 17, 19, 26).outChannels(10).kernel(3).stride(3, 1).padding(1).paddingMode(PaddingMode.REPLICATE).build(),
                ConvSpec.conv(2).input(1, 17, 9, 50).outChannels(10).kernel(3, 4).stride(1, 3).padding(1, 2).build(),
                ConvSpec.conv(2).input(2, 40, 12, 29).outChannels(24).kernel(3).stride(2).padding(1).groups(2).build(),
                ConvSpec.conv(1).input(2, 24, 700).outChannels(20).kernel(3).dilation(4).padding(4).build(),
                ConvSpec.conv(1).input(1, 24, 301).outChannels(11).kernel(4).stride(2).padding(3).paddingMode(PaddingMode.REFLECT).build(),
                ConvSpec.conv(3).input(1, 20, 5, 9, 21).outChannels(12).kernel(3).stride(1, 2, 2).padding(1).build());
        for (ConvSpec s : specs) {
            int width = s.outputSize()[s.outputSize().length - 1];
            org.junit.jupiter.api.Assertions.assertFalse(io.github.convcl.plan.JavaDirect.rowTiles(s.outPerGroup(), s.inPerGroup(), width), s.toString());
            assertOffered(s, io.github.convcl.plan.JavaDirect.Layout.COLUMNS, io.github.convcl.plan.JavaDirect.Padding.LOCAL);
            check(s);
        }
    }

    /**
     * Row tiles whose tasks share an image's rows, each padding only the rows it reads (forced here; by default with
     * more than one thread and a short reach): strides (rows split into phase rows), dilation, every padding mode, a
     * 5x5 reaching two rows on each side, groups, 3D (taps reaching into further planes), widths of 16 to 40.
     */
    @Test
    void rowTasksPadOnlyTheRowsTheyRead() {
        List<ConvSpec> specs = List.of(
                ConvSpec.conv(2).input(1, 3, 64, 40).outChannels(16).kernel(7).stride(2).padding(3).build(),
                ConvSpec.conv(2).input(1, 3, 41, 37).outChannels(10).kernel(3).stride(2).padding(1).paddingMode(PaddingMode.REFLECT).build(),
                ConvSpec.conv(2).input(2, 16, 30, 28).outChannels(32).kernel(5).padding(2).bias(false).build(),
                ConvSpec.conv(2).input(1, 8, 33, 20).outChannels(12).kernel(3).dilation(2).padding(2).paddingMode(PaddingMode.CIRCULAR).build(),
                ConvSpec.conv(2).input(1, 12, 24, 16).outChannels(8).kernel(3).padding(1).groups(2).paddingMode(PaddingMode.REPLICATE).build(),
                ConvSpec.conv(3).input(1, 4, 3, 20, 18).outChannels(8).kernel(3).stride(1, 2, 1).padding(1).build());
        for (ConvSpec s : specs) {
            int width = s.outputSize()[s.outputSize().length - 1];
            org.junit.jupiter.api.Assertions.assertTrue(io.github.convcl.plan.JavaDirect.rowTiles(s.outPerGroup(), s.inPerGroup(), width), s.toString());
            assertOffered(s, io.github.convcl.plan.JavaDirect.Layout.ROWS, io.github.convcl.plan.JavaDirect.Padding.LOCAL);
            check(s);
        }
    }

    @Test
    void rowTasksPadTheirOwnRowsOnSeveralThreadsWithAShortReach() {
        org.junit.jupiter.api.Assertions.assertTrue(io.github.convcl.plan.JavaDirect.rowsLocal(2, 3 * 115 + 3, 14 * 115), "stem7x7s2 on 2 threads");
        org.junit.jupiter.api.Assertions.assertFalse(io.github.convcl.plan.JavaDirect.rowsLocal(1, 3 * 115 + 3, 28 * 115), "one thread");
        org.junit.jupiter.api.Assertions.assertFalse(io.github.convcl.plan.JavaDirect.rowsLocal(2, 4 * 32 + 4, 7 * 32), "inception5x5: 7 rows, reach 4");
        org.junit.jupiter.api.Assertions.assertTrue(io.github.convcl.plan.JavaDirect.rowsLocal(2, 4 * 32 + 4, 14 * 32), "inception5x5 at batch 8");
    }

    /** Per-task padding keeps runs many reaches long once every thread has two tasks, and halves them for more threads. */
    @Test
    void localRunsStayLongOnceEveryThreadHasTwoTasks() {
        // resnet3x3s2: two images of 811 phase positions, reach 30, runs of 256 to start, 8 tasks a thread wanted
        org.junit.jupiter.api.Assertions.assertEquals(256, io.github.convcl.plan.JavaDirect.localRun(256, 64, 30, 2, 811, 16, 2), "two threads");
        org.junit.jupiter.api.Assertions.assertEquals(256, io.github.convcl.plan.JavaDirect.localRun(256, 64, 30, 2, 811, 8, 1), "one thread");
        org.junit.jupiter.api.Assertions.assertEquals(64, io.github.convcl.plan.JavaDirect.localRun(256, 64, 30, 2, 811, 128, 16), "16 threads");
        // a short reach keeps halving until the tasks wanted, down to the least run
        org.junit.jupiter.api.Assertions.assertEquals(128, io.github.convcl.plan.JavaDirect.localRun(512, 64, 8, 2, 4100, 64, 8), "conv1d, 8 threads");
        org.junit.jupiter.api.Assertions.assertEquals(64, io.github.convcl.plan.JavaDirect.localRun(512, 64, 8, 1, 1000, 64, 8), "the least run");
    }

    @Test
    void largeInputsWithShortReachAndEnoughTasksPadPerTask() {
        long mb = 1L << 20;
        org.junit.jupiter.api.Assertions.assertTrue(io.github.convcl.plan.JavaDirect.localPadding(3 * mb + mb / 2, 30, 256, 26, 16), "resnet3x3s2 on 2 threads");
        org.junit.jupiter.api.Assertions.assertTrue(io.github.convcl.plan.JavaDirect.localPadding(4 * mb, 8, 256, 128, 8), "conv1d_d4");
        org.junit.jupiter.api.Assertions.assertFalse(io.github.convcl.plan.JavaDirect.localPadding(mb, 30, 256, 26, 16), "1 MiB stays in cache");
        org.junit.jupiter.api.Assertions.assertFalse(io.github.convcl.plan.JavaDirect.localPadding(4 * mb, 244, 256, 100, 16), "5x5 reaching four rows");
        org.junit.jupiter.api.Assertions.assertFalse(io.github.convcl.plan.JavaDirect.localPadding(4 * mb, 8, 256, 12, 16), "too few tasks");
    }

    @Test
    void outputPositionsThatAreTheirOwnColumnsAccumulateInPlace() {
        // One output row (1D), or rows as wide as the padded rows (kernel width 1, no padding across): the direct
        // GEMM accumulates into the output itself. Several chunks with a ragged last one, channel blocks, bias.
        check(ConvSpec.conv(1).input(2, 24, 1500).outChannels(20).kernel(3).dilation(4).padding(4).build());
        check(ConvSpec.conv(1).input(1, 32, 20).outChannels(200).kernel(3).padding(1).build());
        check(ConvSpec.conv(1).input(1, 32, 40).outChannels(36).kernel(3).padding(1).groups(2).bias(false).build());
        check(ConvSpec.conv(2).input(2, 16, 9, 21).outChannels(12).kernel(3, 1).padding(1, 0).build());
    }

    @Test
    void depthwiseNineTapsAndOthers() {
        // Nine taps take the register-held path whatever their geometry: 3x3 (with a channel multiplier and
        // dilation), 1D k=9, 3x3x1; other tap counts the general one.
        check(ConvSpec.conv(2).input(2, 6, 13, 11).outChannels(12).kernel(3).padding(1).groups(6).build());
        check(ConvSpec.conv(2).input(1, 4, 12, 12).outChannels(4).kernel(3).padding(2).dilation(2).groups(4).build());
        check(ConvSpec.conv(1).input(2, 3, 40).outChannels(3).kernel(9).padding(4).groups(3).build());
        check(ConvSpec.conv(3).input(1, 2, 5, 6, 7).outChannels(4).kernel(3, 3, 1).padding(1, 1, 0).groups(2).build());
        check(ConvSpec.conv(3).input(1, 2, 5, 6, 7).outChannels(2).kernel(3).padding(1).groups(2).bias(false).build());
        // rows and runs longer than a vector, not a multiple of it: the last step overlaps the one before (nine taps
        // straight into rows, dilated; 25 taps over a run of the padded plane)
        check(ConvSpec.conv(2).input(1, 3, 6, 37).outChannels(6).kernel(3).padding(2).dilation(2).groups(3).build());
        check(ConvSpec.conv(2).input(2, 2, 5, 21).outChannels(2).kernel(5).padding(2).groups(2).build());
        // 3x3, stride 1, padding 1 of zeros, planes of a vector of positions or more: rows of a vector or more read
        // in place (zero rows above the first and below the last, the edge columns as lanes of the middle taps moved
        // by one), narrower rows as one run of the plane's positions with the row ends masked. One to three rows;
        // widths of exactly 8 and 16 (the first step is also the last), one more, several steps with an overlapping
        // last one; narrow planes of exactly 16 positions and more (7x7, 14x14), one of 9 (a vector of 16 lanes:
        // padded). The unpadded plan is offered exactly where the plane holds a vector.
        int[][] planes = {{1, 8}, {2, 9}, {3, 10}, {1, 16}, {2, 17}, {3, 18}, {4, 20}, {2, 24}, {5, 33}, {3, 40},
                {2, 8}, {5, 4}, {3, 6}, {7, 7}, {14, 14}, {1, 9}, {6, 3}};
        for (int[] hw : planes) {
            ConvSpec s = ConvSpec.conv(2).input(hw[1] % 2 + 1, 3, hw[0], hw[1]).outChannels(hw[1] % 3 == 0 ? 6 : 3)
                    .kernel(3).padding(1).groups(3).bias(hw[0] != 2).build();
            boolean unpadded = Planner.applicable(s, JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER))
                    .stream().anyMatch(p -> p.variant() instanceof io.github.convcl.plan.JavaDepthwise d && d.unpadded());
            org.junit.jupiter.api.Assertions.assertEquals(Gemm.VECTOR && hw[0] * hw[1] >= Gemm.LANES, unpadded, s.toString());
            check(s);
        }
    }

    /**
     * Sixteen input channels per group or fewer, many output channels (RGB stems): row tiles too, over many row panels
     * (6- and 4-row panels, a padded last panel), strides through phase planes, groups, bias, 1D and 3D.
     */
    @Test
    void thinInputsWriteRowsFromTilesReadingTheInputInPlace() {
        List<ConvSpec> specs = List.of(
                ConvSpec.conv(2).input(2, 3, 30, 34).outChannels(64).kernel(7).stride(2).padding(3).bias(false).build(),
                ConvSpec.conv(2).input(1, 8, 9, 20).outChannels(40).kernel(3).padding(1).build(),
                // rows of 40 in one run: 32-column tiles (with 512-bit tiles) and a last overlapping 16, bias per panel
                ConvSpec.conv(2).input(1, 3, 40, 40).outChannels(36).kernel(3).padding(1).build(),
                ConvSpec.conv(2).input(1, 4, 11, 25).outChannels(23).kernel(5).padding(2).dilation(1, 2).paddingMode(PaddingMode.REFLECT).build(),
                ConvSpec.conv(2).input(1, 16, 6, 33).outChannels(36).kernel(3).padding(1).groups(2).build(),
                // 16 inputs (inception5x5's 5x5 into 32 channels, smaller)
                ConvSpec.conv(2).input(2, 16, 7, 28).outChannels(32).kernel(5).padding(2).build(),
                ConvSpec.conv(1).input(2, 2, 90).outChannels(17).kernel(5).stride(3).padding(2).build(),
                ConvSpec.conv(3).input(1, 3, 3, 5, 18).outChannels(12).kernel(3).padding(1).build());
        for (ConvSpec s : specs) {
            int width = s.outputSize()[s.outputSize().length - 1];
            org.junit.jupiter.api.Assertions.assertTrue(io.github.convcl.plan.JavaDirect.rowTiles(s.outPerGroup(), s.inPerGroup(), width), s.toString());
            check(s);
        }
        org.junit.jupiter.api.Assertions.assertFalse(io.github.convcl.plan.JavaDirect.rowTiles(64, 32, 56), "32 inputs, 64 outputs: panels");
    }

    /**
     * Eight output channels per group or fewer, rows 16 wide or more: the direct GEMM writes output rows from register
     * tiles that read the padded input in place. Covered: 1 to 8 channels (6- and 4-row panels, panels with padding
     * rows), widths that are not a multiple of 16 (the last tile overlaps), exactly 16, rows split into column runs
     * (one long 1D row), tasks that pad their own group's channels, strides and dilations through phase planes, padding
     * modes, groups, 3D, with and without bias.
     */
    @Test
    void fewOutputChannelsWriteRowsFromTilesReadingTheInputInPlace() {
        List<ConvSpec> specs = new java.util.ArrayList<>();
        for (int cout = 1; cout <= 8; cout++) {
            specs.add(ConvSpec.conv(2).input(1, 3, 9, 21 + cout).outChannels(cout).kernel(3).padding(1).bias(cout % 2 == 0).build());
        }
        specs.add(ConvSpec.conv(2).input(2, 64, 7, 28).outChannels(64).kernel(3).padding(1).groups(8).build());
        // 128 (image, group) tasks, each padding its own group's channels (up to 16 cores).
        specs.add(ConvSpec.conv(2).input(4, 64, 5, 40).outChannels(128).kernel(3).stride(1, 2).padding(1).groups(32).build());
        specs.add(ConvSpec.conv(2).input(1, 12, 5, 16).outChannels(6).kernel(3).padding(1).groups(3).build());
        specs.add(ConvSpec.conv(1).input(1, 4, 700).outChannels(5).kernel(7).padding(3).build());
        specs.add(ConvSpec.conv(2).input(1, 3, 40, 75).outChannels(8).kernel(3).stride(2).padding(1).build());
        specs.add(ConvSpec.conv(2).input(1, 5, 12, 50).outChannels(7).kernel(3).dilation(2, 3).padding(2, 3).paddingMode(PaddingMode.REFLECT).build());
        specs.add(ConvSpec.conv(2).input(1, 4, 6, 36).outChannels(3).kernel(5, 1).stride(1, 2).padding(2, 0).paddingMode(PaddingMode.CIRCULAR).build());
        specs.add(ConvSpec.conv(3).input(1, 4, 4, 5, 19).outChannels(8).kernel(3).padding(1).paddingMode(PaddingMode.REPLICATE).groups(2).build());
        for (ConvSpec s : specs) {
            int width = s.outputSize()[s.outputSize().length - 1];
            org.junit.jupiter.api.Assertions.assertTrue(io.github.convcl.plan.JavaDirect.rowTiles(s.outPerGroup(), s.inPerGroup(), width), s.toString());
            check(s);
        }
    }

    /**
     * Transposed layers whose kernel equals the stride (each output one tap) write each product straight to its output:
     * column tiles that start inside an input row, channel blocks past 16 with a partial last one, groups, bias, 1D to 3D.
     */
    @Test
    void transposedWithOneTapPerOutputWritesEachOutputOnce() {
        check(ConvSpec.convTranspose(2).input(2, 6, 13, 11).outChannels(40).kernel(2).stride(2).groups(2).build());
        check(ConvSpec.convTranspose(3).input(1, 8, 5, 6, 7).outChannels(4).kernel(2).stride(2).bias(false).build());
        check(ConvSpec.convTranspose(1).input(3, 5, 37).outChannels(7).kernel(3).stride(3).build());
        check(ConvSpec.convTranspose(2).input(1, 3, 9, 10).outChannels(5).kernel(3, 2).stride(3, 2).build());
        // Not disjoint (output padding, or a kernel longer than the stride): the accumulating path.
        check(ConvSpec.convTranspose(2).input(1, 3, 9, 10).outChannels(5).kernel(2).stride(2).outputPadding(1).build());
        check(ConvSpec.convTranspose(2).input(1, 3, 9, 10).outChannels(5).kernel(4).stride(2).padding(1).build());
    }

    /**
     * A last channel block whose rows pack into more floats than a full block's (15 rows in 6-row panels take 18, a
     * block of 16 takes 16): each block's packed slot must hold it (this layer, from the fuzzer, wrote past the packed
     * weights: ArrayIndexOutOfBoundsException). Both transposed GEMM paths (one tap per output, and accumulating).
     */
    @Test
    void transposedGemmPacksAShortLastChannelBlock() {
        for (ConvSpec s : java.util.List.of(
                ConvSpec.convTranspose(1).input(1, 1, 11).outChannels(223).kernel(1).stride(2).padding(2).bias(false).build(),
                ConvSpec.convTranspose(2).input(1, 2, 5, 6).outChannels(31).kernel(1).stride(2).build(),
                ConvSpec.convTranspose(2).input(1, 2, 5, 6).outChannels(31).kernel(1).stride(1).padding(0).build())) {
            TestSupport.assertPlansMatchReference(new JavaBackend(), s.toString(), s,
                    java.util.List.of(io.github.convcl.plan.Plan.of(io.github.convcl.plan.Algorithm.JAVA_TRANSPOSED_GEMM)), 1e-5);
        }
    }

    /** ConvCL.convolve from arrays on the Java backend reads the caller's arrays in place: right result, arrays untouched. */
    @Test
    void arraysEndToEndAreReadInPlaceAndLeftUnchanged() {
        ConvSpec s = ConvSpec.conv(2).input(2, 6, 9, 8).outChannels(10).kernel(3).stride(2).padding(1).groups(2).build();
        RandomSpecs r = new RandomSpecs(11, 1);
        float[] x = r.data(s.inputElements());
        float[] w = r.data(s.weightElements());
        float[] b = r.data(s.outChannels());
        float[][] before = {x.clone(), w.clone(), b.clone()};
        try (io.github.convcl.ConvCL cl = io.github.convcl.ConvCL.open("java")) {
            float[] y = cl.convolve(s, x, w, b);
            TestSupport.assertClose("end to end", y, Reference.convolve(s, x, w, b));
            assertArrayEquals(before[0], x);
            assertArrayEquals(before[1], w);
            assertArrayEquals(before[2], b);
            assertNotSame(y, cl.convolve(s, x, w, b), "each call returns its own array");
        }
    }

    /** Packed weights are reused only while the weight tensor is unchanged: a write, or use as an output, repacks. */
    @Test
    void packedWeightsFollowEveryChangeOfTheWeightTensor() {
        ConvSpec dense = ConvSpec.conv(2).input(1, 8, 7, 7).outChannels(12).kernel(3).padding(1).bias(false).build();
        ConvSpec up = ConvSpec.convTranspose(2).input(1, 12, 4, 4).outChannels(6).kernel(2).stride(2).bias(false).build();
        // A producer whose output has the dense layer's weight shape (12, 8, 3, 3): a 1x1 convolution over 12 images.
        ConvSpec producer = ConvSpec.conv(2).input(12, 8, 3, 3).outChannels(8).kernel(1).bias(false).build();
        RandomSpecs r = new RandomSpecs(3, 1);
        try (io.github.convcl.ConvCL cl = io.github.convcl.ConvCL.open("java")) {
            float[] x = r.data(dense.inputElements());
            float[] w1 = r.data(dense.weightElements());
            float[] w2 = r.data(dense.weightElements());
            try (var tx = cl.tensor(x, dense.inputShape()); var tw = cl.tensor(w1, dense.weightShape());
                 var ty = cl.empty(dense.outputShape())) {
                for (float[] w : List.of(w1, w1, w2, w2, w1)) {
                    tw.write(w);
                    for (int i = 0; i < 2; i++) {
                        cl.conv(dense, tx, tw, null, ty);
                        TestSupport.assertClose("after a write", ty.toArray(), Reference.convolve(dense, x, w, null));
                    }
                }
                // The weight tensor as the output of another convolution (a 1x1 over its own layout, weights 2*I).
                float[] src = r.data(producer.inputElements());
                float[] twice = new float[(int) producer.weightElements()];
                for (int c = 0; c < 8; c++) {
                    twice[c * 8 + c] = 2f;
                }
                try (var tsrc = cl.tensor(src, producer.inputShape()); var tid = cl.tensor(twice, producer.weightShape());
                     var tw3 = cl.empty(dense.weightShape())) {
                    cl.conv(dense, tx, tw, null, ty); // packs tw
                    cl.conv(dense, tx, tw3, null, ty); // packs tw3 as it is (zeros)
                    cl.conv(producer, tsrc, tid, null, tw3);
                    float[] w3 = tw3.toArray();
                    cl.conv(dense, tx, tw3, null, ty);
                    TestSupport.assertClose("weights written by a convolution", ty.toArray(), Reference.convolve(dense, x, w3, null));
                }
            }
            // Transposed convolution packs too, both ways (even residues: GEMM + col2im; uneven: per residue class).
            ConvSpec uneven = ConvSpec.convTranspose(2).input(1, 12, 5, 4).outChannels(6).kernel(3).stride(2).padding(1)
                    .outputPadding(1).bias(false).build();
            for (ConvSpec t : List.of(up, uneven)) {
                float[] ux = r.data(t.inputElements());
                try (var tx = cl.tensor(ux, t.inputShape()); var tw = cl.tensor(r.data(t.weightElements()), t.weightShape())) {
                    for (int i = 0; i < 3; i++) {
                        float[] w = r.data(t.weightElements());
                        tw.write(w);
                        try (var ty = cl.conv(t, tx, tw, null)) {
                            TestSupport.assertClose("transposed after a write", ty.toArray(), Reference.convolve(t, ux, w, null));
                        }
                    }
                }
            }
        }
    }

    @Test
    void theDirectGemmIsThePlannedPathForDenseLayers() {
        ConvSpec s = ConvSpec.conv(2).input(1, 32, 6, 6).outChannels(96).kernel(3).padding(1).build();
        org.junit.jupiter.api.Assertions.assertEquals(Algorithm.JAVA_DIRECT_GEMM, Planner.plan(s, DeviceFacts.java()).algorithm());
    }
}
