// Java grad_weight and grad_bias: products of grad_output by the unfolded input, reduced in a fixed order.
package io.github.convcl.jvm;

import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.ConvSpec;

/**
 * grad_weight of a convolution (not transposed: see {@link io.github.convcl.spec.Adjoint#weightSpec}) as one packed
 * GEMM per group, {@code gw[g] += gy[g] (C_out/g x P) * unfold(x[g])^T (P x C_in/g*k)}, accumulated over images and runs
 * of positions. Each task owns a block of grad_weight's columns (input channel, tap) of one group and reduces over the
 * batch and positions in the same order whatever the thread count: no atomics, the same bits run to run.
 */
final class WeightGrad {
    /** Positions per product: the GEMM's reduction per packed block. */
    private static final int POSITIONS = 256;

    private WeightGrad() {
    }

    /**
     * {@code gw += dL/dw} for {@code gy = dL/dy} of {@code y = conv(x, w)}; {@code s} is not transposed. {@code dots}
     * takes the dot products ({@code JAVA_WEIGHT_DOTS}), else the GEMM ({@code JAVA_WEIGHT_GEMM}).
     */
    static void run(ConvSpec s, boolean dots, float[] x, float[] gy, float[] gw) {
        if (s.batch() == 0 || s.outputElements() == 0) {
            return;
        }
        Geometry g = new Geometry(s);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int groups = s.groups();
        int kVol = g.kVol;
        int columns = cinG * kVol;
        int positions = g.outVol;
        if (dots) {
            if (blocks(s, g) && allFinite(x)) {
                blockDots(s, g, x, gy, gw);
            } else {
                dots(s, g, x, gy, gw);
            }
            return;
        }
        int mr = Gemm.rowPanel(coutG);
        // Column blocks of whole 16-column panels, enough for every thread to have tasks.
        int want = Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE;
        int panels = (columns + Gemm.NR - 1) / Gemm.NR;
        int blocks = (int) Math.max(1, Math.min(panels, (want + groups - 1) / groups));
        int span = (panels + blocks - 1) / blocks * Gemm.NR;
        int spans = (columns + span - 1) / span;
        int chunk = Math.min(POSITIONS, positions);
        int chunks = (positions + chunk - 1) / chunk;
        int aSize = Gemm.packedASize(coutG, chunk, mr);
        // grad_output packed once per call, on the calling thread's workspace, when several tasks of a group read it.
        long sharedSize = (long) groups * s.batch() * chunks * aSize;
        float[] shared = spans > 1 && sharedSize <= Thresholds.JAVA_SHARED_PACK_FLOATS
                ? Workspace.get(Workspace.Slot.INPUT, (int) sharedSize) : null;
        if (shared != null) {
            Parallel.forEach(groups * s.batch() * chunks, q -> {
                int grp = q / (s.batch() * chunks);
                int img = (q / chunks) % s.batch();
                int p0 = (q % chunks) * chunk;
                int yOff = (img * s.outChannels() + grp * coutG) * positions;
                Gemm.packA(coutG, Math.min(chunk, positions - p0), gy, yOff + p0, positions, 1, mr, shared, q * aSize);
            });
        }
        Parallel.forEach(groups * spans, t -> {
            int grp = t / spans;
            int r0 = (t % spans) * span;
            int n = Math.min(span, columns - r0);
            float[] pa = shared != null ? shared : Workspace.get(Workspace.Slot.WEIGHTS, aSize);
            float[] pb = Workspace.get(Workspace.Slot.PANELS, Gemm.packedBSize(n, chunk));
            float[] row = Workspace.get(Workspace.Slot.BLOCK, chunk);
            float[] edge = Workspace.get(Workspace.Slot.EDGE, Gemm.EDGE);
            for (int img = 0; img < s.batch(); img++) {
                int yOff = (img * s.outChannels() + grp * coutG) * positions;
                int xOff = (img * s.inChannels() + grp * cinG) * g.inVol;
                for (int p0 = 0; p0 < positions; p0 += chunk) {
                    int len = Math.min(chunk, positions - p0);
                    int aOff = 0;
                    if (shared != null) {
                        aOff = ((grp * s.batch() + img) * chunks + p0 / chunk) * aSize;
                    } else {
                        Gemm.packA(coutG, len, gy, yOff + p0, positions, 1, mr, pa, 0);
                    }
                    packUnfolded(g, x, xOff, r0, n, p0, len, kVol, row, pb);
                    Gemm.multiplyPacked(coutG, n, len, mr, pa, aOff, pb, 0, false, null, 0, gw, grp * coutG * columns + r0, columns, edge);
                }
            }
        });
    }

