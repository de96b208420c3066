// Sizes of one convolution in three spatial dimensions, with the padding and unfolding arithmetic the Java kernels share.
package io.github.convcl.jvm;

import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;
import io.github.convcl.spec.PhasePlanes;

/** Sizes of one convolution extended to three spatial dimensions, with the index arithmetic on them. */
final class Geometry {
    final int[] in;
    final int[] out;
    final int[] k;
    final int[] st;
    final int[] d;
    final int[] p;
    final int inVol;
    final int outVol;
    final int kVol;
    final PaddingMode mode;

    Geometry(ConvSpec s) {
        in = ConvSpec.to3d(s.inputSize(), 1);
        out = ConvSpec.to3d(s.outputSize(), 1);
        k = ConvSpec.to3d(s.kernel(), 1);
        st = ConvSpec.to3d(s.stride(), 1);
        d = ConvSpec.to3d(s.dilation(), 1);
        p = ConvSpec.to3d(s.padBefore(), 0);
        inVol = in[0] * in[1] * in[2];
        outVol = out[0] * out[1] * out[2];
        kVol = k[0] * k[1] * k[2];
        mode = s.paddingMode();
    }

    /**
     * Writes rows (channel, kz, ky, kx) x columns [p0, p0+cols) of the unfolded input in the packed B layout of
     * {@link Gemm} (16-column panels, {@code reduction} rows each), through {@code row}, one unfolded row.
     */
    void im2colPacked(float[] x, int xOff, int channels, int p0, int cols, float[] pb, int reduction, float[] row) {
        im2colPacked(x, xOff, channels, p0, cols, pb, 0, reduction, row);
    }

    /** As above, the panels at {@code pb[pbOff..]}. */
    void im2colPacked(float[] x, int xOff, int channels, int p0, int cols, float[] pb, int pbOff, int reduction, float[] row) {
        int r = 0;
        int nr = Gemm.NR;
        for (int c = 0; c < channels; c++) {
            int cOff = xOff + c * inVol;
            for (int kz = 0; kz < k[0]; kz++) {
                for (int ky = 0; ky < k[1]; ky++) {
                    for (int kx = 0; kx < k[2]; kx++, r++) {
                        unfoldRow(x, cOff, kz, ky, kx, p0, cols, row, 0);
                        for (int j = 0; j < cols; j += nr) {
                            int dst = pbOff + j * reduction + r * nr;
                            int len = Math.min(nr, cols - j);
                            System.arraycopy(row, j, pb, dst, len);
                            if (len < nr) {
                                java.util.Arrays.fill(pb, dst + len, dst + nr, 0f);
                            }
                        }
                    }
                }
            }
        }
    }

    void unfoldRow(float[] x, int cOff, int kz, int ky, int kx, int p0, int cols, float[] col, int dst) {
        int ox = p0 % out[2];
        int oy = (p0 / out[2]) % out[1];
        int oz = p0 / (out[1] * out[2]);
        int j = 0;
        while (j < cols) {
            int run = Math.min(cols - j, out[2] - ox);
            int iz = mode.source(oz * st[0] - p[0] + kz * d[0], in[0]);
            int iy = mode.source(oy * st[1] - p[1] + ky * d[1], in[1]);
            if (iz < 0 || iy < 0) {
                java.util.Arrays.fill(col, dst + j, dst + j + run, 0f);
            } else {
                int rowOff = cOff + (iz * in[1] + iy) * in[2];
                int shift = kx * d[2] - p[2];
                if (st[2] == 1 && mode == PaddingMode.ZEROS) {
                    // ix = ox + r + shift is inside [0, in) for r in [lo, hi): copy that, zero the rest.
                    int lo = Math.min(run, Math.max(0, -(ox + shift)));
                    int hi = Math.max(lo, Math.min(run, in[2] - (ox + shift)));
                    int at = dst + j;
                    if (lo > 0) {
                        java.util.Arrays.fill(col, at, at + lo, 0f);
                    }
                    if (hi > lo) {
                        System.arraycopy(x, rowOff + ox + lo + shift, col, at + lo, hi - lo);
                    }
                    if (hi < run) {
                        java.util.Arrays.fill(col, at + hi, at + run, 0f);
                    }
                } else {
                    for (int r = 0; r < run; r++) {
                        int ix = mode.source((ox + r) * st[2] + shift, in[2]);
                        col[dst + j + r] = ix >= 0 ? x[rowOff + ix] : 0f;
                    }
                }
            }
            j += run;
            ox = 0;
            if (++oy == out[1]) {
                oy = 0;
                oz++;
            }
        }
    }

