// Java convolution with the output channels along the vectors: the GEMM for layers of few output positions.
package io.github.convcl.jvm;

import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.ConvSpec;

/**
 * Convolution as the product {@code Y^T = X_unfolded^T W^T}: output positions are the rows of the register tiles (their
 * unfolded inputs broadcast, 16 or 18 positions to a packed panel, or for a pointwise layer read from the input in
 * place) and output channels the columns (the weights transposed, packed once into 16-channel panels). A layer of few
 * positions per image (7x7 at batch 1: 49) fills the other orientation's 16-column tiles badly (64 columns computed
 * for 49) and these 6-row tiles well (54 rows for 49), as long as there are channels for the columns. Packed, the
 * positions of all images are rows of one sequence, so a fully connected layer (one position) takes a row per image.
 * Each tile's sums run over the reduction in one order: the same values at every thread count.
 */
final class ChannelGemm {
    /**
     * Positions per packed panel: the rows of three 6-row register tiles (a 4-row tile runs at about half the rate), or
     * of four 4-row ones on the JDK releases whose 6-row tiles spill
     * ({@link io.github.convcl.plan.Thresholds#JAVA_SIX_ROW_TILES_MAX_JDK}).
     */
    static final int ROWS = io.github.convcl.plan.JavaDirect.sixRowTiles() ? 18 : 16;

    /** Reduction block: a block of both panels (18 and 16 floats a step) within L1 together. */
    private static final int KC = 128;

    private ChannelGemm() {
    }

    static void run(ConvSpec s, float[] x, float[] w, float[] bias, float[] y, PackCache cache, Store st) {
        Geometry g = new Geometry(s);
        int groups = s.groups();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int k = cinG * g.kVol;
        int nr = Gemm.NR;
        // 512-bit tiles take two channel panels at once: an even count, the last one zeros where the channels end
        int pair = Gemm.WIDE ? 2 : 1;
        int panels = (coutG + nr * pair - 1) / (nr * pair) * pair;
        int bSize = panels * k * nr;
        float[] pb = Panels.packed(cache, "channels g" + groups + " m" + coutG + " k" + k, groups * bSize,
                // the weights transposed: channels [c0, c0 + 16) of a group side by side, pb[kk * 16 + q] = w[c0 + q][kk]
                p -> Parallel.forEach(groups * panels, t -> {
                    int c0 = (t % panels) * nr;
                    Gemm.packRows(k, w, ((t / panels) * coutG + c0) * k, k, 1, nr, Math.max(0, Math.min(nr, coutG - c0)), p,
                            (t / panels) * bSize + (t % panels) * k * nr);
                }));
        long rows = (long) s.batch() * g.outVol;
        // A pointwise layer with at least a panel of positions per image reads its input in place: each panel holds
        // one image's positions, row r of reduction step kk at x[... + kk * inVol + r], where its tiles need no padding
        // rows (those read past the panel, so such panels are still copied).
        boolean inPlace = s.isPointwise() && groups == 1 && g.outVol >= ROWS;
        int perImage = (g.outVol + ROWS - 1) / ROWS;
        int rowPanels = inPlace ? s.batch() * perImage : (int) ((rows + ROWS - 1) / ROWS);
        // blocks of channel panels: enough tasks for every thread
        int want = Parallel.threads() * Thresholds.JAVA_CHANNEL_TASKS_PER_CORE;
        int perBlock = Math.max(pair, Math.min(panels, panels * groups * rowPanels / Math.max(1, want)) / pair * pair);
        int blocks = (panels + perBlock - 1) / perBlock;
        // every panel of positions packed once (unless read in place), before the products, which read it once per
        // block of channels
        int aSize = k * ROWS;
        float[] pa = Workspace.get(Workspace.Slot.INPUT, groups * rowPanels * aSize);
        Parallel.forEach(groups * rowPanels, t -> {
            long r0 = panelStart(inPlace, t % rowPanels, perImage, g.outVol);
            int count = panelRows(inPlace, r0, rows, g.outVol);
            if (!inPlace || !exact(count)) {
                packPositions(g, s, x, t / rowPanels, cinG, r0, count, pa, t * aSize, Workspace.get(Workspace.Slot.BLOCK, ROWS));
            }
        });
        Parallel.forEach(groups * rowPanels * blocks, t -> {
            int grp = t / (rowPanels * blocks);
            int rp = (t / blocks) % rowPanels;
            int b0 = (t % blocks) * perBlock;
            int b1 = Math.min(panels, b0 + perBlock);
            long r0 = panelStart(inPlace, rp, perImage, g.outVol);
            int count = panelRows(inPlace, r0, rows, g.outVol);
            int ldc = (b1 - b0) * nr;
            float[] c = Workspace.get(Workspace.Slot.PANELS, ROWS * ldc);
            float[] a = pa;
            int aOff = (grp * rowPanels + rp) * aSize;
            int aStride = ROWS;
            if (inPlace && exact(count)) {
                int n = (int) (r0 / g.outVol);
                a = x;
                aOff = n * s.inChannels() * g.inVol + (int) (r0 % g.outVol);
                aStride = g.inVol;
            }
            for (int j = b0; j < b1; j += pair) {
                multiply(count, k, a, aOff, aStride, pb, grp * bSize + j * k * nr, c, (j - b0) * nr, ldc);
            }
            store(s, g, st, y, bias, grp * coutG, b0 * nr, Math.min(coutG, b1 * nr), r0, count, c, ldc);
        });
    }

