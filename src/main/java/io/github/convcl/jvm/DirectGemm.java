// Java direct GEMM: the input copied padded into phase planes, the unfolded rows read in place, as its plan lays out.
package io.github.convcl.jvm;

import io.github.convcl.plan.JavaDirect;
import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PhasePlanes;

/**
 * The direct GEMM: each task multiplies packed weights by unfolded rows read in place from the padded input (no
 * im2col), in the layout and with the padding its {@link JavaDirect} plan gives.
 */
final class DirectGemm {
    private DirectGemm() {
    }

    /** Floats past the padded input that a 16- or 32-wide tile may read for columns it discards. */
    static final int DIRECT_SLACK = 32;

    /**
     * Convolution without im2col: each image is copied once into a padded buffer (applying the padding mode; a
     * stride becomes phase planes, see {@link Geometry#padPhases}), and each row of the unfolded matrix is read in
     * place at a fixed offset from the output position's base. Workspace: one padded image.
     */
    static void run(ConvSpec s, JavaDirect plan, float[] x, float[] w, float[] bias, float[] y, PackCache cache, Store store) {
        Geometry g = new Geometry(s);
        PhasePlanes ph = PhasePlanes.of(s);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int reduction = cinG * g.kVol;
        int mr = Gemm.rowPanel(coutG);
        int aSize = Gemm.packedASize(coutG, reduction, mr);
        Store.Packed packed = store.foldInto(bias,
                scale -> Panels.packWeights(cache, w, scale, s.groups(), coutG, reduction, mr, aSize));
        Store.Folded f = packed.folded();
        DirectTask task = new DirectTask(s, g, ph, plan, packed.weights(), aSize, mr, f.bias(), y, f.store());
        if (plan.padding() == JavaDirect.Padding.LOCAL) {
            if (plan.layout() == JavaDirect.Layout.ROWS) {
                task.rowsLocal(x);
            } else {
                task.columnsLocal(x);
            }
            return;
        }
        task.padded(x);
    }

    /**
     * One direct-GEMM call as its plan lays it out. Outputs are computed in phase-plane coordinates: position (oy, ox)
     * of a z-plane sits at P = oy*wq + ox, so the plane is one run of columns (wq - width per row are computed and
     * discarded) split into chunks, and no tile is cut at a row end.
     */
    static final class DirectTask {
        final ConvSpec s;
        final Geometry g;
        final PhasePlanes ph;
        final JavaDirect plan;
        final float[] pa;
        final int aSize;
        final int mr;
        final float[] bias;
        final float[] y;
        final Store st;
        /**
         * Whether the epilogue is a relu alone that the row tiles ({@link Gemm#multiplyRows}) or the copy out of a column
         * block ({@link #copyOut}) store themselves, so no pass runs.
         */
        final boolean reluInTiles;
        final int cin;
        final int cinG;
        final int coutG;
        final int groups;
        final int reduction;
        final int width;
        final int height;
        final int planes;
        final int extent;

        DirectTask(ConvSpec s, Geometry g, PhasePlanes ph, JavaDirect plan, float[] pa, int aSize, int mr, float[] bias, float[] y, Store st) {
            this.s = s;
            this.g = g;
            this.ph = ph;
            this.plan = plan;
            this.pa = pa;
            this.aSize = aSize;
            this.mr = mr;
            this.bias = bias;
            this.y = y;
            this.st = st;
            reluInTiles = Gemm.REGISTER_EPILOGUE && st.reluAlone();
            cin = s.inChannels();
            cinG = s.inPerGroup();
            coutG = s.outPerGroup();
            groups = s.groups();
            reduction = cinG * g.kVol;
            width = g.out[2];
            height = g.out[1];
            planes = g.out[0];
            extent = (height - 1) * ph.wq() + width;
        }

        /** Where the unfolded rows read: channel c's tap t at {@code c * plane + taps[t]}. */
        int[] offsets() {
            int[] offs = new int[reduction];
            for (int c = 0; c < cinG; c++) {
                for (int t = 0; t < g.kVol; t++) {
                    offs[c * g.kVol + t] = c * ph.plane() + ph.taps()[t];
                }
            }
            return offs;
        }

