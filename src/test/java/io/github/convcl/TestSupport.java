// Shared test fixtures: where the golden cases live, whether OpenCL is required, float64 comparison.
package io.github.convcl;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.convcl.backend.BackendUnavailableException;
import io.github.convcl.golden.GoldenRunner;
import io.github.convcl.plan.Planner;
import io.github.convcl.plan.Tuning;
import java.nio.file.Files;
import java.nio.file.Path;

public final class TestSupport {
    /**
     * Random max-pools of rank 1 to 3 with every parameter (overlapping windows, padding up to half the window,
     * dilation 1 or 2, ceil_mode), appended to {@code specs} until it holds {@code count}: batch 1 to {@code maxBatch},
     * 1 to 3 channels, each size {@code minSize} and up to {@code span3d} more in 3D, {@code span} more otherwise.
     */
    public static java.util.List<io.github.convcl.spec.PoolSpec> randomMaxPools(java.util.Random r, java.util.List<io.github.convcl.spec.PoolSpec> specs,
                                                                             int count, int maxBatch, int minSize, int span3d, int span) {
        while (specs.size() < count) {
            int rank = 1 + r.nextInt(3);
            int[] in = new int[rank + 2];
            in[0] = 1 + r.nextInt(maxBatch);
            in[1] = 1 + r.nextInt(3);
            int[] k = new int[rank];
            int[] st = new int[rank];
            int[] p = new int[rank];
            int[] d = new int[rank];
            for (int i = 0; i < rank; i++) {
                in[i + 2] = minSize + r.nextInt(rank == 3 ? span3d : span);
                k[i] = 1 + r.nextInt(3);
                st[i] = 1 + r.nextInt(3);
                p[i] = r.nextInt(k[i] / 2 + 1);
                d[i] = 1 + r.nextInt(2);
            }
            try {
                specs.add(io.github.convcl.spec.PoolSpec.maxPool(in, k, st, p, d, r.nextBoolean()));
            } catch (IllegalArgumentException tooSmall) {
                // a window larger than the input: draw another
            }
        }
        return specs;
    }

    /** Max |y - ref| relative to max(1, max|ref|) for float32 results against the float64 reference. */
    public static final double TOLERANCE = 1e-4;
    /**
     * The documented accuracy of the Winograd plans, OpenCL and Java (docs/precision.md, *Winograd accuracy*): error within this
     * fraction of sum|w*x| per output. Measured on the golden cases and the test layers: F(2,3) about 1e-7, F(4,3) a
     * few 1e-7 (the direct kernels about 1e-7).
     */
    public static final double WINOGRAD_RELATIVE = 1e-5;

    private TestSupport() {
    }

