// The Java GEMM without the Vector API: row-at-a-time products that the JIT's auto-vectorizer turns into AVX loops.
package io.github.convcl.jvm;

/**
 * {@link Gemm}'s products where {@code jdk.incubator.vector} is not resolved. Without the Vector API there are no
 * register tiles, so the product runs a row of C at a time: {@code cRow += a0*b0 + a1*b1 + a2*b2 + a3*b3} over up to
 * {@link #NB} columns, four rows of B per pass. HotSpot's C2 vectorizes such a loop only when every array in it is
 * indexed from zero by the loop counter (JDK 17 gives up on two different unknown offsets), so each block of B is
 * first copied into rows of their own and each row of C into a row buffer. One thread, L1-resident operands, AVX2:
 * 33 GFLOP/s against 2 GFLOP/s for a 6x16 tile written as scalar loops.
 */
final class PlainGemm {
    /** Columns per block: one C row buffer and each B row. */
    static final int NB = 256;

    /** Per-thread rows of B ({@link Gemm#KC} x {@link #NB}) and one row of C. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final float[][] b = new float[Gemm.KC][NB];
        final float[] c = new float[NB];
    }

    private PlainGemm() {
    }

    /** {@link Gemm#multiplyPacked}: B packed in 16-column panels; with {@code fresh} each row starts from its bias. */
    static void multiplyPacked(int m, int n, int k, int mr, float[] pa, int paOff, float[] pb, int pbOff,
                               boolean fresh, float[] bias, int biasOff, float[] c, int cOff, int ldc) {
        Scratch s = SCRATCH.get();
        int nr = Gemm.NR;
        for (int j0 = 0; j0 < n; j0 += NB) {
            int w = Math.min(NB, n - j0);
            for (int k0 = 0; k0 < k; k0 += Gemm.KC) {
                int kb = Math.min(Gemm.KC, k - k0);
                for (int kk = 0; kk < kb; kk++) {
                    float[] row = s.b[kk];
                    for (int j = 0; j < w; j += nr) {
                        System.arraycopy(pb, pbOff + (j0 + j) * k + (k0 + kk) * nr, row, j, Math.min(nr, w - j));
                    }
                }
                block(m, k, mr, pa, paOff, k0, kb, s.b, w, bias, biasOff, fresh && k0 == 0, c, cOff + j0, ldc, s.c);
            }
        }
    }

    /** {@link Gemm#multiplyDirect}: B row kk is {@code x[base + offs[kk] + j]}; reads no column past n - 1. */
    static void multiplyDirect(int m, int n, int k, int mr, float[] pa, int paOff, float[] x, int base, int[] offs,
                               float[] c, int cOff, int ldc) {
        direct(m, 0, n, k, mr, pa, paOff, x, base, offs, null, 0, false, c, cOff, ldc);
    }

    /** {@link Gemm#multiplyRows}: output rows over columns [c0, c1), each starting from its bias (null: zeros). */
    static void multiplyRows(int m, int c0, int c1, int k, int mr, float[] pa, int paOff, float[] x, int base, int[] offs,
                             float[] bias, int biasOff, float[] y, int yOff, int ldy) {
        direct(m, c0, c1, k, mr, pa, paOff, x, base, offs, bias, biasOff, true, y, yOff, ldy);
    }

    /** Columns [c0, c1) of C, B row kk at {@code x[base + offs[kk]]}: added to C, or with {@code fromBias} written over it. */
    private static void direct(int m, int c0, int c1, int k, int mr, float[] pa, int paOff, float[] x, int base, int[] offs,
                               float[] bias, int biasOff, boolean fromBias, float[] c, int cOff, int ldc) {
        Scratch s = SCRATCH.get();
        for (int j0 = c0; j0 < c1; j0 += NB) {
            int w = Math.min(NB, c1 - j0);
            for (int k0 = 0; k0 < k; k0 += Gemm.KC) {
                int kb = Math.min(Gemm.KC, k - k0);
                for (int kk = 0; kk < kb; kk++) {
                    System.arraycopy(x, base + offs[k0 + kk] + j0, s.b[kk], 0, w);
                }
                // From the bias, the first reduction block starts each row from it; later ones add to what it wrote.
                block(m, k, mr, pa, paOff, k0, kb, s.b, w, bias, biasOff, fromBias && k0 == 0, c, cOff + j0, ldc, s.c);
            }
        }
    }

