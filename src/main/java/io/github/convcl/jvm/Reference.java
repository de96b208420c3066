// The float64 reference convolution: plain loops, obviously correct, used to check every backend.
package io.github.convcl.jvm;

import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;

/**
 * Computes a convolution in double precision with direct loops over PyTorch's definition.
 * Slow on purpose: it is the yardstick for the fast backends, never a backend itself.
 */
public final class Reference {
    private Reference() {
    }

    /** Output in NC(D)(H)W order; {@code bias} may be null; the spec's epilogue, which must read no arrays, applied. */
    public static double[] convolve(ConvSpec s, float[] input, float[] weight, float[] bias) {
        return convolve(s, input, weight, bias, null, null, null);
    }

    /**
     * Output in NC(D)(H)W order with the spec's epilogue applied in float64, reading {@code scale}, {@code shift} and
     * {@code residual} (null where the epilogue has no such part); {@code bias} may be null.
     */
    public static double[] convolve(ConvSpec s, float[] input, float[] weight, float[] bias, float[] scale, float[] shift,
                                    float[] residual) {
        double[] out = bare(s, input, weight, bias);
        io.github.convcl.spec.Epilogue e = s.epilogue();
        if (e.isNone()) {
            return out;
        }
        if ((e.hasScale() && scale == null) || (e.hasShift() && shift == null) || (e.hasResidual() && residual == null)) {
            throw new IllegalArgumentException("epilogue=" + e + " reads arrays that were not given");
        }
        int per = (int) (out.length / Math.max(1, (long) s.batch() * s.outChannels()));
        for (int i = 0; i < out.length; i++) {
            int c = (i / Math.max(1, per)) % s.outChannels();
            out[i] = e.apply(out[i], e.hasScale() ? scale[c] : 1, e.hasShift() ? shift[c] : 0, e.hasResidual() ? residual[i] : 0);
        }
        return out;
    }

    /** The convolution plus bias, without the epilogue. */
    private static double[] bare(ConvSpec s, float[] input, float[] weight, float[] bias) {
        double[] out = new double[Math.toIntExact(s.outputElements())];
        if (s.transposed()) {
            transposed(s, input, weight, out);
        } else {
            direct(s, input, weight, out);
        }
        if (bias != null) {
            int per = (int) (out.length / Math.max(1, (long) s.batch() * s.outChannels()));
            for (int n = 0; n < s.batch(); n++) {
                for (int c = 0; c < s.outChannels(); c++) {
                    int base = (n * s.outChannels() + c) * per;
                    for (int i = 0; i < per; i++) {
                        out[base + i] += bias[c];
                    }
                }
            }
        }
        return out;
    }

    /** {@code d} rounded to float, element by element: a reference result as a backend's output is compared to it. */
    public static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** One output element (flat NC(D)(H)W index) in double precision; for spot checks of large layers. */
    public static double at(ConvSpec s, float[] x, float[] w, float[] bias, long index) {
        int[] in = ConvSpec.to3d(s.inputSize(), 1);
        int[] out = ConvSpec.to3d(s.outputSize(), 1);
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        int[] d = ConvSpec.to3d(s.dilation(), 1);
        int[] p = ConvSpec.to3d(s.padBefore(), 0);
        int ox = (int) (index % out[2]);
        long r = index / out[2];
        int oy = (int) (r % out[1]);
        r /= out[1];
        int oz = (int) (r % out[0]);
        r /= out[0];
        int co = (int) (r % s.outChannels());
        int n = (int) (r / s.outChannels());
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int g = co / coutG;
        long inVol = (long) in[0] * in[1] * in[2];
        int kVol = k[0] * k[1] * k[2];
        double acc = bias == null ? 0 : bias[co];
        int[] o = {oz, oy, ox};
        for (int kz = 0; kz < k[0]; kz++) {
            for (int ky = 0; ky < k[1]; ky++) {
                for (int kx = 0; kx < k[2]; kx++) {
                    int[] tap = {kz, ky, kx};
                    int[] i = new int[3];
                    boolean inside = true;
                    for (int dim = 0; dim < 3 && inside; dim++) {
                        if (s.transposed()) {
                            int t = o[dim] + p[dim] - tap[dim] * d[dim];
                            inside = t >= 0 && t % st[dim] == 0 && t / st[dim] < in[dim];
                            i[dim] = t / Math.max(1, st[dim]);
                        } else {
                            i[dim] = s.paddingMode().source(o[dim] * st[dim] - p[dim] + tap[dim] * d[dim], in[dim]);
                            inside = i[dim] >= 0;
                        }
                    }
                    if (!inside) {
                        continue;
                    }
                    long pos = ((long) i[0] * in[1] + i[1]) * in[2] + i[2];
                    int t = (kz * k[1] + ky) * k[2] + kx;
                    for (int c = 0; c < cinG; c++) {
                        int ci = g * cinG + c;
                        double wv = s.transposed() ? w[(ci * coutG + co % coutG) * kVol + t] : w[(co * cinG + c) * kVol + t];
                        acc += (double) x[(int) ((n * (long) s.inChannels() + ci) * inVol + pos)] * wv;
                    }
                }
            }
        }
        return acc;
    }

