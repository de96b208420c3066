// The Java direct GEMM's strategy and task sizes: chosen by the planner, executed as given by the kernel.
package io.github.convcl.plan;

import io.github.convcl.config.Settings;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PhasePlanes;

/**
 * How the Java direct GEMM (the input copied padded into phase planes, the unfolded rows read in place) splits its
 * work. Positions are phase-plane coordinates: output (oy, ox) of a plane is column {@code oy * wq + ox}.
 *
 * @param layout        {@link Layout#ROWS}: register tiles that write finished output rows; {@link Layout#COLUMNS}:
 *                      panels of 16 columns over runs of positions, accumulated in a block
 * @param padding       who pads the input: a pass over {@code imagesPerPass} images first ({@link Padding#PASS}), each
 *                      task its image's group ({@link Padding#IN_TASK}), or each task only what it reads
 *                      ({@link Padding#LOCAL})
 * @param channelBlock  output channels per task (whole panels)
 * @param span          positions per task of the column layout
 * @param rowsPerTask   output rows per task of the row layout
 * @param columnSpan    columns per task of the row layout (the last run takes the rest)
 * @param imagesPerPass images the padding pass copies at once
 */
public record JavaDirect(Layout layout, Padding padding, int channelBlock, int span, int rowsPerTask, int columnSpan, int imagesPerPass)
        implements Variant {

    /** Whether this JVM's kernels take 6-row panels at all ({@link Thresholds#JAVA_SIX_ROW_TILES_MAX_JDK}). */
    private static final boolean SIX_ROW_TILES = Runtime.version().feature() <= Thresholds.JAVA_SIX_ROW_TILES_MAX_JDK;

    /** Columns of a B panel and of a register tile of the Java GEMM. */
    public static final int PANEL_COLUMNS = 16;

    /** The plan of a layer with no outputs, which runs nothing. */
    private static final JavaDirect NOTHING = new JavaDirect(Layout.COLUMNS, Padding.PASS, 6, PANEL_COLUMNS, 1, PANEL_COLUMNS, 1);

    /** How tasks cover the output. */
    public enum Layout { ROWS, COLUMNS }

    /** Who pads the input. */
    public enum Padding { PASS, IN_TASK, LOCAL }

    @Override
    public Variant choice() {
        return new JavaDirect(layout, padding, 0, 0, 0, 0, 0);
    }

    @Override
    public String toString() {
        return layout.name().toLowerCase(java.util.Locale.ROOT) + " " + padding.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * Rows covered by 6-row panels where the panels are 6 rows high: all of M (the last panel padded) unless M mod 6 is
     * 4 or 2, where the tail is one or two 4-row panels instead, so no rows are padded and no tile takes the edge path.
     */
    public static int sixRows(int m) {
        int r = m % 6;
        if (r == 4) {
            return m - 4;
        }
        if (r == 2 && m >= 8) {
            return m - 8;
        }
        return (m + 5) / 6 * 6;
    }

    /**
     * Rows per block of {@code m} rows packed in panels of {@code mr} rows (their heights as {@link #sixRows} says for
     * 6), at least {@code rows}: the least multiple of mr whose multiples below m all start a panel. Past the
     * full-height 6-row panels, among the 4-row tail, a multiple of 6 starts none (482 rows: 4-row panels at 474 and
     * 478, none at 480), and a block's product reads its panels from its first row on.
     */
    public static int panelBlock(int m, int mr, int rows) {
        int mb = (rows + mr - 1) / mr * mr;
        int full = mr == 4 ? m : sixRows(m);
        while (mb < m && (m - 1) / mb * mb > full) {
            mb += mr;
        }
        return mb;
    }

    /** Whether this JVM's Java kernels run 6-row register tiles ({@link Thresholds#JAVA_SIX_ROW_TILES_MAX_JDK}). */
    public static boolean sixRowTiles() {
        return SIX_ROW_TILES;
    }

    /**
     * Rows of each A panel for M output channels: 4 where 4-row panels pad fewer rows than 6-row ones by a fifth, else 6
     * (the 6x16 register tile); 4 on JDK releases after {@link Thresholds#JAVA_SIX_ROW_TILES_MAX_JDK}.
     */
    public static int rowPanel(int m) {
        if (!SIX_ROW_TILES) {
            return 4;
        }
        int pad6 = (m + 5) / 6 * 6;
        int pad4 = (m + 3) / 4 * 4;
        return pad4 * 5 < pad6 * 4 ? 4 : 6;
    }

    /** The planner's choice for {@code s} on {@code threads} threads, with the settings' forced choices. */
    static JavaDirect choose(ConvSpec s, int threads, Settings.JavaChoices forced) {
        if (s.outputElements() == 0) {
            return NOTHING;
        }
        Split sp = new Split(s, threads);
        boolean rows = sp.width >= PANEL_COLUMNS && (forced.rowTiles() != null ? forced.rowTiles()
                : rowTiles(s.outPerGroup(), s.inPerGroup(), sp.width));
        if (!rows) {
            if (localPadding(s, sp, forced.localPadding())) {
                return sp.columnsLocal();
            }
            return sp.columns();
        }
        if (sp.singleRowTask()) {
            return sp.rows(Padding.IN_TASK);
        }
        boolean local = forced.rowsLocal() != null ? forced.rowsLocal() : rowsLocal(threads, sp.ph.reach(), sp.rowsPerTask * sp.ph.wq());
        if (sp.colRuns == 1 && local) {
            return sp.rows(Padding.LOCAL);
        }
        return sp.rows(Padding.PASS);
    }

    /** Every strategy that computes {@code s}, with the sizes for {@code threads} threads. */
    static java.util.List<JavaDirect> options(ConvSpec s, int threads) {
        if (s.outputElements() == 0) {
            return java.util.List.of(NOTHING);
        }
        Split sp = new Split(s, threads);
        java.util.List<JavaDirect> all = new java.util.ArrayList<>();
        all.add(sp.columns());
        all.add(sp.columnsLocal());
        if (sp.width >= PANEL_COLUMNS) {
            all.add(sp.rows(Padding.PASS));
            if (sp.singleRowTask()) {
                all.add(sp.rows(Padding.IN_TASK));
            }
            if (sp.colRuns == 1) {
                all.add(sp.rows(Padding.LOCAL));
            }
        }
        return all;
    }

    /**
     * Whether the row layout serves a layer with {@code channels} output and {@code inputs} input channels per group and
     * rows {@code width} wide: rows at least 16 wide, and at most
     * {@link Thresholds#JAVA_ROW_TILE_MAX_CHANNELS} output channels per group (where B panels would serve one or two row
     * panels only) or at most {@link Thresholds#JAVA_ROW_TILE_MAX_INPUT_CHANNELS} input channels per group (a tile's
     * input rows stay in L1 across the row panels).
     */
    public static boolean rowTiles(int channels, int inputs, int width) {
        return width >= PANEL_COLUMNS
                && (channels <= Thresholds.JAVA_ROW_TILE_MAX_CHANNELS || inputs <= Thresholds.JAVA_ROW_TILE_MAX_INPUT_CHANNELS);
    }

    /**
     * Whether row tasks that each take {@code rowSpan} phase positions pad only what they read, {@code reach} more,
     * rather than a pass padding the batch first: with more than one thread, where the rows read past the task's own
     * are few ({@link Thresholds#JAVA_ROWS_LOCAL_MIN_SPAN_REACHES}); one thread gains nothing from cache-local copies
     * that a pass ahead of it does not give.
     */
    public static boolean rowsLocal(int threads, int reach, int rowSpan) {
        return threads > 1 && (long) Thresholds.JAVA_ROWS_LOCAL_MIN_SPAN_REACHES * reach <= rowSpan;
    }

    /**
     * Whether column tasks pad only the input their columns read: for a padded input of at least
     * {@link Thresholds#JAVA_LOCAL_PADDING_MIN_BYTES} (smaller ones stay in cache between the pass and the tiles), taps
     * that reach at most half a task's longest run, and enough tasks when each takes the least run.
     */
    private static boolean localPadding(ConvSpec s, Split sp, Boolean forced) {
        if (forced != null) {
            return forced;
        }
        int least = sp.leastLocalRun();
        return localPadding((long) s.batch() * s.inChannels() * sp.ph.plane() * Float.BYTES, sp.ph.reach(), sp.localChunk(),
                sp.images * ((sp.extent + least - 1) / least), sp.want);
    }

    /**
     * {@link #localPadding(ConvSpec, Split, Boolean)} for a padded input of {@code paddedBytes}, taps reaching
     * {@code reach} positions, runs of {@code chunk}, {@code leastTasks} tasks at the least run and {@code want} wanted.
     */
    public static boolean localPadding(long paddedBytes, int reach, int chunk, long leastTasks, int want) {
        return paddedBytes >= Thresholds.JAVA_LOCAL_PADDING_MIN_BYTES && 2 * reach <= chunk && leastTasks >= want;
    }

    /**
     * The run of columns per local-padding task: {@code chunk} halved while {@code images} times the runs over
     * {@code extent} positions make fewer than {@code want} tasks, not below {@code least}, and, once there are two tasks
     * per thread, not below {@link Thresholds#JAVA_LOCAL_RUN_MIN_REACHES} tap reaches (each task copies its run plus a
     * reach, so shorter runs copy mostly the reach).
     */
    public static int localRun(int chunk, int least, int reach, long images, int extent, int want, int threads) {
        for (long tasks = images * ((extent + chunk - 1) / chunk); chunk / 2 >= least && tasks < want
                && (tasks < 2L * threads || chunk / 2 >= Thresholds.JAVA_LOCAL_RUN_MIN_REACHES * reach);
                tasks = images * ((extent + chunk - 1) / chunk)) {
            chunk = (chunk + 1) / 2;
        }
        return chunk;
    }

    /** Images padded together: as many as fit {@link Thresholds#JAVA_PADDED_WORKSPACE_BYTES}, at least one. */
    public static int imagesPerBlock(int batch, long floatsPerImage) {
        long fit = Thresholds.JAVA_PADDED_WORKSPACE_BYTES / Math.max(1, floatsPerImage * Float.BYTES);
        return (int) Math.max(1, Math.min(batch, fit));
    }

    /** The task split of one layer on a thread count, from which each strategy takes its sizes. */
    private static final class Split {
        final ConvSpec s;
        final PhasePlanes ph;
        final int width;
        final int height;
        final int planes;
        final int extent;
        final int want;
        final int threads;
        final long images;
        final int channelBlock;
        final int blocks;
        final int span;
        final int rowsPerTask;
        final int rowRuns;
        final int colSpan;
        final int colRuns;
        final int perPass;

        Split(ConvSpec s, int threads) {
            this.s = s;
            this.threads = threads;
            ph = PhasePlanes.of(s);
            int[] out = ConvSpec.to3d(s.outputSize(), 1);
            planes = out[0];
            height = out[1];
            width = out[2];
            int wq = ph.wq();
            int nr = PANEL_COLUMNS;
            int coutG = s.outPerGroup();
            int groups = s.groups();
            extent = (height - 1) * wq + width;
            want = threads * Thresholds.JAVA_DIRECT_TASKS_PER_CORE;
            images = (long) s.batch() * groups * planes;
            int chunk = Math.min(extent, Thresholds.JAVA_DIRECT_SPAN);
            // Few output positions but many output channels (deep layers on small images): split the channels before
            // the positions, so that each task still reuses its weight rows over a long run of columns.
            long positionTasks = images * ((extent + chunk - 1) / chunk);
            int mBlocks = 1;
            if (positionTasks < want) {
                mBlocks = (int) Math.max(1, Math.min((want + positionTasks - 1) / positionTasks, coutG / Thresholds.JAVA_MIN_CHANNEL_BLOCK));
            }
            int block = (coutG + mBlocks - 1) / mBlocks;
            // whole panels of the weights' height, each block starting at one, so each block keeps the full matrix's
            // panel plan
            channelBlock = panelBlock(coutG, rowPanel(coutG), block);
            blocks = (coutG + channelBlock - 1) / channelBlock;
            // The accumulator block (channels x columns) stays in L2 beside the weights' reduction block.
            chunk = Math.min(chunk, Math.max(4 * nr, Thresholds.JAVA_DIRECT_ACCUMULATOR_BYTES / Float.BYTES / channelBlock));
            while (chunk > 4 * nr && images * blocks * ((extent + chunk - 1) / chunk) < want) {
                chunk = (chunk + 1) / 2;
            }
            span = (chunk + nr - 1) / nr * nr;
            // Row tasks take runs of whole rows, and split the rows into column runs (16 columns or more each) only
            // when there are too few rows to share.
            long rowBase = (long) s.batch() * groups * blocks * planes;
            int rowTasks = (int) Math.min(height, Math.max(1, (want + rowBase - 1) / rowBase));
            rowsPerTask = (height + rowTasks - 1) / rowTasks;
            rowRuns = (height + rowsPerTask - 1) / rowsPerTask;
            long rowShare = Math.max(1, (want + rowBase * rowRuns - 1) / (rowBase * rowRuns));
            int colTasks = (int) Math.max(1, Math.min(width / nr, rowShare));
            colSpan = (width / colTasks + nr - 1) / nr * nr;
            colRuns = Math.max(1, width / colSpan);
            perPass = imagesPerBlock(s.batch(), (long) s.inChannels() * ph.plane());
        }

        /** One row task per image and group: that task pads its group's channels itself. */
        boolean singleRowTask() {
            return blocks * planes * rowRuns * colRuns == 1;
        }

        int localChunk() {
            return Math.min(extent, Math.min(Thresholds.JAVA_DIRECT_SPAN,
                    Math.max(4 * PANEL_COLUMNS, Thresholds.JAVA_DIRECT_ACCUMULATOR_BYTES / Float.BYTES / s.outPerGroup())));
        }

        /** The least run of a local-padding task: four panels, and twice the tap reach it copies besides. */
        int leastLocalRun() {
            return Math.max(4 * PANEL_COLUMNS, 2 * ph.reach());
        }

        JavaDirect columns() {
            return new JavaDirect(Layout.COLUMNS, Padding.PASS, channelBlock, span, 0, 0, perPass);
        }

        JavaDirect columnsLocal() {
            int chunk = localRun(localChunk(), leastLocalRun(), ph.reach(), images, extent, want, threads);
            int localSpan = (chunk + PANEL_COLUMNS - 1) / PANEL_COLUMNS * PANEL_COLUMNS;
            return new JavaDirect(Layout.COLUMNS, Padding.LOCAL, s.outPerGroup(), localSpan, 0, 0, 1);
        }

        JavaDirect rows(Padding padding) {
            return new JavaDirect(Layout.ROWS, padding, channelBlock, 0, rowsPerTask, colSpan, perPass);
        }
    }
}