    /**
     * {@code C[i][0, w) += sum over kk in [0, kb) of A[i][k0 + kk] * b[kk][0, w)} for rows i &lt; m, A in
     * {@link Gemm}'s panels; with {@code fresh} each C row starts from {@code bias[biasOff + i]} (zero when bias is
     * null) instead of its contents.
     */
    private static void block(int m, int k, int mr, float[] pa, int paOff, int k0, int kb, float[][] b, int w,
                              float[] bias, int biasOff, boolean fresh, float[] c, int cOff, int ldc, float[] cRow) {
        for (int i0 = 0, h; i0 < m; i0 += h) {
            h = Gemm.height(m, mr, i0);
            int rows = Math.min(h, m - i0);
            for (int r = 0; r < rows; r++) {
                int at = cOff + (i0 + r) * ldc;
                if (fresh) {
                    java.util.Arrays.fill(cRow, 0, w, bias == null ? 0f : bias[biasOff + i0 + r]);
                } else {
                    System.arraycopy(c, at, cRow, 0, w);
                }
                int a = paOff + i0 * k + k0 * h + r;
                int kk = 0;
                for (; kk + 4 <= kb; kk += 4, a += 4 * h) {
                    axpy4(cRow, b[kk], b[kk + 1], b[kk + 2], b[kk + 3], pa[a], pa[a + h], pa[a + 2 * h], pa[a + 3 * h], w);
                }
                for (; kk < kb; kk++, a += h) {
                    axpy(cRow, b[kk], pa[a], w);
                }
                System.arraycopy(cRow, 0, c, at, w);
            }
        }
    }

    /**
     * One filter over a run of positions, as {@link VectorGemm#depthwiseSpan}: {@code out[p] = sum_t w[wOff + t] *
     * x[base + p + offs[t]]} for p in [0, len). Each tap's shifted run is copied to a row of its own first, four taps
     * per pass over {@code out}.
     */
    static void depthwiseSpan(float[] x, int base, int[] offs, float[] w, int wOff, float[] out, int len) {
        Scratch s = SCRATCH.get();
        int taps = offs.length;
        for (int p0 = 0; p0 < len; p0 += NB) {
            int n = Math.min(NB, len - p0);
            java.util.Arrays.fill(s.c, 0, n, 0f);
            int t = 0;
            for (; t + 4 <= taps; t += 4) {
                for (int u = 0; u < 4; u++) {
                    System.arraycopy(x, base + p0 + offs[t + u], s.b[u], 0, n);
                }
                axpy4(s.c, s.b[0], s.b[1], s.b[2], s.b[3], w[wOff + t], w[wOff + t + 1], w[wOff + t + 2], w[wOff + t + 3], n);
            }
            for (; t < taps; t++) {
                System.arraycopy(x, base + p0 + offs[t], s.b[0], 0, n);
                axpy(s.c, s.b[0], w[wOff + t], n);
            }
            System.arraycopy(s.c, 0, out, p0, n);
        }
    }

    private static void axpy4(float[] c, float[] b0, float[] b1, float[] b2, float[] b3,
                              float a0, float a1, float a2, float a3, int n) {
        for (int q = 0; q < n; q++) {
            c[q] += a0 * b0[q] + a1 * b1[q] + a2 * b2[q] + a3 * b3[q];
        }
    }

    private static void axpy(float[] c, float[] b, float a, int n) {
        for (int q = 0; q < n; q++) {
            c[q] += a * b[q];
        }
    }
}