    private static void direct(ConvSpec s, float[] x, float[] w, double[] y) {
        int[] in = ConvSpec.to3d(s.inputSize(), 1);
        int[] out = ConvSpec.to3d(s.outputSize(), 1);
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        int[] d = ConvSpec.to3d(s.dilation(), 1);
        int[] p = ConvSpec.to3d(s.padBefore(), 0);
        PaddingMode mode = s.paddingMode();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int inVol = in[0] * in[1] * in[2];
        int kVol = k[0] * k[1] * k[2];
        int idx = 0;
        for (int n = 0; n < s.batch(); n++) {
            for (int co = 0; co < s.outChannels(); co++) {
                int g = co / coutG;
                for (int oz = 0; oz < out[0]; oz++) {
                    for (int oy = 0; oy < out[1]; oy++) {
                        for (int ox = 0; ox < out[2]; ox++) {
                            double acc = 0;
                            for (int ci = 0; ci < cinG; ci++) {
                                int xBase = (n * s.inChannels() + g * cinG + ci) * inVol;
                                int wBase = (co * cinG + ci) * kVol;
                                for (int kz = 0; kz < k[0]; kz++) {
                                    int iz = mode.source(oz * st[0] - p[0] + kz * d[0], in[0]);
                                    if (iz < 0) continue;
                                    for (int ky = 0; ky < k[1]; ky++) {
                                        int iy = mode.source(oy * st[1] - p[1] + ky * d[1], in[1]);
                                        if (iy < 0) continue;
                                        for (int kx = 0; kx < k[2]; kx++) {
                                            int ix = mode.source(ox * st[2] - p[2] + kx * d[2], in[2]);
                                            if (ix < 0) continue;
                                            acc += (double) x[xBase + (iz * in[1] + iy) * in[2] + ix]
                                                    * w[wBase + (kz * k[1] + ky) * k[2] + kx];
                                        }
                                    }
                                }
                            }
                            y[idx++] = acc;
                        }
                    }
                }
            }
        }
    }