    /**
     * Whether {@link #blockDots} computes {@code s}: the Vector API tiles, at most two spatial dimensions (a depth of 1
     * read unpadded), stride 1 along rows and zero padding, so that each tap's values along an output row are a run of an input row read in place.
     */
    static boolean blocks(ConvSpec s, Geometry g) {
        if (!(Gemm.VECTOR && g.in[0] == 1 && g.k[0] == 1 && g.out[0] == 1 && g.p[0] == 0 && g.st[2] == 1
                && s.paddingMode() == io.github.convcl.spec.PaddingMode.ZEROS)) {
            return false;
        }
        // The padded copies, as blockDots lays them out: they must fit the planner's bound on a padded copy per image
        // (extreme padding or dilation makes them mostly zeros) and, for the whole batch, one array.
        long stride = g.out[2] + (long) (g.k[2] - 1) * g.d[2];
        long rows = (long) (g.out[1] - 1) * g.st[1] + (long) (g.k[1] - 1) * g.d[1] + 1;
        long xImage = rows * stride * s.inChannels();
        long yImage = (long) g.out[1] * stride * s.outChannels();
        return io.github.convcl.plan.Planner.copyFits(s, Math.max(xImage, yImage))
                && (xImage + 1) * s.batch() + stride <= io.github.convcl.spec.Shapes.MAX_ELEMENTS
                && yImage * s.batch() <= io.github.convcl.spec.Shapes.MAX_ELEMENTS;
    }

    /**
     * Columns (input channel, tap) of grad_weight in threes that share a tap row, and so the output rows they read: three
     * channels of one tap, or, under three channels per group, three taps of one row (-1 pads the last three).
     */
    private static int[][] triples(Geometry g, int cinG) {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        int kVol = g.kVol;
        if (cinG >= 3) {
            for (int t = 0; t < kVol; t++) {
                for (int c = 0; c < cinG; c += 3) {
                    out.add(new int[] {c * kVol + t, c + 1 < cinG ? (c + 1) * kVol + t : -1, c + 2 < cinG ? (c + 2) * kVol + t : -1});
                }
            }
        } else {
            int kw = g.k[2];
            for (int c = 0; c < cinG; c++) {
                for (int ky = 0; ky < g.k[1]; ky++) {
                    for (int kx = 0; kx < kw; kx += 3) {
                        int t = ky * kw + kx;
                        out.add(new int[] {c * kVol + t, kx + 1 < kw ? c * kVol + t + 1 : -1, kx + 2 < kw ? c * kVol + t + 2 : -1});
                    }
                }
            }
        }
        return out.toArray(new int[0][]);
    }

