// The Vector API forms of the Winograd F(4,3) tile transforms: eight tiles per AVX vector.
package io.github.convcl.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link JavaWinograd.Transforms}' one-dimensional transforms on six points of eight tiles each, point i at
 * {@code v[o + i*s]} (8 floats). Only loaded when {@code jdk.incubator.vector} is resolved.
 */
final class VectorWinograd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    /** FROM[k]: lanes k to 7. */
    @SuppressWarnings("unchecked")
    private static final VectorMask<Float>[] FROM = new VectorMask[9];

    /** The offsets of one column of 6 x 6 points in a block of 8 tiles (point (a, b) at (a*6 + b)*8), from its top. */
    private static final int[] COLUMN = {0, 48, 96, 144, 192, 240};
    /** Lanes 0-3, each twice: 0 0 1 1 2 2 3 3. */
    private static final VectorShuffle<Float> LOW = VectorShuffle.fromValues(S, 0, 0, 1, 1, 2, 2, 3, 3);
    /** Lanes 4-7, each twice. */
    private static final VectorShuffle<Float> HIGH = VectorShuffle.fromValues(S, 4, 4, 5, 5, 6, 6, 7, 7);
    /** The odd lanes. */
    private static final VectorMask<Float> ODD = VectorMask.fromLong(S, 0xAAL);

    static {
        for (int k = 0; k <= 8; k++) {
            FROM[k] = VectorMask.fromLong(S, (0xFFL << k) & 0xFFL);
        }
    }

    private VectorWinograd() {
    }

    /**
     * The input transform of one channel's 8 tiles, read from the split layout (or a gathered block) and written to the
     * packed panels: point p of tile t is {@code xs[base + pointOff[p] + t]} for t &lt; k and
     * {@code xs[second + pointOff[p] + t]} for the others (two rows of tiles: two loads and a blend); V point p goes to
     * {@code v[dst + p*vStride]} (8 floats). {@code t} holds E x 8 floats.
     */
    static void inputTiles(int ay, int ax, int[] pointOff, float[] xs, int base, int second, int k, float[] v, int dst, int vStride,
                           float[] t) {
        int e = ay * ax;
        if (ay == 1 || ax == 1) {
            // One dimension: six points in a row (or a column), one transform.
            inputPoints(xs, base, second, k, pointOff, 0, 1, v, dst, vStride);
            return;
        }
        for (int a = 0; a < ay; a++) {
            inputPoints(xs, base, second, k, pointOff, a * ax, 1, t, a * ax * 8, 8);
        }
        for (int b = 0; b < ax; b++) {
            inputPoints(t, b * 8, 0, 8, COLUMN, 0, 1, v, dst + b * vStride, ax * vStride);
        }
    }

    /**
     * Six points p0 + i*ps (offsets from pointOff) of the split layout (or of a block of transformed rows), transformed,
     * to {@code out[o + i*os]}.
     */
    private static void inputPoints(float[] xs, int base, int second, int k, int[] pointOff, int p0, int ps, float[] out, int o, int os) {
        FloatVector d0 = load(xs, base, second, k, pointOff[p0]);
        FloatVector d1 = load(xs, base, second, k, pointOff[p0 + ps]);
        FloatVector d2 = load(xs, base, second, k, pointOff[p0 + 2 * ps]);
        FloatVector d3 = load(xs, base, second, k, pointOff[p0 + 3 * ps]);
        FloatVector d4 = load(xs, base, second, k, pointOff[p0 + 4 * ps]);
        FloatVector d5 = load(xs, base, second, k, pointOff[p0 + 5 * ps]);
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
     * Lanes from {@code xs[base + off]}, those at k and above from {@code xs[second + off]} (k = 8: none). This and
     * {@link #blendLoad} stay under 35 bytecodes so that the JIT always inlines them: a vector returned from a call it
     * does not inline is boxed (measured: 3.4 MB a call on resnet3x3 once other shapes had shaped the profile).
     */
    private static FloatVector load(float[] xs, int base, int second, int k, int off) {
        return k == 8 ? FloatVector.fromArray(S, xs, base + off) : blendLoad(xs, base, second, k, off);
    }

    private static FloatVector blendLoad(float[] xs, int base, int second, int k, int off) {
        return FloatVector.fromArray(S, xs, base + off).blend(FloatVector.fromArray(S, xs, second + off), FROM[k]);
    }

    /**
     * The output transform of one output channel's 8 tiles: point p of the products at {@code prod[src + p*yStride]}
     * (8 floats); output (i, j) plus {@code bias} goes to {@code t[(i*ax + j)*8]}.
     */
    static void outputTiles(int ay, int ax, float[] prod, int src, int yStride, float bias, float[] t) {
        if (ay == 1 || ax == 1) {
            outputPoints(prod, src, yStride, t, 0, 8, bias);
            return;
        }
        for (int a = 0; a < ay; a++) {
            outputPoints(prod, src + a * ax * yStride, yStride, t, a * ax * 8, 8, 0f);
        }
        for (int b = 0; b < 4; b++) {
            outputPoints(t, b * 8, ax * 8, t, b * 8, ax * 8, bias);
        }
    }

    /** Six points {@code in[o + i*s]} become four outputs plus {@code bias} at {@code out[d + i*ds]}. */
    private static void outputPoints(float[] in, int o, int s, float[] out, int d, int ds, float bias) {
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

    /**
     * One output row of tiles t0 to t1 - 1 side by side, 4 outputs each: output j of tile tt (at {@code t[from + j*8 +
     * tt]}) goes to {@code y[row + 4*(tt - t0) + j]}. The four rows of 8 lanes are transposed by interleaving twice, so
     * that two tiles' outputs are one 8-float store.
     */
    static void storeRow(float[] t, int from, float[] y, int row, int t0, int t1) {
        FloatVector o0 = FloatVector.fromArray(S, t, from);
        FloatVector o1 = FloatVector.fromArray(S, t, from + 8);
        FloatVector o2 = FloatVector.fromArray(S, t, from + 16);
        FloatVector o3 = FloatVector.fromArray(S, t, from + 24);
        // Interleaving a and b: half of a's lanes and the same of b's, alternating (a_i b_i ...), as two one-vector
        // permutes and a blend (written out: a helper taking the shuffle as an argument is not intrinsified).
        FloatVector low02 = o0.rearrange(LOW).blend(o2.rearrange(LOW), ODD);
        FloatVector low13 = o1.rearrange(LOW).blend(o3.rearrange(LOW), ODD);
        FloatVector high02 = o0.rearrange(HIGH).blend(o2.rearrange(HIGH), ODD);
        FloatVector high13 = o1.rearrange(HIGH).blend(o3.rearrange(HIGH), ODD);
        // Pair k (tiles 2k and 2k + 1) is one store when both tiles are in [t0, t1); the others one by one after.
        // (Inline: a vector passed to a method that is not inlined is boxed.)
        if (t0 <= 0 && 1 < t1) {
            low02.rearrange(LOW).blend(low13.rearrange(LOW), ODD).intoArray(y, row - 4 * t0);
        }
        if (t0 <= 2 && 3 < t1) {
            low02.rearrange(HIGH).blend(low13.rearrange(HIGH), ODD).intoArray(y, row + 4 * (2 - t0));
        }
        if (t0 <= 4 && 5 < t1) {
            high02.rearrange(LOW).blend(high13.rearrange(LOW), ODD).intoArray(y, row + 4 * (4 - t0));
        }
        if (t0 <= 6 && 7 < t1) {
            high02.rearrange(HIGH).blend(high13.rearrange(HIGH), ODD).intoArray(y, row + 4 * (6 - t0));
        }
        for (int u = t0; u < t1; u++) {
            int pair = u & ~1;
            if (pair < t0 || pair + 1 >= t1) {
                for (int j = 0; j < 4; j++) {
                    y[row + 4 * (u - t0) + j] = t[from + j * 8 + u];
                }
            }
        }
    }

    /**
     * The weight transform G g G^T of up to 8 filters side by side (lane r: filter r), taps tap-major in
     * {@code taps[tap*8 + r]} (3 x 3, 1 x 3 or 3 x 1 taps as ay and ax say): point p goes to {@code pu[at + p*uSize]},
     * the first {@code lanes} lanes ({@code t} holds E x 8 floats).
     */
    static void filterPanel(int ay, int ax, float[] taps, float[] t, float[] pu, int at, int uSize, int lanes) {
        int rows = ay == 1 ? 1 : 3;
        for (int r = 0; r < rows; r++) {
            if (ax == 1) {
                FloatVector.fromArray(S, taps, r * 8).intoArray(t, r * 8);
            } else {
                filter(taps, r * 24, 8, t, r * ax * 8, 8);
            }
        }
        if (ay > 1) {
            for (int b = 0; b < ax; b++) {
                filter(t, b * 8, ax * 8, t, b * 8, ax * 8);
            }
        }
        int e = ay * ax;
        for (int p = 0; p < e; p++) {
            if (lanes == 8) {
                FloatVector.fromArray(S, t, p * 8).intoArray(pu, at + p * uSize);
            } else {
                System.arraycopy(t, p * 8, pu, at + p * uSize, lanes);
            }
        }
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