        /** The padding pass (or, for {@link JavaDirect.Padding#IN_TASK}, each task's own), then the tiles. */
        void padded(float[] x) {
            int[] before = ph.before();
            int[] padded = ph.padded();
            int dq = ph.dq();
            int hq = ph.hq();
            int wq = ph.wq();
            int plane = ph.plane();
            int[] offs = offsets();
            int mb = plan.channelBlock();
            int blocks = (coutG + mb - 1) / mb;
            boolean byRows = plan.layout() == JavaDirect.Layout.ROWS;
            boolean padInTask = plan.padding() == JavaDirect.Padding.IN_TASK;
            int rowsPerTask = plan.rowsPerTask();
            int rowRuns = byRows ? (height + rowsPerTask - 1) / rowsPerTask : 0;
            int colSpan = plan.columnSpan();
            int colRuns = byRows ? Math.max(1, width / colSpan) : 0; // the last run takes the rest, 16 columns or more
            int rowSplit = rowRuns * colRuns;
            int span = plan.span();
            int chunks = byRows ? 0 : (extent + span - 1) / span;
            int perBlock = plan.imagesPerPass();
            float[] xp = Workspace.get(Workspace.Slot.INPUT, perBlock * cin * plane + DIRECT_SLACK);
            for (int first = 0; first < s.batch(); first += perBlock) {
                int n0 = first;
                int count = Math.min(perBlock, s.batch() - first);
                if (!padInTask) {
                    Parallel.forEach(count * cin, c -> g.padPhases(x, (n0 * cin + c) * g.inVol, xp, c * plane, before, padded, dq, hq, wq));
                }
                if (byRows) {
                    Parallel.forEach(count * groups * blocks * planes * rowSplit, t -> {
                        int n = n0 + t / (groups * blocks * planes * rowSplit);
                        int grp = (t / (blocks * planes * rowSplit)) % groups;
                        int m0 = ((t / (planes * rowSplit)) % blocks) * mb;
                        int rows = Math.min(mb, coutG - m0);
                        int oz = (t / rowSplit) % planes;
                        int oy0 = (t % rowSplit) / colRuns * rowsPerTask;
                        int oy1 = Math.min(height, oy0 + rowsPerTask);
                        int run = t % colRuns;
                        int c0 = run * colSpan;
                        int c1 = run == colRuns - 1 ? width : c0 + colSpan;
                        int xBase = ((n - n0) * cin + grp * cinG) * plane + oz * hq * wq;
                        if (padInTask) {
                            for (int c = grp * cinG; c < (grp + 1) * cinG; c++) {
                                g.padPhases(x, (n * cin + c) * g.inVol, xp, ((n - n0) * cin + c) * plane, before, padded, dq, hq, wq);
                            }
                        }
                        int yPlane = st.plane(n, grp * coutG + m0) + oz * height * width;
                        float[] scratch = Workspace.get(Workspace.Slot.BLOCK, Gemm.ROWS_SCRATCH);
                        for (int oy = oy0; oy < oy1; oy++) {
                            Gemm.multiplyRows(rows, c0, c1, reduction, mr, pa, grp * aSize + m0 * reduction, xp, xBase + oy * wq, offs,
                                    bias, grp * coutG + m0, y, yPlane + oy * width, g.outVol, scratch, reluInTiles);
                            if (!reluInTiles) {
                                finishRows(st, y, n, grp * coutG + m0, rows, oz * height, oy0, oy, oy1, c0, c1, width);
                            }
                        }
                    });
                    continue;
                }
                // One output row per plane (1D) or rows as wide as the phase rows: the columns are the output positions
                // themselves, so the tiles accumulate straight into the output (no block to clear and copy out).
                boolean inPlace = height == 1 || wq == width;
                Parallel.forEach(count * groups * blocks * planes * chunks, t -> {
                    int n = n0 + t / (groups * blocks * planes * chunks);
                    int grp = (t / (blocks * planes * chunks)) % groups;
                    int m0 = ((t / (planes * chunks)) % blocks) * mb;
                    int rows = Math.min(mb, coutG - m0);
                    int oz = (t / chunks) % planes;
                    int p0 = (t % chunks) * span;
                    int len = Math.min(span, extent - p0);
                    int yPlane = st.plane(n, grp * coutG + m0) + oz * height * width;
                    directColumns(rows, len, p0, reduction, mr, pa, grp * aSize + m0 * reduction, xp,
                            ((n - n0) * cin + grp * cinG) * plane + oz * hq * wq + p0, offs, bias, grp * coutG + m0, y, yPlane,
                            g.outVol, wq, width, inPlace, reluInTiles);
                    if (inPlace || !reluInTiles) {
                        finishColumns(st, y, n, grp * coutG + m0, rows, oz * height * width, p0, len, wq, width);
                    }
                });
            }
        }

