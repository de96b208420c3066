// Rates of the Java backend for `convcl devices` and `convcl bench`.
package io.github.convcl.jvm;

import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The Java backend's GEMM and copy rates, and the core check that tells whether a run's CPU was throttled. */
public final class JavaBench {
    private JavaBench() {
    }

    /** GEMM GFLOP/s (a 256-channel 1x1 convolution) and array copy GB/s. */
    public record Rates(double gemmGflops, double copyGBs) {
    }

    /** The register tile {@link #coreCheckGflops} times: {@code 6x32 512-bit} or {@code 6x16}. */
    public static String coreTile() {
        return Gemm.WIDE ? "6x32 512-bit" : "6x16";
    }

    /**
     * What the cores deliver right now: GFLOP/s of the Java GEMM's register tile (6x32 where {@link Gemm#WIDE}
     * runs 512-bit tiles, else 6x16) on L1-resident panels, one
     * task per pool thread, the median of short windows over about {@code millis}. On a shared machine this moves
     * with the neighbours' load; the nominal peak does not. Zero without the Vector API.
     */
    public static double coreCheckGflops(long millis) {
        if (!Gemm.VECTOR) {
            return 0;
        }
        int k = 256;
        int reps = 2000;
        int cols = Gemm.WIDE ? 32 : 16;
        int threads = Parallel.threads();
        java.util.List<Double> rates = new java.util.ArrayList<>();
        long end = System.nanoTime() + millis * 1_000_000L;
        do {
            long t0 = System.nanoTime();
            Parallel.forEach(threads, t -> {
                float[] pa = new float[6 * k];
                float[] pb = new float[cols * k];
                float[] c = new float[6 * cols];
                Arrays.fill(pa, 1e-3f);
                Arrays.fill(pb, 1e-3f);
                for (int r = 0; r < reps; r++) {
                    if (Gemm.WIDE) {
                        WideGemm.tile6x32(k, pa, 0, pb, 0, 16 * k, c, 0, 32, null, 0);
                    } else {
                        VectorGemm.tile6x16(k, pa, 0, pb, 0, c, 0, 16, null, 0);
                    }
                }
            });
            rates.add(2.0 * 6 * cols * k * reps * threads / (System.nanoTime() - t0));
        } while (System.nanoTime() < end);
        java.util.Collections.sort(rates);
        return rates.get(rates.size() / 2);
    }

    public static Rates bench() {
        ConvSpec s = ConvSpec.conv(2).input(1, 256, 32, 32).outChannels(256).kernel(1).bias(false).build();
        float[] x = new float[(int) s.inputElements()];
        float[] w = new float[(int) s.weightElements()];
        float[] y = new float[(int) s.outputElements()];
        Arrays.fill(x, 1f);
        Arrays.fill(w, 0.5f);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 30; i++) {
            long t0 = System.nanoTime();
            JavaKernels.run(Planner.plan(s, JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER)), s, x, w, null, y);
            best = Math.min(best, System.nanoTime() - t0);
        }
        double gemm = s.flops() / (double) best;
        float[] a = new float[16 << 20];
        float[] b = new float[16 << 20];
        long copyBest = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            System.arraycopy(a, 0, b, 0, a.length);
            copyBest = Math.min(copyBest, System.nanoTime() - t0);
        }
        return new Rates(gemm, 2.0 * a.length * 4 / copyBest);
    }
}
