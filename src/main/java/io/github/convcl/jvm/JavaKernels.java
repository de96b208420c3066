// The Java backend's convolution kernels on float arrays: im2col+GEMM, pointwise, depthwise, transposed.
package io.github.convcl.jvm;

import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;

/**
 * Convolution kernels on NC(D)(H)W float arrays. Work is split over (image, group, tile) tasks on
 * {@link Parallel}'s pool; each worker reuses one workspace whose size is bounded by the column tile,
 * so steady-state calls allocate nothing large.
 */
public final class JavaKernels {
    /**
     * Per-thread scratch, grown on demand and kept: [0] packed B or column tiles, [1] one unfolded row, [2] packed A,
     * [3] the padded input of the direct GEMM (on the calling thread).
     */
    private static final ThreadLocal<float[][]> WORKSPACE = ThreadLocal.withInitial(() -> new float[6][0]);
    /** Floats past the padded input that a 16- or 32-wide tile may read for columns it discards. */
    private static final int DIRECT_SLACK = 32;

    private JavaKernels() {
    }

    /** Runs {@code algorithm} for {@code s}; {@code bias} may be null. */
    public static void run(Algorithm algorithm, ConvSpec s, float[] x, float[] w, float[] bias, float[] y) {
        run(algorithm, s, x, w, bias, y, null);
    }

    /** As {@link #run(Algorithm, ConvSpec, float[], float[], float[], float[])}, reusing packed weights from {@code cache}. */
    static void run(Algorithm algorithm, ConvSpec s, float[] x, float[] w, float[] bias, float[] y, PackCache cache) {
        if (s.batch() == 0) {
            return;
        }
        switch (algorithm) {
            case JAVA_IM2COL_GEMM, JAVA_POINTWISE_GEMM -> gemmConv(s, x, w, bias, y, algorithm == Algorithm.JAVA_POINTWISE_GEMM, cache);
            case JAVA_DEPTHWISE -> depthwise(s, x, w, bias, y);
            case JAVA_DIRECT_GEMM -> directGemm(s, x, w, bias, y, cache);
            case JAVA_TRANSPOSED_GEMM -> transposed(s, x, w, bias, y, cache);
            case JAVA_TRANSPOSED_DIRECT -> transposedDirect(s, x, w, bias, y, cache);
            case JAVA_WINOGRAD -> {
                // Winograd's transforms spread one non-finite input over its whole tile (and make NaN of an infinity):
                // such inputs run the direct GEMM, which keeps them inside their receptive field.
                if (finite(x, s.inputElements()) && finite(w, s.weightElements())) {
                    JavaWinograd.run(s, x, w, bias, y, cache);
                } else {
                    directGemm(s, x, w, bias, y, cache);
                }
            }
            default -> throw new IllegalStateException("not a Java algorithm: " + algorithm);
        }
    }