    /** Whether every output of this transposed convolution receives exactly one tap (see transposedDisjoint). */
    boolean tapsDisjoint() {
        for (int dim = 0; dim < 3; dim++) {
            if (k[dim] != st[dim] || p[dim] != 0 || d[dim] != 1 || out[dim] != in[dim] * st[dim]) {
                return false;
            }
        }
        return true;
    }

    /**
     * With {@link #tapsDisjoint}: writes rows (channel, kz, ky, kx) x input columns [p0, p0+width) of cols, plus
     * channel c0+c's bias, to their outputs (iz*s+kz, iy*s+ky, ix*s+kx); an input row's taps kx fill one
     * contiguous output segment, written in order. Outputs go to image n's planes through {@code st}, each finished as
     * it is stored.
     */
    void place(float[] cols, int channels, int p0, int width, float[] y, Store store, int n, float[] bias, int c0) {
        int kx2 = k[2];
        for (int c = 0; c < channels; c++) {
            float b = bias == null ? 0f : bias[c0 + c];
            int plane = store.plane(n, c0 + c);
            for (int kz = 0; kz < k[0]; kz++) {
                for (int ky = 0; ky < k[1]; ky++) {
                    int src = ((c * k[0] + kz) * k[1] + ky) * kx2 * width;
                    int ix = p0 % in[2];
                    int iy = (p0 / in[2]) % in[1];
                    int iz = p0 / (in[1] * in[2]);
                    for (int j = 0; j < width; ) {
                        int run = Math.min(width - j, in[2] - ix);
                        int pos = ((iz * st[0] + kz) * out[1] + iy * st[1] + ky) * out[2] + ix * kx2;
                        int dst = plane + pos;
                        if (kx2 == 2) {
                            // Upsampling by 2 along x (the common case): two rows interleaved, no inner loop; in three
                            // interleaved rounds on convT3d2s2 it was faster than the general loop below in each.
                            int s1 = src + width;
                            for (int r = 0; r < run; r++) {
                                y[dst + 2 * r] = cols[src + j + r] + b;
                                y[dst + 2 * r + 1] = cols[s1 + j + r] + b;
                            }
                        } else {
                            for (int r = 0; r < run; r++) {
                                for (int kx = 0; kx < kx2; kx++) {
                                    y[dst + r * kx2 + kx] = cols[src + kx * width + j + r] + b;
                                }
                            }
                        }
                        store.finish(y, n, c0 + c, pos, run * kx2);
                        j += run;
                        ix = 0;
                        if (++iy == in[1]) {
                            iy = 0;
                            iz++;
                        }
                    }
                }
            }
        }
    }