        /**
         * Row tiles with each task padding only what its output rows read: rows [oy0, oy0 + rowsPerTask) of one plane
         * read phase positions [oy0 * wq, (oy0 + rowsPerTask) * wq + reach) of every phase plane of the group's input
         * channels, copied into a thread-local block, so no padding pass over the batch runs first and the block is
         * still in the core's cache when the tiles read it.
         */
        void rowsLocal(float[] x) {
            int hq = ph.hq();
            int wq = ph.wq();
            int reach = ph.reach();
            int phases = ph.phases();
            int mb = plan.channelBlock();
            int blocks = (coutG + mb - 1) / mb;
            int rowsPerTask = plan.rowsPerTask();
            int rowRuns = (height + rowsPerTask - 1) / rowsPerTask;
            int count = rowsPerTask * wq + reach;
            int stride = count + DIRECT_SLACK;
            int[] offs = ph.localOffsets(cinG, g.kVol, stride);
            Parallel.forEach(s.batch() * groups * blocks * planes * rowRuns, t -> {
                int n = t / (groups * blocks * planes * rowRuns);
                int grp = (t / (blocks * planes * rowRuns)) % groups;
                int m0 = ((t / (planes * rowRuns)) % blocks) * mb;
                int rows = Math.min(mb, coutG - m0);
                int oz = (t / rowRuns) % planes;
                int oy0 = (t % rowRuns) * rowsPerTask;
                int oy1 = Math.min(height, oy0 + rowsPerTask);
                float[] local = Workspace.get(Workspace.Slot.INPUT, cinG * phases * stride + DIRECT_SLACK);
                for (int c = 0; c < cinG; c++) {
                    g.padPhaseRange(x, (n * cin + grp * cinG + c) * g.inVol, ph, oz * hq * wq + oy0 * wq, count, local,
                            c * phases * stride, stride);
                }
                int yPlane = st.plane(n, grp * coutG + m0) + oz * height * width;
                float[] scratch = Workspace.get(Workspace.Slot.BLOCK, Gemm.ROWS_SCRATCH);
                for (int oy = oy0; oy < oy1; oy++) {
                    Gemm.multiplyRows(rows, 0, width, reduction, mr, pa, grp * aSize + m0 * reduction, local, (oy - oy0) * wq, offs,
                            bias, grp * coutG + m0, y, yPlane + oy * width, g.outVol, scratch, reluInTiles);
                    if (!reluInTiles) {
                        finishRows(st, y, n, grp * coutG + m0, rows, oz * height, oy0, oy, oy1, 0, width, width);
                    }
                }
            });
        }

        /**
         * Column runs with each task padding only the input its columns read: for output positions [p0, p0 + len) of one
         * plane, the positions [p0, p0 + len + reach) of every phase plane of the group's input channels, copied into a
         * thread-local block that stays in L2 while the tiles read it (reach: the farthest tap within a phase plane).
         */
        void columnsLocal(float[] x) {
            int hq = ph.hq();
            int wq = ph.wq();
            int phases = ph.phases();
            int reach = ph.reach();
            int span = plan.span();
            int chunks = (extent + span - 1) / span;
            int stride = span + reach;
            int[] offs = ph.localOffsets(cinG, g.kVol, stride);
            boolean inPlace = height == 1 || wq == width;
            Parallel.forEach(s.batch() * groups * planes * chunks, t -> {
                int n = t / (groups * planes * chunks);
                int grp = (t / (planes * chunks)) % groups;
                int oz = (t / chunks) % planes;
                int p0 = (t % chunks) * span;
                int len = Math.min(span, extent - p0);
                float[] local = Workspace.get(Workspace.Slot.INPUT, cinG * phases * stride + DIRECT_SLACK);
                for (int c = 0; c < cinG; c++) {
                    g.padPhaseRange(x, (n * cin + grp * cinG + c) * g.inVol, ph, oz * hq * wq + p0, len + reach, local,
                            c * phases * stride, stride);
                }
                int yPlane = st.plane(n, grp * coutG) + oz * height * width;
                directColumns(coutG, len, p0, reduction, mr, pa, grp * aSize, local, 0, offs, bias, grp * coutG, y, yPlane,
                        g.outVol, wq, width, inPlace, reluInTiles);
                if (inPlace || !reluInTiles) {
                    finishColumns(st, y, n, grp * coutG, coutG, oz * height * width, p0, len, wq, width);
                }
            });
        }
    }