    /** The first position (of the image-major sequence) of row panel {@code rp}: panels within images when in place. */
    private static long panelStart(boolean inPlace, int rp, int perImage, int outVol) {
        return inPlace ? (long) (rp / perImage) * outVol + (long) (rp % perImage) * ROWS : (long) rp * ROWS;
    }

    /** The positions of the panel from {@code r0}: up to {@link #ROWS}, and in place not past its image's last. */
    private static int panelRows(boolean inPlace, long r0, long rows, int outVol) {
        long end = inPlace ? (r0 / outVol + 1) * outVol : rows;
        return (int) Math.min(ROWS, end - r0);
    }

    /** Whether {@link #tileRows}' tiles cover {@code count} rows exactly (no padding row read past them). */
    private static boolean exact(int count) {
        int r = 0;
        while (r < count) {
            r += tileRows(count - r);
        }
        return r == count;
    }

    /**
     * Rows [r0, r0 + count) of the position sequence (image-major) as one packed panel of group {@code grp}'s unfolded
     * input at {@code pa[at..]}: {@code pa[at + kk * 18 + r]} is reduction row kk (channel, taps) at position r0 + r;
     * zeros past count.
     */
    private static void packPositions(Geometry g, ConvSpec s, float[] x, int grp, int cinG, long r0, int count, float[] pa, int at,
                                      float[] row) {
        int taps = g.kVol;
        for (int done = 0; done < count; ) {
            long pos = r0 + done;
            int n = (int) (pos / g.outVol);
            int p0 = (int) (pos % g.outVol);
            int len = Math.min(count - done, g.outVol - p0);
            int xOff = (n * s.inChannels() + grp * cinG) * g.inVol;
            if (s.isPointwise()) {
                // the unfolded rows are the input's own: channel ch's positions, one float per image in a fully
                // connected layer (a copy call per float would cost more than the copy)
                for (int ch = 0, src = xOff + p0, dst = at + done; ch < cinG; ch++, src += g.inVol, dst += ROWS) {
                    if (len == 1) {
                        pa[dst] = x[src];
                    } else {
                        System.arraycopy(x, src, pa, dst, len);
                    }
                }
                done += len;
                continue;
            }
            int kk = 0;
            for (int ch = 0; ch < cinG; ch++) {
                int cOff = xOff + ch * g.inVol;
                for (int kz = 0; kz < g.k[0]; kz++) {
                    for (int ky = 0; ky < g.k[1]; ky++) {
                        for (int kx = 0; kx < g.k[2]; kx++, kk++) {
                            g.unfoldRow(x, cOff, kz, ky, kx, p0, len, row, 0);
                            System.arraycopy(row, 0, pa, at + kk * ROWS + done, len);
                        }
                    }
                }
            }
            assert kk == cinG * taps;
            done += len;
        }
        if (count < ROWS) {
            for (int kk = 0; kk < cinG * taps; kk++) {
                java.util.Arrays.fill(pa, at + kk * ROWS + count, at + (kk + 1) * ROWS, 0f);
            }
        }
    }

