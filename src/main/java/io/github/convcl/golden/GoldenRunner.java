// Runs golden cases on a runtime and judges them by the format's rules.
package io.github.convcl.golden;

import io.github.convcl.ConvCL;
import io.github.convcl.jvm.Reference;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Precision;
import java.util.Arrays;

/**
 * Judges one case on one runtime. A case with {@code expect_error} passes only when the runtime refuses it
 * with an IllegalArgumentException whose message contains that word (case-insensitive); any other case passes
 * when {@code max|y - expected| <= tolerance * max(1, max|expected|)}. Under TF32 precision each output may
 * also be off by {@link Precision#TF32_RELATIVE_BOUND} times the sum of its absolute products {@code sum|w*x|}.
 */
public final class GoldenRunner {
    private GoldenRunner() {
    }

    /** The verdict on one case. */
    public record Result(String name, boolean passed, String detail) {
    }

    public static Result run(GoldenCase c, ConvCL cl) {
        String word = c.expectError();
        try {
            ConvSpec spec = c.spec();
            Npy x = c.input();
            Npy w = c.weight();
            Npy b = c.bias();
            float[] y = spec.epilogue().isNone() ? runArrays(cl, spec, x, w, b) : runFused(cl, spec, c, x, w, b);
            Result grads = c.hasGradients() ? gradients(c, cl, spec, x, w) : null;
            if (word != null) {
                return new Result(c.name(), false, "expected an error containing '" + word + "', but it ran");
            }
            if (grads != null && !grads.passed()) {
                return grads;
            }
            Npy e = c.expected();
            if (!Arrays.equals(spec.outputShape(), e.shape())) {
                return new Result(c.name(), false, "output shape " + Arrays.toString(spec.outputShape()) + " != expected " + Arrays.toString(e.shape()));
            }
            if (cl.precision() == Precision.TF32 && !spec.precisionSet()) {
                return compareTf32(c.name(), y, e.data(), magnitude(spec, x, w), c.tolerance());
            }
            Result forward = compare(c.name(), y, e.data(), c.tolerance());
            return grads == null || !forward.passed() ? forward
                    : new Result(c.name(), true, forward.detail() + "; " + grads.detail());
        } catch (IllegalArgumentException ex) {
            String msg = String.valueOf(ex.getMessage());
            if (word != null && msg.toLowerCase(java.util.Locale.ROOT).contains(word.toLowerCase(java.util.Locale.ROOT))) {
                return new Result(c.name(), true, "refused: " + msg);
            }
            return new Result(c.name(), false, (word == null ? "unexpected error: " : "error without '" + word + "': ") + msg);
        } catch (Exception ex) {
            return new Result(c.name(), false, ex.getClass().getSimpleName() + ": " + ex.getMessage());
        }
    }

    /**
     * Runs a case (one that must run) with every plan the backend offers for it, bypassing the planner:
     * one result per plan, named "case [plan]".
     */
    public static java.util.List<Result> runEveryPlan(GoldenCase c, io.github.convcl.backend.Backend backend) {
        return runEveryPlan(c, backend, Precision.FP32);
    }

