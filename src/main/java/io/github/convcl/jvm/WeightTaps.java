// Java grad_weight on register tiles that read each tap's input run in place from the input's phase planes.
package io.github.convcl.jvm;

import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PhasePlanes;

/**
 * grad_weight of a convolution (not transposed) without an unfolded copy: {@code gw[o][c, t] = sum_p gy[o][p] *
 * x_t[c][p]}, where x_t is the run of the input's phase planes ({@link PhasePlanes}: the padded input split by stride
 * into planes in which every tap reads consecutive positions) that tap t reads. Positions are flattened over the phase
 * planes' extents ({@code ((oz * hq + oy) * wq + ox)}), so each column's values over a whole image are one run of its
 * plane, read in place by the tile's scalar broadcasts; grad_output is laid out on the same positions as panels of one
 * or two vectors of output channels ({@code [position][channel]}), zero at the positions past an output row, which
 * makes the values the runs read there drop out. A zero times infinity is NaN, so an input that is not all finite
 * takes {@link WeightGrad}'s GEMM instead.
 *
 * <p>Register tiles of four or six columns by the panel's channels ({@link VectorGemm#tapTile4x2}, {@link
 * VectorGemm#tapTile6x1}) accumulate in float over the batch's images and runs of {@link #CHUNK} positions, in that
 * order whatever the thread count; each task owns its tiles, so the sums are the same bits run to run.
 */
final class WeightTaps {
    /** Columns per tile: four against two vectors of channels, six against one (see {@link VectorGemm#tapTile4x2}). */
    static int rows(int w) {
        return w > Gemm.LANES ? 4 : 6;
    }
    /** Positions per tile call: a panel's chunk (2 x 8 lanes x 256 floats, 16 KiB) stays in L1 across the column blocks. */
    private static final int CHUNK = 256;
    /** Column blocks per task at most: their runs of a chunk (6 KiB each) stay in L2 across the panels. */
    private static final int TASK_BLOCKS = 16;
    /** Channel panels per task at most. */
    private static final int TASK_PANELS = 4;

    private WeightTaps() {
    }

