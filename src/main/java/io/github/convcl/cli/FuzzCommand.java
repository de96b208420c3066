// convcl fuzz: random convolutions of every kind on every backend against the float64 reference.
package io.github.convcl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.convcl.ConvCL;
import io.github.convcl.golden.GoldenRunner;
import io.github.convcl.golden.GoldenSuite;
import io.github.convcl.golden.Npy;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.jvm.Reference;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Layout;
import io.github.convcl.spec.Padding;
import io.github.convcl.spec.PaddingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = {"Differential fuzzing: random valid convolutions (1D/2D/3D, transposed, grouped, depthwise with "
                + "multiplier, dilated, strided, padded, every padding mode, batch 0 to 4) on every available backend, or "
                + "those named, against the float64 reference.",
                "Prints the seed, then 'N passed, M failed'. Failing cases are written in the golden format to --out, "
                + "so that 'convcl verify DIR' replays them. Exit 1 if anything failed."})
final class FuzzCommand implements Callable<Integer> {
    @Option(names = "--cases", defaultValue = "500", description = "random layers to draw")
    int cases;

    @Option(names = "--seed", description = "random seed (default: time)")
    Long seed;

    @Option(names = {"-b", "--backend"}, paramLabel = "B", description = "repeatable; default every available backend")
    List<String> backends;

    @Option(names = "--out", defaultValue = "fuzz-failures", description = "where failing cases are written")
    Path out;

    @Option(names = "--max-flops", defaultValue = "3000000", description = "upper bound on each layer's FLOPs")
    long maxFlops;

    @Option(names = "--all-plans", description = "run each layer with every algorithm and tiling each backend offers, "
            + "not only the planner's choice")
    boolean allPlans;

    @Option(names = "--threads", split = ",", paramLabel = "N", description = "run the Java backend at each of these "
            + "thread counts (for example 1,2,3,8; its paths differ by thread count); default: its current count")
    List<Integer> threads;

    @Option(names = "--pass", defaultValue = "forward", description = "fused: the forward with a random epilogue (activation, "
            + "scale, shift, residual) into a channel slice of a larger output; forward (default) or backward: grad_input, grad_weight and "
            + "grad_bias against the float64 reference (with --all-plans, grad_input with every plan of its adjoint)")
    String pass;

