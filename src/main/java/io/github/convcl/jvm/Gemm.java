// The Java matrix product on packed panels: C += A x B, Vector API tiles where the JVM offers them.
package io.github.convcl.jvm;

import io.github.convcl.config.Settings;
import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.Activation;

/**
 * {@code C[M x N] += A[M x K] * B[K x N]} on packed operands, the layout of BLIS-style GEMMs:
 * <ul>
 * <li>A in panels of {@code mr} rows (6 or 4), each panel K x mr contiguous, rows past M zero:
 *     {@code pa[(i/mr)*K*mr + k*mr + i%mr]} ({@link #packA}).</li>
 * <li>B in panels of {@link #NR} = 16 columns, each K x 16 contiguous, columns past N zero:
 *     {@code pb[(j/16)*K*16 + k*16 + j%16]} (written directly by im2col, or by {@link #packB}).</li>
 * </ul>
 * With {@code jdk.incubator.vector} resolved (JVM flag {@code --add-modules jdk.incubator.vector}) each
 * mr x 16 tile of C is held in AVX registers ({@link VectorGemm}; 512-bit tiles of up to 6 x 32 where {@link #WIDE},
 * {@link WideGemm}); otherwise {@link PlainGemm} runs the same products
 * a row of C at a time, in loops the JIT vectorizes. {@code -Dconvcl.vector=false} forces the plain products.
 */
final class Gemm {
    /**
     * The JVM-wide settings, read once when the kernels load: the vector width is a constant of the compiled code (the
     * Vector API compiles to SIMD instructions only for a species the JIT sees as a constant).
     */
    private static final Settings.JvmWide JVM = Settings.JvmWide.fromSystem();
    /** True when the Vector API tiles are in use. */
    static final boolean VECTOR = CpuInfo.vectorApiUsable() && JVM.vector();
    /** Columns per B panel and per C tile. */
    static final int NR = io.github.convcl.plan.JavaDirect.PANEL_COLUMNS;
    /** Reduction block: a 16-column panel slice of B (KC x 16 floats, 16 KiB) stays in L1 across row panels. */
    static final int KC = 256;
    /** Floats of an edge scratch: a 6 x 16 tile, then the row biases of a tile (up to twelve). */
    static final int EDGE = 6 * NR + 12;
    /**
     * True when the tiles are 512-bit ones ({@link WideGemm}: 32 columns where two full B slices sit side by side, else
     * two full A panels of one height as one 12x16 or 8x16 tile, else one panel a vector a row), and with them every
     * other Java kernel's vectors ({@link #LANES}): with {@code -Dconvcl.vectorBits=512} (or {@code 256} for 256-bit
     * vectors alone), else where the JVM's preferred vectors are 512 bits wide and its release is at least
     * {@link Thresholds#JAVA_WIDE_TILES_MIN_JDK}.
     */
    static final boolean WIDE = VECTOR && wideTiles(JVM.vectorBits());
    /**
     * Lanes of the vectors every Java kernel uses: 16 where {@link #WIDE}, else 8 (one width per JVM, see
     * {@link VectorGemm}).
     */
    static final int LANES = WIDE ? 16 : 8;

    private Gemm() {
    }

    /** {@link #WIDE} for the property's text {@code bits} ({@code 512}, {@code 256}, or anything else: the default). */
    static boolean wideTiles(String bits) {
        if ("512".equals(bits) || "256".equals(bits)) {
            return "512".equals(bits);
        }
        return Runtime.version().feature() >= Thresholds.JAVA_WIDE_TILES_MIN_JDK && WideGemm.preferred();
    }

    /**
     * Rows the tiles at row {@code i} cover: twice the panel's {@link #height} (12 or 8) where {@link #WIDE} pairs the
     * panel with the next one of the same height (both full, no padding rows), else the height.
     */
    static int step(int m, int mr, int i) {
        int h = height(m, mr, i);
        return WIDE && i + 2 * h <= m && height(m, mr, i + h) == h ? 2 * h : h;
    }

    /** Floats of the scratch {@link #multiplyRows} takes: a 6 x 16 tile, 12 row biases, a 12 x 32 tile. */
    static final int ROWS_SCRATCH = 6 * NR + 12 + 24 * NR;

    /**
     * Whether {@link #multiplyDirect}'s first 6-row panel gathers the two B slices of a 32-column tile as it multiplies
     * ({@link WideGemm#tile6x32Gathering}) instead of a gather pass first; {@code -Dconvcl.fusedGather=false} turns it
     * off. Gathering inside the tile saves a pass over the slices that the tile then reads again from L1; the outputs
     * are the same bits (docs/performance.md has the measurements).
     */
    static final boolean FUSED_GATHER = JVM.fusedGather();