    /** {@code gw += dL/dw} for {@code gy = dL/dy} of {@code y = conv(x, w)}; {@code s} is not transposed. */
    static void run(ConvSpec s, float[] x, float[] gy, float[] gw) {
        if (s.batch() == 0 || s.outputElements() == 0) {
            return;
        }
        if (!WeightGrad.allFinite(x)) {
            WeightGrad.run(s, false, x, gy, gw);
            return;
        }
        Geometry g = new Geometry(s);
        PhasePlanes ph = PhasePlanes.of(s);
        if (inputPanelsShaped(s)) {
            inputPanels(s, g, ph, x, gy, gw);
            return;
        }
        int cin = s.inChannels();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int groups = s.groups();
        int kVol = g.kVol;
        int columns = cinG * kVol;
        // A pointwise layer's runs are its planes as they are, so the roles may swap: grad_output's rows read in place
        // as the tiles' columns and the input laid out as panels, which lays out the smaller of the two.
        boolean swap = s.isPointwise() && cinG < coutG;
        int colCount = swap ? coutG : columns;
        int channels = swap ? cinG : coutG;
        int lanes = Gemm.LANES;
        int w = channels > lanes ? 2 * lanes : lanes;
        int panels = (channels + w - 1) / w;
        int rows = rows(w);
        int blocks = (colCount + rows - 1) / rows;
        int hq = ph.hq();
        int wq = ph.wq();
        int plane = ph.plane();
        int positions = flatPositions(g, ph);
        // six offsets a block (the last two unused by four-column tiles)
        int[] offs = new int[blocks * 6];
        for (int b = 0; b < blocks; b++) {
            for (int r = 0; r < 6; r++) {
                int col = b * rows + r;
                int c = r < rows && col < colCount ? col : 0;
                offs[b * 6 + r] = swap ? c * g.outVol : (c / kVol) * plane + ph.taps()[c % kVol];
            }
        }
        int cb = Math.min(blocks, TASK_BLOCKS);
        int op = Math.min(panels, TASK_PANELS);
        int want = Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE;
        while ((long) groups * ((blocks + cb - 1) / cb) * ((panels + op - 1) / op) < want && (cb > 1 || op > 1)) {
            if (cb >= op) {
                cb = (cb + 1) / 2;
            } else {
                op = (op + 1) / 2;
            }
        }
        int blockSpans = (blocks + cb - 1) / cb;
        int panelSpans = (panels + op - 1) / op;
        int spanBlocks = cb;
        int spanPanels = op;
        int tile = rows * w;
        int panelFloats = positions * w;
        float[] acc = Workspace.get(Workspace.Slot.LANES, groups * blocks * panels * tile);
        java.util.Arrays.fill(acc, 0, groups * blocks * panels * tile, 0f);
        // images per pass: the phase planes and panels of a block of images (within the padded-copy workspace bound,
        // one image at least), prepared in one parallel pass, then every task runs over the block's images in order
        int xImage = swap ? 0 : cin * plane;
        int gImage = groups * panels * panelFloats;
        long imageFloats = (long) xImage + gImage;
        int perBlock = (int) Math.max(1, Math.min(s.batch(), Thresholds.JAVA_PADDED_WORKSPACE_BYTES / Float.BYTES / imageFloats));
        float[] runs = swap ? gy : Workspace.get(Workspace.Slot.INPUT, perBlock * xImage);
        float[] gt = Workspace.get(Workspace.Slot.PANELS, perBlock * gImage);
        int planes = swap ? 0 : cin;
        int groupPanels = groups * panels;
        for (int first = 0; first < s.batch(); first += perBlock) {
            int n0 = first;
            int count = Math.min(perBlock, s.batch() - first);
            // the planes, then the panels: two passes, since a panel is many planes' work and the pool hands out
            // consecutive tasks in runs (one pass over both gave one thread the runs that held the panels)
            Parallel.forEach(count * planes, t -> {
                int img = t / planes;
                int u = t % planes;
                g.padPhases(x, ((n0 + img) * cin + u) * g.inVol, runs, img * xImage + u * plane, ph.before(), ph.padded(), ph.dq(), hq, wq);
            });
            Parallel.forEach(count * groupPanels, t -> {
                int img = t / groupPanels;
                int gp = t % groupPanels;
                int grp = gp / panels;
                int from = swap ? ((n0 + img) * cin + grp * cinG) * g.inVol : ((n0 + img) * s.outChannels() + grp * coutG) * g.outVol;
                panel(swap ? x : gy, from, g, channels, (gp % panels) * w, w, hq, wq, gt, img * gImage + gp * panelFloats, positions);
            });
            Parallel.forEach(groups * blockSpans * panelSpans, t -> {
                int grp = t / (blockSpans * panelSpans);
                int b0 = ((t / panelSpans) % blockSpans) * spanBlocks;
                int p0 = (t % panelSpans) * spanPanels;
                int b1 = Math.min(blocks, b0 + spanBlocks);
                int p1 = Math.min(panels, p0 + spanPanels);
                for (int img = 0; img < count; img++) {
                    int xImg = swap ? ((n0 + img) * s.outChannels() + grp * coutG) * g.outVol : img * xImage + grp * cinG * plane;
                    for (int q0 = 0; q0 < positions; q0 += CHUNK) {
                        int len = Math.min(CHUNK, positions - q0);
                        int base = xImg + q0;
                        for (int p = p0; p < p1; p++) {
                            int bi = img * gImage + (grp * panels + p) * panelFloats + q0 * w;
                            for (int b = b0; b < b1; b++) {
                                int o = b * 6;
                                tile(len, runs, base + offs[o], base + offs[o + 1], base + offs[o + 2], base + offs[o + 3], base + offs[o + 4],
                                        base + offs[o + 5], gt, bi, w, acc, ((grp * blocks + b) * panels + p) * tile);
                            }
                        }
                    }
                }
            });
        }
        for (int grp = 0; grp < groups; grp++) {
            for (int b = 0; b < blocks; b++) {
                for (int p = 0; p < panels; p++) {
                    int at = ((grp * blocks + b) * panels + p) * tile;
                    for (int r = 0; r < rows && b * rows + r < colCount; r++) {
                        int col = b * rows + r;
                        for (int o = 0; o < w && p * w + o < channels; o++) {
                            // swapped: the tile's column is the output channel and the panel's channel the input's
                            int at2 = swap ? (grp * coutG + col) * columns + p * w + o : (grp * coutG + p * w + o) * columns + col;
                            gw[at2] += acc[at + r * w + o];
                        }
                    }
                }
            }
        }
    }

