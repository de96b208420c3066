// Where a Java convolution's outputs go and what happens to them there: the output's channel slice and the epilogue.
package io.github.convcl.jvm;

import io.github.convcl.spec.Activation;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;

/**
 * The store of one Java call. Output plane (n, co) of the spec lies at {@link #plane} in the destination array, which
 * holds {@code channels} channels per image of which the call writes {@code first ..}: a channel slice, so that
 * concatenated branches land in one tensor without a copy. {@link #finish} applies the spec's {@link Epilogue} to a
 * run of outputs the kernel has just completed, while they are still in the core's cache; with no epilogue it does
 * nothing. Every kernel finishes each output exactly once, after its last accumulation.
 */
final class Store {
    private final Epilogue epilogue;
    private final boolean active;
    private final int channels;
    private final int first;
    private final int cout;
    private final int outVol;
    private final float[] scale;
    private final float[] shift;
    private final float[] residual;

    private Store(ConvSpec s, float[] scale, float[] shift, float[] residual, int channels, int first) {
        this.epilogue = s.epilogue();
        this.active = !epilogue.isNone();
        this.cout = s.outChannels();
        int vol = 1;
        for (int d : s.outputSize()) {
            vol = Math.multiplyExact(vol, d);
        }
        this.outVol = vol;
        this.channels = channels;
        this.first = first;
        this.scale = scale;
        this.shift = shift;
        this.residual = residual;
    }

    /**
     * The epilogue for a GEMM's tiles to apply as they store the product whose row 0 is output channel {@code co}:
     * null where they do not (no epilogue, an activation other than identity, relu and relu6, or a residual, which the
     * pass adds: read in the tiles it slowed ResNet-50's residual layers, see docs/performance.md).
     */
    Gemm.Finish inRegisters(int co) {
        int act = registerActivation();
        return act < 0 ? null : new Gemm.Finish(epilogue.hasScale() ? scale : null, epilogue.hasShift() ? shift : null, co, act);
    }

    /**
     * Whether {@link #finishChannels} applies this epilogue: an identity, relu or relu6 activation without a residual
     * (whose values lie along positions, not channels), with the Vector API.
     */
    boolean alongChannels() {
        return Gemm.VECTOR && registerActivation() >= 0;
    }

    /**
     * The epilogue over one position's channels [co, co + len), {@code v[at ..]}, that hold conv sums to which
     * {@code bias} (null: none) is still to be added; afterwards they are final (see {@link #alongChannels}).
     */
    void finishChannels(float[] v, int at, int len, int co, float[] bias) {
        VectorGemm.epilogueChannels(v, at, len, bias, epilogue.hasScale() ? scale : null, epilogue.hasShift() ? shift : null, co,
                registerActivation());
    }

    /** The whole output of {@code s}, no epilogue arrays (the spec's epilogue must need none). */
    static Store dense(ConvSpec s) {
        return new Store(s, null, null, null, s.outChannels(), 0);
    }

    /** Channels [first, first + cout) of a {@code channels}-channel output; the arrays the epilogue of {@code s} reads. */
    static Store of(ConvSpec s, float[] scale, float[] shift, float[] residual, int channels, int first) {
        return new Store(s, scale, shift, residual, channels, first);
    }

    /** The residual the epilogue reads (null without one). */
    float[] residualArray() {
        return residual;
    }

    /**
     * The epilogue over one position of a channel-blocked output: {@code y[at, at + 16)} hold conv + bias of channels
     * [co, co + 16) at position {@code pos} of image n; the residual is read in the same layout.
     */
    void finishBlock(float[] y, int at, int n, int co, int pos) {
        if (!active) {
            return;
        }
        int r = (n * cout + co) * outVol + pos * 16;
        if (Gemm.VECTOR) {
            Activation f = epilogue.activation();
            int fused = clamp(f);
            VectorGemm.epilogueBlock(y, at, 16, epilogue.hasScale() ? scale : null, epilogue.hasShift() ? shift : null, co,
                    epilogue.hasResidual() ? residual : null, r, fused);
            if (fused == 0) {
                activate(f, epilogue.slope(), y, at, 16);
            }
            return;
        }
        for (int c = 0; c < 16; c++) {
            y[at + c] = finished(co + c, y[at + c], r + c);
        }
    }

    /**
     * A GEMM kernel's view of this store with the epilogue's scale folded into its packed weights and the shift into its
     * bias: {@code scale} (null: nothing to fold) multiplies output channel c's weights, {@code bias[c]} is
     * {@code fma(bias[c], scale[c], shift[c])}, and {@code store} applies what is left (activation, residual). By
     * linearity {@code conv(x, w * scale) + bias * scale + shift} is {@code (conv(x, w) + bias) * scale + shift} up to
     * rounding; without the multiply-add per output an identity epilogue costs nothing and relu one vector operation,
     * which is what oneDNN and ONNX Runtime get by folding a batch norm into the weights.
     */
    record Folded(float[] scale, float[] bias, Store store) {
    }

