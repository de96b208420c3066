// Packed weight panels and column tiles shared by the Java GEMM kernels.
package io.github.convcl.jvm;

import io.github.convcl.plan.Thresholds;

/** Packs weights as A panels (cached per weight buffer), and sizes the column tiles of the im2col kernels. */
final class Panels {
    private Panels() {
    }

    static int columnTile(int reduction, int columns) {
        int nt = Thresholds.JAVA_COLUMN_TILE_BYTES / (4 * Math.max(1, reduction));
        nt = Math.max(Thresholds.JAVA_MIN_COLUMN_TILE, Math.min(Thresholds.JAVA_MAX_COLUMN_TILE, nt));
        nt = (nt + 15) & ~15;
        return Math.min(nt, columns);
    }

    /**
     * Rows per block of {@code m} output channels packed in panels of {@code mr} rows: all of them while
     * {@code otherTasks} (images, groups and column tiles) give {@code JAVA_TASKS_PER_CORE} tasks per core, else blocks
     * of at least {@link Thresholds#JAVA_MIN_ROW_BLOCK} rows, enough for that many tasks, each starting at a panel's
     * first row ({@link io.github.convcl.plan.JavaDirect#panelBlock}; 128 rows in 6-row panels: 66 + 62).
     */
    static int rowBlock(int m, int mr, int otherTasks) {
        int want = Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE;
        if (otherTasks >= want || m < 2 * Thresholds.JAVA_MIN_ROW_BLOCK) {
            return m;
        }
        int blocks = Math.min((want + otherTasks - 1) / otherTasks, m / Thresholds.JAVA_MIN_ROW_BLOCK);
        return Math.min(m, io.github.convcl.plan.JavaDirect.panelBlock(m, mr, (m + blocks - 1) / blocks));
    }

    /** Splits {@code columns} into tiles so that there are at least {@code JAVA_TASKS_PER_CORE} tasks per core. */
    static int balancedTile(int tile, int columns, int otherTasks) {
        int want = Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE;
        while (tile > Thresholds.JAVA_MIN_COLUMN_TILE && (long) otherTasks * ((columns + tile - 1) / tile) < want) {
            // whole 16-column slices: only the last tile of a row may end in a partial slice
            tile = Math.max(Thresholds.JAVA_MIN_COLUMN_TILE, (tile / 2 + 15) / 16 * 16);
        }
        return tile;
    }

    /**
     * The weights of every group, (C_out/g) x (C_in/g * taps) each, packed as A panels at {@code g * aSize}: from
     * {@code cache} when it holds them for this geometry, else packed in parallel (and kept there).
     */
    static float[] packWeights(PackCache cache, float[] w, int groups, int coutG, int reduction, int mr, int aSize) {
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
            float[] pa = Workspace.get(Workspace.Slot.WEIGHTS, size);
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

    static void fillBias(float[] y, int off, int len, float v) {
        java.util.Arrays.fill(y, off, off + len, v);
    }
}
