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
    /**
     * The write race's layer: large weights (589,824 floats) on one pixel, so that a write's copy and the weight
     * packing of a call take long enough to overlap often.
     */
    static final ConvSpec WIDE = ConvSpec.conv(2).input(1, 256, 1, 1).outChannels(256).kernel(3).padding(1).build();

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
        ConvSpec layer = mode.equals("close") ? LAYER : WIDE;
        RandomSpecs r = new RandomSpecs(99, 1);
        float[] x = r.data(layer.inputElements());
        float[] w1 = r.data(layer.weightElements());
        float[] w2 = r.data(layer.weightElements());
        float[] b = r.data(layer.outChannels());
        float[] y1 = TestSupport.toFloat(Reference.convolve(layer, x, w1, b));
        float[] y2 = TestSupport.toFloat(Reference.convolve(layer, x, w2, b));
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
     * One thread convolves with a weight tensor while the main thread writes it (w2, then w1, ten times a round): after
     * each write and once the convolving thread has stopped, every call computes with the weights written last, so no
     * copy packed during the write outlives it.
     */
    static String writeRound(String backend, float[] x, float[] w1, float[] w2, float[] b, float[] y1, float[] y2)
            throws InterruptedException {
        try (ConvCL cl = ConvCL.open(backend)) {
            Tensor tx = cl.tensor(x, WIDE.inputShape());
            Tensor tw = cl.tensor(w2, WIDE.weightShape());
            Tensor tb = cl.tensor(b, WIDE.biasShape());
            for (int race = 0; race < 10; race++) {
                float[] w = race % 2 == 0 ? w1 : w2;
                float[] want = race % 2 == 0 ? y1 : y2;
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger calls = new AtomicInteger();
                AtomicReference<String> failure = new AtomicReference<>();
                Thread reader = new Thread(() -> {
                    try {
                        while (running.get()) {
                            cl.conv(WIDE, tx, tw, tb).close();
                            calls.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, "a call racing a write threw " + e);
                    }
                });
                reader.start();
                while (calls.get() == 0 && failure.get() == null) {
                    Thread.onSpinWait();
                }
                tw.write(w);
                int after = calls.get();
                while (calls.get() < after + 2 && failure.get() == null) {
                    Thread.onSpinWait(); // the reader repacks, likely while the write's copy was still under way
                }
                running.set(false);
                reader.join();
                if (failure.get() != null) {
                    return failure.get();
                }
                for (int check = 0; check < 2; check++) {
                    try (Tensor y = cl.conv(WIDE, tx, tw, tb)) {
                        if (!TestSupport.close(y.toArray(), want)) {
                            return "after a write raced a call (race " + race + "), a call did not use the weights written last";
                        }
                    }
                }
            }
        }
        return null;
    }
}
