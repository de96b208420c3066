// Winograd F(4,3) and F(2,3) on the Java backend: the products of transformed tiles as one packed GEMM per transformed point.
package io.github.convcl.jvm;

import io.github.convcl.plan.Planner;
import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;

/**
 * Winograd F(m,3), m = 4 or 2, for stride-1 convolutions whose kernel is 3 or 1 along height and width (and 1 or 3
 * along depth; see {@link io.github.convcl.plan.Planner#javaWinogradShaped}), any dilation, groups and padding mode;
 * F(2,3) also at stride 2 along height or width ({@link io.github.convcl.plan.Planner#javaWinogradStrided}), where a
 * tile of two outputs reads five inputs p0 to p4 (output 0 taps p0 to p2, output 1 p2 to p4) as five points: F(2,2)
 * over p0, p2, p4 with taps 0 and 2 (points p0 - p2, p2, p4 - p2) and tap 1 alone on p1 and p3.
 * Along a dimension whose kernel is 3 a tile is m outputs and m + 2 transformed points (F(4,3): interpolation points
 * 0, +-1, +-2 and infinity; F(2,3): 0, +-1 and infinity; the transforms of {@code winograd.cl}; 5 at stride 2); along
 * one whose kernel is 1 a tile is one output and one point. E points per tile (36, 16 or, at stride 2, 25 or 20 in 2D;
 * 6, 4 or 5 in 1D). With dilation d a tile holds outputs of one residue class mod d, m apart by d, so its taps are
 * consecutive points of that class. A depth kernel of 3 is a sum of three such 2D convolutions over input planes z,
 * z + d, z + 2d: its taps are more rows of each point's reduction (tap-major: kz * C_in/g + c).
 * <p>
 * Per call: the weights become U[group][e] = G g G^T, packed as GEMM A panels (cached with the weights). Per block
 * of images, each input channel is copied once, padded by the padding mode, into a <em>split</em> layout whose rows
 * hold the padded row as m*s*d phases (stride s; phase p holds columns q*m*s*d + p), so that the point b of LANES tiles side by side is
 * one vector load. The GEMM columns are the tiles, in rows (image, depth, residue, tile row) without padding between
 * rows; a task takes a chunk of columns: transforms its input (V = B^T d B, written as packed B panels, a tile per
 * lane; each input plane once per depth tap), runs one GEMM per group and point (Y = U V), and transforms back (A^T Y A, plus bias) into the output.
 * Accuracy: F(4,3)'s transforms scale the tiles by up to ~10x (F(2,3)'s by at most 4); the plan promises an error within
 * {@code 1e-5 * sum|w*x|} per output, as the OpenCL Winograd plans do.
 */
final class JavaWinograd {
    /** Tiles transformed together: one vector of the JVM's one width ({@link Gemm#LANES}: 16 or 8). */
    static final int LANES = Gemm.LANES;

    private JavaWinograd() {
    }

    /** Sizes of one call, with the column table of one block of images. */
    private static final class Layout {
        final ConvSpec s;
        /** Strides along height and width (2 only where the kernel is 3, with F(2,3) and no dilation: 5 points). */
        final int sy;
        final int sx;
        final int[] in;
        final int[] out;
        final int[] before;
        final int[] padded;
        final int my;
        final int mx;
        final int ay;
        final int ax;
        final int dy;
        final int dx;
        final int e;
        /** Depth taps (1 or 3): each adds the 2D Winograd products of one input plane, as rows of the reduction. */
        final int kd;
        /** Split-layout floats from one depth tap's input plane to the next (dilation along depth). */
        final int planeStep;
        /** Rows of each point's product: depth taps x input channels per group. */
        final int reduction;
        final int phases;
        final int q;
        final int rowLen;
        final int hs;
        final int channelFloats;
        final int outVol;
        final int[] pointOff;
        /** Point offsets in a gathered block of LANES tiles: point p at p * LANES. */
        final int[] gatheredOff;
        /**
         * Distinct transformed weights: a strided dimension's points 3 and 4 both hold tap 1 alone, so their U is the
         * same and is stored once (16 matrices for a 3x3 at stride 2, not 25). Point p's U is number classOf[p].
         */
        final int classes;
        final int[] classOf;
        /** The points in the order their products run: those that share a U one after another, while it is in cache. */
        final int[] order;

