// Java transposed convolution as W^T x X then col2im, split by output channels so that writes never conflict.
package io.github.convcl.jvm;

import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.ConvSpec;

/** Transposed convolution as a GEMM then col2im. */
final class TransposedGemm {
    private TransposedGemm() {
    }

    static void run(ConvSpec s, float[] x, float[] w, float[] unfoldedBias, float[] y, PackCache cache, Store unfolded) {
        Geometry g = new Geometry(s);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int block = Math.min(coutG, Thresholds.JAVA_TRANSPOSED_CHANNEL_BLOCK);
        int blocks = (coutG + block - 1) / block;
        int groups = s.groups();
        int mr = Gemm.rowPanel(block * g.kVol);
        // the last block's rows, when fewer, pack with the same panel height into their own panels (15 rows in 6-row
        // panels take 18, where a full block of 16 takes 16): each block's slot holds the larger
        int tail = (coutG - (blocks - 1) * block) * g.kVol;
        int aSize = Math.max(Gemm.packedASize(block * g.kVol, cinG, mr), Gemm.packedASize(tail, cinG, mr));
        Store.Packed packed = unfolded.foldInto(unfoldedBias, scale -> pack(s, g, w, scale, cache, block, mr, aSize));
        float[] pa = packed.weights();
        float[] bias = packed.folded().bias();
        Store st = packed.folded().store();
        if (g.tapsDisjoint()) {
            transposedDisjoint(s, g, x, bias, y, pa, block, blocks, aSize, mr, st);
            return;
        }
        Parallel.forEach(s.batch() * groups * blocks, t -> {
            int n = t / (groups * blocks);
            int grp = (t / blocks) % groups;
            int cb = t % blocks;
            int channels = Math.min(block, coutG - cb * block);
            int rows = channels * g.kVol;
            int yOff = st.plane(n, grp * coutG + cb * block);
            for (int c = 0; c < channels; c++) {
                Panels.fillBias(y, yOff + c * g.outVol, g.outVol, bias == null ? 0f : bias[grp * coutG + cb * block + c]);
            }
            int nt = Panels.columnTile(Math.max(rows, cinG), g.inVol);
            float[] cols = Workspace.get(Workspace.Slot.BLOCK, rows * nt);
            float[] pb = Workspace.get(Workspace.Slot.PANELS, Gemm.packedBSize(nt, cinG));
            int xOff = (n * s.inChannels() + grp * cinG) * g.inVol;
            for (int p0 = 0; p0 < g.inVol; p0 += nt) {
                int width = Math.min(nt, g.inVol - p0);
                Gemm.packB(width, cinG, x, xOff + p0, g.inVol, pb, 0);
                Gemm.multiplyPacked(rows, width, cinG, mr, pa, (grp * blocks + cb) * aSize, pb, 0, true, null, 0, cols, 0, width);
                g.col2im(cols, channels, p0, width, y, yOff);
            }
            st.finish(y, n, grp * coutG + cb * block, channels, 0, g.outVol);
        });
    }

    /**
     * W^T of every group and channel block packed as A panels ({@code aSize} floats a block), each output channel's
     * rows times {@code scale} (null: none); from {@code cache} when it holds them for these scale values. Null where a
     * finite weight times its scale is not finite.
     */
    private static float[] pack(ConvSpec s, Geometry g, float[] w, float[] scale, PackCache cache, int block, int mr, int aSize) {
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int groups = s.groups();
        int blocks = (coutG + block - 1) / block;
        int size = aSize * groups * blocks;
        String key = "transposed g" + groups + " b" + block + " m" + coutG + " k" + cinG + " t" + g.kVol + " mr" + mr;
        // the panels, then one float: 0 where the scale makes a finite weight overflow
        float[] pa = Panels.packed(cache, Panels.key(key, scale), size + 1, packs -> {
            float[] ws = scaled(s, w, scale);
            packs[size] = ws != w && Panels.overflows(w, ws, ws.length) ? 0f : 1f;
            Parallel.forEach(groups * blocks, t -> {
                int grp = t / blocks;
                int cb = t % blocks;
                int rows = Math.min(block, coutG - cb * block) * g.kVol;
                // Row (channel, tap) of W^T, column ci: W[g*cinG + ci][cb*block + channel][tap].
                Gemm.packA(rows, cinG, ws, grp * cinG * coutG * g.kVol + cb * block * g.kVol, 1, coutG * g.kVol, mr, packs, t * aSize);
            });
        });
        return pa[size] == 1f ? pa : null;
    }

