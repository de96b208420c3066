// convcl tune: times every applicable plan per layer class on one OpenCL device and stores the fastest.
package io.github.convcl.cli;

import io.github.convcl.ConvCL;
import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.Reference;
import io.github.convcl.opencl.OpenClBackend;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.plan.TuningTable;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Pass;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tune", mixinStandardHelpOptions = true,
        description = {"Times every applicable algorithm and tile setting for each layer class (dense, pointwise, grouped, "
                + "depthwise, transposed) of a suite on one OpenCL device, and stores the fastest per class in the "
                + "per-user tuning file, keyed by device name and driver version.",
                "Each candidate's output is spot-checked against the float64 reference; one that disagrees is never chosen."})
final class TuneCommand implements Callable<Integer> {
    @CommandLine.Mixin
    SuiteOptions select;

    @Option(names = "--repeats", defaultValue = "5", description = "timed runs per candidate (median)")
    int repeats;

    @Option(names = "--file", description = "tuning file to update (default: the per-user file)")
    Path file;

    @Option(names = "--dry-run", description = "measure and print, write nothing")
    boolean dryRun;

    @Option(names = "--each", description = "print every candidate's time per layer (instead of a progress bar)")
    boolean each;

    @Option(names = "--pass", defaultValue = "forward", description = "forward (default), backward-data (grad_input: the "
            + "adjoint convolution's plans) or backward-weight (grad_weight); tuned plans of a backward pass are stored under "
            + "the class and layer keys with ':backward-data' or ':backward-weight' appended")
    String passName;

    @Option(names = "--max-seconds", paramLabel = "S", description = "start no further layer after S seconds (the first "
            + "layer always runs); what was measured is written, the layers left out are named")
    Double maxSeconds;

    /** A candidate slower than this many times the best so far on a layer is not timed further. */
    static final double GIVE_UP = 4.0;
    /**
     * A first run (kernel build included) longer than GIVE_UP times the best plus this is the candidate's only timing.
     * Generous: a build of the largest unrolled kernels may take seconds, and a fast candidate must never be judged by it.
     */
    static final double BUILD_ALLOWANCE_MS = 30_000;