        /** With tiles of m outputs (4 or 2) along each dimension whose kernel is 3. */
        Layout(ConvSpec s, int m) {
            this.s = s;
            in = ConvSpec.to3d(s.inputSize(), 1);
            out = ConvSpec.to3d(s.outputSize(), 1);
            int[] k = ConvSpec.to3d(s.kernel(), 1);
            int[] d = ConvSpec.to3d(s.dilation(), 1);
            before = ConvSpec.to3d(s.padBefore(), 0);
            padded = ConvSpec.to3d(s.paddedInputSize(), 1);
            int[] st = ConvSpec.to3d(s.stride(), 1);
            sy = st[1];
            sx = st[2];
            my = k[1] == 3 ? m : 1;
            mx = k[2] == 3 ? m : 1;
            ay = k[1] == 3 ? points(m, sy) : 1;
            ax = k[2] == 3 ? points(m, sx) : 1;
            dy = k[1] == 3 ? d[1] : 1;
            dx = k[2] == 3 ? d[2] : 1;
            e = ay * ax;
            kd = k[0];
            reduction = kd * s.inPerGroup();
            // a tile spans mx * sx padded columns (times the dilation): its point b lies in phase rx + dx*(b % pm) of
            // the split row, at quotient tx + b / pm
            int pm = mx * sx;
            phases = pm * dx;
            int tyMax = ceilDiv(ceilDiv(out[1], dy), my);
            int txMax = ceilDiv(ceilDiv(out[2], dx), mx);
            // Reads: row ry + dy*(my*sy*ty + a), phase rx + dx*(b % pm) at quotient tx + b / pm.
            hs = Math.max(padded[1], dy * (my * sy * (tyMax - 1) + ay));
            q = Math.max(ceilDiv(padded[2], phases), txMax + (ax - 1) / pm);
            rowLen = phases * q;
            channelFloats = padded[0] * hs * rowLen;
            planeStep = d[0] * hs * rowLen;
            outVol = out[0] * out[1] * out[2];
            gatheredOff = new int[e];
            for (int p = 0; p < e; p++) {
                gatheredOff[p] = p * LANES;
            }
            pointOff = new int[e];
            for (int a = 0; a < ay; a++) {
                for (int b = 0; b < ax; b++) {
                    pointOff[a * ax + b] = dy * a * rowLen + dx * (b % pm) * q + b / pm;
                }
            }
            int ny = ay == 5 ? 4 : ay;
            int nx = ax == 5 ? 4 : ax;
            classes = ny * nx;
            classOf = new int[e];
            for (int a = 0; a < ay; a++) {
                for (int b = 0; b < ax; b++) {
                    classOf[a * ax + b] = Math.min(a, ny - 1) * nx + Math.min(b, nx - 1);
                }
            }
            order = new int[e];
            for (int cls = 0, n = 0; cls < classes; cls++) {
                for (int p = 0; p < e; p++) {
                    if (classOf[p] == cls) {
                        order[n++] = p;
                    }
                }
            }
        }

        /** Tiles of images [n0, n0 + count): the split-layout offset of each tile's point (0, 0), etc. */
        Columns columns(int n0, int count) {
            // Tile rows of every row residue times tiles of every column residue, per depth plane and image.
            int tileRows = 0;
            for (int ry = 0; ry < Math.min(dy, out[1]); ry++) {
                tileRows += ceilDiv(ceilDiv(out[1] - ry, dy), my);
            }
            int tileCols = 0;
            for (int rx = 0; rx < Math.min(dx, out[2]); rx++) {
                tileCols += ceilDiv(ceilDiv(out[2] - rx, dx), mx);
            }
            Columns c = new Columns(count * out[0] * tileRows * tileCols);
            int j = 0;
            for (int n = 0; n < count; n++) {
                for (int oz = 0; oz < out[0]; oz++) {
                    for (int ry = 0; ry < Math.min(dy, out[1]); ry++) {
                        int rowsOut = ceilDiv(out[1] - ry, dy);
                        for (int rx = 0; rx < Math.min(dx, out[2]); rx++) {
                            int colsOut = ceilDiv(out[2] - rx, dx);
                            int tx = ceilDiv(colsOut, mx);
                            for (int ty = 0; ty < ceilDiv(rowsOut, my); ty++) {
                                for (int t = 0; t < tx; t++, j++) {
                                    c.in[j] = n * s.inChannels() * channelFloats + oz * hs * rowLen + (ry + dy * my * sy * ty) * rowLen + rx * q + t;
                                    c.out[j] = (n0 + n) * s.outChannels() * outVol + oz * out[1] * out[2]
                                            + (ry + dy * my * ty) * out[2] + rx + dx * mx * t;
                                    c.rows[j] = Math.min(my, rowsOut - my * ty);
                                    c.cols[j] = Math.min(mx, colsOut - mx * t);
                                }
                            }
                        }
                    }
                }
            }
            return c;
        }

