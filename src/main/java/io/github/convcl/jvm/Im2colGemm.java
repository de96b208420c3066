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

    static void run(ConvSpec s, float[] x, float[] w, float[] bias, float[] y, boolean pointwise, PackCache cache, Store st) {
        Geometry g = new Geometry(s);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int reduction = cinG * g.kVol;
        int groups = s.groups();
        int mr = Gemm.rowPanel(coutG);
        int aSize = Gemm.packedASize(coutG, reduction, mr);
        float[] pa = Panels.packWeights(cache, w, groups, coutG, reduction, mr, aSize);
        int nt0 = Panels.columnTile(reduction, g.outVol);
        int mb = Panels.rowBlock(coutG, s.batch() * groups * ((g.outVol + nt0 - 1) / nt0));
        int blocks = (coutG + mb - 1) / mb;
        int nt = Panels.balancedTile(nt0, g.outVol, s.batch() * groups * blocks);
        int tiles = (g.outVol + nt - 1) / nt;
        Parallel.forEach(s.batch() * groups * blocks * tiles, t -> {
            int n = t / (groups * blocks * tiles);
            int grp = (t / (blocks * tiles)) % groups;
            int m0 = ((t / tiles) % blocks) * mb;
            int rows = Math.min(mb, coutG - m0);
            int p0 = (t % tiles) * nt;
            int cols = Math.min(nt, g.outVol - p0);
            int yOff = st.plane(n, grp * coutG + m0) + p0;
            int xOff = (n * s.inChannels() + grp * cinG) * g.inVol;
            float[] pb = Workspace.get(Workspace.Slot.PANELS, Gemm.packedBSize(cols, reduction));
            if (pointwise) {
                Gemm.packB(cols, reduction, x, xOff + p0, g.inVol, pb, 0);
            } else {
                g.im2colPacked(x, xOff, cinG, p0, cols, pb, reduction, Workspace.get(Workspace.Slot.BLOCK, cols));
            }
            Gemm.Done done = st.active() ? (row, count, col, width) -> st.finish(y, n, grp * coutG + m0 + row, count, p0 + col, width) : null;
            // rows [m0, m0 + rows) start at a panel boundary: their packed panels begin at m0 * reduction
            Gemm.multiplyPacked(rows, cols, reduction, mr, pa, grp * aSize + m0 * reduction, pb, 0, true, bias, grp * coutG + m0, y, yOff,
                    g.outVol, Workspace.get(Workspace.Slot.EDGE, Gemm.EDGE), done);
        });
    }
}