    /** {@link #runEveryPlan(GoldenCase, io.github.convcl.backend.Backend)} at a precision, judged by its rule. */
    public static java.util.List<Result> runEveryPlan(GoldenCase c, io.github.convcl.backend.Backend backend, Precision precision) {
        java.util.List<Result> results = new java.util.ArrayList<>();
        try {
            ConvSpec spec = c.spec().precisionSet() ? c.spec() : c.spec().withPrecision(precision);
            Npy x = c.input();
            Npy w = c.weight();
            Npy b = c.bias();
            Npy e = c.expected();
            Npy scale = c.epilogueArray("scale");
            Npy shift = c.epilogueArray("shift");
            Npy residual = c.epilogueArray("residual");
            requireShape("input", x.shape(), spec.inputShape());
            requireShape("weight", w.shape(), spec.weightShape());
            requireEpilogueShapes(spec, scale, shift, residual);
            double[] magnitude = spec.precision() == Precision.TF32 ? magnitude(spec, x, w) : null;
            for (io.github.convcl.plan.Plan p : backend.applicablePlans(spec)) {
                String name = c.name() + " [" + p + "]";
                try {
                    float[] y = backend.convolveArrays(spec, p, x.data(), w.data(), b == null ? null : b.data(), data(scale), data(shift),
                            data(residual));
                    results.add(magnitude == null ? compare(name, y, e.data(), c.tolerance())
                            : compareTf32(name, y, e.data(), magnitude, c.tolerance()));
                } catch (RuntimeException ex) {
                    results.add(new Result(name, false, ex.toString()));
                }
            }
            if (c.hasGradients()) {
                // each gradient with every plan of its pass (backward-data: the forward plans of its adjoint)
                float[] gy = c.gradOutput().data();
                for (io.github.convcl.spec.Pass pass : java.util.List.of(io.github.convcl.spec.Pass.BACKWARD_DATA, io.github.convcl.spec.Pass.BACKWARD_WEIGHT)) {
                    boolean data = pass == io.github.convcl.spec.Pass.BACKWARD_DATA;
                    Npy expected = c.expectedGradient(data ? "grad_input" : "grad_weight");
                    for (io.github.convcl.plan.Plan p : expected == null ? java.util.List.<io.github.convcl.plan.Plan>of() : backend.applicablePlans(spec, pass)) {
                        String name = c.name() + " [" + p + "]";
                        try {
                            float[] got = data ? gradInputArrays(backend, spec, p, gy, w.data()) : gradWeightArrays(backend, spec, p, x.data(), gy);
                            results.add(compare(name, got, expected.data(), c.tolerance()));
                        } catch (RuntimeException ex) {
                            results.add(new Result(name, false, ex.toString()));
                        }
                    }
                }
            }
        } catch (Exception ex) {
            results.add(new Result(c.name(), false, ex.getClass().getSimpleName() + ": " + ex.getMessage()));
        }
        return results;
    }

    /**
     * The case's three gradients through device tensors ({@link ConvCL#gradInput}, {@link ConvCL#gradWeight},
     * {@link ConvCL#gradBias}), each against its expected array by the format's rule: one result, the worst first.
     */
    static Result gradients(GoldenCase c, ConvCL cl, ConvSpec spec, Npy x, Npy w) throws java.io.IOException {
        Npy gy = c.gradOutput();
        try (io.github.convcl.Tensor tgy = cl.tensor(gy.data(), gy.shape()); io.github.convcl.Tensor tw = cl.tensor(w.data(), w.shape());
             io.github.convcl.Tensor tx = cl.tensor(x.data(), x.shape())) {
            java.util.List<Result> parts = new java.util.ArrayList<>();
            try (io.github.convcl.Tensor gx = cl.gradInput(spec, tgy, tw)) {
                parts.add(compareGradient(c, "grad_input", gx.toArray()));
            }
            try (io.github.convcl.Tensor gw = cl.gradWeight(spec, tx, tgy)) {
                parts.add(compareGradient(c, "grad_weight", gw.toArray()));
            }
            if (c.expectedGradient("grad_bias") != null) {
                try (io.github.convcl.Tensor gb = cl.gradBias(spec, tgy)) {
                    parts.add(compareGradient(c, "grad_bias", gb.toArray()));
                }
            }
            return combine(c.name(), parts);
        } catch (UnsupportedOperationException ex) {
            return new Result(c.name(), false, "gradients: " + ex.getMessage());
        }
    }

    private static Result compareGradient(GoldenCase c, String key, float[] actual) throws java.io.IOException {
        Npy expected = c.expectedGradient(key);
        if (expected == null) {
            return new Result(key, false, "the case has no " + key);
        }
        Result r = compare(key, actual, expected.data(), c.tolerance());
        return new Result(key, r.passed(), key + " " + r.detail());
    }

    private static Result combine(String name, java.util.List<Result> parts) {
        boolean ok = parts.stream().allMatch(Result::passed);
        String detail = String.join("; ", parts.stream().filter(p -> !ok || p.passed()).filter(p -> ok || !p.passed())
                .map(Result::detail).toList());
        return new Result(name, ok, detail);
    }

