// The GEMM without the Vector API against a float64 product: every entry point, panel shapes, blocks and tails.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PlainGemm} runs where {@code jdk.incubator.vector} is not resolved; the tests' JVM resolves it, so these tests
 * call it directly. Sizes cross its 256-column and 256-row blocks, its four-row unrolling and both panel heights.
 */
class PlainGemmTest {
    private static final int[] ROWS = {1, 3, 4, 5, 6, 8, 11, 16, 22};
    private static final int[] COLUMNS = {1, 7, 16, 17, 255, 256, 300, 530};
    private static final int[] DEPTHS = {1, 3, 4, 9, 256, 257, 600};

    private final Random random = new Random(11);

    private float[] data(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextFloat() * 2 - 1;
        }
        return v;
    }

    /** A as m x k row-major, packed into panels of {@code mr} rows. */
    private static float[] pack(float[] a, int m, int k, int mr) {
        float[] pa = new float[Gemm.packedASize(m, k, mr) + 3];
        Gemm.packA(m, k, a, 0, k, 1, mr, pa, 3);
        return pa;
    }

    private static void assertNear(String what, double expected, float actual, int k) {
        assertEquals(expected, actual, 1e-5 * (k + 1), what);
    }

    @Test
    void packedProductAddsToC() {
        for (int m : ROWS) {
            for (int n : COLUMNS) {
                for (int k : DEPTHS) {
                    for (int mr : new int[] {4, 6}) {
                        float[] a = data(m * k);
                        float[] b = data(k * n);
                        int ldc = n + 5;
                        float[] c = data(2 + m * ldc);
                        float[] before = c.clone();
                        float[] pb = new float[Gemm.packedBSize(n, k) + 2];
                        Gemm.packB(n, k, b, 0, n, pb, 2);
                        PlainGemm.multiplyPacked(m, n, k, mr, pack(a, m, k, mr), 3, pb, 2, false, null, 0, c, 2, ldc);
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < ldc; j++) {
                                double e = before[2 + i * ldc + j];
                                if (j < n) {
                                    for (int kk = 0; kk < k; kk++) {
                                        e += (double) a[i * k + kk] * b[kk * n + j];
                                    }
                                }
                                assertNear("packed m=" + m + " n=" + n + " k=" + k + " mr=" + mr + " at " + i + "," + j, e, c[2 + i * ldc + j], k);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void directProductReadsRowsAtTheirOffsets() {
        for (int m : ROWS) {
            for (int n : COLUMNS) {
                for (int k : DEPTHS) {
                    int mr = Gemm.rowPanel(m);
                    float[] a = data(m * k);
                    // B row kk is x[base + offs[kk] + j]: rows at scattered, overlapping offsets.
                    int[] offs = new int[k];
                    for (int kk = 0; kk < k; kk++) {
                        offs[kk] = random.nextInt(3 * n + 7);
                    }
                    float[] x = data(4 * n + 20);
                    float[] c = data(m * n);
                    float[] before = c.clone();
                    PlainGemm.multiplyDirect(m, n, k, mr, pack(a, m, k, mr), 3, x, 5, offs, c, 0, n);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double e = before[i * n + j];
                            for (int kk = 0; kk < k; kk++) {
                                e += (double) a[i * k + kk] * x[5 + offs[kk] + j];
                            }
                            assertNear("direct m=" + m + " n=" + n + " k=" + k + " at " + i + "," + j, e, c[i * n + j], k);
                        }
                    }
                }
            }
        }
    }

    @Test
    void rowsStartFromTheBiasAndStayInsideTheirColumns() {
        for (int m : ROWS) {
            for (int k : DEPTHS) {
                for (boolean withBias : new boolean[] {true, false}) {
                    int width = 600;
                    int c0 = 37;
                    int c1 = 37 + (k % 2 == 0 ? 16 : 530);
                    int mr = Gemm.rowPanel(m);
                    float[] a = data(m * k);
                    int[] offs = new int[k];
                    for (int kk = 0; kk < k; kk++) {
                        offs[kk] = random.nextInt(50);
                    }
                    float[] x = data(width + 60);
                    float[] bias = withBias ? data(m + 2) : null;
                    float[] y = data(m * width);
                    float[] before = y.clone();
                    PlainGemm.multiplyRows(m, c0, c1, k, mr, pack(a, m, k, mr), 3, x, 1, offs, bias, 2, y, 0, width);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < width; j++) {
                            double e = before[i * width + j];
                            if (j >= c0 && j < c1) {
                                e = bias == null ? 0 : bias[2 + i];
                                for (int kk = 0; kk < k; kk++) {
                                    e += (double) a[i * k + kk] * x[1 + offs[kk] + j];
                                }
                            }
                            assertNear("rows m=" + m + " k=" + k + " bias=" + withBias + " at " + i + "," + j, e, y[i * width + j], k);
                        }
                    }
                }
            }
        }
    }

    @Test
    void depthwiseSpanSumsEveryTapAtItsOffset() {
        for (int taps : new int[] {1, 3, 4, 7, 9, 27}) {
            for (int len : new int[] {1, 7, 256, 300, 600}) {
                int[] offs = new int[taps];
                for (int t = 0; t < taps; t++) {
                    offs[t] = random.nextInt(40);
                }
                float[] x = data(len + 50);
                float[] w = data(taps + 3);
                float[] out = data(len + 4);
                float[] before = out.clone();
                PlainGemm.depthwiseSpan(x, 2, offs, w, 3, out, len);
                for (int p = 0; p < len + 4; p++) {
                    double e = before[p];
                    if (p < len) {
                        e = 0;
                        for (int t = 0; t < taps; t++) {
                            e += (double) w[3 + t] * x[2 + p + offs[t]];
                        }
                    }
                    assertNear("depthwise taps=" + taps + " len=" + len + " at " + p, e, out[p], taps);
                }
            }
        }
    }
}
