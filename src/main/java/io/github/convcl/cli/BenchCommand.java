// convcl bench: times the suite's layers on one backend, device-resident and end to end, against a reference.
package io.github.convcl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.golden.GoldenSuite;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.CpuInfo;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.jvm.JavaBench;
import io.github.convcl.jvm.Reference;
import io.github.convcl.opencl.OpenClBackend;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Precision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Times every layer of a benchmark suite: median of device-resident runs after warm-up, GFLOP/s, "
                + "percent of peak and the algorithm, plus the end-to-end time from and to Java arrays.",
                "Each layer's result is first checked against the float64 reference on a sample of outputs."})
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Mixin
    SuiteOptions select;

    @Option(names = "--compare", paramLabel = "ANCHOR.json", description = "an anchor's timings measured in the same run "
            + "(bench_torch.py, bench_onednn.py, OrtBench.java); repeatable: each layer is compared with the fastest of them")
    List<Path> compare;

    @Option(names = "--json", paramLabel = "OUT", description = "write the results as JSON")
    Path jsonOut;

    @Option(names = "--chart", paramLabel = "OUT.png", description = "draw a bar chart of GFLOP/s per layer")
    Path chart;

    @Option(names = "--markdown", paramLabel = "OUT.md", description = "write the table (and the geometric means) as Markdown")
    Path markdown;

    @Option(names = "--repeats", defaultValue = "20", description = "timed runs per layer (median)")
    int repeats;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed runs per layer first")
    int warmup;

    @Option(names = "--warmup-ms", defaultValue = "1000", description = "keep warming up each layer until this much time has "
            + "passed (the first layer at least 3000 ms, while the JIT compiles the kernels), then until a window of 5 "
            + "runs is not 3%% faster than the best before it and the JIT has compiled nothing for a second")
    int warmupMs;

    /** How long the core check runs before and after the layers. */
    static final long CORE_CHECK_MS = 1000;
    private double coreCheckBefore;
    private double coreCheckAfter;
    /** The FMA units' rate alone at the same moments (JavaBench.fmaCheckGflops): the core check's reference. */
    private double fmaCheckBefore;
    private double fmaCheckAfter;
    /** The core check's rate where the percent column is against it (it beat the nominal peak), else 0. */
    private double javaPeakUsed;

    /** Warm-up of the first layer timed: long enough for C2 to compile the first kernels (a second is not). */
    static final int FIRST_LAYER_WARMUP_MS = 3000;

    @Option(names = "--threads", paramLabel = "N", description = "threads of the Java backend (and of the core check), as "
            + "convcl.threads or CONVCL_THREADS do; default: those, else one per core")
    Integer threads;

    @Option(names = "--samples", defaultValue = "64", description = "outputs checked against the float64 reference per layer")
    int samples;

    @Option(names = "--pass", defaultValue = "forward", description = "forward (default), backward-data (grad_input) or "
            + "backward-weight (grad_weight), each from the same grad_output as bench_torch.py --pass")
    String pass;

    @Option(names = "--epilogue", paramLabel = "E[,E...]", description = "time each layer bare and with the fused epilogue "
            + "E (for example scale+shift+residual+relu, or relu6; several, comma-separated, run in one JVM) side by side, in "
            + "alternating rounds, and print fused / bare per layer (the median of the rounds' ratios) with the geometric "
            + "mean and the worst")
    String epilogue;

    @Option(names = "--layout", paramLabel = "L", defaultValue = "NCHW", description = "NCHW (default) or NCHW16C: the "
            + "layout of each layer's input, output and residual tensors (NCHW16C where the channels are a multiple of 16, "
            + "else NCHW), forward pass only; the Java backend holds NCHW16C, as oneDNN's blocked anchor holds nChw16c")
    io.github.convcl.spec.Layout layout;

    /**
     * Alternating rounds of bare and fused timing per layer with --epilogue. The ratio is the median of the rounds' own
     * ratios: a slow stretch of the machine then moves both sides of a round alike, where the ratio of each side's best
     * round moved by as much as the stretch (2-5% per layer on a shared 2-core VM).
     */
    private static final int EPILOGUE_ROUNDS = 9;

    /** The most FLOPs of a backward pass checked whole against the float64 reference (which has no per-element form). */
    static final double BACKWARD_CHECK_MAX_FLOPS = 5e8;

    record Row(String name, ConvSpec spec, String algorithm, String microKernel, double ms, double endToEndMs, double gflops, Double percentOfPeak,
               Double referenceMs, boolean checked, String check) {
    }

    @Override
    public Integer call() throws Exception {
        if (repeats < 1 || warmup < 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--repeats must be >= 1 and --warmup >= 0");
        }
        if (!java.util.List.of("forward", "backward-data", "backward-weight").contains(pass)) {
            throw new IllegalArgumentException("--pass=" + pass + " is not forward, backward-data or backward-weight");
        }
        if (layout != io.github.convcl.spec.Layout.NCHW && !pass.equals("forward")) {
            throw new IllegalArgumentException("--layout " + layout + " applies to the forward pass; --pass=" + pass + " runs NCHW");
        }
        int threadsBefore = JavaBackend.threads();
        if (threads != null) {
            JavaBackend.setThreads(threads); // a count out of range is refused here, before any layer runs
        }
        try {
            return epilogue != null ? benchEpilogue(epilogue) : bench();
        } finally {
            JavaBackend.setThreads(threadsBefore);
        }
    }

    private int bench() throws Exception {
        List<Suite.Layer> layers = select.layers();
        JsonNode reference = compare == null || compare.isEmpty() ? null : Anchors.fastest(compare);
        List<Row> rows = new ArrayList<>();
        boolean failed = false;
        try (ConvCL cl = select.open()) {
            requireLayout(cl);
            OpenClBackend openCl = cl.backend() instanceof OpenClBackend o ? o : null;
            boolean onJava = openCl == null;
            OptionalDouble peak = onJava ? CpuInfo.read().peakGflops(JavaBackend.threads()) : openCl.clDevice().peakGflops();
            System.out.println("backend: " + cl.backendKind().id() + " on " + cl.device() + (peak.isPresent()
                    ? String.format(Locale.ROOT, ", FP32 peak %.1f GFLOP/s", peak.getAsDouble()) + (onJava ? " (nominal)" : "") : "")
                    + layoutText());
            coreCheckBefore = io.github.convcl.jvm.JavaBench.coreCheckGflops(CORE_CHECK_MS);
            fmaCheckBefore = io.github.convcl.jvm.JavaBench.fmaCheckGflops(CORE_CHECK_MS);
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("bench").setInitialMax(layers.size())
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
                boolean first = true;
                for (Suite.Layer l : layers) {
                    bar.setExtraMessage(l.name());
                    Row r = run(cl, l, peak, reference, first && warmupMs > 0 ? Math.max(warmupMs, FIRST_LAYER_WARMUP_MS) : warmupMs);
                    first = false;
                    failed |= !r.checked();
                    rows.add(r);
                    bar.step();
                }
            }
            coreCheckAfter = io.github.convcl.jvm.JavaBench.coreCheckGflops(CORE_CHECK_MS);
            fmaCheckAfter = io.github.convcl.jvm.JavaBench.fmaCheckGflops(CORE_CHECK_MS);
            if (onJava) {
                // the percent column against the measured tile where it beats the nominal peak
                OptionalDouble measured = javaPeak(peak, Math.max(coreCheckBefore, coreCheckAfter));
                if (measured.isPresent() && !measured.equals(peak)) {
                    javaPeakUsed = measured.getAsDouble();
                    rows.replaceAll(r -> new Row(r.name(), r.spec(), r.algorithm(), r.microKernel(), r.ms(), r.endToEndMs(), r.gflops(),
                            100 * r.gflops() / javaPeakUsed, r.referenceMs(), r.checked(), r.check()));
                }
            }
            print(rows, reference);
            if (jsonOut != null) {
                writeJson(cl, rows, reference);
            }
            if (chart != null) {
                drawChart(cl, rows, reference);
            }
            if (markdown != null) {
                java.nio.file.Files.writeString(markdown, markdown(cl, rows, reference));
            }
        }
        return failed ? 1 : 0;
    }

    /**
     * Each layer bare and with each epilogue of {@code list} (comma-separated), device-resident, in
     * {@link #EPILOGUE_ROUNDS} alternating rounds of --repeats runs per side (the machine's drift hits every side of a
     * round alike); each fused result is checked against the float64 reference first. Several epilogues run in one
     * JVM as a network's layers do, so a kernel that compiles worse once it has seen more than one shows it.
     */
    private int benchEpilogue(String list) throws java.io.IOException {
        if (!pass.equals("forward")) {
            throw new IllegalArgumentException("--epilogue times the forward pass; --pass=" + pass + " has none");
        }
        List<io.github.convcl.spec.Epilogue> epilogues = new ArrayList<>();
        for (String text : list.split(",")) {
            epilogues.add(io.github.convcl.spec.Epilogue.parse(text.trim()));
        }
        int k = epilogues.size();
        boolean failed = false;
        List<List<Double>> ratios = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            ratios.add(new ArrayList<>());
        }
        try (ConvCL cl = select.open()) {
            requireLayout(cl);
            System.out.println("backend: " + cl.backendKind().id() + " on " + cl.device() + layoutText() + "; epilogue " + list);
            if (k == 1) {
                System.out.printf(Locale.ROOT, "%-16s %10s %10s %8s  %s%n", "layer", "bare ms", "fused ms", "ratio", "plan (fused)");
            } else {
                StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-16s %10s", "layer", "bare ms"));
                epilogues.forEach(e -> head.append(String.format(Locale.ROOT, "  %" + Math.max(8, e.toString().length()) + "s", e)));
                System.out.println(head + "  plan (last)");
            }
            for (Suite.Layer l : select.layers()) {
                ConvSpec bare = l.spec();
                RandomSpecs data = new RandomSpecs(l.name().hashCode(), 1);
                float[] x = data.data(bare.inputElements());
                float[] w = data.data(bare.weightElements());
                float[] b = bare.hasBias() ? data.data(bare.outChannels()) : null;
                float[] sc = data.data(bare.outChannels());
                float[] sh = data.data(bare.outChannels());
                boolean anyResidual = epilogues.stream().anyMatch(io.github.convcl.spec.Epilogue::hasResidual);
                float[] res = anyResidual ? data.data(bare.outputElements()) : null;
                int[] ch = {bare.outChannels()};
                try (Tensor tx = laidOut(cl, x, bare.inputShape()); Tensor tw = cl.tensor(w, bare.weightShape());
                     Tensor tb = b == null ? null : cl.tensor(b, bare.biasShape()); Tensor ty = laidOut(cl, null, bare.outputShape());
                     Tensor ts = cl.tensor(sc, ch); Tensor tt = cl.tensor(sh, ch);
                     Tensor tr = res == null ? null : laidOut(cl, res, bare.outputShape())) {
                    List<Runnable> runs = new ArrayList<>();
                    runs.add(() -> {
                        cl.conv(bare, tx, tw, tb, ty);
                        cl.finish();
                    });
                    StringBuilder failures = new StringBuilder();
                    for (io.github.convcl.spec.Epilogue e : epilogues) {
                        ConvSpec fused = bare.withEpilogue(e);
                        io.github.convcl.EpilogueInputs in = new io.github.convcl.EpilogueInputs(e.hasScale() ? ts : null,
                                e.hasShift() ? tt : null, e.hasResidual() ? tr : null);
                        cl.conv(fused, tx, tw, tb, in, ty);
                        double[] ref = Reference.convolve(fused, x, w, b, e.hasScale() ? sc : null, e.hasShift() ? sh : null,
                                e.hasResidual() ? res : null);
                        io.github.convcl.golden.GoldenRunner.Result check = io.github.convcl.golden.GoldenRunner.compare(l.name(),
                                ty.toArray(), Reference.toFloat(ref), 1e-4);
                        if (!check.passed()) {
                            failed = true;
                            failures.append("  FAIL ").append(e).append(": ").append(check.detail());
                        }
                        runs.add(() -> {
                            cl.conv(fused, tx, tw, tb, in, ty);
                            cl.finish();
                        });
                    }
                    for (Runnable run : runs) {
                        warmUp(run, warmup, warmupMs / (k + 1));
                    }
                    double[] best = new double[k + 1];
                    java.util.Arrays.fill(best, Double.MAX_VALUE);
                    double[][] roundRatios = new double[k][EPILOGUE_ROUNDS];
                    for (int round = 0; round < EPILOGUE_ROUNDS; round++) {
                        double bareRound = medianOf(runs.get(0));
                        best[0] = Math.min(best[0], bareRound);
                        for (int i = 0; i < k; i++) {
                            double fusedRound = medianOf(runs.get(i + 1));
                            roundRatios[i][round] = fusedRound / bareRound;
                            best[i + 1] = Math.min(best[i + 1], fusedRound);
                        }
                    }
                    double[] ratio = new double[k];
                    for (int i = 0; i < k; i++) {
                        java.util.Arrays.sort(roundRatios[i]);
                        ratio[i] = roundRatios[i][EPILOGUE_ROUNDS / 2];
                        ratios.get(i).add(ratio[i]);
                    }
                    String plan = cl.plan(bare.withEpilogue(epilogues.get(k - 1))).toString();
                    if (k == 1) {
                        System.out.printf(Locale.ROOT, "%-16s %10.3f %10.3f %8.3f  %s%s%n", l.name(), best[0], best[1], ratio[0], plan, failures);
                    } else {
                        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-16s %10.3f", l.name(), best[0]));
                        for (int i = 0; i < k; i++) {
                            row.append(String.format(Locale.ROOT, "  %" + Math.max(8, epilogues.get(i).toString().length()) + ".3f", ratio[i]));
                        }
                        System.out.println(row + "  " + plan + failures);
                    }
                }
            }
        }
        for (int i = 0; i < k; i++) {
            List<Double> r = ratios.get(i);
            double geo = Math.exp(r.stream().mapToDouble(Math::log).average().orElse(0));
            System.out.printf(Locale.ROOT, "%s / bare over %d layers: geometric mean %.3f, worst %.3f%n", k == 1 ? "fused" : epilogues.get(i),
                    r.size(), geo, r.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        }
        return failed ? 1 : 0;
    }

    /** The median of --repeats runs of {@code run}, in milliseconds. */
    private double medianOf(Runnable run) {
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            run.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        return median(t);
    }

    /**
     * The Java backend's peak for the percent column: the nominal one (cores x clock x FMA width, the clock from
     * /proc/cpuinfo), or the core check's measured rate (the faster of before and after the layers) where that is
     * higher (a VM's /proc/cpuinfo gives the base clock, and the cores run faster), so that no direct layer shows more
     * than the tile itself does on L1 data.
     */
    static OptionalDouble javaPeak(OptionalDouble nominal, double coreCheck) {
        if (coreCheck > 0 && (nominal.isEmpty() || coreCheck > nominal.getAsDouble())) {
            return OptionalDouble.of(coreCheck);
        }
        return nominal;
    }

    /** Refuses --layout where the backend does not hold it, before any layer runs. */
    private void requireLayout(ConvCL cl) {
        if (!cl.supports(layout)) {
            throw new IllegalArgumentException("--layout " + layout + " is not held by the " + cl.backendKind().id()
                    + " backend; it holds NCHW");
        }
    }

    private String layoutText() {
        return layout == io.github.convcl.spec.Layout.NCHW ? "" : "; tensors in " + layout + " where the channels allow";
    }

    /** A tensor of {@code shape} in --layout where it can hold the shape (else NCHW), holding {@code values} unless null. */
    private Tensor laidOut(ConvCL cl, float[] values, int[] shape) {
        Tensor t = cl.empty(io.github.convcl.nn.Network.layoutFor(layout, shape), shape);
        if (values != null) {
            t.write(values);
        }
        return t;
    }

    /**
     * The kernel that ran: the plan, or with --layout NCHW16C the channel-blocked kernel where input and output are both
     * blocked and one applies, else the plan on operands reordered to NCHW and back.
     */
    private String algorithmText(ConvCL cl, ConvSpec s, io.github.convcl.plan.Plan plan) {
        if (layout == io.github.convcl.spec.Layout.NCHW) {
            return plan.toString();
        }
        boolean blocked = io.github.convcl.nn.Network.layoutFor(layout, s.inputShape()) == layout
                && io.github.convcl.nn.Network.layoutFor(layout, s.outputShape()) == layout;
        io.github.convcl.plan.BlockedKernel k = blocked ? io.github.convcl.plan.Planner.javaBlocked(s, cl.backend().facts())
                : io.github.convcl.plan.BlockedKernel.REORDER;
        return k == io.github.convcl.plan.BlockedKernel.REORDER ? plan + " (reordered)"
                : "blocked " + k.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private Row run(ConvCL cl, Suite.Layer l, OptionalDouble peak, JsonNode reference, int warmupMillis) {
        if (!pass.equals("forward")) {
            return runBackward(cl, l, peak, reference, warmupMillis);
        }
        ConvSpec s = l.spec();
        RandomSpecs data = new RandomSpecs(l.name().hashCode(), 1);
        float[] x = data.data(s.inputElements());
        float[] w = data.data(s.weightElements());
        float[] b = s.hasBias() ? data.data(s.outChannels()) : null;
        double ms;
        String check;
        boolean ok;
        try (Tensor tx = laidOut(cl, x, s.inputShape()); Tensor tw = cl.tensor(w, s.weightShape());
             Tensor tb = b == null ? null : cl.tensor(b, s.biasShape()); Tensor ty = laidOut(cl, null, s.outputShape())) {
            cl.conv(s, tx, tw, tb, ty);
            cl.finish();
            float[] y = ty.toArray();
            boolean tf32 = s.precision() == Precision.TF32;
            float[] absX = tf32 ? io.github.convcl.golden.GoldenRunner.abs(x) : null;
            float[] absW = tf32 ? io.github.convcl.golden.GoldenRunner.abs(w) : null;
            double worst = 0;
            double scale = 1;
            double tf32Excess = 0;
            Random pick = new Random(1);
            for (int i = 0; i < samples && y.length > 0; i++) {
                long idx = (long) (pick.nextDouble() * y.length);
                double ref = Reference.at(s, x, w, b, idx);
                double err = Math.abs(ref - y[(int) idx]);
                worst = Math.max(worst, err);
                scale = Math.max(scale, Math.abs(ref));
                if (tf32) {
                    tf32Excess = Math.max(tf32Excess, err - Precision.TF32_RELATIVE_BOUND * Reference.at(s, absX, absW, null, idx));
                }
            }
            ok = tf32 ? tf32Excess <= 1e-4 * scale : worst <= 1e-4 * scale;
            check = String.format(Locale.ROOT, "%s (%d samples, max error %.2g%s)", ok ? "ok" : "FAIL", samples, worst,
                    tf32 ? ", tf32 bound" : "");
            warmUp(() -> {
                cl.conv(s, tx, tw, tb, ty);
                cl.finish();
            }, warmup, warmupMillis);
            double[] t = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                cl.conv(s, tx, tw, tb, ty);
                cl.finish();
                t[i] = (System.nanoTime() - t0) / 1e6;
            }
            ms = median(t);
        }
        // Warmed up as the device-resident runs are: the first calls from arrays take the JIT's and the heap's warm-up.
        warmUp(() -> cl.convolve(s, x, w, b), warmup, warmupMillis / 2);
        int e2eRuns = Math.max(5, Math.min(repeats, 10));
        double[] e2e = new double[e2eRuns];
        for (int i = 0; i < e2eRuns; i++) {
            long t0 = System.nanoTime();
            cl.convolve(s, x, w, b);
            e2e[i] = (System.nanoTime() - t0) / 1e6;
        }
        double gflops = s.flops() / ms / 1e6;
        Double ref = null;
        if (reference != null && reference.path("layers").has(l.name())) {
            ref = reference.path("layers").path(l.name()).path("ms").asDouble();
        }
        io.github.convcl.plan.Plan plan = cl.plan(s);
        return new Row(l.name(), s, algorithmText(cl, s, plan), plan.algorithm().microKernel(), ms, median(e2e), gflops,
                peak.isPresent() ? 100 * gflops / peak.getAsDouble() : null, ref, ok, check);
    }

    /**
     * One backward pass of a layer, device-resident: grad_input from grad_output and the weights, or grad_weight from the
     * input and grad_output; the same FLOPs as the forward. Checked whole against the float64 reference up to
     * {@link #BACKWARD_CHECK_MAX_FLOPS}.
     */
    private Row runBackward(ConvCL cl, Suite.Layer l, OptionalDouble peak, JsonNode reference, int warmupMillis) {
        ConvSpec s = l.spec();
        boolean data = pass.equals("backward-data");
        RandomSpecs r = new RandomSpecs(l.name().hashCode(), 1);
        float[] x = r.data(s.inputElements());
        float[] w = r.data(s.weightElements());
        float[] gy = r.data(s.outputElements());
        double ms;
        String check;
        boolean ok;
        try (Tensor tx = cl.tensor(x, s.inputShape()); Tensor tw = cl.tensor(w, s.weightShape()); Tensor tgy = cl.tensor(gy, s.outputShape());
             Tensor out = data ? cl.empty(s.inputShape()) : cl.empty(s.weightShape())) {
            Runnable op = data ? () -> cl.gradInput(s, tgy, tw, out, false) : () -> cl.gradWeight(s, tx, tgy, out, false);
            op.run();
            cl.finish();
            if (s.flops() <= BACKWARD_CHECK_MAX_FLOPS) {
                float[] expected = Reference.toFloat(data ? Reference.gradInput(s, w, gy) : Reference.gradWeight(s, x, gy));
                io.github.convcl.golden.GoldenRunner.Result res = io.github.convcl.golden.GoldenRunner.compare(l.name(), out.toArray(), expected,
                        io.github.convcl.golden.GoldenCase.DEFAULT_TOLERANCE);
                ok = res.passed();
                check = (ok ? "ok (" : "FAIL (") + res.detail() + ")";
            } else {
                ok = true;
                check = "not checked (" + String.format(Locale.ROOT, "%.1f", s.flops() / 1e9) + " GFLOP; fuzz and golden-grad check it)";
            }
            warmUp(() -> {
                op.run();
                cl.finish();
            }, warmup, warmupMillis);
            double[] t = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                op.run();
                cl.finish();
                t[i] = (System.nanoTime() - t0) / 1e6;
            }
            ms = median(t);
        }
        double gflops = s.flops() / ms / 1e6;
        Double ref = null;
        if (reference != null && reference.path("layers").has(l.name())) {
            ref = reference.path("layers").path(l.name()).path("ms").asDouble();
        }
        String algorithm = cl.plan(s, data ? io.github.convcl.spec.Pass.BACKWARD_DATA : io.github.convcl.spec.Pass.BACKWARD_WEIGHT).toString();
        return new Row(l.name(), s, algorithm, "fma", ms, ms, gflops, peak.isPresent() ? 100 * gflops / peak.getAsDouble() : null, ref, ok,
                check);
    }

    /** Calls per window of {@link #warmUp}'s steady-state test. */
    static final int WARM_WINDOW = 5;
    /** A window at least this much faster (fraction of the best window's median before it) keeps the warm-up going. */
    static final double WARM_GAIN = 0.03;
    /** The steady-state windows run for at most this many times the warm-up time (or 2 s where that is more). */
    static final int WARM_CAP_FACTOR = 4;

    /**
     * The warm-up also goes on until the JIT has finished no compilation for this long (see {@link #warmUp}): C2
     * compiles a kernel's tiles for up to 0.6 s of its thread's time, on two cores that the timed calls' threads share.
     */
    static final long WARM_JIT_QUIET_MS = 1000;
    /** Compilations that add less than this many ms to the JIT's total between two windows leave it quiet. */
    static final long WARM_JIT_BUSY_MS = 20;

    /**
     * Warms a layer up: at least {@code calls} calls and {@code millis} ms, then windows of {@link #WARM_WINDOW} calls
     * until one is not {@link #WARM_GAIN} faster than the best window before it and the JIT has finished no compilation
     * ({@link #WARM_JIT_BUSY_MS} ms or more) for {@link #WARM_JIT_QUIET_MS} ms (it has compiled the kernels this layer
     * runs), for at most {@link #WARM_CAP_FACTOR} times {@code millis} (2 s at least) more. Neither a fixed time nor
     * the call times alone suffice: C2 compiles one tile after another, and on two cores its thread shares them with
     * the call, so a layer looks steady before its last kernel is compiled (docs/performance.md).
     */
    static int warmUp(Runnable call, int calls, long millis) {
        return warmUp(call, calls, millis, BenchCommand::jitMillis, WARM_JIT_QUIET_MS);
    }

    /** {@link #warmUp(Runnable, int, long)} with the JIT's total compilation time (ms, or -1: unknown) from {@code jit}. */
    static int warmUp(Runnable call, int calls, long millis, java.util.function.LongSupplier jit, long quietMillis) {
        long start = System.nanoTime();
        int n = 0;
        for (; n < calls || System.nanoTime() - start < millis * 1_000_000L; n++) {
            call.run();
        }
        long capEnd = System.nanoTime() + Math.max(2000, WARM_CAP_FACTOR * millis) * 1_000_000L;
        double best = Double.MAX_VALUE;
        double[] window = new double[WARM_WINDOW];
        long compiled = jit.getAsLong();
        long lastCompile = System.nanoTime();
        while (System.nanoTime() < capEnd) {
            for (int i = 0; i < WARM_WINDOW; i++, n++) {
                long t0 = System.nanoTime();
                call.run();
                window[i] = System.nanoTime() - t0;
            }
            long now = System.nanoTime();
            long total = jit.getAsLong();
            if (total - compiled >= WARM_JIT_BUSY_MS) {
                compiled = total;
                lastCompile = now;
            }
            double m = median(window);
            if (m > best * (1 - WARM_GAIN) && now - lastCompile >= quietMillis * 1_000_000L) {
                break;
            }
            best = Math.min(best, m);
        }
        return n;
    }

    /** The JIT's total compilation time so far in ms, or -1 where the JVM does not report it. */
    private static long jitMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    private static double median(double[] a) {
        double[] c = a.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    /** The results as a Markdown table, with the backend, the core check and the geometric means. */
    String markdown(ConvCL cl, List<Row> rows, JsonNode reference) {
        String ref = reference == null ? null
                : reference.path("device").asText("reference") + (reference.path("tf32").asBoolean(false) ? " (tf32)" : "");
        StringBuilder md = new StringBuilder();
        md.append("Backend: ").append(cl.backendKind().id()).append(" on ").append(cl.device()).append("\n\n");
        md.append("| layer | N | ms | end-to-end ms | GFLOP/s | % peak | ").append(ref == null ? "" : ref + " ms | ratio | ")
                .append("precision | micro-kernel | algorithm | check |\n");
        md.append("| --- | --- | --- | --- | --- | --- | ").append(ref == null ? "" : "--- | --- | ").append("--- | --- | --- | --- |\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.1f | %s | ", r.name(), r.spec().batch(), r.ms(), r.endToEndMs(),
                    r.gflops(), r.percentOfPeak() == null ? "n/a" : String.format(Locale.ROOT, "%.1f", r.percentOfPeak())));
            if (ref != null) {
                String anchor = reference.path("layers").path(r.name()).path("anchor").asText("");
                md.append(r.referenceMs() == null ? "| | " : String.format(Locale.ROOT, "%.3f%s | %.2f | ", r.referenceMs(),
                        anchor.isEmpty() ? "" : " (" + anchor + ")", r.ms() / r.referenceMs()));
            }
            md.append(r.spec().precision().id()).append(" | ").append(r.microKernel()).append(" | ").append(r.algorithm()).append(" | ")
                    .append(r.check()).append(" |\n");
        }
        if (coreCheckBefore > 0) {
            md.append(String.format(Locale.ROOT, "%nCore check (Java %s tile, %s): %.1f GFLOP/s before, %.1f after; FMA units alone %.1f "
                            + "and %.1f.%n", JavaBench.coreTile(), JavaBackend.threadsText(JavaBackend.threads()), coreCheckBefore, coreCheckAfter,
                    fmaCheckBefore, fmaCheckAfter));
        }
        if (ref != null) {
            md.append(String.format(Locale.ROOT, "%nGeometric mean of ConvCL / %s time: %.3f over %d layers", ref, geomean(rows),
                    rows.stream().filter(r -> r.referenceMs() != null).count()));
            List<Row> dense = dense(rows);
            long compared = dense.stream().filter(r -> r.referenceMs() != null).count();
            if (compared > 0) {
                md.append(String.format(Locale.ROOT, "; %.3f over the %d dense layers (groups = 1)", geomean(dense), compared));
            }
            md.append(".\n");
        }
        return md.toString();
    }

    /** The rows of dense layers: groups = 1 (convolution or transposed). */
    static List<Row> dense(List<Row> rows) {
        return rows.stream().filter(r -> r.spec().groups() == 1).toList();
    }

    /** The geometric mean of ConvCL time / reference time over rows that have a reference. */
    static double geomean(List<Row> rows) {
        double sum = 0;
        int n = 0;
        for (Row r : rows) {
            if (r.referenceMs() != null && r.referenceMs() > 0) {
                sum += Math.log(r.ms() / r.referenceMs());
                n++;
            }
        }
        return n == 0 ? Double.NaN : Math.exp(sum / n);
    }

    private void print(List<Row> rows, JsonNode reference) {
        System.out.printf("%-15s %4s %10s %10s %9s %7s %10s %7s  %-4s %-10s %-36s %s%n", "layer", "N", "ms", "e2e ms", "GFLOP/s", "%peak",
                "ref ms", "ratio", "prec", "micro", "algorithm", "check");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-15s %4d %10.3f %10.3f %9.1f %7s %10s %7s  %-4s %-10s %-36s %s%n", r.name(), r.spec().batch(), r.ms(),
                    r.endToEndMs(), r.gflops(), r.percentOfPeak() == null ? "n/a" : String.format(Locale.ROOT, "%.1f", r.percentOfPeak()),
                    r.referenceMs() == null ? "" : String.format(Locale.ROOT, "%.3f", r.referenceMs()),
                    r.referenceMs() == null ? "" : String.format(Locale.ROOT, "%.2f", r.ms() / r.referenceMs()), r.spec().precision().id(),
                    r.microKernel(), r.algorithm(), r.check());
        }
        if (coreCheckBefore > 0) {
            OptionalDouble nominal = CpuInfo.read().peakGflops(JavaBackend.threads());
            List<String> notes = new ArrayList<>();
            nominal.ifPresent(v -> notes.add(String.format(Locale.ROOT, "nominal peak %.1f", v)));
            if (javaPeakUsed > 0) {
                notes.add(String.format(Locale.ROOT, "%%peak is against the faster core check, %.1f", javaPeakUsed));
            }
            System.out.printf(Locale.ROOT, "core check (Java %s tile on L1 data, %s): %.1f GFLOP/s before, %.1f after; FMA units alone %.1f "
                            + "and %.1f%s%n", JavaBench.coreTile(), JavaBackend.threadsText(JavaBackend.threads()), coreCheckBefore, coreCheckAfter,
                    fmaCheckBefore, fmaCheckAfter, notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")");
        }
        if (reference != null) {
            String ref = reference.path("device").asText("reference") + (reference.path("tf32").asBoolean(false) ? " (tf32)" : "");
            System.out.printf(Locale.ROOT, "geometric mean of ConvCL / %s time over %d layers: %.3f%n",
                    ref, rows.stream().filter(r -> r.referenceMs() != null).count(), geomean(rows));
            List<Row> dense = dense(rows);
            long compared = dense.stream().filter(r -> r.referenceMs() != null).count();
            if (compared > 0) {
                System.out.printf(Locale.ROOT, "geometric mean over the %d dense layers (groups = 1): %.3f%n", compared, geomean(dense));
            }
        }
    }

    private void writeJson(ConvCL cl, List<Row> rows, JsonNode reference) throws java.io.IOException {
        ObjectNode root = GoldenSuite.json().createObjectNode();
        root.put("backend", cl.backendKind().id());
        root.put("layout", layout.toString());
        root.put("device", cl.device());
        root.put("java_threads", JavaBackend.threads());
        root.put("batch", select.batch);
        root.put("precision", select.precision().id());
        if (coreCheckBefore > 0) {
            root.put("core_check_gflops_before", coreCheckBefore);
            root.put("core_check_gflops_after", coreCheckAfter);
            root.put("fma_check_gflops_before", fmaCheckBefore);
            root.put("fma_check_gflops_after", fmaCheckAfter);
        }
        if (javaPeakUsed > 0) {
            root.put("percent_of_peak_against_core_check_gflops", javaPeakUsed);
        }
        root.put("repeats", repeats);
        root.put("pass", pass);
        ObjectNode layers = root.putObject("layers");
        for (Row r : rows) {
            ObjectNode n = layers.putObject(r.name());
            n.put("batch", r.spec().batch());
            n.put("ms", r.ms());
            n.put("end_to_end_ms", r.endToEndMs());
            n.put("gflops", r.gflops());
            if (r.percentOfPeak() != null) {
                n.put("percent_of_peak", r.percentOfPeak());
            }
            n.put("algorithm", r.algorithm());
            n.put("precision", r.spec().precision().id());
            n.put("micro_kernel", r.microKernel());
            n.put("check", r.check());
            if (r.referenceMs() != null) {
                n.put("reference_ms", r.referenceMs());
                JsonNode anchor = reference.path("layers").path(r.name()).path("anchor");
                if (anchor.isTextual()) {
                    n.put("reference_anchor", anchor.asText());
                }
                n.put("ratio", r.ms() / r.referenceMs());
            }
        }
        if (reference != null) {
            root.put("reference", reference.path("device").asText());
            root.put("geomean_ratio", geomean(rows));
            root.put("geomean_ratio_dense", geomean(dense(rows)));
        }
        GoldenSuite.json().writerWithDefaultPrettyPrinter().writeValue(jsonOut.toFile(), root);
    }

    private void drawChart(ConvCL cl, List<Row> rows, JsonNode reference) throws java.io.IOException {
        CategoryChart c = new CategoryChartBuilder().width(1400).height(600).title("ConvCL " + cl.backendKind().id() + " (" + select.batch + " batch)")
                .xAxisTitle("layer").yAxisTitle("GFLOP/s").build();
        c.getStyler().setXAxisLabelRotation(45);
        List<String> names = rows.stream().map(Row::name).toList();
        c.addSeries("ConvCL", names, rows.stream().map(Row::gflops).toList());
        if (reference != null) {
            List<Double> ref = rows.stream().map(r -> r.referenceMs() == null ? 0.0 : r.spec().flops() / r.referenceMs() / 1e6).toList();
            c.addSeries("reference: " + reference.path("device").asText("?") + (reference.has("torch") ? ", torch " + reference.path("torch").asText() : ""), names, ref);
        }
        BitmapEncoder.saveBitmap(c, chart.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
