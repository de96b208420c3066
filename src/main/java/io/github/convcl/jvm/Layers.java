// The Java backend's non-convolution operations: max-pool with indices, its inverse and gradients, MSE, Adam.
package io.github.convcl.jvm;

import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.AdamStep;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PoolSpec;

/**
 * {@link io.github.convcl.backend.LayerOps} on heap arrays, one task per plane. The gradient and the unpool scatter
 * each plane's windows in row-major order, so an input position sums (or takes) its windows in that order whatever the
 * thread count: the order in which the OpenCL kernels (layers.cl) gather them.
 */
final class Layers {
    /** Elements per partial sum of the loss: the partials, summed in order, do not depend on the thread count. */
    private static final int LOSS_CHUNK = 1 << 14;

    private Layers() {
    }

    /** A pool's sizes as (depth, height, width), padded with a unit dimension for ranks below 3. */
    private record Window(int[] in, int[] out, int[] k, int[] s, int[] p, int[] d, int inPlane, int outPlane) {
        static Window of(PoolSpec ps) {
            int[] in = ConvSpec.to3d(ps.inputSize(), 1);
            int[] out = ConvSpec.to3d(ps.outputSize(), 1);
            return new Window(in, out, ConvSpec.to3d(ps.kernel(), 1), ConvSpec.to3d(ps.stride(), 1),
                    ConvSpec.to3d(ps.padding(), 0), ConvSpec.to3d(ps.dilation(), 1), in[0] * in[1] * in[2], out[0] * out[1] * out[2]);
        }

        /** The first tap along {@code dim} of a window starting at {@code start} that lies inside the input. */
        int firstTap(int dim, int start) {
            return start >= 0 ? 0 : (-start + d[dim] - 1) / d[dim];
        }

        /** One past the last tap along {@code dim} of a window starting at {@code start} that lies inside the input. */
        int endTap(int dim, int start) {
            return Math.min(k[dim], (in[dim] - start + d[dim] - 1) / d[dim]);
        }

        /** Whether output position {@code o}'s window has a tap on input position {@code i} along {@code dim}. */
        boolean covers(int dim, int o, int i) {
            int off = i + p[dim] - o * s[dim];
            int dd = d[dim];
            return off >= 0 && (dd == 1 ? off < k[dim] : off % dd == 0 && off / dd < k[dim]);
        }
    }

