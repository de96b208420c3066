// Winograd F(4,3) and F(2,3) on the Java backend: every tile shape, residue class, padding mode and chunking it takes, against
// the float64 reference, within the golden tolerance and the documented fraction of sum|w*x|.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.TestSupport;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Padding;
import io.github.convcl.spec.PaddingMode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JavaWinogradTest {
    /** Tiles per vector: 8, or 16 beside the 512-bit tiles. */
    private static final int L = JavaWinograd.LANES;

    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of("2d, bias, sizes not a multiple of the tile",
                        ConvSpec.conv(2).input(2, 6, 11, 13).outChannels(5).kernel(3).padding(1).build()),
                Arguments.of("2d valid", ConvSpec.conv(2).input(1, 8, 9, 10).outChannels(7).kernel(3).bias(false).build()),
                Arguments.of("2d one output", ConvSpec.conv(2).input(1, 3, 3, 3).outChannels(2).kernel(3).build()),
                Arguments.of("2d dilation (2,3), same", ConvSpec.conv(2).input(1, 4, 17, 19).outChannels(6).kernel(3).dilation(2, 3)
                        .padding(Padding.same()).build()),
                Arguments.of("2d dilation larger than the output", ConvSpec.conv(2).input(1, 3, 9, 10).outChannels(4).kernel(3)
                        .dilation(4, 4).padding(1).build()),
                Arguments.of("grouped", ConvSpec.conv(2).input(2, 8, 9, 9).outChannels(12).groups(2).kernel(3).padding(1).build()),
                Arguments.of("depthwise with multiplier", ConvSpec.conv(2).input(1, 4, 10, 10).outChannels(8).groups(4).kernel(3)
                        .padding(1).build()),
                Arguments.of("reflect", ConvSpec.conv(2).input(1, 5, 12, 9).outChannels(4).kernel(3).padding(1)
                        .paddingMode(PaddingMode.REFLECT).build()),
                Arguments.of("circular, dilated", ConvSpec.conv(2).input(1, 3, 13, 11).outChannels(4).kernel(3).padding(2).dilation(2)
                        .paddingMode(PaddingMode.CIRCULAR).build()),
                Arguments.of("replicate, asymmetric same", ConvSpec.conv(2).input(1, 3, 8, 7).outChannels(3).kernel(3).padding(Padding.same())
                        .dilation(1, 2).paddingMode(PaddingMode.REPLICATE).build()),
                Arguments.of("1d", ConvSpec.conv(1).input(3, 7, 50).outChannels(9).kernel(3).padding(1).build()),
                Arguments.of("1d dilated", ConvSpec.conv(1).input(2, 10, 37).outChannels(9).kernel(3).dilation(4).padding(4).build()),
                Arguments.of("kernel 1x3, padded rows", ConvSpec.conv(2).input(1, 6, 5, 17).outChannels(4).kernel(1, 3).padding(1, 1).build()),
                Arguments.of("kernel 3x1, dilated", ConvSpec.conv(2).input(1, 6, 17, 5).outChannels(4).kernel(3, 1).dilation(2, 1)
                        .padding(2, 0).build()),
                Arguments.of("3d kernel 1x3x3, padded depth", ConvSpec.conv(3).input(2, 4, 3, 8, 9).outChannels(5).kernel(1, 3, 3)
                        .padding(1, 1, 1).build()),
                Arguments.of("3d kernel 3x3x3, bias", ConvSpec.conv(3).input(2, 5, 6, 9, 10).outChannels(7).kernel(3).padding(1).build()),
                Arguments.of("3d 3x3x3 dilated (2,1,3), replicate, grouped", ConvSpec.conv(3).input(1, 6, 9, 8, 13).outChannels(4).kernel(3)
                        .dilation(2, 1, 3).padding(2, 1, 3).groups(2).paddingMode(PaddingMode.REPLICATE).build()),
                Arguments.of("3d kernel 3x1x3, valid depth", ConvSpec.conv(3).input(1, 4, 5, 6, 11).outChannels(3).kernel(3, 1, 3)
                        .padding(0, 0, 1).build()),
                Arguments.of("channels not a multiple of the panels", ConvSpec.conv(2).input(1, 19, 20, 21).outChannels(23).kernel(3)
                        .padding(1).build()),
                Arguments.of("several chunks of columns", CHUNKED),
                // stride 2: F(2,3) alone, five points a strided dimension
                Arguments.of("stride 2, padded, sizes not a multiple of the tile", ConvSpec.conv(2).input(2, 6, 11, 13).outChannels(5)
                        .kernel(3).stride(2).padding(1).build()),
                Arguments.of("stride 2 valid, no bias", ConvSpec.conv(2).input(1, 5, 12, 10).outChannels(7).kernel(3).stride(2)
                        .bias(false).build()),
                Arguments.of("stride (2, 1)", ConvSpec.conv(2).input(1, 4, 13, 9).outChannels(6).kernel(3).stride(2, 1).padding(1).build()),
                Arguments.of("stride (1, 2), dilated rows", ConvSpec.conv(2).input(1, 4, 15, 14).outChannels(6).kernel(3).stride(1, 2)
                        .dilation(2, 1).padding(2, 1).build()),
                Arguments.of("kernel 1x3, stride (1, 2)", ConvSpec.conv(2).input(1, 6, 5, 17).outChannels(4).kernel(1, 3).stride(1, 2)
                        .padding(0, 1).build()),
                Arguments.of("1d stride 2", ConvSpec.conv(1).input(3, 7, 50).outChannels(9).kernel(3).stride(2).padding(1).build()),
                Arguments.of("3d kernel 3x3x3, stride (1, 2, 2)", ConvSpec.conv(3).input(1, 5, 5, 9, 10).outChannels(7).kernel(3)
                        .stride(1, 2, 2).padding(1).build()),
                Arguments.of("stride 2, grouped, reflect", ConvSpec.conv(2).input(2, 8, 10, 9).outChannels(12).groups(2).kernel(3)
                        .stride(2).padding(1).paddingMode(PaddingMode.REFLECT).build()),
                Arguments.of("stride 2, several chunks", ConvSpec.conv(2).input(3, 256, 60, 60).outChannels(16).kernel(3).stride(2)
                        .padding(1).build()));
    }

    /** 3 x 50 x 50 tiles of 256 channels: several chunks within the chunk budget, row ends inside vectors. */
    static final ConvSpec CHUNKED = ConvSpec.conv(2).input(3, 256, 50, 50).outChannels(16).kernel(3).padding(1).build();

    /** The Java Winograd algorithms: F(4,3) and F(2,3). */
    private static final List<Algorithm> WINOGRADS = List.of(Algorithm.JAVA_WINOGRAD, Algorithm.JAVA_WINOGRAD_F2);

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void matchesTheReference(String name, ConvSpec s) {
        List<Plan> plans = Planner.applicable(s, io.github.convcl.plan.DeviceFacts.java()).stream()
                .filter(p -> p.algorithm().family() == Algorithm.Family.JAVA_WINOGRAD).toList();
        boolean strided = java.util.Arrays.stream(s.stride()).anyMatch(v -> v > 1);
        assertEquals(strided ? List.of(Algorithm.JAVA_WINOGRAD_F2) : WINOGRADS, plans.stream().map(Plan::algorithm).toList(), "offered");
        TestSupport.assertPlansMatchReference(new JavaBackend(), name, s, plans, TestSupport.WINOGRAD_RELATIVE);
    }

    /** B^T and A^T of F(4,3) (interpolation points 0, 1, -1, 2, -2 and infinity). */
    private static final double[][] BT = {
        {4, 0, -5, 0, 1, 0}, {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
    private static final double[][] AT = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
    /** B^T and A^T of F(2,3) (interpolation points 0, 1, -1 and infinity). */
    private static final double[][] BT2 = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
    private static final double[][] AT2 = {{1, 1, 1, 0}, {0, 1, -1, -1}};
    /** The same for F(2,3) at stride 2: points p0 - p2, p2, p4 - p2, p1, p3 of five inputs. */
    private static final double[][] BT5 = {{1, 0, -1, 0, 0}, {0, 0, 1, 0, 0}, {0, 0, -1, 0, 1}, {0, 1, 0, 0, 0}, {0, 0, 0, 1, 0}};
    private static final double[][] AT5 = {{1, 1, 0, 1, 0}, {0, 1, 1, 0, 1}};

    /** {@code left * d * right^T} for one lane of 8-lane points (d rows x cols, row-major, lane t). */
    private static double[][] sandwich(double[][] left, float[] d, int rows, int cols, double[][] right, int t) {
        int outRows = rows == 1 ? 1 : left.length;
        int outCols = cols == 1 ? 1 : right.length;
        double[][] r = new double[outRows][outCols];
        for (int i = 0; i < outRows; i++) {
            for (int j = 0; j < outCols; j++) {
                for (int a = 0; a < rows; a++) {
                    for (int b = 0; b < cols; b++) {
                        double l = rows == 1 ? 1 : left[i][a];
                        double rr = cols == 1 ? 1 : right[j][b];
                        r[i][j] += l * d[(a * cols + b) * L + t] * rr;
                    }
                }
            }
        }
        return r;
    }

    /** The transforms, portable and Vector API, in two and one dimension, against their matrices in float64. */
    @ParameterizedTest(name = "{0}x{1} points")
    @org.junit.jupiter.params.provider.CsvSource({"6,6", "1,6", "6,1", "4,4", "1,4", "4,1", "5,5", "1,5", "5,1"})
    void transformsMatchTheirMatrices(int ay, int ax) {
        java.util.Random r = new java.util.Random(ay * 10 + ax);
        int points = Math.max(ay, ax);
        double[][] bt = points == 4 ? BT2 : points == 5 ? BT5 : BT;
        double[][] atr = points == 4 ? AT2 : points == 5 ? AT5 : AT;
        int e = ay * ax;
        float[] d = TestSupport.gaussian(r, e * L);
        int[] offsets = new int[e];
        for (int p = 0; p < e; p++) {
            offsets[p] = p * L;
        }
        float[] plain = d.clone();
        JavaWinograd.Transforms.input(ay, ax, plain);
        float[] vector = new float[e * L + L];
        if (Gemm.VECTOR) {
            VectorWinograd.inputTiles(ay, ax, offsets, d, 0, vector, 0, L, new float[e * L]);
        }
        for (int t = 0; t < L; t++) {
            double[][] want = sandwich(bt, d, ay, ax, bt, t);
            for (int p = 0; p < e; p++) {
                double w = want[p / ax][p % ax];
                assertEquals(w, plain[p * L + t], 1e-5 * (1 + Math.abs(w)), "input, portable, point " + p);
                if (Gemm.VECTOR) {
                    assertEquals(w, vector[p * L + t], 1e-5 * (1 + Math.abs(w)), "input, vector, point " + p);
                }
            }
        }
        float[] y = TestSupport.gaussian(r, e * L);
        float[] plainOut = y.clone();
        JavaWinograd.Transforms.output(ay, ax, plainOut);
        float[] vectorOut = new float[e * L];
        float[] reluOut = new float[e * L];
        if (Gemm.VECTOR) {
            VectorWinograd.outputTiles(ay, ax, y, 0, L, 0.5f, vectorOut, false);
            VectorWinograd.outputTiles(ay, ax, y, 0, L, 0.5f, reluOut, true);
        }
        for (int t = 0; t < L; t++) {
            double[][] want = sandwich(atr, y, ay, ax, atr, t);
            for (int i = 0; i < want.length; i++) {
                for (int j = 0; j < want[0].length; j++) {
                    double w = want[i][j];
                    int at = (i * ax + j) * L + t;
                    assertEquals(w, plainOut[at], 1e-5 * (1 + Math.abs(w)), "output, portable, " + i + "," + j);
                    if (Gemm.VECTOR) {
                        assertEquals(w + 0.5, vectorOut[at], 1e-5 * (1 + Math.abs(w)), "output, vector, with bias, " + i + "," + j);
                        assertEquals(Math.max(vectorOut[at], 0f), reluOut[at], 0f, "output, vector, with bias and relu, " + i + "," + j);
                    }
                }
            }
        }
    }

    /**
     * The Winograds (along channels too) fold the epilogue's scale into their transformed weights, kept with the weight
     * buffer beside the bare ones: one weight buffer run bare, with a scale, with new values in that scale, and bare
     * again gives each call's own result (a relu alone then left for the output transform; with a residual, the pass
     * after it). Fails if the transformed weights were taken for another scale's or for the bare weights.
     */
    @Test
    void theTransformedWeightsTakeEachScaleTheyAreGiven() {
        theTransformedWeightsTakeEachScale(ConvSpec.conv(2).input(2, 12, 13, 11).outChannels(14).kernel(3).padding(1).build());
        // channels in multiples of 16: the Winograd along channels too, where its 512-bit tiles run
        theTransformedWeightsTakeEachScale(ConvSpec.conv(2).input(1, 16, 9, 7).outChannels(32).kernel(3).padding(1).build());
    }

    private static void theTransformedWeightsTakeEachScale(ConvSpec bare) {
        java.util.Random r = new java.util.Random(19);
        float[] x = TestSupport.gaussian(r, bare.inputElements());
        float[] w = TestSupport.gaussian(r, bare.weightElements());
        float[] b = TestSupport.gaussian(r, bare.outChannels());
        float[] shift = TestSupport.gaussian(r, bare.outChannels());
        float[] res = TestSupport.gaussian(r, bare.outputElements());
        float[][] scales = {TestSupport.gaussian(r, bare.outChannels()), TestSupport.gaussian(r, bare.outChannels())};
        JavaBackend be = new JavaBackend();
        io.github.convcl.backend.DeviceBuffer bx = be.allocate(x.length), bw = be.allocate(w.length), bb = be.allocate(b.length),
                bs = be.allocate(b.length), bt = be.allocate(b.length), br = be.allocate(res.length), by = be.allocate(bare.outputElements());
        be.write(bx, 0, java.nio.FloatBuffer.wrap(x));
        be.write(bw, 0, java.nio.FloatBuffer.wrap(w));
        be.write(bb, 0, java.nio.FloatBuffer.wrap(b));
        be.write(bt, 0, java.nio.FloatBuffer.wrap(shift));
        be.write(br, 0, java.nio.FloatBuffer.wrap(res));
        float[] y = new float[(int) bare.outputElements()];
        for (io.github.convcl.spec.Epilogue e : List.of(io.github.convcl.spec.Epilogue.of(io.github.convcl.spec.Activation.RELU).affine(),
                io.github.convcl.spec.Epilogue.of(io.github.convcl.spec.Activation.RELU).affine().residual())) {
            ConvSpec fused = bare.withEpilogue(e);
            io.github.convcl.backend.OutputStage stage = new io.github.convcl.backend.OutputStage(bs, bt, e.hasResidual() ? br : null, 0, 0);
            List<Algorithm> winograds = be.applicablePlans(bare).stream().map(Plan::algorithm)
                    .filter(a -> WINOGRADS.contains(a) || a == Algorithm.JAVA_WINOGRAD_CHANNELS || a == Algorithm.JAVA_WINOGRAD_F2_CHANNELS)
                    .distinct().toList();
            assertFalse(winograds.isEmpty(), "no Winograd offered for " + bare);
            for (Algorithm a : winograds) {
                for (int call = 0; call < 4; call++) {
                    float[] scale = scales[call % 2];
                    boolean withEpilogue = call > 0 && call < 3;
                    be.write(bs, 0, java.nio.FloatBuffer.wrap(scale));
                    be.convolve(withEpilogue ? fused : bare, Plan.of(a), bx, bw, bb, withEpilogue ? stage : io.github.convcl.backend.OutputStage.NONE, by);
                    be.read(by, 0, java.nio.FloatBuffer.wrap(y));
                    double[] want = withEpilogue ? Reference.convolve(fused, x, w, b, scale, shift, e.hasResidual() ? res : null)
                            : Reference.convolve(bare, x, w, b);
                    TestSupport.assertClose(a + " " + e + " call " + call, y, want);
                }
            }
        }
    }

    /** Weights transformed on every call (no weight cache, as a one-shot call from arrays) or kept: the same bits. */
    @Test
    void theUncachedPathGivesTheCachedResult() {
        for (ConvSpec s : List.of(CHUNKED, ConvSpec.conv(2).input(1, 24, 9, 11).outChannels(14).groups(2).kernel(3).padding(1).build())) {
            java.util.Random r = new java.util.Random(5);
            float[] x = TestSupport.gaussian(r, s.inputElements());
            float[] w = TestSupport.gaussian(r, s.weightElements());
            float[] b = s.hasBias() ? TestSupport.gaussian(r, s.outChannels()) : null;
            for (Algorithm a : WINOGRADS) {
                float[] cached = new JavaBackend().convolveArrays(s, Plan.of(a), x, w, b);
                float[] uncached = new float[cached.length];
                JavaKernels.run(a, s, x, w, b, uncached);
                org.junit.jupiter.api.Assertions.assertArrayEquals(cached, uncached, a + " " + s);
            }
        }
    }

    /**
     * One image of 14x14 makes 16 tiles of F(4,3), one of 7x7 16 tiles of F(2,3): one chunk. On several threads each
     * stage of the chunk is split across them (input transform by channels, products by group and point, output
     * transform by channels), on one it is one task. The same values either way, grouped and ungrouped.
     */
    @Test
    void aSingleChunkSplitAcrossThreadsGivesTheOneThreadValues() {
        int before = Parallel.threads();
        try {
            for (ConvSpec s : List.of(ConvSpec.conv(2).input(1, 40, 14, 14).outChannels(56).kernel(3).padding(1).build(),
                    ConvSpec.conv(2).input(1, 24, 13, 14).outChannels(30).groups(3).kernel(3).padding(1).bias(false).build(),
                    ConvSpec.conv(2).input(1, 72, 7, 7).outChannels(66).kernel(3).padding(1).build(),
                    ConvSpec.conv(2).input(1, 24, 7, 8).outChannels(30).groups(3).kernel(3).padding(1).bias(false).build())) {
                java.util.Random r = new java.util.Random(7);
                float[] x = TestSupport.gaussian(r, s.inputElements());
                float[] w = TestSupport.gaussian(r, s.weightElements());
                float[] b = s.hasBias() ? TestSupport.gaussian(r, s.outChannels()) : null;
                for (Algorithm a : WINOGRADS) {
                    float[][] y = new float[4][];
                    for (int threads = 1; threads <= 3; threads++) {
                        Parallel.setThreads(threads);
                        y[threads] = new float[(int) s.outputElements()];
                        JavaKernels.run(a, s, x, w, b, y[threads]);
                    }
                    org.junit.jupiter.api.Assertions.assertArrayEquals(y[1], y[2], a + " " + s + ": 2 threads");
                    org.junit.jupiter.api.Assertions.assertArrayEquals(y[1], y[3], a + " " + s + ": 3 threads");
                    TestSupport.assertPlansMatchReference(new JavaBackend(), s.toString(), s, List.of(Plan.of(a)),
                            TestSupport.WINOGRAD_RELATIVE);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void theChunkedLayerTakesSeveralChunks() {
        int columns = 3 * 13 * 13;
        int chunk = JavaWinograd.chunkColumns(columns, 36, 256, 16);
        assertTrue(chunk < columns / 2, "chunk " + chunk);
        assertEquals(0, chunk % (Gemm.WIDE ? 32 : 16), "whole 32-column tiles where the products run them");
        assertEquals(16, JavaWinograd.chunkColumns(5, 36, 1 << 16, 1 << 16), "at least one panel");
    }

    @Test
    void applicability() {
        ConvSpec dense = ConvSpec.conv(2).input(1, 8, 8, 8).outChannels(8).kernel(3).padding(1).build();
        assertTrue(Planner.javaWinogradShaped(dense));
        assertTrue(Planner.javaWinogradShaped(dense.toBuilder().paddingMode(PaddingMode.REFLECT).build()), "reflect");
        assertTrue(Planner.javaWinogradShaped(dense.toBuilder().groups(8).build()), "depthwise");
        assertFalse(Planner.javaWinogradShaped(dense.toBuilder().stride(2).build()), "stride 2");
        assertFalse(Planner.javaWinogradShaped(dense.toBuilder().kernel(5).build()), "kernel 5");
        assertFalse(Planner.javaWinogradShaped(dense.toBuilder().kernel(1).build()), "1x1");
        assertFalse(Planner.javaWinogradShaped(ConvSpec.convTranspose(2).input(1, 8, 8, 8).outChannels(8).kernel(3).build()), "transposed");
        assertTrue(Planner.javaWinogradShaped(ConvSpec.conv(3).input(1, 4, 6, 6, 6).outChannels(4).kernel(3).build()), "depth kernel 3");
        assertFalse(Planner.javaWinogradShaped(ConvSpec.conv(3).input(1, 4, 6, 6, 6).outChannels(4).kernel(3, 1, 1).build()), "3x1x1");
        assertFalse(Planner.javaWinogradShaped(ConvSpec.conv(3).input(1, 4, 6, 6, 6).outChannels(4).kernel(5, 3, 3).build()), "depth 5");
        assertTrue(Planner.javaWinogradShaped(ConvSpec.conv(3).input(1, 4, 6, 6, 6).outChannels(4).kernel(1, 3, 3).build()));
        // stride 2: F(2,3) over five points, no dilation along a strided dimension, no stride along a kernel of 1 or depth
        assertTrue(Planner.javaWinogradStrided(dense.toBuilder().stride(2).build()), "stride 2");
        assertTrue(Planner.javaWinogradStrided(dense.toBuilder().stride(1, 2).dilation(2, 1).padding(2, 1).build()), "dilated unstrided rows");
        assertFalse(Planner.javaWinogradStrided(dense), "stride 1");
        assertFalse(Planner.javaWinogradStrided(dense.toBuilder().stride(3).build()), "stride 3");
        assertFalse(Planner.javaWinogradStrided(dense.toBuilder().stride(2).dilation(2).padding(2).build()), "dilated and strided");
        assertFalse(Planner.javaWinogradStrided(dense.toBuilder().kernel(3, 1).stride(1, 2).padding(1, 0).build()), "stride 2 on a kernel of 1");
        assertFalse(Planner.javaWinogradStrided(ConvSpec.conv(3).input(1, 4, 6, 6, 6).outChannels(4).kernel(3).stride(2, 1, 1).build()),
                "stride along depth");
        assertFalse(Planner.javaWinogradStrided(ConvSpec.convTranspose(2).input(1, 8, 8, 8).outChannels(8).kernel(3).stride(2).build()),
                "transposed");
    }
}