    /** This store as it is, with {@code bias}, for a kernel that does not fold it ({@link Folded} with no scale). */
    Folded unfolded(float[] bias) {
        return new Folded(null, bias, this);
    }

    /**
     * This store folded for a kernel that packs its weights ({@link Folded}); unchanged where the epilogue has neither
     * scale nor shift, where a scale is not finite (an infinite or NaN scale times a weight is not the scaled sum), or
     * where a finite bias times its scale plus a finite shift is not (the folded bias would overflow where the biased
     * sum times the scale need not).
     */
    Folded fold(float[] bias) {
        boolean sc = epilogue.hasScale();
        if (!sc && !epilogue.hasShift()) {
            return unfolded(bias);
        }
        float[] scales = sc ? java.util.Arrays.copyOf(scale, cout) : null;
        float[] folded = new float[cout];
        for (int c = 0; c < cout; c++) {
            float a = scaleOf(c);
            if (!Float.isFinite(a)) {
                return unfolded(bias);
            }
            folded[c] = bias == null ? shiftOf(c) : Math.fma(bias[c], a, shiftOf(c));
            if (foldOverflows(bias == null ? 0f : bias[c], a, shiftOf(c), folded[c])) {
                return unfolded(bias);
            }
        }
        return new Folded(scales, folded, new Store(this, epilogue.affine(false, false)));
    }

    /**
     * Whether {@code folded}, a bias folded into its scale and shift ({@code fma(bias, scale, shift)}), is not finite where
     * all three are: the folded bias overflows where the biased sum times the scale need not, so the kernel adds the bias
     * before the scale instead.
     */
    static boolean foldOverflows(float bias, float scale, float shift, float folded) {
        return !Float.isFinite(folded) && Float.isFinite(bias) && Float.isFinite(scale) && Float.isFinite(shift);
    }

    /** Weights packed by a kernel that folds this store, and the store they leave ({@link #foldInto}). */
    record Packed(float[] weights, Folded folded) {
    }

    /**
     * This store folded into a kernel's packed weights ({@link #fold}): {@code pack} gives the weights packed times a
     * scale (null: as they are), or null where a finite weight is not finite once scaled; the kernel then runs with this
     * store unfolded, as the scaled sum would overflow where the sum times the scale need not.
     */
    Packed foldInto(float[] bias, java.util.function.Function<float[], float[]> pack) {
        Folded f = fold(bias);
        float[] weights = pack.apply(f.scale());
        return weights != null ? new Packed(weights, f) : new Packed(pack.apply(null), unfolded(bias));
    }

    /**
     * Whether some finite weight of {@code w} ({@code per} consecutive weights an output channel) is not finite once
     * times its channel's scale: a kernel that folds the scale into its weights itself then leaves it to the pass.
     */
    boolean scaleOverflows(float[] w, int per) {
        return epilogue.hasScale() && Panels.overflows(w, cout, per, scale);
    }

    /**
     * Whether what is left of the epilogue is a relu alone (no scale, shift or residual, as after {@link #fold}): the
     * epilogue the GEMM tiles apply in their own stores.
     */
    boolean reluAlone() {
        return activationAlone() == 1;
    }

    /** Whether {@link #finish} changes anything (an epilogue other than none). */
    boolean active() {
        return active;
    }

    /** Whether the output is the spec's own dense tensor (not a channel slice of a larger one), epilogue or not. */
    boolean dense() {
        return first == 0 && channels == cout;
    }

    /** Whether this is the dense output of the spec with no epilogue: what the kernels' fast stores assume. */
    boolean plain() {
        return !active && dense();
    }

    /** The destination index of output plane (n, co): its position 0. */
    int plane(int n, int co) {
        return (n * channels + first + co) * outVol;
    }

    /** The epilogue of one output, position {@code pos} of plane (n, co), that holds conv + bias {@code v}. */
    float value(int n, int co, int pos, float v) {
        if (!active) {
            return v;
        }
        return finished(co, v, (n * cout + co) * outVol + pos);
    }

    /** The active epilogue of channel co's value {@code v} (conv + bias), its residual (if any) at {@code residual[r]}. */
    private float finished(int co, float v, int r) {
        float a = scaleOf(co);
        float b = shiftOf(co);
        float t = Gemm.VECTOR ? Math.fma(v, a, b) : v * a + b;
        if (epilogue.hasResidual()) t += residual[r];
        return epilogue.activation().apply(t, epilogue.slope());
    }

