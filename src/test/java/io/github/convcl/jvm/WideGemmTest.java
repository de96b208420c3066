// The 512-bit tiles (12x16, 8x16, 6x32, 4x32, 6x16, 4x16, and the row tiles 12x32 and 8x32) against float64, in any JVM, and which JVMs pair the 6-row panels into them.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link WideGemm}'s tiles called directly (the Vector API runs 512-bit vectors on any CPU, emulated where it has no
 * AVX-512), so their arithmetic is checked wherever the tests run; the products that pair panels into them run where
 * the JVM chose 512-bit vectors, and in the build's test execution that sets {@code -Dconvcl.vectorBits=512}
 * ({@link GemmTest}, the Java kernels and the golden cases there).
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

    /** Two panels (6 or 4 rows) of 300 steps, C added to (ldc 40, column offset 5) or started from the row values. */
    @Test
    void packedTilesAddTwoPanelsIntoTheirRows() {
        int k = 300;
        int ldc = 40;
        for (int h : new int[] {6, 4}) {
            float[] pa = data(2 * h * k + 7);
            float[] pb = data(16 * k + 3);
            float[] rb = data(15);
            for (boolean fresh : new boolean[] {false, true}) {
                float[] c = data((2 * h + 1) * ldc);
                float[] before = c.clone();
                if (h == 6) {
                    WideGemm.tile12x16(k, pa, 7, 7 + h * k, pb, 3, c, 5, ldc, fresh ? rb : null, 2);
                } else {
                    WideGemm.tile8x16(k, pa, 7, 7 + h * k, pb, 3, c, 5, ldc, fresh ? rb : null, 2);
                }
                for (int r = 0; r <= 2 * h; r++) {
                    for (int q = 0; q < ldc; q++) {
                        int at = r * ldc + q;
                        if (r == 2 * h || q < 5 || q >= 21) {
                            assertEquals(before[at], c[at], 0f, h + "-row panels wrote outside the tile at " + r + "," + q);
                            continue;
                        }
                        double e = fresh ? rb[2 + r] : before[at];
                        for (int kk = 0; kk < k; kk++) {
                            e += (double) pa[7 + (r / h) * h * k + kk * h + r % h] * pb[3 + kk * 16 + q - 5];
                        }
                        assertEquals(e, c[at], 1e-5 * k, h + "-row panels, " + (fresh ? "fresh" : "adding") + " at " + r + "," + q);
                    }
                }
            }
        }
    }

    /** Rows read in place at per-step offsets, the output rows written from the row values. */
    @Test
    void rowTilesReadTheirInputRowsInPlace() {
        int k = 37;
        int ldc = 50;
        for (int h : new int[] {6, 4}) {
            float[] pa = data(2 * h * k);
            float[] x = data(2000);
            int[] offs = new int[k];
            for (int kk = 0; kk < k; kk++) {
                offs[kk] = random.nextInt(1900);
            }
            float[] rb = data(12);
            float[] c = data(2 * h * ldc);
            float[] before = c.clone();
            if (h == 6) {
                WideGemm.rowTile12x16(k, pa, 0, h * k, x, 11, offs, rb, 0, c, 3, ldc, false);
            } else {
                WideGemm.rowTile8x16(k, pa, 0, h * k, x, 11, offs, rb, 0, c, 3, ldc, false);
            }
            for (int r = 0; r < 2 * h; r++) {
                for (int q = 0; q < ldc; q++) {
                    int at = r * ldc + q;
                    if (q < 3 || q >= 19) {
                        assertEquals(before[at], c[at], 0f, h + "-row panels wrote outside the tile at " + r + "," + q);
                        continue;
                    }
                    double e = rb[r];
                    for (int kk = 0; kk < k; kk++) {
                        e += (double) pa[(r / h) * h * k + kk * h + r % h] * x[11 + offs[kk] + q - 3];
                    }
                    assertEquals(e, c[at], 1e-5 * k, h + "-row panels at " + r + "," + q);
                }
            }
        }
    }

    /** One panel (6 or 4 rows) against two B panels side by side: 32 columns, added to or started from the row values. */
    @Test
    void thirtyTwoColumnTilesReadTwoBPanels() {
        int k = 290;
        int ldc = 45;
        for (int h : new int[] {6, 4}) {
            float[] pa = data(h * k + 5);
            float[] pb = data(16 * k * 2 + 40);
            int bi = 9;
            int bi2 = 9 + 16 * k + 17;
            float[] rb = data(8);
            for (boolean fresh : new boolean[] {false, true}) {
                float[] c = data((h + 1) * ldc);
                float[] before = c.clone();
                if (h == 6) {
                    WideGemm.tile6x32(k, pa, 5, pb, bi, bi2, c, 4, ldc, fresh ? rb : null, 1, false);
                } else {
                    WideGemm.tile4x32(k, pa, 5, pb, bi, bi2, c, 4, ldc, fresh ? rb : null, 1, false);
                }
                for (int r = 0; r <= h; r++) {
                    for (int q = 0; q < ldc; q++) {
                        int at = r * ldc + q;
                        if (r == h || q < 4 || q >= 36) {
                            assertEquals(before[at], c[at], 0f, h + "x32 wrote outside the tile at " + r + "," + q);
                            continue;
                        }
                        int col = q - 4;
                        int b = col < 16 ? bi + col : bi2 + col - 16;
                        double e = fresh ? rb[1 + r] : before[at];
                        for (int kk = 0; kk < k; kk++) {
                            e += (double) pa[5 + kk * h + r] * pb[b + kk * 16];
                        }
                        assertEquals(e, c[at], 1e-5 * k, h + "x32, " + (fresh ? "fresh" : "adding") + " at " + r + "," + q);
                    }
                }
            }
            // in place: 32 consecutive columns of each input row
            float[] x = data(3000);
            int[] offs = new int[k];
            for (int kk = 0; kk < k; kk++) {
                offs[kk] = random.nextInt(2900);
            }
            float[] c = data(h * ldc);
            float[] before = c.clone();
            if (h == 6) {
                WideGemm.rowTile6x32(k, pa, 5, x, 7, offs, rb, 2, c, 6, ldc, false);
            } else {
                WideGemm.rowTile4x32(k, pa, 5, x, 7, offs, rb, 2, c, 6, ldc, false);
            }
            for (int r = 0; r < h; r++) {
                for (int q = 0; q < ldc; q++) {
                    int at = r * ldc + q;
                    if (q < 6 || q >= 38) {
                        assertEquals(before[at], c[at], 0f, h + "x32 rows wrote outside the tile at " + r + "," + q);
                        continue;
                    }
                    double e = rb[2 + r];
                    for (int kk = 0; kk < k; kk++) {
                        e += (double) pa[5 + kk * h + r] * x[7 + offs[kk] + q - 6];
                    }
                    assertEquals(e, c[at], 1e-5 * k, h + "x32 rows at " + r + "," + q);
                }
            }
        }
    }

    /**
     * A lone panel (6 or 4 rows) against one B panel, one 16-lane vector a row: packed B added into C or started from
     * the row values, and rows read in place.
     */
    @Test
    void lonePanelTilesHoldOneVectorARow() {
        int k = 45;
        int ldc = 37;
        for (int h : new int[] {6, 4}) {
            float[] pa = data(h * k + 2);
            float[] pb = data(16 * k + 1);
            float[] x = data(900);
            int[] offs = new int[k];
            for (int kk = 0; kk < k; kk++) {
                offs[kk] = random.nextInt(870);
            }
            float[] rb = data(9);
            for (int form = 0; form < 3; form++) {
                float[] c = data((h + 1) * ldc);
                float[] before = c.clone();
                boolean fresh = form > 0;
                if (form == 2 && h == 6) {
                    WideGemm.rowTile6x16(k, pa, 2, x, 4, offs, rb, 3, c, 6, ldc, false);
                } else if (form == 2) {
                    WideGemm.rowTile4x16(k, pa, 2, x, 4, offs, rb, 3, c, 6, ldc, false);
                } else if (h == 6) {
                    WideGemm.tile6x16(k, pa, 2, pb, 1, c, 6, ldc, fresh ? rb : null, 3);
                } else {
                    WideGemm.tile4x16(k, pa, 2, pb, 1, c, 6, ldc, fresh ? rb : null, 3);
                }
                for (int r = 0; r <= h; r++) {
                    for (int q = 0; q < ldc; q++) {
                        int at = r * ldc + q;
                        if (r == h || q < 6 || q >= 22) {
                            assertEquals(before[at], c[at], 0f, h + "-row form " + form + " wrote outside the tile at " + r + "," + q);
                            continue;
                        }
                        double e = fresh ? rb[3 + r] : before[at];
                        for (int kk = 0; kk < k; kk++) {
                            double b = form == 2 ? x[4 + offs[kk] + q - 6] : pb[1 + kk * 16 + q - 6];
                            e += (double) pa[2 + kk * h + r] * b;
                        }
                        assertEquals(e, c[at], 1e-5 * k, h + "-row form " + form + " at " + r + "," + q);
                    }
                }
            }
        }
    }

    /** The first row panel's tile reads B rows in place, adds into C and leaves the rows as two 16-column panels. */
    @Test
    void gatheringTileStoresThePanelsItReads() {
        int k = 40;
        int k0 = 3;
        int ldc = 45;
        float[] pa = data(6 * k + 5);
        float[] x = data(1500);
        int[] offs = new int[k0 + k];
        for (int kk = 0; kk < offs.length; kk++) {
            offs[kk] = random.nextInt(1400);
        }
        float[] pb = new float[2 * 16 * k + 20];
        java.util.Arrays.fill(pb, Float.NaN);
        float[] c = data(7 * ldc);
        float[] before = c.clone();
        WideGemm.tile6x32Gathering(k, pa, 5, x, 7, offs, k0, pb, 2, 2 + 16 * k + 3, c, 4, ldc);
        for (int kk = 0; kk < k; kk++) {
            for (int q = 0; q < 32; q++) {
                int at = q < 16 ? 2 + kk * 16 + q : 2 + 16 * k + 3 + kk * 16 + q - 16;
                assertEquals(x[7 + offs[k0 + kk] + q], pb[at], 0f, "panel row " + kk + ", column " + q);
            }
        }
        for (int r = 0; r <= 6; r++) {
            for (int q = 0; q < ldc; q++) {
                int at = r * ldc + q;
                if (r == 6 || q < 4 || q >= 36) {
                    assertEquals(before[at], c[at], 0f, "wrote outside the tile at " + r + "," + q);
                    continue;
                }
                double e = before[at];
                for (int kk = 0; kk < k; kk++) {
                    e += (double) pa[5 + kk * 6 + r] * x[7 + offs[k0 + kk] + q - 4];
                }
                assertEquals(e, c[at], 1e-5 * k, "at " + r + "," + q);
            }
        }
    }

    /** Two 6-row panels against 32 columns as one tile, rows read in place, written from the row values. */
    @Test
    void tallRowTileCoversTwoPanels() {
        int k = 33;
        int ldc = 41;
        float[] pa = data(12 * k + 3);
        float[] x = data(1200);
        int[] offs = new int[k];
        for (int kk = 0; kk < k; kk++) {
            offs[kk] = random.nextInt(1150);
        }
        float[] rb = data(14);
        float[] c = data(13 * ldc);
        float[] before = c.clone();
        WideGemm.rowTile12x32(k, pa, 3, 3 + 6 * k, x, 9, offs, rb, 2, c, 5, ldc, false);
        assertTrue(Gemm.tallRows("true") && !Gemm.tallRows("false"));
        for (int r = 0; r <= 12; r++) {
            for (int q = 0; q < ldc; q++) {
                int at = r * ldc + q;
                if (r == 12 || q < 5 || q >= 37) {
                    assertEquals(before[at], c[at], 0f, "wrote outside the tile at " + r + "," + q);
                    continue;
                }
                double e = rb[2 + r];
                for (int kk = 0; kk < k; kk++) {
                    e += (double) pa[3 + (r / 6) * 6 * k + kk * 6 + r % 6] * x[9 + offs[kk] + q - 5];
                }
                assertEquals(e, c[at], 1e-5 * k, "at " + r + "," + q);
            }
        }
    }

    /** Two 4-row panels against 32 columns as one tile, rows read in place, written from the row values. */
    @Test
    void eightRowTileCoversTwoPanels() {
        int k = 29;
        int ldc = 40;
        float[] pa = data(8 * k + 6);
        float[] x = data(1100);
        int[] offs = new int[k];
        for (int kk = 0; kk < k; kk++) {
            offs[kk] = random.nextInt(1050);
        }
        float[] rb = data(11);
        float[] c = data(9 * ldc);
        float[] before = c.clone();
        WideGemm.rowTile8x32(k, pa, 6, 6 + 4 * k, x, 4, offs, rb, 3, c, 7, ldc, false);
        for (int r = 0; r <= 8; r++) {
            for (int q = 0; q < ldc; q++) {
                int at = r * ldc + q;
                if (r == 8 || q < 7 || q >= 39) {
                    assertEquals(before[at], c[at], 0f, "wrote outside the tile at " + r + "," + q);
                    continue;
                }
                double e = rb[3 + r];
                for (int kk = 0; kk < k; kk++) {
                    e += (double) pa[6 + (r / 4) * 4 * k + kk * 4 + r % 4] * x[4 + offs[kk] + q - 7];
                }
                assertEquals(e, c[at], 1e-5 * k, "at " + r + "," + q);
            }
        }
    }

    /** Every Java kernel of a JVM runs one vector width: the wide tiles' 16 lanes, or 8 beside the 256-bit tiles. */
    @Test
    void theKernelsShareTheTilesWidth() {
        assertEquals(Gemm.WIDE ? 16 : 8, Gemm.LANES);
        assertEquals(Gemm.LANES, JavaWinograd.LANES);
        if (Gemm.VECTOR) {
            assertEquals(Gemm.LANES * 32, VectorGemm.S.vectorBitSize());
            assertEquals(Gemm.LANES, VectorGemm.L);
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
        assertEquals(8, Gemm.step(24, 4, 0), "4-row panels pair too");
        assertEquals(8, Gemm.step(32, 6, 24), "32 rows: four 6-row panels, then two 4-row ones");
        assertEquals(4, Gemm.step(20, 4, 16), "the fifth 4-row panel of 20 rows has no partner");
        assertEquals(4, Gemm.step(64, 6, 60), "64 rows end in one 4-row panel");
    }
}
