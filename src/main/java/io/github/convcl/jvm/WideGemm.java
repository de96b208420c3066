// The AVX-512 tiles of the Java GEMM: 6x32 and 4x32 blocks of C (two 16-lane vectors a row), 12x16 and 8x16 (one).
package io.github.convcl.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register tiles for 512-bit vectors on the same packed panels as {@link VectorGemm} (layouts in {@link Gemm}). Where
 * two 16-column panels of B sit side by side, one A panel (6 or 4 rows) against both: two loads of B and one broadcast
 * of A per row for two FMAs (the shape of the 256-bit 6x16 tile at twice the width; 216 GFLOP/s on one core of an
 * AVX-512 EPYC with L1-resident data, JDK 25). Against a single B panel, two adjacent A panels of the same height:
 * one load of B, one broadcast and one FMA per row (12x16: 178 GFLOP/s there; the 256-bit 6x16 tile: 109). Only loaded
 * when {@link Gemm#WIDE} is true.
 */
final class WideGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;

    private WideGemm() {
    }

    /** Whether the JVM's preferred vectors are 512 bits wide (the CPU has AVX-512 and the JVM uses it). */
    static boolean preferred() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    }

    /**
     * {@code C[12 x 16] += A x B} for the 6-row panels at {@code ai} and {@code ai2} (rows 0-5 and 6-11 of C); with
     * {@code rb} not null {@code C = rb[rbOff + r] + A x B} instead (C is only written).
     */
    static void tile12x16(int k, float[] pa, int ai, int ai2, float[] pb, int bi, float[] c, int ci, int ldc,
                          float[] rb, int rbOff) {
        FloatVector c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11;
        if (rb == null) {
            c0 = FloatVector.fromArray(S, c, ci);
            c1 = FloatVector.fromArray(S, c, ci + ldc);
            c2 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c3 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c4 = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c5 = FloatVector.fromArray(S, c, ci + 5 * ldc);
            c6 = FloatVector.fromArray(S, c, ci + 6 * ldc);
            c7 = FloatVector.fromArray(S, c, ci + 7 * ldc);
            c8 = FloatVector.fromArray(S, c, ci + 8 * ldc);
            c9 = FloatVector.fromArray(S, c, ci + 9 * ldc);
            c10 = FloatVector.fromArray(S, c, ci + 10 * ldc);
            c11 = FloatVector.fromArray(S, c, ci + 11 * ldc);
        } else {
            c0 = FloatVector.broadcast(S, rb[rbOff]);
            c1 = FloatVector.broadcast(S, rb[rbOff + 1]);
            c2 = FloatVector.broadcast(S, rb[rbOff + 2]);
            c3 = FloatVector.broadcast(S, rb[rbOff + 3]);
            c4 = FloatVector.broadcast(S, rb[rbOff + 4]);
            c5 = FloatVector.broadcast(S, rb[rbOff + 5]);
            c6 = FloatVector.broadcast(S, rb[rbOff + 6]);
            c7 = FloatVector.broadcast(S, rb[rbOff + 7]);
            c8 = FloatVector.broadcast(S, rb[rbOff + 8]);
            c9 = FloatVector.broadcast(S, rb[rbOff + 9]);
            c10 = FloatVector.broadcast(S, rb[rbOff + 10]);
            c11 = FloatVector.broadcast(S, rb[rbOff + 11]);
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b = FloatVector.fromArray(S, pb, bi + kk * 16);
            int a = ai + kk * 6;
            int a2 = ai2 + kk * 6;
            c0 = FloatVector.broadcast(S, pa[a]).fma(b, c0);
            c1 = FloatVector.broadcast(S, pa[a + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, pa[a + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, pa[a + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, pa[a + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(S, pa[a + 5]).fma(b, c5);
            c6 = FloatVector.broadcast(S, pa[a2]).fma(b, c6);
            c7 = FloatVector.broadcast(S, pa[a2 + 1]).fma(b, c7);
            c8 = FloatVector.broadcast(S, pa[a2 + 2]).fma(b, c8);
            c9 = FloatVector.broadcast(S, pa[a2 + 3]).fma(b, c9);
            c10 = FloatVector.broadcast(S, pa[a2 + 4]).fma(b, c10);
            c11 = FloatVector.broadcast(S, pa[a2 + 5]).fma(b, c11);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + ldc);
        c2.intoArray(c, ci + 2 * ldc);
        c3.intoArray(c, ci + 3 * ldc);
        c4.intoArray(c, ci + 4 * ldc);
        c5.intoArray(c, ci + 5 * ldc);
        c6.intoArray(c, ci + 6 * ldc);
        c7.intoArray(c, ci + 7 * ldc);
        c8.intoArray(c, ci + 8 * ldc);
        c9.intoArray(c, ci + 9 * ldc);
        c10.intoArray(c, ci + 10 * ldc);
        c11.intoArray(c, ci + 11 * ldc);
    }

    /**
     * {@code C[8 x 16] += A x B} for the 4-row panels at {@code ai} and {@code ai2} (rows 0-3 and 4-7 of C); with
     * {@code rb} not null {@code C = rb[rbOff + r] + A x B} instead (C is only written).
     */
    static void tile8x16(int k, float[] pa, int ai, int ai2, float[] pb, int bi, float[] c, int ci, int ldc,
                         float[] rb, int rbOff) {
        FloatVector c0, c1, c2, c3, c4, c5, c6, c7;
        if (rb == null) {
            c0 = FloatVector.fromArray(S, c, ci);
            c1 = FloatVector.fromArray(S, c, ci + ldc);
            c2 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c3 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c4 = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c5 = FloatVector.fromArray(S, c, ci + 5 * ldc);
            c6 = FloatVector.fromArray(S, c, ci + 6 * ldc);
            c7 = FloatVector.fromArray(S, c, ci + 7 * ldc);
        } else {
            c0 = FloatVector.broadcast(S, rb[rbOff]);
            c1 = FloatVector.broadcast(S, rb[rbOff + 1]);
            c2 = FloatVector.broadcast(S, rb[rbOff + 2]);
            c3 = FloatVector.broadcast(S, rb[rbOff + 3]);
            c4 = FloatVector.broadcast(S, rb[rbOff + 4]);
            c5 = FloatVector.broadcast(S, rb[rbOff + 5]);
            c6 = FloatVector.broadcast(S, rb[rbOff + 6]);
            c7 = FloatVector.broadcast(S, rb[rbOff + 7]);
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b = FloatVector.fromArray(S, pb, bi + kk * 16);
            int a = ai + kk * 4;
            int a2 = ai2 + kk * 4;
            c0 = FloatVector.broadcast(S, pa[a]).fma(b, c0);
            c1 = FloatVector.broadcast(S, pa[a + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, pa[a + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, pa[a + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, pa[a2]).fma(b, c4);
            c5 = FloatVector.broadcast(S, pa[a2 + 1]).fma(b, c5);
            c6 = FloatVector.broadcast(S, pa[a2 + 2]).fma(b, c6);
            c7 = FloatVector.broadcast(S, pa[a2 + 3]).fma(b, c7);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + ldc);
        c2.intoArray(c, ci + 2 * ldc);
        c3.intoArray(c, ci + 3 * ldc);
        c4.intoArray(c, ci + 4 * ldc);
        c5.intoArray(c, ci + 5 * ldc);
        c6.intoArray(c, ci + 6 * ldc);
        c7.intoArray(c, ci + 7 * ldc);
    }

    /**
     * The 12x16 tile of output rows read in place: {@code c[ci + r*ldc + q] = rb[rbOff + r] + sum_kk A[r][kk] *
     * x[base + offs[kk] + q]}, A's rows 0-5 from the 6-row panel at {@code ai}, 6-11 from {@code ai2} (see
     * {@link Gemm#multiplyRows}).
     */
    static void rowTile12x16(int k, float[] pa, int ai, int ai2, float[] x, int base, int[] offs, float[] rb, int rbOff,
                             float[] c, int ci, int ldc, boolean relu) {
        FloatVector c0 = FloatVector.broadcast(S, rb[rbOff]);
        FloatVector c1 = FloatVector.broadcast(S, rb[rbOff + 1]);
        FloatVector c2 = FloatVector.broadcast(S, rb[rbOff + 2]);
        FloatVector c3 = FloatVector.broadcast(S, rb[rbOff + 3]);
        FloatVector c4 = FloatVector.broadcast(S, rb[rbOff + 4]);
        FloatVector c5 = FloatVector.broadcast(S, rb[rbOff + 5]);
        FloatVector c6 = FloatVector.broadcast(S, rb[rbOff + 6]);
        FloatVector c7 = FloatVector.broadcast(S, rb[rbOff + 7]);
        FloatVector c8 = FloatVector.broadcast(S, rb[rbOff + 8]);
        FloatVector c9 = FloatVector.broadcast(S, rb[rbOff + 9]);
        FloatVector c10 = FloatVector.broadcast(S, rb[rbOff + 10]);
        FloatVector c11 = FloatVector.broadcast(S, rb[rbOff + 11]);
        for (int kk = 0; kk < k; kk++) {
            FloatVector b = FloatVector.fromArray(S, x, base + offs[kk]);
            int a = ai + kk * 6;
            int a2 = ai2 + kk * 6;
            c0 = FloatVector.broadcast(S, pa[a]).fma(b, c0);
            c1 = FloatVector.broadcast(S, pa[a + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, pa[a + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, pa[a + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, pa[a + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(S, pa[a + 5]).fma(b, c5);
            c6 = FloatVector.broadcast(S, pa[a2]).fma(b, c6);
            c7 = FloatVector.broadcast(S, pa[a2 + 1]).fma(b, c7);
            c8 = FloatVector.broadcast(S, pa[a2 + 2]).fma(b, c8);
            c9 = FloatVector.broadcast(S, pa[a2 + 3]).fma(b, c9);
            c10 = FloatVector.broadcast(S, pa[a2 + 4]).fma(b, c10);
            c11 = FloatVector.broadcast(S, pa[a2 + 5]).fma(b, c11);
        }
        if (relu) {
            c0.max(0f).intoArray(c, ci);
            c1.max(0f).intoArray(c, ci + ldc);
            c2.max(0f).intoArray(c, ci + 2 * ldc);
            c3.max(0f).intoArray(c, ci + 3 * ldc);
            c4.max(0f).intoArray(c, ci + 4 * ldc);
            c5.max(0f).intoArray(c, ci + 5 * ldc);
            c6.max(0f).intoArray(c, ci + 6 * ldc);
            c7.max(0f).intoArray(c, ci + 7 * ldc);
            c8.max(0f).intoArray(c, ci + 8 * ldc);
            c9.max(0f).intoArray(c, ci + 9 * ldc);
            c10.max(0f).intoArray(c, ci + 10 * ldc);
            c11.max(0f).intoArray(c, ci + 11 * ldc);
        } else {
            c0.intoArray(c, ci);
            c1.intoArray(c, ci + ldc);
            c2.intoArray(c, ci + 2 * ldc);
            c3.intoArray(c, ci + 3 * ldc);
            c4.intoArray(c, ci + 4 * ldc);
            c5.intoArray(c, ci + 5 * ldc);
            c6.intoArray(c, ci + 6 * ldc);
            c7.intoArray(c, ci + 7 * ldc);
            c8.intoArray(c, ci + 8 * ldc);
            c9.intoArray(c, ci + 9 * ldc);
            c10.intoArray(c, ci + 10 * ldc);
            c11.intoArray(c, ci + 11 * ldc);
        }
    }

    /**
     * The 8x16 tile of output rows read in place: {@code c[ci + r*ldc + q] = rb[rbOff + r] + sum_kk A[r][kk] *
     * x[base + offs[kk] + q]}, A's rows 0-3 from the 4-row panel at {@code ai}, 4-7 from {@code ai2} (see
     * {@link Gemm#multiplyRows}).
     */
    static void rowTile8x16(int k, float[] pa, int ai, int ai2, float[] x, int base, int[] offs, float[] rb, int rbOff,
                            float[] c, int ci, int ldc, boolean relu) {
        FloatVector c0 = FloatVector.broadcast(S, rb[rbOff]);
        FloatVector c1 = FloatVector.broadcast(S, rb[rbOff + 1]);
        FloatVector c2 = FloatVector.broadcast(S, rb[rbOff + 2]);
        FloatVector c3 = FloatVector.broadcast(S, rb[rbOff + 3]);
        FloatVector c4 = FloatVector.broadcast(S, rb[rbOff + 4]);
        FloatVector c5 = FloatVector.broadcast(S, rb[rbOff + 5]);
        FloatVector c6 = FloatVector.broadcast(S, rb[rbOff + 6]);
        FloatVector c7 = FloatVector.broadcast(S, rb[rbOff + 7]);
        for (int kk = 0; kk < k; kk++) {
            FloatVector b = FloatVector.fromArray(S, x, base + offs[kk]);
            int a = ai + kk * 4;
            int a2 = ai2 + kk * 4;
            c0 = FloatVector.broadcast(S, pa[a]).fma(b, c0);
            c1 = FloatVector.broadcast(S, pa[a + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, pa[a + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, pa[a + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, pa[a2]).fma(b, c4);
            c5 = FloatVector.broadcast(S, pa[a2 + 1]).fma(b, c5);
            c6 = FloatVector.broadcast(S, pa[a2 + 2]).fma(b, c6);
            c7 = FloatVector.broadcast(S, pa[a2 + 3]).fma(b, c7);
        }
        if (relu) {
            c0.max(0f).intoArray(c, ci);
            c1.max(0f).intoArray(c, ci + ldc);
            c2.max(0f).intoArray(c, ci + 2 * ldc);
            c3.max(0f).intoArray(c, ci + 3 * ldc);
            c4.max(0f).intoArray(c, ci + 4 * ldc);
            c5.max(0f).intoArray(c, ci + 5 * ldc);
            c6.max(0f).intoArray(c, ci + 6 * ldc);
            c7.max(0f).intoArray(c, ci + 7 * ldc);
        } else {
            c0.intoArray(c, ci);
            c1.intoArray(c, ci + ldc);
            c2.intoArray(c, ci + 2 * ldc);
            c3.intoArray(c, ci + 3 * ldc);
            c4.intoArray(c, ci + 4 * ldc);
            c5.intoArray(c, ci + 5 * ldc);
            c6.intoArray(c, ci + 6 * ldc);
            c7.intoArray(c, ci + 7 * ldc);
        }
    }

    /**
     * {@code C[6 x 32] += A x B} for the 6-row panel at {@code ai} and the 16-column B panels at {@code bi} (columns 0-15)
     * and {@code bi2} (16-31); with {@code rb} not null {@code C = rb[rbOff + r] + A x B} instead (C is only written).
     * With {@code relu} each value is stored as {@code max(v, 0)}: the epilogue a kernel that folded scale and shift into
     * its weights and bias leaves ({@link Store#fold}). The two ways to store are separate runs of stores, so that no
     * vector is merged at a branch (which JDK 17's C2 may box; see docs/architecture.md).
     */
    static void tile6x32(int k, float[] pa, int ai, float[] pb, int bi, int bi2, float[] c, int ci, int ldc, float[] rb,
                         int rbOff, boolean relu) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (rb == null) {
            c00 = FloatVector.fromArray(S, c, ci);
            c01 = FloatVector.fromArray(S, c, ci + 16);
            c10 = FloatVector.fromArray(S, c, ci + ldc);
            c11 = FloatVector.fromArray(S, c, ci + ldc + 16);
            c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + 16);
            c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + 16);
            c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + 16);
            c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
            c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + 16);
        } else {
            c00 = FloatVector.broadcast(S, rb[rbOff]);
            c01 = c00;
            c10 = FloatVector.broadcast(S, rb[rbOff + 1]);
            c11 = c10;
            c20 = FloatVector.broadcast(S, rb[rbOff + 2]);
            c21 = c20;
            c30 = FloatVector.broadcast(S, rb[rbOff + 3]);
            c31 = c30;
            c40 = FloatVector.broadcast(S, rb[rbOff + 4]);
            c41 = c40;
            c50 = FloatVector.broadcast(S, rb[rbOff + 5]);
            c51 = c50;
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi + kk * 16);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi2 + kk * 16);
            int ak = ai + kk * 6;
            FloatVector a = FloatVector.broadcast(S, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, pa[ak + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, pa[ak + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        if (relu) {
            c00.max(0f).intoArray(c, ci);
            c01.max(0f).intoArray(c, ci + 16);
            c10.max(0f).intoArray(c, ci + ldc);
            c11.max(0f).intoArray(c, ci + ldc + 16);
            c20.max(0f).intoArray(c, ci + 2 * ldc);
            c21.max(0f).intoArray(c, ci + 2 * ldc + 16);
            c30.max(0f).intoArray(c, ci + 3 * ldc);
            c31.max(0f).intoArray(c, ci + 3 * ldc + 16);
            c40.max(0f).intoArray(c, ci + 4 * ldc);
            c41.max(0f).intoArray(c, ci + 4 * ldc + 16);
            c50.max(0f).intoArray(c, ci + 5 * ldc);
            c51.max(0f).intoArray(c, ci + 5 * ldc + 16);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + 16);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + 16);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + 16);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + 16);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci + 4 * ldc + 16);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci + 5 * ldc + 16);
        }
    }

    /**
     * {@link #tile6x32} (adding into C) reading B's rows in place, {@code x[base + offs[k0 + kk]]} (32 floats), and
     * storing them as the two 16-column panels at {@code bi} and {@code bi2} for the row panels after it: the direct
     * GEMM's first row panel gathers its B slice while it multiplies, instead of a pass of its own.
     */
    static void tile6x32Gathering(int k, float[] pa, int ai, float[] x, int base, int[] offs, int k0, float[] pb, int bi, int bi2,
                                  float[] c, int ci, int ldc) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        c00 = FloatVector.fromArray(S, c, ci);
        c01 = FloatVector.fromArray(S, c, ci + 16);
        c10 = FloatVector.fromArray(S, c, ci + ldc);
        c11 = FloatVector.fromArray(S, c, ci + ldc + 16);
        c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
        c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + 16);
        c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
        c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + 16);
        c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
        c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + 16);
        c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
        c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + 16);
        for (int kk = 0; kk < k; kk++) {
            int src = base + offs[k0 + kk];
            FloatVector b0 = FloatVector.fromArray(S, x, src);
            FloatVector b1 = FloatVector.fromArray(S, x, src + 16);
            b0.intoArray(pb, bi + kk * 16);
            b1.intoArray(pb, bi2 + kk * 16);
            int ak = ai + kk * 6;
            FloatVector a = FloatVector.broadcast(S, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, pa[ak + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, pa[ak + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + 16);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + 16);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + 16);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + 16);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + 16);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + 16);
    }

    /**
     * {@code C[4 x 32] += A x B} for the 4-row panel at {@code ai} and the 16-column B panels at {@code bi} (columns 0-15)
     * and {@code bi2} (16-31); with {@code rb} not null {@code C = rb[rbOff + r] + A x B} instead (C is only written);
     * {@code relu} as {@link #tile6x32}.
     */
    static void tile4x32(int k, float[] pa, int ai, float[] pb, int bi, int bi2, float[] c, int ci, int ldc, float[] rb,
                         int rbOff, boolean relu) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        if (rb == null) {
            c00 = FloatVector.fromArray(S, c, ci);
            c01 = FloatVector.fromArray(S, c, ci + 16);
            c10 = FloatVector.fromArray(S, c, ci + ldc);
            c11 = FloatVector.fromArray(S, c, ci + ldc + 16);
            c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + 16);
            c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + 16);
        } else {
            c00 = FloatVector.broadcast(S, rb[rbOff]);
            c01 = c00;
            c10 = FloatVector.broadcast(S, rb[rbOff + 1]);
            c11 = c10;
            c20 = FloatVector.broadcast(S, rb[rbOff + 2]);
            c21 = c20;
            c30 = FloatVector.broadcast(S, rb[rbOff + 3]);
            c31 = c30;
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi + kk * 16);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi2 + kk * 16);
            int ak = ai + kk * 4;
            FloatVector a = FloatVector.broadcast(S, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        if (relu) {
            c00.max(0f).intoArray(c, ci);
            c01.max(0f).intoArray(c, ci + 16);
            c10.max(0f).intoArray(c, ci + ldc);
            c11.max(0f).intoArray(c, ci + ldc + 16);
            c20.max(0f).intoArray(c, ci + 2 * ldc);
            c21.max(0f).intoArray(c, ci + 2 * ldc + 16);
            c30.max(0f).intoArray(c, ci + 3 * ldc);
            c31.max(0f).intoArray(c, ci + 3 * ldc + 16);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + 16);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + 16);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + 16);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + 16);
        }
    }

    /**
     * The epilogue of a 32-column tile that {@link #tile6x32} or {@link #tile4x32} has just stored: its {@code rows} rows
     * at {@code c[ci + r * ldc ..]}, still in L1, become {@code finish}'s values (product row {@code row} first), each row
     * read, finished and stored once. The tiles apply a relu alone themselves; scale, shift and relu6 spelled out in
     * their registers made a method so large that JDK 17's C2 compiled it worse whenever another epilogue had run in
     * the same JVM (see docs/architecture.md). The clamp has no branch, so that no vector is merged.
     */
    static void finishTile(int rows, float[] c, int ci, int ldc, Gemm.Finish finish, int row) {
        float[] sc = finish.scale();
        float[] sh = finish.shift();
        FloatVector lo = FloatVector.broadcast(S, finish.low());
        int so = finish.at() + row;
        FloatVector hi = FloatVector.broadcast(S, finish.high());
        for (int r = 0; r < rows; r++) {
            FloatVector s = FloatVector.broadcast(S, sc == null ? 1f : sc[so + r]);
            FloatVector t = FloatVector.broadcast(S, sh == null ? 0f : sh[so + r]);
            int at = ci + r * ldc;
            FloatVector.fromArray(S, c, at).fma(s, t).max(lo).min(hi).intoArray(c, at);
            FloatVector.fromArray(S, c, at + 16).fma(s, t).max(lo).min(hi).intoArray(c, at + 16);
        }
    }

    /**
     * The 6x32 tile of output rows read in place: {@code c[ci + r*ldc + q] = rb[rbOff + r] + sum_kk A[r][kk] *
     * x[base + offs[kk] + q]} for 32 columns q, A the 6-row panel at {@code ai} (see {@link Gemm#multiplyRows}).
     */
    static void rowTile6x32(int k, float[] pa, int ai, float[] x, int base, int[] offs, float[] rb, int rbOff, float[] c,
                            int ci, int ldc, boolean relu) {
        FloatVector c00 = FloatVector.broadcast(S, rb[rbOff]);
        FloatVector c01 = c00;
        FloatVector c10 = FloatVector.broadcast(S, rb[rbOff + 1]);
        FloatVector c11 = c10;
        FloatVector c20 = FloatVector.broadcast(S, rb[rbOff + 2]);
        FloatVector c21 = c20;
        FloatVector c30 = FloatVector.broadcast(S, rb[rbOff + 3]);
        FloatVector c31 = c30;
        FloatVector c40 = FloatVector.broadcast(S, rb[rbOff + 4]);
        FloatVector c41 = c40;
        FloatVector c50 = FloatVector.broadcast(S, rb[rbOff + 5]);
        FloatVector c51 = c50;
        for (int kk = 0; kk < k; kk++) {
            int bk = base + offs[kk];
            FloatVector b0 = FloatVector.fromArray(S, x, bk);
            FloatVector b1 = FloatVector.fromArray(S, x, bk + 16);
            int ak = ai + kk * 6;
            FloatVector a = FloatVector.broadcast(S, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, pa[ak + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, pa[ak + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        if (relu) {
            c00.max(0f).intoArray(c, ci);
            c01.max(0f).intoArray(c, ci + 16);
            c10.max(0f).intoArray(c, ci + ldc);
            c11.max(0f).intoArray(c, ci + ldc + 16);
            c20.max(0f).intoArray(c, ci + 2 * ldc);
            c21.max(0f).intoArray(c, ci + 2 * ldc + 16);
            c30.max(0f).intoArray(c, ci + 3 * ldc);
            c31.max(0f).intoArray(c, ci + 3 * ldc + 16);
            c40.max(0f).intoArray(c, ci + 4 * ldc);
            c41.max(0f).intoArray(c, ci + 4 * ldc + 16);
            c50.max(0f).intoArray(c, ci + 5 * ldc);
            c51.max(0f).intoArray(c, ci + 5 * ldc + 16);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + 16);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + 16);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + 16);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + 16);
            c40.intoArray(c, ci + 4 * ldc);
            c41.intoArray(c, ci + 4 * ldc + 16);
            c50.intoArray(c, ci + 5 * ldc);
            c51.intoArray(c, ci + 5 * ldc + 16);
        }
    }

    /**
     * The 8x32 tile of output rows read in place: two 4-row A panels ({@code ai}: rows 0-3, {@code ai2}: rows 4-7)
     * against 32 columns, as {@link #rowTile12x32}: 16 accumulators, each pair of B loads serving 16 FMAs (two 4x32
     * tiles: 8 each).
     */
    static void rowTile8x32(int k, float[] pa, int ai, int ai2, float[] x, int base, int[] offs, float[] rb, int rbOff,
                            float[] c, int ci, int ldc, boolean relu) {
        FloatVector c0a = FloatVector.broadcast(S, rb[rbOff + 0]);
        FloatVector c0b = c0a;
        FloatVector c1a = FloatVector.broadcast(S, rb[rbOff + 1]);
        FloatVector c1b = c1a;
        FloatVector c2a = FloatVector.broadcast(S, rb[rbOff + 2]);
        FloatVector c2b = c2a;
        FloatVector c3a = FloatVector.broadcast(S, rb[rbOff + 3]);
        FloatVector c3b = c3a;
        FloatVector c4a = FloatVector.broadcast(S, rb[rbOff + 4]);
        FloatVector c4b = c4a;
        FloatVector c5a = FloatVector.broadcast(S, rb[rbOff + 5]);
        FloatVector c5b = c5a;
        FloatVector c6a = FloatVector.broadcast(S, rb[rbOff + 6]);
        FloatVector c6b = c6a;
        FloatVector c7a = FloatVector.broadcast(S, rb[rbOff + 7]);
        FloatVector c7b = c7a;
        for (int kk = 0; kk < k; kk++) {
            int bk = base + offs[kk];
            FloatVector b0 = FloatVector.fromArray(S, x, bk);
            FloatVector b1 = FloatVector.fromArray(S, x, bk + 16);
            int ak = ai + kk * 4;
            int ak2 = ai2 + kk * 4;
            FloatVector a;
            a = FloatVector.broadcast(S, pa[ak]);
            c0a = a.fma(b0, c0a);
            c0b = a.fma(b1, c0b);
            a = FloatVector.broadcast(S, pa[ak + 1]);
            c1a = a.fma(b0, c1a);
            c1b = a.fma(b1, c1b);
            a = FloatVector.broadcast(S, pa[ak + 2]);
            c2a = a.fma(b0, c2a);
            c2b = a.fma(b1, c2b);
            a = FloatVector.broadcast(S, pa[ak + 3]);
            c3a = a.fma(b0, c3a);
            c3b = a.fma(b1, c3b);
            a = FloatVector.broadcast(S, pa[ak2]);
            c4a = a.fma(b0, c4a);
            c4b = a.fma(b1, c4b);
            a = FloatVector.broadcast(S, pa[ak2 + 1]);
            c5a = a.fma(b0, c5a);
            c5b = a.fma(b1, c5b);
            a = FloatVector.broadcast(S, pa[ak2 + 2]);
            c6a = a.fma(b0, c6a);
            c6b = a.fma(b1, c6b);
            a = FloatVector.broadcast(S, pa[ak2 + 3]);
            c7a = a.fma(b0, c7a);
            c7b = a.fma(b1, c7b);
        }
        if (relu) {
            c0a.max(0f).intoArray(c, ci);
            c0b.max(0f).intoArray(c, ci + 16);
            c1a.max(0f).intoArray(c, ci + ldc);
            c1b.max(0f).intoArray(c, ci + ldc + 16);
            c2a.max(0f).intoArray(c, ci + 2 * ldc);
            c2b.max(0f).intoArray(c, ci + 2 * ldc + 16);
            c3a.max(0f).intoArray(c, ci + 3 * ldc);
            c3b.max(0f).intoArray(c, ci + 3 * ldc + 16);
            c4a.max(0f).intoArray(c, ci + 4 * ldc);
            c4b.max(0f).intoArray(c, ci + 4 * ldc + 16);
            c5a.max(0f).intoArray(c, ci + 5 * ldc);
            c5b.max(0f).intoArray(c, ci + 5 * ldc + 16);
            c6a.max(0f).intoArray(c, ci + 6 * ldc);
            c6b.max(0f).intoArray(c, ci + 6 * ldc + 16);
            c7a.max(0f).intoArray(c, ci + 7 * ldc);
            c7b.max(0f).intoArray(c, ci + 7 * ldc + 16);
        } else {
            c0a.intoArray(c, ci);
            c0b.intoArray(c, ci + 16);
            c1a.intoArray(c, ci + ldc);
            c1b.intoArray(c, ci + ldc + 16);
            c2a.intoArray(c, ci + 2 * ldc);
            c2b.intoArray(c, ci + 2 * ldc + 16);
            c3a.intoArray(c, ci + 3 * ldc);
            c3b.intoArray(c, ci + 3 * ldc + 16);
            c4a.intoArray(c, ci + 4 * ldc);
            c4b.intoArray(c, ci + 4 * ldc + 16);
            c5a.intoArray(c, ci + 5 * ldc);
            c5b.intoArray(c, ci + 5 * ldc + 16);
            c6a.intoArray(c, ci + 6 * ldc);
            c6b.intoArray(c, ci + 6 * ldc + 16);
            c7a.intoArray(c, ci + 7 * ldc);
            c7b.intoArray(c, ci + 7 * ldc + 16);
        }
    }

    /**
     * The 12x32 tile of output rows read in place: two 6-row A panels ({@code ai}: rows 0-5, {@code ai2}: rows 6-11)
     * against 32 columns, {@code c[ci + r*ldc + q] = rb[rbOff + r] + sum_kk A[r][kk] * x[base + offs[kk] + q]}: 24
     * accumulators of AVX-512's 32 registers, each pair of B loads serving 24 FMAs (the 6x32 tile: 12), so rows read
     * from L2 cost half as much per product (see {@link Gemm#multiplyRows}).
     */
    static void rowTile12x32(int k, float[] pa, int ai, int ai2, float[] x, int base, int[] offs, float[] rb, int rbOff,
                             float[] c, int ci, int ldc, boolean relu) {
        FloatVector c0a = FloatVector.broadcast(S, rb[rbOff + 0]);
        FloatVector c0b = c0a;
        FloatVector c1a = FloatVector.broadcast(S, rb[rbOff + 1]);
        FloatVector c1b = c1a;
        FloatVector c2a = FloatVector.broadcast(S, rb[rbOff + 2]);
        FloatVector c2b = c2a;
        FloatVector c3a = FloatVector.broadcast(S, rb[rbOff + 3]);
        FloatVector c3b = c3a;
        FloatVector c4a = FloatVector.broadcast(S, rb[rbOff + 4]);
        FloatVector c4b = c4a;
        FloatVector c5a = FloatVector.broadcast(S, rb[rbOff + 5]);
        FloatVector c5b = c5a;
        FloatVector c6a = FloatVector.broadcast(S, rb[rbOff + 6]);
        FloatVector c6b = c6a;
        FloatVector c7a = FloatVector.broadcast(S, rb[rbOff + 7]);
        FloatVector c7b = c7a;
        FloatVector c8a = FloatVector.broadcast(S, rb[rbOff + 8]);
        FloatVector c8b = c8a;
        FloatVector c9a = FloatVector.broadcast(S, rb[rbOff + 9]);
        FloatVector c9b = c9a;
        FloatVector c10a = FloatVector.broadcast(S, rb[rbOff + 10]);
        FloatVector c10b = c10a;
        FloatVector c11a = FloatVector.broadcast(S, rb[rbOff + 11]);
        FloatVector c11b = c11a;
        for (int kk = 0; kk < k; kk++) {
            int bk = base + offs[kk];
            FloatVector b0 = FloatVector.fromArray(S, x, bk);
            FloatVector b1 = FloatVector.fromArray(S, x, bk + 16);
            int ak = ai + kk * 6;
            int ak2 = ai2 + kk * 6;
            FloatVector a;
            a = FloatVector.broadcast(S, pa[ak]);
            c0a = a.fma(b0, c0a);
            c0b = a.fma(b1, c0b);
            a = FloatVector.broadcast(S, pa[ak + 1]);
            c1a = a.fma(b0, c1a);
            c1b = a.fma(b1, c1b);
            a = FloatVector.broadcast(S, pa[ak + 2]);
            c2a = a.fma(b0, c2a);
            c2b = a.fma(b1, c2b);
            a = FloatVector.broadcast(S, pa[ak + 3]);
            c3a = a.fma(b0, c3a);
            c3b = a.fma(b1, c3b);
            a = FloatVector.broadcast(S, pa[ak + 4]);
            c4a = a.fma(b0, c4a);
            c4b = a.fma(b1, c4b);
            a = FloatVector.broadcast(S, pa[ak + 5]);
            c5a = a.fma(b0, c5a);
            c5b = a.fma(b1, c5b);
            a = FloatVector.broadcast(S, pa[ak2]);
            c6a = a.fma(b0, c6a);
            c6b = a.fma(b1, c6b);
            a = FloatVector.broadcast(S, pa[ak2 + 1]);
            c7a = a.fma(b0, c7a);
            c7b = a.fma(b1, c7b);
            a = FloatVector.broadcast(S, pa[ak2 + 2]);
            c8a = a.fma(b0, c8a);
            c8b = a.fma(b1, c8b);
            a = FloatVector.broadcast(S, pa[ak2 + 3]);
            c9a = a.fma(b0, c9a);
            c9b = a.fma(b1, c9b);
            a = FloatVector.broadcast(S, pa[ak2 + 4]);
            c10a = a.fma(b0, c10a);
            c10b = a.fma(b1, c10b);
            a = FloatVector.broadcast(S, pa[ak2 + 5]);
            c11a = a.fma(b0, c11a);
            c11b = a.fma(b1, c11b);
        }
        if (relu) {
            c0a.max(0f).intoArray(c, ci);
            c0b.max(0f).intoArray(c, ci + 16);
            c1a.max(0f).intoArray(c, ci + ldc);
            c1b.max(0f).intoArray(c, ci + ldc + 16);
            c2a.max(0f).intoArray(c, ci + 2 * ldc);
            c2b.max(0f).intoArray(c, ci + 2 * ldc + 16);
            c3a.max(0f).intoArray(c, ci + 3 * ldc);
            c3b.max(0f).intoArray(c, ci + 3 * ldc + 16);
            c4a.max(0f).intoArray(c, ci + 4 * ldc);
            c4b.max(0f).intoArray(c, ci + 4 * ldc + 16);
            c5a.max(0f).intoArray(c, ci + 5 * ldc);
            c5b.max(0f).intoArray(c, ci + 5 * ldc + 16);
            c6a.max(0f).intoArray(c, ci + 6 * ldc);
            c6b.max(0f).intoArray(c, ci + 6 * ldc + 16);
            c7a.max(0f).intoArray(c, ci + 7 * ldc);
            c7b.max(0f).intoArray(c, ci + 7 * ldc + 16);
            c8a.max(0f).intoArray(c, ci + 8 * ldc);
            c8b.max(0f).intoArray(c, ci + 8 * ldc + 16);
            c9a.max(0f).intoArray(c, ci + 9 * ldc);
            c9b.max(0f).intoArray(c, ci + 9 * ldc + 16);
            c10a.max(0f).intoArray(c, ci + 10 * ldc);
            c10b.max(0f).intoArray(c, ci + 10 * ldc + 16);
            c11a.max(0f).intoArray(c, ci + 11 * ldc);
            c11b.max(0f).intoArray(c, ci + 11 * ldc + 16);
        } else {
            c0a.intoArray(c, ci);
            c0b.intoArray(c, ci + 16);
            c1a.intoArray(c, ci + ldc);
            c1b.intoArray(c, ci + ldc + 16);
            c2a.intoArray(c, ci + 2 * ldc);
            c2b.intoArray(c, ci + 2 * ldc + 16);
            c3a.intoArray(c, ci + 3 * ldc);
            c3b.intoArray(c, ci + 3 * ldc + 16);
            c4a.intoArray(c, ci + 4 * ldc);
            c4b.intoArray(c, ci + 4 * ldc + 16);
            c5a.intoArray(c, ci + 5 * ldc);
            c5b.intoArray(c, ci + 5 * ldc + 16);
            c6a.intoArray(c, ci + 6 * ldc);
            c6b.intoArray(c, ci + 6 * ldc + 16);
            c7a.intoArray(c, ci + 7 * ldc);
            c7b.intoArray(c, ci + 7 * ldc + 16);
            c8a.intoArray(c, ci + 8 * ldc);
            c8b.intoArray(c, ci + 8 * ldc + 16);
            c9a.intoArray(c, ci + 9 * ldc);
            c9b.intoArray(c, ci + 9 * ldc + 16);
            c10a.intoArray(c, ci + 10 * ldc);
            c10b.intoArray(c, ci + 10 * ldc + 16);
            c11a.intoArray(c, ci + 11 * ldc);
            c11b.intoArray(c, ci + 11 * ldc + 16);
        }
    }

    /**
     * The 4x32 tile of output rows read in place: {@code c[ci + r*ldc + q] = rb[rbOff + r] + sum_kk A[r][kk] *
     * x[base + offs[kk] + q]} for 32 columns q, A the 4-row panel at {@code ai} (see {@link Gemm#multiplyRows}).
     */
    static void rowTile4x32(int k, float[] pa, int ai, float[] x, int base, int[] offs, float[] rb, int rbOff, float[] c,
                            int ci, int ldc, boolean relu) {
        FloatVector c00 = FloatVector.broadcast(S, rb[rbOff]);
        FloatVector c01 = c00;
        FloatVector c10 = FloatVector.broadcast(S, rb[rbOff + 1]);
        FloatVector c11 = c10;
        FloatVector c20 = FloatVector.broadcast(S, rb[rbOff + 2]);
        FloatVector c21 = c20;
        FloatVector c30 = FloatVector.broadcast(S, rb[rbOff + 3]);
        FloatVector c31 = c30;
        for (int kk = 0; kk < k; kk++) {
            int bk = base + offs[kk];
            FloatVector b0 = FloatVector.fromArray(S, x, bk);
            FloatVector b1 = FloatVector.fromArray(S, x, bk + 16);
            int ak = ai + kk * 4;
            FloatVector a = FloatVector.broadcast(S, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        if (relu) {
            c00.max(0f).intoArray(c, ci);
            c01.max(0f).intoArray(c, ci + 16);
            c10.max(0f).intoArray(c, ci + ldc);
            c11.max(0f).intoArray(c, ci + ldc + 16);
            c20.max(0f).intoArray(c, ci + 2 * ldc);
            c21.max(0f).intoArray(c, ci + 2 * ldc + 16);
            c30.max(0f).intoArray(c, ci + 3 * ldc);
            c31.max(0f).intoArray(c, ci + 3 * ldc + 16);
        } else {
            c00.intoArray(c, ci);
            c01.intoArray(c, ci + 16);
            c10.intoArray(c, ci + ldc);
            c11.intoArray(c, ci + ldc + 16);
            c20.intoArray(c, ci + 2 * ldc);
            c21.intoArray(c, ci + 2 * ldc + 16);
            c30.intoArray(c, ci + 3 * ldc);
            c31.intoArray(c, ci + 3 * ldc + 16);
        }
    }

    /**
     * {@code C[6 x 16] += A x B} for a lone 6-row panel (one 16-lane vector a row: per reduction step one load of B,
     * six broadcasts, six FMAs); with {@code rb} not null {@code C = rb[rbOff + r] + A x B} instead. The 512-bit form of
     * {@link VectorGemm#tile6x16}, so that a JVM running the wide tiles runs no 256-bit vector code.
     */
    static void tile6x16(int k, float[] pa, int ai, float[] pb, int bi, float[] c, int ci, int ldc, float[] rb, int rbOff) {
        FloatVector c0, c1, c2, c3, c4, c5;
        if (rb == null) {
            c0 = FloatVector.fromArray(S, c, ci);
            c1 = FloatVector.fromArray(S, c, ci + ldc);
            c2 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c3 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c4 = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c5 = FloatVector.fromArray(S, c, ci + 5 * ldc);
        } else {
            c0 = FloatVector.broadcast(S, rb[rbOff]);
            c1 = FloatVector.broadcast(S, rb[rbOff + 1]);
            c2 = FloatVector.broadcast(S, rb[rbOff + 2]);
            c3 = FloatVector.broadcast(S, rb[rbOff + 3]);
            c4 = FloatVector.broadcast(S, rb[rbOff + 4]);
            c5 = FloatVector.broadcast(S, rb[rbOff + 5]);
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b = FloatVector.fromArray(S, pb, bi + kk * 16);
            int a = ai + kk * 6;
            c0 = FloatVector.broadcast(S, pa[a]).fma(b, c0);
            c1 = FloatVector.broadcast(S, pa[a + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, pa[a + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, pa[a + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, pa[a + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(S, pa[a + 5]).fma(b, c5);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + ldc);
        c2.intoArray(c, ci + 2 * ldc);
        c3.intoArray(c, ci + 3 * ldc);
        c4.intoArray(c, ci + 4 * ldc);
        c5.intoArray(c, ci + 5 * ldc);
    }

    /** {@link #tile6x16} for a lone 4-row panel. */
    static void tile4x16(int k, float[] pa, int ai, float[] pb, int bi, float[] c, int ci, int ldc, float[] rb, int rbOff) {
        FloatVector c0, c1, c2, c3;
        if (rb == null) {
            c0 = FloatVector.fromArray(S, c, ci);
            c1 = FloatVector.fromArray(S, c, ci + ldc);
            c2 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c3 = FloatVector.fromArray(S, c, ci + 3 * ldc);
        } else {
            c0 = FloatVector.broadcast(S, rb[rbOff]);
            c1 = FloatVector.broadcast(S, rb[rbOff + 1]);
            c2 = FloatVector.broadcast(S, rb[rbOff + 2]);
            c3 = FloatVector.broadcast(S, rb[rbOff + 3]);
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b = FloatVector.fromArray(S, pb, bi + kk * 16);
            int a = ai + kk * 4;
            c0 = FloatVector.broadcast(S, pa[a]).fma(b, c0);
            c1 = FloatVector.broadcast(S, pa[a + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, pa[a + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, pa[a + 3]).fma(b, c3);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + ldc);
        c2.intoArray(c, ci + 2 * ldc);
        c3.intoArray(c, ci + 3 * ldc);
    }

    /**
     * A 6x16 tile of output rows read in place for a lone 6-row panel, one 16-lane vector a row: {@code c[ci + r*ldc +
     * q] = rb[rbOff + r] + sum_kk pa[ai + kk*6 + r] * x[base + offs[kk] + q]} (see {@link Gemm#multiplyRows}).
     */
    static void rowTile6x16(int k, float[] pa, int ai, float[] x, int base, int[] offs, float[] rb, int rbOff,
                            float[] c, int ci, int ldc, boolean relu) {
        FloatVector c0 = FloatVector.broadcast(S, rb[rbOff]);
        FloatVector c1 = FloatVector.broadcast(S, rb[rbOff + 1]);
        FloatVector c2 = FloatVector.broadcast(S, rb[rbOff + 2]);
        FloatVector c3 = FloatVector.broadcast(S, rb[rbOff + 3]);
        FloatVector c4 = FloatVector.broadcast(S, rb[rbOff + 4]);
        FloatVector c5 = FloatVector.broadcast(S, rb[rbOff + 5]);
        for (int kk = 0; kk < k; kk++) {
            FloatVector b = FloatVector.fromArray(S, x, base + offs[kk]);
            int a = ai + kk * 6;
            c0 = FloatVector.broadcast(S, pa[a]).fma(b, c0);
            c1 = FloatVector.broadcast(S, pa[a + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, pa[a + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, pa[a + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, pa[a + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(S, pa[a + 5]).fma(b, c5);
        }
        if (relu) {
            c0.max(0f).intoArray(c, ci);
            c1.max(0f).intoArray(c, ci + ldc);
            c2.max(0f).intoArray(c, ci + 2 * ldc);
            c3.max(0f).intoArray(c, ci + 3 * ldc);
            c4.max(0f).intoArray(c, ci + 4 * ldc);
            c5.max(0f).intoArray(c, ci + 5 * ldc);
        } else {
            c0.intoArray(c, ci);
            c1.intoArray(c, ci + ldc);
            c2.intoArray(c, ci + 2 * ldc);
            c3.intoArray(c, ci + 3 * ldc);
            c4.intoArray(c, ci + 4 * ldc);
            c5.intoArray(c, ci + 5 * ldc);
        }
    }

    /** {@link #rowTile6x16} for a lone 4-row panel. */
    static void rowTile4x16(int k, float[] pa, int ai, float[] x, int base, int[] offs, float[] rb, int rbOff,
                            float[] c, int ci, int ldc, boolean relu) {
        FloatVector c0 = FloatVector.broadcast(S, rb[rbOff]);
        FloatVector c1 = FloatVector.broadcast(S, rb[rbOff + 1]);
        FloatVector c2 = FloatVector.broadcast(S, rb[rbOff + 2]);
        FloatVector c3 = FloatVector.broadcast(S, rb[rbOff + 3]);
        for (int kk = 0; kk < k; kk++) {
            FloatVector b = FloatVector.fromArray(S, x, base + offs[kk]);
            int a = ai + kk * 4;
            c0 = FloatVector.broadcast(S, pa[a]).fma(b, c0);
            c1 = FloatVector.broadcast(S, pa[a + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, pa[a + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, pa[a + 3]).fma(b, c3);
        }
        if (relu) {
            c0.max(0f).intoArray(c, ci);
            c1.max(0f).intoArray(c, ci + ldc);
            c2.max(0f).intoArray(c, ci + 2 * ldc);
            c3.max(0f).intoArray(c, ci + 3 * ldc);
        } else {
            c0.intoArray(c, ci);
            c1.intoArray(c, ci + ldc);
            c2.intoArray(c, ci + 2 * ldc);
            c3.intoArray(c, ci + 3 * ldc);
        }
    }

    /**
     * {@code C[6 x 32] (+)= A x B} for the channel GEMM ({@link ChannelGemm}): row r of A at reduction step kk is
     * {@code pa[ai + kk * st + r]} (a packed panel, or the input read in place), columns 0-15 of B the panel at
     * {@code bi} and 16-31 the one at {@code bi2} (16 floats a step each). Starts from zeros when {@code fresh}, else
     * from C. Every index is computed from the one loop counter: C2 schedules that loop better than one stepping three
     * pointers (docs/performance.md, twelfth session).
     */
    static void panelTile6x32(int k, float[] pa, int ai, int st, float[] pb, int bi, int bi2, float[] c, int ci, int ldc,
                              boolean fresh) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (fresh) {
            c00 = FloatVector.zero(S);
            c01 = c00;
            c10 = c00;
            c11 = c00;
            c20 = c00;
            c21 = c00;
            c30 = c00;
            c31 = c00;
            c40 = c00;
            c41 = c00;
            c50 = c00;
            c51 = c00;
        } else {
            c00 = FloatVector.fromArray(S, c, ci);
            c01 = FloatVector.fromArray(S, c, ci + 16);
            c10 = FloatVector.fromArray(S, c, ci + ldc);
            c11 = FloatVector.fromArray(S, c, ci + ldc + 16);
            c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + 16);
            c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + 16);
            c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + 16);
            c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
            c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + 16);
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi + kk * 16);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi2 + kk * 16);
            int ak = ai + kk * st;
            FloatVector a = FloatVector.broadcast(S, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, pa[ak + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, pa[ak + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + 16);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + 16);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + 16);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + 16);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + 16);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + 16);
    }

    /** The most columns {@link #dotColumns} takes. */
    static final int DOT_COLUMNS = 8;

    /**
     * {@code y[yOff + r * ldy + j] = rowBias(r) + sum_kk w[wOff + r * k + kk] * x[xOff + kk * ldx + j]} for rows r &lt;
     * {@code rows} and columns j &lt; {@code cols} (at most {@link #DOT_COLUMNS}), row r's bias {@code bias[biasOff + r]}
     * (zeros when null): the last few columns of a pointwise layer, on which a 16-column tile would spend 16 lanes per
     * row and step for a few useful ones. Here the vectors run along the reduction instead: the columns are copied into
     * {@code bt} (at least {@code 8 * k} floats, column j's values from {@code j * k}), then two weight rows at a time
     * meet four columns each, six loads for eight FMAs, and each sum is reduced across its lanes at the end.
     */
    static void dotColumns(int rows, int cols, int k, float[] w, int wOff, float[] x, int xOff, int ldx, float[] bias, int biasOff,
                           float[] y, int yOff, int ldy, float[] bt) {
        int groups = (cols + 3) / 4;
        for (int kk = 0; kk < k; kk++) {
            for (int j = 0; j < cols; j++) {
                bt[j * k + kk] = x[xOff + kk * ldx + j];
            }
        }
        // columns that pad the last group of four: zeros, computed and never stored
        java.util.Arrays.fill(bt, cols * k, groups * 4 * k, 0f);
        int kv = S.loopBound(k);
        for (int r = 0; r < rows; r += 2) {
            // a last lone row is computed twice, its copy not stored
            int w0 = wOff + r * k;
            int w1 = r + 1 < rows ? w0 + k : w0;
            for (int g = 0; g < groups; g++) {
                int b = g * 4 * k;
                FloatVector s00 = FloatVector.zero(S);
                FloatVector s01 = s00;
                FloatVector s02 = s00;
                FloatVector s03 = s00;
                FloatVector s10 = s00;
                FloatVector s11 = s00;
                FloatVector s12 = s00;
                FloatVector s13 = s00;
                for (int kk = 0; kk < kv; kk += 16) {
                    FloatVector u = FloatVector.fromArray(S, w, w0 + kk);
                    FloatVector v = FloatVector.fromArray(S, w, w1 + kk);
                    FloatVector b0 = FloatVector.fromArray(S, bt, b + kk);
                    FloatVector b1 = FloatVector.fromArray(S, bt, b + k + kk);
                    FloatVector b2 = FloatVector.fromArray(S, bt, b + 2 * k + kk);
                    FloatVector b3 = FloatVector.fromArray(S, bt, b + 3 * k + kk);
                    s00 = u.fma(b0, s00);
                    s01 = u.fma(b1, s01);
                    s02 = u.fma(b2, s02);
                    s03 = u.fma(b3, s03);
                    s10 = v.fma(b0, s10);
                    s11 = v.fma(b1, s11);
                    s12 = v.fma(b2, s12);
                    s13 = v.fma(b3, s13);
                }
                float t00 = s00.reduceLanes(VectorOperators.ADD);
                float t01 = s01.reduceLanes(VectorOperators.ADD);
                float t02 = s02.reduceLanes(VectorOperators.ADD);
                float t03 = s03.reduceLanes(VectorOperators.ADD);
                float t10 = s10.reduceLanes(VectorOperators.ADD);
                float t11 = s11.reduceLanes(VectorOperators.ADD);
                float t12 = s12.reduceLanes(VectorOperators.ADD);
                float t13 = s13.reduceLanes(VectorOperators.ADD);
                for (int kk = kv; kk < k; kk++) {
                    float u = w[w0 + kk];
                    float v = w[w1 + kk];
                    t00 = Math.fma(u, bt[b + kk], t00);
                    t01 = Math.fma(u, bt[b + k + kk], t01);
                    t02 = Math.fma(u, bt[b + 2 * k + kk], t02);
                    t03 = Math.fma(u, bt[b + 3 * k + kk], t03);
                    t10 = Math.fma(v, bt[b + kk], t10);
                    t11 = Math.fma(v, bt[b + k + kk], t11);
                    t12 = Math.fma(v, bt[b + 2 * k + kk], t12);
                    t13 = Math.fma(v, bt[b + 3 * k + kk], t13);
                }
                storeFour(y, yOff + r * ldy, 4 * g, cols, bias == null ? 0f : bias[biasOff + r], t00, t01, t02, t03);
                if (r + 1 < rows) {
                    storeFour(y, yOff + (r + 1) * ldy, 4 * g, cols, bias == null ? 0f : bias[biasOff + r + 1], t10, t11, t12, t13);
                }
            }
        }
    }

    /** {@code y[at + j + q] = bias + t_q} for the columns j + q (q &lt; 4) below {@code cols}. */
    private static void storeFour(float[] y, int at, int j, int cols, float bias, float t0, float t1, float t2, float t3) {
        y[at + j] = t0 + bias;
        if (j + 1 < cols) {
            y[at + j + 1] = t1 + bias;
        }
        if (j + 2 < cols) {
            y[at + j + 2] = t2 + bias;
        }
        if (j + 3 < cols) {
            y[at + j + 3] = t3 + bias;
        }
    }

    /**
     * {@link #panelTile6x32} for 7 rows: the last tile of a panel whose rows would otherwise end in a mostly empty 4-row
     * one ({@link ChannelGemm#tileRows}: 13 as 6 + 7, the last panel of 7x7 positions at batch 1).
     */
    static void panelTile7x32(int k, float[] pa, int ai, int st, float[] pb, int bi, int bi2, float[] c, int ci, int ldc,
                              boolean fresh) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61;
        if (fresh) {
            c00 = FloatVector.zero(S);
            c01 = c00;
            c10 = c00;
            c11 = c00;
            c20 = c00;
            c21 = c00;
            c30 = c00;
            c31 = c00;
            c40 = c00;
            c41 = c00;
            c50 = c00;
            c51 = c00;
            c60 = c00;
            c61 = c00;
        } else {
            c00 = FloatVector.fromArray(S, c, ci);
            c01 = FloatVector.fromArray(S, c, ci + 16);
            c10 = FloatVector.fromArray(S, c, ci + ldc);
            c11 = FloatVector.fromArray(S, c, ci + ldc + 16);
            c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + 16);
            c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + 16);
            c40 = FloatVector.fromArray(S, c, ci + 4 * ldc);
            c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + 16);
            c50 = FloatVector.fromArray(S, c, ci + 5 * ldc);
            c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + 16);
            c60 = FloatVector.fromArray(S, c, ci + 6 * ldc);
            c61 = FloatVector.fromArray(S, c, ci + 6 * ldc + 16);
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi + kk * 16);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi2 + kk * 16);
            int ak = ai + kk * st;
            FloatVector a = FloatVector.broadcast(S, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, pa[ak + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, pa[ak + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, pa[ak + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + 16);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + 16);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + 16);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + 16);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + 16);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + 16);
        c60.intoArray(c, ci + 6 * ldc);
        c61.intoArray(c, ci + 6 * ldc + 16);
    }

    /** {@link #panelTile6x32} for 4 rows. */
    static void panelTile4x32(int k, float[] pa, int ai, int st, float[] pb, int bi, int bi2, float[] c, int ci, int ldc,
                              boolean fresh) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        if (fresh) {
            c00 = FloatVector.zero(S);
            c01 = c00;
            c10 = c00;
            c11 = c00;
            c20 = c00;
            c21 = c00;
            c30 = c00;
            c31 = c00;
        } else {
            c00 = FloatVector.fromArray(S, c, ci);
            c01 = FloatVector.fromArray(S, c, ci + 16);
            c10 = FloatVector.fromArray(S, c, ci + ldc);
            c11 = FloatVector.fromArray(S, c, ci + ldc + 16);
            c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + 16);
            c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + 16);
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi + kk * 16);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi2 + kk * 16);
            int ak = ai + kk * st;
            FloatVector a = FloatVector.broadcast(S, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + 16);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + 16);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + 16);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + 16);
    }

    /**
     * {@code y[yi + r * 16 + q]} and {@code y[yi + stride + r * 16 + q]} (two 16-channel blocks, {@code stride} apart) =
     * {@code sum_ci x[xi + (ci / 16) * stride + r * 16 + ci % 16] * w[wi + ci * 32 + q]} for 8 rows r and 32 columns q, the
     * reduction over {@code blocks} blocks of 16: rows broadcast from 16-channel blocks, columns two vectors of packed
     * weights ({@link ChannelWinograd}'s products per transformed point; 16 accumulators).
     */
    static void channelTile8x32(int blocks, float[] x, int xi, int stride, float[] w, int wi, float[] y, int yi) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z;
        FloatVector b0 = z;
        FloatVector a1 = z;
        FloatVector b1 = z;
        FloatVector a2 = z;
        FloatVector b2 = z;
        FloatVector a3 = z;
        FloatVector b3 = z;
        FloatVector a4 = z;
        FloatVector b4 = z;
        FloatVector a5 = z;
        FloatVector b5 = z;
        FloatVector a6 = z;
        FloatVector b6 = z;
        FloatVector a7 = z;
        FloatVector b7 = z;
        for (int cb = 0, wk = wi; cb < blocks; cb++) {
            int xk = xi + cb * stride;
            for (int c = 0; c < 16; c++, wk += 32) {
                FloatVector w0 = FloatVector.fromArray(S, w, wk);
                FloatVector w1 = FloatVector.fromArray(S, w, wk + 16);
                FloatVector a = FloatVector.broadcast(S, x[xk + c]);
                a0 = a.fma(w0, a0);
                b0 = a.fma(w1, b0);
                a = FloatVector.broadcast(S, x[xk + 16 + c]);
                a1 = a.fma(w0, a1);
                b1 = a.fma(w1, b1);
                a = FloatVector.broadcast(S, x[xk + 32 + c]);
                a2 = a.fma(w0, a2);
                b2 = a.fma(w1, b2);
                a = FloatVector.broadcast(S, x[xk + 48 + c]);
                a3 = a.fma(w0, a3);
                b3 = a.fma(w1, b3);
                a = FloatVector.broadcast(S, x[xk + 64 + c]);
                a4 = a.fma(w0, a4);
                b4 = a.fma(w1, b4);
                a = FloatVector.broadcast(S, x[xk + 80 + c]);
                a5 = a.fma(w0, a5);
                b5 = a.fma(w1, b5);
                a = FloatVector.broadcast(S, x[xk + 96 + c]);
                a6 = a.fma(w0, a6);
                b6 = a.fma(w1, b6);
                a = FloatVector.broadcast(S, x[xk + 112 + c]);
                a7 = a.fma(w0, a7);
                b7 = a.fma(w1, b7);
            }
        }
        a0.intoArray(y, yi);
        a1.intoArray(y, yi + 16);
        a2.intoArray(y, yi + 32);
        a3.intoArray(y, yi + 48);
        a4.intoArray(y, yi + 64);
        a5.intoArray(y, yi + 80);
        a6.intoArray(y, yi + 96);
        a7.intoArray(y, yi + 112);
        b0.intoArray(y, yi + stride);
        b1.intoArray(y, yi + stride + 16);
        b2.intoArray(y, yi + stride + 32);
        b3.intoArray(y, yi + stride + 48);
        b4.intoArray(y, yi + stride + 64);
        b5.intoArray(y, yi + stride + 80);
        b6.intoArray(y, yi + stride + 96);
        b7.intoArray(y, yi + stride + 112);
    }
}
