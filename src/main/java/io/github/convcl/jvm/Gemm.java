// The Java matrix-product micro-kernel: C += A x B on row-major float slices.
package io.github.convcl.jvm;

/**
 * {@code C[M x N] += A[M x K] * B[K x N]}. A is addressed as {@code a[aOff + i*aRow + k*aCol]} so that a
 * transposed weight block needs no copy; B and C are row-major with leading dimensions {@code ldb}, {@code ldc}.
 * The inner loop is a contiguous multiply-add over a row of B, four rows of C at a time, which HotSpot's
 * superword pass turns into vector instructions.
 */
final class Gemm {
    /** Columns of C kept hot in L1 while the reduction runs. */
    static final int COLUMN_BLOCK = 256;

    private Gemm() {
    }

    static void multiplyAdd(int m, int n, int k, float[] a, int aOff, int aRow, int aCol,
                            float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        for (int j0 = 0; j0 < n; j0 += COLUMN_BLOCK) {
            int nb = Math.min(COLUMN_BLOCK, n - j0);
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                int c0 = cOff + i * ldc + j0;
                int c1 = c0 + ldc;
                int c2 = c1 + ldc;
                int c3 = c2 + ldc;
                int ai = aOff + i * aRow;
                for (int kk = 0; kk < k; kk++) {
                    int ak = ai + kk * aCol;
                    float a0 = a[ak];
                    float a1 = a[ak + aRow];
                    float a2 = a[ak + 2 * aRow];
                    float a3 = a[ak + 3 * aRow];
                    int bk = bOff + kk * ldb + j0;
                    row4(c, c0, c1, c2, c3, a0, a1, a2, a3, b, bk, nb);
                }
            }
            for (; i < m; i++) {
                int c0 = cOff + i * ldc + j0;
                int ai = aOff + i * aRow;
                for (int kk = 0; kk < k; kk++) {
                    float a0 = a[ai + kk * aCol];
                    int bk = bOff + kk * ldb + j0;
                    for (int j = 0; j < nb; j++) {
                        c[c0 + j] += a0 * b[bk + j];
                    }
                }
            }
        }
    }

    private static void row4(float[] c, int c0, int c1, int c2, int c3, float a0, float a1, float a2, float a3,
                             float[] b, int bk, int nb) {
        for (int j = 0; j < nb; j++) {
            float bv = b[bk + j];
            c[c0 + j] += a0 * bv;
            c[c1 + j] += a1 * bv;
            c[c2 + j] += a2 * bv;
            c[c3 + j] += a3 * bv;
        }
    }
}