    /** grad_weight through {@code backend} with the backward-weight plan {@code plan}, from and to arrays. */
    public static float[] gradWeightArrays(io.github.convcl.backend.Backend backend, ConvSpec spec, io.github.convcl.plan.Plan plan, float[] x,
                                           float[] gy) {
        try (io.github.convcl.backend.DeviceBuffer bx = backend.allocate(x.length); io.github.convcl.backend.DeviceBuffer bgy = backend.allocate(gy.length);
             io.github.convcl.backend.DeviceBuffer bgw = backend.allocate(Math.max(1, spec.weightElements()))) {
            backend.write(bx, 0, java.nio.FloatBuffer.wrap(x));
            backend.write(bgy, 0, java.nio.FloatBuffer.wrap(gy));
            backend.gradWeight(spec, plan, bx, bgy, bgw, false);
            float[] gw = new float[Math.toIntExact(spec.weightElements())];
            backend.read(bgw, 0, java.nio.FloatBuffer.wrap(gw));
            return gw;
        }
    }

    /** grad_input through {@code backend} with the backward-data plan {@code plan}, from and to arrays. */
    public static float[] gradInputArrays(io.github.convcl.backend.Backend backend, ConvSpec spec, io.github.convcl.plan.Plan plan, float[] gy,
                                   float[] w) {
        try (io.github.convcl.backend.DeviceBuffer bgy = backend.allocate(gy.length); io.github.convcl.backend.DeviceBuffer bw = backend.allocate(w.length);
             io.github.convcl.backend.DeviceBuffer bgx = backend.allocate(spec.inputElements())) {
            backend.write(bgy, 0, java.nio.FloatBuffer.wrap(gy));
            backend.write(bw, 0, java.nio.FloatBuffer.wrap(w));
            backend.gradInput(spec, plan, bgy, bw, bgx, false);
            float[] gx = new float[Math.toIntExact(spec.inputElements())];
            backend.read(bgx, 0, java.nio.FloatBuffer.wrap(gx));
            return gx;
        }
    }

    private static float[] data(Npy a) {
        return a == null ? null : a.data();
    }

    /** The epilogue arrays' shapes: scale and shift [out channels], the residual the output's. */
    private static void requireEpilogueShapes(ConvSpec spec, Npy scale, Npy shift, Npy residual) {
        if (scale != null) requireShape("scale", scale.shape(), new int[] {spec.outChannels()});
        if (shift != null) requireShape("shift", shift.shape(), new int[] {spec.outChannels()});
        if (residual != null) requireShape("residual", residual.shape(), spec.outputShape());
    }

    /** A case with a fused epilogue through device tensors ({@link ConvCL#conv(ConvSpec, io.github.convcl.Tensor, io.github.convcl.Tensor, io.github.convcl.Tensor, io.github.convcl.EpilogueInputs)}). */
    static float[] runFused(ConvCL cl, ConvSpec spec, GoldenCase c, Npy x, Npy w, Npy b) throws java.io.IOException {
        requireShape("input", x.shape(), spec.inputShape());
        requireShape("weight", w.shape(), spec.weightShape());
        if (b != null) {
            requireShape("bias", b.shape(), spec.biasShape());
        }
        Npy scale = c.epilogueArray("scale");
        Npy shift = c.epilogueArray("shift");
        Npy residual = c.epilogueArray("residual");
        requireEpilogueShapes(spec, scale, shift, residual);
        try (io.github.convcl.Tensor tx = cl.tensor(x.data(), x.shape()); io.github.convcl.Tensor tw = cl.tensor(w.data(), w.shape());
             io.github.convcl.Tensor tb = b == null ? null : cl.tensor(b.data(), b.shape());
             io.github.convcl.Tensor ts = scale == null ? null : cl.tensor(scale.data(), scale.shape());
             io.github.convcl.Tensor tt = shift == null ? null : cl.tensor(shift.data(), shift.shape());
             io.github.convcl.Tensor tr = residual == null ? null : cl.tensor(residual.data(), residual.shape());
             io.github.convcl.Tensor y = cl.conv(spec, tx, tw, tb, new io.github.convcl.EpilogueInputs(ts, tt, tr))) {
            return y.toArray();
        }
    }

