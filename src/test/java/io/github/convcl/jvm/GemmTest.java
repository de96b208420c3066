// The packed product's two forms, adding to C and starting from row biases, on both tile sets against float64.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Gemm#multiplyPacked} with the Vector API tiles (the tests' JVM resolves {@code jdk.incubator.vector}) and
 * {@link PlainGemm#multiplyPacked}: full and edge tiles (rows not a multiple of the panel height, columns not of 16),
 * one reduction block and several ({@link Gemm#KC}), and both loop orders (row panels outside for a short reduction
 * into a C wider than {@link io.github.convcl.plan.Thresholds#JAVA_ROWS_OUTER_MIN_OUTPUT_BYTES}).
 */
class GemmTest {
    private static final int[] ROWS = {1, 4, 5, 6, 8, 10, 13, 20, 24, 28, 30, 32};
    private static final int[] COLUMNS = {1, 15, 16, 33, 300};
    private static final int[] DEPTHS = {1, 7, 64, 256, 300, 520};

    private final Random random = new Random(5);

    private float[] data(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextFloat() * 2 - 1;
        }
        return v;
    }

    /**
     * {@code fresh}: C = bias + A x B, whatever C held (filled with NaN first, so a tile that read it would show);
     * otherwise C += A x B. Columns past n and rows past m of C are never written.
     */
    @ParameterizedTest(name = "vector tiles {0}")
    @ValueSource(booleans = {true, false})
    void freshProductsStartFromTheBiasAndNeverReadC(boolean vector) {
        assertTrue(!vector || Gemm.VECTOR, "the tests run with the Vector API resolved");
        for (int m : ROWS) {
            for (int n : COLUMNS) {
                for (int k : DEPTHS) {
                    int mr = Gemm.rowPanel(m);
                    float[] a = data(m * k);
                    float[] b = data(k * n);
                    float[] pa = new float[Gemm.packedASize(m, k, mr)];
                    Gemm.packA(m, k, a, 0, k, 1, mr, pa, 0);
                    float[] pb = new float[Gemm.packedBSize(n, k)];
                    Gemm.packB(n, k, b, 0, n, pb, 0);
                    float[] bias = random.nextBoolean() ? data(m + 2) : null;
                    for (int variant = 0; variant < 4; variant++) {
                        boolean fresh = variant % 2 == 0;
                        // A wide C (22000 floats a row) takes the rows-outside order when the reduction is short.
                        int ldc = variant < 2 ? n + 3 : 22000;
                        float[] c = fresh ? new float[(m + 1) * ldc] : data((m + 1) * ldc);
                        if (fresh) {
                            java.util.Arrays.fill(c, Float.NaN);
                        }
                        float[] before = c.clone();
                        if (vector) {
                            Gemm.multiplyPacked(m, n, k, mr, pa, 0, pb, 0, fresh, bias, 2, c, 0, ldc);
                        } else {
                            PlainGemm.multiplyPacked(m, n, k, mr, pa, 0, pb, 0, fresh, bias, 2, c, 0, ldc);
                        }
                        String what = (fresh ? "fresh" : "adding") + " m=" + m + " n=" + n + " k=" + k + " ldc=" + ldc + " bias=" + (bias != null);
                        for (int i = 0; i <= m; i++) {
                            for (int j = 0; j < n + 3; j++) {
                                int at = i * ldc + j;
                                if (i == m || j >= n) {
                                    assertEquals(before[at], c[at], 0f, what + " wrote outside C at " + i + "," + j);
                                    continue;
                                }
                                double e = fresh ? (bias == null ? 0 : bias[2 + i]) : before[at];
                                for (int kk = 0; kk < k; kk++) {
                                    e += (double) a[i * k + kk] * b[kk * n + j];
                                }
                                assertEquals(e, c[at], 1e-5 * (k + 1), what + " at " + i + "," + j);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link VectorGemm#deinterleave} splits any count of pairs (below a vector, whole vectors, and counts whose last
     * step overlaps the one before) into exactly its two rows, writing nothing around them.
     */
    @org.junit.jupiter.api.Test
    void deinterleaveSplitsEveryPairAndWritesNothingElse() {
        assertTrue(Gemm.VECTOR, "the tests run with the Vector API resolved");
        int l = VectorGemm.L;
        for (int pairs = 0; pairs <= 3 * l + 5; pairs++) {
            float[] x = data(2 * pairs + 9);
            float[] out = data(2 * pairs + 40);
            float[] before = out.clone();
            int even = 3;
            int odd = 3 + pairs + 7;
            VectorGemm.deinterleave(x, 5, pairs, out, even, odd);
            for (int i = 0; i < out.length; i++) {
                float want = before[i];
                if (i >= even && i < even + pairs) {
                    want = x[5 + 2 * (i - even)];
                } else if (i >= odd && i < odd + pairs) {
                    want = x[5 + 2 * (i - odd) + 1];
                }
                assertEquals(want, out[i], 0f, pairs + " pairs, out[" + i + "]");
            }
        }
    }

    /**
     * An epilogue finished in the tiles' registers ({@link Gemm.Finish}) gives the bits of the pass over finished blocks
     * that {@code done} runs otherwise, and reaches every output exactly once (scale and shift applied twice or not at
     * all would change the values): fresh and adding products, both loop orders, rows with padding panels, column
     * tails past the 32-column tiles, without a scale or a shift or both (a relu alone then runs in the tiles' own
     * stores), identity, relu and relu6.
     */
    @org.junit.jupiter.api.Test
    void registerEpilogueGivesThePassesBits() {
        int[] rows = {4, 5, 6, 8, 12, 13, 20, 28, 30};
        int[] columns = {16, 33, 64, 100};
        int[] depths = {7, 64, 256, 300, 520};
        for (int m : rows) {
            for (int n : columns) {
                for (int k : depths) {
                    int mr = Gemm.rowPanel(m);
                    float[] pa = new float[Gemm.packedASize(m, k, mr)];
                    Gemm.packA(m, k, data(m * k), 0, k, 1, mr, pa, 0);
                    float[] pb = new float[Gemm.packedBSize(n, k)];
                    Gemm.packB(n, k, data(k * n), 0, n, pb, 0);
                    float[] bias = data(m);
                    float[] scale = data(m + 3);
                    float[] shift = data(m + 3);
                    for (int variant = 0; variant < 20; variant++) {
                        boolean fresh = variant % 2 == 0;
                        int ldc = variant % 4 < 2 ? n + 3 : 22000;
                        // 0: no scale, 1: no shift, 2: both, 3: neither (the last eight variants: relu, then relu6)
                        int without = variant < 12 ? variant % 3 : 3;
                        int act = variant < 12 ? variant / 4 : variant < 16 ? 1 : 2;
                        float[] start = data(m * ldc);
                        float[] viaPass = start.clone();
                        float[] viaRegisters = start.clone();
                        Gemm.Done pass = (row, count, col, width) -> {
                            for (int r = row; r < row + count; r++) {
                                VectorGemm.epilogue(viaPass, r * ldc + col, width, without == 0 || without == 3 ? 1f : scale[3 + r],
                                        without == 1 || without == 3 ? 0f : shift[3 + r], null, 0, act);
                            }
                        };
                        Gemm.multiplyPacked(m, n, k, mr, pa, 0, pb, 0, fresh, bias, 0, viaPass, 0, ldc, null, pass);
                        Gemm.Done rest = (row, count, col, width) -> {
                            for (int r = row; r < row + count; r++) {
                                VectorGemm.epilogue(viaRegisters, r * ldc + col, width, without == 0 || without == 3 ? 1f : scale[3 + r],
                                        without == 1 || without == 3 ? 0f : shift[3 + r], null, 0, act);
                            }
                        };
                        Gemm.multiplyPacked(m, n, k, mr, pa, 0, pb, 0, fresh, bias, 0, viaRegisters, 0, ldc, null, rest,
                                new Gemm.Finish(without == 0 || without == 3 ? null : scale, without == 1 || without == 3 ? null : shift, 3, act));
                        for (int i = 0; i < viaPass.length; i++) {
                            if (Float.floatToRawIntBits(viaPass[i]) != Float.floatToRawIntBits(viaRegisters[i])) {
                                org.junit.jupiter.api.Assertions.fail("m=" + m + " n=" + n + " k=" + k + " variant " + variant + " at row "
                                        + i / ldc + " column " + i % ldc + ": pass " + viaPass[i] + ", registers " + viaRegisters[i]);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The channel GEMM's epilogue along one position's channels gives per value the bits of the pass along a channel's
     * positions ({@link VectorGemm#epilogue} on the value plus its bias): every length through the vector tail, without
     * a bias, scale or shift, every activation, with NaN, infinities and signed zeros among the sums.
     */
    @org.junit.jupiter.api.Test
    void epilogueAlongChannelsGivesThePassesBits() {
        float[] special = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 6f, -1e-30f, 7f};
        for (int len = 1; len <= 3 * VectorGemm.L + 3; len++) {
            for (int variant = 0; variant < 24; variant++) {
                int act = variant % 3;
                float[] bias = variant / 3 % 2 == 0 ? data(len + 5) : null;
                float[] scale = variant / 6 % 2 == 0 ? data(len + 5) : null;
                float[] shift = variant / 12 == 0 ? data(len + 5) : null;
                float[] v = data(len + 4);
                for (int i = 0; i < len; i += 3) {
                    v[2 + i] = special[(i + variant) % special.length] * (i % 2 == 0 ? 1 : 4);
                }
                float[] want = v.clone();
                for (int i = 0; i < len; i++) {
                    want[2 + i] += bias == null ? 0f : bias[5 + i];
                    VectorGemm.epilogue(want, 2 + i, 1, scale == null ? 1f : scale[5 + i], shift == null ? 0f : shift[5 + i], null, 0, act);
                }
                VectorGemm.epilogueChannels(v, 2, len, bias, scale, shift, 5, act);
                for (int i = 0; i < v.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(v[i]),
                            "len " + len + " variant " + variant + " at " + i + ": " + want[i] + " against " + v[i]);
                }
            }
        }
    }

    /**
     * The row tiles' own relu ({@link Gemm#multiplyRows} with {@code relu}) gives the bits of the rows stored bare and
     * then {@link Store#activate}'s relu: every step height, runs of 16 to 112 columns (the 32-column tiles, the 17-31
     * column staged tile, the overlapping 16-column tail), rows whose sums are -0 and NaN; columns outside the run keep
     * what they held.
     */
    @org.junit.jupiter.api.Test
    void rowTilesStoreTheRelu() {
        int[] rows = {4, 5, 6, 8, 12, 13, 20, 24};
        int[] runs = {16, 20, 28, 32, 45, 64, 112};
        int width = 150;
        for (int m : rows) {
            for (int run : runs) {
                for (int k : new int[] {7, 75}) {
                    int mr = Gemm.rowPanel(m);
                    float[] a = data(m * k);
                    java.util.Arrays.fill(a, 0, k, 0f); // row 0 sums to its bias, -0 below
                    float[] pa = new float[Gemm.packedASize(m, k, mr)];
                    Gemm.packA(m, k, a, 0, k, 1, mr, pa, 0);
                    int[] offs = new int[k];
                    for (int kk = 0; kk < k; kk++) {
                        offs[kk] = random.nextInt(40);
                    }
                    float[] x = data(width + 80);
                    float[] bias = data(m + 2);
                    bias[2] = -0f;
                    bias[3] = Float.NaN;
                    int c0 = 3;
                    int c1 = c0 + run;
                    float[] start = data(m * width);
                    float[] bare = start.clone();
                    float[] relu = start.clone();
                    float[] scratch = new float[Gemm.ROWS_SCRATCH];
                    Gemm.multiplyRows(m, c0, c1, k, mr, pa, 0, x, 1, offs, bias, 2, bare, 0, width, scratch, false);
                    int negative = 0;
                    for (int i = 0; i < m; i++) {
                        for (int j = c0; j < c1; j++) {
                            negative += bare[i * width + j] < 0f ? 1 : 0;
                        }
                        Store.activate(io.github.convcl.spec.Activation.RELU, 0f, bare, i * width + c0, run);
                    }
                    Gemm.multiplyRows(m, c0, c1, k, mr, pa, 0, x, 1, offs, bias, 2, relu, 0, width, scratch, true);
                    org.junit.jupiter.api.Assertions.assertTrue(negative > 0, "no negative sum to clamp");
                    for (int i = 0; i < bare.length; i++) {
                        assertEquals(Float.floatToIntBits(bare[i]), Float.floatToIntBits(relu[i]),
                                "m=" + m + " run=" + run + " k=" + k + " at row " + i / width + " column " + i % width + ": "
                                        + bare[i] + " against " + relu[i]);
                    }
                }
            }
        }
    }
}