    @Override
    public Integer call() throws Exception {
        if (!List.of("forward", "backward", "fused").contains(pass)) {
            throw new IllegalArgumentException("--pass=" + pass + " is not forward, backward or fused");
        }
        boolean backward = pass.equals("backward");
        boolean fused = pass.equals("fused");
        if (threads != null) {
            for (int t : threads) {
                if (t < 1 || t > 1024) {
                    throw new IllegalArgumentException("--threads=" + threads + ": each count must be from 1 to 1024");
                }
            }
        }
        if (cases < 1) {
            throw new IllegalArgumentException("--cases=" + cases + " must be at least 1");
        }
        if (maxFlops < RandomSpecs.MIN_FLOPS) {
            throw new IllegalArgumentException("--max-flops=" + maxFlops + " must be at least " + RandomSpecs.MIN_FLOPS
                    + " (the random layers' smallest useful size)");
        }
        long s = seed == null ? System.nanoTime() : seed;
        int threadsBefore = JavaBackend.threads();
        System.out.println("seed " + s);
        List<Runtimes.Target> targets = Runtimes.targets(backends);
        List<ConvCL> runtimes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int passed = 0;
        int failed = 0;
        try {
            for (Runtimes.Target t : targets) {
                if (t.candidate() == null) {
                    System.out.println("FAIL [" + t.name() + "] backend unavailable: " + t.unavailable());
                    failed++;
                } else {
                    runtimes.add(t.open());
                    names.add(t.name());
                }
            }
            RandomSpecs random = new RandomSpecs(s, maxFlops);
            for (int i = 0; i < cases; i++) {
                ConvSpec spec = random.next();
                Fused epi = fused ? Fused.draw(random, spec) : null;
                if (epi != null) {
                    spec = epi.spec();
                }
                float[] x = random.data(spec.inputElements());
                float[] w = random.data(spec.weightElements());
                float[] b = spec.hasBias() ? random.data(spec.outChannels()) : null;
                float[] gy = backward ? random.data(spec.outputElements()) : null;
                float[][] grads = backward ? new float[][] {Reference.toFloat(Reference.gradInput(spec, w, gy)),
                        Reference.toFloat(Reference.gradWeight(spec, x, gy)), Reference.toFloat(Reference.gradBias(spec, gy))} : null;
                float[] expected = epi == null ? Reference.toFloat(Reference.convolve(spec, x, w, b))
                        : Reference.toFloat(Reference.convolve(spec, x, w, b, epi.scale(), epi.shift(), epi.residual()));
                double fusedLimit = epi == null ? 0 : epi.limit(x, w, b, expected);
                String name = "fuzz_" + s + "_" + i;
                boolean written = false;
                for (int r = 0; r < runtimes.size(); r++) {
                    ConvCL cl = runtimes.get(r);
                    boolean onJava = cl.backendKind() == io.github.convcl.plan.BackendKind.JAVA;
                    // The Java backend at each forced thread count: its work split, and so its paths, differ by count.
                    for (Integer count : onJava && threads != null ? threads : java.util.Collections.<Integer>singletonList(null)) {
                        if (count != null) {
                            JavaBackend.setThreads(count);
                        }
                        String where = names.get(r) + (count == null ? "" : " " + JavaBackend.threadsText(count));
                        List<io.github.convcl.plan.Plan> plans = new java.util.ArrayList<>();
                        if (!allPlans) {
                            plans.add(null);
                        } else if (backward) {
                            plans.addAll(cl.backend().applicablePlans(spec, io.github.convcl.spec.Pass.BACKWARD_DATA));
                            plans.addAll(cl.backend().applicablePlans(spec, io.github.convcl.spec.Pass.BACKWARD_WEIGHT));
                        } else {
                            plans.addAll(cl.backend().applicablePlans(spec));
                        }
                        // and once more with input, output and residual channel-blocked where the backend holds them
                        boolean blocks = !backward && blockable(cl, spec);
                        for (int k = 0; k < plans.size() + (blocks ? 1 : 0); k++) {
                            boolean inBlocks = k == plans.size();
                            io.github.convcl.plan.Plan plan = inBlocks ? null : plans.get(k);
                            Layout layout = inBlocks ? Layout.NCHW16C : Layout.NCHW;
                            GoldenRunner.Result res = backward ? backward(cl, plan, name, spec, x, w, gy, grads)
                                    : epi != null ? epi.run(cl, plan, layout, name, x, w, b, expected, fusedLimit)
                                    : run(cl, plan, layout, name, spec, x, w, b, expected);
                            if (res.passed()) {
                                passed++;
                                continue;
                            }
                            failed++;
                            System.out.printf("FAIL %s [%s%s] %s: %s%n", name, where, plan == null ? inBlocks ? " " + layout : "" : " " + plan, spec,
                                    res.detail());
                            if (!written) {
                                write(name, spec, x, w, b, expected, epi);
                                written = true;
                            }
                        }
                    }
                }
            }
        } finally {
            runtimes.forEach(ConvCL::close);
            JavaBackend.setThreads(threadsBefore);
        }
        System.out.println(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    /** Whether {@code cl} holds channel-blocked tensors and the layer's input and output can be ones. */
    private static boolean blockable(ConvCL cl, ConvSpec s) {
        return cl.supports(Layout.NCHW16C) && s.inChannels() % Layout.BLOCK == 0 && s.outChannels() % Layout.BLOCK == 0;
    }

    /**
     * One run of a case: the planner's choice when {@code plan} is null; with {@link Layout#NCHW16C} the planner's choice
     * on channel-blocked input and output.
     */
    private static GoldenRunner.Result run(ConvCL cl, io.github.convcl.plan.Plan plan, Layout layout, String name, ConvSpec spec, float[] x,
                                           float[] w, float[] b, float[] expected) {
        try {
            float[] y;
            if (layout != Layout.NCHW) {
                try (io.github.convcl.Tensor tx = cl.empty(layout, spec.inputShape()); io.github.convcl.Tensor tw = cl.tensor(w, spec.weightShape());
                     io.github.convcl.Tensor tb = b == null ? null : cl.tensor(b, spec.outChannels());
                     io.github.convcl.Tensor ty = cl.empty(layout, spec.outputShape())) {
                    tx.write(x);
                    cl.conv(spec, tx, tw, tb, ty);
                    y = ty.toArray();
                }
            } else {
                y = plan == null ? cl.convolve(spec, x, w, b) : cl.backend().convolveArrays(spec, plan, x, w, b);
            }
            return GoldenRunner.compare(name, y, expected, io.github.convcl.golden.GoldenCase.DEFAULT_TOLERANCE);
        } catch (RuntimeException e) {
            return new GoldenRunner.Result(name, false, e.toString());
        }
    }

    /**
     * The three gradients of a case against the reference's, each by the golden rule: grad_input and grad_weight, the
     * one of {@code plan}'s pass with {@code plan} (both the planner's when null), then grad_bias.
     */
    private static GoldenRunner.Result backward(ConvCL cl, io.github.convcl.plan.Plan plan, String name, ConvSpec spec, float[] x,
                                                float[] w, float[] gy, float[][] expected) {
        try {
            float[] gx;
            float[] gw;
            float[] gb;
            try (io.github.convcl.Tensor tx = cl.tensor(x, spec.inputShape()); io.github.convcl.Tensor tw = cl.tensor(w, spec.weightShape());
                 io.github.convcl.Tensor tgy = cl.tensor(gy, spec.outputShape())) {
                if (plan == null || plan.pass() != io.github.convcl.spec.Pass.BACKWARD_DATA) {
                    try (io.github.convcl.Tensor t = cl.gradInput(spec, tgy, tw)) {
                        gx = t.toArray();
                    }
                } else {
                    gx = GoldenRunner.gradInputArrays(cl.backend(), spec, plan, gy, w);
                }
                if (plan == null || plan.pass() != io.github.convcl.spec.Pass.BACKWARD_WEIGHT) {
                    try (io.github.convcl.Tensor t = cl.gradWeight(spec, tx, tgy)) {
                        gw = t.toArray();
                    }
                } else {
                    gw = GoldenRunner.gradWeightArrays(cl.backend(), spec, plan, x, gy);
                }
                try (io.github.convcl.Tensor t = cl.gradBias(spec, tgy)) {
                    gb = t.toArray();
                }
            }
            double tol = io.github.convcl.golden.GoldenCase.DEFAULT_TOLERANCE;
            for (GoldenRunner.Result r : List.of(GoldenRunner.compare(name + " grad_input", gx, expected[0], tol),
                    GoldenRunner.compare(name + " grad_weight", gw, expected[1], tol), GoldenRunner.compare(name + " grad_bias", gb, expected[2], tol))) {
                if (!r.passed()) {
                    return new GoldenRunner.Result(r.name(), false, r.name() + ": " + r.detail());
                }
            }
            return new GoldenRunner.Result(name, true, "gradients within tolerance");
        } catch (RuntimeException e) {
            return new GoldenRunner.Result(name, false, e.toString());
        }
    }

    void write(String name, ConvSpec s, float[] x, float[] w, float[] b, float[] expected, Fused epi) throws java.io.IOException {
        java.nio.file.Files.createDirectories(out);
        Npy.write(out.resolve(name + ".input.npy"), s.inputShape(), x);
        Npy.write(out.resolve(name + ".weight.npy"), s.weightShape(), w);
        Npy.write(out.resolve(name + ".expected.npy"), s.outputShape(), expected);
        if (b != null) {
            Npy.write(out.resolve(name + ".bias.npy"), s.biasShape(), b);
        }
        ObjectNode c = toJson(name, s, b != null);
        if (epi != null) {
            // the golden-fused format: the epilogue's parts, its arrays beside the case's
            ObjectNode e = c.putObject("epilogue");
            e.put("activation", s.epilogue().activation().torchName());
            if (s.epilogue().activation() == io.github.convcl.spec.Activation.LEAKY_RELU) {
                e.put("negative_slope", s.epilogue().slope());
            }
            String[] parts = {"scale", "shift", "residual"};
            float[][] arrays = {epi.scale(), epi.shift(), epi.residual()};
            for (int i = 0; i < 3; i++) {
                if (arrays[i] != null) {
                    String file = name + ".epilogue." + parts[i] + ".npy";
                    Npy.write(out.resolve(file), i == 2 ? s.outputShape() : new int[] {s.outChannels()}, arrays[i]);
                    e.put(parts[i], file);
                }
            }
        }
        GoldenSuite.append(out, c);
    }

    /**
     * A random fused epilogue of a case (--pass fused): an activation, each part with probability 1/2, its arrays, and a
     * channel slice of a larger output that the planner's run writes into (a plan's run writes the dense output).
     */
    record Fused(ConvSpec spec, float[] scale, float[] shift, float[] residual, int before, int after) {
        static Fused draw(RandomSpecs r, ConvSpec bare) {
            java.util.Random pick = new java.util.Random(r.nextInt(Integer.MAX_VALUE));
            io.github.convcl.spec.Activation[] all = io.github.convcl.spec.Activation.values();
            io.github.convcl.spec.Activation a = all[pick.nextInt(all.length)];
            io.github.convcl.spec.Epilogue e = a == io.github.convcl.spec.Activation.LEAKY_RELU
                    ? io.github.convcl.spec.Epilogue.NONE.leakyRelu(pick.nextFloat()) : io.github.convcl.spec.Epilogue.of(a);
            e = e.affine(pick.nextBoolean(), pick.nextBoolean());
            if (pick.nextBoolean()) {
                e = e.residual();
            }
            ConvSpec s = bare.withEpilogue(e);
            return new Fused(s, e.hasScale() ? r.data(s.outChannels()) : null, e.hasShift() ? r.data(s.outChannels()) : null,
                    e.hasResidual() ? r.data(s.outputElements()) : null, pick.nextInt(3), pick.nextInt(3));
        }

        /**
         * The largest error a run may make: the golden rule (1e-4 of max(1, max |y|)) on the activation's argument
         * {@code z = conv * scale + shift + residual}, carried through the activation by its largest slope, and never
         * less than the rule on the output itself. The rule on the output alone would hold a squashing activation
         * (sigmoid, tanh) to a bound tighter than float32 can compute {@code z} to when the scale is large.
         */
        double limit(float[] x, float[] w, float[] b, float[] expected) {
            io.github.convcl.spec.Epilogue e = spec.epilogue();
            double[] z = Reference.convolve(spec.withEpilogue(e.activation(io.github.convcl.spec.Activation.IDENTITY)), x, w, b, scale, shift,
                    residual);
            double zMax = 1;
            for (double v : z) {
                if (Double.isFinite(v)) {
                    zMax = Math.max(zMax, Math.abs(v));
                }
            }
            double yMax = Math.max(1, GoldenRunner.maxFiniteAbs(expected));
            double tolerance = io.github.convcl.golden.GoldenCase.DEFAULT_TOLERANCE;
            return tolerance * Math.max(yMax, e.activation().maxSlope(e.slope()) * zMax);
        }

        /**
         * One run: {@code plan} (null: the planner's, into a channel slice of a larger tensor; with {@link Layout#NCHW16C}
         * input, residual and the larger tensor channel-blocked, the slice in whole blocks), within {@code limit}.
         */
        GoldenRunner.Result run(ConvCL cl, io.github.convcl.plan.Plan plan, Layout layout, String name, float[] x, float[] w, float[] b,
                                float[] expected, double limit) {
            try {
                if (plan != null) {
                    float[] y = cl.backend().convolveArrays(spec, plan, x, w, b, scale, shift, residual);
                    return GoldenRunner.compareWithin(name, y, expected, limit);
                }
                int unit = layout == Layout.NCHW ? 1 : Layout.BLOCK;
                int[] whole = spec.outputShape();
                whole[1] += (before + after) * unit;
                int[] ch = {spec.outChannels()};
                try (io.github.convcl.Tensor tx = cl.empty(layout, spec.inputShape()); io.github.convcl.Tensor tw = cl.tensor(w, spec.weightShape());
                     io.github.convcl.Tensor tb = b == null ? null : cl.tensor(b, ch);
                     io.github.convcl.Tensor ts = scale == null ? null : cl.tensor(scale, ch);
                     io.github.convcl.Tensor tt = shift == null ? null : cl.tensor(shift, ch);
                     io.github.convcl.Tensor tr = residual == null ? null : cl.empty(layout, spec.outputShape());
                     io.github.convcl.Tensor out = cl.empty(layout, whole)) {
                    tx.write(x);
                    if (tr != null) {
                        tr.write(residual);
                    }
                    io.github.convcl.Tensor slice = out.channels(before * unit, spec.outChannels());
                    cl.conv(spec, tx, tw, tb, new io.github.convcl.EpilogueInputs(ts, tt, tr), slice);
                    return GoldenRunner.compareWithin(name, slice.toArray(), expected, limit);
                }
            } catch (RuntimeException e) {
                return new GoldenRunner.Result(name, false, e.toString());
            }
        }
    }

    /** The spec as a golden case entry (format 1). */
    static ObjectNode toJson(String name, ConvSpec s, boolean bias) {
        ObjectNode c = GoldenSuite.json().createObjectNode();
        c.put("name", name);
        c.put("op", s.op());
        ints(c, "input_shape", s.inputShape());
        c.put("out_channels", s.outChannels());
        ints(c, "kernel_size", s.kernel());
        ints(c, "stride", s.stride());
        ints(c, "dilation", s.dilation());
        c.put("groups", s.groups());
        if (s.padding().kind() == Padding.Kind.EXPLICIT) {
            ints(c, "padding", s.padBefore());
        } else {
            c.put("padding", s.padding().kind().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (s.transposed()) {
            ints(c, "output_padding", s.outputPadding());
        }
        if (s.paddingMode() != PaddingMode.ZEROS) {
            c.put("padding_mode", s.paddingMode().torchName());
        }
        c.put("input", name + ".input.npy");
        c.put("weight", name + ".weight.npy");
        if (bias) {
            c.put("bias", name + ".bias.npy");
        } else {
            c.put("bias", false);
        }
        c.put("expected", name + ".expected.npy");
        ints(c, "output_shape", s.outputShape());
        return c;
    }

    private static void ints(ObjectNode c, String key, int[] v) {
        var a = c.putArray(key);
        for (int x : v) {
            a.add(x);
        }
    }
}