    @Override
    public Integer call() throws Exception {
        List<Suite.Layer> layers = select.layers();
        Pass pass = Pass.parse(passName);
        try (ConvCL cl = select.open()) {
            if (!(cl.backend() instanceof OpenClBackend ocl)) {
                System.out.println("the Java backend has nothing to tune: its kernels take no tile parameters");
                return 0;
            }
            var base = ocl.facts();
            Map<String, Map<Plan, Double>> byClass = new LinkedHashMap<>();
            Map<String, Integer> layersPerClass = new LinkedHashMap<>();
            Map<String, Plan> defaults = new LinkedHashMap<>();
            Map<Suite.Layer, Map<Plan, Double>> perLayer = new LinkedHashMap<>();
            String key = TuningTable.key(ocl.clDevice().name(), ocl.clDevice().driverVersion());
            Path target = file != null ? file : io.github.convcl.config.Settings.fromSystem().tuningFile();
            long steps = layers.stream().mapToLong(l -> candidates(l.spec(), pass, base).size()).sum();
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("tune").setInitialMax(steps)
                    .setConsumer(each ? new DelegatingProgressBarConsumer(line -> { }) : new ConsoleProgressBarConsumer(System.err)).build()) {
                long start = System.nanoTime();
                for (Suite.Layer l : layers) {
                    if (maxSeconds != null && !perLayer.isEmpty() && (System.nanoTime() - start) / 1e9 > maxSeconds) {
                        List<String> left = layers.subList(layers.indexOf(l), layers.size()).stream().map(Suite.Layer::name).toList();
                        System.out.printf(Locale.ROOT, "time budget of %.0f s spent: not tuned %s%n", maxSeconds, String.join(", ", left));
                        break;
                    }
                    ConvSpec s = l.spec();
                    String cls = Planner.layerClass(s, pass);
                    defaults.putIfAbsent(cls, Planner.plan(s, pass, base));
                    layersPerClass.merge(cls, 1, Integer::sum);
                    Map<Plan, Double> times = byClass.computeIfAbsent(cls, c -> new LinkedHashMap<>());
                    Map<Plan, Double> layerTimes = timeLayer(ocl, l, pass, candidates(s, pass, base), bar);
                    perLayer.put(l, layerTimes);
                    // A plan must run every layer of its class: keep the intersection, summing times.
                    if (times.isEmpty() && layersPerClass.get(cls) == 1) {
                        times.putAll(layerTimes);
                    } else {
                        times.keySet().retainAll(layerTimes.keySet());
                        times.replaceAll((p, t) -> t + layerTimes.get(p));
                    }
                    if (!dryRun) {
                        // After every layer, so that a run cut short (a time limit, a crash) keeps what it measured.
                        TuningTable partial = TuningTable.read(target);
                        record(partial, key, pass, byClass, perLayer);
                        partial.write(target);
                    }
                }
            }
            TuningTable table = TuningTable.read(target);
            record(table, key, pass, byClass, perLayer);
            System.out.println("device: " + key);
            System.out.printf("%-11s %7s  %-34s %10s  %-34s %10s%n", "class", "layers", "best plan", "ms", "default plan", "ms");
            for (var e : byClass.entrySet()) {
                if (e.getValue().isEmpty()) {
                    continue;
                }
                Plan best = e.getValue().entrySet().stream().min(Map.Entry.comparingByValue()).get().getKey();
                Plan def = defaults.get(e.getKey());
                Double defMs = e.getValue().get(def);
                System.out.printf(Locale.ROOT, "%-11s %7d  %-34s %10.3f  %-34s %10s%n", e.getKey(), layersPerClass.get(e.getKey()), best,
                        e.getValue().get(best), def, defMs == null ? "n/a" : String.format(Locale.ROOT, "%.3f", defMs));
            }
            System.out.printf("%n%-14s %-44s %10s  %-44s %10s%n", "layer", "best plan (written for this layer)", "ms",
                    "its class's plan", "ms");
            for (var e : perLayer.entrySet()) {
                var best = e.getValue().entrySet().stream().min(Map.Entry.comparingByValue());
                if (best.isEmpty()) {
                    continue;
                }
                ConvSpec s = e.getKey().spec();
                Plan classPlan = table.plans(key).get(Planner.layerClass(s, pass));
                Double classMs = classPlan == null ? null : e.getValue().get(classPlan);
                System.out.printf(Locale.ROOT, "%-14s %-44s %10.3f  %-44s %10s%n", e.getKey().name(), best.get().getKey(),
                        best.get().getValue(), classPlan == null ? "" : classPlan,
                        classMs == null ? "n/a" : String.format(Locale.ROOT, "%.3f", classMs));
            }
            if (!dryRun) {
                // The file already holds this table: it was written after the last layer.
                ocl.tuned(table.plans(key));
                System.out.println("written to " + target);
            }
        }
        return 0;
    }

    /** Into table under device key: the fastest plan of each class (over all its layers) and of each layer. */
    private static void record(TuningTable table, String key, Pass pass, Map<String, Map<Plan, Double>> byClass,
                               Map<Suite.Layer, Map<Plan, Double>> perLayer) {
        byClass.forEach((cls, times) -> times.entrySet().stream().min(Map.Entry.comparingByValue())
                .ifPresent(best -> table.put(key, cls, best.getKey())));
        perLayer.forEach((layer, times) -> times.entrySet().stream().min(Map.Entry.comparingByValue())
                .ifPresent(best -> table.put(key, Planner.layerKey(layer.spec(), pass), best.getKey())));
    }

    /**
     * The plans worth timing: every applicable one with the planner's variant but the emulated inline-PTX kernels
     * (tensor cores and cp.async on a CPU device: a correctness aid only) and,
     * on GPUs, the CPU-shaped kernels (one work-item per work-group: they run there, slowly, and only cost tuning time).
     */
    static java.util.List<Plan> candidates(ConvSpec s, Pass pass, io.github.convcl.plan.DeviceFacts device) {
        boolean gpu = device.kind() == io.github.convcl.plan.BackendKind.OPENCL_GPU;
        return Planner.applicable(s, pass, device).stream()
                .filter(p -> !(p.algorithm().inlinePtx() && device.tensorCores() == io.github.convcl.plan.DeviceFacts.TensorCores.EMULATED))
                .filter(p -> !(gpu && cpuShaped(p)))
                // the tuning file keeps algorithm and tiles; the planner gives each its variant
                .filter(p -> p.equals(Planner.requireApplicable(s, pass, device, p.tiles())))
                .toList();
    }

    /** A CPU tile kernel, or a Winograd plan whose products run on one. */
    private static boolean cpuShaped(Plan p) {
        var a = p.algorithm().winogradTile() > 0 ? Planner.winogradProductAlgorithm(p) : p.algorithm();
        return a == io.github.convcl.plan.Algorithm.CL_CPU_TILE || a == io.github.convcl.plan.Algorithm.CL_CPU_TILE_TRANSPOSED
                || a == io.github.convcl.plan.Algorithm.CL_CPU_DEPTHWISE;
    }

    /** With --each, a candidate that failed (so that a GPU log shows kernels that do not build or compute wrong). */
    private void reportRejected(Suite.Layer l, Plan p, String why) {
        if (each) {
            System.out.printf(Locale.ROOT, "%-14s %-44s   rejected: %s%n", l.name(), p, why);
        }
    }

    private void report(Suite.Layer l, Plan p, double ms, boolean cutShort) {
        if (each) {
            System.out.printf(Locale.ROOT, "%-14s %-44s %10.3f ms%s%n", l.name(), p, ms, cutShort ? " (cut short)" : "");
        }
    }

    /** One candidate's run of the pass being tuned, on buffers prepared once per layer. */
    private interface Trial {
        void run(Plan p);
    }

    /**
     * Median milliseconds of each candidate that passes a spot check; slow ones are cut short. Forward candidates are
     * checked against the float64 reference at 16 outputs; a backward candidate against the planner's own plan for the
     * pass (which verify and fuzz check against the reference), all of its output.
     */
    private Map<Plan, Double> timeLayer(OpenClBackend b, Suite.Layer l, Pass pass, List<Plan> candidates, ProgressBar bar) {
        ConvSpec s = l.spec();
        RandomSpecs data = new RandomSpecs(l.name().hashCode(), 1);
        float[] x = data.data(s.inputElements());
        float[] w = data.data(s.weightElements());
        float[] bias = s.hasBias() && pass == Pass.FORWARD ? data.data(s.outChannels()) : null;
        float[] gy = pass == Pass.FORWARD ? null : data.data(s.outputElements());
        long outElements = switch (pass) {
            case FORWARD -> s.outputElements();
            case BACKWARD_DATA -> s.inputElements();
            case BACKWARD_WEIGHT -> s.weightElements();
        };
        Map<Plan, Double> result = new LinkedHashMap<>();
        double best = Double.MAX_VALUE;
        try (DeviceBuffer bx = b.allocate(x.length); DeviceBuffer bw = b.allocate(w.length);
             DeviceBuffer bb = bias == null ? null : b.allocate(bias.length); DeviceBuffer by = b.allocate(Math.max(1, outElements));
             DeviceBuffer bgy = gy == null ? null : b.allocate(gy.length)) {
            b.write(bx, 0, FloatBuffer.wrap(x));
            b.write(bw, 0, FloatBuffer.wrap(w));
            if (bb != null) {
                b.write(bb, 0, FloatBuffer.wrap(bias));
            }
            if (bgy != null) {
                b.write(bgy, 0, FloatBuffer.wrap(gy));
            }
            Trial trial = switch (pass) {
                case FORWARD -> p -> b.convolve(s, p, bx, bw, bb, by);
                case BACKWARD_DATA -> p -> b.gradInput(s, p, bgy, bw, by, false);
                case BACKWARD_WEIGHT -> p -> b.gradWeight(s, p, bx, bgy, by, false);
            };
            float[] expected = null;
            if (pass != Pass.FORWARD) {
                trial.run(Planner.plan(s, pass, b.facts()));
                expected = new float[Math.toIntExact(outElements)];
                b.read(by, 0, FloatBuffer.wrap(expected));
            }
            for (Plan p : candidates) {
                bar.setExtraMessage(l.name() + " " + p);
                try {
                    // A first run builds the kernels (seconds on some drivers) and gives the spot check; it is not a
                    // timing unless it took so long that no build explains it.
                    long w0 = System.nanoTime();
                    trial.run(p);
                    b.finish();
                    double warm = (System.nanoTime() - w0) / 1e6;
                    if (!(expected == null ? spotCheck(b, s, by, x, w, bias) : agrees(b, by, expected))) {
                        reportRejected(l, p, "wrong results in the spot check");
                        bar.step();
                        continue;
                    }
                    if (warm > GIVE_UP * best + BUILD_ALLOWANCE_MS) {
                        result.put(p, warm);
                        report(l, p, warm, true);
                        bar.step();
                        continue;
                    }
                    long t0 = System.nanoTime();
                    trial.run(p);
                    b.finish();
                    double first = (System.nanoTime() - t0) / 1e6;
                    double[] t = new double[first > GIVE_UP * best ? 1 : repeats];
                    t[0] = first;
                    for (int i = t.length == 1 ? 1 : 0; i < t.length; i++) {
                        long r0 = System.nanoTime();
                        trial.run(p);
                        b.finish();
                        t[i] = (System.nanoTime() - r0) / 1e6;
                    }
                    Arrays.sort(t);
                    double ms = t[t.length / 2];
                    result.put(p, ms);
                    report(l, p, ms, t.length == 1);
                    best = Math.min(best, ms);
                } catch (RuntimeException e) {
                    // a plan the device cannot run is simply not a candidate
                    reportRejected(l, p, String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
                }
                bar.step();
            }
        }
        return result;
    }

    /** Whether {@code by} holds {@code expected} by the golden rule, at ten times its tolerance (as {@link #spotCheck}). */
    private static boolean agrees(OpenClBackend b, DeviceBuffer by, float[] expected) {
        float[] y = new float[expected.length];
        b.read(by, 0, FloatBuffer.wrap(y));
        return io.github.convcl.golden.GoldenRunner.compare("", y, expected, 10 * io.github.convcl.golden.GoldenCase.DEFAULT_TOLERANCE).passed();
    }

    private static boolean spotCheck(OpenClBackend b, ConvSpec s, DeviceBuffer by, float[] x, float[] w, float[] bias) {
        float[] y = new float[Math.toIntExact(s.outputElements())];
        b.read(by, 0, FloatBuffer.wrap(y));
        Random pick = new Random(3);
        boolean tf32 = s.precision() == io.github.convcl.spec.Precision.TF32;
        float[] absX = tf32 ? io.github.convcl.golden.GoldenRunner.abs(x) : null;
        float[] absW = tf32 ? io.github.convcl.golden.GoldenRunner.abs(w) : null;
        for (int i = 0; i < 16 && y.length > 0; i++) {
            int idx = pick.nextInt(y.length);
            double ref = Reference.at(s, x, w, bias, idx);
            // TF32 plans may be off by the TF32 bound (Precision), FP32 ones by ten times the golden tolerance.
            double limit = 1e-4 * Math.max(1, Math.abs(ref)) * 10
                    + (tf32 ? io.github.convcl.spec.Precision.TF32_RELATIVE_BOUND * Reference.at(s, absX, absW, null, idx) : 0);
            if (!(Math.abs(ref - y[idx]) <= limit)) {
                return false;
            }
        }
        return true;
    }
}
