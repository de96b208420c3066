// The Vector API forms of the Winograd F(4,3) and F(2,3) tile transforms: one tile per vector lane (8 or 16 tiles).
package io.github.convcl.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link JavaWinograd.Transforms}' one-dimensional transforms on six points (F(4,3)), four (F(2,3)) or five (F(2,3) at
 * stride 2) of {@link #L} tiles each (the lanes of {@link VectorGemm#S}, the JVM's one vector width), point i at
 * {@code v[o + i*s]} ({@code L} floats). Only loaded when {@code jdk.incubator.vector} is resolved.
 */
final class VectorWinograd {
    private static final VectorSpecies<Float> S = VectorGemm.S;
    /** Tiles per vector: {@link JavaWinograd#LANES}. */
    private static final int L = JavaWinograd.LANES;
    /** FROM[k]: lanes k to L - 1. */
    @SuppressWarnings("unchecked")
    private static final VectorMask<Float>[] FROM = new VectorMask[L + 1];

    /**
     * COLUMNS[ay][ax]: the offsets of one column of ay x ax points in a block of L tiles (point (a, b) at (a*ax + b)*L),
     * from its top, for 4 to 6 points a dimension (a strided dimension's 5 beside an unstrided one's 4 or 6).
     */
    private static final int[][][] COLUMNS = new int[7][7][];
    /** Lanes 0 to L/2 - 1, each twice: 0 0 1 1 2 2 ... */
    private static final VectorShuffle<Float> LOW = VectorShuffle.fromOp(S, i -> i / 2);
    /** Lanes L/2 to L - 1, each twice. */
    private static final VectorShuffle<Float> HIGH = VectorShuffle.fromOp(S, i -> L / 2 + i / 2);
    /** The odd lanes. */
    private static final VectorMask<Float> ODD = VectorMask.fromLong(S, 0xAAAAAAAAL & ((1L << L) - 1));

    static {
        for (int ay = 4; ay <= 6; ay++) {
            for (int ax = 4; ax <= 6; ax++) {
                COLUMNS[ay][ax] = new int[ay];
                for (int a = 0; a < ay; a++) {
                    COLUMNS[ay][ax][a] = a * ax * L;
                }
            }
        }
        for (int k = 0; k <= L; k++) {
            FROM[k] = VectorMask.fromLong(S, ((1L << L) - 1) & -(1L << k));
        }
    }

    private VectorWinograd() {
    }

    /**
     * The input transform of one channel's L tiles side by side, read from the split layout (or a block of blended
     * points) and written to the packed panels: point p of tile t is {@code xs[base + pointOff[p] + t]}; V point p goes
     * to {@code v[dst + p*vStride]} (L floats). {@code t} holds E x L floats.
     * <p>
     * No method here takes or returns a vector: one the JIT leaves out of line is boxed, and large methods of Vector API
     * calls leave some out of line once other shapes have shaped the profile (measured: 3.2-3.4 MB a call on resnet3x3
     * in some full test runs), so each method keeps its vectors local and stays small.
     */
    static void inputTiles(int ay, int ax, int[] pointOff, float[] xs, int base, float[] v, int dst, int vStride, float[] t) {
        if (ay == 1 || ax == 1) {
            // One dimension: the points in a row (or a column), one transform.
            inputPoints(ay * ax, xs, base, pointOff, 0, v, dst, vStride);
            return;
        }
        for (int a = 0; a < ay; a++) {
            inputPoints(ax, xs, base, pointOff, a * ax, t, a * ax * L, L);
        }
        int[] column = COLUMNS[ay][ax];
        for (int b = 0; b < ax; b++) {
            inputPoints(ay, t, b * L, column, 0, v, dst + b * vStride, ax * vStride);
        }
    }

    /** {@link #inputPoints6}, {@link #inputPoints5} or {@link #inputPoints4}, as {@code points} says. */
    private static void inputPoints(int points, float[] xs, int base, int[] pointOff, int p0, float[] out, int o, int os) {
        if (points == 6) {
            inputPoints6(xs, base, pointOff, p0, out, o, os);
        } else if (points == 5) {
            inputPoints5(xs, base, pointOff, p0, out, o, os);
        } else {
            inputPoints4(xs, base, pointOff, p0, out, o, os);
        }
    }

    /** Five points p0 to p0 + 4 from {@code xs[base]}, transformed (F(2,3) at stride 2), to {@code out[o + i*os]}. */
    private static void inputPoints5(float[] xs, int base, int[] pointOff, int p0, float[] out, int o, int os) {
        FloatVector d0 = FloatVector.fromArray(S, xs, base + pointOff[p0]);
        FloatVector d1 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 1]);
        FloatVector d2 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 2]);
        FloatVector d3 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 3]);
        FloatVector d4 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 4]);
        d0.sub(d2).intoArray(out, o);
        d2.intoArray(out, o + os);
        d4.sub(d2).intoArray(out, o + 2 * os);
        d1.intoArray(out, o + 3 * os);
        d3.intoArray(out, o + 4 * os);
    }

    /** Four points p0 to p0 + 3 from {@code xs[base]}, transformed (F(2,3)'s B^T), to {@code out[o + i*os]}. */
    private static void inputPoints4(float[] xs, int base, int[] pointOff, int p0, float[] out, int o, int os) {
        FloatVector d0 = FloatVector.fromArray(S, xs, base + pointOff[p0]);
        FloatVector d1 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 1]);
        FloatVector d2 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 2]);
        FloatVector d3 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 3]);
        d0.sub(d2).intoArray(out, o);
        d1.add(d2).intoArray(out, o + os);
        d2.sub(d1).intoArray(out, o + 2 * os);
        d1.sub(d3).intoArray(out, o + 3 * os);
    }

    /**
     * Tiles from two rows: point p's lanes from {@code xs[base + pointOff[p]]}, those at k and above from
     * {@code xs[second + pointOff[p]]}, blended into {@code out[p*L]} for the e points.
     */
    static void blendPoints(float[] xs, int base, int second, int k, int[] pointOff, int e, float[] out) {
        VectorMask<Float> from = FROM[k];
        for (int p = 0; p < e; p++) {
            FloatVector.fromArray(S, xs, base + pointOff[p]).blend(FloatVector.fromArray(S, xs, second + pointOff[p]), from)
                    .intoArray(out, p * L);
        }
    }

    /** Six points p0 to p0 + 5 (offsets from pointOff) from {@code xs[base]}, transformed, to {@code out[o + i*os]}. */
    private static void inputPoints6(float[] xs, int base, int[] pointOff, int p0, float[] out, int o, int os) {
        FloatVector d0 = FloatVector.fromArray(S, xs, base + pointOff[p0]);
        FloatVector d1 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 1]);
        FloatVector d2 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 2]);
        FloatVector d3 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 3]);
        FloatVector d4 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 4]);
        FloatVector d5 = FloatVector.fromArray(S, xs, base + pointOff[p0 + 5]);
        FloatVector sum12 = d1.add(d2);
        FloatVector dif12 = d1.sub(d2);
        FloatVector dif31 = d3.sub(d1);
        FloatVector dif42 = d4.sub(d2);
        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(out, o);
        d3.add(d4).sub(sum12.mul(4f)).intoArray(out, o + os);
        d4.sub(d3).add(dif12.mul(4f)).intoArray(out, o + 2 * os);
        dif42.add(dif31.mul(2f)).intoArray(out, o + 3 * os);
        dif42.sub(dif31.mul(2f)).intoArray(out, o + 4 * os);
        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(out, o + 5 * os);
    }

    /**
     * The output transform of one output channel's L tiles: point p of the products at {@code prod[src + p*yStride]}
     * (L floats); output (i, j) plus {@code bias} goes to {@code t[(i*ax + j)*L]}.
     */
    static void outputTiles(int ay, int ax, float[] prod, int src, int yStride, float bias, float[] t, boolean relu) {
        if (ay == 1 || ax == 1) {
            if (relu) {
                outputPointsRelu(ay * ax, prod, src, yStride, t, 0, L, bias);
            } else {
                outputPoints(ay * ax, prod, src, yStride, t, 0, L, bias);
            }
            return;
        }
        for (int a = 0; a < ay; a++) {
            outputPoints(ax, prod, src + a * ax * yStride, yStride, t, a * ax * L, L, 0f);
        }
        int outputs = JavaWinograd.outputs(ax);
        if (relu) {
            for (int b = 0; b < outputs; b++) {
                outputPointsRelu(ay, t, b * L, ax * L, t, b * L, ax * L, bias);
            }
            return;
        }
        for (int b = 0; b < outputs; b++) {
            outputPoints(ay, t, b * L, ax * L, t, b * L, ax * L, bias);
        }
    }

    /** {@link #outputPoints6}, {@link #outputPoints5} or {@link #outputPoints4}, as {@code points} says. */
    private static void outputPoints(int points, float[] in, int o, int s, float[] out, int d, int ds, float bias) {
        if (points == 6) {
            outputPoints6(in, o, s, out, d, ds, bias);
        } else if (points == 5) {
            outputPoints5(in, o, s, out, d, ds, bias);
        } else {
            outputPoints4(in, o, s, out, d, ds, bias);
        }
    }

    /**
     * {@link #outputPoints} with each output stored as {@code max(v, 0)}: its own methods, so that the transform
     * without a relu carries no test per store (a flag tested per store cost the bare resnet3x3 3-5%).
     */
    private static void outputPointsRelu(int points, float[] in, int o, int s, float[] out, int d, int ds, float bias) {
        if (points == 6) {
            outputPoints6Relu(in, o, s, out, d, ds, bias);
        } else if (points == 5) {
            outputPoints5Relu(in, o, s, out, d, ds, bias);
        } else {
            outputPoints4Relu(in, o, s, out, d, ds, bias);
        }
    }

    /** Five points {@code in[o + i*s]} become two outputs (F(2,3) at stride 2) plus {@code bias} at {@code out[d + i*ds]}. */
    private static void outputPoints5(float[] in, int o, int s, float[] out, int d, int ds, float bias) {
        FloatVector m0 = FloatVector.fromArray(S, in, o);
        FloatVector m1 = FloatVector.fromArray(S, in, o + s);
        FloatVector m2 = FloatVector.fromArray(S, in, o + 2 * s);
        FloatVector m3 = FloatVector.fromArray(S, in, o + 3 * s);
        FloatVector m4 = FloatVector.fromArray(S, in, o + 4 * s);
        m0.add(m1).add(m3).add(bias).intoArray(out, d);
        m1.add(m2).add(m4).add(bias).intoArray(out, d + ds);
    }

    /** {@link #outputPoints5}, each output's relu stored. */
    private static void outputPoints5Relu(float[] in, int o, int s, float[] out, int d, int ds, float bias) {
        FloatVector m0 = FloatVector.fromArray(S, in, o);
        FloatVector m1 = FloatVector.fromArray(S, in, o + s);
        FloatVector m2 = FloatVector.fromArray(S, in, o + 2 * s);
        FloatVector m3 = FloatVector.fromArray(S, in, o + 3 * s);
        FloatVector m4 = FloatVector.fromArray(S, in, o + 4 * s);
        m0.add(m1).add(m3).add(bias).max(0f).intoArray(out, d);
        m1.add(m2).add(m4).add(bias).max(0f).intoArray(out, d + ds);
    }

    /** Four points {@code in[o + i*s]} become two outputs (F(2,3)'s A^T) plus {@code bias} at {@code out[d + i*ds]}. */
    private static void outputPoints4(float[] in, int o, int s, float[] out, int d, int ds, float bias) {
        FloatVector m0 = FloatVector.fromArray(S, in, o);
        FloatVector m1 = FloatVector.fromArray(S, in, o + s);
        FloatVector m2 = FloatVector.fromArray(S, in, o + 2 * s);
        FloatVector m3 = FloatVector.fromArray(S, in, o + 3 * s);
        m0.add(m1).add(m2).add(bias).intoArray(out, d);
        m1.sub(m2).sub(m3).add(bias).intoArray(out, d + ds);
    }

    /** {@link #outputPoints4}, each output's relu stored. */
    private static void outputPoints4Relu(float[] in, int o, int s, float[] out, int d, int ds, float bias) {
        FloatVector m0 = FloatVector.fromArray(S, in, o);
        FloatVector m1 = FloatVector.fromArray(S, in, o + s);
        FloatVector m2 = FloatVector.fromArray(S, in, o + 2 * s);
        FloatVector m3 = FloatVector.fromArray(S, in, o + 3 * s);
        m0.add(m1).add(m2).add(bias).max(0f).intoArray(out, d);
        m1.sub(m2).sub(m3).add(bias).max(0f).intoArray(out, d + ds);
    }

    /** Six points {@code in[o + i*s]} become four outputs plus {@code bias} at {@code out[d + i*ds]}. */
    private static void outputPoints6(float[] in, int o, int s, float[] out, int d, int ds, float bias) {
        FloatVector m0 = FloatVector.fromArray(S, in, o);
        FloatVector m1 = FloatVector.fromArray(S, in, o + s);
        FloatVector m2 = FloatVector.fromArray(S, in, o + 2 * s);
        FloatVector m3 = FloatVector.fromArray(S, in, o + 3 * s);
        FloatVector m4 = FloatVector.fromArray(S, in, o + 4 * s);
        FloatVector m5 = FloatVector.fromArray(S, in, o + 5 * s);
        FloatVector a = m1.add(m2);
        FloatVector b = m1.sub(m2);
        FloatVector c = m3.add(m4);
        FloatVector dd = m3.sub(m4);
        m0.add(a).add(c).add(bias).intoArray(out, d);
        b.add(dd.mul(2f)).add(bias).intoArray(out, d + ds);
        a.add(c.mul(4f)).add(bias).intoArray(out, d + 2 * ds);
        b.add(dd.mul(8f)).add(m5).add(bias).intoArray(out, d + 3 * ds);
    }

    /** {@link #outputPoints6}, each output's relu stored. */
    private static void outputPoints6Relu(float[] in, int o, int s, float[] out, int d, int ds, float bias) {
        FloatVector m0 = FloatVector.fromArray(S, in, o);
        FloatVector m1 = FloatVector.fromArray(S, in, o + s);
        FloatVector m2 = FloatVector.fromArray(S, in, o + 2 * s);
        FloatVector m3 = FloatVector.fromArray(S, in, o + 3 * s);
        FloatVector m4 = FloatVector.fromArray(S, in, o + 4 * s);
        FloatVector m5 = FloatVector.fromArray(S, in, o + 5 * s);
        FloatVector a = m1.add(m2);
        FloatVector b = m1.sub(m2);
        FloatVector c = m3.add(m4);
        FloatVector dd = m3.sub(m4);
        m0.add(a).add(c).add(bias).max(0f).intoArray(out, d);
        b.add(dd.mul(2f)).add(bias).max(0f).intoArray(out, d + ds);
        a.add(c.mul(4f)).add(bias).max(0f).intoArray(out, d + 2 * ds);
        b.add(dd.mul(8f)).add(m5).add(bias).max(0f).intoArray(out, d + 3 * ds);
    }

    /**
     * One output row of tiles t0 to t1 - 1 side by side, {@code m} outputs each (4 or 2): output j of tile tt (at
     * {@code t[from + j*L + tt]}) goes to {@code y[row + m*(tt - t0) + j]}. The four rows of L lanes are transposed by
     * interleaving twice (half of a's lanes and the same of b's, alternating: two one-vector permutes and a blend), each step its own
     * method through {@code t[mid .. mid + 4L)}, which leaves tile tt's four outputs at {@code t[mid + 4*tt]}, so the
     * run is one copy (a copy, not a vector load and store: measured on JDK 25 with the 512-bit GEMM tiles in use, a
     * vector load here was sometimes left out of line and boxed, 1.2 MB a call on resnet3x3); two rows by
     * interleaving once.
     */
    static void storeRow(int m, float[] t, int from, int mid, float[] y, int row, int t0, int t1) {
        if (m == 2) {
            interleave(t, from, from + L, t, mid);
            System.arraycopy(t, mid + 2 * t0, y, row, 2 * (t1 - t0));
            return;
        }
        // Outputs o_j = t[from + L*j]: first (o0, o2) and (o1, o3), giving low02, high02, low13, high13; then
        // (low02, low13) and (high02, high13): the outputs of tiles in order, four each.
        interleave(t, from, from + 2 * L, from + L, from + 3 * L, t, mid);
        interleave(t, mid, mid + 2 * L, mid + L, mid + 3 * L, t, mid);
        System.arraycopy(t, mid + 4 * t0, y, row, 4 * (t1 - t0));
    }

    /** a = t[a0] and b = t[b0] interleaved, lanes 0 to L/2 - 1 then the rest, to {@code out[o]} and {@code out[o + L]}. */
    private static void interleave(float[] t, int a0, int b0, float[] out, int o) {
        FloatVector a = FloatVector.fromArray(S, t, a0);
        FloatVector b = FloatVector.fromArray(S, t, b0);
        FloatVector low = a.rearrange(LOW).blend(b.rearrange(LOW), ODD);
        FloatVector high = a.rearrange(HIGH).blend(b.rearrange(HIGH), ODD);
        low.intoArray(out, o);
        high.intoArray(out, o + L);
    }

    /**
     * From a = t[a0], b = t[b0], c = t[c0], d = t[d0] (L floats each; read before anything is written): a and b
     * interleaved, lanes 0 to L/2 - 1 then the rest, to {@code out[o]} and {@code out[o + L]}; c and d the same to
     * {@code out[o + 2L]} and {@code out[o + 3L]}.
     */
    private static void interleave(float[] t, int a0, int b0, int c0, int d0, float[] out, int o) {
        FloatVector a = FloatVector.fromArray(S, t, a0);
        FloatVector b = FloatVector.fromArray(S, t, b0);
        FloatVector c = FloatVector.fromArray(S, t, c0);
        FloatVector d = FloatVector.fromArray(S, t, d0);
        FloatVector lowAB = a.rearrange(LOW).blend(b.rearrange(LOW), ODD);
        FloatVector lowCD = c.rearrange(LOW).blend(d.rearrange(LOW), ODD);
        FloatVector highAB = a.rearrange(HIGH).blend(b.rearrange(HIGH), ODD);
        FloatVector highCD = c.rearrange(HIGH).blend(d.rearrange(HIGH), ODD);
        lowAB.intoArray(out, o);
        highAB.intoArray(out, o + L);
        lowCD.intoArray(out, o + 2 * L);
        highCD.intoArray(out, o + 3 * L);
    }

    /**
     * The weight transform G g G^T of up to L filters side by side (lane r: filter r), taps tap-major in
     * {@code taps[tap*L + r]} (3 x 3, 1 x 3 or 3 x 1 taps as ay and ax say; 6 points a dimension for F(4,3), 4 for
     * F(2,3), 5 for F(2,3) at stride 2): point p goes to {@code pu[at + classOf[p]*uSize]} (points of one class hold
     * the same values), the first {@code lanes} lanes ({@code t} holds E x L floats).
     */
    static void filterPanel(int ay, int ax, float[] taps, float[] t, float[] pu, int at, int uSize, int[] classOf, int lanes) {
        int rows = ay == 1 ? 1 : 3;
        for (int r = 0; r < rows; r++) {
            if (ax == 1) {
                FloatVector.fromArray(S, taps, r * L).intoArray(t, r * L);
            } else {
                filter(ax, taps, r * 3 * L, L, t, r * ax * L, L);
            }
        }
        if (ay > 1) {
            for (int b = 0; b < ax; b++) {
                filter(ay, t, b * L, ax * L, t, b * L, ax * L);
            }
        }
        int e = ay * ax;
        for (int p = 0; p < e; p++) {
            if (lanes == L) {
                FloatVector.fromArray(S, t, p * L).intoArray(pu, at + classOf[p] * uSize);
            } else {
                System.arraycopy(t, p * L, pu, at + classOf[p] * uSize, lanes);
            }
        }
    }

    /** Three taps into {@code points} points: {@link #filter}, {@link #filter5} or {@link #filter4}. */
    private static void filter(int points, float[] in, int i, int is, float[] out, int o, int os) {
        if (points == 6) {
            filter(in, i, is, out, o, os);
        } else if (points == 5) {
            filter5(in, i, is, out, o, os);
        } else {
            filter4(in, i, is, out, o, os);
        }
    }

    /** Three taps {@code in[i + j*is]} into the five points of F(2,3) at stride 2 (g0, g0 + g2, g2, g1, g1). */
    private static void filter5(float[] in, int i, int is, float[] out, int o, int os) {
        FloatVector g0 = FloatVector.fromArray(S, in, i);
        FloatVector g1 = FloatVector.fromArray(S, in, i + is);
        FloatVector g2 = FloatVector.fromArray(S, in, i + 2 * is);
        g0.intoArray(out, o);
        g0.add(g2).intoArray(out, o + os);
        g2.intoArray(out, o + 2 * os);
        g1.intoArray(out, o + 3 * os);
        g1.intoArray(out, o + 4 * os);
    }

    /** Three taps {@code in[i + j*is]} into F(2,3)'s four points (G g) at {@code out[o + j*os]}. */
    private static void filter4(float[] in, int i, int is, float[] out, int o, int os) {
        FloatVector g0 = FloatVector.fromArray(S, in, i);
        FloatVector g1 = FloatVector.fromArray(S, in, i + is);
        FloatVector g2 = FloatVector.fromArray(S, in, i + 2 * is);
        FloatVector even = g0.add(g2);
        g0.intoArray(out, o);
        even.add(g1).mul(0.5f).intoArray(out, o + os);
        even.sub(g1).mul(0.5f).intoArray(out, o + 2 * os);
        g2.intoArray(out, o + 3 * os);
    }

    /** Three taps {@code in[i + j*is]} into six points (G g) at {@code out[o + j*os]}: products by the reciprocals. */
    private static void filter(float[] in, int i, int is, float[] out, int o, int os) {
        FloatVector g0 = FloatVector.fromArray(S, in, i);
        FloatVector g1 = FloatVector.fromArray(S, in, i + is);
        FloatVector g2 = FloatVector.fromArray(S, in, i + 2 * is);
        FloatVector even = g0.add(g2).mul(1f / 6);
        FloatVector odd = g1.mul(1f / 6);
        FloatVector quarterEven = g0.mul(1f / 24).add(g2.mul(1f / 6));
        FloatVector halfOdd = g1.mul(1f / 12);
        g0.mul(0.25f).intoArray(out, o);
        even.add(odd).neg().intoArray(out, o + os);
        odd.sub(even).intoArray(out, o + 2 * os);
        quarterEven.add(halfOdd).intoArray(out, o + 3 * os);
        quarterEven.sub(halfOdd).intoArray(out, o + 4 * os);
        g2.intoArray(out, o + 5 * os);
    }
}