    /**
     * After output row {@code oy} of a task's rows [oy0, oy1) (columns [c0, c1) of a plane {@code width} wide, the plane's
     * first row {@code row0}): the epilogue over the rows not yet finished, at the task's last row and, where the columns
     * are the whole width (consecutive rows of a channel are then one run), every few rows: as many as keep the block
     * of {@code rows} channels within {@link Thresholds#JAVA_EPILOGUE_BLOCK_FLOATS} (in L1), so that short rows (a 28-wide
     * row is three vectors and four floats) cost few calls and vector tails; otherwise after each row.
     */
    static void finishRows(Store st, float[] y, int n, int co, int rows, int row0, int oy0, int oy, int oy1, int c0, int c1, int width) {
        int group = c0 == 0 && c1 == width ? Math.max(1, Thresholds.JAVA_EPILOGUE_BLOCK_FLOATS / Math.max(1, rows * width)) : 1;
        int done = oy + 1 - oy0;
        if (done % group != 0 && oy + 1 != oy1) {
            return;
        }
        int first = oy + 1 - ((done - 1) % group + 1);
        st.finish(y, n, co, rows, (row0 + first) * width + c0, (oy - first) * width + c1 - c0);
    }

    /**
     * The epilogue over what {@link #directColumns} stored: phase positions [p0, p0 + len) of the plane at output
     * position {@code planePos}, the valid ones (ox &lt; width) of each phase row.
     */
    static void finishColumns(Store st, float[] y, int n, int co, int rows, int planePos, int p0, int len, int wq, int width) {
        if (!st.active()) {
            return;
        }
        for (int oy = p0 / wq, last = (p0 + len - 1) / wq; oy <= last; oy++) {
            int from = Math.max(p0, oy * wq);
            int to = Math.min(p0 + len, oy * wq + width);
            st.finish(y, n, co, rows, planePos + oy * width + from - oy * wq, to - from);
        }
    }

    /**
     * One direct-GEMM task's product: {@code rows} output channels (A from {@code aOff}, bias from {@code biasOff}) over
     * phase positions [p0, p0 + len) of one output plane at {@code y[yPlane]}, B rows read at {@code xs[xOff + offs[k]]}.
     * With {@code inPlace} (the positions are the output's own columns) the tiles accumulate into the output, started
     * from the bias; otherwise into a cleared block that {@link #copyOut} moves to the output, as {@code max(v, 0)}
     * with {@code relu}.
     */
    static void directColumns(int rows, int len, int p0, int reduction, int mr, float[] pa, int aOff, float[] xs, int xOff,
                                      int[] offs, float[] bias, int biasOff, float[] y, int yPlane, int outVol, int wq, int width,
                                      boolean inPlace, boolean relu) {
        float[] scratch = Workspace.get(Workspace.Slot.PANELS, Gemm.DIRECT_SCRATCH);
        if (inPlace) {
            for (int m = 0; m < rows; m++) {
                Panels.fillBias(y, yPlane + m * outVol + p0, len, bias == null ? 0f : bias[biasOff + m]);
            }
            Gemm.multiplyDirect(rows, len, reduction, mr, pa, aOff, xs, xOff, offs, y, yPlane + p0, outVol, scratch);
            return;
        }
        float[] acc = Workspace.get(Workspace.Slot.BLOCK, rows * len);
        java.util.Arrays.fill(acc, 0, rows * len, 0f);
        Gemm.multiplyDirect(rows, len, reduction, mr, pa, aOff, xs, xOff, offs, acc, 0, len, scratch);
        copyOut(acc, len, p0, wq, width, rows, bias, biasOff, y, yPlane, outVol, relu);
    }

    /**
     * Rows of an accumulator block (row m at {@code acc[m * len]}, column p is phase position p0 + p) to the output:
     * position P = oy * wq + ox is output (oy, ox), kept where ox &lt; width, plus the row's bias; with {@code relu}
     * stored as {@code max(v, 0)}.
     */
    static void copyOut(float[] acc, int len, int p0, int wq, int width, int rows, float[] bias, int biasOff,
                                float[] y, int yPlane, int outVol, boolean relu) {
        int oyFirst = p0 / wq;
        int oyLast = (p0 + len - 1) / wq;
        for (int m = 0; m < rows; m++) {
            float b = bias == null ? 0f : bias[biasOff + m];
            int dstBase = yPlane + m * outVol;
            int srcBase = m * len - p0;
            for (int oy = oyFirst; oy <= oyLast; oy++) {
                int from = Math.max(p0, oy * wq);
                int to = Math.min(p0 + len, oy * wq + width);
                int src = srcBase + from;
                int dst = dstBase + oy * width + from - oy * wq;
                if (relu) {
                    for (int q = 0, end = to - from; q < end; q++) {
                        y[dst + q] = Math.max(acc[src + q] + b, 0f);
                    }
                } else {
                    for (int q = 0, end = to - from; q < end; q++) {
                        y[dst + q] = acc[src + q] + b;
                    }
                }
            }
        }
    }
}