    /**
     * The flat positions over the phase planes' extents ({@code ((oz * hq + oy) * wq + ox)}) up to the last output:
     * garbage columns (ox >= ow) and rows (oy >= oh) in between, which grad_output's zeros there make drop out.
     */
    private static int flatPositions(Geometry g, PhasePlanes ph) {
        int[] out = g.out;
        return ((out[0] - 1) * ph.hq() + out[1] - 1) * ph.wq() + out[2];
    }

    /**
     * Whether {@link #inputPanels} computes {@code s}: at most a vector of output channels per group, which the other
     * tiles would hold in one vector (six accumulators, fewer chains than the FMA latency needs), at least a vector of
     * input channels, and enough groups to give every core tasks.
     */
    static boolean inputPanelsShaped(ConvSpec s) {
        return s.outPerGroup() <= Gemm.LANES && s.inPerGroup() >= Gemm.LANES && s.groups() >= Thresholds.JAVA_WEIGHT_PANELS_MIN_GROUPS;
    }

    /**
     * grad_weight with the roles of the tiles turned: the input as panels of a vector of channels over its phase
     * planes' positions ({@code xp[block][position][lane]}), grad_output as scalars read in place from rows padded to
     * the phase planes' width (zeros past the output's columns and rows). A column is a (channel block, tap) pair, whose
     * run is its panel from the tap's offset, so the taps of one block share the input's layout; four output channels
     * by three columns ({@link VectorGemm#panelTile4x3}) make a tile. A task per group lays out that group's panels
     * and rows one image at a time in its own scratch and runs its tiles over the images and runs of {@link #CHUNK}
     * positions in that order, so the sums are the same bits whatever the thread count.
     */
    private static void inputPanels(ConvSpec s, Geometry g, PhasePlanes ph, float[] x, float[] gy, float[] gw) {
        int lanes = Gemm.LANES;
        int cin = s.inChannels();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int groups = s.groups();
        int kVol = g.kVol;
        int columns = cinG * kVol;
        int hq = ph.hq();
        int wq = ph.wq();
        int plane = ph.plane();
        int[] out = g.out;
        int positions = flatPositions(g, ph);
        int blocks = (cinG + lanes - 1) / lanes;
        int panelFloats = plane * lanes;
        int cols = blocks * kVol;
        int triples = (cols + 2) / 3;
        int quads = (coutG + 3) / 4;
        int tile = 12 * lanes;
        // the run of each column (channel block, tap); the last triple's spare columns read the first one's
        int[] xo = new int[triples * 3];
        for (int j = 0; j < xo.length; j++) {
            int col = j < cols ? j : 0;
            xo[j] = (col / kVol) * panelFloats + ph.taps()[col % kVol] * lanes;
        }
        float[] acc = Workspace.get(Workspace.Slot.LANES, groups * quads * triples * tile);
        java.util.Arrays.fill(acc, 0, groups * quads * triples * tile, 0f);
        // stride 1, zero padding and whole vectors of channels: the panels are the input transposed in place, each
        // position's vector of channels at its padded position, with no padded copy of the planes first
        boolean inPlace = Gemm.VECTOR && lanes == 8 && cinG % lanes == 0 && plane == ph.phaseVol()
                && s.paddingMode() == io.github.convcl.spec.PaddingMode.ZEROS;
        int scratch = inPlace ? 0 : lanes * plane;
        int yRows = quads * 4;
        Parallel.forEach(groups, grp -> {
            float[] xp = Workspace.get(Workspace.Slot.INPUT, scratch + blocks * panelFloats);
            float[] yp = Workspace.get(Workspace.Slot.PANELS, yRows * positions);
            // the rows past the group's channels are zeros: their tiles' rows are computed and dropped
            java.util.Arrays.fill(yp, coutG * positions, yRows * positions, 0f);
            if (inPlace) {
                // the padding's positions stay zero: each image writes only the input's
                java.util.Arrays.fill(xp, scratch, scratch + blocks * panelFloats, 0f);
            }
            for (int n = 0; n < s.batch(); n++) {
                for (int b = 0; inPlace && b < blocks; b++) {
                    transposeInto(x, (n * cin + grp * cinG + b * lanes) * g.inVol, g.in, ph, xp, scratch + b * panelFloats);
                }
                for (int b = 0; !inPlace && b < blocks; b++) {
                    for (int u = 0; u < lanes; u++) {
                        int c = b * lanes + u;
                        if (c < cinG) {
                            g.padPhases(x, (n * cin + grp * cinG + c) * g.inVol, xp, u * plane, ph.before(), ph.padded(), ph.dq(), hq, wq);
                        } else {
                            java.util.Arrays.fill(xp, u * plane, (u + 1) * plane, 0f);
                        }
                    }
                    interleave(xp, 0, plane, plane, lanes, xp, scratch + b * panelFloats);
                }
                for (int o = 0; o < coutG; o++) {
                    padRows(gy, (n * s.outChannels() + grp * coutG + o) * g.outVol, out, hq, wq, yp, o * positions, positions);
                }
                for (int q0 = 0; q0 < positions; q0 += CHUNK) {
                    int len = Math.min(CHUNK, positions - q0);
                    for (int qd = 0; qd < quads; qd++) {
                        int y0 = qd * 4 * positions + q0;
                        for (int t = 0; t < triples; t++) {
                            int x0 = scratch + q0 * lanes;
                            panelTile(len, yp, y0, positions, xp, x0 + xo[3 * t], x0 + xo[3 * t + 1], x0 + xo[3 * t + 2], acc,
                                    ((grp * quads + qd) * triples + t) * tile);
                        }
                    }
                }
            }
        });
        for (int grp = 0; grp < groups; grp++) {
            for (int qd = 0; qd < quads; qd++) {
                for (int t = 0; t < triples; t++) {
                    int at = ((grp * quads + qd) * triples + t) * tile;
                    for (int r = 0; r < 4 && qd * 4 + r < coutG; r++) {
                        int row = (grp * coutG + qd * 4 + r) * columns;
                        for (int j = 0; j < 3 && 3 * t + j < cols; j++) {
                            int col = 3 * t + j;
                            for (int l = 0; l < lanes && (col / kVol) * lanes + l < cinG; l++) {
                                gw[row + ((col / kVol) * lanes + l) * kVol + col % kVol] += acc[at + (r * 3 + j) * lanes + l];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Eight input channels' planes at {@code x[src + u * inVol]} as a panel of the padded plane {@code ph} (stride 1):
     * {@code xp[at + position * 8 + u]} at each input value's padded position, eight columns of a row at a time.
     */
    private static void transposeInto(float[] x, int src, int[] in, PhasePlanes ph, float[] xp, int at) {
        int inVol = in[0] * in[1] * in[2];
        int[] before = ph.before();
        int w = in[2];
        for (int z = 0; z < in[0]; z++) {
            for (int y = 0; y < in[1]; y++) {
                int from = src + (z * in[1] + y) * w;
                int to = at + (((z + before[0]) * ph.hq() + y + before[1]) * ph.wq() + before[2]) * 8;
                interleave(x, from, inVol, w, 8, xp, to);
            }
        }
    }

    /**
     * {@code lanes} runs of {@code count} floats at {@code src[from + u * stride]} interleaved into {@code dst[at + p *
     * lanes + u]}: eight positions at a time as a vector transpose where the lanes are 8, the rest one value at a time.
     */
    private static void interleave(float[] src, int from, int stride, int count, int lanes, float[] dst, int at) {
        int p = 0;
        if (Gemm.VECTOR && lanes == 8) {
            for (; p + 8 <= count; p += 8) {
                VectorGemm.transpose8(src, from + p, stride, dst, at + p * 8, 8);
            }
        }
        for (; p < count; p++) {
            int to = at + p * lanes;
            for (int u = 0; u < lanes; u++) {
                dst[to + u] = src[from + u * stride + p];
            }
        }
    }

    /**
     * One output channel's plane at {@code gy[src]} over the phase planes' flat positions [0, positions) at
     * {@code yp[dst]}: each output row at the start of its {@code wq} positions, zeros past its columns and in the rows
     * past the output's.
     */
    private static void padRows(float[] gy, int src, int[] out, int hq, int wq, float[] yp, int dst, int positions) {
        for (int r = 0, q0 = 0; q0 < positions; r++, q0 += wq) {
            int oz = r / hq;
            int oy = r % hq;
            int len = Math.min(wq, positions - q0);
            int ow = oy < out[1] ? Math.min(out[2], len) : 0;
            System.arraycopy(gy, src + (oz * out[1] + oy) * out[2], yp, dst + q0, ow);
            java.util.Arrays.fill(yp, dst + q0 + ow, dst + q0 + len, 0f);
        }
    }

    /** {@link VectorGemm#panelTile4x3}: rows {@code y[y0 + r * ys]}, panels' runs at {@code x0..x2}. */
    private static void panelTile(int k, float[] y, int y0, int ys, float[] x, int x0, int x1, int x2, float[] c, int ci) {
        if (Gemm.VECTOR) {
            VectorGemm.panelTile4x3(k, y, y0, y0 + ys, y0 + 2 * ys, y0 + 3 * ys, x, x0, x1, x2, c, ci);
            return;
        }
        int lanes = Gemm.LANES;
        int[] runs = {x0, x1, x2};
        for (int r = 0; r < 4; r++) {
            for (int j = 0; j < 3; j++) {
                int cr = ci + (r * 3 + j) * lanes;
                for (int q = 0; q < k; q++) {
                    float a = y[y0 + r * ys + q];
                    int xq = runs[j] + q * lanes;
                    for (int l = 0; l < lanes; l++) {
                        c[cr + l] += a * x[xq + l];
                    }
                }
            }
        }
    }

    /**
     * Output channels [o0, o0 + w) of one group of one image (channel o's plane at {@code gy[src + o * outVol]}) as a
     * panel {@code gt[dst + q * w + o]} over the flat positions q, zero where q is past an output row or channel. Row by
     * row of the flat positions, so that the rows' stores (w floats a position) stay in L1 while every channel fills them.
     */
    private static void panel(float[] gy, int src, Geometry g, int coutG, int o0, int w, int hq, int wq, float[] gt, int dst, int positions) {
        int[] out = g.out;
        int valid = Math.min(w, coutG - o0);
        for (int r = 0, q0 = 0; q0 < positions; r++, q0 += wq) {
            int oz = r / hq;
            int oy = r % hq;
            int len = Math.min(wq, positions - q0);
            int to = dst + q0 * w;
            if (oy >= out[1]) {
                java.util.Arrays.fill(gt, to, to + len * w, 0f);
                continue;
            }
            int row = src + o0 * g.outVol + (oz * out[1] + oy) * out[2];
            int ow = out[2];
            int o = 0;
            // eight channels by eight positions at a time as a vector transpose, the rest one value at a time
            if (Gemm.VECTOR && Gemm.LANES == 8) {
                int whole = ow - ow % 8;
                for (; o + 8 <= valid; o += 8) {
                    for (int ox = 0; ox < whole; ox += 8) {
                        VectorGemm.transpose8(gy, row + o * g.outVol + ox, g.outVol, gt, to + ox * w + o, w);
                    }
                    for (int u = o; u < o + 8; u++) {
                        int from = row + u * g.outVol;
                        for (int ox = whole; ox < ow; ox++) {
                            gt[to + ox * w + u] = gy[from + ox];
                        }
                    }
                }
            }
            for (; o < valid; o++) {
                int from = row + o * g.outVol;
                for (int ox = 0; ox < ow; ox++) {
                    gt[to + ox * w + o] = gy[from + ox];
                }
            }
            for (int ox = 0; ox < ow && valid < w; ox++) {
                java.util.Arrays.fill(gt, to + ox * w + valid, to + (ox + 1) * w, 0f);
            }
            java.util.Arrays.fill(gt, to + ow * w, to + len * w, 0f);
        }
    }

    /** One tile: six columns' runs at {@code x0..x5} against a panel of {@code w} channels at {@code bi}, into {@code c[ci]}. */
    private static void tile(int k, float[] x, int x0, int x1, int x2, int x3, int x4, int x5, float[] b, int bi, int w, float[] c, int ci) {
        if (Gemm.VECTOR) {
            if (w == 2 * Gemm.LANES) {
                VectorGemm.tapTile4x2(k, x, x0, x1, x2, x3, b, bi, c, ci);
            } else {
                VectorGemm.tapTile6x1(k, x, x0, x1, x2, x3, x4, x5, b, bi, c, ci);
            }
            return;
        }
        int[] runs = {x0, x1, x2, x3, x4, x5};
        for (int r = 0; r < rows(w); r++) {
            int cr = ci + r * w;
            for (int q = 0; q < k; q++) {
                float a = x[runs[r] + q];
                int bq = bi + q * w;
                for (int o = 0; o < w; o++) {
                    c[cr + o] += a * b[bq + o];
                }
            }
        }
    }
}
