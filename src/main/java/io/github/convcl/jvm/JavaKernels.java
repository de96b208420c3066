// The Java backend's dispatcher: runs a plan by handing it to the class of its algorithm.
package io.github.convcl.jvm;

import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.JavaDepthwise;
import io.github.convcl.plan.JavaDirect;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.ConvSpec;

/**
 * Runs a plan on NC(D)(H)W float arrays: one class per algorithm ({@link Im2colGemm}, {@link DirectGemm},
 * {@link Depthwise}, {@link JavaWinograd}, {@link TransposedGemm}, {@link TransposedDirect}) executes the plan it is
 * given and decides nothing. Work is split over tasks on {@link Parallel}'s pool; each worker reuses its
 * {@link Workspace}, so steady-state calls allocate nothing large.
 */
public final class JavaKernels {
    private JavaKernels() {
    }

    /** Runs {@code plan} (one the planner made for {@code s}) ; {@code bias} may be null. */
    public static void run(Plan plan, ConvSpec s, float[] x, float[] w, float[] bias, float[] y) {
        run(plan, s, x, w, bias, y, null);
    }

    /**
     * Runs {@code plan} with the epilogue arrays of {@code s} ({@code scale}, {@code shift}, {@code residual}: null where
     * the epilogue has no such part) into channels [first, first + out channels) of a {@code channels}-channel output.
     */
    public static void run(Plan plan, ConvSpec s, float[] x, float[] w, float[] bias, float[] scale, float[] shift, float[] residual,
                           int channels, int first, float[] y) {
        run(plan, s, x, w, bias, y, null, Store.of(s, scale, shift, residual, channels, first));
    }

    /** Runs {@code algorithm} for {@code s} with the variant the planner gives it on this process's threads now. */
    static void run(Algorithm algorithm, ConvSpec s, float[] x, float[] w, float[] bias, float[] y) {
        run(algorithm, s, x, w, bias, y, null);
    }

