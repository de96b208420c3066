// The 512-bit 12x16 tiles against float64, in any JVM, and which JVMs pair the 6-row panels into them.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link WideGemm}'s tiles called directly (the Vector API runs 512-bit vectors on any CPU, emulated where it has no
 * AVX-512), so their arithmetic is checked wherever the tests run; the products that pair panels into them run in the
 * build's second test execution, which sets {@code -Dconvcl.vectorBits=512} ({@link GemmTest}, the Java kernels and
 * the golden cases there).
 */
class WideGemmTest {
    private final Random random = new Random(12);

    private float[] data(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextFloat() * 2 - 1;
        }
        return v;
    }

    /** Two 6-row panels of 300 steps, C added to (ldc 40, column offset 5) or started from the row values. */
    @Test
    void packedTileAddsTwoPanelsIntoTwelveRows() {
        int k = 300;
        int ldc = 40;
        float[] pa = data(12 * k + 7);
        float[] pb = data(16 * k + 3);
        float[] rb = data(15);
        for (boolean fresh : new boolean[] {false, true}) {
            float[] c = data(13 * ldc);
            float[] before = c.clone();
            WideGemm.tile12x16(k, pa, 7, 7 + 6 * k, pb, 3, c, 5, ldc, fresh ? rb : null, 2);
            for (int r = 0; r < 13; r++) {
                for (int q = 0; q < ldc; q++) {
                    int at = r * ldc + q;
                    if (r == 12 || q < 5 || q >= 21) {
                        assertEquals(before[at], c[at], 0f, "wrote outside the tile at " + r + "," + q);
                        continue;
                    }
                    double e = fresh ? rb[2 + r] : before[at];
                    for (int kk = 0; kk < k; kk++) {
                        e += (double) pa[7 + (r / 6) * 6 * k + kk * 6 + r % 6] * pb[3 + kk * 16 + q - 5];
                    }
                    assertEquals(e, c[at], 1e-5 * k, (fresh ? "fresh" : "adding") + " at " + r + "," + q);
                }
            }
        }
    }

    /** Rows read in place at per-step offsets, twelve output rows written from the row values. */
    @Test
    void rowTileReadsItsInputRowsInPlace() {
        int k = 37;
        int ldc = 50;
        float[] pa = data(12 * k);
        float[] x = data(2000);
        int[] offs = new int[k];
        for (int kk = 0; kk < k; kk++) {
            offs[kk] = random.nextInt(1900);
        }
        float[] rb = data(12);
        float[] c = data(12 * ldc);
        float[] before = c.clone();
        WideGemm.rowTile12x16(k, pa, 0, 6 * k, x, 11, offs, rb, 0, c, 3, ldc);
        for (int r = 0; r < 12; r++) {
            for (int q = 0; q < ldc; q++) {
                int at = r * ldc + q;
                if (q < 3 || q >= 19) {
                    assertEquals(before[at], c[at], 0f, "wrote outside the tile at " + r + "," + q);
                    continue;
                }
                double e = rb[r];
                for (int kk = 0; kk < k; kk++) {
                    e += (double) pa[(r / 6) * 6 * k + kk * 6 + r % 6] * x[11 + offs[kk] + q - 3];
                }
                assertEquals(e, c[at], 1e-5 * k, "at " + r + "," + q);
            }
        }
    }

    @Test
    void propertyChoosesTheTilesAndOnlyFullSixRowPanelsPair() {
        assertTrue(Gemm.wideTiles("512"));
        assertFalse(Gemm.wideTiles("256"));
        String bits = System.getProperty("convcl.vectorBits");
        if (bits != null) {
            assertEquals("512".equals(bits), Gemm.WIDE, "-Dconvcl.vectorBits=" + bits);
        }
        if (!Gemm.WIDE) {
            assertEquals(6, Gemm.step(24, 6, 0));
            return;
        }
        assertEquals(12, Gemm.step(24, 6, 0));
        assertEquals(12, Gemm.step(24, 6, 12));
        assertEquals(6, Gemm.step(30, 6, 24), "the fifth panel of 30 rows has no partner");
        assertEquals(12, Gemm.step(13, 6, 0));
        assertEquals(6, Gemm.step(13, 6, 12), "rows 12-17 of 13 are padded: no pair");
        assertEquals(4, Gemm.step(28, 6, 24), "28 rows end in 4-row panels");
        assertEquals(4, Gemm.step(24, 4, 0), "4-row panels never pair");
    }
}