    /**
     * max-pool without indices (inference): each output row is the running maximum over the window's input rows and
     * taps, one tap at a time across the whole row, so that the inner loop is a plain max over consecutive outputs
     * (vectorised; at a stride above 1 over the row's phases, each a copy of every stride-th value). Math.max keeps
     * NaN, as PyTorch's max-pool does; every window holds at least one input (padding is at most half the kernel, and
     * ceil_mode drops windows that start in the padding).
     */
    private static void maxPoolRows(PoolSpec ps, Window w, float[] x, float[] y) {
        if (w.in[0] == 1 && w.k[0] == 1 && w.s[1] == 1 && w.s[2] == 1 && w.d[1] == 1 && w.d[2] == 1) {
            if (w.out[1] == w.in[1] && w.out[2] == w.in[2] && Gemm.VECTOR) {
                maxPoolSame(ps, w, x, y);
            } else {
                maxPoolPlanes(ps, w, x, y);
            }
            return;
        }
        if (Gemm.VECTOR && w.in[0] == 1 && w.k[0] == 1 && w.s[1] == 2 && w.s[2] == 2 && w.d[1] == 1 && w.d[2] == 1 && w.in[2] % 2 == 0
                && w.out[2] == w.in[2] / 2) {
            maxPoolHalves(ps, w, x, y);
            return;
        }
        int ow = w.out[2];
        int sx = w.s[2];
        int dx = w.d[2];
        int px = w.p[2];
        // the outputs [lo[kx], hi[kx]) whose tap kx lies inside the row, and where output 0's tap kx would read in
        // the row's phases (below): phase (kx dx - px) mod sx, at floor((kx dx - px) / sx) into it
        int[] lo = new int[w.k[2]];
        int[] hi = new int[w.k[2]];
        int phase = (w.in[2] + sx - 1) / sx;
        int[] tapAt = new int[w.k[2]];
        for (int kx = 0; kx < w.k[2]; kx++) {
            int off = kx * dx - px;
            lo[kx] = Math.min(ow, off >= 0 ? 0 : (-off + sx - 1) / sx);
            hi[kx] = Math.max(lo[kx], Math.min(ow, off >= w.in[2] ? 0 : (w.in[2] - 1 - off) / sx + 1));
            tapAt[kx] = Math.floorMod(off, sx) * phase + Math.floorDiv(off, sx);
        }
        // phases pay where an output row fills a vector; shorter rows take each tap's strided reads
        boolean phases = sx > 1 && ow >= Gemm.LANES;
        Parallel.forEach(ps.planes(), plane -> {
            int xb = plane * w.inPlane;
            int yb = plane * w.outPlane;
            float[] t = Workspace.get(Workspace.Slot.BLOCK, w.in[2]);
            float[] ph = phases ? Workspace.get(Workspace.Slot.PANELS, sx * phase) : null;
            for (int oz = 0; oz < w.out[0]; oz++) {
                int z0 = oz * w.s[0] - w.p[0];
                int kz0 = w.firstTap(0, z0);
                int kz1 = w.endTap(0, z0);
                for (int oy = 0; oy < w.out[1]; oy++) {
                    int y0 = oy * w.s[1] - w.p[1];
                    int ky0 = w.firstTap(1, y0);
                    int ky1 = w.endTap(1, y0);
                    int o = yb + (oz * w.out[1] + oy) * ow;
                    java.util.Arrays.fill(y, o, o + ow, Float.NEGATIVE_INFINITY);
                    if (w.d[0] == 1 && w.d[1] == 1) {
                        // the maximum over the window's rows first, as one row of the input's width, then its taps
                        boolean first = true;
                        for (int kz = kz0; kz < kz1; kz++) {
                            for (int ky = ky0; ky < ky1; ky++) {
                                int row = xb + ((z0 + kz) * w.in[1] + y0 + ky) * w.in[2];
                                if (first) {
                                    System.arraycopy(x, row, t, 0, w.in[2]);
                                    first = false;
                                } else {
                                    maxInto(t, 0, x, row, w.in[2]);
                                }
                            }
                        }
                        if (sx == 1) {
                            for (int kx = 0; kx < w.k[2]; kx++) {
                                maxInto(y, o + lo[kx], t, kx * dx - px + lo[kx], hi[kx] - lo[kx]);
                            }
                            continue;
                        }
                        if (!phases) {
                            for (int kx = 0; kx < w.k[2]; kx++) {
                                int src = kx * dx - px;
                                for (int q = lo[kx]; q < hi[kx]; q++) {
                                    y[o + q] = Math.max(y[o + q], t[src + q * sx]);
                                }
                            }
                            continue;
                        }
                        // t's phases, phase r holding t[r], t[r + sx], ... at ph[r * phase..]: tap kx's reads
                        // t[kx dx - px + q sx] are then one run of its phase, which the vector max takes
                        if (sx == 2 && Gemm.VECTOR) {
                            int pairs = w.in[2] / 2;
                            VectorGemm.deinterleave(t, 0, pairs, ph, 0, phase);
                            if (w.in[2] % 2 == 1) {
                                ph[pairs] = t[w.in[2] - 1];
                            }
                        } else {
                            for (int r = 0; r < sx; r++) {
                                for (int j = 0, i = r; i < w.in[2]; j++, i += sx) {
                                    ph[r * phase + j] = t[i];
                                }
                            }
                        }
                        for (int kx = 0; kx < w.k[2]; kx++) {
                            maxInto(y, o + lo[kx], ph, tapAt[kx] + lo[kx], hi[kx] - lo[kx]);
                        }
                        continue;
                    }
                    for (int kz = kz0; kz < kz1; kz++) {
                        for (int ky = ky0; ky < ky1; ky++) {
                            int row = xb + ((z0 + kz * w.d[0]) * w.in[1] + y0 + ky * w.d[1]) * w.in[2];
                            for (int kx = 0; kx < w.k[2]; kx++) {
                                int src = row + kx * dx - px;
                                if (sx == 1) {
                                    for (int q = lo[kx]; q < hi[kx]; q++) {
                                        y[o + q] = Math.max(y[o + q], x[src + q]);
                                    }
                                } else {
                                    for (int q = lo[kx]; q < hi[kx]; q++) {
                                        y[o + q] = Math.max(y[o + q], x[src + q * sx]);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * A 2D max-pool of stride 2 on rows of even width into half as many columns (GoogLeNet's and ResNet's strided
     * pools), over runs of whole planes: each output row's window rows first, as one row of the input's width (their
     * maximum, each input row read once), then the run of those rows split into even and odd columns in one pass, so
     * that each tap's column is one shifted read of one half along the whole run and the outputs are one vector
     * maximum of those reads; the columns whose window leaves its row are then taken again over their taps inside it.
     */
    private static void maxPoolHalves(PoolSpec ps, Window w, float[] x, float[] y) {
        int wd = w.in[2];
        int half = wd / 2;
        int oh = w.out[1];
        int ow = w.out[2];
        int kx = w.k[2];
        int px = w.p[2];
        // the columns whose window lies inside the row: [lo, hi)
        int lo = Math.min(ow, (px + 1) / 2);
        int hi = Math.max(lo, Math.min(ow, Math.floorDiv(wd - kx + px, 2) + 1));
        int planes = ps.planes();
        int per = planesPerTask(planes, w.inPlane, Thresholds.JAVA_POOL_RUN_FLOATS);
        Parallel.forEach((planes + per - 1) / per, task -> {
            int p0 = task * per;
            int p1 = Math.min(planes, p0 + per);
            int n = (p1 - p0) * oh * wd; // the run's window rows, wd floats each
            int pairs = n / 2;
            // the window rows at [0, n), their even columns at [n, n + pairs) and their odd ones after them
            float[] buf = Workspace.get(Workspace.Slot.PANELS, 2 * n);
            int[] rows = new int[w.k[1]];
            // the output rows whose window rows all lie inside the plane: [full0, full1)
            int full0 = Math.min(oh, (w.p[1] + 1) / 2);
            int full1 = Math.max(full0, Math.min(oh, Math.floorDiv(w.in[1] - w.k[1] + w.p[1], 2) + 1));
            for (int plane = p0, r = 0; plane < p1; plane++) {
                for (int oy = 0; oy < oh; oy++, r++) {
                    int y0 = oy * 2 - w.p[1];
                    if (oy == full0 && full1 > full0) {
                        // the interior rows in one call: output row oy's window rows start 2 input rows below oy - 1's
                        VectorGemm.maxRows(x, plane * w.inPlane + y0 * wd, 2 * wd, wd, w.k[1], full1 - full0, buf, r * wd);
                        r += full1 - full0 - 1;
                        oy = full1 - 1;
                        continue;
                    }
                    int ky0 = w.firstTap(1, y0);
                    int ky1 = w.endTap(1, y0);
                    for (int ky = ky0; ky < ky1; ky++) {
                        rows[ky - ky0] = plane * w.inPlane + (y0 + ky) * wd;
                    }
                    VectorGemm.maxOf(x, rows, ky1 - ky0, wd, buf, r * wd);
                }
            }
            VectorGemm.deinterleave(buf, 0, pairs, buf, n, n + pairs);
            // tap t reads column 2 ox - px + t: the even half or the odd one, (t - px) / 2 past ox; along the run,
            // output i (row i / ow, ow = half) reads half-run position i + that shift, in its row for ox in [lo, hi)
            int[] taps = new int[kx];
            int first = 0;
            int last = pairs;
            for (int t = 0; t < kx; t++) {
                int c = t - px;
                int shift = Math.floorDiv(c, 2);
                taps[t] = n + (Math.floorMod(c, 2) == 0 ? 0 : pairs) + shift;
                first = Math.max(first, -shift);
                last = Math.min(last, pairs - shift);
            }
            int yb = p0 * w.outPlane;
            if (last > first) {
                for (int t = 0; t < kx; t++) {
                    taps[t] += first;
                }
                VectorGemm.maxOf(buf, taps, kx, last - first, y, yb + first);
            }
            for (int r = 0; r < n / wd; r++) {
                for (int ox = 0; ox < ow; ox++) {
                    if (ox == lo && hi > lo) {
                        ox = hi - 1;
                        continue;
                    }
                    y[yb + r * ow + ox] = edgeMax(buf, r * wd, wd, 2 * ox - px, kx);
                }
            }
        });
    }

    /**
     * Planes per task of a pool over {@code planes} planes of {@code floats} floats each: at most {@code budget} floats
     * a task (one plane at least), and enough tasks for every thread.
     */
    private static int planesPerTask(int planes, int floats, int budget) {
        int tasks = Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE;
        return Math.max(1, Math.min((planes + tasks - 1) / tasks, budget / floats));
    }

    /** The maximum of a row's {@code k} columns from {@code c0} that lie inside its {@code width}. */
    private static float edgeMax(float[] x, int row, int width, int c0, int k) {
        float m = Float.NEGATIVE_INFINITY;
        for (int c = Math.max(0, c0); c < Math.min(width, c0 + k); c++) {
            m = Math.max(m, x[row + c]);
        }
        return m;
    }

    /**
     * A 2D max-pool of stride 1 whose output has the input's size (kernel 2p + 1: GoogLeNet's 3x3 branch pools) over
     * runs of whole planes, as if the planes were one long row: the maximum over the window's rows is one vector pass
     * along the run (position i takes i + (r - p) * width for each tap r), then over its columns another (i + q - p);
     * a tap that leaves its plane's rows or its row's columns is masked by the position's row or column
     * ({@link #coordinates}), so no edge is computed twice. Small planes (7x7 to 28x28) have no run per plane long
     * enough for vectors, the runs of many planes do.
     */
    private static void maxPoolSame(PoolSpec ps, Window w, float[] x, float[] y) {
        int h = w.in[1];
        int wd = w.in[2];
        int plane = h * wd;
        int kh = w.k[1];
        int kw = w.k[2];
        int ph = w.p[1];
        int pw = w.p[2];
        int planes = ps.planes();
        int total = planes * plane;
        // tasks of whole planes, about 4096 values each at most (their row maxima stay in L1) unless one plane is
        // larger, and enough tasks for every thread
        int per = planesPerTask(planes, plane, 4096);
        int tasks = (planes + per - 1) / per;
        float[][] at = coordinates(h, wd, per * plane);
        Parallel.forEach(tasks, task -> {
            int c0 = task * per;
            int n = (Math.min(planes, c0 + per) - c0) * plane;
            int base = c0 * plane;
            // the rows' maxima at [pw, pw + n): the column pass reads up to pw floats either side (masked)
            float[] t = Workspace.get(Workspace.Slot.BLOCK, n + 2 * pw);
            // the vector pass reads every tap of its lanes: positions whose taps reach before x[0] or past the last
            // plane (the first and last ph rows of the whole tensor) take the scalar path
            int lo = Math.min(n, Math.max(0, ph * wd - base));
            int hi = Math.max(lo, Math.min(n, total - base - (kh - 1 - ph) * wd));
            VectorGemm.windowMaxScalar(x, base, 0, lo, wd, kh, ph, h, at[0], 0, t, pw);
            VectorGemm.windowMax(x, base + lo, hi - lo, wd, kh, ph, h, at[0], lo, t, pw + lo);
            VectorGemm.windowMaxScalar(x, base, hi, n, wd, kh, ph, h, at[0], 0, t, pw);
            VectorGemm.windowMax(t, pw, n, 1, kw, pw, wd, at[1], 0, y, base);
        });
    }

    /** The row and column coordinates of a run's positions, cached by (height, width, positions). */
    private record Run(int h, int wd, int n) {
    }

    private static final java.util.concurrent.ConcurrentHashMap<Run, float[][]> COORDINATES = new java.util.concurrent.ConcurrentHashMap<>();

    /** Positions of the runs whose coordinates are kept between calls (a few pools' worth; larger ones are rebuilt). */
    private static final int CACHED_RUN = 1 << 16;

    /**
     * {@code [rows, columns]} of positions [0, n) in a run of whole planes of h rows of wd: position i lies at row
     * {@code (i mod h wd) / wd} of its plane and column {@code i mod wd}, as floats (the vector masks compare them).
     * Kept for runs of up to {@link #CACHED_RUN} positions, so that a network's pools build them once and one large
     * pool holds no memory after its call.
     */
    private static float[][] coordinates(int h, int wd, int n) {
        if (n > CACHED_RUN) {
            return positions(h, wd, n);
        }
        if (COORDINATES.size() > 64) {
            COORDINATES.clear();
        }
        return COORDINATES.computeIfAbsent(new Run(h, wd, n), r -> positions(h, wd, n));
    }

    private static float[][] positions(int h, int wd, int n) {
        float[] rows = new float[n];
        float[] cols = new float[n];
        for (int i = 0, row = 0, col = 0; i < n; i++) {
            rows[i] = row;
            cols[i] = col;
            if (++col == wd) {
                col = 0;
                row = row + 1 == h ? 0 : row + 1;
            }
        }
        return new float[][] {rows, cols};
    }

    /**
     * A 2D max-pool of stride 1 (GoogLeNet's 3x3 branch pools), one plane at a time in two separable passes over long
     * runs: the maximum over the window's rows (the rows whose window lies inside the input as one run; the others, at
     * most the padding, one by one), then over its columns along the whole plane as if it were one row, after which
     * the columns whose window crosses a row's edge are computed again on their own.
     */
    private static void maxPoolPlanes(PoolSpec ps, Window w, float[] x, float[] y) {
        int h = w.in[1];
        int wd = w.in[2];
        int oh = w.out[1];
        int ow = w.out[2];
        int kh = w.k[1];
        int kw = w.k[2];
        int ph = w.p[1];
        int pw = w.p[2];
        Parallel.forEach(ps.planes(), plane -> {
            int xb = plane * w.inPlane;
            int yb = plane * w.outPlane;
            // rows: t[oy][*] = max over the window's input rows, for oy in [0, oh)
            float[] t = Workspace.get(Workspace.Slot.BLOCK, oh * wd + kw);
            int inner0 = Math.min(oh, ph);                      // first output row whose window starts inside
            int inner1 = Math.max(inner0, Math.min(oh, h - kh + 1 + ph)); // first whose window ends outside
            for (int oy = 0; oy < oh; oy++) {
                if (oy == inner0 && inner1 > inner0) {
                    int run = (inner1 - inner0) * wd;
                    int dst = inner0 * wd;
                    int src = xb + (inner0 - ph) * wd;
                    System.arraycopy(x, src, t, dst, run);
                    for (int ky = 1; ky < kh; ky++) {
                        maxInto(t, dst, x, src + ky * wd, run);
                    }
                    oy = inner1 - 1;
                    continue;
                }
                int first = Math.max(0, oy - ph);
                int last = Math.min(h, oy - ph + kh);
                System.arraycopy(x, xb + first * wd, t, oy * wd, wd);
                for (int r = first + 1; r < last; r++) {
                    maxInto(t, oy * wd, x, xb + r * wd, wd);
                }
            }
            // columns: along the whole plane where the window stays inside its row, then each row's edges
            // output i + pw of the run is the window starting at t[i]; those that cross a row's edge are redone below
            boolean run = ow == wd && kw <= wd;
            if (run) {
                int n = oh * wd - (kw - 1);
                if (Gemm.VECTOR) {
                    VectorGemm.maxWindows(t, n, kw, y, yb + pw);
                } else {
                    for (int i = 0; i < n; i++) {
                        float m = t[i];
                        for (int kx = 1; kx < kw; kx++) {
                            m = Math.max(m, t[i + kx]);
                        }
                        y[yb + pw + i] = m;
                    }
                }
            }
            int edgeLo = run ? pw : ow;               // columns [edgeLo, edgeHi) were right in the run
            int edgeHi = run ? wd - kw + 1 + pw : ow;
            for (int oy = 0; oy < oh; oy++) {
                int row = oy * wd;
                for (int ox = 0; ox < ow; ox++) {
                    if (ox == edgeLo && edgeHi > edgeLo) {
                        ox = edgeHi - 1;
                        continue;
                    }
                    int c0 = ox - pw;
                    float m = Float.NEGATIVE_INFINITY;
                    for (int c = Math.max(0, c0); c < Math.min(wd, c0 + kw); c++) {
                        m = Math.max(m, t[row + c]);
                    }
                    y[yb + oy * ow + ox] = m;
                }
            }
        });
    }

    private static void maxInto(float[] d, int dOff, float[] s, int sOff, int len) {
        if (Gemm.VECTOR) {
            VectorGemm.maxInto(d, dOff, s, sOff, len);
            return;
        }
        for (int i = 0; i < len; i++) {
            d[dOff + i] = Math.max(d[dOff + i], s[sOff + i]);
        }
    }

    /** Each window's sum in row-major order over its taps inside the input, divided by PyTorch's divisor. */
    static void avgPool(PoolSpec ps, float[] x, float[] y) {
        Window w = Window.of(ps);
        boolean include = ps.countIncludePad();
        Parallel.forEach(ps.planes(), plane -> {
            int xb = plane * w.inPlane;
            int yb = plane * w.outPlane;
            for (int oz = 0; oz < w.out[0]; oz++) {
                int z0 = oz * w.s[0] - w.p[0];
                int kz0 = w.firstTap(0, z0);
                int kz1 = w.endTap(0, z0);
                int ez = PoolSpec.extent(z0, w.k[0], w.in[0], w.p[0], include);
                for (int oy = 0; oy < w.out[1]; oy++) {
                    int y0 = oy * w.s[1] - w.p[1];
                    int ky0 = w.firstTap(1, y0);
                    int ky1 = w.endTap(1, y0);
                    int ey = PoolSpec.extent(y0, w.k[1], w.in[1], w.p[1], include);
                    for (int ox = 0; ox < w.out[2]; ox++) {
                        int x0 = ox * w.s[2] - w.p[2];
                        int kx0 = w.firstTap(2, x0);
                        int kx1 = w.endTap(2, x0);
                        float sum = 0f;
                        for (int kz = kz0; kz < kz1; kz++) {
                            for (int ky = ky0; ky < ky1; ky++) {
                                int rowAt = xb + ((z0 + kz) * w.in[1] + y0 + ky) * w.in[2] + x0;
                                for (int kx = kx0; kx < kx1; kx++) {
                                    sum += x[rowAt + kx];
                                }
                            }
                        }
                        int divisor = ez * ey * PoolSpec.extent(x0, w.k[2], w.in[2], w.p[2], include);
                        y[yb + (oz * w.out[1] + oy) * w.out[2] + ox] = sum / divisor;
                    }
                }
            }
        });
    }

    static void maxPool(PoolSpec ps, float[] x, float[] y, float[] idx) {
        Window w = Window.of(ps);
        if (idx == null) {
            maxPoolRows(ps, w, x, y);
            return;
        }
        Parallel.forEach(ps.planes(), plane -> {
            int xb = plane * w.inPlane;
            int yb = plane * w.outPlane;
            for (int oz = 0; oz < w.out[0]; oz++) {
                int z0 = oz * w.s[0] - w.p[0];
                int kz0 = w.firstTap(0, z0);
                int kz1 = w.endTap(0, z0);
                for (int oy = 0; oy < w.out[1]; oy++) {
                    int y0 = oy * w.s[1] - w.p[1];
                    int ky0 = w.firstTap(1, y0);
                    int ky1 = w.endTap(1, y0);
                    for (int ox = 0; ox < w.out[2]; ox++) {
                        int x0 = ox * w.s[2] - w.p[2];
                        int kx0 = w.firstTap(2, x0);
                        int kx1 = w.endTap(2, x0);
                        float max = Float.NEGATIVE_INFINITY;
                        int at = -1;
                        for (int kz = kz0; kz < kz1; kz++) {
                            for (int ky = ky0; ky < ky1; ky++) {
                                int rowAt = ((z0 + kz * w.d[0]) * w.in[1] + y0 + ky * w.d[1]) * w.in[2] + x0;
                                for (int kx = kx0; kx < kx1; kx++) {
                                    int pos = rowAt + kx * w.d[2];
                                    float v = x[xb + pos];
                                    // The first window position starts the search, so an all -inf window names it.
                                    // Selects rather than branches: which value wins is unpredictable.
                                    boolean take = at < 0 || v > max || v != v;
                                    max = take ? v : max;
                                    at = take ? pos : at;
                                }
                            }
                        }
                        int o = yb + (oz * w.out[1] + oy) * w.out[2] + ox;
                        y[o] = max;
                        if (idx != null) {
                            idx[o] = at;
                        }
                    }
                }
            }
        });
    }

    /**
     * For each plane, in row-major order of the windows, {@code visit} gets the input offset each window's index names
     * and the window's output offset, for indices inside their window; {@code clear} first zeroes the plane.
     */
    private interface Visit {
        void at(int input, int output);
    }

    private static void scatter(PoolSpec ps, float[] idx, float[] dst, Visit visit) {
        Window w = Window.of(ps);
        Parallel.forEach(ps.planes(), plane -> {
            int xb = plane * w.inPlane;
            int yb = plane * w.outPlane;
            java.util.Arrays.fill(dst, xb, xb + w.inPlane, 0f);
            for (int oz = 0; oz < w.out[0]; oz++) {
                for (int oy = 0; oy < w.out[1]; oy++) {
                    for (int ox = 0; ox < w.out[2]; ox++) {
                        int o = yb + (oz * w.out[1] + oy) * w.out[2] + ox;
                        float at = idx[o];
                        int pos = (int) at;
                        if (!(at >= 0 && at < w.inPlane && pos == at)) {
                            continue;
                        }
                        int ix = pos % w.in[2];
                        int iy = (pos / w.in[2]) % w.in[1];
                        int iz = pos / (w.in[2] * w.in[1]);
                        if (w.covers(0, oz, iz) && w.covers(1, oy, iy) && w.covers(2, ox, ix)) {
                            visit.at(xb + pos, o);
                        }
                    }
                }
            }
        });
    }

    static void maxPoolBackward(PoolSpec ps, float[] gy, float[] idx, float[] gx) {
        scatter(ps, idx, gx, (i, o) -> gx[i] += gy[o]);
    }

    static void maxUnpool(PoolSpec ps, float[] values, float[] idx, float[] out) {
        scatter(ps, idx, out, (i, o) -> out[i] = values[o]);
    }

    static void maxUnpoolBackward(PoolSpec ps, float[] gy, float[] idx, float[] gv) {
        Window w = Window.of(ps);
        Parallel.forEach(ps.planes(), plane -> {
            int xb = plane * w.inPlane;
            for (int o = plane * w.outPlane, end = o + w.outPlane; o < end; o++) {
                float at = idx[o];
                gv[o] = at >= 0 && at < w.inPlane && at == (int) at ? gy[xb + (int) at] : 0f;
            }
        });
    }

    static void mseLoss(int n, float[] out, float[] target, float[] loss, float[] grad) {
        int chunks = (n + LOSS_CHUNK - 1) / LOSS_CHUNK;
        double[] partial = new double[Math.max(1, chunks)];
        float scale = 2f / n;
        Parallel.forEach(chunks, c -> {
            double sum = 0;
            for (int i = c * LOSS_CHUNK, end = Math.min(n, i + LOSS_CHUNK); i < end; i++) {
                float diff = out[i] - target[i];
                sum += (double) diff * diff;
                if (grad != null) {
                    grad[i] = scale * diff;
                }
            }
            partial[c] = sum;
        });
        double total = 0;
        for (double p : partial) {
            total += p;
        }
        loss[0] = n == 0 ? Float.NaN : (float) (total / n);
    }

    static void adam(AdamStep a, float[] p, float[] g, float[] m, float[] v) {
        float b1 = (float) a.beta1();
        float b2 = (float) a.beta2();
        float wd = (float) a.weightDecay();
        float stepSize = (float) a.stepSize();
        float correction = (float) a.secondCorrection();
        float eps = (float) a.eps();
        for (int i = 0; i < p.length; i++) {
            float gi = wd == 0 ? g[i] : g[i] + wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            p[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) / correction + eps);
        }
    }
}
