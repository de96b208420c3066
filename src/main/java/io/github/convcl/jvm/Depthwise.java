// Java depthwise convolution: one filter per input channel, a vector of outputs per step.
package io.github.convcl.jvm;

import io.github.convcl.plan.JavaDepthwise;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PhasePlanes;

/** Depthwise convolution (one input channel per group, any channel multiplier), one task per input plane or run of planes. */
final class Depthwise {
    /** Outputs a task of the unpadded 3x3 computes, at least: its planes share one setting of the copies' borders. */
    private static final int FLAT_TASK = 2048;

    private Depthwise() {
    }

    /**
     * Depthwise, a vector of outputs per step (positions in padded coordinates; a stride splits the padded plane into
     * phase planes, so every tap reads a vector of consecutive values; without the Vector API, {@link PlainGemm#depthwiseSpan}).
     * One task per (image, input channel): it pads that plane into a thread-local buffer (it stays in L1/L2) and
     * computes every output channel of the channel multiplier from it, so the input is read once and no padded copy of
     * the batch is made; a plain 3x3 ({@link JavaDepthwise#unpadded()}) reads each plane as one run of positions, with no
     * padding columns.
     */
    static void run(ConvSpec s, JavaDepthwise plan, float[] x, float[] w, float[] bias, float[] y, Store st) {
        Geometry g = new Geometry(s);
        PhasePlanes ph = PhasePlanes.of(s);
        int hq = ph.hq();
        int wq = ph.wq();
        int cin = s.inChannels();
        int[] offs = ph.taps();
        int coutG = s.outPerGroup();
        int width = g.out[2];
        int height = g.out[1];
        int extent = (height - 1) * wq + width;
        // With the Vector API the kernels take the epilogue themselves where they can: its scale and shift folded into
        // the weights and the bias (Store#fold, which leaves them unfolded where the folded bias would overflow), the
        // activation applied before each store. What is left (a residual, another activation, or the unfolded
        // epilogue) is a pass over each finished plane.
        Store.Folded f = Gemm.VECTOR && !st.scaleOverflows(w, g.kVol) ? st.fold(bias) : st.unfolded(bias);
        Store rest = f.store();
        float[] scales = f.scale();
        float[] biases = f.bias();
        int act = Gemm.VECTOR ? rest.activationAlone() : -1;
        if (plan.unpadded()) {
            // MobileNet's 3x3: each plane as one run of positions, read from three copies of the input plane with the
            // row ends that the outer taps must not see zeroed (no padding columns, every row width alike); a task
            // takes a run of planes (about FLAT_TASK outputs), so the copies' borders are written once per task
            int len = height * width;
            int planes = s.batch() * cin;
            int per = Math.max(1, FLAT_TASK / (len * coutG));
            Parallel.forEach((planes + per - 1) / per, task -> {
                float[] xb = Workspace.get(Workspace.Slot.INPUT, 3 * (len + 2 * width + 2));
                for (int t = task * per, end = Math.min(planes, t + per); t < end; t++) {
                    int n = t / cin;
                    int ci = t % cin;
                    VectorGemm.flatCopies(x, t * g.inVol, xb, width, len, t == task * per);
                    for (int m = 0; m < coutG; m++) {
                        int co = ci * coutG + m;
                        VectorGemm.depthwiseFlat3x3(xb, w, co * 9, scales == null ? 1f : scales[co],
                                biases == null ? 0f : biases[co], act, y, st.plane(n, co), width, len);
                        if (act < 0) {
                            rest.finish(y, n, co, 0, len);
                        }
                    }
                }
            });
            return;
        }
        // nine taps in registers along rows of a vector or more; else the taps over the plane's whole run of positions
        // (rows and the padding between them), copied out
        boolean rows9 = Gemm.VECTOR && g.kVol == 9 && width >= Gemm.LANES;
        Parallel.forEach(s.batch() * cin, t -> {
            int n = t / cin;
            int ci = t % cin;
            float[] xp = Workspace.get(Workspace.Slot.INPUT, ph.plane() + DirectGemm.DIRECT_SLACK);
            g.padPhases(x, t * g.inVol, xp, 0, ph.before(), ph.padded(), ph.dq(), hq, wq);
            float[] acc = Workspace.get(Workspace.Slot.BLOCK, extent);
            for (int m = 0; m < coutG; m++) {
                int co = ci * coutG + m;
                float b = biases == null ? 0f : biases[co];
                float a = scales == null ? 1f : scales[co];
                for (int oz = 0; oz < g.out[0]; oz++) {
                    int dst = st.plane(n, co) + oz * height * width;
                    if (rows9) {
                        VectorGemm.depthwiseRows9(xp, oz * hq * wq, wq, offs, w, co * g.kVol, a, b, act, y, dst, width, height);
                    } else if (Gemm.VECTOR) {
                        VectorGemm.depthwiseSpan(xp, oz * hq * wq, offs, w, co * g.kVol, a, b, act, acc, extent);
                        for (int oy = 0; oy < height; oy++) {
                            System.arraycopy(acc, oy * wq, y, dst + oy * width, width);
                        }
                    } else {
                        PlainGemm.depthwiseSpan(xp, oz * hq * wq, offs, w, co * g.kVol, acc, extent);
                        for (int oy = 0; oy < height; oy++) {
                            for (int q = 0; q < width; q++) {
                                y[dst + oy * width + q] = acc[oy * wq + q] + b;
                            }
                        }
                    }
                    if (act < 0) {
                        rest.finish(y, n, co, oz * height * width, height * width);
                    }
                }
            }
        });
    }
}
