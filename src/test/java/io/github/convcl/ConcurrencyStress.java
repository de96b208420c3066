// Run in a forked JVM by ConcurrencyTest: many threads share one runtime; every result is checked.
package io.github.convcl;

import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.Reference;
import io.github.convcl.spec.ConvSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

public final class ConcurrencyStress {
    private ConcurrencyStress() {
    }

    /** Args: backend, threads, operations per thread. Prints "ok N" or the first mismatch; exit 0 only when all match. */
    public static void main(String[] args) throws Exception {
        String backend = args[0];
        int threads = Integer.parseInt(args[1]);
        int ops = Integer.parseInt(args[2]);
        RandomSpecs random = new RandomSpecs(4242, 200_000);
        int n = 24;
        List<ConvSpec> specs = new ArrayList<>();
        List<float[][]> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ConvSpec s = random.next();
            float[] x = random.data(s.inputElements());
            float[] w = random.data(s.weightElements());
            float[] b = s.hasBias() ? random.data(s.outChannels()) : null;
            specs.add(s);
            inputs.add(new float[][] {x, w, b});
            expected.add(TestSupport.toFloat(Reference.convolve(s, x, w, b)));
        }
        AtomicInteger checked = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        String device;
        try (ConvCL cl = ConvCL.open(backend)) {
            device = cl.device();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < ops; i++) {
                        int c = (id * 7 + i) % n;
                        float[][] in = inputs.get(c);
                        float[] y = cl.convolve(specs.get(c), in[0], in[1], in[2]);
                        var r = io.github.convcl.golden.GoldenRunner.compare("t" + id + " op" + i, y, expected.get(c), TestSupport.TOLERANCE);
                        if (!r.passed()) {
                            throw new AssertionError(specs.get(c) + " on thread " + id + ": " + r.detail());
                        }
                        checked.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        System.out.println("ok " + checked.get() + " on " + backend + " (" + device + ")");
    }
}