        /** Copies channel c of image n into the split layout at {@code dst}, padded by the padding mode. */
        void split(float[] x, int n, int c, float[] xs, int dst) {
            PaddingMode mode = s.paddingMode();
            int src = (n * s.inChannels() + c) * in[0] * in[1] * in[2];
            // The task's scratch row (slot 1; a new row per channel was 4 MB of garbage a call on conv1d_k3, and
            // first touches of fresh heap cost up to 20 ms a call on this project's VMs).
            float[] paddedRow = phases == 1 ? null : Workspace.get(Workspace.Slot.BLOCK, rowLen);
            for (int zp = 0; zp < padded[0]; zp++) {
                int iz = mode.source(zp - before[0], in[0]);
                for (int yp = 0; yp < hs; yp++) {
                    int iy = yp < padded[1] ? mode.source(yp - before[1], in[1]) : -1;
                    int row = dst + (zp * hs + yp) * rowLen;
                    if (iz < 0 || iy < 0) {
                        java.util.Arrays.fill(xs, row, row + rowLen, 0f);
                        continue;
                    }
                    int srcRow = src + (iz * in[1] + iy) * in[2];
                    if (phases == 1) {
                        Geometry.padRow(x, srcRow, in[2], before[2], padded[2], mode, xs, row, rowLen);
                        continue;
                    }
                    // The padded row, then its phases: phase ph, column t is padded column t*phases + ph.
                    Geometry.padRow(x, srcRow, in[2], before[2], padded[2], mode, paddedRow, 0, rowLen);
                    for (int ph = 0; ph < phases; ph++) {
                        for (int t = 0, at = row + ph * q, from = ph; t < q; t++, from += phases) {
                            xs[at + t] = paddedRow[from];
                        }
                    }
                }
            }
        }
    }

    /** Per GEMM column (tile): split-layout offset, output offset, valid output rows and columns. */
    private static final class Columns {
        final int[] in;
        final int[] out;
        final int[] rows;
        final int[] cols;

        Columns(int n) {
            in = new int[n];
            out = new int[n];
            rows = new int[n];
            cols = new int[n];
        }
    }

    /**
     * {@code y = conv(x, w) + bias} for {@code s} (a shape {@link io.github.convcl.plan.Planner#javaWinogradShaped}
     * accepts) with F(m,3) tiles, m = 4 or 2; {@code bias} may be null; the transformed weights (for a 3x3 4x the weights
     * with F(4,3), 16/9 with F(2,3)) are kept in {@code cache}
     * when it is not null, with whether the weights are finite (known from their packing on, not read again per call).
     * Returns false, having written nothing, where the input or the weights hold a NaN or an infinity.
     */
    static boolean run(ConvSpec s, int m, float[] x, float[] w, float[] bias, float[] y, PackCache cache, Store store) {
        if (m != 2 && m != 4) {
            throw new IllegalArgumentException("Winograd tile m = " + m + ": the Java Winograd has F(4,3) and F(2,3)");
        }
        Layout l = new Layout(s, m);
        Store.Folded f = store.fold(bias);
        int groups = s.groups();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int e = l.e;
        int mr = Gemm.rowPanel(coutG);
        int k = l.reduction;
        int uSize = Gemm.packedASize(coutG, k, mr);
        // the panels, then one float: 1 where every weight is finite
        int flag = groups * l.classes * uSize;
        String shape = "winograd" + m + " g" + groups + " m" + coutG + " k" + k + " e" + e + " u" + l.classes + " mr" + mr;
        float[] u = Panels.packed(cache, Panels.key(shape, f.scale()), flag + 1, pu -> {
            float[] ws = Panels.scaled(w, (int) s.weightElements(), f.scale(), s.outChannels());
            transformWeights(l, ws, groups, coutG, cinG, mr, uSize, pu);
            // the transform sums weights: finite weights, scaled or not, may still give an infinite point
            pu[flag] = JavaKernels.finite(ws, s.weightElements()) && JavaKernels.finite(pu, 0, flag) ? 1f : 0f;
        });
        int perBlock = io.github.convcl.plan.JavaDirect.imagesPerBlock(s.batch(), (long) s.inChannels() * l.channelFloats);
        // With every image in one block the split checks the values it copies, in parallel and while they are in cache,
        // before any output is written; with several blocks the input is checked first, since an earlier block's
        // outputs would be written before a later block's split (and the fallback may read an output it aliases).
        boolean checkSplit = perBlock >= s.batch();
        if (u[flag] != 1f || !checkSplit && !JavaKernels.finite(x, s.inputElements())) {
            return false;
        }
        float[] xs = Workspace.get(Workspace.Slot.INPUT, perBlock * s.inChannels() * l.channelFloats + LANES); // lanes past the last tile read slack
        java.util.concurrent.atomic.AtomicBoolean nonFinite = new java.util.concurrent.atomic.AtomicBoolean();
        for (int first = 0; first < s.batch(); first += perBlock) {
            int n0 = first;
            int count = Math.min(perBlock, s.batch() - first);
            Parallel.forEach(count * s.inChannels(), t -> {
                l.split(x, n0 + t / s.inChannels(), t % s.inChannels(), xs, t * l.channelFloats);
                // the split holds every input value the tiles read, and zeros for the padding
                if (checkSplit && !JavaKernels.finite(xs, t * l.channelFloats, l.channelFloats)) {
                    nonFinite.set(true);
                }
            });
            if (nonFinite.get()) {
                return false;
            }
            Columns c = l.columns(n0, count);
            int total = c.in.length;
            int chunk = chunkColumns(total, e, l.kd * s.inChannels(), s.outChannels());
            int chunks = (total + chunk - 1) / chunk;
            // a task per chunk; where that leaves threads idle (batch 1 at 14x14: 16 tiles, one chunk), each chunk's
            // stages split across the threads instead
            boolean split = chunks < Parallel.threads();
            Parallel.forEach(split ? 1 : chunks, t -> {
                for (int q = split ? 0 : t; q < (split ? chunks : t + 1); q++) {
                    chunk(l, c, q * chunk, Math.min(chunk, total - q * chunk), u, uSize, mr, xs, f.bias(), y, f.store(), split);
                }
            });
        }
        return true;
    }