    /** Checks the array shapes against the spec, then runs it through device tensors. */
    static float[] runArrays(ConvCL cl, ConvSpec spec, Npy x, Npy w, Npy b) {
        requireShape("input", x.shape(), spec.inputShape());
        requireShape("weight", w.shape(), spec.weightShape());
        if (b != null) {
            requireShape("bias", b.shape(), spec.biasShape());
        }
        return cl.convolve(spec, x.data(), w.data(), b == null ? null : b.data());
    }

    private static void requireShape(String name, int[] actual, int[] expected) {
        if (!Arrays.equals(actual, expected)) {
            throw new IllegalArgumentException(name + " shape " + Arrays.toString(actual) + " does not match " + Arrays.toString(expected));
        }
    }

    /** The largest magnitude among the finite values (0 when none is). */
    public static double maxFiniteAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            if (Float.isFinite(v)) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }

    /** Per output, the sum of its absolute products {@code sum|w*x|}: the scale of TF32's rounding error. */
    public static double[] magnitude(ConvSpec spec, Npy x, Npy w) {
        return Reference.convolve(spec.withEpilogue(io.github.convcl.spec.Epilogue.NONE), abs(x.data()), abs(w.data()), null);
    }

    /** The absolute values of {@code a}, as a new array. */
    public static float[] abs(float[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = Math.abs(a[i]);
        }
        return r;
    }

    /**
     * The TF32 rule: {@code |y - expected| <= tolerance * max(1, max|expected|) + TF32_RELATIVE_BOUND * magnitude}
     * per output; the detail gives the worst error and the worst error relative to the magnitude.
     */
    public static Result compareTf32(String name, float[] y, float[] expected, double[] magnitude, double tolerance) {
        if (y.length != expected.length || magnitude.length != y.length) {
            return new Result(name, false, "length " + y.length + " != expected " + expected.length);
        }
        double base = tolerance * Math.max(1, maxFiniteAbs(expected));
        double worst = 0;
        double worstRelative = 0;
        int bad = -1;
        for (int i = 0; i < y.length; i++) {
            if (Float.compare(y[i], expected[i]) == 0) {
                continue;
            }
            double err = Math.abs((double) y[i] - expected[i]);
            if (Double.isNaN(err)) {
                err = Double.POSITIVE_INFINITY;
            }
            worst = Math.max(worst, err);
            if (magnitude[i] > 0) {
                worstRelative = Math.max(worstRelative, err / magnitude[i]);
            }
            if (err > base + Precision.TF32_RELATIVE_BOUND * magnitude[i] && bad < 0) {
                bad = i;
            }
        }
        boolean ok = bad < 0;
        return new Result(name, ok, String.format(java.util.Locale.ROOT, "tf32: max error %.3g, max error / sum|w*x| %.3g (limit %.3g + %.1g * sum|w*x|)%s",
                worst, worstRelative, base, Precision.TF32_RELATIVE_BOUND, ok ? "" : " at " + bad + ": " + y[bad] + " vs " + expected[bad]));
    }

    /** The format's tolerance rule, with the worst error in the detail. */
    public static Result compare(String name, float[] y, float[] expected, double tolerance) {
        return compareWithin(name, y, expected, tolerance * Math.max(1, maxFiniteAbs(expected)));
    }

    /** {@code y} against {@code expected}: every element within {@code limit} of it (or equal: NaN to NaN, infinities of one sign). */
    public static Result compareWithin(String name, float[] y, float[] expected, double limit) {
        if (y.length != expected.length) {
            return new Result(name, false, "length " + y.length + " != expected " + expected.length);
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < y.length; i++) {
            if (Float.compare(y[i], expected[i]) == 0) {
                continue; // equal, including NaN with NaN and infinities of one sign
            }
            double err = Math.abs((double) y[i] - expected[i]);
            if (Double.isNaN(err)) {
                err = Double.POSITIVE_INFINITY;
            }
            if (err > worst) {
                worst = err;
                at = i;
            }
        }
        boolean ok = worst <= limit;
        return new Result(name, ok, String.format(java.util.Locale.ROOT, "max error %.3g (limit %.3g)%s", worst, limit,
                ok || at < 0 ? "" : " at " + at + ": " + y[at] + " vs " + expected[at]));
    }
}