    /**
     * grad_weight as blocks of dot products ({@link #blocks} layers) on zero-padded copies: every input plane padded
     * to the rows and the row stride {@code S = ow + (kw - 1) dw} the taps read, every grad_output plane to that stride
     * with zeros past its columns, so that a tap's products over a whole plane are one run of both (stride 1 down the
     * rows; else one run per row). Up to three output channels' runs against three columns' runs sharing a tap row
     * ({@link VectorGemm#block3x3}) go into lane partial sums, each image's added to a double per weight: batch,
     * positions and lanes in one order whatever the thread count. With a task for each group at least ({@link
     * #groupTasks}: depthwise and grouped layers) each task pads its group's planes of one image at a time into its own
     * scratch, which the group's columns then read from cache; otherwise the whole batch is padded first and each task
     * takes three columns of a group.
     *
     * <p>A run reads past a row's end into the next row's first columns against grad_output's zeros: exact for finite
     * inputs, so inputs that are not all finite take {@link #dots} instead (a zero times infinity is NaN).
     */
    private static void blockDots(ConvSpec s, Geometry g, float[] x, float[] gy, float[] gw) {
        Runs r = new Runs(g);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int columns = cinG * g.kVol;
        int lanes = Gemm.LANES;
        int[][] triples = triples(g, cinG);
        int weights = coutG * 3;
        if (groupTasks(s)) {
            int local = cinG * r.xPlane + coutG * r.yPlane + r.stride;
            Parallel.forEach(s.groups(), grp -> {
                float[] planes = Workspace.get(Workspace.Slot.INPUT, local);
                float[] part = Workspace.get(Workspace.Slot.LANES, weights * (lanes + 1));
                double[] acc = Workspace.sums(triples.length * weights);
                int[] xo = Workspace.ints(3);
                int yAt = cinG * r.xPlane;
                java.util.Arrays.fill(planes, local - r.stride, local, 0f);
                for (int n = 0; n < s.batch(); n++) {
                    for (int c = 0; c < cinG; c++) {
                        r.padInput(x, (n * s.inChannels() + grp * cinG + c) * g.inVol, planes, c * r.xPlane);
                    }
                    for (int o = 0; o < coutG; o++) {
                        r.padGradOutput(gy, (n * s.outChannels() + grp * coutG + o) * g.outVol, planes, yAt + o * r.yPlane);
                    }
                    for (int t = 0; t < triples.length; t++) {
                        r.offsets(triples[t], xo);
                        java.util.Arrays.fill(part, 0, weights * (lanes + 1), 0f);
                        r.triple(planes, 0, xo, planes, yAt, triples[t], coutG, part);
                        addImage(part, lanes, weights, acc, t * weights);
                    }
                }
                for (int t = 0; t < triples.length; t++) {
                    store(triples[t], coutG, columns, grp, acc, t * weights, gw);
                }
            });
            return;
        }
        int xPlanes = s.batch() * s.inChannels();
        int yPlanes = s.batch() * s.outChannels();
        // the last run reads up to (kw - 1) dw past the last plane
        float[] xp = Workspace.get(Workspace.Slot.INPUT, xPlanes * r.xPlane + r.stride);
        float[] yp = Workspace.get(Workspace.Slot.PANELS, yPlanes * r.yPlane);
        java.util.Arrays.fill(xp, xPlanes * r.xPlane, xPlanes * r.xPlane + r.stride, 0f);
        Parallel.forEach(xPlanes + yPlanes, q -> {
            if (q < xPlanes) {
                r.padInput(x, q * g.inVol, xp, q * r.xPlane);
            } else {
                r.padGradOutput(gy, (q - xPlanes) * g.outVol, yp, (q - xPlanes) * r.yPlane);
            }
        });
        Parallel.forEach(s.groups() * triples.length, task -> {
            int grp = task / triples.length;
            int[] cols = triples[task % triples.length];
            float[] part = Workspace.get(Workspace.Slot.LANES, weights * (lanes + 1));
            double[] acc = Workspace.sums(weights);
            int[] xo = Workspace.ints(3);
            r.offsets(cols, xo);
            for (int n = 0; n < s.batch(); n++) {
                java.util.Arrays.fill(part, 0, weights * (lanes + 1), 0f);
                r.triple(xp, (n * s.inChannels() + grp * cinG) * r.xPlane, xo, yp, (n * s.outChannels() + grp * coutG) * r.yPlane, cols,
                        coutG, part);
                addImage(part, lanes, weights, acc, 0);
            }
            store(cols, coutG, columns, grp, acc, 0, gw);
        });
    }

    /** Whether {@link #blockDots} runs a task per group: enough groups for every thread's share of tasks. */
    private static boolean groupTasks(ConvSpec s) {
        return s.groups() >= Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE;
    }

    /** Adds a triple's double sums ({@code acc[at + o * 3 + j]}) to its columns of group {@code grp}'s weights. */
    private static void store(int[] cols, int coutG, int columns, int grp, double[] acc, int at, float[] gw) {
        for (int j = 0; j < 3; j++) {
            if (cols[j] >= 0) {
                for (int o = 0; o < coutG; o++) {
                    gw[(grp * coutG + o) * columns + cols[j]] += (float) acc[at + o * 3 + j];
                }
            }
        }
    }

    /** The padded planes {@link #blockDots} reads: their extents, and the runs of a tap over them. */
    private static final class Runs {
        final Geometry g;
        final int stride;
        final int rows;
        final int xPlane;
        final int yPlane;
        final int runs;
        final int runLength;
        final int vec;
        final int xRun;

        Runs(Geometry g) {
            this.g = g;
            stride = g.out[2] + (g.k[2] - 1) * g.d[2];
            rows = (g.out[1] - 1) * g.st[1] + (g.k[1] - 1) * g.d[1] + 1;
            xPlane = rows * stride;
            yPlane = g.out[1] * stride;
            boolean flat = g.st[1] == 1;
            runs = flat ? 1 : g.out[1];
            runLength = flat ? yPlane : stride;
            vec = runLength / Gemm.LANES * Gemm.LANES;
            xRun = flat ? 0 : g.st[1] * stride;
        }

