// convcl network: runs ResNet-50 or GoogLeNet end to end on the device and reports its time.
package io.github.convcl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.golden.GoldenRunner;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.nn.Network;
import io.github.convcl.nn.Trace;
import io.github.convcl.nn.Weights;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "network", mixinStandardHelpOptions = true,
        description = "Runs torchvision's ResNet-50 or GoogLeNet (inference, batch norms folded into the convolutions' "
                + "epilogues, random weights) on 224x224 images with every intermediate tensor on the device. Prints the "
                + "median time of the whole forward (device-resident input to device-resident output), images per second "
                + "and the time per layer kind; on a backend other than Java, checks the output against the Java backend's.")
final class NetworkCommand implements Callable<Integer> {
    /** The cross-backend check's tolerance, relative to the largest logit (at least 1), in FP32. */
    private static final double CHECK_TOLERANCE = 1e-3;
    /**
     * The same in TF32: each convolution rounds both operands to 11 significant bits (a relative error of up to 2^-11
     * per product) and 50 to 60 layers compound it, so the FP32 bound would flag rounding; a wrong kernel still misses
     * this one by orders of magnitude (docs/precision.md).
     */
    private static final double CHECK_TOLERANCE_TF32 = 1e-2;
    /** Traced forwards behind the time per layer kind: each step's fastest counts. */
    private static final int TRACED = 5;

    @Option(names = "--model", required = true, description = "resnet50 or googlenet")
    String model;

    @Option(names = "--batch", defaultValue = "1", description = "images per forward (default 1)")
    int batch;

