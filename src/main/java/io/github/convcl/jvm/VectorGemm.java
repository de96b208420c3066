// The Vector API matrix-product micro-kernel: 6x16 register tiles of C, loaded only where the module is resolved.
package io.github.convcl.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C += A x B} with twelve 8-lane accumulators (6 rows x 16 columns) held in registers across a block
 * of the reduction, the shape that fills AVX2's 16 registers: per reduction step two loads of B, six
 * broadcasts of A, twelve FMAs. Only loaded when {@code jdk.incubator.vector} is resolved; {@link Gemm}
 * chooses. Arguments as in {@link Gemm#multiplyAdd}.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int L = 8;
    private static final int MR = 6;
    private static final int NR = 16;
    /** Reduction block: keeps a 16-column panel of B (KC x 16 floats) in L1. */
    private static final int KC = 256;

    private VectorGemm() {
    }

    private static final ThreadLocal<float[][]> PACKS = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    static void multiplyAdd(int m, int n, int k, float[] a, int aOff, int aRow, int aCol,
                            float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        int nMain = n - n % NR;
        int mMain = m - m % MR;
        float[][] packs = PACKS.get();
        int aNeed = mMain * Math.min(KC, k);
        if (packs[0].length < aNeed) {
            packs[0] = new float[aNeed];
        }
        if (packs[1].length < KC * NR) {
            packs[1] = new float[KC * NR];
        }
        float[] pa = packs[0];
        float[] pb = packs[1];
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kb = Math.min(KC, k - k0);
            // A block as panels of MR rows: pa[(i/MR)*kb*MR + kk*MR + r] = A[i+r][k0+kk]
            for (int i = 0; i < mMain; i += MR) {
                int base = i * kb;
                for (int kk = 0; kk < kb; kk++) {
                    int src = aOff + i * aRow + (k0 + kk) * aCol;
                    int dst = base + kk * MR;
                    for (int r = 0; r < MR; r++) {
                        pa[dst + r] = a[src + r * aRow];
                    }
                }
            }
            for (int j = 0; j < nMain; j += NR) {
                int src = bOff + k0 * ldb + j;
                for (int kk = 0; kk < kb; kk++) {
                    System.arraycopy(b, src + kk * ldb, pb, kk * NR, NR);
                }
                for (int i = 0; i < mMain; i += MR) {
                    tile6x16(kb, pa, i * kb, pb, c, cOff + i * ldc + j, ldc);
                }
                for (int i = mMain; i < m; i++) {
                    tile1x16(kb, a, aOff + i * aRow + k0 * aCol, aCol, pb, 0, NR, c, cOff + i * ldc + j);
                }
            }
            if (nMain < n) {
                Gemm.scalar(m, n - nMain, kb, a, aOff + k0 * aCol, aRow, aCol, b, bOff + k0 * ldb + nMain, ldb, c, cOff + nMain, ldc);
            }
        }
    }

    private static void tile6x16(int k, float[] pa, int ai, float[] pb, float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, ci);
        FloatVector c01 = FloatVector.fromArray(S, c, ci + L);
        FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc);
        FloatVector c11 = FloatVector.fromArray(S, c, ci + ldc + L);
        FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
        FloatVector c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
        FloatVector c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + L);
        for (int kk = 0; kk < k; kk++) {
            int bk = kk * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bk);
            FloatVector b1 = FloatVector.fromArray(S, pb, bk + L);
            int ak = ai + kk * MR;
            FloatVector a0 = FloatVector.broadcast(S, pa[ak]);
            c00 = a0.lanewise(VectorOperators.FMA, b0, c00);
            c01 = a0.lanewise(VectorOperators.FMA, b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, pa[ak + 1]);
            c10 = a1.lanewise(VectorOperators.FMA, b0, c10);
            c11 = a1.lanewise(VectorOperators.FMA, b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, pa[ak + 2]);
            c20 = a2.lanewise(VectorOperators.FMA, b0, c20);
            c21 = a2.lanewise(VectorOperators.FMA, b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, pa[ak + 3]);
            c30 = a3.lanewise(VectorOperators.FMA, b0, c30);
            c31 = a3.lanewise(VectorOperators.FMA, b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, pa[ak + 4]);
            c40 = a4.lanewise(VectorOperators.FMA, b0, c40);
            c41 = a4.lanewise(VectorOperators.FMA, b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, pa[ak + 5]);
            c50 = a5.lanewise(VectorOperators.FMA, b0, c50);
            c51 = a5.lanewise(VectorOperators.FMA, b1, c51);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L);
    }

    private static void tile1x16(int k, float[] a, int ai, int aCol, float[] b, int bi, int ldb, float[] c, int ci) {
        FloatVector c0 = FloatVector.fromArray(S, c, ci);
        FloatVector c1 = FloatVector.fromArray(S, c, ci + L);
        for (int kk = 0; kk < k; kk++) {
            int bk = bi + kk * ldb;
            FloatVector av = FloatVector.broadcast(S, a[ai + kk * aCol]);
            c0 = av.lanewise(VectorOperators.FMA, FloatVector.fromArray(S, b, bk), c0);
            c1 = av.lanewise(VectorOperators.FMA, FloatVector.fromArray(S, b, bk + L), c1);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + L);
    }
}