    /** As {@link #run(Algorithm, ConvSpec, float[], float[], float[], float[])}, reusing packed weights from {@code cache}. */
    static void run(Algorithm algorithm, ConvSpec s, float[] x, float[] w, float[] bias, float[] y, PackCache cache) {
        Plan plan = io.github.convcl.plan.Planner.requireApplicable(s, JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER),
                Plan.of(algorithm));
        run(plan, s, x, w, bias, y, cache);
    }

    /** As {@link #run(Plan, ConvSpec, float[], float[], float[], float[])}, reusing packed weights from {@code cache}. */
    static void run(Plan plan, ConvSpec s, float[] x, float[] w, float[] bias, float[] y, PackCache cache) {
        run(plan, s, x, w, bias, y, cache, Store.dense(s));
    }

    /** As {@link #run(Plan, ConvSpec, float[], float[], float[], float[], PackCache)}, storing through {@code st}. */
    static void run(Plan plan, ConvSpec s, float[] x, float[] w, float[] bias, float[] y, PackCache cache, Store st) {
        if (s.batch() == 0) {
            return;
        }
        Algorithm algorithm = plan.algorithm();
        switch (algorithm.family()) {
            case JAVA_IM2COL -> {
                if (algorithm == Algorithm.JAVA_POINTWISE_GEMM && io.github.convcl.plan.Planner.stridedPointwise(s)) {
                    Im2colGemm.run(denseOf(s), gathered(s, x), w, bias, y, true, cache, st);
                } else {
                    Im2colGemm.run(s, x, w, bias, y, algorithm == Algorithm.JAVA_POINTWISE_GEMM, cache, st);
                }
            }
            case JAVA_CHANNEL -> {
                if (io.github.convcl.plan.Planner.stridedPointwise(s)) {
                    ChannelGemm.run(denseOf(s), gathered(s, x), w, bias, y, cache, st);
                } else {
                    ChannelGemm.run(s, x, w, bias, y, cache, st);
                }
            }
            case JAVA_DEPTHWISE -> Depthwise.run(s, (JavaDepthwise) plan.variant(), x, w, bias, y, st);
            case JAVA_DIRECT -> DirectGemm.run(s, (JavaDirect) plan.variant(), x, w, bias, y, cache, st);
            case JAVA_TRANSPOSED_GEMM -> TransposedGemm.run(s, x, w, bias, y, cache, st);
            case JAVA_TRANSPOSED_DIRECT -> TransposedDirect.run(s, x, w, bias, y, cache, st);
            case JAVA_WINOGRAD -> {
                // Winograd's transforms spread one non-finite input over its whole tile (and make NaN of an infinity):
                // such inputs run the direct GEMM, which keeps them inside their receptive field.
                boolean channels = algorithm == Algorithm.JAVA_WINOGRAD_CHANNELS
                        || algorithm == Algorithm.JAVA_WINOGRAD_F2_CHANNELS;
                boolean ran = channels ? ChannelWinograd.run(s, algorithm.winogradTile(), x, w, bias, y, cache, st)
                        : JavaWinograd.run(s, algorithm.winogradTile(), x, w, bias, y, cache, st);
                if (!ran) {
                    DirectGemm.run(s, (JavaDirect) plan.variant(), x, w, bias, y, cache, st);
                }
            }
            default -> throw new IllegalStateException("not a Java algorithm: " + algorithm);
        }
    }

    /**
     * A strided pointwise layer's input at its strided positions, as planes of the output's size (in this thread's
     * workspace): the input of {@link #denseOf}, a stride-1 pointwise layer, which the pointwise and channel GEMMs run.
     */
    private static float[] gathered(ConvSpec s, float[] x) {
        float[] xs = Workspace.get(Workspace.Slot.GATHERED, (int) denseOf(s).inputElements());
        gatherStrided(s, x, xs);
        return xs;
    }

    /** The stride-1 pointwise layer of a strided one's gathered input: an input of the output's size, otherwise the same. */
    static ConvSpec denseOf(ConvSpec s) {
        int[] in = s.outputShape();
        in[1] = s.inChannels();
        int[] ones = new int[s.rank()];
        java.util.Arrays.fill(ones, 1);
        return s.toBuilder().input(in).stride(ones).dilation(ones).build();
    }

    /**
     * {@code xs[(n, c, o)] = x[(n, c, o * stride)]}: each input plane's positions at the output positions' strides, as
     * planes of the output's size (a 1x1 kernel without padding reads nothing else).
     */
    static void gatherStrided(ConvSpec s, float[] x, float[] xs) {
        int[] in = ConvSpec.to3d(s.inputSize(), 1);
        int[] out = ConvSpec.to3d(s.outputSize(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        int inVol = in[0] * in[1] * in[2];
        int outVol = out[0] * out[1] * out[2];
        Parallel.forEach(s.batch() * s.inChannels(), plane -> {
            int src = plane * inVol;
            int dst = plane * outVol;
            for (int oz = 0; oz < out[0]; oz++) {
                for (int oy = 0; oy < out[1]; oy++) {
                    int row = src + (oz * st[0] * in[1] + oy * st[1]) * in[2];
                    for (int ox = 0; ox < out[2]; ox++) {
                        xs[dst++] = x[row + ox * st[2]];
                    }
                }
            }
        });
    }

    /** Whether the first {@code n} floats of {@code a} hold no NaN and no infinity. */
    static boolean finite(float[] a, long n) {
        return finite(a, 0, (int) n);
    }

    /** Whether {@code a[from, from + n)} holds no NaN and no infinity. */
    static boolean finite(float[] a, int from, int n) {
        if (Gemm.VECTOR) {
            return VectorGemm.finite(a, from, n);
        }
        for (int i = from; i < from + n; i++) {
            if (!Float.isFinite(a[i])) {
                return false;
            }
        }
        return true;
    }
}
