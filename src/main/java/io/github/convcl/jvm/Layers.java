// The Java backend's non-convolution operations: max-pool with indices, its inverse and gradients, MSE, Adam.
package io.github.convcl.jvm;

import io.github.convcl.spec.AdamStep;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PoolSpec;

/**
 * {@link io.github.convcl.backend.LayerOps} on heap arrays. Pooling runs one task per plane; the gradients and the
 * unpool gather (each element reads the windows that cover it, in row-major order) rather than scatter, so every
 * element has one writer and one summation order whatever the thread count, and they compute the same sums in the same
 * order as the OpenCL kernels (layers.cl).
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

        /** The first output position along {@code dim} whose window can cover input position {@code i}. */
        int first(int dim, int i) {
            int num = i + p[dim] - (k[dim] - 1) * d[dim];
            return Math.max(0, num <= 0 ? 0 : (num + s[dim] - 1) / s[dim]);
        }

        /** The last output position along {@code dim} whose window can cover input position {@code i}. */
        int last(int dim, int i) {
            return Math.min(out[dim] - 1, (i + p[dim]) / s[dim]);
        }

        /** Whether output position {@code o}'s window has a tap on input position {@code i} along {@code dim}. */
        boolean covers(int dim, int o, int i) {
            int off = i + p[dim] - o * s[dim];
            return off >= 0 && off % d[dim] == 0 && off / d[dim] < k[dim];
        }
    }

    static void maxPool(PoolSpec ps, float[] x, float[] y, float[] idx) {
        Window w = Window.of(ps);
        Parallel.forEach(ps.planes(), plane -> {
            int xb = plane * w.inPlane;
            int yb = plane * w.outPlane;
            for (int oz = 0; oz < w.out[0]; oz++) {
                for (int oy = 0; oy < w.out[1]; oy++) {
                    for (int ox = 0; ox < w.out[2]; ox++) {
                        float max = Float.NEGATIVE_INFINITY;
                        int at = -1;
                        for (int kz = 0; kz < w.k[0]; kz++) {
                            int iz = oz * w.s[0] - w.p[0] + kz * w.d[0];
                            if (iz < 0 || iz >= w.in[0]) {
                                continue;
                            }
                            for (int ky = 0; ky < w.k[1]; ky++) {
                                int iy = oy * w.s[1] - w.p[1] + ky * w.d[1];
                                if (iy < 0 || iy >= w.in[1]) {
                                    continue;
                                }
                                for (int kx = 0; kx < w.k[2]; kx++) {
                                    int ix = ox * w.s[2] - w.p[2] + kx * w.d[2];
                                    if (ix < 0 || ix >= w.in[2]) {
                                        continue;
                                    }
                                    int pos = (iz * w.in[1] + iy) * w.in[2] + ix;
                                    float v = x[xb + pos];
                                    // The first window position starts the search, so an all -inf window names it.
                                    if (at < 0 || v > max || Float.isNaN(v)) {
                                        max = v;
                                        at = pos;
                                    }
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
     * For each input position of each plane, the windows that cover it in row-major order: {@code visit} gets the
     * input offset and the output offset of each covering window whose index names that position.
     */
    private interface Visit {
        void at(int input, int output);
    }

    private static void covering(PoolSpec ps, float[] idx, Visit begin, Visit visit) {
        Window w = Window.of(ps);
        Parallel.forEach(ps.planes(), plane -> {
            int xb = plane * w.inPlane;
            int yb = plane * w.outPlane;
            for (int iz = 0; iz < w.in[0]; iz++) {
                for (int iy = 0; iy < w.in[1]; iy++) {
                    for (int ix = 0; ix < w.in[2]; ix++) {
                        int pos = (iz * w.in[1] + iy) * w.in[2] + ix;
                        begin.at(xb + pos, -1);
                        for (int oz = w.first(0, iz); oz <= w.last(0, iz); oz++) {
                            if (!w.covers(0, oz, iz)) {
                                continue;
                            }
                            for (int oy = w.first(1, iy); oy <= w.last(1, iy); oy++) {
                                if (!w.covers(1, oy, iy)) {
                                    continue;
                                }
                                for (int ox = w.first(2, ix); ox <= w.last(2, ix); ox++) {
                                    int o = yb + (oz * w.out[1] + oy) * w.out[2] + ox;
                                    if (w.covers(2, ox, ix) && idx[o] == pos) {
                                        visit.at(xb + pos, o);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    static void maxPoolBackward(PoolSpec ps, float[] gy, float[] idx, float[] gx) {
        covering(ps, idx, (i, o) -> gx[i] = 0f, (i, o) -> gx[i] += gy[o]);
    }

    static void maxUnpool(PoolSpec ps, float[] values, float[] idx, float[] out) {
        covering(ps, idx, (i, o) -> out[i] = 0f, (i, o) -> out[i] = values[o]);
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