    /**
     * One chunk of columns: its input transform, its products (one per group and point) and its output transform, in
     * the calling thread's scratch. With {@code split} each stage is spread over the threads (the input transform by
     * reduction rows, the products by group and point, the output transform by output channels), for a layer whose
     * chunks are fewer than the threads; the same arithmetic in the same order either way: the same values.
     */
    private static void chunk(Layout l, Columns c, int j0, int cols, float[] u, int uSize, int mr, float[] xs, float[] bias, float[] y,
                              Store store, boolean split) {
        ConvSpec s = l.s;
        int e = l.e;
        int k = l.reduction;
        int coutG = s.outPerGroup();
        int width = (cols + Gemm.NR - 1) / Gemm.NR * Gemm.NR;
        int vStride = k * width + Gemm.NR; // one line past each matrix: the point streams do not alias in L1
        int yStride = coutG * width + Gemm.NR;
        int products = s.groups() * e;
        float[] v = Workspace.get(Workspace.Slot.WINOGRAD_INPUT, products * vStride);
        float[] prod = Workspace.get(Workspace.Slot.WINOGRAD_PRODUCTS, products * yStride);
        int parts = split ? Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE : 1;
        int rows = l.kd * s.inChannels();
        int rowBlock = (rows + parts - 1) / parts;
        Parallel.forEach((rows + rowBlock - 1) / rowBlock, t -> transformInput(l, c, j0, cols, width, xs, v, vStride,
                Workspace.get(Workspace.Slot.PANELS, 2 * e * LANES + LANES), Workspace.get(Workspace.Slot.BLOCK, e * LANES),
                t * rowBlock, Math.min(rows, (t + 1) * rowBlock)));
        Parallel.forEach(split ? products : 1, t -> {
            for (int i = split ? t : 0; i < (split ? t + 1 : products); i++) {
                // group g's point p, the points that share a U consecutively
                int g = i / e;
                int p = l.order[i % e];
                int q = g * e + p;
                Gemm.multiplyPacked(coutG, width, k, mr, u, (g * l.classes + l.classOf[p]) * uSize, v, q * vStride, true, null, 0, prod,
                        q * yStride, width, Workspace.get(Workspace.Slot.EDGE, Gemm.EDGE));
            }
        });
        int outBlock = (s.outChannels() + parts - 1) / parts;
        Parallel.forEach((s.outChannels() + outBlock - 1) / outBlock, t -> transformOutput(l, c, j0, cols, width, prod, yStride, bias, y,
                Workspace.get(Workspace.Slot.PANELS, 2 * e * LANES + LANES), store, t * outBlock,
                Math.min(s.outChannels(), (t + 1) * outBlock)));
    }

    /**
     * Columns per task: the chunk's transformed input and products (E x channels x columns each) within
     * {@link Thresholds#JAVA_WINOGRAD_CHUNK_BYTES}, a multiple of 16 (of 32 where {@link Gemm#WIDE}, whose products run
     * two 16-column slices as one 32-column tile: a lone slice's tile broadcasts A once per multiply-add, a quarter slower),
     * at least one step; smaller while there are fewer than {@link Thresholds#JAVA_TASKS_PER_CORE} chunks per thread.
     */
    static int chunkColumns(int total, int e, int cin, int cout) {
        long perColumn = (long) e * (cin + cout) * Float.BYTES;
        int step = Gemm.WIDE ? 2 * Gemm.NR : Gemm.NR;
        int chunk = (int) Math.max(step, Thresholds.JAVA_WINOGRAD_CHUNK_BYTES / perColumn / step * step);
        int want = Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE;
        while (chunk > step && (total + chunk - 1) / chunk < want) {
            chunk -= step;
        }
        return Math.min(chunk, (total + Gemm.NR - 1) / Gemm.NR * Gemm.NR);
    }