    /**
     * Whether {@link #multiplyRows} runs a step of two 6-row panels as one 12x32 tile ({@link WideGemm#rowTile12x32})
     * rather than two 6x32 ones: with the 512-bit tiles on a JDK up to {@link Thresholds#JAVA_TALL_ROW_TILES_MAX_JDK},
     * or as {@code -Dconvcl.tallRows=true} or {@code false} says.
     */
    static final boolean TALL_ROWS = WIDE && tallRows(JVM.tallRows());

    /** {@link #TALL_ROWS} (before {@link #WIDE}) for the property's text. */
    static boolean tallRows(String text) {
        if ("true".equals(text) || "false".equals(text)) {
            return Boolean.parseBoolean(text);
        }
        return Runtime.version().feature() <= Thresholds.JAVA_TALL_ROW_TILES_MAX_JDK;
    }

    /**
     * Whether the pointwise GEMM's 512-bit 32-column tiles apply a convolution's epilogue without a residual (identity,
     * relu or relu6 after scale and shift) as they store ({@link Finish}) instead of a pass over the finished block;
     * {@code -Dconvcl.registerEpilogue=false} turns it off. The same bits either way.
     */
    static final boolean REGISTER_EPILOGUE = WIDE && JVM.registerEpilogue();

    /** Floats of the scratch {@link #multiplyDirect} takes: two 16-column slices of a reduction block. */
    static final int DIRECT_SCRATCH = 2 * KC * NR;

    /** Whether {@link #WIDE} runs the 16-column slices at {@code j} and {@code j + 16} (both full) as one 32-column tile. */
    private static boolean pairColumns(int n, int j) {
        return WIDE && j + 2 * NR <= n;
    }

    /** The columns of n that {@link #pairColumns} runs as 32-column tiles, from 0 (where {@link #WIDE}). */
    private static int pairedColumns(int n) {
        return n / (2 * NR) * (2 * NR);
    }

    /** Rows of each A panel under a tile of {@code h} rows from {@link #step}. */
    private static int panelRows(int h) {
        return h > 6 ? h / 2 : h;
    }

    /** Rows per A panel for M rows ({@link io.github.convcl.plan.JavaDirect#rowPanel}: the kernels' and the planner's rule). */
    static int rowPanel(int m) {
        return io.github.convcl.plan.JavaDirect.rowPanel(m);
    }

    /**
     * Rows covered by 6-row panels when {@code mr} is 6: all of M (the last panel padded) unless M mod 6 is 4 or 2,
     * where the tail is one or two 4-row panels instead, so no rows are padded and no tile takes the edge path.
     */
    static int sixRows(int m) {
        return io.github.convcl.plan.JavaDirect.sixRows(m);
    }

    /** Height of the A panel that starts at row {@code i}: 4 everywhere for mr 4; 6, then 4 for the tail, for mr 6. */
    static int height(int m, int mr, int i) {
        return mr == 4 || i >= sixRows(m) ? 4 : 6;
    }

    static int packedASize(int m, int k, int mr) {
        if (mr == 4) {
            return (m + 3) / 4 * 4 * k;
        }
        int six = sixRows(m);
        return (six >= m ? six : six + (m - six + 3) / 4 * 4) * k;
    }

    static int packedBSize(int n, int k) {
        return (n + NR - 1) / NR * NR * k;
    }

    /** Packs A (element (i,k) at {@code a[aOff + i*aRow + k*aCol]}) into panels of {@code mr} rows. */
    static void packA(int m, int k, float[] a, int aOff, int aRow, int aCol, int mr, float[] pa, int paOff) {
        for (int i0 = 0; i0 < m; i0 += height(m, mr, i0)) {
            packPanel(m, k, a, aOff, aRow, aCol, mr, i0, pa, paOff);
        }
    }

    /** The first row of each A panel for M rows (heights as {@link #height}), then M. */
    static int[] panelStarts(int m, int mr) {
        int n = 0;
        for (int i = 0; i < m; i += height(m, mr, i)) {
            n++;
        }
        int[] starts = new int[n + 1];
        for (int i = 0, p = 0; i < m; i += height(m, mr, i)) {
            starts[p++] = i;
        }
        starts[n] = m;
        return starts;
    }

    /**
     * Packs the one A panel that starts at row {@code i0} (rows past M are zeros): reads its rows side by side and
     * writes the panel in order; {@link #packA} is this over every panel, and callers may pack panels in parallel.
     */
    static void packPanel(int m, int k, float[] a, int aOff, int aRow, int aCol, int mr, int i0, float[] pa, int paOff) {
        int h = height(m, mr, i0);
        packRows(k, a, aOff + i0 * aRow, aRow, aCol, h, Math.min(h, m - i0), pa, paOff + i0 * k);
    }

