// The Java matrix product C += A x B: the Vector API kernel where the JVM offers it, else a plain loop.
package io.github.convcl.jvm;

/**
 * {@code C[M x N] += A[M x K] * B[K x N]}. A is addressed as {@code a[aOff + i*aRow + k*aCol]} so that a
 * transposed weight block needs no copy; B and C are row-major with leading dimensions {@code ldb}, {@code ldc}.
 *
 * <p>With {@code jdk.incubator.vector} resolved (JVM flag {@code --add-modules jdk.incubator.vector}) the
 * register-tiled {@link VectorGemm} runs; otherwise a plain loop whose inner step is a contiguous fused
 * multiply-add over a row of B, which HotSpot's superword pass vectorises. {@code -Dconvcl.vector=false}
 * forces the plain loop.
 */
final class Gemm {
    /** True when the Vector API kernel is in use. */
    static final boolean VECTOR = CpuInfo.vectorApiUsable() && !"false".equals(System.getProperty("convcl.vector"));
    /** Columns of C kept hot in L1 by the plain loop. */
    static final int COLUMN_BLOCK = 512;
    /** Reduction block of the plain loop. */
    static final int REDUCTION_BLOCK = 128;

    private Gemm() {
    }

    static void multiplyAdd(int m, int n, int k, float[] a, int aOff, int aRow, int aCol,
                            float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        if (VECTOR) {
            VectorGemm.multiplyAdd(m, n, k, a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc);
        } else {
            plain(m, n, k, a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc);
        }
    }

    /** The portable kernel: one row of C at a time, a vectorisable fused multiply-add over columns. */
    static void plain(int m, int n, int k, float[] a, int aOff, int aRow, int aCol,
                      float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        for (int k0 = 0; k0 < k; k0 += REDUCTION_BLOCK) {
            int kb = Math.min(REDUCTION_BLOCK, k - k0);
            for (int j0 = 0; j0 < n; j0 += COLUMN_BLOCK) {
                int nb = Math.min(COLUMN_BLOCK, n - j0);
                for (int i = 0; i < m; i++) {
                    int ci = cOff + i * ldc + j0;
                    int ai = aOff + i * aRow + k0 * aCol;
                    for (int kk = 0; kk < kb; kk++) {
                        axpy(a[ai + kk * aCol], b, bOff + (k0 + kk) * ldb + j0, c, ci, nb);
                    }
                }
            }
        }
    }

    private static void axpy(float av, float[] b, int bi, float[] c, int ci, int n) {
        for (int j = 0; j < n; j++) {
            c[ci + j] += av * b[bi + j];
        }
    }

    /** Scalar edge kernel for the columns the vector tiles leave. */
    static void scalar(int m, int n, int k, float[] a, int aOff, int aRow, int aCol,
                       float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = c[cOff + i * ldc + j];
                for (int kk = 0; kk < k; kk++) {
                    acc = Math.fma(a[aOff + i * aRow + kk * aCol], b[bOff + kk * ldb + j], acc);
                }
                c[cOff + i * ldc + j] = acc;
            }
        }
    }
}