    /**
     * The activation of an epilogue that a kernel may apply itself before its store (0 none, 1 relu, 2 relu6), with
     * {@link #scaleOf} and {@link #shiftOf} (which a kernel may fold into its weights and bias: the same value up to
     * rounding); -1 where it cannot (no epilogue, a residual, or another activation), and the kernel calls {@link #finish}.
     */
    int registerActivation() {
        if (!active || epilogue.hasResidual()) {
            return -1;
        }
        return switch (epilogue.activation()) {
            case IDENTITY -> 0;
            case RELU -> 1;
            case RELU6 -> 2;
            default -> -1;
        };
    }

    /**
     * {@link #registerActivation} where nothing but the activation is left to apply (no scale or shift, as after
     * {@link #fold}): a kernel that applies it before its store has no other operation per output; else -1.
     */
    int activationAlone() {
        return epilogue.hasScale() || epilogue.hasShift() ? -1 : registerActivation();
    }

    /** Channel co's scale of the epilogue (1 without one). */
    float scaleOf(int co) {
        return epilogue.hasScale() ? scale[co] : 1f;
    }

    /** Channel co's shift of the epilogue (0 without one). */
    float shiftOf(int co) {
        return epilogue.hasShift() ? shift[co] : 0f;
    }

    /** This store's output layout without the epilogue: for values the epilogue has already finished. */
    Store placement() {
        return new Store(this, Epilogue.NONE);
    }

    private Store(Store s, Epilogue e) {
        this.epilogue = e;
        this.active = !e.isNone();
        this.cout = s.cout;
        this.outVol = s.outVol;
        this.channels = s.channels;
        this.first = s.first;
        this.scale = s.scale;
        this.shift = s.shift;
        this.residual = s.residual;
    }

    /** Whether the epilogue reads a residual (which {@link #finishValues} cannot apply: it has no output positions). */
    boolean readsResidual() {
        return epilogue.hasResidual();
    }

    /**
     * The epilogue without its residual over values of channel co that are not yet in the output: {@code v[at, at + len)}
     * hold conv results to which {@code bias} is still to be added; afterwards they are final and go to the output as
     * they are. For kernels that scatter their outputs (a transposed convolution's residue classes, Winograd's tiles).
     */
    void finishValues(float[] v, int at, int len, int co, float bias) {
        apply(v, at, len, co, bias, null, 0);
    }

    /** {@link #finish(float[], int, int, int, int)} for {@code rows} consecutive channels from {@code co}. */
    void finish(float[] y, int n, int co, int rows, int pos, int len) {
        if (active) {
            for (int m = 0; m < rows; m++) {
                finish(y, n, co + m, pos, len);
            }
        }
    }

    /** Applies the epilogue to positions [pos, pos + len) of output plane (n, co), which hold conv + bias. */
    void finish(float[] y, int n, int co, int pos, int len) {
        if (!active || len <= 0) {
            return;
        }
        apply(y, plane(n, co) + pos, len, co, 0f, epilogue.hasResidual() ? residual : null, (n * cout + co) * outVol + pos);
    }

    /**
     * {@code v[at, at + len)} of channel co become {@code act((v + bias) * scale + shift + res[r + i])} ({@code res} null:
     * no residual): one vector pass for relu and relu6, the other activations in a pass after it ({@link #activate}).
     */
    private void apply(float[] v, int at, int len, int co, float bias, float[] res, int r) {
        float a = scaleOf(co);
        float b = shiftOf(co);
        Activation f = epilogue.activation();
        int fused = clamp(f);
        if (Gemm.VECTOR) {
            VectorGemm.epilogue(v, at, len, a, bias == 0f ? b : Math.fma(bias, a, b), res, r, fused);
        } else {
            for (int i = 0; i < len; i++) {
                float t = (v[at + i] + bias) * a + b;
                v[at + i] = res == null ? t : t + res[r + i];
            }
            fused = 0;
        }
        if (fused == 0) {
            activate(f, epilogue.slope(), v, at, len);
        }
    }

    /** The code of the vector epilogues' clamp that applies {@code f}: 1 relu, 2 relu6, 0 none (another activation). */
    private static int clamp(Activation f) {
        return f == Activation.RELU ? 1 : f == Activation.RELU6 ? 2 : 0;
    }

    /** The activation in place over {@code y[at, at + len)}; the common ones as plain loops the JIT vectorises. */
    static void activate(Activation f, float slope, float[] y, int at, int len) {
        switch (f) {
            case IDENTITY -> { }
            case RELU -> {
                for (int i = at; i < at + len; i++) {
                    y[i] = y[i] > 0f ? y[i] : (y[i] == y[i] ? 0f : y[i]);
                }
            }
            case RELU6 -> {
                for (int i = at; i < at + len; i++) {
                    float v = y[i];
                    y[i] = v != v ? v : Math.min(Math.max(v, 0f), 6f);
                }
            }
            default -> {
                if (Gemm.VECTOR) {
                    VectorGemm.activate(f, slope, y, at, len);
                } else {
                    for (int i = at; i < at + len; i++) {
                        y[i] = f.apply(y[i], slope);
                    }
                }
            }
        }
    }
}