    /**
     * {@code h} rows of a matrix side by side, {@code pa[dst + kk * h + r] = a[src + r * aRow + kk * aCol]} for kk &lt;
     * k: one packed panel of h rows (the rows from {@code rows} on are zeros).
     */
    static void packRows(int k, float[] a, int src, int aRow, int aCol, int h, int rows, float[] pa, int dst) {
        for (int kk = 0; kk < k; kk++) {
            int to = dst + kk * h;
            int from = src + kk * aCol;
            for (int r = 0; r < rows; r++) {
                pa[to + r] = a[from + r * aRow];
            }
            for (int r = rows; r < h; r++) {
                pa[to + r] = 0f;
            }
        }
    }

    /**
     * Packs columns [j0, j0+n) of row-major B (leading dimension ldb) into 16-column panels. The full panels take B's
     * rows in blocks of {@link VectorGemm#PACK_ROWS}, each block along all of the panels' columns: the reads then run
     * along a few rows at a time, not down all k rows of a 16-column strip (k read streams, more than the prefetchers
     * follow, so B from memory arrived at the latency of each line).
     */
    static void packB(int n, int k, float[] b, int bOff, int ldb, float[] pb, int pbOff) {
        int full = VECTOR ? n / NR * NR : 0;
        if (full > 0) {
            VectorGemm.packPanels(full, k, b, bOff, ldb, pb, pbOff);
        }
        for (int j = full; j < n; j += NR) {
            int cols = Math.min(NR, n - j);
            int base = pbOff + j * k;
            for (int kk = 0; kk < k; kk++) {
                int dst = base + kk * NR;
                System.arraycopy(b, bOff + kk * ldb + j, pb, dst, cols);
                if (cols < NR) {
                    java.util.Arrays.fill(pb, dst + cols, dst + NR, 0f);
                }
            }
        }
    }

    /** {@code C += A x B} with both operands packed; C row-major at {@code cOff} with leading dimension {@code ldc}. */
    static void multiplyPacked(int m, int n, int k, int mr, float[] pa, int paOff, float[] pb, int pbOff,
                               float[] c, int cOff, int ldc) {
        multiplyPacked(m, n, k, mr, pa, paOff, pb, pbOff, false, null, 0, c, cOff, ldc);
    }

    /**
     * {@link #multiplyPacked(int, int, int, int, float[], int, float[], int, float[], int, int)}, or with {@code fresh}
     * {@code C = rowBias + A x B}, row i's bias {@code bias[biasOff + i]} (zeros when {@code bias} is null), whatever C
     * held: the caller fills nothing. Where row panels go outside (a short reduction into a wide C, see
     * {@link Thresholds#JAVA_ROWS_OUTER_MAX_REDUCTION}) the tiles start from the bias and only write C; otherwise the
     * first reduction block's tiles do, and the later blocks add to C.
     */
    static void multiplyPacked(int m, int n, int k, int mr, float[] pa, int paOff, float[] pb, int pbOff,
                               boolean fresh, float[] bias, int biasOff, float[] c, int cOff, int ldc) {
        multiplyPacked(m, n, k, mr, pa, paOff, pb, pbOff, fresh, bias, biasOff, c, cOff, ldc, null);
    }

    /**
     * As above, with {@code edge} (at least {@link #EDGE} floats, or null for a new one) as the edge tiles' scratch,
     * for callers that run many products per task.
     */
    static void multiplyPacked(int m, int n, int k, int mr, float[] pa, int paOff, float[] pb, int pbOff,
                               boolean fresh, float[] bias, int biasOff, float[] c, int cOff, int ldc, float[] edge) {
        multiplyPacked(m, n, k, mr, pa, paOff, pb, pbOff, fresh, bias, biasOff, c, cOff, ldc, edge, null);
    }

    /** Told of each block of C once it is final (its whole reduction done), while the block is still in cache. */
    interface Done {
        /** Rows [row, row + rows) x columns [col, col + cols) of C are final. */
        void block(int row, int rows, int col, int cols);
    }

    /**
     * As above, telling {@code done} (unless null) of each block of C as it becomes final: whole row panels where row
     * panels go outside, column slices of every row after the last reduction block otherwise.
     */
    static void multiplyPacked(int m, int n, int k, int mr, float[] pa, int paOff, float[] pb, int pbOff,
                               boolean fresh, float[] bias, int biasOff, float[] c, int cOff, int ldc, float[] edge, Done done) {
        multiplyPacked(m, n, k, mr, pa, paOff, pb, pbOff, fresh, bias, biasOff, c, cOff, ldc, edge, done, null);
    }

    /**
     * An epilogue that the 32-column tiles apply as they store: C's row i (of the product) becomes
     * {@code act(fma(v, scale[at + i], shift[at + i]))} (a null scale is 1, a null shift 0), the operations and order of
     * {@link Store#finish}'s pass, so the same bits. {@code act} 0 identity, 1 relu, 2 relu6. A relu alone the tiles
     * apply in their registers; anything else {@link WideGemm#finishTile} applies to the tile just stored, in L1.
     */
    record Finish(float[] scale, float[] shift, int at, int act) {
        /** The activation's lower bound: 0 for relu and relu6, none (negative infinity) for the identity. */
        float low() {
            return act == 0 ? Float.NEGATIVE_INFINITY : 0f;
        }