    /** Whether the first {@code n} floats of {@code a} hold no NaN and no infinity. */
    static boolean finite(float[] a, long n) {
        if (Gemm.VECTOR) {
            return VectorGemm.finite(a, (int) n);
        }
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(a[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * A per-thread scratch array of at least {@code size} floats. Slots: 0 and 1 a task's panels and blocks, 2 packed
     * weights when no cache holds them, 3 the calling thread's padded input, 4 and 5 the Winograd task's matrices.
     */
    static float[] workspace(int slot, int size) {
        float[][] ws = WORKSPACE.get();
        if (ws[slot].length < size) {
            ws[slot] = new float[size];
        }
        return ws[slot];
    }

    static int columnTile(int reduction, int columns) {
        int nt = Thresholds.JAVA_COLUMN_TILE_BYTES / (4 * Math.max(1, reduction));
        nt = Math.max(Thresholds.JAVA_MIN_COLUMN_TILE, Math.min(Thresholds.JAVA_MAX_COLUMN_TILE, nt));
        nt = (nt + 15) & ~15;
        return Math.min(nt, columns);
    }

    /** Splits {@code columns} into tiles so that there are at least {@code JAVA_TASKS_PER_CORE} tasks per core. */
    private static int balancedTile(int tile, int columns, int otherTasks) {
        int want = Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE;
        while (tile > Thresholds.JAVA_MIN_COLUMN_TILE && (long) otherTasks * ((columns + tile - 1) / tile) < want) {
            tile = Math.max(Thresholds.JAVA_MIN_COLUMN_TILE, tile / 2);
        }
        return tile;
    }

    /** Images padded together: as many as fit {@link Thresholds#JAVA_PADDED_WORKSPACE_BYTES}, at least one. */
    static int imagesPerBlock(int batch, long floatsPerImage) {
        long fit = Thresholds.JAVA_PADDED_WORKSPACE_BYTES / Math.max(1, floatsPerImage * Float.BYTES);
        return (int) Math.max(1, Math.min(batch, fit));
    }

    /**
     * The weights of every group, (C_out/g) x (C_in/g * taps) each, packed as A panels at {@code g * aSize}: from
     * {@code cache} when it holds them for this geometry, else packed in parallel (and kept there).
     */
    private static float[] packWeights(PackCache cache, float[] w, int groups, int coutG, int reduction, int mr, int aSize) {
        String key = "gemm g" + groups + " m" + coutG + " k" + reduction + " mr" + mr;
        return packed(cache, key, aSize * groups, pa -> {
            int[] starts = Gemm.panelStarts(coutG, mr);
            int panels = starts.length - 1;
            Parallel.forEach(groups * panels, t -> Gemm.packPanel(coutG, reduction, w, (t / panels) * coutG * reduction, reduction, 1, mr,
                    starts[t % panels], pa, (t / panels) * aSize));
        });
    }

    /** Packed panels of {@code size} floats under {@code key}: cached, or packed by {@code pack} into a reused array. */
    static float[] packed(PackCache cache, String key, int size, java.util.function.Consumer<float[]> pack) {
        if (cache == null) {
            float[] pa = workspace(2, size);
            pack.accept(pa);
            return pa;
        }
        float[] hit = cache.get(key);
        if (hit != null) {
            return hit;
        }
        long version = cache.version();
        float[] pa = cache.recycle(size);
        if (pa == null) {
            pa = new float[size];
        }
        pack.accept(pa);
        cache.put(key, version, pa);
        return pa;
    }

    private static void fillBias(float[] y, int off, int len, float v) {
        java.util.Arrays.fill(y, off, off + len, v);
    }

    private static void gemmConv(ConvSpec s, float[] x, float[] w, float[] bias, float[] y, boolean pointwise, PackCache cache) {
        Geometry g = new Geometry(s);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int reduction = cinG * g.kVol;
        int groups = s.groups();
        int mr = Gemm.rowPanel(coutG);
        int aSize = Gemm.packedASize(coutG, reduction, mr);
        float[] pa = packWeights(cache, w, groups, coutG, reduction, mr, aSize);
        int nt = balancedTile(columnTile(reduction, g.outVol), g.outVol, s.batch() * groups);
        int tiles = (g.outVol + nt - 1) / nt;
        Parallel.forEach(s.batch() * groups * tiles, t -> {
            int n = t / (groups * tiles);
            int grp = (t / tiles) % groups;
            int p0 = (t % tiles) * nt;
            int cols = Math.min(nt, g.outVol - p0);
            int yOff = (n * s.outChannels() + grp * coutG) * g.outVol + p0;
            int xOff = (n * s.inChannels() + grp * cinG) * g.inVol;
            float[] pb = workspace(0, Gemm.packedBSize(cols, reduction));
            if (pointwise) {
                Gemm.packB(cols, reduction, x, xOff + p0, g.inVol, pb, 0);
            } else {
                g.im2colPacked(x, xOff, cinG, p0, cols, pb, reduction, workspace(1, cols));
            }
            Gemm.multiplyPacked(coutG, cols, reduction, mr, pa, grp * aSize, pb, 0, true, bias, grp * coutG, y, yOff, g.outVol);
        });
    }

    /**
     * Convolution without im2col: each image is copied once into a padded buffer (applying the padding mode; a
     * stride becomes phase planes, see {@link Geometry#padPhases}), and each row of the unfolded matrix is read in
     * place at a fixed offset from the output position's base. Workspace: one padded image.
     */
    private static void directGemm(ConvSpec s, float[] x, float[] w, float[] bias, float[] y, PackCache cache) {
        Geometry g = new Geometry(s);
        PhasePlanes ph = PhasePlanes.of(s, g);
        int[] before = ph.before();
        int[] padded = ph.padded();
        int dq = ph.dq();
        int hq = ph.hq();
        int wq = ph.wq();
        int plane = ph.plane();
        int cin = s.inChannels();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int reduction = cinG * g.kVol;
        int groups = s.groups();
        int mr = Gemm.rowPanel(coutG);
        int aSize = Gemm.packedASize(coutG, reduction, mr);
        float[] pa = packWeights(cache, w, groups, coutG, reduction, mr, aSize);
        int[] offs = new int[reduction];
        for (int c = 0; c < cinG; c++) {
            for (int t = 0; t < g.kVol; t++) {
                offs[c * g.kVol + t] = c * plane + ph.taps()[t];
            }
        }
        // Outputs are computed in phase-plane coordinates: position (oy, ox) of a z-plane sits at P = oy*wq + ox, so
        // the plane is one run of columns (wq - width per row are computed and discarded) split into chunks, and no
        // tile is cut at a row end.
        int width = g.out[2];
        int height = g.out[1];
        int planes = g.out[0];
        int extent = (height - 1) * wq + width;
        int chunk = Math.min(extent, Thresholds.JAVA_DIRECT_SPAN);
        int want = Parallel.threads() * Thresholds.JAVA_DIRECT_TASKS_PER_CORE;
        // Few output channels (per group or in all): register tiles read the padded rows in place and write finished
        // output rows, with no B panel to fill and no accumulator block to copy out (below).
        boolean byRows = rowTiles(coutG, cinG, width);
        if (!byRows && directLocal(s, g, ph, x, pa, aSize, bias, y, extent, want, mr)) {
            return;
        }
        // Few output positions but many output channels (deep layers on small images): split the channels before
        // the positions, so that each task still reuses its weight rows over a long run of columns.
        long positionTasks = (long) s.batch() * groups * planes * ((extent + chunk - 1) / chunk);
        int mBlocks = 1;
        if (positionTasks < want && mr == 6) {
            mBlocks = (int) Math.max(1, Math.min((want + positionTasks - 1) / positionTasks, coutG / Thresholds.JAVA_MIN_CHANNEL_BLOCK));
        }
        int channelBlock = (coutG + mBlocks - 1) / mBlocks;
        channelBlock = (channelBlock + 5) / 6 * 6; // whole 6-row panels, so each block keeps the full matrix's panel plan
        int blocks = (coutG + channelBlock - 1) / channelBlock;
        // The accumulator block (channels x columns) stays in L2 beside the weights' reduction block.
        chunk = Math.min(chunk, Math.max(4 * Gemm.NR, Thresholds.JAVA_DIRECT_ACCUMULATOR_BYTES / Float.BYTES / channelBlock));
        while (chunk > 4 * Gemm.NR && (long) s.batch() * groups * planes * blocks * ((extent + chunk - 1) / chunk) < want) {
            chunk = (chunk + 1) / 2;
        }
        int span = (chunk + Gemm.NR - 1) / Gemm.NR * Gemm.NR;
        int chunks = (extent + span - 1) / span;
        int mb = channelBlock;
        // Row tiles: tasks take runs of whole rows, and split the rows into column runs (16 columns or more each) only
        // when there are too few rows to share.
        long rowBase = (long) s.batch() * groups * blocks * planes;
        int rowTasks = (int) Math.min(height, Math.max(1, (want + rowBase - 1) / rowBase));
        int rowsPerTask = (height + rowTasks - 1) / rowTasks;
        int rowRuns = (height + rowsPerTask - 1) / rowsPerTask;
        long rowShare = Math.max(1, (want + rowBase * rowRuns - 1) / (rowBase * rowRuns));
        int colTasks = (int) Math.max(1, Math.min(width / Gemm.NR, rowShare));
        int colSpan = (width / colTasks + Gemm.NR - 1) / Gemm.NR * Gemm.NR;
        int colRuns = Math.max(1, width / colSpan); // the last run takes the rest, so that it spans 16 columns or more
        int rowSplit = rowRuns * colRuns;
        // Images are padded in blocks that fit the workspace budget: all of a small batch at once (more tasks to
        // share out), one image at a time for large ones.
        int perBlock = imagesPerBlock(s.batch(), (long) cin * plane);
        // Row tasks that each take one image's whole group pad that group's channels themselves: no pass of its own,
        // and the padded planes are still in the core's cache when its tiles read them; row tasks that share an
        // image's rows may pad only the rows they read (rowsLocal).
        boolean padInTask = byRows && blocks * planes * rowSplit == 1;
        if (byRows && !padInTask && colRuns == 1
                && rowsLocal(s, g, ph, x, pa, aSize, bias, y, mr, rowsPerTask, rowRuns, blocks, mb)) {
            return;
        }
        float[] xp = workspace(3, perBlock * cin * plane + DIRECT_SLACK);
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
                    int yPlane = (n * s.outChannels() + grp * coutG + m0) * g.outVol + oz * height * width;
                    float[] scratch = workspace(1, Gemm.ROWS_SCRATCH);
                    for (int oy = oy0; oy < oy1; oy++) {
                        Gemm.multiplyRows(rows, c0, c1, reduction, mr, pa, grp * aSize + m0 * reduction, xp, xBase + oy * wq, offs,
                                bias, grp * coutG + m0, y, yPlane + oy * width, g.outVol, scratch);
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
                int yPlane = (n * s.outChannels() + grp * coutG + m0) * g.outVol + oz * height * width;
                directColumns(rows, len, p0, reduction, mr, pa, grp * aSize + m0 * reduction, xp,
                        ((n - n0) * cin + grp * cinG) * plane + oz * hq * wq + p0, offs, bias, grp * coutG + m0, y, yPlane,
                        g.outVol, wq, width, inPlace);
            });
        }
    }

    /**
     * Whether row-tile tasks that each take {@code rowSpan} phase positions of an image's rows (whole rows) pad only
     * what they read, {@code reach} positions more, rather than a pass padding the whole batch first: with more than one
     * thread, where the rows read past the task's own are few enough ({@link Thresholds#JAVA_ROWS_LOCAL_MIN_SPAN_REACHES}).
     * System property {@code convcl.rowsLocal} ({@code true} or {@code false}) overrides it.
     */
    static boolean rowsLocal(int threads, int reach, int rowSpan) {
        String force = System.getProperty("convcl.rowsLocal");
        return force != null ? Boolean.parseBoolean(force)
                : threads > 1 && (long) Thresholds.JAVA_ROWS_LOCAL_MIN_SPAN_REACHES * reach <= rowSpan;
    }

    /**
     * The row tiles with each task padding only what its output rows read: rows [oy0, oy0 + rowsPerTask) of one plane
     * read phase positions [oy0 * wq, (oy0 + rowsPerTask) * wq + reach) of every phase plane of the group's input
     * channels, copied into a thread-local block (as {@link #directLocal} does for column runs), so no padding pass
     * over the batch runs first and the block is still in the core's cache when the tiles read it. Does nothing and
     * returns false where {@link #rowsLocal(int, int, int)} says the padding pass is better.
     */
    private static boolean rowsLocal(ConvSpec s, Geometry g, PhasePlanes ph, float[] x, float[] pa, int aSize, float[] bias,
                                  float[] y, int mr, int rowsPerTask, int rowRuns, int blocks, int mb) {
        int hq = ph.hq();
        int wq = ph.wq();
        int reach = ph.reach();
        if (!rowsLocal(Parallel.threads(), reach, rowsPerTask * wq)) {
            return false;
        }
        int phases = ph.phases();
        int cin = s.inChannels();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int groups = s.groups();
        int reduction = cinG * g.kVol;
        int width = g.out[2];
        int height = g.out[1];
        int planes = g.out[0];
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
            float[] local = workspace(3, cinG * phases * stride + DIRECT_SLACK);
            for (int c = 0; c < cinG; c++) {
                g.padPhaseRange(x, (n * cin + grp * cinG + c) * g.inVol, ph, oz * hq * wq + oy0 * wq, count, local,
                        c * phases * stride, stride);
            }
            int yPlane = (n * s.outChannels() + grp * coutG + m0) * g.outVol + oz * height * width;
            float[] scratch = workspace(1, Gemm.ROWS_SCRATCH);
            for (int oy = oy0; oy < oy1; oy++) {
                Gemm.multiplyRows(rows, 0, width, reduction, mr, pa, grp * aSize + m0 * reduction, local, (oy - oy0) * wq, offs,
                        bias, grp * coutG + m0, y, yPlane + oy * width, g.outVol, scratch);
            }
        });
        return true;
    }

    /**
     * Whether the direct GEMM's tasks pad only the input their columns read ({@link #directLocal}): for a padded
     * input of at least {@link Thresholds#JAVA_LOCAL_PADDING_MIN_BYTES} (smaller ones stay in cache between the padding
     * pass and the tiles), taps that reach at most half a task's longest run of columns, and enough tasks when each
     * takes {@code least} columns. System property {@code convcl.localPadding} ({@code true} or {@code false})
     * overrides the choice (for side-by-side measurements and tests).
     */
    static boolean localPadding(long paddedBytes, int reach, int chunk, long leastTasks, int want) {
        String force = System.getProperty("convcl.localPadding");
        if (force != null) {
            return Boolean.parseBoolean(force);
        }
        return paddedBytes >= Thresholds.JAVA_LOCAL_PADDING_MIN_BYTES && 2 * reach <= chunk && leastTasks >= want;
    }

    /**
     * The run of columns per task of {@link #directLocal}: {@code chunk} halved while {@code images} times the runs over
     * {@code extent} positions make fewer than {@code want} tasks, not below {@code least}, and, once there are two
     * tasks per thread, not below {@link Thresholds#JAVA_LOCAL_RUN_MIN_REACHES} tap reaches.
     */
    static int localRun(int chunk, int least, int reach, long images, int extent, int want, int threads) {
        for (long tasks = images * ((extent + chunk - 1) / chunk); chunk / 2 >= least && tasks < want
                && (tasks < 2L * threads || chunk / 2 >= Thresholds.JAVA_LOCAL_RUN_MIN_REACHES * reach);
                tasks = images * ((extent + chunk - 1) / chunk)) {
            chunk = (chunk + 1) / 2;
        }
        return chunk;
    }

    /**
     * The direct GEMM with each task padding only the input its columns read: for output positions [p0, p0 + len) of
     * one plane (phase-plane coordinates, as {@link #directGemm}), the positions [p0, p0 + len + reach) of every phase
     * plane of the group's input channels, copied into a thread-local block that stays in L2 while the tiles read it
     * (reach: the farthest tap within a phase plane). No padded copy of the whole input goes out to memory and back.
     * Does nothing and returns false where {@link #localPadding} says the whole-image pass is better.
     */
    private static boolean directLocal(ConvSpec s, Geometry g, PhasePlanes ph, float[] x, float[] pa, int aSize, float[] bias,
                                       float[] y, int extent, int want, int mr) {
        int hq = ph.hq();
        int wq = ph.wq();
        int phases = ph.phases();
        int cin = s.inChannels();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int groups = s.groups();
        int reduction = cinG * g.kVol;
        int reach = ph.reach();
        int width = g.out[2];
        int height = g.out[1];
        int planes = g.out[0];
        // Columns per task: a run whose accumulator block stays in L2, halved while there are too few tasks to share
        // out, but not below twice the longest tap reach (each task pads len + reach positions of every phase plane),
        // and, once there are two tasks per thread, not below JAVA_LOCAL_RUN_MIN_REACHES reaches (see there).
        int chunk = Math.min(extent, Math.min(Thresholds.JAVA_DIRECT_SPAN,
                Math.max(4 * Gemm.NR, Thresholds.JAVA_DIRECT_ACCUMULATOR_BYTES / Float.BYTES / coutG)));
        int least = Math.max(4 * Gemm.NR, 2 * reach);
        long images = (long) s.batch() * groups * planes;
        if (!localPadding((long) s.batch() * cin * ph.plane() * Float.BYTES, reach, chunk, images * ((extent + least - 1) / least), want)) {
            return false;
        }
        chunk = localRun(chunk, least, reach, images, extent, want, Parallel.threads());
        int span = (chunk + Gemm.NR - 1) / Gemm.NR * Gemm.NR;
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
            float[] local = workspace(3, cinG * phases * stride + DIRECT_SLACK);
            for (int c = 0; c < cinG; c++) {
                g.padPhaseRange(x, (n * cin + grp * cinG + c) * g.inVol, ph, oz * hq * wq + p0, len + reach, local,
                        c * phases * stride, stride);
            }
            int yPlane = (n * s.outChannels() + grp * coutG) * g.outVol + oz * height * width;
            directColumns(coutG, len, p0, reduction, mr, pa, grp * aSize, local, 0, offs, bias, grp * coutG, y, yPlane,
                    g.outVol, wq, width, inPlace);
        });
        return true;
    }

    /**
     * One direct-GEMM task's product: {@code rows} output channels (A from {@code aOff}, bias from {@code biasOff}) over
     * phase positions [p0, p0 + len) of one output plane at {@code y[yPlane]}, B rows read at {@code xs[xOff + offs[k]]}.
     * With {@code inPlace} (the positions are the output's own columns) the tiles accumulate into the output, started
     * from the bias; otherwise into a cleared block that {@link #copyOut} moves to the output.
     */
    private static void directColumns(int rows, int len, int p0, int reduction, int mr, float[] pa, int aOff, float[] xs, int xOff,
                                      int[] offs, float[] bias, int biasOff, float[] y, int yPlane, int outVol, int wq, int width,
                                      boolean inPlace) {
        float[] scratch = workspace(0, Gemm.DIRECT_SCRATCH);
        if (inPlace) {
            for (int m = 0; m < rows; m++) {
                fillBias(y, yPlane + m * outVol + p0, len, bias == null ? 0f : bias[biasOff + m]);
            }
            Gemm.multiplyDirect(rows, len, reduction, mr, pa, aOff, xs, xOff, offs, y, yPlane + p0, outVol, scratch);
            return;
        }
        float[] acc = workspace(1, rows * len);
        java.util.Arrays.fill(acc, 0, rows * len, 0f);
        Gemm.multiplyDirect(rows, len, reduction, mr, pa, aOff, xs, xOff, offs, acc, 0, len, scratch);
        copyOut(acc, len, p0, wq, width, rows, bias, biasOff, y, yPlane, outVol);
    }

    /**
     * Rows of an accumulator block (row m at {@code acc[m * len]}, column p is phase position p0 + p) to the output:
     * position P = oy * wq + ox is output (oy, ox), kept where ox &lt; width, plus the row's bias.
     */
    private static void copyOut(float[] acc, int len, int p0, int wq, int width, int rows, float[] bias, int biasOff,
                                float[] y, int yPlane, int outVol) {
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
                for (int q = 0, end = to - from; q < end; q++) {
                    y[dst + q] = acc[src + q] + b;
                }
            }
        }
    }

    /**
     * Whether the direct GEMM writes output rows with {@link Gemm#multiplyRows}: rows at least 16 wide, and at most
     * {@link Thresholds#JAVA_ROW_TILE_MAX_CHANNELS} output channels per group (where B panels would serve one or two
     * row panels only) or at most {@link Thresholds#JAVA_ROW_TILE_MAX_INPUT_CHANNELS} input channels per group (a
     * tile's input rows stay in L1 across the row panels). System property {@code convcl.rowTiles} ({@code true} or
     * {@code false}) overrides the choice (for side-by-side measurements and tests).
     */
    static boolean rowTiles(int channels, int inputs, int width) {
        if (width < Gemm.NR) {
            return false;
        }
        String force = System.getProperty("convcl.rowTiles");
        return force != null ? Boolean.parseBoolean(force)
                : channels <= Thresholds.JAVA_ROW_TILE_MAX_CHANNELS || inputs <= Thresholds.JAVA_ROW_TILE_MAX_INPUT_CHANNELS;
    }

    /**
     * Whether a depthwise layer is a 2D 3x3, stride 1, dilation 1, one zero of padding on every side, rows at least
     * {@link Gemm#LANES} + 2 wide (the output plane has the input's size), with the Vector API: {@link VectorGemm#depthwiseRow3x3} reads it.
     * One thread, alternated per call in one JVM, depthwise3x3: 0.86 of the padded path's time on JDK 25, 0.80 on JDK
     * 17; two threads 0.92. System property {@code convcl.depthwiseUnpadded=false} turns it off.
     */
    private static boolean unpadded3x3(ConvSpec s, Geometry g) {
        return Gemm.VECTOR && s.rank() == 2 && s.paddingMode() == PaddingMode.ZEROS && g.kVol == 9 && g.k[1] == 3
                && java.util.Arrays.equals(s.stride(), new int[] {1, 1}) && java.util.Arrays.equals(s.dilation(), new int[] {1, 1})
                && java.util.Arrays.equals(s.padBefore(), new int[] {1, 1}) && java.util.Arrays.equals(s.padAfter(), new int[] {1, 1})
                && g.in[2] >= Gemm.LANES + 2 && !"false".equals(System.getProperty("convcl.depthwiseUnpadded"));
    }

    /**
     * Depthwise, eight outputs per vector step (positions in padded coordinates; a stride splits the padded plane into
     * phase planes, so every tap reads a vector of consecutive values; without the Vector API, {@link PlainGemm#depthwiseSpan}).
     * One task per (image, input channel): it pads that plane into a thread-local buffer (it stays in L1/L2) and
     * computes every output channel of the channel multiplier from it, so the input is read once and no padded copy of
     * the batch is made; a plain 3x3 ({@link #unpadded3x3}) reads the input rows themselves, with no padded copy.
     */
    private static void depthwise(ConvSpec s, float[] x, float[] w, float[] bias, float[] y) {
        Geometry g = new Geometry(s);
        PhasePlanes ph = PhasePlanes.of(s, g);
        int hq = ph.hq();
        int wq = ph.wq();
        int cin = s.inChannels();
        int[] offs = ph.taps();
        int coutG = s.outPerGroup();
        int cout = s.outChannels();
        int width = g.out[2];
        int height = g.out[1];
        int extent = (height - 1) * wq + width;
        if (unpadded3x3(s, g)) {
            // MobileNet's 3x3: rows read straight from the input, no padded copy of the plane
            Parallel.forEach(s.batch() * cin, t -> {
                int n = t / cin;
                int ci = t % cin;
                float[] zero = workspace(1, width + 2);
                java.util.Arrays.fill(zero, 0, width + 2, 0f);
                int src = t * g.inVol;
                for (int m = 0; m < coutG; m++) {
                    int co = ci * coutG + m;
                    float b = bias == null ? 0f : bias[co];
                    int dst = (n * cout + co) * g.outVol;
                    for (int oy = 0; oy < height; oy++) {
                        float[] top = oy > 0 ? x : zero;
                        float[] bot = oy < height - 1 ? x : zero;
                        VectorGemm.depthwiseRow3x3(top, oy > 0 ? src + (oy - 1) * width : 1, x, src + oy * width,
                                bot, oy < height - 1 ? src + (oy + 1) * width : 1, w, co * 9, b, y, dst + oy * width, width);
                    }
                }
            });
            return;
        }
        Parallel.forEach(s.batch() * cin, t -> {
            int n = t / cin;
            int ci = t % cin;
            float[] xp = workspace(3, ph.plane() + DIRECT_SLACK);
            g.padPhases(x, t * g.inVol, xp, 0, ph.before(), ph.padded(), ph.dq(), hq, wq);
            float[] acc = workspace(1, extent);
            for (int m = 0; m < coutG; m++) {
                int co = ci * coutG + m;
                float b = bias == null ? 0f : bias[co];
                for (int oz = 0; oz < g.out[0]; oz++) {
                    int dst = (n * cout + co) * g.outVol + oz * height * width;
                    if (g.kVol == 9 && Gemm.VECTOR) {
                        for (int oy = 0; oy < height; oy++) {
                            VectorGemm.depthwiseRow9(xp, oz * hq * wq + oy * wq, offs, w, co * g.kVol, b, y, dst + oy * width, width);
                        }
                        continue;
                    }
                    if (Gemm.VECTOR) {
                        VectorGemm.depthwiseSpan(xp, oz * hq * wq, offs, w, co * g.kVol, acc, extent);
                    } else {
                        PlainGemm.depthwiseSpan(xp, oz * hq * wq, offs, w, co * g.kVol, acc, extent);
                    }
                    for (int oy = 0; oy < height; oy++) {
                        int src = oy * wq;
                        int d = dst + oy * width;
                        for (int q = 0; q < width; q++) {
                            y[d + q] = acc[src + q] + b;
                        }
                    }
                }
            }
        });
    }

    /**
     * Transposed convolution as one dense convolution per output residue class (the sub-pixel split): outputs
     * o = q*s + r of class r receive exactly the taps with (r + p - k*d) divisible by s, from input q + (r + p - k*d)/s.
     * The input is zero-padded once so that every such offset is non-negative, each class runs the direct GEMM over it
     * with its own tap table and packed weights (C_out/g x C_in/g*taps), and writes its outputs at stride s: no col2im,
     * no multiplications by inserted zeros, no two tasks writing one place.
     */
    private static void transposedDirect(ConvSpec s, float[] x, float[] w, float[] bias, float[] y, PackCache cache) {
        Geometry g = new Geometry(s);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int groups = s.groups();
        int cin = s.inChannels();
        int[] st = g.st;
        // The classes, and the zero padding that makes every tap offset of every class non-negative.
        java.util.List<io.github.convcl.spec.ResidueClass> residues = io.github.convcl.spec.ResidueClass.of(s);
        int[] lo = new int[3];
        int[] padded = new int[3];
        for (int dim = 0; dim < 3; dim++) {
            int minOff = 0;
            int maxOff = 0;
            for (io.github.convcl.spec.ResidueClass rc : residues) {
                for (int[] off : rc.offsets()) {
                    minOff = Math.min(minOff, off[dim]);
                    maxOff = Math.max(maxOff, off[dim]);
                }
            }
            int q = (g.out[dim] + st[dim] - 1) / st[dim];
            lo[dim] = -minOff;
            padded[dim] = Math.max(g.in[dim] + lo[dim], q + maxOff + lo[dim]);
        }
        int plane = padded[0] * padded[1] * padded[2];
        int classes = residues.size();
        int[][] taps = new int[classes][];
        int[][] offs = new int[classes][];
        int[] aOffset = new int[classes + 1];
        int mr = Gemm.rowPanel(coutG);
        for (int c = 0; c < classes; c++) {
            io.github.convcl.spec.ResidueClass rc = residues.get(c);
            int tc = rc.taps().length;
            taps[c] = rc.taps();
            offs[c] = new int[cinG * tc];
            for (int t = 0; t < tc; t++) {
                int[] off = rc.offsets()[t];
                int at = ((off[0] + lo[0]) * padded[1] + off[1] + lo[1]) * padded[2] + off[2] + lo[2];
                for (int ci = 0; ci < cinG; ci++) {
                    offs[c][ci * tc + t] = ci * plane + at;
                }
            }
            aOffset[c + 1] = aOffset[c] + Gemm.packedASize(coutG, Math.max(1, cinG * tc), mr);
        }
        int groupSize = aOffset[classes];
        String key = "transposed-direct g" + groups + " m" + coutG + " k" + cinG + " " + java.util.Arrays.toString(g.k)
                + java.util.Arrays.toString(st) + java.util.Arrays.toString(g.p) + java.util.Arrays.toString(g.d) + " mr" + mr;
        float[] pa = packed(cache, key, groupSize * groups, packs -> Parallel.forEach(groups * classes, t -> {
            int grp = t / classes;
            int c = t % classes;
            int tc = taps[c].length;
            int reduction = cinG * tc;
            if (reduction == 0) {
                return;
            }
            // Row co, column (ci, tap): W[g*cinG + ci][co][tap] (weights are (C_in, C_out/g, k...)).
            float[] a = new float[coutG * reduction];
            for (int co = 0; co < coutG; co++) {
                for (int ci = 0; ci < cinG; ci++) {
                    int src = ((grp * cinG + ci) * coutG + co) * g.kVol;
                    for (int j = 0; j < tc; j++) {
                        a[co * reduction + ci * tc + j] = w[src + taps[c][j]];
                    }
                }
            }
            Gemm.packA(coutG, reduction, a, 0, reduction, 1, mr, packs, grp * groupSize + aOffset[c]);
        }));
        int perBlock = imagesPerBlock(s.batch(), (long) cin * plane);
        float[] xp = workspace(3, perBlock * cin * plane + DIRECT_SLACK);
        int want = Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE;
        for (int first = 0; first < s.batch(); first += perBlock) {
            int n0 = first;
            int count = Math.min(perBlock, s.batch() - first);
            Parallel.forEach(count * cin, c -> g.pad(x, (n0 * cin + c) * g.inVol, xp, c * plane, lo, padded[0], padded[1], padded[2]));
            // Tasks: (class, image, group, output plane of the class, column chunk), every class in one pass, so
            // that no class waits for the slowest task of the one before it.
            int[][] q = new int[classes][3];
            int[] extent = new int[classes];
            int[] span = new int[classes];
            int[] chunks = new int[classes];
            int[] firstTask = new int[classes + 1];
            for (int c = 0; c < classes; c++) {
                int[] r = residues.get(c).residue();
                for (int dim = 0; dim < 3; dim++) {
                    q[c][dim] = (g.out[dim] - r[dim] + st[dim] - 1) / st[dim];
                }
                extent[c] = (q[c][1] - 1) * padded[2] + q[c][2];
                int chunk = Math.min(extent[c], Math.max(4 * Gemm.NR, Math.min(Thresholds.JAVA_DIRECT_SPAN,
                        Thresholds.JAVA_DIRECT_ACCUMULATOR_BYTES / Float.BYTES / Math.max(1, coutG))));
                while (chunk > 4 * Gemm.NR && (long) count * groups * q[c][0] * ((extent[c] + chunk - 1) / chunk) < want) {
                    chunk = (chunk + 1) / 2;
                }
                span[c] = (chunk + Gemm.NR - 1) / Gemm.NR * Gemm.NR;
                chunks[c] = (extent[c] + span[c] - 1) / span[c];
                firstTask[c + 1] = firstTask[c] + count * groups * q[c][0] * chunks[c];
            }
            Parallel.forEach(firstTask[classes], task -> {
                // the class whose tasks hold this one (a search, not a scan: a stride s has s^rank classes)
                int found = java.util.Arrays.binarySearch(firstTask, task);
                int cls = found >= 0 ? found : -found - 2;
                while (firstTask[cls + 1] == task) {
                    cls++; // classes of no tasks start where the next one does
                }
                int t = task - firstTask[cls];
                int[] r = residues.get(cls).residue();
                int[] qc = q[cls];
                int nc = chunks[cls];
                int n = n0 + t / (groups * qc[0] * nc);
                int grp = (t / (qc[0] * nc)) % groups;
                int qz = (t / nc) % qc[0];
                int p0 = (t % nc) * span[cls];
                int len = Math.min(span[cls], extent[cls] - p0);
                int reduction = cinG * taps[cls].length;
                float[] acc = workspace(1, coutG * len);
                java.util.Arrays.fill(acc, 0, coutG * len, 0f);
                if (reduction > 0) {
                    Gemm.multiplyDirect(coutG, len, reduction, mr, pa, grp * groupSize + aOffset[cls], xp,
                            ((n - n0) * cin + grp * cinG) * plane + qz * padded[1] * padded[2] + p0, offs[cls],
                            acc, 0, len, workspace(0, Gemm.DIRECT_SCRATCH));
                }
                int oz = qz * st[0] + r[0];
                int wp = padded[2];
                for (int m = 0; m < coutG; m++) {
                    float b = bias == null ? 0f : bias[grp * coutG + m];
                    int yPlane = (n * s.outChannels() + grp * coutG + m) * g.outVol + oz * g.out[1] * g.out[2];
                    int src = m * len - p0;
                    // Runs of one padded row: columns qx < qc[2] are outputs, at stride s in the output row.
                    for (int qy = p0 / wp, pos = p0; pos < p0 + len; qy++, pos = qy * wp) {
                        int end = Math.min(p0 + len, qy * wp + qc[2]);
                        int dst = yPlane + (qy * st[1] + r[1]) * g.out[2] + r[2] + (pos - qy * wp) * st[2];
                        for (int at = pos; at < end; at++, dst += st[2]) {
                            y[dst] = acc[src + at] + b;
                        }
                    }
                }
            });
        }
    }

    private static void transposed(ConvSpec s, float[] x, float[] w, float[] bias, float[] y, PackCache cache) {
        Geometry g = new Geometry(s);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int block = Math.min(coutG, Thresholds.JAVA_TRANSPOSED_CHANNEL_BLOCK);
        int blocks = (coutG + block - 1) / block;
        int groups = s.groups();
        int mr = Gemm.rowPanel(block * g.kVol);
        int aSize = Gemm.packedASize(block * g.kVol, cinG, mr);
        String key = "transposed g" + groups + " b" + block + " m" + coutG + " k" + cinG + " t" + g.kVol + " mr" + mr;
        float[] pa = packed(cache, key, aSize * groups * blocks, packs -> Parallel.forEach(groups * blocks, t -> {
            int grp = t / blocks;
            int cb = t % blocks;
            int rows = Math.min(block, coutG - cb * block) * g.kVol;
            // Row (channel, tap) of W^T, column ci: W[g*cinG + ci][cb*block + channel][tap].
            Gemm.packA(rows, cinG, w, grp * cinG * coutG * g.kVol + cb * block * g.kVol, 1, coutG * g.kVol, mr, packs, t * aSize);
        }));
        if (g.tapsDisjoint()) {
            transposedDisjoint(s, g, x, bias, y, pa, block, blocks, aSize, mr);
            return;
        }
        Parallel.forEach(s.batch() * groups * blocks, t -> {
            int n = t / (groups * blocks);
            int grp = (t / blocks) % groups;
            int cb = t % blocks;
            int channels = Math.min(block, coutG - cb * block);
            int rows = channels * g.kVol;
            int yOff = (n * s.outChannels() + grp * coutG + cb * block) * g.outVol;
            for (int c = 0; c < channels; c++) {
                fillBias(y, yOff + c * g.outVol, g.outVol, bias == null ? 0f : bias[grp * coutG + cb * block + c]);
            }
            int nt = columnTile(Math.max(rows, cinG), g.inVol);
            float[] cols = workspace(1, rows * nt);
            float[] pb = workspace(0, Gemm.packedBSize(nt, cinG));
            int xOff = (n * s.inChannels() + grp * cinG) * g.inVol;
            for (int p0 = 0; p0 < g.inVol; p0 += nt) {
                int width = Math.min(nt, g.inVol - p0);
                Gemm.packB(width, cinG, x, xOff + p0, g.inVol, pb, 0);
                Gemm.multiplyPacked(rows, width, cinG, mr, pa, (grp * blocks + cb) * aSize, pb, 0, true, null, 0, cols, 0, width);
                g.col2im(cols, channels, p0, width, y, yOff);
            }
        });
    }

    /**
     * {@link #transposed} when every output receives exactly one tap (kernel = stride, no padding, dilation or output
     * padding: 2x2 stride-2 upsampling and the like): column tiles write disjoint outputs, so they are tasks of their
     * own; each task packs its input columns once for all channel blocks and writes each product plus the bias straight
     * to its output, with no bias fill and no accumulation pass over the output.
     */
    private static void transposedDisjoint(ConvSpec s, Geometry g, float[] x, float[] bias, float[] y, float[] pa, int block,
                                           int blocks, int aSize, int mr) {
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int groups = s.groups();
        int nt = balancedTile(columnTile(Math.max(block * g.kVol, cinG), g.inVol), g.inVol, s.batch() * groups);
        int tiles = (g.inVol + nt - 1) / nt;
        Parallel.forEach(s.batch() * groups * tiles, t -> {
            int n = t / (groups * tiles);
            int grp = (t / tiles) % groups;
            int p0 = (t % tiles) * nt;
            int width = Math.min(nt, g.inVol - p0);
            float[] cols = workspace(1, block * g.kVol * width);
            float[] pb = workspace(0, Gemm.packedBSize(width, cinG));
            Gemm.packB(width, cinG, x, (n * s.inChannels() + grp * cinG) * g.inVol + p0, g.inVol, pb, 0);
            for (int cb = 0; cb < blocks; cb++) {
                int channels = Math.min(block, coutG - cb * block);
                int rows = channels * g.kVol;
                Gemm.multiplyPacked(rows, width, cinG, mr, pa, (grp * blocks + cb) * aSize, pb, 0, true, null, 0, cols, 0, width);
                int c0 = grp * coutG + cb * block;
                g.place(cols, channels, p0, width, y, (n * s.outChannels() + c0) * g.outVol, bias, c0);
            }
        });
    }

    /**
     * A strided convolution as a stride-1 one over phase planes (space to depth): padded position o*s + k*d lies in
     * phase (k*d mod s) at phase coordinate o + floor(k*d / s). {@code taps[t]} is tap t's offset (phase plane and
     * position in it) from an output's position; one input channel's planes take {@code plane} floats.
     */
    private record PhasePlanes(int[] before, int[] padded, int dq, int hq, int wq, int plane, int[] taps) {
        static PhasePlanes of(ConvSpec s, Geometry g) {
            int[] before = ConvSpec.to3d(s.padBefore(), 0);
            int[] padded = ConvSpec.to3d(s.paddedInputSize(), 1);
            int[] st = g.st;
            int dq = (padded[0] + st[0] - 1) / st[0];
            int hq = (padded[1] + st[1] - 1) / st[1];
            int wq = (padded[2] + st[2] - 1) / st[2];
            int phaseVol = dq * hq * wq;
            int[] taps = new int[g.kVol];
            int t = 0;
            for (int kz = 0; kz < g.k[0]; kz++) {
                for (int ky = 0; ky < g.k[1]; ky++) {
                    for (int kx = 0; kx < g.k[2]; kx++) {
                        int tz = kz * g.d[0];
                        int ty = ky * g.d[1];
                        int tx = kx * g.d[2];
                        int phase = ((tz % st[0]) * st[1] + ty % st[1]) * st[2] + tx % st[2];
                        taps[t++] = phase * phaseVol + ((tz / st[0]) * hq + ty / st[1]) * wq + tx / st[2];
                    }
                }
            }
            return new PhasePlanes(before, padded, dq, hq, wq, st[0] * st[1] * st[2] * phaseVol, taps);
        }

        /** Positions of one phase plane. */
        int phaseVol() {
            return dq * hq * wq;
        }

        /** Phase planes per channel (the product of the strides). */
        int phases() {
            return plane / phaseVol();
        }

        /** The farthest tap within a phase plane: what a run of positions reads past its end. */
        int reach() {
            int phaseVol = phaseVol();
            return java.util.Arrays.stream(taps).map(t -> t % phaseVol).max().orElse(0);
        }

        /**
         * Where the unfolded rows of {@code channels} channels read a block of their phase planes' positions from one
         * run's start, the positions of each (channel, phase) {@code stride} apart (see {@link Geometry#padPhaseRange}).
         */
        int[] localOffsets(int channels, int kVol, int stride) {
            int phaseVol = phaseVol();
            int phases = phases();
            int[] offs = new int[channels * kVol];
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < kVol; t++) {
                    offs[c * kVol + t] = (c * phases + taps[t] / phaseVol) * stride + taps[t] % phaseVol;
                }
            }
            return offs;
        }
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

    /** Sizes of one convolution extended to three spatial dimensions, with the index arithmetic on them. */
    private static final class Geometry {
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
            int r = 0;
            int nr = Gemm.NR;
            for (int c = 0; c < channels; c++) {
                int cOff = xOff + c * inVol;
                for (int kz = 0; kz < k[0]; kz++) {
                    for (int ky = 0; ky < k[1]; ky++) {
                        for (int kx = 0; kx < k[2]; kx++, r++) {
                            unfoldRow(x, cOff, kz, ky, kx, p0, cols, row, 0);
                            for (int j = 0; j < cols; j += nr) {
                                int dst = j * reduction + r * nr;
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

        private void unfoldRow(float[] x, int cOff, int kz, int ky, int kx, int p0, int cols, float[] col, int dst) {
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
         * contiguous output segment, written in order.
         */
        void place(float[] cols, int channels, int p0, int width, float[] y, int yOff, float[] bias, int c0) {
            int kx2 = k[2];
            for (int c = 0; c < channels; c++) {
                float b = bias == null ? 0f : bias[c0 + c];
                int plane = yOff + c * outVol;
                for (int kz = 0; kz < k[0]; kz++) {
                    for (int ky = 0; ky < k[1]; ky++) {
                        int src = ((c * k[0] + kz) * k[1] + ky) * kx2 * width;
                        int ix = p0 % in[2];
                        int iy = (p0 / in[2]) % in[1];
                        int iz = p0 / (in[1] * in[2]);
                        for (int j = 0; j < width; ) {
                            int run = Math.min(width - j, in[2] - ix);
                            int dst = plane + ((iz * st[0] + kz) * out[1] + iy * st[1] + ky) * out[2] + ix * kx2;
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
                    for (int r = 0; r < run; r++) {
                        int ox = (ix + r) * st[2] + shift;
                        if (ox >= 0 && ox < out[2]) {
                            y[rowOff + ox] += cols[src + j + r];
                        }
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

    }
}