    /**
     * {@code c[r * ldc + cOff + q] = sum_kk pa[aOff + kk * aStride + r] * pb[bOff + kk * 16 + q]} for the panel's
     * first {@code count} rows (in tiles of {@link #tileRows} rows) and 16 columns (32 where {@link Gemm#WIDE}: the
     * channel panel at bOff and the next, {@code k * 16} floats on), the reduction in blocks of {@link #KC} so that each
     * block's panels stay in L1 across the tiles. {@code aStride} is {@link #ROWS} for a packed panel, the input's
     * positions per channel where the panel is the input itself.
     */
    private static void multiply(int count, int k, float[] pa, int aOff, int aStride, float[] pb, int bOff, float[] c, int cOff,
                                 int ldc) {
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kb = Math.min(KC, k - k0);
            boolean fresh = k0 == 0;
            for (int r = 0, h; r < count; r += h) {
                h = tileRows(count - r);
                int ai = aOff + k0 * aStride + r;
                int bi = bOff + k0 * Gemm.NR;
                int ci = r * ldc + cOff;
                if (!Gemm.VECTOR) {
                    plainTile(h, kb, pa, ai, aStride, pb, bi, c, ci, ldc, fresh);
                } else if (h == 7) {
                    WideGemm.panelTile7x32(kb, pa, ai, aStride, pb, bi, bi + k * Gemm.NR, c, ci, ldc, fresh);
                } else if (Gemm.WIDE && h == 6) {
                    WideGemm.panelTile6x32(kb, pa, ai, aStride, pb, bi, bi + k * Gemm.NR, c, ci, ldc, fresh);
                } else if (Gemm.WIDE) {
                    WideGemm.panelTile4x32(kb, pa, ai, aStride, pb, bi, bi + k * Gemm.NR, c, ci, ldc, fresh);
                } else if (h == 6) {
                    VectorGemm.panelTile6x16(kb, pa, ai, aStride, pb, bi, c, ci, ldc, fresh);
                } else {
                    VectorGemm.panelTile4x16(kb, pa, ai, aStride, pb, bi, c, ci, ldc, fresh);
                }
            }
        }
    }

    /**
     * Rows of the next tile where {@code rest} rows of a panel are left: tiles of 6 rows, their last ones 7 (512-bit
     * tiles) or 4 rows so that the tiles cover the rows with the fewest padding rows (13 as 6 + 7, 8 as 4 + 4, 10 as 6
     * + 4: a tile's time goes with its rows); 4 rows each in 16-row panels.
     */
    static int tileRows(int rest) {
        if (!io.github.convcl.plan.JavaDirect.sixRowTiles() || rest <= 4) {
            return 4;
        }
        if (Gemm.WIDE && rest >= 7 && (rest % 6 == 1 || rest % 6 == 5)) {
            return 7;
        }
        return rest % 6 == 2 ? 4 : 6;
    }

    /** The tiles of {@link #multiply} without the Vector API: the same products in the same order per output. */
    private static void plainTile(int h, int k, float[] pa, int ai, int st, float[] pb, int bi, float[] c, int ci, int ldc,
                                  boolean fresh) {
        for (int r = 0; r < h; r++) {
            for (int q = 0; q < Gemm.NR; q++) {
                float acc = fresh ? 0f : c[ci + r * ldc + q];
                for (int kk = 0; kk < k; kk++) {
                    acc = Math.fma(pa[ai + kk * st + r], pb[bi + kk * Gemm.NR + q], acc);
                }
                c[ci + r * ldc + q] = acc;
            }
        }
    }

    /**
     * The products {@code c[r][q]} (position r0 + r, channel co0 + c0 + q) into the output, plus the bias, then the
     * store's epilogue: along each position's channels before the store where {@link Store#alongChannels}, else over
     * each channel's run of positions (per value where a run is shorter than a vector, as a fully connected layer's one
     * position per image): a scalar store per output (a transposed tile's outputs lie one plane apart).
     */
    private static void store(ConvSpec s, Geometry g, Store st, float[] y, float[] bias, int co0, int c0, int c1, long r0, int count,
                              float[] c, int ldc) {
        boolean along = st.alongChannels();
        if (along) {
            // each position's channels are a row of the tile's block: the bias and the epilogue along them, in L1; the
            // transposed store below then only copies
            for (int r = 0; r < count; r++) {
                st.finishChannels(c, r * ldc, c1 - c0, co0 + c0, bias);
            }
        }
        for (int done = 0; done < count; ) {
            long at = r0 + done;
            int n = (int) (at / g.outVol);
            int p0 = (int) (at % g.outVol);
            int len = Math.min(count - done, g.outVol - p0);
            for (int q = c0; q < c1; q++) {
                int co = co0 + q;
                int plane = st.plane(n, co) + p0;
                int src = done * ldc + q - c0;
                if (along) {
                    for (int i = 0; i < len; i++) {
                        y[plane + i] = c[src + i * ldc];
                    }
                    continue;
                }
                float b = bias == null ? 0f : bias[co];
                if (len < Gemm.LANES) {
                    // too short a run for a vector pass: the epilogue per value
                    for (int i = 0; i < len; i++) {
                        y[plane + i] = st.value(n, co, p0 + i, c[src + i * ldc] + b);
                    }
                    continue;
                }
                for (int i = 0; i < len; i++) {
                    y[plane + i] = c[src + i * ldc] + b;
                }
                // the epilogue over the channel's run, one vector pass (none without an epilogue)
                st.finish(y, n, co, p0, len);
            }
            done += len;
        }
    }
}