        /** Input plane {@code x[src..]} padded to {@code rows x stride} at {@code xp[to..]}. */
        void padInput(float[] x, int src, float[] xp, int to) {
            int h = g.in[1];
            int w = g.in[2];
            int pt = g.p[1];
            int pl = g.p[2];
            java.util.Arrays.fill(xp, to, to + xPlane, 0f);
            // padded column c holds input column c - pl
            int c0 = Math.max(0, pl);
            int from = Math.max(0, -pl);
            int len = Math.min(w - from, stride - c0);
            if (len <= 0) {
                return;
            }
            for (int r = 0; r < rows; r++) {
                int iy = r - pt;
                if (iy >= 0 && iy < h) {
                    System.arraycopy(x, src + iy * w + from, xp, to + r * stride + c0, len);
                }
            }
        }

        /** grad_output plane {@code gy[src..]} at row stride {@code stride}, zeros past its columns, at {@code yp[to..]}. */
        void padGradOutput(float[] gy, int src, float[] yp, int to) {
            int ow = g.out[2];
            for (int r = 0; r < g.out[1]; r++) {
                System.arraycopy(gy, src + r * ow, yp, to + r * stride, ow);
                java.util.Arrays.fill(yp, to + r * stride + ow, to + (r + 1) * stride, 0f);
            }
        }

        /** Where the triple's columns ({@code -1}: the first one's) read their input plane from a group's first plane. */
        void offsets(int[] cols, int[] xo) {
            for (int j = 0; j < 3; j++) {
                int col = cols[j] < 0 ? cols[0] : cols[j];
                int t = col % g.kVol;
                xo[j] = (col / g.kVol) * xPlane + (t / g.k[2]) * g.d[1] * stride + (t % g.k[2]) * g.d[2];
            }
        }

        /**
         * One image's lane partial sums of a triple: every output channel's runs ({@code yp[yb + o * yPlane..]})
         * against the three columns' runs ({@code xp[xb + xo[j]..]}), into {@code part} ({@code [o][j]} lanes, then
         * the tails).
         */
        void triple(float[] xp, int xb0, int[] xo, float[] yp, int yb0, int[] cols, int coutG, float[] part) {
            int lanes = Gemm.LANES;
            int weights = coutG * 3;
            for (int run = 0; run < runs; run++) {
                int xb = xb0 + run * xRun;
                int yb = yb0 + run * stride;
                int o = 0;
                for (; o + 3 <= coutG; o += 3) {
                    VectorGemm.block3x3(yp, yb + o * yPlane, yPlane, xp, xb + xo[0], xb + xo[1], xb + xo[2], vec, part, o * 3 * lanes);
                }
                for (; o < coutG; o++) {
                    VectorGemm.block1x3(yp, yb + o * yPlane, xp, xb + xo[0], xb + xo[1], xb + xo[2], vec, part, o * 3 * lanes);
                }
                for (int j = 0; j < 3; j++) {
                    for (o = 0; o < coutG && cols[j] >= 0; o++) {
                        float tail = 0f;
                        for (int i = vec; i < runLength; i++) {
                            tail += yp[yb + o * yPlane + i] * xp[xb + xo[j] + i];
                        }
                        part[weights * lanes + o * 3 + j] += tail;
                    }
                }
            }
        }
    }