    /** Adds rows (channel, kz, ky, kx) x input columns [p0, p0+cols) of {@code cols} into the output planes. */
    void col2im(float[] cols, int channels, int p0, int width, float[] y, int yOff) {
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = yOff + c * outVol;
            for (int kz = 0; kz < k[0]; kz++) {
                for (int ky = 0; ky < k[1]; ky++) {
                    for (int kx = 0; kx < k[2]; kx++, row++) {
                        foldRow(cols, row * width, kz, ky, kx, p0, width, y, plane);
                    }
                }
            }
        }
    }

    private void foldRow(float[] cols, int src, int kz, int ky, int kx, int p0, int width, float[] y, int plane) {
        int ix = p0 % in[2];
        int iy = (p0 / in[2]) % in[1];
        int iz = p0 / (in[1] * in[2]);
        int j = 0;
        while (j < width) {
            int run = Math.min(width - j, in[2] - ix);
            int oz = iz * st[0] - p[0] + kz * d[0];
            int oy = iy * st[1] - p[1] + ky * d[1];
            if (oz >= 0 && oz < out[0] && oy >= 0 && oy < out[1]) {
                int rowOff = plane + (oz * out[1] + oy) * out[2];
                int shift = kx * d[2] - p[2];
                int sx = st[2];
                // ox = (ix + r) * sx + shift lies in [0, out) for r in [lo, hi): no test per element
                int lo = Math.max(0, -Math.floorDiv(shift, sx) - ix);
                int hi = Math.min(run, -Math.floorDiv(shift - out[2], sx) - ix);
                for (int r = lo, o = rowOff + (ix + lo) * sx + shift; r < hi; r++, o += sx) {
                    y[o] += cols[src + j + r];
                }
            }
            j += run;
            ix = 0;
            if (++iy == in[1]) {
                iy = 0;
                iz++;
            }
        }
    }

    /** Copies one input plane into a padded plane of dp x hp x wp, applying the padding mode. */
    void pad(float[] x, int src, float[] xp, int dst, int[] before, int dp, int hp, int wp) {
        for (int zp = 0; zp < dp; zp++) {
            int iz = mode.source(zp - before[0], in[0]);
            for (int yp = 0; yp < hp; yp++) {
                int iy = mode.source(yp - before[1], in[1]);
                int row = dst + (zp * hp + yp) * wp;
                if (iz < 0 || iy < 0) {
                    java.util.Arrays.fill(xp, row, row + wp, 0f);
                    continue;
                }
                padRow(x, src + (iz * in[1] + iy) * in[2], in[2], before[2], wp, mode, xp, row, wp);
            }
        }
    }

    /**
     * Copies one input plane, padded to {@code padded} (applying the padding mode), as phase planes of
     * dq x hq x wq: phase (pz, py, px) holds padded positions (zq*sz + pz, yq*sy + py, xq*sx + px). With
     * stride 1 that is the padded plane itself.
     */
    void padPhases(float[] x, int src, float[] xp, int dst, int[] before, int[] padded, int dq, int hq, int wq) {
        if (st[0] * st[1] * st[2] == 1) {
            pad(x, src, xp, dst, before, padded[0], padded[1], padded[2]);
            return;
        }
        int hp = padded[1];
        int wp = padded[2];
        int sx = st[2];
        int phaseVol = dq * hq * wq;
        RowSplit split = rowSplit(wq, before[2], wp, phaseVol);
        for (int pz = 0; pz < st[0]; pz++) {
            for (int py = 0; py < st[1]; py++) {
                for (int px = 0; px < sx; px++, dst += phaseVol) {
                    // Phase column xq is padded column xq*sx + px, input column xq*sx + px - before: read in place
                    // for xq in [lo, hi), through the padding mode outside.
                    int lo = Math.max(0, Math.min(wq, ceilDiv(before[2] - px, sx)));
                    int hi = Math.max(lo, Math.min(wq, ceilDiv(before[2] + in[2] - px, sx)));
                    for (int zq = 0; zq < dq; zq++) {
                        int z = zq * st[0] + pz;
                        int iz = z < padded[0] ? mode.source(z - before[0], in[0]) : -1;
                        for (int yq = 0; yq < hq; yq++) {
                            int yy = yq * st[1] + py;
                            int iy = yy < hp ? mode.source(yy - before[1], in[1]) : -1;
                            int row = dst + (zq * hq + yq) * wq;
                            if (iz < 0 || iy < 0) {
                                java.util.Arrays.fill(xp, row, row + wq, 0f);
                                continue;
                            }
                            int srcRow = src + (iz * in[1] + iy) * in[2];
                            if (split != null) {
                                // both phases of the row in one pass (px 1 finds its row written by px 0's)
                                if (px == 0) {
                                    split.whole(x, srcRow, xp, row);
                                }
                                continue;
                            }
                            for (int xq = 0; xq < lo; xq++) {
                                xp[row + xq] = edge(x, srcRow, xq * sx + px, before[2], wp);
                            }
                            int from = srcRow + lo * sx + px - before[2];
                            for (int xq = lo; xq < hi; xq++, from += sx) {
                                xp[row + xq] = x[from];
                            }
                            for (int xq = hi; xq < wq; xq++) {
                                xp[row + xq] = edge(x, srcRow, xq * sx + px, before[2], wp);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Positions [from, from + count) of each phase plane of one input channel (laid out as {@link #padPhases}
     * does: position P of a phase is zq*hq*wq + yq*wq + xq) to {@code out[at + phase * stride + P - from]}; zeros
     * past the phase volume.
     */
    void padPhaseRange(float[] x, int src, PhasePlanes ph, int from, int count, float[] out, int at, int stride) {
        int hq = ph.hq();
        int wq = ph.wq();
        int rowsPerZ = hq * wq;
        int[] before = ph.before();
        int[] padded = ph.padded();
        int sx = st[2];
        int end = from + count;
        int zqFrom = from / rowsPerZ;
        int yqFrom = (from % rowsPerZ) / wq;
        int xqFrom = from % wq;
        RowSplit split = rowSplit(wq, before[2], padded[2], stride);
        for (int pz = 0; pz < st[0]; pz++) {
            for (int py = 0; py < st[1]; py++) {
                int phase0 = (pz * st[1] + py) * sx;
                // rows one after another from the run's first position: no division per row
                for (int p = from, zq = zqFrom, yq = yqFrom, xq0 = xqFrom; p < end; xq0 = 0) {
                    int run = Math.min(end - p, wq - xq0);
                    int rowOff = at + p - xq0 - from; // out index of column 0 of this row, phase 0 of the stride
                    p += run;
                    int xq1 = xq0 + run;
                    int zqRow = zq;
                    int yqRow = yq;
                    if (++yq == hq) {
                        yq = 0;
                        zq++;
                    }
                    int z = zqRow * st[0] + pz;
                    int yy = yqRow * st[1] + py;
                    int iz = z < padded[0] ? mode.source(z - before[0], in[0]) : -1;
                    int iy = yy < padded[1] ? mode.source(yy - before[1], in[1]) : -1;
                    if (iz < 0 || iy < 0) {
                        for (int px = 0; px < sx; px++) {
                            int row = rowOff + (phase0 + px) * stride;
                            java.util.Arrays.fill(out, row + xq0, row + xq1, 0f);
                        }
                        continue;
                    }
                    int srcRow = src + (iz * in[1] + iy) * in[2];
                    if (split != null) {
                        if (run == wq) {
                            split.whole(x, srcRow, out, rowOff + phase0 * stride);
                        } else {
                            split.range(x, srcRow, xq0, xq1, out, rowOff + phase0 * stride);
                        }
                        continue;
                    }
                    for (int px = 0; px < sx; px++) {
                        int row = rowOff + (phase0 + px) * stride;
                        // phase column xq is input column xq*sx + px - before: in place for xq in [lo, hi)
                        int lo = Math.max(xq0, Math.min(xq1, ceilDiv(before[2] - px, sx)));
                        int hi = Math.max(lo, Math.min(xq1, ceilDiv(before[2] + in[2] - px, sx)));
                        for (int xq = xq0; xq < lo; xq++) {
                            out[row + xq] = edge(x, srcRow, xq * sx + px, before[2], padded[2]);
                        }
                        if (sx == 1) {
                            // a run inside the padding copies nothing, and its source index may lie before the row
                            if (hi > lo) {
                                System.arraycopy(x, srcRow + lo - before[2], out, row + lo, hi - lo);
                            }
                        } else {
                            for (int xq = lo, f = srcRow + lo * sx + px - before[2]; xq < hi; xq++, f += sx) {
                                out[row + xq] = x[f];
                            }
                        }
                        for (int xq = hi; xq < xq1; xq++) {
                            out[row + xq] = edge(x, srcRow, xq * sx + px, before[2], padded[2]);
                        }
                    }
                }
            }
        }
    }

    /** The last {@link RowSplit} made (one per stride between phase rows: a call uses one). */
    private volatile RowSplit rowSplit;

    /**
     * The {@link RowSplit} of this geometry's rows into phase rows {@code stride} apart, made once per call (the
     * tasks share it), or null where the stride across is not 2 or the Vector API is off.
     */
    RowSplit rowSplit(int wq, int before, int wp, int stride) {
        if (st[2] != 2 || !Gemm.VECTOR) {
            return null;
        }
        RowSplit r = rowSplit;
        if (r == null || r.stride != stride) {
            r = new RowSplit(wq, before, wp, stride);
            rowSplit = r;
        }
        return r;
    }

    /**
     * A stride-2 input row split into its two phase rows ({@code out[row + xq]} for phase 0, {@code out[row + stride
     * + xq]} for phase 1): input column i is padded column i + before, phase (i + before) mod 2, so the input's pairs
     * split into the two rows in one vector pass, and the columns the pairs do not cover (padding, an odd last
     * column, a run's ends) go one at a time. Planned once per call: where the pairs go, and for a whole row (columns
     * 0 to wq - 1) which input column each uncovered column reads (or none: zero). Before the plan, resnet3x3s2's
     * per-task padding took 0.65 ms of a 3.75 ms call (one thread, JDK 17), three quarters of it around the vector
     * split of 56-column rows. Per call alternated in one JVM (medians of 8 rounds): resnet3x3s2 0.956 (one thread),
     * 0.984 (two), 0.968 (JDK 25); stem7x7s2 1.003 and 1.015 (noise: its rows are 224 columns, its padding a small
     * share).
     */
    private final class RowSplit {
        private final int stride;
        private final int before;
        private final int wp;
        private final int evenShift;
        private final int oddShift;
        private final int evenOff;
        private final int oddOff;
        private final int pairs;
        private final int[] edgeAt;
        private final int[] edgeSrc;

        RowSplit(int wq, int before, int wp, int stride) {
            this.stride = stride;
            this.before = before;
            this.wp = wp;
            evenShift = before / 2;
            oddShift = (before + 1) / 2;
            evenOff = (before % 2) * stride + evenShift;
            oddOff = ((before + 1) % 2) * stride + oddShift;
            pairs = Math.max(0, Math.min(in[2] / 2, wq - oddShift));
            int n = 0;
            int[] at = new int[2 * wq];
            int[] srcs = new int[2 * wq];
            for (int px = 0; px < 2; px++) {
                int shift = shift(px);
                for (int xq = 0; xq < wq; xq++) {
                    if (xq >= shift && xq < shift + pairs) {
                        continue;
                    }
                    int xpos = 2 * xq + px;
                    at[n] = px * stride + xq;
                    srcs[n++] = xpos >= wp ? -1 : mode.source(xpos - before, in[2]);
                }
            }
            edgeAt = java.util.Arrays.copyOf(at, n);
            edgeSrc = java.util.Arrays.copyOf(srcs, n);
        }

        /** Where phase {@code px}'s row takes the pairs: their first column. */
        private int shift(int px) {
            return px == before % 2 ? evenShift : oddShift;
        }

        /** Both whole phase rows of the input row at {@code srcRow}, from {@code out[row]}. */
        void whole(float[] x, int srcRow, float[] out, int row) {
            if (pairs > 0) {
                VectorGemm.deinterleave(x, srcRow, pairs, out, row + evenOff, row + oddOff);
            }
            for (int e = 0; e < edgeAt.length; e++) {
                int ix = edgeSrc[e];
                out[row + edgeAt[e]] = ix < 0 ? 0f : x[srcRow + ix];
            }
        }

        /** Phase columns [xq0, xq1) of both phase rows of the input row at {@code srcRow}, from {@code out[row]}. */
        void range(float[] x, int srcRow, int xq0, int xq1, float[] out, int row) {
            int jLo = Math.max(0, xq0 - evenShift);
            int jHi = Math.max(jLo, Math.min(in[2] / 2, xq1 - oddShift));
            if (jHi > jLo) {
                VectorGemm.deinterleave(x, srcRow + 2 * jLo, jHi - jLo, out, row + evenOff + jLo, row + oddOff + jLo);
            }
            for (int px = 0; px < 2; px++) {
                int r = row + px * stride;
                // the columns of this phase the pairs covered
                int c0 = jHi > jLo ? jLo + shift(px) : xq1;
                int c1 = jHi > jLo ? jHi + shift(px) : xq1;
                for (int xq = xq0; xq < xq1; xq++) {
                    if (xq == c0) {
                        xq = c1 - 1;
                        continue;
                    }
                    int ix = 2 * xq + px - before;
                    out[r + xq] = ix >= 0 && ix < in[2] ? x[srcRow + ix] : edge(x, srcRow, 2 * xq + px, before, wp);
                }
            }
        }
    }

    /** The value at padded column {@code xpos} of an input row: the padding mode's source, or zero. */
    private float edge(float[] x, int srcRow, int xpos, int before, int wp) {
        return paddedValue(x, srcRow, in[2], before, wp, mode, xpos);
    }

    private static int ceilDiv(int a, int b) {
        return Math.floorDiv(a + b - 1, b);
    }


    /**
     * One input row of {@code n} floats at {@code x[srcRow]}, padded by {@code mode} with {@code before} columns in front
     * to a padded width {@code padded}, written to {@code out[at .. at + len)} (zeros past the padded width).
     */
    static void padRow(float[] x, int srcRow, int n, int before, int padded, PaddingMode mode, float[] out, int at, int len) {
        for (int xp = 0; xp < before; xp++) {
            out[at + xp] = paddedValue(x, srcRow, n, before, padded, mode, xp);
        }
        System.arraycopy(x, srcRow, out, at + before, n);
        for (int xp = before + n; xp < len; xp++) {
            out[at + xp] = paddedValue(x, srcRow, n, before, padded, mode, xp);
        }
    }

    /** Padded column {@code xp} of such a row: the padding mode's source, or zero (also past the padded width). */
    static float paddedValue(float[] x, int srcRow, int n, int before, int padded, PaddingMode mode, int xp) {
        if (xp >= padded) {
            return 0f;
        }
        int ix = mode.source(xp - before, n);
        return ix < 0 ? 0f : x[srcRow + ix];
    }

}
