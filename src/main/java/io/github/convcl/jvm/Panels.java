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
     * The weights of every group, (C_out/g) x (C_in/g * taps) each, packed as A panels at {@code g * aSize}, each output
     * channel's row multiplied by {@code scale[channel]} unless {@code scale} is null (an epilogue's scale folded in,
     * {@link Store#fold}): from {@code cache} when it holds them for this geometry and these scale values (new values
     * repack), else packed in parallel (and kept there). Null where a finite weight times its scale is not finite: the
     * scaled sum would then overflow where the sum times the scale need not, and the caller runs unfolded.
     */
    static float[] packWeights(PackCache cache, float[] w, float[] scale, int groups, int coutG, int reduction, int mr, int aSize) {
        String shape = "gemm g" + groups + " m" + coutG + " k" + reduction + " mr" + mr;
        int size = aSize * groups;
        // the panels, then one float: 0 where the scale makes a finite weight overflow
        float[] packed = packed(cache, key(shape, scale), size + 1, pa -> {
            pa[size] = scale != null && overflows(w, groups * coutG, reduction, scale) ? 0f : 1f;
            int[] starts = Gemm.panelStarts(coutG, mr);
            int panels = starts.length - 1;
            Parallel.forEach(groups * panels, t -> {
                int grp = t / panels;
                int i0 = starts[t % panels];
                Gemm.packPanel(coutG, reduction, w, grp * coutG * reduction, reduction, 1, mr, i0, pa, grp * aSize);
                if (scale != null) {
                    int h = Gemm.height(coutG, mr, i0);
                    scaleRows(pa, grp * aSize + i0 * reduction, reduction, h, Math.min(h, coutG - i0), scale, grp * coutG + i0);
                }
            });
        });
        return packed[size] == 1f ? packed : null;
    }

    /** Whether some finite value among the first {@code count} of {@code w} is not finite in {@code scaled}. */
    static boolean overflows(float[] w, float[] scaled, int count) {
        for (int i = 0; i < count; i++) {
            if (Float.isFinite(w[i]) && !Float.isFinite(scaled[i])) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether some finite weight of {@code channels} output channels ({@code per} consecutive weights each, channel c's
     * from {@code c * per}) times its channel's {@code scale} is not finite.
     */
    static boolean overflows(float[] w, int channels, int per, float[] scale) {
        for (int c = 0; c < channels; c++) {
            for (int i = c * per; i < (c + 1) * per; i++) {
                if (Float.isFinite(w[i]) && !Float.isFinite(w[i] * scale[c])) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Rows [0, rows) of a packed panel {@code h} rows high at {@code pa[at..]} times {@code scale[first + r]}. */
    private static void scaleRows(float[] pa, int at, int k, int h, int rows, float[] scale, int first) {
        for (int kk = 0; kk < k; kk++) {
            for (int r = 0; r < rows; r++) {
                pa[at + kk * h + r] *= scale[first + r];
            }
        }
    }

    /** The cache key of packed weights of {@code shape}, each output channel's scaled by {@code scale} (null: none). */
    static Object key(String shape, float[] scale) {
        return scale == null ? shape : new Scaled(shape, scale);
    }

    /**
     * The first {@code count} weights of {@code w}, {@code cout} output channels of {@code count / cout} each, each
     * channel's times its {@code scale} (an epilogue's scale folded in, {@link Store#fold}); {@code w} itself where
     * scale is null.
     */
    static float[] scaled(float[] w, int count, float[] scale, int cout) {
        if (scale == null) {
            return w;
        }
        int per = count / cout;
        float[] out = new float[count];
        for (int c = 0; c < cout; c++) {
            for (int i = c * per; i < (c + 1) * per; i++) {
                out[i] = w[i] * scale[c];
            }
        }
        return out;
    }

    /** A cache key: panels of {@code shape} with rows scaled by these values (compared by value, bit for bit). */
    private record Scaled(String shape, float[] scale) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Scaled k && k.shape.equals(shape) && java.util.Arrays.equals(k.scale, scale);
        }

        @Override
        public int hashCode() {
            return shape.hashCode() * 31 + java.util.Arrays.hashCode(scale);
        }
    }

    /** Packed panels of {@code size} floats under {@code key}: cached, or packed by {@code pack} into a reused array. */
    static float[] packed(PackCache cache, Object key, int size, java.util.function.Consumer<float[]> pack) {
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