    /** Whether every value of {@code a} is finite (vectorized where the Vector API is). */
    static boolean allFinite(float[] a) {
        if (Gemm.VECTOR) {
            return VectorGemm.finite(a, a.length);
        }
        for (float v : a) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * grad_weight as dot products, for the layers {@link #blockDots} does not take (3D, strided rows, other padding
     * modes, non-finite inputs): one task per (group, input channel of the group); each run of positions of each tap,
     * read in place (stride 1 with zero padding) or unfolded once, is multiplied into every output channel's vector-lane
     * partial sums, which each image ends by adding to a double per weight: batch, positions and lanes in one order
     * whatever the thread count.
     */
    private static void dots(ConvSpec s, Geometry g, float[] x, float[] gy, float[] gw) {
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int kVol = g.kVol;
        int positions = g.outVol;
        int columns = cinG * kVol;
        int lanes = Gemm.VECTOR ? Gemm.LANES : 1;
        // Stride 1 along rows with zero padding: each tap's values along an output row are a run of an input row.
        boolean direct = g.st[2] == 1 && s.paddingMode() == io.github.convcl.spec.PaddingMode.ZEROS;
        Parallel.forEach(s.groups() * cinG, task -> {
            int grp = task / cinG;
            int c = task % cinG;
            int chunk = Math.min(POSITIONS, positions);
            int weights = coutG * kVol;
            float[] row = Workspace.get(Workspace.Slot.BLOCK, chunk);
            float[] part = Workspace.get(Workspace.Slot.LANES, weights * (lanes + 1));
            double[] acc = Workspace.sums(weights);
            for (int n = 0; n < s.batch(); n++) {
                java.util.Arrays.fill(part, 0, weights * (lanes + 1), 0f);
                int xOff = (n * s.inChannels() + grp * cinG + c) * g.inVol;
                int yOff = (n * s.outChannels() + grp * coutG) * positions;
                if (direct) {
                    rowDots(g, x, xOff, gy, yOff, coutG, part, lanes, weights);
                } else for (int p0 = 0; p0 < positions; p0 += chunk) {
                    int len = Math.min(chunk, positions - p0);
                    for (int t = 0; t < kVol; t++) {
                        int kx = t % g.k[2];
                        int ky = (t / g.k[2]) % g.k[1];
                        int kz = t / (g.k[2] * g.k[1]);
                        g.unfoldRow(x, xOff, kz, ky, kx, p0, len, row, 0);
                        for (int o = 0; o < coutG; o++) {
                            accumulate(gy, yOff + o * positions + p0, row, 0, len, part, lanes, weights, o * kVol + t);
                        }
                    }
                }
                addImage(part, lanes, weights, acc, 0);
            }
            for (int o = 0; o < coutG; o++) {
                for (int t = 0; t < kVol; t++) {
                    gw[(grp * coutG + o) * columns + c * kVol + t] += (float) acc[o * kVol + t];
                }
            }
        });
    }

    /**
     * The dots of one image with stride 1 and zero padding along rows: for each output row and tap, grad_output's row
     * against the input row the tap reads, over the positions where that row is inside the input, in place.
     */
    private static void rowDots(Geometry g, float[] x, int xOff, float[] gy, int yOff, int coutG, float[] part, int lanes, int weights) {
        int ow = g.out[2];
        int rows = g.out[0] * g.out[1];
        for (int r = 0; r < rows; r++) {
            int oy = r % g.out[1];
            int oz = r / g.out[1];
            for (int kz = 0; kz < g.k[0]; kz++) {
                int iz = oz * g.st[0] - g.p[0] + kz * g.d[0];
                if (iz < 0 || iz >= g.in[0]) {
                    continue;
                }
                for (int ky = 0; ky < g.k[1]; ky++) {
                    int iy = oy * g.st[1] - g.p[1] + ky * g.d[1];
                    if (iy < 0 || iy >= g.in[1]) {
                        continue;
                    }
                    int xRow = xOff + (iz * g.in[1] + iy) * g.in[2];
                    for (int kx = 0; kx < g.k[2]; kx++) {
                        int shift = kx * g.d[2] - g.p[2];
                        // ix = ox + shift lies in [0, in) for ox in [lo, hi).
                        int lo = Math.max(0, -shift);
                        int hi = Math.min(ow, g.in[2] - shift);
                        if (hi <= lo) {
                            continue;
                        }
                        int t = (kz * g.k[1] + ky) * g.k[2] + kx;
                        for (int o = 0; o < coutG; o++) {
                            accumulate(gy, yOff + o * g.outVol + r * ow + lo, x, xRow + lo + shift, hi - lo, part, lanes, weights,
                                    o * g.kVol + t);
                        }
                    }
                }
            }
        }
    }

    /**
     * Adds one image's partial sums of each weight (its lanes, then its tail, in that order) to the weight's double at
     * {@code acc[at + w]}.
     */
    private static void addImage(float[] part, int lanes, int weights, double[] acc, int at) {
        for (int w = 0; w < weights; w++) {
            double sum = part[weights * lanes + w];
            for (int l = 0; l < lanes; l++) {
                sum += part[w * lanes + l];
            }
            acc[at + w] += sum;
        }
    }

    /** Adds {@code a[ai..ai+n) . b[bi..bi+n)} to weight {@code w}'s partial sums: whole vectors to its lanes, the rest to its tail. */
    private static void accumulate(float[] a, int ai, float[] b, int bi, int n, float[] part, int lanes, int weights, int w) {
        int done = Gemm.VECTOR ? VectorGemm.fmaLanes(a, ai, b, bi, n, part, w * lanes) : 0;
        float tail = 0f;
        for (int p = done; p < n; p++) {
            tail += a[ai + p] * b[bi + p];
        }
        part[weights * lanes + w] += tail;
    }

    /**
     * Columns [r0, r0 + n) of {@code unfold(x)^T} over positions [p0, p0 + len) as packed B (16-column panels, each
     * {@code len} x 16): column r is input channel r / kVol's tap r % kVol, unfolded through {@code row}.
     */
    private static void packUnfolded(Geometry g, float[] x, int xOff, int r0, int n, int p0, int len, int kVol, float[] row, float[] pb) {
        int nr = Gemm.NR;
        for (int j = 0; j < n; j++) {
            int r = r0 + j;
            int c = r / kVol;
            int t = r % kVol;
            int kx = t % g.k[2];
            int ky = (t / g.k[2]) % g.k[1];
            int kz = t / (g.k[2] * g.k[1]);
            g.unfoldRow(x, xOff + c * g.inVol, kz, ky, kx, p0, len, row, 0);
            int base = (j / nr) * len * nr + j % nr;
            for (int p = 0; p < len; p++) {
                pb[base + p * nr] = row[p];
            }
        }
        int padded = (n + nr - 1) / nr * nr;
        for (int j = n; j < padded; j++) {
            int base = (j / nr) * len * nr + j % nr;
            for (int p = 0; p < len; p++) {
                pb[base + p * nr] = 0f;
            }
        }
    }

    /** {@code gb += dL/db}: grad_output summed over the batch and positions per channel, in double, in a fixed order. */
    static void bias(ConvSpec s, float[] gy, float[] gb) {
        int channels = s.outChannels();
        long per = s.batch() == 0 ? 0 : s.outputElements() / ((long) s.batch() * channels);
        Parallel.forEach(channels, c -> {
            double sum = 0;
            for (int n = 0; n < s.batch(); n++) {
                int base = (int) ((n * (long) channels + c) * per);
                for (int i = 0; i < per; i++) {
                    sum += gy[base + i];
                }
            }
            gb[c] += (float) sum;
        });
    }

    /**
     * Adds the adjoint's output {@code z} (extents {@code zExt}, depth, height, width) to the input gradient {@code gx}
     * (extents {@code in}): position i of a dimension goes to the input position the padding mode read it from (a
     * convolution's padded input, {@code before} positions in front), or, with {@code mode} null, to i itself where i
     * is inside the input (a transposed convolution's adjoint output, cropped).
     */
    static void fold(float[] z, int[] zExt, float[] gx, int[] in, int[] before, io.github.convcl.spec.PaddingMode mode, int planes) {
        int zVol = zExt[0] * zExt[1] * zExt[2];
        int inVol = in[0] * in[1] * in[2];
        int[][] src = new int[3][];
        for (int d = 0; d < 3; d++) {
            src[d] = new int[zExt[d]];
            for (int i = 0; i < zExt[d]; i++) {
                src[d][i] = mode == null ? (i < in[d] ? i : -1) : mode.source(i - before[d], in[d]);
            }
        }
        // Planes (image, channel) in parallel: each owns its input plane, and adds in one fixed order.
        Parallel.forEach(planes, q -> {
            int zBase = q * zVol;
            int xBase = q * inVol;
            for (int iz = 0; iz < zExt[0]; iz++) {
                int sz = src[0][iz];
                if (sz < 0) {
                    continue;
                }
                for (int iy = 0; iy < zExt[1]; iy++) {
                    int sy = src[1][iy];
                    if (sy < 0) {
                        continue;
                    }
                    int zRow = zBase + (iz * zExt[1] + iy) * zExt[2];
                    int xRow = xBase + (sz * in[1] + sy) * in[2];
                    for (int ix = 0; ix < zExt[2]; ix++) {
                        int sx = src[2][ix];
                        if (sx >= 0) {
                            gx[xRow + sx] += z[zRow + ix];
                        }
                    }
                }
            }
        });
    }

    /** {@code planes} planes of extents {@code from} copied into planes of extents {@code to} (each at least as large), zeros past. */
    static float[] embed(float[] src, int[] from, int[] to, int planes) {
        int fromVol = from[0] * from[1] * from[2];
        int toVol = to[0] * to[1] * to[2];
        float[] out = new float[Math.multiplyExact(planes, toVol)];
        for (int q = 0; q < planes; q++) {
            for (int z = 0; z < from[0]; z++) {
                for (int y = 0; y < from[1]; y++) {
                    System.arraycopy(src, q * fromVol + (z * from[1] + y) * from[2], out, q * toVol + (z * to[1] + y) * to[2], from[2]);
                }
            }
        }
        return out;
    }
}
