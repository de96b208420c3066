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
        return rate(millis, 2.0 * 6 * cols * k * reps, () -> {
            float[] pa = new float[6 * k];
            float[] pb = new float[cols * k];
            float[] c = new float[6 * cols];
            Arrays.fill(pa, 1e-3f);
            Arrays.fill(pb, 1e-3f);
            for (int r = 0; r < reps; r++) {
                if (Gemm.WIDE) {
                    WideGemm.tile6x32(k, pa, 0, pb, 0, 16 * k, c, 0, 32, null, 0, false);
                } else {
                    VectorGemm.tile6x16(k, pa, 0, pb, 0, c, 0, 16, null, 0);
                }
            }
        });
    }

    /**
     * What the cores' FMA units deliver right now: GFLOP/s of twelve independent vector multiply-add chains with no
     * memory access, one task per pool thread, measured as {@link #coreCheckGflops} is. The tile's rate against this
     * one is what the tile's other instructions cost: on a core shared with another thread (a VM's neighbour) both
     * fall, and the tile, which issues about 28 operations per 12 multiply-adds, falls further (docs/performance.md).
     * Zero without the Vector API.
     */
    public static double fmaCheckGflops(long millis) {
        if (!Gemm.VECTOR) {
            return 0;
        }
        int steps = 200_000;
        float[] sink = new float[1];
        return rate(millis, 2.0 * 12 * Gemm.LANES * steps, () -> {
            // c = c * a + b converges (a about 0.5): no overflow, no subnormals
            float[] seed = new float[2 * Gemm.LANES];
            for (int i = 0; i < seed.length; i++) {
                seed[i] = 0.5f + i * 1e-3f;
            }
            sink[0] += VectorGemm.fmaChains(steps, seed);
        });
    }

    /** The median over windows of about {@code millis} of one {@code body} per pool thread, each worth {@code flops}. */
    private static double rate(long millis, double flops, Runnable body) {
        int threads = Parallel.threads();
        java.util.List<Double> rates = new java.util.ArrayList<>();
        long end = System.nanoTime() + millis * 1_000_000L;
        do {
            long t0 = System.nanoTime();
            Parallel.forEach(threads, t -> body.run());
            rates.add(flops * threads / (System.nanoTime() - t0));
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