    /**
     * U = G g G^T per (output, input channel) and point, written straight into the A panels of each group and point: a
     * task per group and row panel computes the panel's rows for one reduction row at a time and writes each point's h
     * consecutive floats, so the 36 point matrices are written as 36 sequential streams (one scattered write per point
     * and weight took 17 ms for 256 x 256 channels). With the Vector API the panel's rows are the lanes of one float
     * transform; without, each filter is transformed in double. Padding rows are zero.
     */
    private static void transformWeights(Layout l, float[] w, int groups, int coutG, int cinG, int mr, int uSize, float[] pu) {
        int rows = l.ay == 1 ? 1 : 3;
        int taps2d = rows * (l.ax == 1 ? 1 : 3);
        int k = l.reduction;
        int[] starts = Gemm.panelStarts(coutG, mr);
        int panels = starts.length - 1;
        Parallel.forEach(groups * panels, task -> {
            int g = task / panels;
            int i0 = starts[task % panels];
            int h = Gemm.height(coutG, mr, i0);
            int valid = Math.min(h, coutG - i0);
            if (Gemm.VECTOR) {
                // The panel's rows side by side in the lanes (rows past the matrix stay zero): gathered tap by tap, one
                // vector transform, and each point's h values stored as one vector store (its last lanes, zeros, land
                // in the next reduction rows' places, written next) except where it would pass the panel's end.
                float[] taps = new float[taps2d * LANES];
                float[] t = new float[l.e * LANES];
                for (int kk = 0; kk < k; kk++) {
                    int c = kk % cinG;
                    int kz = kk / cinG;
                    for (int r = 0; r < valid; r++) {
                        int src = (((g * coutG + i0 + r) * cinG + c) * l.kd + kz) * taps2d;
                        for (int tap = 0; tap < taps2d; tap++) {
                            taps[tap * LANES + r] = w[src + tap];
                        }
                    }
                    VectorWinograd.filterPanel(l.ay, l.ax, taps, t, pu, (g * l.classes) * uSize + i0 * k + kk * h, uSize, l.classOf, (k - kk) * h >= LANES ? LANES : h);
                }
                return;
            }
            double[] f = new double[h * l.e];
            for (int kk = 0; kk < k; kk++) {
                // Reduction row kk: depth tap kz = kk / cinG of input channel c = kk % cinG.
                int c = kk % cinG;
                int kz = kk / cinG;
                for (int r = 0; r < valid; r++) {
                    transformFilter(l, w, (((g * coutG + i0 + r) * cinG + c) * l.kd + kz) * taps2d, rows, f, r * l.e);
                }
                for (int p = 0; p < l.e; p++) {
                    int at = (g * l.classes + l.classOf[p]) * uSize + i0 * k + kk * h;
                    for (int r = 0; r < h; r++) {
                        pu[at + r] = r < valid ? (float) f[r * l.e + p] : 0f;
                    }
                }
            }
        });
    }

    /** One filter's E points, G g G^T, to {@code f[o + p]}: along width, each kernel row into ax points; then along height, in place. */
    private static void transformFilter(Layout l, float[] w, int src, int rows, double[] f, int o) {
        for (int r = 0; r < rows; r++) {
            if (l.ax == 1) {
                f[o + r] = w[src + r];
            } else {
                filter(l.ax, w[src + 3 * r], w[src + 3 * r + 1], w[src + 3 * r + 2], f, o + r * l.ax, 1);
            }
        }
        if (l.ay > 1) {
            for (int b = 0; b < l.ax; b++) {
                filter(l.ay, f[o + b], f[o + l.ax + b], f[o + 2 * l.ax + b], f, o + b, l.ax);
            }
        }
    }

    /** Three taps into {@code points} points (G g: 6, 4, or 5 at stride 2), to {@code v[o + i*s]}. */
    private static void filter(int points, double g0, double g1, double g2, double[] v, int o, int s) {
        if (points == 6) {
            filter(g0, g1, g2, v, o, s);
            return;
        }
        if (points == 5) {
            // output 0: g0 p0 + g1 p1 + g2 p2, output 1: g0 p2 + g1 p3 + g2 p4: F(2,2) over (p0, p2, p4) with (g0, g2)
            // and a one-tap product over (p1, p3) with g1
            v[o] = g0;
            v[o + s] = g0 + g2;
            v[o + 2 * s] = g2;
            v[o + 3 * s] = g1;
            v[o + 4 * s] = g1;
            return;
        }
        v[o] = g0;
        v[o + s] = (g0 + g1 + g2) * 0.5;
        v[o + 2 * s] = (g0 - g1 + g2) * 0.5;
        v[o + 3 * s] = g2;
    }