    @Option(names = {"-b", "--backend"}, description = "auto (default), opencl-gpu[:dev], opencl-cpu[:dev] or java")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "threads of the Java backend (default: convcl.threads, else one per core)")
    Integer threads;

    @Option(names = "--repeats", defaultValue = "20", description = "timed forwards (default 20); the median is reported")
    int repeats;

    @Option(names = "--warmup-ms", defaultValue = "5000", description = "untimed forwards first, for at least this long and "
            + "at least 3 (default 5000 ms: the JIT compiles each layer's paths; a GPU builds its kernels), then in windows of "
            + "5 until one is not 3%% faster than the best before it and the JIT has compiled nothing for a second (at most "
            + "4 times as long again)")
    int warmupMs;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the random weights and input (default 0)")
    long seed;

    @Option(names = "--precision", paramLabel = "P", description = "fp32 or tf32: the runtime's precision (default: "
            + "convcl.precision, else fp32); in tf32 the check against the Java backend allows 1e-2 of the largest logit")
    String precision;

    @Option(names = "--layout", paramLabel = "L", description = "the network's activations in NCHW or NCHW16C (default: the "
            + "runtime's preferred layout, NCHW16C on the Java backend with 512-bit vectors)")
    io.github.convcl.spec.Layout layout;

    @Option(names = "--top", paramLabel = "N", defaultValue = "0", description = "also print the N slowest steps by name")
    int top;

    @Option(names = "--no-check", description = "skip the comparison with the Java backend")
    boolean noCheck;

    @Option(names = "--json", paramLabel = "OUT", description = "also write {model, batch, backend, device, threads, layout, precision, ms, "
            + "images_per_second, per_kind_ms} to OUT")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || repeats < 1) {
            throw new IllegalArgumentException("--batch " + batch + " and --repeats " + repeats + " must be positive");
        }
        if (!Network.MODELS.contains(model)) {
            throw new IllegalArgumentException("--model " + model + " is not one of " + Network.MODELS);
        }
        io.github.convcl.spec.Precision requested = precision == null ? null : io.github.convcl.spec.Precision.parse(precision);
        if (threads != null) {
            JavaBackend.setThreads(threads);
        }
        float[] image = input(seed, (long) batch * 3 * 224 * 224);
        try (ConvCL cl = backend == null ? ConvCL.open() : ConvCL.open(backend);
             Network net = layout == null ? Network.build(model, cl, batch, Weights.random(seed))
                     : Network.build(model, cl, batch, Weights.random(seed), layout);
             Tensor x = cl.tensor(image, net.inputShape())) {
            if (requested != null) {
                cl.precision(requested);
            }
            System.out.printf("%s batch %d on %s (%s), %d convolutions, activations in %s, %s%n", model, batch, cl.backendKind().id(),
                    cl.device(), net.convolutions().size(), net.layout(), cl.precision().id());
            // as each bench layer: past the fixed time, on until the forwards are steady and the JIT has gone quiet
            // (the first forward alone compiles for seconds, and C2 compiles the rarer layers' paths for longer)
            BenchCommand.warmUp(() -> {
                net.forward(x, Trace.OFF);
                cl.finish();
            }, 3, warmupMs);
            double[] ms = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long t = System.nanoTime();
                net.forward(x, Trace.OFF);
                cl.finish();
                ms[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(ms);
            double median = ms.length % 2 == 1 ? ms[ms.length / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
            System.out.printf(Locale.ROOT, "median %.2f ms (min %.2f, max %.2f over %d), %.1f images/s%n", median, ms[0], ms[ms.length - 1],
                    repeats, batch / median * 1e3);
            java.util.List<Trace> traces = new java.util.ArrayList<>();
            for (int i = 0; i < TRACED; i++) {
                Trace trace = Trace.timing(cl);
                net.forward(x, trace);
                traces.add(trace);
            }
            Map<String, Double> kinds = Trace.fastestPerKind(traces);
            double sum = kinds.values().stream().mapToDouble(Double::doubleValue).sum();
            System.out.printf(Locale.ROOT, "time per layer kind (each step waited for, its fastest of %d forwards):%n", TRACED);
            kinds.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-18s %9.2f ms  %5.1f%%%n", k, v, 100 * v / sum));
            if (top > 0) {
                System.out.println("slowest steps:");
                Trace.fastestSteps(traces).entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(top)
                        .forEach(e -> System.out.printf(Locale.ROOT, "  %-40s %9.2f ms%n", e.getKey(), e.getValue()));
            }
            // what the cores delivered around the run: on a shared machine the time moves with them
            boolean onJava = cl.backendKind() == io.github.convcl.plan.BackendKind.JAVA;
            double tile = onJava ? io.github.convcl.jvm.JavaBench.coreCheckGflops(BenchCommand.CORE_CHECK_MS) : 0;
            double fma = onJava ? io.github.convcl.jvm.JavaBench.fmaCheckGflops(BenchCommand.CORE_CHECK_MS) : 0;
            if (tile > 0) {
                System.out.printf(Locale.ROOT, "core check (Java %s tile on L1 data, %s): %.1f GFLOP/s; FMA units alone %.1f%n",
                        io.github.convcl.jvm.JavaBench.coreTile(), JavaBackend.threadsText(JavaBackend.threads()), tile, fma);
            }
            boolean ok = true;
            if (!noCheck && !onJava) {
                float[] y = net.forward(x, Trace.OFF).toArray();
                float[] expected = javaOutput(image);
                GoldenRunner.Result r = GoldenRunner.compare("output against the Java backend", y, expected,
                        cl.precision() == io.github.convcl.spec.Precision.TF32 ? CHECK_TOLERANCE_TF32 : CHECK_TOLERANCE);
                System.out.println((r.passed() ? "PASS " : "FAIL ") + r.name() + ": " + r.detail());
                ok = r.passed();
            }
            if (json != null) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("model", model).put("batch", batch).put("backend", cl.backendKind().id()).put("device", cl.device())
                        .put("threads", JavaBackend.threads()).put("layout", net.layout().toString()).put("precision", cl.precision().id()).put("ms", median).put("images_per_second", batch / median * 1e3);
                if (tile > 0) {
                    o.put("core_check_gflops", tile).put("fma_check_gflops", fma);
                }
                ObjectNode per = o.putObject("per_kind_ms");
                kinds.forEach(per::put);
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), o);
            }
            return ok ? 0 : 1;
        }
    }

    /** The same network, weights and input on the Java backend. */
    private float[] javaOutput(float[] image) {
        try (ConvCL java = ConvCL.open("java"); Network net = Network.build(model, java, batch, Weights.random(seed));
             Tensor x = java.tensor(image, net.inputShape())) {
            return net.forward(x, Trace.OFF).toArray();
        }
    }

    /** Uniform values in [-1, 1), the same for the same seed. */
    private static float[] input(long seed, long n) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (2 * r.nextDouble() - 1);
        }
        return a;
    }
}
