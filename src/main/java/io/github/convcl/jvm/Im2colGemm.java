// Java im2col + GEMM: the convolution that handles every layer, and the pointwise 1x1 without im2col.
package io.github.convcl.jvm;

import io.github.convcl.spec.ConvSpec;

/**
 * Convolution as im2col of a column tile (or, pointwise, the input itself as B) and a packed GEMM, per (image, group,
 * block of output channels, column tile) task.
 */
final class Im2colGemm {
    private Im2colGemm() {
    }

    static void run(ConvSpec s, float[] x, float[] w, float[] b, float[] y, boolean pointwise, PackCache cache, Store store) {
        Geometry g = new Geometry(s);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int reduction = cinG * g.kVol;
        int groups = s.groups();
        int mr = Gemm.rowPanel(coutG);
        int aSize = Gemm.packedASize(coutG, reduction, mr);
        Store.Packed packed = store.foldInto(b,
                scale -> Panels.packWeights(cache, w, scale, groups, coutG, reduction, mr, aSize));
        float[] pa = packed.weights();
        float[] bias = packed.folded().bias();
        Store st = packed.folded().store();
        int nt0 = Panels.columnTile(reduction, g.outVol);
        int mb = Panels.rowBlock(coutG, mr, s.batch() * groups * ((g.outVol + nt0 - 1) / nt0));
        int blocks = (coutG + mb - 1) / mb;
        int nt = Panels.balancedTile(nt0, g.outVol, s.batch() * groups * blocks);
        int tiles = (g.outVol + nt - 1) / nt;
        // a pointwise layer's last few columns (14x14: 196 = 6 x 32 + 4) as dot products along the reduction; the
        // GEMM takes the columns before them
        int dot = pointwise ? dotColumns(g.outVol) : 0;
        int gemmVol = g.outVol - dot;
        // With several row blocks every column tile's B panels are read by each of them: packed once, before the
        // products, rather than once per block (within the shared-pack bound).
        int tileB = Gemm.packedBSize(nt, reduction);
        long sharedSize = (long) s.batch() * groups * tiles * tileB;
        float[] shared = blocks > 1 && sharedSize <= io.github.convcl.plan.Thresholds.JAVA_SHARED_PACK_FLOATS
                ? Workspace.get(Workspace.Slot.INPUT, (int) sharedSize) : null;
        if (shared != null) {
            Parallel.forEach(s.batch() * groups * tiles, q -> {
                int n = q / (groups * tiles);
                int grp = (q / tiles) % groups;
                int p0 = (q % tiles) * nt;
                int cols = Math.min(nt, gemmVol - p0);
                int xOff = (n * s.inChannels() + grp * cinG) * g.inVol;
                if (cols > 0) {
                    pack(g, pointwise, x, xOff, cinG, p0, cols, reduction, shared, q * tileB);
                }
            });
        }
        Parallel.forEach(s.batch() * groups * blocks * tiles, t -> {
            int n = t / (groups * blocks * tiles);
            int grp = (t / (blocks * tiles)) % groups;
            int m0 = ((t / tiles) % blocks) * mb;
            int rows = Math.min(mb, coutG - m0);
            int p0 = (t % tiles) * nt;
            int cols = Math.min(nt, g.outVol - p0);
            int gemmCols = Math.max(0, Math.min(cols, gemmVol - p0));
            int yOff = st.plane(n, grp * coutG + m0) + p0;
            int xOff = (n * s.inChannels() + grp * cinG) * g.inVol;
            Gemm.Done done = st.active() ? (row, count, col, width) -> st.finish(y, n, grp * coutG + m0 + row, count, p0 + col, width) : null;
            Gemm.Finish finish = st.inRegisters(grp * coutG + m0);
            if (gemmCols > 0) {
                float[] pb;
                int pbOff;
                if (shared != null) {
                    pb = shared;
                    pbOff = ((n * groups + grp) * tiles + t % tiles) * tileB;
                } else {
                    pb = Workspace.get(Workspace.Slot.PANELS, Gemm.packedBSize(gemmCols, reduction));
                    pbOff = 0;
                    pack(g, pointwise, x, xOff, cinG, p0, gemmCols, reduction, pb, 0);
                }
                // rows [m0, m0 + rows) start at a panel boundary: their packed panels begin at m0 * reduction
                Gemm.multiplyPacked(rows, gemmCols, reduction, mr, pa, grp * aSize + m0 * reduction, pb, pbOff, true, bias, grp * coutG + m0,
                        y, yOff, g.outVol, Workspace.get(Workspace.Slot.EDGE, Gemm.EDGE), done, finish);
            }
            if (gemmCols < cols) {
                // the dot products read the weights as given, so these columns take the epilogue unfolded
                WideGemm.dotColumns(rows, cols - gemmCols, reduction, w, (grp * coutG + m0) * reduction, x, xOff + p0 + gemmCols, g.inVol,
                        b, grp * coutG + m0, y, yOff + gemmCols, g.outVol,
                        Workspace.get(Workspace.Slot.BLOCK, WideGemm.DOT_COLUMNS * reduction));
                store.finish(y, n, grp * coutG + m0, rows, p0 + gemmCols, cols - gemmCols);
            }
        });
    }

    /**
     * Columns at the end of a pointwise layer's {@code positions} that {@link WideGemm#dotColumns} computes: the few
     * past the last whole 32-column tile (up to {@link WideGemm#DOT_COLUMNS}), where the 512-bit tiles run; none
     * otherwise. A rule of the positions alone, so the same columns at every thread count (the same values).
     */
    static int dotColumns(int positions) {
        int rest = positions % (2 * Gemm.NR);
        return Gemm.WIDE && positions > rest && rest <= WideGemm.DOT_COLUMNS ? rest : 0;
    }

    /** Columns [p0, p0 + cols) of one image's group as packed B at {@code pb[at..]}: the input itself (pointwise) or im2col. */
    private static void pack(Geometry g, boolean pointwise, float[] x, int xOff, int cinG, int p0, int cols, int reduction, float[] pb, int at) {
        if (pointwise) {
            Gemm.packB(cols, reduction, x, xOff + p0, g.inVol, pb, at);
        } else {
            g.im2colPacked(x, xOff, cinG, p0, cols, pb, at, reduction, Workspace.get(Workspace.Slot.BLOCK, cols));
        }
    }
}