    /** Three taps into six points (G g), to {@code v[o + i*s]} (in double; products by the reciprocals, no divisions). */
    private static void filter(double g0, double g1, double g2, double[] v, int o, int s) {
        double sixth = 1.0 / 6;
        double even = (g0 + g2) * sixth;
        double odd = g1 * sixth;
        double quarterEven = g0 * (1.0 / 24) + g2 * sixth;
        double halfOdd = g1 * (1.0 / 12);
        v[o] = g0 * 0.25;
        v[o + s] = -(even + odd);
        v[o + 2 * s] = odd - even;
        v[o + 3 * s] = quarterEven + halfOdd;
        v[o + 4 * s] = quarterEven - halfOdd;
        v[o + 5 * s] = g2;
    }

    /**
     * V = B^T d B for columns [j0, j0 + cols) of every input channel, LANES tiles at a time, written into packed B panels
     * (one matrix of channels x width per group and point; columns past {@code cols} repeat the last tile).
     */
    private static void transformInput(Layout l, Columns c, int j0, int cols, int width, float[] xs, float[] v, int vStride,
                                       float[] scratch, float[] gathered, int rowFrom, int rowTo) {
        int cinG = l.s.inPerGroup();
        int[] at = new int[LANES];
        for (int j = 0; j < width; j += LANES) {
            // Lane t's tile: column j + t, or past the chunk's end the run of the last tile continued (discarded).
            for (int t = 0; t < LANES; t++) {
                at[t] = j + t < cols ? c.in[j0 + j + t] : t == 0 ? c.in[j0 + cols - 1] : at[t - 1] + 1;
            }
            // Lanes [0, k) side by side from at[0], and lanes [k, LANES) side by side from at[k]: two loads and a blend.
            int k = 1;
            while (k < LANES && at[k] == at[0] + k) {
                k++;
            }
            boolean twoRuns = k == LANES || at[k] - k >= 0;
            for (int t = k + 1; t < LANES && twoRuns; t++) {
                twoRuns = at[t] == at[k] + t - k;
            }
            int panel = (j / Gemm.NR) * l.reduction * Gemm.NR + j % Gemm.NR;
            for (int row = rowFrom; row < rowTo; row++) {
                // Input channel ch's plane for depth tap kz: reduction row kz * cinG + ch % cinG of group ch / cinG.
                int ch = row / l.kd;
                int kz = row % l.kd;
                int base = ch * l.channelFloats + kz * l.planeStep;
                int dst = (ch / cinG) * l.e * vStride + panel + (kz * cinG + ch % cinG) * Gemm.NR;
                if (Gemm.VECTOR && k == LANES) {
                    VectorWinograd.inputTiles(l.ay, l.ax, l.pointOff, xs, base + at[0], v, dst, vStride, scratch);
                    continue;
                }
                if (Gemm.VECTOR && twoRuns) {
                    // Tiles from two rows: each point's two runs blended once into a block, then the same transform.
                    VectorWinograd.blendPoints(xs, base + at[0], base + at[k] - k, k, l.pointOff, l.e, gathered);
                    VectorWinograd.inputTiles(l.ay, l.ax, l.gatheredOff, gathered, 0, v, dst, vStride, scratch);
                    continue;
                }
                // Tiles from three rows or more (or the portable path): the points gathered lane by lane first.
                for (int p = 0; p < l.e; p++) {
                    for (int t = 0; t < LANES; t++) {
                        gathered[p * LANES + t] = xs[base + l.pointOff[p] + at[t]];
                    }
                }
                if (Gemm.VECTOR) {
                    VectorWinograd.inputTiles(l.ay, l.ax, l.gatheredOff, gathered, 0, v, dst, vStride, scratch);
                    continue;
                }
                Transforms.input(l.ay, l.ax, gathered);
                for (int p = 0; p < l.e; p++) {
                    System.arraycopy(gathered, p * LANES, v, dst + p * vStride, LANES);
                }
            }
        }
    }

