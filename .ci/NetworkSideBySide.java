// ConvCL's network forward against ONNX Runtime's on the same model, alternating one forward each in one JVM, so that
// both see the same load on a shared machine: prints each side's median and the median of the per-pair ratios.
//
// Usage (after `mvn -q -DskipTests package`, the ONNX models from ../shared/bench/bench_network.py --onnx):
//   java --add-modules jdk.incubator.vector -cp target/convcl.jar:onnxruntime-1.22.0.jar \
//       .ci/NetworkSideBySide.java MODEL BATCH THREADS PAIRS MODEL.onnx [WARMUP_SECONDS]
// Both warm up in turn for WARMUP_SECONDS (default 20) first: ConvCL's first forward alone compiles for seconds, and
// its forwards reach their steady time only after some 10-20 s of them on two cores (docs/performance.md).
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.jvm.JavaBench;
import io.github.convcl.nn.Network;
import io.github.convcl.nn.Trace;
import io.github.convcl.nn.Weights;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

public class NetworkSideBySide {
    public static void main(String[] a) throws Exception {
        String model = a[0];
        int batch = Integer.parseInt(a[1]);
        int threads = Integer.parseInt(a[2]);
        int pairs = Integer.parseInt(a[3]);
        JavaBackend.setThreads(threads);
        float[] image = new float[batch * 3 * 224 * 224];
        Random r = new Random(1);
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) r.nextGaussian();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // its pool would otherwise spin on the cores through ConvCL's forward
        o.addConfigEntry("session.intra_op.allow_spinning", "0");
        try (ConvCL cl = ConvCL.open("java"); Network net = Network.build(model, cl, batch, Weights.random(0));
             Tensor x = cl.tensor(image, net.inputShape()); OrtSession session = env.createSession(a[4], o);
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(image), new long[] {batch, 3, 224, 224})) {
            Map<String, OnnxTensor> feed = Map.of("x", t);
            Runnable ort = () -> {
                try {
                    session.run(feed).close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            Runnable convcl = () -> {
                net.forward(x, Trace.OFF);
                cl.finish();
            };
            long warmup = a.length > 5 ? Long.parseLong(a[5]) : 20;
            for (long end = System.nanoTime() + warmup * 1_000_000_000L; System.nanoTime() < end; ) {
                ort.run();
                convcl.run();
            }
            double[] ortMs = new double[pairs];
            double[] ccMs = new double[pairs];
            double[] ratio = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                boolean ortFirst = i % 2 == 0;
                double first = time(ortFirst ? ort : convcl);
                double second = time(ortFirst ? convcl : ort);
                ortMs[i] = ortFirst ? first : second;
                ccMs[i] = ortFirst ? second : first;
                ratio[i] = ccMs[i] / ortMs[i];
            }
            Arrays.sort(ortMs);
            Arrays.sort(ccMs);
            Arrays.sort(ratio);
            System.out.printf(Locale.ROOT, "%s batch %d, %d threads, %d pairs: ONNX Runtime median %.2f ms, ConvCL median %.2f ms, "
                            + "ConvCL / ONNX Runtime per pair: median %.3f (quartiles %.3f, %.3f)%n", model, batch, threads, pairs,
                    ortMs[pairs / 2], ccMs[pairs / 2], ratio[pairs / 2], ratio[pairs / 4], ratio[3 * pairs / 4]);
            // the state of the cores after the pairs: on a shared machine the ratio moves with it (docs/performance.md)
            System.out.printf(Locale.ROOT, "core check (Java %s tile on L1 data, %d threads): %.1f GFLOP/s; FMA units alone %.1f%n",
                    JavaBench.coreTile(), threads, JavaBench.coreCheckGflops(1000), JavaBench.fmaCheckGflops(1000));
        }
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }
}
