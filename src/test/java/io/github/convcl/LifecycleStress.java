// Run in a forked JVM by LifecycleTest: close() and writes racing convolutions on one runtime.
package io.github.convcl;

import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.Reference;
import io.github.convcl.spec.ConvSpec;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

public final class LifecycleStress {
    static final ConvSpec LAYER = ConvSpec.conv(2).input(1, 16, 16, 16).outChannels(16).kernel(3).padding(1).build();

    private LifecycleStress() {
    }

    /**
     * Args: {@code close|write}, backend, rounds. Prints "ok MODE N" and exits 0 when every round had the defined outcome;
     * prints the first violation and exits 1 otherwise. A crash of the JVM is an exit the caller sees.
     */
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String backend = args[1];
        int rounds = Integer.parseInt(args[2]);
        RandomSpecs r = new RandomSpecs(99, 1);
        float[] x = r.data(LAYER.inputElements());
        float[] w1 = r.data(LAYER.weightElements());
        float[] w2 = r.data(LAYER.weightElements());
        float[] b = r.data(LAYER.outChannels());
        float[] y1 = TestSupport.toFloat(Reference.convolve(LAYER, x, w1, b));
        float[] y2 = TestSupport.toFloat(Reference.convolve(LAYER, x, w2, b));
        String failure = null;
        for (int round = 0; round < rounds && failure == null; round++) {
            failure = mode.equals("close") ? closeRound(backend, x, w1, b, y1) : writeRound(backend, x, w1, w2, b, y1, y2);
        }
        if (failure != null) {
            System.out.println("FAIL " + failure);
            System.exit(1);
        }
        System.out.println("ok " + mode + " " + rounds);
        System.exit(0);
    }

    /**
     * Two threads convolve while the main thread closes the runtime: each call either returns the right result or
     * throws an IllegalStateException or IllegalArgumentException saying the runtime is closed.
     */
    static String closeRound(String backend, float[] x, float[] w, float[] b, float[] expected) throws InterruptedException {
        ConvCL cl = ConvCL.open(backend);
        Tensor tx = cl.tensor(x, LAYER.inputShape());
        Tensor tw = cl.tensor(w, LAYER.weightShape());
        Tensor tb = cl.tensor(b, LAYER.biasShape());
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicInteger calls = new AtomicInteger();
        Thread[] workers = new Thread[2];
        for (int i = 0; i < workers.length; i++) {
            boolean arrays = i == 1;
            workers[i] = new Thread(() -> {
                while (true) {
                    try {
                        float[] y = arrays ? cl.convolve(LAYER, x, w, b) : cl.conv(LAYER, tx, tw, tb).toArray();
                        calls.incrementAndGet();
                        if (!java.util.Arrays.equals(y, expected) && !TestSupport.close(y, expected)) {
                            failure.compareAndSet(null, "a call racing close() returned a wrong result");
                            return;
                        }
                    } catch (IllegalStateException | IllegalArgumentException e) {
                        if (!String.valueOf(e.getMessage()).contains("closed")) {
                            failure.compareAndSet(null, "a call racing close() threw " + e);
                        }
                        return;
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, "a call racing close() threw " + e);
                        return;
                    }
                }
            });
            workers[i].start();
        }
        while (calls.get() < 2) {
            Thread.onSpinWait();
        }
        cl.close();
        for (Thread t : workers) {
            t.join();
        }
        return failure.get();
    }

    /**
     * One thread convolves with a weight tensor while another writes it with one set of weights and then the other:
     * once the writes are done, every call computes with the weights written last (no stale packed copy).
     */
    static String writeRound(String backend, float[] x, float[] w1, float[] w2, float[] b, float[] y1, float[] y2)
            throws InterruptedException {
        try (ConvCL cl = ConvCL.open(backend)) {
            Tensor tx = cl.tensor(x, LAYER.inputShape());
            Tensor tw = cl.tensor(w1, LAYER.weightShape());
            Tensor tb = cl.tensor(b, LAYER.biasShape());
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicReference<String> failure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try {
                    while (writing.get()) {
                        cl.conv(LAYER, tx, tw, tb).close();
                    }
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, "a call racing writes threw " + e);
                }
            });
            reader.start();
            for (int i = 0; i < 20; i++) {
                tw.write(i % 2 == 0 ? w2 : w1);
            }
            writing.set(false);
            reader.join();
            if (failure.get() != null) {
                return failure.get();
            }
            // The last write was w1; then w2 and w1 again: each result follows the weights written last.
            float[][] order = {w1, w2, w1};
            float[][] want = {y1, y2, y1};
            for (int i = 0; i < order.length; i++) {
                if (i > 0) {
                    tw.write(order[i]);
                }
                try (Tensor y = cl.conv(LAYER, tx, tw, tb)) {
                    if (!TestSupport.close(y.toArray(), want[i])) {
                        return "after racing writes, call " + i + " did not use the weights written last";
                    }
                }
            }
        }
        return null;
    }
}