    /**
     * y = A^T Y A (+ bias) for columns [j0, j0 + cols): the valid outputs of each tile, with the store's epilogue. A
     * relu alone the output transform applies as it writes the tiles; an epilogue without a residual runs on the
     * transformed tiles; one with a residual runs over the outputs once stored ({@link #finishTiles}).
     */
    private static void transformOutput(Layout l, Columns c, int j0, int cols, int width, float[] prod, int yStride, float[] bias,
                                        float[] y, float[] scratch, Store store, int coFrom, int coTo) {
        boolean dense = store.dense();
        // A relu alone (scale and shift folded into the weights and bias) the output transform stores itself; other
        // epilogues without a residual run on the transformed tiles, before their one store.
        boolean relu = Gemm.VECTOR && store.reluAlone();
        boolean epilogueOnTiles = Gemm.VECTOR && store.active() && !store.readsResidual() && !relu;
        Store placing = epilogueOnTiles || relu ? store.placement() : store;
        // where each tile lands: at its dense index unless the store is a channel slice or a pass follows
        boolean placed = !dense || placing.active();
        int coutG = l.s.outPerGroup();
        int ow = l.out[2];
        for (int co = coFrom; co < coTo; co++) {
            int g = co / coutG;
            int m = co % coutG;
            float b = bias == null ? 0f : bias[co];
            int src = g * l.e * yStride + m * width;
            for (int j = 0; j < cols; j += LANES) {
                float add = b;
                if (Gemm.VECTOR) {
                    VectorWinograd.outputTiles(l.ay, l.ax, prod, src + j, yStride, b, scratch, relu);
                    add = 0f;
                    if (epilogueOnTiles) {
                        finishOutputs(l, scratch, store, co);
                    }
                } else {
                    for (int p = 0; p < l.e; p++) {
                        System.arraycopy(prod, src + p * yStride + j, scratch, p * LANES, LANES);
                    }
                    Transforms.output(l.ay, l.ax, scratch);
                }
                int n = Math.min(LANES, cols - j);
                for (int t = 0, u; t < n; t = u) {
                    int col = j0 + j + t;
                    int at = c.out[col] + co * l.outVol;
                    u = t + 1;
                    // the tile's image and position, and its place in the store's output (a channel slice)
                    int image = placed ? c.out[col] / (l.s.outChannels() * l.outVol) : 0;
                    int pos = placed ? c.out[col] % l.outVol : 0;
                    if (placed) {
                        at = store.plane(image, co) + pos;
                    }
                    if (c.rows[col] == l.my && c.cols[col] == l.mx) {
                        // A run of whole tiles side by side in one output row: fixed loops.
                        int step = l.mx * l.dx;
                        while (u < n && c.rows[col + u - t] == l.my && c.cols[col + u - t] == l.mx && c.out[col + u - t] == c.out[col] + (u - t) * step) {
                            u++;
                        }
                        if (Gemm.VECTOR && l.mx > 1 && l.dx == 1) {
                            for (int i = 0; i < l.my; i++) {
                                VectorWinograd.storeRow(l.mx, scratch, i * l.ax * LANES, l.e * LANES, y, at + i * l.dy * ow, t, u);
                            }
                        } else {
                            for (int i = 0; i < l.my; i++) {
                                int row = at + i * l.dy * ow;
                                int from = i * l.ax * LANES;
                                for (int tt = t; tt < u; tt++, row += step) {
                                    for (int jj = 0; jj < l.mx; jj++) {
                                        y[row + jj * l.dx] = scratch[from + jj * LANES + tt] + add;
                                    }
                                }
                            }
                        }
                        if (placed) {
                            finishTiles(placing, y, image, co, pos, l.my, (u - t) * l.mx, l.dy * ow, l.dx);
                        }
                        continue;
                    }
                    for (int i = 0; i < c.rows[col]; i++) {
                        int row = at + i * l.dy * ow;
                        for (int jj = 0; jj < c.cols[col]; jj++) {
                            y[row + jj * l.dx] = scratch[(i * l.ax + jj) * LANES + t] + add;
                        }
                    }
                    if (placed) {
                        finishTiles(placing, y, image, co, pos, c.rows[col], c.cols[col], l.dy * ow, l.dx);
                    }
                }
            }
        }
    }

    /**
     * The epilogue over the outputs of {@link VectorWinograd#outputTiles}' transformed tiles: row i of the my x mx outputs
     * at {@code scratch[i * ax * LANES]}, not the rest of the ay x ax points (for F(4,3) 16 of 36 are outputs).
     */
    private static void finishOutputs(Layout l, float[] scratch, Store store, int co) {
        if (l.ax == l.mx) {
            store.finishValues(scratch, 0, l.my * l.mx * LANES, co, 0f);
            return;
        }
        for (int i = 0; i < l.my; i++) {
            store.finishValues(scratch, i * l.ax * LANES, l.mx * LANES, co, 0f);
        }
    }

    /**
     * The store's epilogue over outputs just written: {@code rows} rows {@code rowStep} apart from position {@code pos}
     * of plane (image, co), each {@code count} outputs {@code dx} apart (runs when dx is 1).
     */
    private static void finishTiles(Store store, float[] y, int image, int co, int pos, int rows, int count, int rowStep, int dx) {
        if (!store.active()) {
            return;
        }
        int plane = store.plane(image, co);
        for (int i = 0; i < rows; i++) {
            int p = pos + i * rowStep;
            if (dx == 1) {
                store.finish(y, image, co, p, count);
            } else {
                for (int k = 0; k < count; k++) {
                    y[plane + p + k * dx] = store.value(image, co, p + k * dx, y[plane + p + k * dx]);
                }
            }
        }
    }

    /** Transformed points per tile along a dimension whose kernel is 3 ({@link Planner#javaWinogradPoints(int, int)}). */
    static int points(int m, int stride) {
        return Planner.javaWinogradPoints(m, stride);
    }

