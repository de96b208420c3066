// The Vector API tiles of the Java GEMM: 6x16 and 4x16 blocks of C in AVX registers.
package io.github.convcl.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register tiles on packed panels (layouts in {@link Gemm}). The 6x16 tile keeps twelve 8-lane accumulators
 * (AVX2 has sixteen registers): per reduction step two loads of B, six broadcasts of A, twelve FMAs. These 256-bit
 * tiles run only where {@link Gemm#WIDE} is false ({@link WideGemm} has the 512-bit ones). The other kernels here (the
 * panel gather, the stride-2 split, the depthwise rows) run on {@link #S}, the one vector width of the JVM's tiles:
 * on JDK 17 a JVM that has run both 256-bit and 512-bit Vector API code compiles neither to vector instructions where
 * the library's shared methods (fma, intoArray) see both vector classes in their type profile (measured:
 * {@code -XX:+PrintInlining} shows {@code intoArray} inlined for both classes and its store "failed to inline
 * (intrinsic)", and the layers run 10-30x slower). Only loaded when {@code jdk.incubator.vector} is resolved.
 */
final class VectorGemm {
    /** The 256-bit species of the tiles here. */
    private static final VectorSpecies<Float> AVX2 = FloatVector.SPECIES_256;
    /** Lanes of {@link #AVX2}. */
    private static final int L8 = 8;
    /** The species of the other kernels: 512 bits where {@link Gemm#WIDE}, else 256. */
    static final VectorSpecies<Float> S = Gemm.WIDE ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    /** Lanes of {@link #S}: 16 or 8. */
    static final int L = Gemm.LANES;

    private VectorGemm() {
    }

    /**
     * {@code C[6 x 16] += A x B} on packed panels; with {@code rb} not null {@code C = rb[rbOff + r] + A x B} instead:
     * the accumulators start from the row values and C is only written (no load of what it held).
     */
    static void tile6x16(int k, float[] pa, int ai, float[] pb, int bi, float[] c, int ci, int ldc, float[] rb, int rbOff) {
        assert !Gemm.WIDE : "256-bit tile on a 512-bit JVM";
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (rb == null) {
            c00 = FloatVector.fromArray(AVX2, c, ci);
            c01 = FloatVector.fromArray(AVX2, c, ci + L8);
            c10 = FloatVector.fromArray(AVX2, c, ci + ldc);
            c11 = FloatVector.fromArray(AVX2, c, ci + ldc + L8);
            c20 = FloatVector.fromArray(AVX2, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(AVX2, c, ci + 2 * ldc + L8);
            c30 = FloatVector.fromArray(AVX2, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(AVX2, c, ci + 3 * ldc + L8);
            c40 = FloatVector.fromArray(AVX2, c, ci + 4 * ldc);
            c41 = FloatVector.fromArray(AVX2, c, ci + 4 * ldc + L8);
            c50 = FloatVector.fromArray(AVX2, c, ci + 5 * ldc);
            c51 = FloatVector.fromArray(AVX2, c, ci + 5 * ldc + L8);
        } else {
            c00 = FloatVector.broadcast(AVX2, rb[rbOff + 0]);
            c01 = c00;
            c10 = FloatVector.broadcast(AVX2, rb[rbOff + 1]);
            c11 = c10;
            c20 = FloatVector.broadcast(AVX2, rb[rbOff + 2]);
            c21 = c20;
            c30 = FloatVector.broadcast(AVX2, rb[rbOff + 3]);
            c31 = c30;
            c40 = FloatVector.broadcast(AVX2, rb[rbOff + 4]);
            c41 = c40;
            c50 = FloatVector.broadcast(AVX2, rb[rbOff + 5]);
            c51 = c50;
        }
        // every index from the one loop counter: C2 schedules this loop better than one stepping pointers into A and B
        // (docs/performance.md, twelfth session)
        for (int kk = 0; kk < k; kk++) {
            FloatVector b0 = FloatVector.fromArray(AVX2, pb, bi + kk * 16);
            FloatVector b1 = FloatVector.fromArray(AVX2, pb, bi + kk * 16 + L8);
            int ak = ai + kk * 6;
            FloatVector a = FloatVector.broadcast(AVX2, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(AVX2, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(AVX2, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(AVX2, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(AVX2, pa[ak + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(AVX2, pa[ak + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L8);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L8);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L8);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L8);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L8);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L8);
    }

    /**
     * {@code C[6 x 16] (+)= A x B} where row r of A at reduction step kk is {@code pa[ai + kk * st + r]}: A's rows are
     * lanes of a packed panel ({@link ChannelGemm}) or the input read in place. Starts from zeros when {@code fresh},
     * else from C. Every index is computed from the one loop counter: C2 schedules that loop better than one stepping
     * two pointers (docs/performance.md, twelfth session); the stride as a parameter measured as fast as a constant
     * (fifteenth session).
     */
    static void panelTile6x16(int k, float[] pa, int ai, int st, float[] pb, int bi, float[] c, int ci, int ldc, boolean fresh) {
        assert !Gemm.WIDE : "256-bit tile on a 512-bit JVM";
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (fresh) {
            c00 = FloatVector.zero(AVX2);
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
            c00 = FloatVector.fromArray(AVX2, c, ci);
            c01 = FloatVector.fromArray(AVX2, c, ci + L8);
            c10 = FloatVector.fromArray(AVX2, c, ci + ldc);
            c11 = FloatVector.fromArray(AVX2, c, ci + ldc + L8);
            c20 = FloatVector.fromArray(AVX2, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(AVX2, c, ci + 2 * ldc + L8);
            c30 = FloatVector.fromArray(AVX2, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(AVX2, c, ci + 3 * ldc + L8);
            c40 = FloatVector.fromArray(AVX2, c, ci + 4 * ldc);
            c41 = FloatVector.fromArray(AVX2, c, ci + 4 * ldc + L8);
            c50 = FloatVector.fromArray(AVX2, c, ci + 5 * ldc);
            c51 = FloatVector.fromArray(AVX2, c, ci + 5 * ldc + L8);
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b0 = FloatVector.fromArray(AVX2, pb, bi + kk * 16);
            FloatVector b1 = FloatVector.fromArray(AVX2, pb, bi + kk * 16 + L8);
            int ak = ai + kk * st;
            FloatVector a = FloatVector.broadcast(AVX2, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(AVX2, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(AVX2, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(AVX2, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(AVX2, pa[ak + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(AVX2, pa[ak + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L8);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L8);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L8);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L8);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L8);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L8);
    }

    /** {@link #panelTile6x16} for 4 rows. */
    static void panelTile4x16(int k, float[] pa, int ai, int st, float[] pb, int bi, float[] c, int ci, int ldc, boolean fresh) {
        assert !Gemm.WIDE : "256-bit tile on a 512-bit JVM";
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        if (fresh) {
            c00 = FloatVector.zero(AVX2);
            c01 = c00;
            c10 = c00;
            c11 = c00;
            c20 = c00;
            c21 = c00;
            c30 = c00;
            c31 = c00;
        } else {
            c00 = FloatVector.fromArray(AVX2, c, ci);
            c01 = FloatVector.fromArray(AVX2, c, ci + L8);
            c10 = FloatVector.fromArray(AVX2, c, ci + ldc);
            c11 = FloatVector.fromArray(AVX2, c, ci + ldc + L8);
            c20 = FloatVector.fromArray(AVX2, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(AVX2, c, ci + 2 * ldc + L8);
            c30 = FloatVector.fromArray(AVX2, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(AVX2, c, ci + 3 * ldc + L8);
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b0 = FloatVector.fromArray(AVX2, pb, bi + kk * 16);
            FloatVector b1 = FloatVector.fromArray(AVX2, pb, bi + kk * 16 + L8);
            int ak = ai + kk * st;
            FloatVector a = FloatVector.broadcast(AVX2, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(AVX2, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(AVX2, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(AVX2, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L8);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L8);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L8);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L8);
    }

    /** {@link #tile6x16} for 4 rows. */
    static void tile4x16(int k, float[] pa, int ai, float[] pb, int bi, float[] c, int ci, int ldc, float[] rb, int rbOff) {
        assert !Gemm.WIDE : "256-bit tile on a 512-bit JVM";
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        if (rb == null) {
            c00 = FloatVector.fromArray(AVX2, c, ci);
            c01 = FloatVector.fromArray(AVX2, c, ci + L8);
            c10 = FloatVector.fromArray(AVX2, c, ci + ldc);
            c11 = FloatVector.fromArray(AVX2, c, ci + ldc + L8);
            c20 = FloatVector.fromArray(AVX2, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(AVX2, c, ci + 2 * ldc + L8);
            c30 = FloatVector.fromArray(AVX2, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(AVX2, c, ci + 3 * ldc + L8);
        } else {
            c00 = FloatVector.broadcast(AVX2, rb[rbOff + 0]);
            c01 = c00;
            c10 = FloatVector.broadcast(AVX2, rb[rbOff + 1]);
            c11 = c10;
            c20 = FloatVector.broadcast(AVX2, rb[rbOff + 2]);
            c21 = c20;
            c30 = FloatVector.broadcast(AVX2, rb[rbOff + 3]);
            c31 = c30;
        }
        for (int kk = 0; kk < k; kk++) {
            FloatVector b0 = FloatVector.fromArray(AVX2, pb, bi + kk * 16);
            FloatVector b1 = FloatVector.fromArray(AVX2, pb, bi + kk * 16 + L8);
            int ak = ai + kk * 4;
            FloatVector a = FloatVector.broadcast(AVX2, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(AVX2, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(AVX2, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(AVX2, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L8);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L8);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L8);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L8);
    }

    /**
     * The first 8 columns of {@link #tile6x16} or {@link #tile4x16} ({@code h} 6 or 4 rows, B still in 16-column panels):
     * for a last slice of at most 8 columns, at about half the 16-column tile's time. The same products in the same
     * order per output, so the same values.
     */
    static void tile8(int h, int k, float[] pa, int ai, float[] pb, int bi, float[] c, int ci, int ldc, float[] rb, int rbOff) {
        if (h == 6) {
            tile6x8(k, pa, ai, pb, bi, c, ci, ldc, rb, rbOff);
        } else {
            tile4x8(k, pa, ai, pb, bi, c, ci, ldc, rb, rbOff);
        }
    }

    private static void tile6x8(int k, float[] pa, int ai, float[] pb, int bi, float[] c, int ci, int ldc, float[] rb, int rbOff) {
        assert !Gemm.WIDE : "256-bit tile on a 512-bit JVM";
        FloatVector c0, c1, c2, c3, c4, c5;
        if (rb == null) {
            c0 = FloatVector.fromArray(AVX2, c, ci);
            c1 = FloatVector.fromArray(AVX2, c, ci + ldc);
            c2 = FloatVector.fromArray(AVX2, c, ci + 2 * ldc);
            c3 = FloatVector.fromArray(AVX2, c, ci + 3 * ldc);
            c4 = FloatVector.fromArray(AVX2, c, ci + 4 * ldc);
            c5 = FloatVector.fromArray(AVX2, c, ci + 5 * ldc);
        } else {
            c0 = FloatVector.broadcast(AVX2, rb[rbOff]);
            c1 = FloatVector.broadcast(AVX2, rb[rbOff + 1]);
            c2 = FloatVector.broadcast(AVX2, rb[rbOff + 2]);
            c3 = FloatVector.broadcast(AVX2, rb[rbOff + 3]);
            c4 = FloatVector.broadcast(AVX2, rb[rbOff + 4]);
            c5 = FloatVector.broadcast(AVX2, rb[rbOff + 5]);
        }
        for (int ak = ai, bk = bi, end = ai + 6 * k; ak < end; ak += 6, bk += 16) {
            FloatVector b = FloatVector.fromArray(AVX2, pb, bk);
            c0 = FloatVector.broadcast(AVX2, pa[ak]).fma(b, c0);
            c1 = FloatVector.broadcast(AVX2, pa[ak + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(AVX2, pa[ak + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(AVX2, pa[ak + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(AVX2, pa[ak + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(AVX2, pa[ak + 5]).fma(b, c5);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + ldc);
        c2.intoArray(c, ci + 2 * ldc);
        c3.intoArray(c, ci + 3 * ldc);
        c4.intoArray(c, ci + 4 * ldc);
        c5.intoArray(c, ci + 5 * ldc);
    }

    private static void tile4x8(int k, float[] pa, int ai, float[] pb, int bi, float[] c, int ci, int ldc, float[] rb, int rbOff) {
        assert !Gemm.WIDE : "256-bit tile on a 512-bit JVM";
        FloatVector c0, c1, c2, c3;
        if (rb == null) {
            c0 = FloatVector.fromArray(AVX2, c, ci);
            c1 = FloatVector.fromArray(AVX2, c, ci + ldc);
            c2 = FloatVector.fromArray(AVX2, c, ci + 2 * ldc);
            c3 = FloatVector.fromArray(AVX2, c, ci + 3 * ldc);
        } else {
            c0 = FloatVector.broadcast(AVX2, rb[rbOff]);
            c1 = FloatVector.broadcast(AVX2, rb[rbOff + 1]);
            c2 = FloatVector.broadcast(AVX2, rb[rbOff + 2]);
            c3 = FloatVector.broadcast(AVX2, rb[rbOff + 3]);
        }
        for (int ak = ai, bk = bi, end = ai + 4 * k; ak < end; ak += 4, bk += 16) {
            FloatVector b = FloatVector.fromArray(AVX2, pb, bk);
            c0 = FloatVector.broadcast(AVX2, pa[ak]).fma(b, c0);
            c1 = FloatVector.broadcast(AVX2, pa[ak + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(AVX2, pa[ak + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(AVX2, pa[ak + 3]).fma(b, c3);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + ldc);
        c2.intoArray(c, ci + 2 * ldc);
        c3.intoArray(c, ci + 3 * ldc);
    }

    /**
     * A 6x16 tile of output rows read in place: {@code c[ci + r*ldc + q] = rb[rbOff + r] + sum_kk pa[ai + kk*6 + r] *
     * x[base + offs[kk] + q]} (see {@link Gemm#multiplyRows}).
     */
    static void rowTile6x16(int k, float[] pa, int ai, float[] x, int base, int[] offs, float[] rb, int rbOff,
                               float[] c, int ci, int ldc) {
        assert !Gemm.WIDE : "256-bit tile on a 512-bit JVM";
        FloatVector c00 = FloatVector.broadcast(AVX2, rb[rbOff + 0]);
        FloatVector c01 = c00;
        FloatVector c10 = FloatVector.broadcast(AVX2, rb[rbOff + 1]);
        FloatVector c11 = c10;
        FloatVector c20 = FloatVector.broadcast(AVX2, rb[rbOff + 2]);
        FloatVector c21 = c20;
        FloatVector c30 = FloatVector.broadcast(AVX2, rb[rbOff + 3]);
        FloatVector c31 = c30;
        FloatVector c40 = FloatVector.broadcast(AVX2, rb[rbOff + 4]);
        FloatVector c41 = c40;
        FloatVector c50 = FloatVector.broadcast(AVX2, rb[rbOff + 5]);
        FloatVector c51 = c50;
        // A's index counts the loop, as in tile6x16: C2 then drops the range checks of A's scalar loads
        for (int ak = ai, kk = 0, end = ai + 6 * k; ak < end; ak += 6, kk++) {
            int bk = base + offs[kk];
            FloatVector b0 = FloatVector.fromArray(AVX2, x, bk);
            FloatVector b1 = FloatVector.fromArray(AVX2, x, bk + L8);
            FloatVector a = FloatVector.broadcast(AVX2, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(AVX2, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(AVX2, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(AVX2, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(AVX2, pa[ak + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(AVX2, pa[ak + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L8);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L8);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L8);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L8);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L8);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L8);
    }

    /**
     * A 4x16 tile of output rows read in place: {@code c[ci + r*ldc + q] = rb[rbOff + r] + sum_kk pa[ai + kk*4 + r] *
     * x[base + offs[kk] + q]} (see {@link Gemm#multiplyRows}).
     */
    static void rowTile4x16(int k, float[] pa, int ai, float[] x, int base, int[] offs, float[] rb, int rbOff,
                               float[] c, int ci, int ldc) {
        assert !Gemm.WIDE : "256-bit tile on a 512-bit JVM";
        FloatVector c00 = FloatVector.broadcast(AVX2, rb[rbOff + 0]);
        FloatVector c01 = c00;
        FloatVector c10 = FloatVector.broadcast(AVX2, rb[rbOff + 1]);
        FloatVector c11 = c10;
        FloatVector c20 = FloatVector.broadcast(AVX2, rb[rbOff + 2]);
        FloatVector c21 = c20;
        FloatVector c30 = FloatVector.broadcast(AVX2, rb[rbOff + 3]);
        FloatVector c31 = c30;
        // A's index counts the loop, as in tile6x16: C2 then drops the range checks of A's scalar loads
        for (int ak = ai, kk = 0, end = ai + 4 * k; ak < end; ak += 4, kk++) {
            int bk = base + offs[kk];
            FloatVector b0 = FloatVector.fromArray(AVX2, x, bk);
            FloatVector b1 = FloatVector.fromArray(AVX2, x, bk + L8);
            FloatVector a = FloatVector.broadcast(AVX2, pa[ak]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(AVX2, pa[ak + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(AVX2, pa[ak + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(AVX2, pa[ak + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L8);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L8);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L8);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L8);
    }

    /** Copies 16 floats from {@code x[base + offs[k0 + kk]]} to {@code panel[kk * 16]} for kk in [0, kb). */
    static void gather16(int kb, float[] x, int base, int[] offs, int k0, float[] panel) {
        gather16(kb, x, base, offs, k0, panel, 0);
    }

    /** As above, into {@code panel} from {@code at}. */
    static void gather16(int kb, float[] x, int base, int[] offs, int k0, float[] panel, int at) {
        for (int kk = 0; kk < kb; kk++) {
            int src = base + offs[k0 + kk];
            for (int v = 0; v < 16; v += L) {
                FloatVector.fromArray(S, x, src + v).intoArray(panel, at + kk * 16 + v);
            }
        }
    }

    /** Rows of B per block in {@link #packPanels}: eight 64-byte runs per panel, a few read streams at a time. */
    static final int PACK_ROWS = 8;

    /**
     * {@code pb[dst + j*k + kk*16 + q] = b[src + kk*ldb + j + q]} for kk &lt; k, q &lt; 16 and j a multiple of 16 below
     * n: whole 16-column B panels, B's rows taken in blocks of {@link #PACK_ROWS} across every panel.
     */
    static void packPanels(int n, int k, float[] b, int src, int ldb, float[] pb, int dst) {
        int k0 = 0;
        for (; k0 + PACK_ROWS <= k; k0 += PACK_ROWS) {
            for (int j = 0, to = dst + k0 * 16; j < n; j += 16, to += 16 * k) {
                int from = src + k0 * ldb + j;
                for (int r = 0; r < PACK_ROWS; r++, from += ldb) {
                    for (int v = 0; v < 16; v += L) {
                        FloatVector.fromArray(S, b, from + v).intoArray(pb, to + 16 * r + v);
                    }
                }
            }
        }
        for (int j = 0; j < n && k0 < k; j += 16) {
            int from = src + k0 * ldb + j;
            for (int kk = k0, to = dst + j * k + k0 * 16; kk < k; kk++, from += ldb, to += 16) {
                for (int v = 0; v < 16; v += L) {
                    FloatVector.fromArray(S, b, from + v).intoArray(pb, to + v);
                }
            }
        }
    }

    // An 8x8 transpose in three stages: at distance d (1, 2, 4) each pair of rows (i, i + d) swaps the d-lane blocks
    // that lie off the diagonal, as a one-vector rotation by d and a blend (JDK 17 compiles the two-vector rearrange
    // poorly).
    private static final jdk.incubator.vector.VectorShuffle<Float> UP1 = jdk.incubator.vector.VectorShuffle.fromOp(AVX2, i -> (i + 7) % 8);
    private static final jdk.incubator.vector.VectorShuffle<Float> UP2 = jdk.incubator.vector.VectorShuffle.fromOp(AVX2, i -> (i + 6) % 8);
    private static final jdk.incubator.vector.VectorShuffle<Float> UP4 = jdk.incubator.vector.VectorShuffle.fromOp(AVX2, i -> (i + 4) % 8);
    private static final jdk.incubator.vector.VectorShuffle<Float> DOWN1 = jdk.incubator.vector.VectorShuffle.fromOp(AVX2, i -> (i + 1) % 8);
    private static final jdk.incubator.vector.VectorShuffle<Float> DOWN2 = jdk.incubator.vector.VectorShuffle.fromOp(AVX2, i -> (i + 2) % 8);
    private static final jdk.incubator.vector.VectorMask<Float> BIT1 = jdk.incubator.vector.VectorMask.fromLong(AVX2, 0b10101010);
    private static final jdk.incubator.vector.VectorMask<Float> BIT2 = jdk.incubator.vector.VectorMask.fromLong(AVX2, 0b11001100);
    private static final jdk.incubator.vector.VectorMask<Float> BIT4 = jdk.incubator.vector.VectorMask.fromLong(AVX2, 0b11110000);

    /**
     * {@code dst[d0 + p*ds + u] = src[s0 + u*stride + p]} for p, u in [0, 8): eight rows of eight floats transposed, so
     * that each position's eight channels are one vector ({@code ds} floats apart).
     */
    static void transpose8(float[] src, int s0, int stride, float[] dst, int d0, int ds) {
        assert !Gemm.WIDE : "256-bit tile on a 512-bit JVM";
        FloatVector r0 = FloatVector.fromArray(AVX2, src, s0);
        FloatVector r1 = FloatVector.fromArray(AVX2, src, s0 + stride);
        FloatVector r2 = FloatVector.fromArray(AVX2, src, s0 + 2 * stride);
        FloatVector r3 = FloatVector.fromArray(AVX2, src, s0 + 3 * stride);
        FloatVector r4 = FloatVector.fromArray(AVX2, src, s0 + 4 * stride);
        FloatVector r5 = FloatVector.fromArray(AVX2, src, s0 + 5 * stride);
        FloatVector r6 = FloatVector.fromArray(AVX2, src, s0 + 6 * stride);
        FloatVector r7 = FloatVector.fromArray(AVX2, src, s0 + 7 * stride);
        FloatVector t0 = r0.blend(r1.rearrange(UP1), BIT1);
        FloatVector t1 = r0.rearrange(DOWN1).blend(r1, BIT1);
        FloatVector t2 = r2.blend(r3.rearrange(UP1), BIT1);
        FloatVector t3 = r2.rearrange(DOWN1).blend(r3, BIT1);
        FloatVector t4 = r4.blend(r5.rearrange(UP1), BIT1);
        FloatVector t5 = r4.rearrange(DOWN1).blend(r5, BIT1);
        FloatVector t6 = r6.blend(r7.rearrange(UP1), BIT1);
        FloatVector t7 = r6.rearrange(DOWN1).blend(r7, BIT1);
        r0 = t0.blend(t2.rearrange(UP2), BIT2);
        r2 = t0.rearrange(DOWN2).blend(t2, BIT2);
        r1 = t1.blend(t3.rearrange(UP2), BIT2);
        r3 = t1.rearrange(DOWN2).blend(t3, BIT2);
        r4 = t4.blend(t6.rearrange(UP2), BIT2);
        r6 = t4.rearrange(DOWN2).blend(t6, BIT2);
        r5 = t5.blend(t7.rearrange(UP2), BIT2);
        r7 = t5.rearrange(DOWN2).blend(t7, BIT2);
        r0.blend(r4.rearrange(UP4), BIT4).intoArray(dst, d0);
        r1.blend(r5.rearrange(UP4), BIT4).intoArray(dst, d0 + ds);
        r2.blend(r6.rearrange(UP4), BIT4).intoArray(dst, d0 + 2 * ds);
        r3.blend(r7.rearrange(UP4), BIT4).intoArray(dst, d0 + 3 * ds);
        r0.rearrange(UP4).blend(r4, BIT4).intoArray(dst, d0 + 4 * ds);
        r1.rearrange(UP4).blend(r5, BIT4).intoArray(dst, d0 + 5 * ds);
        r2.rearrange(UP4).blend(r6, BIT4).intoArray(dst, d0 + 6 * ds);
        r3.rearrange(UP4).blend(r7, BIT4).intoArray(dst, d0 + 7 * ds);
    }

    // A stride-2 split as one-vector permutes and a blend (JDK 17 compiles the two-vector rearrange poorly): the
    // low half of each result comes from the first vector, the high half from the second.
    private static final jdk.incubator.vector.VectorShuffle<Float> EVENS_LO =
            jdk.incubator.vector.VectorShuffle.fromOp(S, i -> 2 * i % L);
    private static final jdk.incubator.vector.VectorShuffle<Float> ODDS_LO =
            jdk.incubator.vector.VectorShuffle.fromOp(S, i -> (2 * i + 1) % L);
    private static final jdk.incubator.vector.VectorMask<Float> HIGH_HALF =
            jdk.incubator.vector.VectorMask.fromLong(S, (1L << L) - (1L << L / 2));

    /** Whether {@code a[0 .. n)} holds no NaN and no infinity: x * 0 is 0 for every finite x and NaN otherwise. */
    /**
     * A fused epilogue over {@code y[at, at + len)}: {@code act(fma(y, a, b) + res[r + i])} ({@code res} null: no residual),
     * {@code act} 0 identity, 1 relu, 2 relu6; NaN stays NaN (max and min keep it, as Math.max does). The tail takes the
     * same fused multiply-add, so a value does not depend on where a run starts.
     */
    static void epilogue(float[] y, int at, int len, float a, float b, float[] res, int r, int act) {
        FloatVector va = FloatVector.broadcast(S, a);
        FloatVector vb = FloatVector.broadcast(S, b);
        int i = 0;
        int end = len / L * L;
        // one loop per form, chosen before it, so that no vector is merged at a branch and no max or min (six
        // instructions each on AVX-512) runs where the activation has none
        if (res == null && act == 0) {
            for (; i < end; i += L) {
                FloatVector.fromArray(S, y, at + i).fma(va, vb).intoArray(y, at + i);
            }
        } else if (res == null && act == 1) {
            for (; i < end; i += L) {
                FloatVector.fromArray(S, y, at + i).fma(va, vb).max(0f).intoArray(y, at + i);
            }
        } else if (act == 1) {
            for (; i < end; i += L) {
                FloatVector.fromArray(S, y, at + i).fma(va, vb).add(FloatVector.fromArray(S, res, r + i)).max(0f).intoArray(y, at + i);
            }
        } else {
            // relu6, or a residual without relu: the residual (negative zeros where none) and a clamp to [lo, hi]
            float[] rs = res == null ? NEGATIVE_ZEROS : res;
            int step = res == null ? 0 : L;
            FloatVector lo = FloatVector.broadcast(S, act == 0 ? Float.NEGATIVE_INFINITY : 0f);
            FloatVector hi = FloatVector.broadcast(S, act == 2 ? 6f : Float.POSITIVE_INFINITY);
            for (int ri = res == null ? 0 : r; i < end; i += L, ri += step) {
                FloatVector.fromArray(S, y, at + i).fma(va, vb).add(FloatVector.fromArray(S, rs, ri)).max(lo).min(hi).intoArray(y, at + i);
            }
        }
        for (; i < len; i++) {
            float v = Math.fma(y[at + i], a, b);
            if (res != null) {
                v += res[r + i];
            }
            if (act != 0) {
                v = Math.max(v, 0f);
                if (act == 2) {
                    v = Math.min(v, 6f);
                }
            }
            y[at + i] = v;
        }
    }

    /** A vector of negative zeros: what a missing residual adds (it leaves every value's bits as they are). */
    private static final float[] NEGATIVE_ZEROS = filled(-0f);

    /** A vector of zeros and one of ones: what a missing bias or shift adds, and a missing scale multiplies by. */
    private static final float[] ZEROS = filled(0f);
    private static final float[] ONES = filled(1f);

    private static float[] filled(float value) {
        float[] z = new float[L];
        java.util.Arrays.fill(z, value);
        return z;
    }

    /**
     * The epilogue along channels: {@code v[at + i]} holds channel {@code co + i}'s sum (one position) and becomes
     * {@code act(fma(v + bias[co + i], scale[co + i], shift[co + i]))} (a null bias or shift is 0, a null scale 1;
     * {@code act} as {@link #epilogue}), for i &lt; len: per value the operations of {@link #epilogue}, so the same bits.
     */
    static void epilogueChannels(float[] v, int at, int len, float[] bias, float[] scale, float[] shift, int co, int act) {
        // a missing bias or shift reads zeros, a missing scale ones, from a vector of them (index 0 throughout), and each
        // activation has a loop of its own: no vector is merged at a branch
        float[] b = bias == null ? ZEROS : bias;
        float[] a = scale == null ? ONES : scale;
        float[] t = shift == null ? ZEROS : shift;
        int bi = bias == null ? 0 : co;
        int ai = scale == null ? 0 : co;
        int ti = shift == null ? 0 : co;
        int bs = bias == null ? 0 : L;
        int as = scale == null ? 0 : L;
        int ts = shift == null ? 0 : L;
        int i = 0;
        int end = len / L * L;
        if (act == 0) {
            for (; i < end; i += L, bi += bs, ai += as, ti += ts) {
                FloatVector.fromArray(S, v, at + i).add(FloatVector.fromArray(S, b, bi))
                        .fma(FloatVector.fromArray(S, a, ai), FloatVector.fromArray(S, t, ti)).intoArray(v, at + i);
            }
        } else if (act == 1) {
            for (; i < end; i += L, bi += bs, ai += as, ti += ts) {
                FloatVector.fromArray(S, v, at + i).add(FloatVector.fromArray(S, b, bi))
                        .fma(FloatVector.fromArray(S, a, ai), FloatVector.fromArray(S, t, ti)).max(0f).intoArray(v, at + i);
            }
        } else {
            for (; i < end; i += L, bi += bs, ai += as, ti += ts) {
                FloatVector.fromArray(S, v, at + i).add(FloatVector.fromArray(S, b, bi))
                        .fma(FloatVector.fromArray(S, a, ai), FloatVector.fromArray(S, t, ti)).max(0f).min(6f).intoArray(v, at + i);
            }
        }
        for (; i < len; i++) {
            float x = Math.fma(v[at + i] + (bias == null ? 0f : bias[co + i]), scale == null ? 1f : scale[co + i],
                    shift == null ? 0f : shift[co + i]);
            if (act != 0) {
                x = Math.max(x, 0f);
                if (act == 2) {
                    x = Math.min(x, 6f);
                }
            }
            v[at + i] = x;
        }
    }

    /**
     * The epilogue over one position's channels [co, co + len) of a channel-blocked output, {@code v[at ..]}, that hold
     * conv + bias: {@code act(fma(v, scale[co + i], shift[co + i]) + res[r + i])} (a null scale is 1, a null shift 0, a
     * null residual none; {@code act} 0 identity, 1 relu, 2 relu6), per value the operations of {@link Store}'s scalar
     * form; {@code len} a multiple of the vector length. One loop per form: no vector is merged at a branch.
     */
    static void epilogueBlock(float[] v, int at, int len, float[] scale, float[] shift, int co, float[] res, int r, int act) {
        float[] a = scale == null ? ONES : scale;
        float[] t = shift == null ? ZEROS : shift;
        float[] q = res == null ? NEGATIVE_ZEROS : res;
        int ai = scale == null ? 0 : co;
        int ti = shift == null ? 0 : co;
        int qi = res == null ? 0 : r;
        int as = scale == null ? 0 : L;
        int ts = shift == null ? 0 : L;
        int qs = res == null ? 0 : L;
        if (act == 1) {
            for (int i = 0; i < len; i += L, ai += as, ti += ts, qi += qs) {
                FloatVector.fromArray(S, v, at + i).fma(FloatVector.fromArray(S, a, ai), FloatVector.fromArray(S, t, ti))
                        .add(FloatVector.fromArray(S, q, qi)).max(0f).intoArray(v, at + i);
            }
        } else {
            FloatVector lo = FloatVector.broadcast(S, act == 0 ? Float.NEGATIVE_INFINITY : 0f);
            FloatVector hi = FloatVector.broadcast(S, act == 2 ? 6f : Float.POSITIVE_INFINITY);
            for (int i = 0; i < len; i += L, ai += as, ti += ts, qi += qs) {
                FloatVector.fromArray(S, v, at + i).fma(FloatVector.fromArray(S, a, ai), FloatVector.fromArray(S, t, ti))
                        .add(FloatVector.fromArray(S, q, qi)).max(lo).min(hi).intoArray(v, at + i);
            }
        }
    }

    /**
     * Activation {@code f} (other than identity, relu and relu6, which the epilogues apply themselves) over
     * {@code y[at, at + len)} in float32 vector math: the exponential and tanh as the Vector API's (within an ulp or
     * two), erf through erfc's Chebyshev fit (relative error under 1.2e-7). The last values, fewer than a vector, go
     * through a scratch vector, so every value takes the same operations wherever its run starts or ends.
     */
    static void activate(io.github.convcl.spec.Activation f, float slope, float[] y, int at, int len) {
        int full = len / L * L;
        activateVectors(f, slope, y, at, full / L);
        if (full < len) {
            float[] tail = Workspace.get(Workspace.Slot.ACTIVATION_TAIL, L);
            System.arraycopy(y, at + full, tail, 0, len - full);
            activateVectors(f, slope, tail, 0, 1);
            System.arraycopy(tail, 0, y, at + full, len - full);
        }
    }

    /**
     * {@link #activate} over {@code vectors} whole vectors from {@code y[at]}. One loop per activation, each vector
     * loaded, activated and stored in one iteration: no vector crosses a branch or a call.
     */
    private static void activateVectors(io.github.convcl.spec.Activation f, float slope, float[] y, int at, int vectors) {
        int end = at + vectors * L;
        switch (f) {
            case LEAKY_RELU -> {
                for (int i = at; i < end; i += L) {
                    FloatVector x = FloatVector.fromArray(S, y, i);
                    // x >= 0 ? x : x * slope, NaN kept
                    x.blend(x.mul(slope), x.compare(jdk.incubator.vector.VectorOperators.LT, 0f)).intoArray(y, i);
                }
            }
            case SIGMOID -> {
                for (int i = at; i < end; i += L) {
                    FloatVector x = FloatVector.fromArray(S, y, i);
                    FloatVector one = FloatVector.broadcast(S, 1f);
                    one.div(one.add(x.neg().lanewise(jdk.incubator.vector.VectorOperators.EXP))).intoArray(y, i);
                }
            }
            case SILU -> {
                for (int i = at; i < end; i += L) {
                    FloatVector x = FloatVector.fromArray(S, y, i);
                    x.div(x.neg().lanewise(jdk.incubator.vector.VectorOperators.EXP).add(1f)).intoArray(y, i);
                }
            }
            case TANH -> {
                for (int i = at; i < end; i += L) {
                    FloatVector.fromArray(S, y, i).lanewise(jdk.incubator.vector.VectorOperators.TANH).intoArray(y, i);
                }
            }
            case GELU -> {
                for (int i = at; i < end; i += L) {
                    FloatVector x = FloatVector.fromArray(S, y, i);
                    // x / 2 * (1 + erf(x / sqrt 2)) = x / 2 * erfc(-x / sqrt 2); erfc(z) = 2 - erfc(-z) for z < 0
                    FloatVector z = x.mul((float) (1 / Math.sqrt(2))).abs();
                    FloatVector t = FloatVector.broadcast(S, 1f).div(z.mul(0.5f).add(1f));
                    FloatVector p = t.fma(0.17087277f, -0.82215223f);
                    p = p.fma(t, FloatVector.broadcast(S, 1.48851587f));
                    p = p.fma(t, FloatVector.broadcast(S, -1.13520398f));
                    p = p.fma(t, FloatVector.broadcast(S, 0.27886807f));
                    p = p.fma(t, FloatVector.broadcast(S, -0.18628806f));
                    p = p.fma(t, FloatVector.broadcast(S, 0.09678418f));
                    p = p.fma(t, FloatVector.broadcast(S, 0.37409196f));
                    p = p.fma(t, FloatVector.broadcast(S, 1.00002368f));
                    p = p.fma(t, FloatVector.broadcast(S, -1.26551223f));
                    FloatVector e = t.mul(p.sub(z.mul(z)).lanewise(jdk.incubator.vector.VectorOperators.EXP));
                    FloatVector c = e.blend(FloatVector.broadcast(S, 2f).sub(e), x.compare(jdk.incubator.vector.VectorOperators.GT, 0f));
                    x.mul(0.5f).mul(c).intoArray(y, i);
                }
            }
            case HARDSWISH -> {
                for (int i = at; i < end; i += L) {
                    FloatVector x = FloatVector.fromArray(S, y, i);
                    x.mul(x.add(3f).max(0f).min(6f)).div(6f).intoArray(y, i);
                }
            }
            default -> throw new IllegalArgumentException("activation=" + f + " is applied by the epilogues themselves");
        }
    }

    /** {@code d[dOff + i] = max(d[dOff + i], s[sOff + i])} for i &lt; len (NaN kept, as Math.max does). */
    static void maxInto(float[] d, int dOff, float[] s, int sOff, int len) {
        int i = 0;
        for (int last = len - L; i <= last; i += L) {
            FloatVector.fromArray(S, d, dOff + i).max(FloatVector.fromArray(S, s, sOff + i)).intoArray(d, dOff + i);
        }
        for (; i < len; i++) {
            d[dOff + i] = Math.max(d[dOff + i], s[sOff + i]);
        }
    }

    /**
     * The maximum over a window of {@code k} taps, the center tap {@code c} always inside, along positions laid out
     * with a stride: {@code y[yOff + i] = max over taps r with 0 <= at[i] + r - c < extent of x[xOff + i + (r - c) *
     * stride]} for i &lt; n, where {@code at[i]} (a whole number held as a float) is position i's coordinate along the
     * window's axis: a plane's row (stride the row width) or a row's column (stride 1) in a run of whole planes. A tap
     * that leaves the axis is masked, so the run needs no pass over its edges; {@code x} must hold every tap's read of
     * a vector's lanes (the caller keeps the first and last vectors of an array to {@link #windowMaxScalar}). Position
     * i's coordinate is {@code at[atOff + i]}. NaN kept, as Math.max does.
     */
    static void windowMax(float[] x, int xOff, int n, int stride, int k, int c, int extent, float[] at, int atOff, float[] y, int yOff) {
        if (k == 3 && c == 1) {
            windowMax3(x, xOff, n, stride, extent, at, atOff, y, yOff);
            return;
        }
        FloatVector low = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int last = n - L; i <= last; i += L) {
            FloatVector pos = FloatVector.fromArray(S, at, atOff + i);
            FloatVector m = FloatVector.fromArray(S, x, xOff + i);
            // lanes whose tap r lies before the axis's start (r < c) or past its end (r > c) take -inf
            for (int r = 0; r < c; r++) {
                FloatVector v = FloatVector.fromArray(S, x, xOff + i + (r - c) * stride);
                m = m.max(v.blend(low, pos.lt(c - r)));
            }
            for (int r = c + 1; r < k; r++) {
                FloatVector v = FloatVector.fromArray(S, x, xOff + i + (r - c) * stride);
                m = m.max(v.blend(low, pos.compare(jdk.incubator.vector.VectorOperators.GE, extent - (r - c))));
            }
            m.intoArray(y, yOff + i);
        }
        windowMaxScalar(x, xOff, i, n, stride, k, c, extent, at, atOff, y, yOff);
    }

    /** {@link #windowMax} for k = 3, c = 1 (the common window), without the loop over taps the JIT keeps as a loop. */
    static void windowMax3(float[] x, int xOff, int n, int stride, int extent, float[] at, int atOff, float[] y, int yOff) {
        FloatVector low = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        float end = extent - 1;
        for (int last = n - L; i <= last; i += L) {
            FloatVector pos = FloatVector.fromArray(S, at, atOff + i);
            FloatVector m = FloatVector.fromArray(S, x, xOff + i);
            FloatVector a = FloatVector.fromArray(S, x, xOff + i - stride).blend(low, pos.lt(1f));
            FloatVector b = FloatVector.fromArray(S, x, xOff + i + stride).blend(low, pos.compare(jdk.incubator.vector.VectorOperators.GE, end));
            m.max(a).max(b).intoArray(y, yOff + i);
        }
        windowMaxScalar(x, xOff, i, n, stride, 3, 1, extent, at, atOff, y, yOff);
    }

    /** {@link #windowMax} for positions [from, to) one at a time, reading no tap outside the axis. */
    static void windowMaxScalar(float[] x, int xOff, int from, int to, int stride, int k, int c, int extent, float[] at, int atOff,
                                float[] y, int yOff) {
        for (int i = from; i < to; i++) {
            int p = (int) at[atOff + i];
            float m = x[xOff + i];
            for (int r = Math.max(0, c - p); r < Math.min(k, extent - p + c); r++) {
                m = Math.max(m, x[xOff + i + (r - c) * stride]);
            }
            y[yOff + i] = m;
        }
    }

    /**
     * {@code d[dOff + i] = max over j < taps of s[offs[j] + i]} for i &lt; len (one store per output; NaN kept). A length
     * that is not a multiple of {@link #L} ends with one vector over the last L outputs, overlapping the step before (it
     * writes the same values again: {@code d} must not be one of the sources), so that no output is left to a scalar
     * tail; fewer than L outputs one at a time.
     */
    static void maxOf(float[] s, int[] offs, int taps, int len, float[] d, int dOff) {
        if (len < L) {
            for (int i = 0; i < len; i++) {
                float m = s[offs[0] + i];
                for (int j = 1; j < taps; j++) {
                    m = Math.max(m, s[offs[j] + i]);
                }
                d[dOff + i] = m;
            }
            return;
        }
        for (int i = 0, last = len - L; ; i += L) {
            i = Math.min(i, last);
            if (taps == 3) {
                // the common window without the loop over taps, which the JIT keeps as a loop
                FloatVector.fromArray(S, s, offs[0] + i).max(FloatVector.fromArray(S, s, offs[1] + i))
                        .max(FloatVector.fromArray(S, s, offs[2] + i)).intoArray(d, dOff + i);
            } else {
                FloatVector m = FloatVector.fromArray(S, s, offs[0] + i);
                for (int j = 1; j < taps; j++) {
                    m = m.max(FloatVector.fromArray(S, s, offs[j] + i));
                }
                m.intoArray(d, dOff + i);
            }
            if (i == last) {
                return;
            }
        }
    }

    /**
     * {@code d[dst + r*width + i] = max over t < taps of s[src + r*srcStep + t*width + i]} for rows r &lt; rows and
     * i &lt; width: the window rows' maximum of consecutive output rows whose windows start {@code srcStep} apart (a
     * stride-2 pool's interior rows), a vector at a time, each row's last vector overlapping the one before.
     */
    static void maxRows(float[] s, int src, int srcStep, int width, int taps, int rows, float[] d, int dst) {
        if (width < L) {
            // rows narrower than a vector: one vector from each row's start, spilling into the rows after it, which
            // later steps of this call rewrite; where a vector would leave this call's output or s, a value at a time
            for (int r = 0; r < rows; r++) {
                int a = src + r * srcStep;
                int o = dst + r * width;
                if (o + L <= dst + rows * width && a + (taps - 1) * width + L <= s.length) {
                    FloatVector m = FloatVector.fromArray(S, s, a);
                    for (int t = 1; t < taps; t++) {
                        m = m.max(FloatVector.fromArray(S, s, a + t * width));
                    }
                    m.intoArray(d, o);
                    continue;
                }
                for (int i = 0; i < width; i++) {
                    float m = s[a + i];
                    for (int t = 1; t < taps; t++) {
                        m = Math.max(m, s[a + t * width + i]);
                    }
                    d[o + i] = m;
                }
            }
            return;
        }
        for (int r = 0, a = src, o = dst; r < rows; r++, a += srcStep, o += width) {
            for (int i = 0, last = width - L; ; i += L) {
                i = Math.min(i, last);
                FloatVector m = FloatVector.fromArray(S, s, a + i);
                if (taps == 3) {
                    m = m.max(FloatVector.fromArray(S, s, a + width + i)).max(FloatVector.fromArray(S, s, a + 2 * width + i));
                } else {
                    for (int t = 1; t < taps; t++) {
                        m = m.max(FloatVector.fromArray(S, s, a + t * width + i));
                    }
                }
                m.intoArray(d, o + i);
                if (i == last) {
                    break;
                }
            }
        }
    }

    /** {@code y[yOff + i] = max(t[i], ..., t[i + k - 1])} for i &lt; n: a window of k along one run. */
    static void maxWindows(float[] t, int n, int k, float[] y, int yOff) {
        int i = 0;
        for (int last = n - L; i <= last; i += L) {
            FloatVector m = FloatVector.fromArray(S, t, i);
            for (int kx = 1; kx < k; kx++) {
                m = m.max(FloatVector.fromArray(S, t, i + kx));
            }
            m.intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            float m = t[i];
            for (int kx = 1; kx < k; kx++) {
                m = Math.max(m, t[i + kx]);
            }
            y[yOff + i] = m;
        }
    }

    /**
     * Twelve independent multiply-add chains of {@code n} steps each, on registers only (no load, no store): what the
     * core's FMA units deliver, the reference for the register tile's rate ({@link JavaBench#fmaCheckGflops}). Returns
     * a value of every chain, so that none is dead code.
     */
    static float fmaChains(int n, float[] seed) {
        // the operands from the caller's array, so that C2 cannot fold them into the loop
        FloatVector a = FloatVector.fromArray(S, seed, 0);
        FloatVector b = FloatVector.fromArray(S, seed, L);
        FloatVector c0 = a, c1 = b, c2 = a, c3 = b, c4 = a, c5 = b, c6 = a, c7 = b, c8 = a, c9 = b, c10 = a, c11 = b;
        for (int i = 0; i < n; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    static boolean finite(float[] a, int n) {
        return finite(a, 0, n);
    }

    /** Whether {@code a[from, from + n)} holds no NaN and no infinity. */
    static boolean finite(float[] a, int from, int n) {
        FloatVector acc = FloatVector.zero(S);
        FloatVector acc1 = acc;
        int i = from;
        int end = from + n;
        for (int last = end - 2 * L; i <= last; i += 2 * L) {
            acc = acc.add(FloatVector.fromArray(S, a, i).mul(0f));
            acc1 = acc1.add(FloatVector.fromArray(S, a, i + L).mul(0f));
        }
        acc = acc.add(acc1);
        for (int last = end - L; i <= last; i += L) {
            acc = acc.add(FloatVector.fromArray(S, a, i).mul(0f));
        }
        float rest = 0f;
        for (; i < end; i++) {
            rest += a[i] * 0f;
        }
        return rest == 0f && acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD) == 0f;
    }

    /**
     * Splits {@code pairs} pairs of floats at {@code x[src]}: {@code out[even + j] = x[src + 2j]} and {@code out[odd +
     * j] = x[src + 2j + 1]} (a stride-2 row into its two phase rows), {@link #L} pairs per step, the last one
     * overlapping the step before where {@code pairs} is not a multiple of L (it writes the same values again; {@code
     * out} is not {@code x}), so that no pair is left to a scalar tail; fewer than L pairs one at a time. Split rows of
     * 56 columns (28 pairs: one step and 12 scalar pairs before on 512-bit vectors): resnet3x3s2 0.975 of the time, one
     * thread, per call alternated in one JVM (medians of 8 rounds), outputs identical.
     */
    static void deinterleave(float[] x, int src, int pairs, float[] out, int even, int odd) {
        int j = 0;
        if (pairs >= L) {
            for (int last = pairs - L; ; j += L) {
                j = Math.min(j, last);
                FloatVector lo = FloatVector.fromArray(S, x, src + 2 * j);
                FloatVector hi = FloatVector.fromArray(S, x, src + 2 * j + L);
                lo.rearrange(EVENS_LO).blend(hi.rearrange(EVENS_LO), HIGH_HALF).intoArray(out, even + j);
                lo.rearrange(ODDS_LO).blend(hi.rearrange(ODDS_LO), HIGH_HALF).intoArray(out, odd + j);
                if (j == last) {
                    return;
                }
            }
        }
        for (; j + L <= pairs; j += L) {
            FloatVector lo = FloatVector.fromArray(S, x, src + 2 * j);
            FloatVector hi = FloatVector.fromArray(S, x, src + 2 * j + L);
            lo.rearrange(EVENS_LO).blend(hi.rearrange(EVENS_LO), HIGH_HALF).intoArray(out, even + j);
            lo.rearrange(ODDS_LO).blend(hi.rearrange(ODDS_LO), HIGH_HALF).intoArray(out, odd + j);
        }
        for (; j < pairs; j++) {
            out[even + j] = x[src + 2 * j];
            out[odd + j] = x[src + 2 * j + 1];
        }
    }

    /**
     * The copies of one input plane (rows of {@code width}, {@code len} positions) that {@link #depthwiseFlat3x3} reads,
     * in {@code xb[0, 3 * (len + 2 * width + 2))}: each copy between runs of {@code width + 1} zeros (written once per
     * buffer with {@code borders}, as no copy writes over them); in the second copy the last column of every row is
     * zero (what the left taps read), in the third the first column (what the right taps read).
     */
    static void flatCopies(float[] x, int src, float[] xb, int width, int len, boolean borders) {
        int seg = len + 2 * width + 2;
        for (int k = 0; k < 3; k++) {
            int at = k * seg;
            if (borders) {
                java.util.Arrays.fill(xb, at, at + width + 1, 0f);
                java.util.Arrays.fill(xb, at + width + 1 + len, at + seg, 0f);
            }
            System.arraycopy(x, src, xb, at + width + 1, len);
        }
        for (int row = 0; row < len; row += width) {
            xb[seg + width + 1 + row + width - 1] = 0f;
            xb[2 * seg + width + 1 + row] = 0f;
        }
    }

    /**
     * A 3x3 depthwise output plane (stride 1, dilation 1, one zero of padding on every side) of any row width, taken as
     * one run of {@code len} positions (at least {@link #L}) from the copies of the input plane that {@link #flatCopies}
     * wrote to {@code xb}: the middle taps read the plane itself, the left taps the copy whose rows end in a zero and
     * the right taps the copy whose rows start with one, so the left tap of a row's first position and the right tap
     * of its last read zeros where the run holds the neighbouring row's end (the rows above the first and below the
     * last are the zeros around each copy). No mask per step: each sum is the same as with zero columns. The output
     * plane {@code y[dst, dst + len)} is written in steps of L, the last one ending at its end. The weights and the bias
     * stay in registers over the whole plane. A fused epilogue comes folded ({@link Store#fold}): each weight is taken
     * times {@code scale} (1 without one), {@code bias} is already the folded bias, and a relu ({@code act} 1) or relu6
     * (2) is applied before the store, so no operation per output is left beyond the activation.
     */
    static void depthwiseFlat3x3(float[] xb, float[] w, int wOff, float scale, float bias, int act, float[] y, int dst,
                                 int width, int len) {
        FloatVector w0 = FloatVector.broadcast(S, w[wOff] * scale);
        FloatVector w1 = FloatVector.broadcast(S, w[wOff + 1] * scale);
        FloatVector w2 = FloatVector.broadcast(S, w[wOff + 2] * scale);
        FloatVector w3 = FloatVector.broadcast(S, w[wOff + 3] * scale);
        FloatVector w4 = FloatVector.broadcast(S, w[wOff + 4] * scale);
        FloatVector w5 = FloatVector.broadcast(S, w[wOff + 5] * scale);
        FloatVector w6 = FloatVector.broadcast(S, w[wOff + 6] * scale);
        FloatVector w7 = FloatVector.broadcast(S, w[wOff + 7] * scale);
        FloatVector w8 = FloatVector.broadcast(S, w[wOff + 8] * scale);
        FloatVector b = FloatVector.broadcast(S, bias);
        int seg = len + 2 * width + 2;
        int last = len - L;
        for (int p = 0; ; p += L) {
            p = Math.min(p, last);
            int c = width + 1 + p;
            int l = seg + c - 1;
            int r = 2 * seg + c + 1;
            FloatVector a = w0.fma(FloatVector.fromArray(S, xb, l - width), b);
            FloatVector e = w1.mul(FloatVector.fromArray(S, xb, c - width));
            a = w2.fma(FloatVector.fromArray(S, xb, r - width), a);
            e = w3.fma(FloatVector.fromArray(S, xb, l), e);
            a = w4.fma(FloatVector.fromArray(S, xb, c), a);
            e = w5.fma(FloatVector.fromArray(S, xb, r), e);
            a = w6.fma(FloatVector.fromArray(S, xb, l + width), a);
            e = w7.fma(FloatVector.fromArray(S, xb, c + width), e);
            a = w8.fma(FloatVector.fromArray(S, xb, r + width), a);
            activate(a.add(e), act).intoArray(y, dst + p);
            if (p == last) {
                break;
            }
        }
    }

    /** relu (1) or relu6 (2) of a vector; anything else leaves it as it is. */
    private static FloatVector activate(FloatVector v, int act) {
        if (act == 1) {
            return v.max(0f);
        }
        return act == 2 ? v.max(0f).min(6f) : v;
    }

    /** {@link #activate(FloatVector, int)} of one value. */
    private static float activate(float v, int act) {
        if (act == 1) {
            return Math.max(v, 0f);
        }
        return act == 2 ? Math.min(Math.max(v, 0f), 6f) : v;
    }

    /**
     * Nine-tap depthwise straight into {@code height} output rows: {@code y[dst + r*width + q] = bias + sum_t w[wOff +
     * t] * x[base + r*rowStride + q + offs[t]]} for q in [0, width), the weights held in registers over all the rows
     * (no intermediate buffer to copy from); a fused epilogue folded as in {@link #depthwiseFlat3x3} ({@code act(bias +
     * sum_t (w[t] * scale) * x[..])}); {@code width} at least {@link #L}, so no row has a scalar tail.
     */
    static void depthwiseRows9(float[] x, int base, int rowStride, int[] offs, float[] w, int wOff, float scale, float bias,
                               int act, float[] y, int dst, int width, int height) {
        FloatVector w0 = FloatVector.broadcast(S, w[wOff] * scale);
        FloatVector w1 = FloatVector.broadcast(S, w[wOff + 1] * scale);
        FloatVector w2 = FloatVector.broadcast(S, w[wOff + 2] * scale);
        FloatVector w3 = FloatVector.broadcast(S, w[wOff + 3] * scale);
        FloatVector w4 = FloatVector.broadcast(S, w[wOff + 4] * scale);
        FloatVector w5 = FloatVector.broadcast(S, w[wOff + 5] * scale);
        FloatVector w6 = FloatVector.broadcast(S, w[wOff + 6] * scale);
        FloatVector w7 = FloatVector.broadcast(S, w[wOff + 7] * scale);
        FloatVector w8 = FloatVector.broadcast(S, w[wOff + 8] * scale);
        FloatVector b = FloatVector.broadcast(S, bias);
        int last = width - L;
        for (int r = 0; r < height; r++) {
            int row = base + r * rowStride;
            int out = dst + r * width;
            // L columns a step, the last step ending at the row's end (overlapping the one before it, the same values
            // written twice)
            for (int q = 0; ; q += L) {
                q = Math.min(q, last);
                int p = row + q;
                FloatVector a = w0.fma(FloatVector.fromArray(S, x, p + offs[0]), b);
                FloatVector c = w1.mul(FloatVector.fromArray(S, x, p + offs[1]));
                a = w2.fma(FloatVector.fromArray(S, x, p + offs[2]), a);
                c = w3.fma(FloatVector.fromArray(S, x, p + offs[3]), c);
                a = w4.fma(FloatVector.fromArray(S, x, p + offs[4]), a);
                c = w5.fma(FloatVector.fromArray(S, x, p + offs[5]), c);
                a = w6.fma(FloatVector.fromArray(S, x, p + offs[6]), a);
                c = w7.fma(FloatVector.fromArray(S, x, p + offs[7]), c);
                a = w8.fma(FloatVector.fromArray(S, x, p + offs[8]), a);
                activate(a.add(c), act).intoArray(y, out + q);
                if (q == last) {
                    break;
                }
            }
        }
    }

    /**
     * One filter over a run of positions: {@code out[p] = act(bias + sum_t (w[wOff + t] * scale) * x[base + p +
     * offs[t]])} for p in [0, len) (a fused epilogue folded as in {@link #depthwiseFlat3x3}: {@code scale} 1 and
     * {@code act} 0 without one), {@link #L} positions per step, the taps summed in a register (depthwise convolution
     * on a padded plane); a run of at least L has no scalar tail.
     */
    static void depthwiseSpan(float[] x, int base, int[] offs, float[] w, int wOff, float scale, float bias, int act, float[] out,
                              int len) {
        int taps = offs.length;
        FloatVector b = FloatVector.broadcast(S, bias);
        int p = 0;
        for (int last = len - L; len >= L; p += L) {
            p = Math.min(p, last); // the last step ends at len, overlapping the one before (as depthwiseRows9)
            FloatVector acc = b;
            for (int t = 0; t < taps; t++) {
                acc = FloatVector.broadcast(S, w[wOff + t] * scale).fma(FloatVector.fromArray(S, x, base + p + offs[t]), acc);
            }
            activate(acc, act).intoArray(out, p);
            if (p == last) {
                p = len;
                break;
            }
        }
        for (; p < len; p++) {
            float acc = bias;
            for (int t = 0; t < taps; t++) {
                acc = Math.fma(w[wOff + t] * scale, x[base + p + offs[t]], acc);
            }
            out[p] = activate(acc, act);
        }
    }

    /**
     * A grad_weight tile of four columns by two vectors of output channels whose input runs are read in place ({@link
     * WeightTaps}): {@code c[ci + r*2L + o] += sum_q x[x_r + q] * b[bi + q*2L + o]} for q in [0, k), r in [0, 4). Four
     * columns, not six: the JIT loads every broadcast of a step before its FMAs, and eight accumulators, two vectors of
     * b and four broadcasts fit the sixteen AVX2 registers (six columns spill accumulators to the stack).
     */
    static void tapTile4x2(int k, float[] x, int x0, int x1, int x2, int x3, float[] b, int bi, float[] c, int ci) {
        int w = 2 * L;
        FloatVector c00 = FloatVector.fromArray(S, c, ci);
        FloatVector c01 = FloatVector.fromArray(S, c, ci + L);
        FloatVector c10 = FloatVector.fromArray(S, c, ci + w);
        FloatVector c11 = FloatVector.fromArray(S, c, ci + w + L);
        FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * w);
        FloatVector c21 = FloatVector.fromArray(S, c, ci + 2 * w + L);
        FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * w);
        FloatVector c31 = FloatVector.fromArray(S, c, ci + 3 * w + L);
        // the loop counts the first column's index; the others are at fixed distances (fewer live registers)
        int d1 = x1 - x0;
        int d2 = x2 - x0;
        int d3 = x3 - x0;
        for (int i = x0, end = x0 + k, bq = bi; i < end; i++, bq += w) {
            FloatVector b0 = FloatVector.fromArray(S, b, bq);
            FloatVector b1 = FloatVector.fromArray(S, b, bq + L);
            FloatVector a = FloatVector.broadcast(S, x[i]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, x[i + d1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, x[i + d2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, x[i + d3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + w);
        c11.intoArray(c, ci + w + L);
        c20.intoArray(c, ci + 2 * w);
        c21.intoArray(c, ci + 2 * w + L);
        c30.intoArray(c, ci + 3 * w);
        c31.intoArray(c, ci + 3 * w + L);
    }

    /** A tile of six columns by one vector of output channels, as {@link #tapTile4x2}: {@code c[ci + r*L + o]}, {@code b[bi + q*L + o]}. */
    static void tapTile6x1(int k, float[] x, int x0, int x1, int x2, int x3, int x4, int x5, float[] b, int bi, float[] c, int ci) {
        FloatVector c0 = FloatVector.fromArray(S, c, ci);
        FloatVector c1 = FloatVector.fromArray(S, c, ci + L);
        FloatVector c2 = FloatVector.fromArray(S, c, ci + 2 * L);
        FloatVector c3 = FloatVector.fromArray(S, c, ci + 3 * L);
        FloatVector c4 = FloatVector.fromArray(S, c, ci + 4 * L);
        FloatVector c5 = FloatVector.fromArray(S, c, ci + 5 * L);
        int d1 = x1 - x0;
        int d2 = x2 - x0;
        int d3 = x3 - x0;
        int d4 = x4 - x0;
        int d5 = x5 - x0;
        for (int i = x0, end = x0 + k, bq = bi; i < end; i++, bq += L) {
            FloatVector b0 = FloatVector.fromArray(S, b, bq);
            c0 = FloatVector.broadcast(S, x[i]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, x[i + d1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, x[i + d2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, x[i + d3]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, x[i + d4]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, x[i + d5]).fma(b0, c5);
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + L);
        c2.intoArray(c, ci + 2 * L);
        c3.intoArray(c, ci + 3 * L);
        c4.intoArray(c, ci + 4 * L);
        c5.intoArray(c, ci + 5 * L);
    }

    /**
     * A grad_weight tile of four grad_output rows by three input panels ({@link WeightTaps}' input panels): {@code
     * c[ci + (r*3 + j)*L + l] += sum_q y[y_r + q] * x[x_j + q*L + l]} for q in [0, k), r in [0, 4), j in [0, 3). The
     * three panels are one group's channels at three taps, so each position's three vector loads and four broadcasts
     * feed twelve FMAs into twelve accumulators, more chains than the FMA latency needs.
     */
    static void panelTile4x3(int k, float[] y, int y0, int y1, int y2, int y3, float[] x, int x0, int x1, int x2, float[] c, int ci) {
        FloatVector c00 = FloatVector.fromArray(S, c, ci);
        FloatVector c01 = FloatVector.fromArray(S, c, ci + L);
        FloatVector c02 = FloatVector.fromArray(S, c, ci + 2 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, ci + 3 * L);
        FloatVector c11 = FloatVector.fromArray(S, c, ci + 4 * L);
        FloatVector c12 = FloatVector.fromArray(S, c, ci + 5 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, ci + 6 * L);
        FloatVector c21 = FloatVector.fromArray(S, c, ci + 7 * L);
        FloatVector c22 = FloatVector.fromArray(S, c, ci + 8 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, ci + 9 * L);
        FloatVector c31 = FloatVector.fromArray(S, c, ci + 10 * L);
        FloatVector c32 = FloatVector.fromArray(S, c, ci + 11 * L);
        int e1 = x1 - x0;
        int e2 = x2 - x0;
        int d1 = y1 - y0;
        int d2 = y2 - y0;
        int d3 = y3 - y0;
        for (int q = y0, end = y0 + k, i = x0; q < end; q++, i += L) {
            FloatVector a0 = FloatVector.fromArray(S, x, i);
            FloatVector a1 = FloatVector.fromArray(S, x, i + e1);
            FloatVector a2 = FloatVector.fromArray(S, x, i + e2);
            FloatVector g = FloatVector.broadcast(S, y[q]);
            c00 = g.fma(a0, c00);
            c01 = g.fma(a1, c01);
            c02 = g.fma(a2, c02);
            g = FloatVector.broadcast(S, y[q + d1]);
            c10 = g.fma(a0, c10);
            c11 = g.fma(a1, c11);
            c12 = g.fma(a2, c12);
            g = FloatVector.broadcast(S, y[q + d2]);
            c20 = g.fma(a0, c20);
            c21 = g.fma(a1, c21);
            c22 = g.fma(a2, c22);
            g = FloatVector.broadcast(S, y[q + d3]);
            c30 = g.fma(a0, c30);
            c31 = g.fma(a1, c31);
            c32 = g.fma(a2, c32);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c02.intoArray(c, ci + 2 * L);
        c10.intoArray(c, ci + 3 * L);
        c11.intoArray(c, ci + 4 * L);
        c12.intoArray(c, ci + 5 * L);
        c20.intoArray(c, ci + 6 * L);
        c21.intoArray(c, ci + 7 * L);
        c22.intoArray(c, ci + 8 * L);
        c30.intoArray(c, ci + 9 * L);
        c31.intoArray(c, ci + 10 * L);
        c32.intoArray(c, ci + 11 * L);
    }

    /**
     * {@code lanes[li + l] += sum over i = l (mod L) of a[ai + i] * b[bi + i]} for the whole vectors of {@code n}; returns
     * how many elements that covered (the caller adds the tail).
     */
    static int fmaLanes(float[] a, int ai, float[] b, int bi, int n, float[] lanes, int li) {
        int full = n - n % L;
        if (full == 0) {
            return 0;
        }
        FloatVector acc = FloatVector.fromArray(S, lanes, li);
        for (int i = 0; i < full; i += L) {
            acc = FloatVector.fromArray(S, a, ai + i).fma(FloatVector.fromArray(S, b, bi + i), acc);
        }
        acc.intoArray(lanes, li);
        return full;
    }

    /**
     * Three grad_output rows against three unfolded input rows of a weight gradient, over one output row: the nine lane
     * accumulators at {@code li} ({@code [o][j]}, L lanes each) {@code +=} gy at {@code g + o * gs + i} times x at
     * {@code x_j + i}, for columns i in [0, n) (a multiple of L). One loop per call: with a loop nest around the vector
     * calls JDK 17's C2 boxes every vector (measured: 100 MB per grad_weight call).
     */
    static void block3x3(float[] gy, int g, int gs, float[] x, int x0, int x1, int x2, int n, float[] lanes, int li) {
        FloatVector a00 = FloatVector.fromArray(S, lanes, li);
        FloatVector a01 = FloatVector.fromArray(S, lanes, li + L);
        FloatVector a02 = FloatVector.fromArray(S, lanes, li + 2 * L);
        FloatVector a10 = FloatVector.fromArray(S, lanes, li + 3 * L);
        FloatVector a11 = FloatVector.fromArray(S, lanes, li + 4 * L);
        FloatVector a12 = FloatVector.fromArray(S, lanes, li + 5 * L);
        FloatVector a20 = FloatVector.fromArray(S, lanes, li + 6 * L);
        FloatVector a21 = FloatVector.fromArray(S, lanes, li + 7 * L);
        FloatVector a22 = FloatVector.fromArray(S, lanes, li + 8 * L);
        for (int i = 0; i < n; i += L) {
            FloatVector v0 = FloatVector.fromArray(S, x, x0 + i);
            FloatVector v1 = FloatVector.fromArray(S, x, x1 + i);
            FloatVector v2 = FloatVector.fromArray(S, x, x2 + i);
            FloatVector y = FloatVector.fromArray(S, gy, g + i);
            a00 = y.fma(v0, a00);
            a01 = y.fma(v1, a01);
            a02 = y.fma(v2, a02);
            y = FloatVector.fromArray(S, gy, g + gs + i);
            a10 = y.fma(v0, a10);
            a11 = y.fma(v1, a11);
            a12 = y.fma(v2, a12);
            y = FloatVector.fromArray(S, gy, g + 2 * gs + i);
            a20 = y.fma(v0, a20);
            a21 = y.fma(v1, a21);
            a22 = y.fma(v2, a22);
        }
        a00.intoArray(lanes, li);
        a01.intoArray(lanes, li + L);
        a02.intoArray(lanes, li + 2 * L);
        a10.intoArray(lanes, li + 3 * L);
        a11.intoArray(lanes, li + 4 * L);
        a12.intoArray(lanes, li + 5 * L);
        a20.intoArray(lanes, li + 6 * L);
        a21.intoArray(lanes, li + 7 * L);
        a22.intoArray(lanes, li + 8 * L);
    }

    /** {@link #block3x3} with one grad_output row: the three accumulators at {@code li}. */
    static void block1x3(float[] gy, int g, float[] x, int x0, int x1, int x2, int n, float[] lanes, int li) {
        FloatVector a0 = FloatVector.fromArray(S, lanes, li);
        FloatVector a1 = FloatVector.fromArray(S, lanes, li + L);
        FloatVector a2 = FloatVector.fromArray(S, lanes, li + 2 * L);
        for (int i = 0; i < n; i += L) {
            FloatVector y = FloatVector.fromArray(S, gy, g + i);
            a0 = y.fma(FloatVector.fromArray(S, x, x0 + i), a0);
            a1 = y.fma(FloatVector.fromArray(S, x, x1 + i), a1);
            a2 = y.fma(FloatVector.fromArray(S, x, x2 + i), a2);
        }
        a0.intoArray(lanes, li);
        a1.intoArray(lanes, li + L);
        a2.intoArray(lanes, li + 2 * L);
    }
}