    /** Runs {@code body} with system property {@code key} set to {@code value}, then restores what it was. */
    public static void withProperty(String key, String value, Runnable body) {
        String old = System.getProperty(key);
        System.setProperty(key, value);
        try {
            body.run();
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }

    /** The golden directory: -Dconvcl.golden, else ../shared/golden beside the project. */
    public static Path goldenDir() {
        Path p = Path.of(System.getProperty("convcl.golden", "../shared/golden"));
        assumeTrue(Files.isRegularFile(p.resolve("cases.json")), "golden cases not found at " + p.toAbsolutePath());
        return p;
    }

    /** True in CI, where OpenCL tests must run rather than be skipped. */
    public static boolean openClRequired() {
        return "1".equals(System.getenv("CONVCL_REQUIRE_OPENCL"));
    }

    /** Opens a backend; skips the test when it is absent, except that OpenCL CPU is required in CI. */
    public static ConvCL openOrSkip(String backend) {
        return openOrSkip(backend, io.github.convcl.config.Settings.fromSystem());
    }

    /** As {@link #openOrSkip(String)}, with {@code settings} (their backend replaced by {@code backend}). */
    public static ConvCL openOrSkip(String backend, io.github.convcl.config.Settings settings) {
        try {
            return ConvCL.open(settings.withBackend(backend));
        } catch (BackendUnavailableException e) {
            if (openClRequired() && backend.startsWith("opencl-cpu")) {
                fail("CONVCL_REQUIRE_OPENCL=1 but " + backend + " is unavailable: " + e.getMessage());
            }
            assumeTrue(false, backend + " unavailable: " + e.getMessage());
            throw e;
        }
    }

    /** Runs {@code body} on the Java backend at 1, 2 and 3 threads, then on the OpenCL CPU device (skipped without one, unless required). */
    public static void onEveryBackend(java.util.function.Consumer<ConvCL> body) {
        int before = io.github.convcl.jvm.JavaBackend.threads();
        try (ConvCL cl = ConvCL.on(new io.github.convcl.jvm.JavaBackend())) {
            for (int t = 1; t <= 3; t++) {
                io.github.convcl.jvm.JavaBackend.setThreads(t);
                body.accept(cl);
            }
        } finally {
            io.github.convcl.jvm.JavaBackend.setThreads(before);
        }
        try (ConvCL cl = openOrSkip("opencl-cpu")) {
            body.accept(cl);
        }
    }

    public static float[] toFloat(double[] d) {
        return io.github.convcl.jvm.Reference.toFloat(d);
    }

    /**
     * The OpenCL backends of this machine, opened (the caller closes them): a CPU device, which must be there when
     * {@link #openClRequired()}, and a GPU where one is.
     */
    public static java.util.List<io.github.convcl.backend.Backend> openClBackends() {
        java.util.List<io.github.convcl.backend.Backend> backends = new java.util.ArrayList<>();
        for (String b : java.util.List.of("opencl-cpu", "opencl-gpu")) {
            try {
                backends.add(io.github.convcl.ConvCL.open(b).backend());
            } catch (IllegalStateException e) {
                if (openClRequired() && b.equals("opencl-cpu")) {
                    throw e;
                }
            }
        }
        return backends;
    }

    /** Whether {@code y} is within {@link #TOLERANCE} of {@code expected} (the golden comparison). */
    public static boolean close(float[] y, float[] expected) {
        return GoldenRunner.compare("", y, expected, TOLERANCE).passed();
    }

    /** Fails with the worst error when {@code y} is not within {@link #TOLERANCE} of the reference. */
    public static void assertClose(String what, float[] y, double[] reference) {
        GoldenRunner.Result r = GoldenRunner.compare(what, y, toFloat(reference), TOLERANCE);
        if (!r.passed()) {
            fail(what + ": " + r.detail());
        }
    }

    /** sum|w*x| per output: the scale of the rounding in a sum of products (Reference with |x| and |w|, no bias). */
    public static double[] magnitude(io.github.convcl.spec.ConvSpec s, float[] x, float[] w) {
        return io.github.convcl.jvm.Reference.convolve(s, GoldenRunner.abs(x), GoldenRunner.abs(w), null);
    }

    /** The largest |y - ref| / sum|w*x| over the outputs. */
    public static double worstRelativeToMagnitude(float[] y, double[] ref, double[] magnitude) {
        double worst = 0;
        for (int i = 0; i < y.length; i++) {
            worst = Math.max(worst, Math.abs(y[i] - ref[i]) / Math.max(magnitude[i], 1e-30));
        }
        return worst;
    }

    /**
     * Runs each plan on one set of standard-normal data (seeded by {@code name}) and checks it against the float64
     * reference: within the golden tolerance, and within {@code relative * (sum|w*x| + |b|)} per output.
     */
    public static void assertPlansMatchReference(io.github.convcl.backend.Backend backend, String name, io.github.convcl.spec.ConvSpec s,
                                                 java.util.List<io.github.convcl.plan.Plan> plans, double relative) {
        java.util.Random r = new java.util.Random(name.hashCode());
        float[] x = gaussian(r, s.inputElements());
        float[] w = gaussian(r, s.weightElements());
        float[] b = s.hasBias() ? gaussian(r, s.outChannels()) : null;
        double[] ref = io.github.convcl.jvm.Reference.convolve(s, x, w, b);
        double[] magnitude = magnitude(s, x, w);
        if (b != null) {
            // the bias is added in float too: its rounding is part of the scale
            int per = (int) (s.outputElements() / Math.max(1, (long) s.batch() * s.outChannels()));
            for (int i = 0; i < magnitude.length; i++) {
                magnitude[i] += Math.abs(b[(i / per) % s.outChannels()]);
            }
        }
        for (io.github.convcl.plan.Plan p : plans) {
            float[] y = backend.convolveArrays(s, p, x, w, b);
            assertClose(name + " " + p, y, ref);
            double worst = worstRelativeToMagnitude(y, ref, magnitude);
            if (worst > relative) {
                fail(name + " " + p + ": error " + worst + " of sum|w*x|, more than " + relative);
            }
        }
    }

    /** n standard-normal floats. */
    public static float[] gaussian(java.util.Random r, long n) {
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /**
     * Implicit-GEMM tilings that the broad tests (AllAlgorithmsTest, most of TapMajorGemmTest's layers) run: the
     * defaults (GPU, CPU, narrow, tensor cores) and one of each other shape (a k step of 8, 8x8 register blocks, 8
     * warps, a k step of 32). Every tiling is checked on three layers of TapMajorGemmTest (FMA and 3xTF32: a
     * convolution, a transposed and a grouped one) and on one of TensorCoreTest (fragment-ordered tiles, bit for bit
     * against the row layout), and compiled to PTX by PtxCodegenTest. Each tiling costs a PoCL build per layer option
     * set; all of them everywhere took a cold CI run past 25 minutes.
     */
    public static final java.util.Set<Tuning> GEMM_TILINGS = java.util.Set.of(Planner.GPU_TILES, Planner.CPU_TILES,
            Planner.GPU_NARROW_TILES, new Tuning(128, 64, 8, 8, 4), new Tuning(128, 128, 16, 8, 8), Planner.MMA_TILES,
            new Tuning(128, 64, 16, 32, 32), new Tuning(128, 128, 32, 32, 64));

    /**
     * The plans the broad tests run: every applicable one, the implicit GEMM's with the tilings of {@link #GEMM_TILINGS},
     * the fragment-ordered tiles with the default tiling only, the cp.async variants not at all: TensorCoreTest and
     * TapMajorGemmTest check those bit for bit against the plans run here (each plan is a slow build on PoCL). With a
     * padding mode other than zeros (a build of its own per tiling) the implicit GEMM runs its default tilings: the
     * padded index is computed where the loader reads an element, the same code in every tiling.
     */
    public static java.util.List<io.github.convcl.plan.Plan> testedPlans(io.github.convcl.backend.Backend b, io.github.convcl.spec.ConvSpec s) {
        return b.applicablePlans(s).stream().filter(p -> !implicitGemm(p) || GEMM_TILINGS.contains(p.tuning()))
                .filter(p -> !p.algorithm().fragmentTiles() || p.tuning().equals(Planner.MMA_TILES))
                .filter(p -> !p.algorithm().asyncCopies())
                .filter(p -> s.paddingMode() == io.github.convcl.spec.PaddingMode.ZEROS || !implicitGemm(p) || DEFAULT_TILINGS.contains(p.tuning()))
                .toList();
    }

    private static final java.util.Set<Tuning> DEFAULT_TILINGS = java.util.Set.of(Planner.GPU_TILES, Planner.CPU_TILES, Planner.MMA_TILES);

    /** The implicit-GEMM algorithms (whose plans carry a GEMM tiling). */
    public static boolean implicitGemm(io.github.convcl.plan.Plan p) {
        return switch (p.algorithm()) {
            case CL_IMPLICIT_GEMM, CL_IMPLICIT_GEMM_TF32, CL_IMPLICIT_GEMM_3XTF32, CL_IMPLICIT_GEMM_TF32_FRAG, CL_IMPLICIT_GEMM_3XTF32_FRAG,
                    CL_IMPLICIT_GEMM_TF32_ASYNC, CL_IMPLICIT_GEMM_3XTF32_ASYNC -> true;
            default -> false;
        };
    }

}