    /** Outputs per tile of a dimension with {@code points} transformed points (6, 4 or 5; 1 for a kernel of 1). */
    static int outputs(int points) {
        return points == 1 ? 1 : points == 6 ? 4 : 2;
    }

    private static int ceilDiv(int a, int b) {
        return Math.floorDiv(a + b - 1, b);
    }

    /**
     * The tile transforms on LANES tiles at once, lane by lane, where the JVM has no Vector API ({@link VectorWinograd}
     * has the vector forms): point p of tile t at {@code v[p*LANES + t]}, points row-major (height, then width).
     */
    static final class Transforms {
        private Transforms() {
        }

        /**
         * d -> B^T d B in place: along width (each row of points), then along height (each column); ay and ax are 1 or
         * the points of the tile (6 for F(4,3), 4 for F(2,3)).
         */
        static void input(int ay, int ax, float[] v) {
            if (ax > 1) {
                for (int a = 0; a < ay; a++) {
                    input1d(ax, v, a * ax * LANES, LANES);
                }
            }
            if (ay > 1) {
                for (int b = 0; b < ax; b++) {
                    input1d(ay, v, b * LANES, ax * LANES);
                }
            }
        }

        /** Y -> A^T Y A in place: outputs (i, j) at point (i, j) of the row-major points. */
        static void output(int ay, int ax, float[] v) {
            if (ax > 1) {
                for (int a = 0; a < ay; a++) {
                    output1d(ax, v, a * ax * LANES, LANES);
                }
            }
            if (ay > 1) {
                for (int b = 0; b < outputs(ax); b++) {
                    output1d(ay, v, b * LANES, ax * LANES);
                }
            }
        }

        static void input1d(int points, float[] v, int o, int s) {
            if (points == 5) {
                for (int t = 0; t < LANES; t++) {
                    int i = o + t;
                    float p0 = v[i];
                    float p1 = v[i + s];
                    float p2 = v[i + 2 * s];
                    float p3 = v[i + 3 * s];
                    float p4 = v[i + 4 * s];
                    v[i] = p0 - p2;
                    v[i + s] = p2;
                    v[i + 2 * s] = p4 - p2;
                    v[i + 3 * s] = p1;
                    v[i + 4 * s] = p3;
                }
                return;
            }
            if (points == 4) {
                for (int t = 0; t < LANES; t++) {
                    int i = o + t;
                    float d0 = v[i];
                    float d1 = v[i + s];
                    float d2 = v[i + 2 * s];
                    float d3 = v[i + 3 * s];
                    v[i] = d0 - d2;
                    v[i + s] = d1 + d2;
                    v[i + 2 * s] = d2 - d1;
                    v[i + 3 * s] = d1 - d3;
                }
                return;
            }
            for (int t = 0; t < LANES; t++) {
                int i = o + t;
                float d0 = v[i];
                float d1 = v[i + s];
                float d2 = v[i + 2 * s];
                float d3 = v[i + 3 * s];
                float d4 = v[i + 4 * s];
                float d5 = v[i + 5 * s];
                v[i] = 4f * d0 - 5f * d2 + d4;
                v[i + s] = d3 + d4 - 4f * (d1 + d2);
                v[i + 2 * s] = d4 - d3 + 4f * (d1 - d2);
                v[i + 3 * s] = d4 - d2 + 2f * (d3 - d1);
                v[i + 4 * s] = d4 - d2 - 2f * (d3 - d1);
                v[i + 5 * s] = 4f * d1 - 5f * d3 + d5;
            }
        }

        static void output1d(int points, float[] v, int o, int s) {
            if (points == 5) {
                for (int t = 0; t < LANES; t++) {
                    int i = o + t;
                    float m1 = v[i + s];
                    float m0 = v[i];
                    v[i] = m0 + m1 + v[i + 3 * s];
                    v[i + s] = m1 + v[i + 2 * s] + v[i + 4 * s];
                }
                return;
            }
            if (points == 4) {
                for (int t = 0; t < LANES; t++) {
                    int i = o + t;
                    float m1 = v[i + s];
                    float m2 = v[i + 2 * s];
                    v[i] = v[i] + m1 + m2;
                    v[i + s] = m1 - m2 - v[i + 3 * s];
                }
                return;
            }
            for (int t = 0; t < LANES; t++) {
                int i = o + t;
                float m0 = v[i];
                float m1 = v[i + s];
                float m2 = v[i + 2 * s];
                float m3 = v[i + 3 * s];
                float m4 = v[i + 4 * s];
                float m5 = v[i + 5 * s];
                float a = m1 + m2;
                float b = m1 - m2;
                float c = m3 + m4;
                float d = m3 - m4;
                v[i] = m0 + a + c;
                v[i + s] = b + 2f * d;
                v[i + 2 * s] = a + 4f * c;
                v[i + 3 * s] = b + 8f * d + m5;
            }
        }
    }
}