        /** Whether this is a relu and nothing else (no scale or shift left: a kernel folded them, {@link Store#fold}). */
        boolean reluAlone() {
            return act == 1 && scale == null && shift == null;
        }

        /** The activation's upper bound: 6 for relu6, none (positive infinity) otherwise. */
        float high() {
            return act == 2 ? 6f : Float.POSITIVE_INFINITY;
        }
    }

    /**
     * As above; with {@code finish} (not null: {@code done} then applies the same epilogue) the 512-bit 32-column tiles
     * of the last reduction block apply it as they store where their step has no padding rows, and {@code done} hears only
     * of the blocks they did not finish: the epilogue without a second pass over those outputs.
     */
    static void multiplyPacked(int m, int n, int k, int mr, float[] pa, int paOff, float[] pb, int pbOff,
                               boolean fresh, float[] bias, int biasOff, float[] c, int cOff, int ldc, float[] edge, Done done,
                               Finish finish) {
        if (!REGISTER_EPILOGUE) {
            finish = null;
        }
        if (!VECTOR) {
            PlainGemm.multiplyPacked(m, n, k, mr, pa, paOff, pb, pbOff, fresh, bias, biasOff, c, cOff, ldc);
            if (done != null) {
                done.block(0, m, 0, n);
            }
            return;
        }
        if (edge == null) {
            edge = new float[EDGE];
        }
        if (k <= Thresholds.JAVA_ROWS_OUTER_MAX_REDUCTION
                && (long) m * ldc * Float.BYTES > Thresholds.JAVA_ROWS_OUTER_MIN_OUTPUT_BYTES) {
            // A short reduction into a C larger than L2 (an output, not a scratch block): row panels outside, so that
            // C is written in runs along its rows (column slices across all rows scatter the stores over as many rows
            // as C has) while each slice of B (at most 8 KiB) comes from L2 and the panel of A stays in L1.
            for (int i = 0, h; i < m; i += h) {
                h = step(m, mr, i);
                // the 32-column tiles finish the rows where every row of the step is real
                Finish inRegisters = fresh && i + h <= m ? finish : null;
                int finished = inRegisters == null ? 0 : pairedColumns(n);
                for (int j = 0; j < n; j += NR) {
                    if (pairColumns(n, j)) {
                        tilesAt(m, k, i, h, 0, k, pa, paOff, pb, pbOff + j * k, pbOff + (j + NR) * k, c, cOff + j, ldc, edge, fresh,
                                bias, biasOff, inRegisters);
                        j += NR;
                        continue;
                    }
                    tileAt(m, k, i, h, 0, k, pa, paOff, pb, pbOff + j * k, c, cOff + j, ldc, Math.min(NR, n - j), edge, fresh, bias, biasOff);
                }
                if (done != null && finished < n) {
                    // the panel's real rows: a last panel's padding rows are no output
                    done.block(i, Math.min(h, m - i), finished, n - finished);
                }
            }
            return;
        }
        // A long reduction keeps the B slice in L1 across the row panels. Fresh, the first reduction block's tiles start
        // from the bias and only write C (no pass over C first); the later blocks add to it. With a finish, the last
        // block's 32-column tiles of steps without padding rows (rows [0, fullRows)) apply it before their store.
        int fullRows = finish == null ? 0 : fullStepRows(m, mr);
        int pairEnd = finish == null ? 0 : pairedColumns(n);
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kb = Math.min(KC, k - k0);
            boolean last = done != null && k0 + KC >= k;
            boolean start = fresh && k0 == 0;
            Finish inRegisters = k0 + KC >= k ? finish : null;
            int pending = 0; // first column of the final slices not yet reported
            for (int j = 0; j < n; j += NR) {
                if (pairColumns(n, j)) {
                    panelColumns(0, m, k, mr, k0, kb, pa, paOff, pb, pbOff + j * k + k0 * NR, pbOff + (j + NR) * k + k0 * NR, c, cOff + j,
                            ldc, edge, start, bias, biasOff, inRegisters);
                    j += NR;
                } else {
                    panelColumn(m, k, mr, k0, kb, pa, paOff, pb, pbOff + j * k + k0 * NR, c, cOff + j, ldc, Math.min(NR, n - j), edge,
                            start, bias, biasOff);
                }
                int end = Math.min(n, j + NR);
                // reported in runs of DONE_COLUMNS: long enough rows for the epilogue, still in L2 (m rows of them)
                if (last && (end - pending >= DONE_COLUMNS || end == n)) {
                    // what the tiles finished: rows [0, fullRows) x columns [pending, split)
                    int split = Math.min(end, Math.max(pending, pairEnd));
                    if (fullRows < m) {
                        done.block(fullRows, m - fullRows, pending, end - pending);
                    }
                    if (split < end && fullRows > 0) {
                        done.block(0, fullRows, split, end - split);
                    }
                    pending = end;
                }
            }
        }
    }

    /** The rows of M before its first {@link #step} with padding rows (all of M where there is none). */
    private static int fullStepRows(int m, int mr) {
        for (int i = 0, h; i < m; i += h) {
            h = step(m, mr, i);
            if (i + h > m) {
                return i;
            }
        }
        return m;
    }

    /** Columns of C reported final at once in the blocked product: rows of 256 floats, m of them in L2. */
    private static final int DONE_COLUMNS = 256;

    /**
     * {@code C[M x n] += A x B} where B row k, columns [0, n), is {@code x[base + offs[k] + j]}: the rows of an
     * implicit im2col over a padded input. Each 16-column slice of a reduction block (two side by side for the
     * 32-column tiles) is first copied into {@code scratch} (at least {@link #DIRECT_SCRATCH} floats) so that the tiles
     * read it from L1; for a 32-column tile the first 6-row panel's tile makes that copy as it multiplies
     * ({@link #FUSED_GATHER}). Reads up to 15 floats past the last valid column of a row; the caller leaves that much slack.
     */
    static void multiplyDirect(int m, int n, int k, int mr, float[] pa, int paOff, float[] x, int base, int[] offs,
                               float[] c, int cOff, int ldc, float[] scratch) {
        if (!VECTOR) {
            PlainGemm.multiplyDirect(m, n, k, mr, pa, paOff, x, base, offs, c, cOff, ldc);
            return;
        }
        float[] edge = new float[EDGE];
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kb = Math.min(KC, k - k0);
            for (int j = 0; j < n; j += NR) {
                if (FUSED_GATHER && pairColumns(n, j) && m >= 6 && height(m, mr, 0) == 6) {
                    // the first 6-row panel's tile gathers both 16-column slices as it multiplies; the rest read them
                    WideGemm.tile6x32Gathering(kb, pa, paOff + k0 * 6, x, base + j, offs, k0, scratch, 0, KC * NR, c, cOff + j, ldc);
                    panelColumns(6, m, k, mr, k0, kb, pa, paOff, scratch, 0, KC * NR, c, cOff + j, ldc, edge);
                    j += NR;
                    continue;
                }
                VectorGemm.gather16(kb, x, base + j, offs, k0, scratch);
                if (pairColumns(n, j)) {
                    VectorGemm.gather16(kb, x, base + j + NR, offs, k0, scratch, KC * NR);
                    panelColumns(0, m, k, mr, k0, kb, pa, paOff, scratch, 0, KC * NR, c, cOff + j, ldc, edge);
                    j += NR;
                    continue;
                }
                panelColumn(m, k, mr, k0, kb, pa, paOff, scratch, 0, c, cOff + j, ldc, Math.min(NR, n - j), edge);
            }
        }
    }

    /**
     * Output rows straight from a padded input, with no B panel and no accumulator block: {@code y[yOff + i*ldy + q] =
     * rowBias(i) + sum_k A[i][k] * x[base + offs[k] + q]} for rows i &lt; m and columns q in [c0, c1), a run of at
     * least 16 columns. Each register tile reads its B rows in place and starts from the bias. Columns go 16 at a
     * time; when the run is not a multiple of 16 its last tile covers the run's last 16 columns, recomputing a few of
     * the tile before it (the same products in the same order, so the same values). With {@link #WIDE}, 32 columns at
     * a time, and a tail of 17 to 31 columns is one 32-column tile written to {@code scratch} and copied: it reads B
     * rows up to 15 columns past c1 - 1 (columns it discards; the padded input's slack covers them). Otherwise it
     * reads no B row past column c1 - 1. {@code bias} may be null (zeros); {@code scratch} holds {@link #ROWS_SCRATCH}
     * floats. With {@code relu} every output is stored as {@code max(v, 0)}, the epilogue a kernel that folded scale
     * and shift into its weights and bias leaves ({@link Store#fold}): the tiles apply it as they store, so that no
     * pass reads the rows again.
     */
    static void multiplyRows(int m, int c0, int c1, int k, int mr, float[] pa, int paOff, float[] x, int base, int[] offs,
                             float[] bias, int biasOff, float[] y, int yOff, int ldy, float[] scratch, boolean relu) {
        if (!VECTOR) {
            PlainGemm.multiplyRows(m, c0, c1, k, mr, pa, paOff, x, base, offs, bias, biasOff, y, yOff, ldy);
            if (relu) {
                for (int i = 0; i < m; i++) {
                    Store.activate(Activation.RELU, 0f, y, yOff + i * ldy + c0, c1 - c0);
                }
            }
            return;
        }
        int rowBias = 6 * NR;
        for (int i = 0, h; i < m; i += h) {
            h = step(m, mr, i);
            int rows = Math.min(h, m - i);
            for (int r = 0; r < h; r++) {
                scratch[rowBias + r] = bias == null || r >= rows ? 0f : bias[biasOff + i + r];
            }
            int aIdx = paOff + i * k;
            for (int q = c0; q < c1; q += NR) {
                int q0 = Math.min(q, c1 - NR);
                if (rows == h && WIDE && q + 2 * NR <= c1) {
                    // 32 columns: the step's rows against both 16-column runs
                    rowTiles32(h, k, pa, aIdx, x, base + q, offs, scratch, rowBias, y, yOff + i * ldy + q, ldy, relu);
                    q += NR;
                    continue;
                }
                if (rows == h && WIDE && q + NR < c1) {
                    // 17 to 31 columns left: one 32-column tile (rather than two 16-column ones, the second
                    // overlapping), staged in scratch, its first c1 - q columns kept
                    int stage = rowBias + 12;
                    rowTiles32(h, k, pa, aIdx, x, base + q, offs, scratch, rowBias, scratch, stage, 2 * NR, relu);
                    for (int r = 0; r < h; r++) {
                        System.arraycopy(scratch, stage + r * 2 * NR, y, yOff + (i + r) * ldy + q, c1 - q);
                    }
                    break;
                }
                if (rows == h) {
                    rowTile(h, k, pa, aIdx, x, base + q0, offs, scratch, rowBias, y, yOff + i * ldy + q0, ldy, relu);
                    continue;
                }
                rowTile(h, k, pa, aIdx, x, base + q0, offs, scratch, rowBias, scratch, 0, NR, relu);
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(scratch, r * NR, y, yOff + (i + r) * ldy + q0, NR);
                }
            }
        }
    }

    /**
     * The 32-column row tiles of one {@link #step} of {@code h} rows, written to rows {@code ci + r*ldc}: one 12x32 tile
     * for two 6-row panels where {@link #TALL_ROWS}, one 8x32 tile for two 4-row panels ({@link WideGemm#rowTile8x32},
     * each input row read once for both: grouped3x3g32 0.906-0.913 of the time of two 4x32 tiles on JDK 17 and 25,
     * inception5x5 0.964 / 0.972, one thread, per call alternated in one JVM, medians of 8 rounds), else one tile per A
     * panel (see {@link #multiplyRows}).
     */
    private static void rowTiles32(int h, int k, float[] pa, int aIdx, float[] x, int base, int[] offs, float[] rb, int rbOff,
                                   float[] c, int ci, int ldc, boolean relu) {
        if (h == 12 && TALL_ROWS) {
            WideGemm.rowTile12x32(k, pa, aIdx, aIdx + 6 * k, x, base, offs, rb, rbOff, c, ci, ldc, relu);
            return;
        }
        if (h == 8) {
            WideGemm.rowTile8x32(k, pa, aIdx, aIdx + 4 * k, x, base, offs, rb, rbOff, c, ci, ldc, relu);
            return;
        }
        for (int p = 0, panel = panelRows(h); p < h; p += panel) {
            if (panel == 6) {
                WideGemm.rowTile6x32(k, pa, aIdx + p * k, x, base, offs, rb, rbOff + p, c, ci + p * ldc, ldc, relu);
            } else {
                WideGemm.rowTile4x32(k, pa, aIdx + p * k, x, base, offs, rb, rbOff + p, c, ci + p * ldc, ldc, relu);
            }
        }
    }

    /**
     * The 16-column row tile of one {@link #step} of {@code mr} rows (see {@link #multiplyRows}). The 256-bit tiles store
     * as they are; a relu then runs over the tile just stored, still in L1.
     */
    private static void rowTile(int mr, int k, float[] pa, int aIdx, float[] x, int base, int[] offs, float[] rb, int rbOff,
                                float[] c, int ci, int ldc, boolean relu) {
        if (mr == 12) {
            WideGemm.rowTile12x16(k, pa, aIdx, aIdx + 6 * k, x, base, offs, rb, rbOff, c, ci, ldc, relu);
            return;
        }
        if (mr == 8) {
            WideGemm.rowTile8x16(k, pa, aIdx, aIdx + 4 * k, x, base, offs, rb, rbOff, c, ci, ldc, relu);
            return;
        }
        if (WIDE) {
            if (mr == 6) {
                WideGemm.rowTile6x16(k, pa, aIdx, x, base, offs, rb, rbOff, c, ci, ldc, relu);
            } else {
                WideGemm.rowTile4x16(k, pa, aIdx, x, base, offs, rb, rbOff, c, ci, ldc, relu);
            }
            return;
        }
        if (mr == 6) {
            VectorGemm.rowTile6x16(k, pa, aIdx, x, base, offs, rb, rbOff, c, ci, ldc);
        } else {
            VectorGemm.rowTile4x16(k, pa, aIdx, x, base, offs, rb, rbOff, c, ci, ldc);
        }
        if (relu) {
            for (int r = 0; r < mr; r++) {
                VectorGemm.epilogue(c, ci + r * ldc, NR, 1f, 0f, null, 0, 1);
            }
        }
    }

    /**
     * Every row panel of A against one 16-column slice of B (reduction block [k0, k0+kb)) added into C at {@code ci}.
     * A partial tile (fewer rows or columns) runs on {@code edge}, a scratch copy of C (at least {@link #EDGE} floats:
     * the tile, then the row biases of a fresh tile), so that the full-width kernel never writes past the valid block.
     */
    private static void panelColumn(int m, int k, int mr, int k0, int kb, float[] pa, int paOff, float[] pb, int bIdx,
                                    float[] c, int ci, int ldc, int cols, float[] edge) {
        panelColumn(m, k, mr, k0, kb, pa, paOff, pb, bIdx, c, ci, ldc, cols, edge, false, null, 0);
    }

    /** As above; with {@code fresh} the tiles start from row i's bias {@code bias[biasOff + i]} (null: zeros), not C. */
    private static void panelColumn(int m, int k, int mr, int k0, int kb, float[] pa, int paOff, float[] pb, int bIdx,
                                    float[] c, int ci, int ldc, int cols, float[] edge, boolean fresh, float[] bias, int biasOff) {
        for (int i = 0, h; i < m; i += h) {
            h = step(m, mr, i);
            tileAt(m, k, i, h, k0, kb, pa, paOff, pb, bIdx, c, ci, ldc, cols, edge, fresh, bias, biasOff);
        }
    }

    /**
     * {@link #panelColumn} for two full 16-column slices of B side by side ({@link #WIDE}: 32-column tiles), from row
     * {@code from} (0, or 6 where the first panel's tile ran already).
     */
    private static void panelColumns(int from, int m, int k, int mr, int k0, int kb, float[] pa, int paOff, float[] pb, int bIdx,
                                     int bIdx2, float[] c, int ci, int ldc, float[] edge) {
        panelColumns(from, m, k, mr, k0, kb, pa, paOff, pb, bIdx, bIdx2, c, ci, ldc, edge, false, null, 0);
    }

    /** As above, {@code fresh} as {@link #panelColumn(int, int, int, int, int, float[], int, float[], int, float[], int, int, int, float[], boolean, float[], int)}. */
    private static void panelColumns(int from, int m, int k, int mr, int k0, int kb, float[] pa, int paOff, float[] pb, int bIdx,
                                     int bIdx2, float[] c, int ci, int ldc, float[] edge, boolean fresh, float[] bias, int biasOff) {
        panelColumns(from, m, k, mr, k0, kb, pa, paOff, pb, bIdx, bIdx2, c, ci, ldc, edge, fresh, bias, biasOff, null);
    }

    /** As above; {@code finish} (unless null) finishes the steps without padding rows as they store ({@link Finish}). */
    private static void panelColumns(int from, int m, int k, int mr, int k0, int kb, float[] pa, int paOff, float[] pb, int bIdx,
                                     int bIdx2, float[] c, int ci, int ldc, float[] edge, boolean fresh, float[] bias, int biasOff,
                                     Finish finish) {
        for (int i = from, h; i < m; i += h) {
            h = step(m, mr, i);
            Finish inRegisters = i + h <= m ? finish : null;
            tilesAt(m, k, i, h, k0, kb, pa, paOff, pb, bIdx, bIdx2, c, ci, ldc, edge, fresh, bias, biasOff, inRegisters);
        }
    }

    /**
     * The rows of one {@link #step} at row {@code i} against two full 16-column slices of B ({@code bIdx}, then
     * {@code bIdx2}, C's columns 0-31 from {@code ci}): each A panel's full rows as one 32-column tile of 512-bit
     * vectors; a panel with padding rows runs {@link #tileAt} on each slice.
     */
    private static void tilesAt(int m, int k, int i, int h, int k0, int kb, float[] pa, int paOff, float[] pb, int bIdx, int bIdx2,
                                float[] c, int ci, int ldc, float[] edge, boolean fresh, float[] bias, int biasOff, Finish finish) {
        int panel = panelRows(h);
        for (int p = i; p < i + h; p += panel) {
            if (p + panel > m) {
                tileAt(m, k, p, panel, k0, kb, pa, paOff, pb, bIdx, c, ci, ldc, NR, edge, fresh, bias, biasOff);
                tileAt(m, k, p, panel, k0, kb, pa, paOff, pb, bIdx2, c, ci + NR, ldc, NR, edge, fresh, bias, biasOff);
                continue;
            }
            int rowBias = 6 * NR;
            if (fresh) {
                for (int r = 0; r < panel; r++) {
                    edge[rowBias + r] = bias == null ? 0f : bias[biasOff + p + r];
                }
            }
            int aIdx = paOff + p * k + k0 * panel;
            boolean relu = finish != null && finish.reluAlone();
            if (panel == 6) {
                WideGemm.tile6x32(kb, pa, aIdx, pb, bIdx, bIdx2, c, ci + p * ldc, ldc, fresh ? edge : null, rowBias, relu);
            } else {
                WideGemm.tile4x32(kb, pa, aIdx, pb, bIdx, bIdx2, c, ci + p * ldc, ldc, fresh ? edge : null, rowBias, relu);
            }
            if (finish != null && !relu) {
                WideGemm.finishTile(panel, c, ci + p * ldc, ldc, finish, p);
            }
        }
    }

    /**
     * The tile of the row panel at row {@code i} (height {@code h}) against one slice of B: added into C, or with
     * {@code fresh} started from the rows' biases (see {@link #panelColumn} for the edge tiles).
     */
    private static void tileAt(int m, int k, int i, int h, int k0, int kb, float[] pa, int paOff, float[] pb, int bIdx,
                               float[] c, int ci, int ldc, int cols, float[] edge, boolean fresh, float[] bias, int biasOff) {
        int panel = panelRows(h);
        if (panel < h && cols < NR) {
            tileAt(m, k, i, panel, k0, kb, pa, paOff, pb, bIdx, c, ci, ldc, cols, edge, fresh, bias, biasOff);
            tileAt(m, k, i + panel, panel, k0, kb, pa, paOff, pb, bIdx, c, ci, ldc, cols, edge, fresh, bias, biasOff);
            return;
        }
        int rowBias = 6 * NR;
        int rows = Math.min(h, m - i);
        int aIdx = paOff + i * k + k0 * panel;
        int at = ci + i * ldc;
        if (fresh) {
            for (int r = 0; r < h; r++) {
                edge[rowBias + r] = bias == null || r >= rows ? 0f : bias[biasOff + i + r];
            }
        }
        if (h == 12) {
            // a pair of 6-row panels: the second one's slice of this reduction block is 6 x K floats further on
            WideGemm.tile12x16(kb, pa, aIdx, aIdx + 6 * k, pb, bIdx, c, at, ldc, fresh ? edge : null, rowBias);
            return;
        }
        if (h == 8) {
            WideGemm.tile8x16(kb, pa, aIdx, aIdx + 4 * k, pb, bIdx, c, at, ldc, fresh ? edge : null, rowBias);
            return;
        }
        if (rows == h && cols == NR) {
            tile(h, kb, pa, aIdx, pb, bIdx, c, at, ldc, fresh ? edge : null, rowBias);
            return;
        }
        float[] block = edgeFrom(c, at, ldc, rows, cols, fresh, edge);
        if (!WIDE && cols <= NR / 2) {
            // a last slice of at most 8 columns: the tile of its first 8
            VectorGemm.tile8(h, kb, pa, aIdx, pb, bIdx, block, 0, NR, fresh ? edge : null, rowBias);
        } else {
            tile(h, kb, pa, aIdx, pb, bIdx, block, 0, NR, fresh ? edge : null, rowBias);
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(edge, r * NR, c, at + r * ldc, cols);
        }
    }

    /** The edge tile's starting C: the valid part of C (zeros around it), or nothing to read when the tile is fresh. */
    private static float[] edgeFrom(float[] c, int at, int ldc, int rows, int cols, boolean fresh, float[] edge) {
        if (!fresh) {
            for (int r = 0; r < 6; r++) {
                for (int q = 0; q < NR; q++) {
                    edge[r * NR + q] = r < rows && q < cols ? c[at + r * ldc + q] : 0f;
                }
            }
        }
        return edge;
    }

    private static void tile(int mr, int k, float[] pa, int aIdx, float[] pb, int bIdx, float[] c, int ci, int ldc, float[] rb, int rbOff) {
        if (WIDE && mr == 6) {
            WideGemm.tile6x16(k, pa, aIdx, pb, bIdx, c, ci, ldc, rb, rbOff);
        } else if (WIDE) {
            WideGemm.tile4x16(k, pa, aIdx, pb, bIdx, c, ci, ldc, rb, rbOff);
        } else if (mr == 6) {
            VectorGemm.tile6x16(k, pa, aIdx, pb, bIdx, c, ci, ldc, rb, rbOff);
        } else {
            VectorGemm.tile4x16(k, pa, aIdx, pb, bIdx, c, ci, ldc, rb, rbOff);
        }
    }
}