    /**
     * The weights of {@code s} ({@code [C_in][C_out/g][taps]}) with output channel c's times {@code scale[c]} (an
     * epilogue's scale folded in, {@link Store#fold}); {@code w} itself where scale is null.
     */
    private static float[] scaled(ConvSpec s, float[] w, float[] scale) {
        if (scale == null) {
            return w;
        }
        int coutG = s.outPerGroup();
        int taps = (int) (s.weightElements() / ((long) s.inChannels() * coutG));
        float[] out = new float[(int) s.weightElements()];
        for (int ci = 0; ci < s.inChannels(); ci++) {
            int first = ci / s.inPerGroup() * coutG;
            for (int co = 0; co < coutG; co++) {
                float a = scale[first + co];
                for (int i = (ci * coutG + co) * taps, end = i + taps; i < end; i++) {
                    out[i] = w[i] * a;
                }
            }
        }
        return out;
    }

    /**
     * {@link #transposed} when every output receives exactly one tap (kernel = stride, no padding, dilation or output
     * padding: 2x2 stride-2 upsampling and the like): column tiles write disjoint outputs, so they are tasks of their
     * own; each task packs its input columns once for all channel blocks and writes each product plus the bias straight
     * to its output, with no bias fill and no accumulation pass over the output.
     */
    static void transposedDisjoint(ConvSpec s, Geometry g, float[] x, float[] bias, float[] y, float[] pa, int block,
                                           int blocks, int aSize, int mr, Store st) {
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int groups = s.groups();
        int nt = Panels.balancedTile(Panels.columnTile(Math.max(block * g.kVol, cinG), g.inVol), g.inVol, s.batch() * groups);
        int tiles = (g.inVol + nt - 1) / nt;
        // A relu alone left after the fold the GEMM's tiles apply as they store, the products started from their rows'
        // biases (row (channel, tap) takes its channel's): no pass over the product block.
        Gemm.Finish finish = Gemm.VECTOR && st.reluAlone() ? new Gemm.Finish(null, null, 0, 1) : null;
        float[] rowBias = finish == null || bias == null ? null : repeated(bias, g.kVol);
        Parallel.forEach(s.batch() * groups * tiles, t -> {
            int n = t / (groups * tiles);
            int grp = (t / tiles) % groups;
            int p0 = (t % tiles) * nt;
            int width = Math.min(nt, g.inVol - p0);
            float[] cols = Workspace.get(Workspace.Slot.BLOCK, block * g.kVol * width);
            float[] pb = Workspace.get(Workspace.Slot.PANELS, Gemm.packedBSize(width, cinG));
            Gemm.packB(width, cinG, x, (n * s.inChannels() + grp * cinG) * g.inVol + p0, g.inVol, pb, 0);
            for (int cb = 0; cb < blocks; cb++) {
                int channels = Math.min(block, coutG - cb * block);
                int rows = channels * g.kVol;
                int c0 = grp * coutG + cb * block;
                if (finish != null) {
                    Gemm.multiplyPacked(rows, width, cinG, mr, pa, (grp * blocks + cb) * aSize, pb, 0, true, rowBias, c0 * g.kVol,
                            cols, 0, width, Workspace.get(Workspace.Slot.EDGE, Gemm.EDGE), (row, count, col, w) -> {
                                for (int r = row; r < row + count; r++) {
                                    VectorGemm.epilogue(cols, r * width + col, w, 1f, 0f, null, 0, 1);
                                }
                            }, finish);
                    g.place(cols, channels, p0, width, y, st.placement(), n, null, c0);
                    continue;
                }
                Gemm.multiplyPacked(rows, width, cinG, mr, pa, (grp * blocks + cb) * aSize, pb, 0, true, null, 0, cols, 0, width);
                if (st.active() && !st.readsResidual()) {
                    // the epilogue on each channel's rows of the product, before the one store
                    for (int c = 0; c < channels; c++) {
                        st.finishValues(cols, c * g.kVol * width, g.kVol * width, c0 + c, bias == null ? 0f : bias[c0 + c]);
                    }
                    g.place(cols, channels, p0, width, y, st.placement(), n, null, c0);
                    continue;
                }
                g.place(cols, channels, p0, width, y, st, n, bias, c0);
            }
        });
    }

    /** Each of {@code v}'s values {@code times} times in a row. */
    private static float[] repeated(float[] v, int times) {
        float[] out = new float[v.length * times];
        for (int i = 0; i < out.length; i++) {
            out[i] = v[i / times];
        }
        return out;
    }
}