    private static void transposed(ConvSpec s, float[] x, float[] w, double[] y) {
        int[] in = ConvSpec.to3d(s.inputSize(), 1);
        int[] out = ConvSpec.to3d(s.outputSize(), 1);
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        int[] d = ConvSpec.to3d(s.dilation(), 1);
        int[] p = ConvSpec.to3d(s.padBefore(), 0);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int inVol = in[0] * in[1] * in[2];
        int outVol = out[0] * out[1] * out[2];
        int kVol = k[0] * k[1] * k[2];
        for (int n = 0; n < s.batch(); n++) {
            for (int ci = 0; ci < s.inChannels(); ci++) {
                int g = ci / cinG;
                for (int iz = 0; iz < in[0]; iz++) {
                    for (int iy = 0; iy < in[1]; iy++) {
                        for (int ix = 0; ix < in[2]; ix++) {
                            double v = x[(n * s.inChannels() + ci) * inVol + (iz * in[1] + iy) * in[2] + ix];
                            for (int cog = 0; cog < coutG; cog++) {
                                int co = g * coutG + cog;
                                int wBase = (ci * coutG + cog) * kVol;
                                int yBase = (n * s.outChannels() + co) * outVol;
                                for (int kz = 0; kz < k[0]; kz++) {
                                    int oz = iz * st[0] - p[0] + kz * d[0];
                                    if (oz < 0 || oz >= out[0]) continue;
                                    for (int ky = 0; ky < k[1]; ky++) {
                                        int oy = iy * st[1] - p[1] + ky * d[1];
                                        if (oy < 0 || oy >= out[1]) continue;
                                        for (int kx = 0; kx < k[2]; kx++) {
                                            int ox = ix * st[2] - p[2] + kx * d[2];
                                            if (ox < 0 || ox >= out[2]) continue;
                                            y[yBase + (oz * out[1] + oy) * out[2] + ox] += v * w[wBase + (kz * k[1] + ky) * k[2] + kx];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** grad_input in double: d(sum gy * y)/dx for y = conv(x, w), in the input's NC(D)(H)W order. */
    public static double[] gradInput(ConvSpec s, float[] w, float[] gy) {
        double[] gx = new double[Math.toIntExact(s.inputElements())];
        contributions(s, (xi, wi, yi) -> gx[xi] += (double) w[wi] * gy[yi]);
        return gx;
    }

    /** grad_weight in double, in the weight's layout. */
    public static double[] gradWeight(ConvSpec s, float[] x, float[] gy) {
        double[] gw = new double[Math.toIntExact(s.weightElements())];
        contributions(s, (xi, wi, yi) -> gw[wi] += (double) x[xi] * gy[yi]);
        return gw;
    }

    /** grad_bias in double: grad_output summed over the batch and the positions, per output channel. */
    public static double[] gradBias(ConvSpec s, float[] gy) {
        double[] gb = new double[s.outChannels()];
        long per = s.batch() == 0 ? 0 : s.outputElements() / ((long) s.batch() * s.outChannels());
        for (int n = 0; n < s.batch(); n++) {
            for (int c = 0; c < s.outChannels(); c++) {
                long base = ((long) n * s.outChannels() + c) * per;
                for (long i = 0; i < per; i++) {
                    gb[c] += gy[(int) (base + i)];
                }
            }
        }
        return gb;
    }

    /** One product of the forward sum: {@code y[yi] += x[xi] * w[wi]}. */
    @FunctionalInterface
    interface Contribution {
        void add(int xi, int wi, int yi);
    }

    /** Every product of the forward sum of {@code s}, in the forward loops' order (the padding mode's sources included). */
    static void contributions(ConvSpec s, Contribution sink) {
        int[] in = ConvSpec.to3d(s.inputSize(), 1);
        int[] out = ConvSpec.to3d(s.outputSize(), 1);
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        int[] d = ConvSpec.to3d(s.dilation(), 1);
        int[] p = ConvSpec.to3d(s.padBefore(), 0);
        PaddingMode mode = s.paddingMode();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int inVol = in[0] * in[1] * in[2];
        int outVol = out[0] * out[1] * out[2];
        int kVol = k[0] * k[1] * k[2];
        for (int n = 0; n < s.batch(); n++) {
            for (int co = 0; co < s.outChannels(); co++) {
                int g = co / coutG;
                for (int oz = 0; oz < out[0]; oz++) {
                    for (int oy = 0; oy < out[1]; oy++) {
                        for (int ox = 0; ox < out[2]; ox++) {
                            int yi = (n * s.outChannels() + co) * outVol + (oz * out[1] + oy) * out[2] + ox;
                            for (int kz = 0; kz < k[0]; kz++) {
                                for (int ky = 0; ky < k[1]; ky++) {
                                    for (int kx = 0; kx < k[2]; kx++) {
                                        int iz;
                                        int iy;
                                        int ix;
                                        if (s.transposed()) {
                                            int tz = oz + p[0] - kz * d[0];
                                            int ty = oy + p[1] - ky * d[1];
                                            int tx = ox + p[2] - kx * d[2];
                                            if (tz < 0 || ty < 0 || tx < 0 || tz % st[0] != 0 || ty % st[1] != 0 || tx % st[2] != 0) {
                                                continue;
                                            }
                                            iz = tz / st[0];
                                            iy = ty / st[1];
                                            ix = tx / st[2];
                                            if (iz >= in[0] || iy >= in[1] || ix >= in[2]) {
                                                continue;
                                            }
                                        } else {
                                            iz = mode.source(oz * st[0] - p[0] + kz * d[0], in[0]);
                                            iy = mode.source(oy * st[1] - p[1] + ky * d[1], in[1]);
                                            ix = mode.source(ox * st[2] - p[2] + kx * d[2], in[2]);
                                            if (iz < 0 || iy < 0 || ix < 0) {
                                                continue;
                                            }
                                        }
                                        int t = (kz * k[1] + ky) * k[2] + kx;
                                        int pos = (iz * in[1] + iy) * in[2] + ix;
                                        for (int c = 0; c < cinG; c++) {
                                            int ci = g * cinG + c;
                                            int wi = s.transposed() ? (ci * coutG + co % coutG) * kVol + t : (co * cinG + c) * kVol + t;
                                            sink.add((n * s.inChannels() + ci) * inVol + pos, wi, yi);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
