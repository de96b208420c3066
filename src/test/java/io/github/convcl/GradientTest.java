package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.jvm.Reference;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Padding;
import io.github.convcl.spec.PaddingMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The backward passes: the float64 reference against finite differences, the Java backend against the reference. */
class GradientTest {
    static final List<ConvSpec> LAYERS = List.of(
            ConvSpec.conv(2).input(2, 3, 9, 8).outChannels(4).kernel(3).padding(1).build(),
            ConvSpec.conv(2).input(1, 4, 11, 10).outChannels(6).kernel(3).stride(2).dilation(2).padding(2).groups(2).build(),
            ConvSpec.conv(2).input(1, 3, 8, 9).outChannels(5).kernel(4, 3).padding(Padding.same()).paddingMode(PaddingMode.REFLECT).build(),
            ConvSpec.conv(2).input(1, 2, 7, 7).outChannels(3).kernel(3).padding(2).paddingMode(PaddingMode.CIRCULAR).build(),
            ConvSpec.conv(1).input(2, 3, 20).outChannels(4).kernel(5).stride(3).padding(2).paddingMode(PaddingMode.REPLICATE).build(),
            ConvSpec.conv(3).input(1, 2, 5, 6, 4).outChannels(3).kernel(3).stride(1, 2, 1).padding(1).build(),
            ConvSpec.conv(2).input(2, 6, 8, 8).outChannels(12).kernel(3).padding(1).groups(6).build(),
            ConvSpec.conv(2).input(1, 40, 20, 18).outChannels(40).kernel(3).padding(1).build(),
            ConvSpec.convTranspose(2).input(2, 4, 5, 6).outChannels(3).kernel(3).stride(2).padding(1).outputPadding(1).build(),
            ConvSpec.convTranspose(2).input(1, 4, 4, 4).outChannels(4).kernel(3).stride(2).dilation(3).outputPadding(2).groups(2).build(),
            ConvSpec.convTranspose(1).input(1, 3, 9).outChannels(2).kernel(4).stride(2).padding(1).build(),
            ConvSpec.convTranspose(3).input(1, 2, 3, 3, 4).outChannels(2).kernel(2).stride(2).build());

    /** The reference gradients are the derivatives of the reference forward: central differences in double. */
    @Test
    void theReferenceMatchesFiniteDifferences() {
        for (ConvSpec s : LAYERS.subList(0, 6)) {
            RandomSpecs r = new RandomSpecs(s.hashCode(), 1);
            float[] x = r.data(s.inputElements());
            float[] w = r.data(s.weightElements());
            float[] gy = r.data(s.outputElements());
            double[] gx = Reference.gradInput(s, w, gy);
            double[] gw = Reference.gradWeight(s, x, gy);
            java.util.Random pick = new java.util.Random(7);
            for (int probe = 0; probe < 6; probe++) {
                int i = pick.nextInt(x.length);
                double n = numeric(s, x, w, gy, i, true);
                assertEquals(n, gx[i], 1e-6 * Math.max(1, Math.abs(n)), s + " grad_input[" + i + "]");
                int j = pick.nextInt(w.length);
                double m = numeric(s, x, w, gy, j, false);
                assertEquals(m, gw[j], 1e-6 * Math.max(1, Math.abs(m)), s + " grad_weight[" + j + "]");
            }
        }
    }

    /** d(sum gy * conv(x, w))/d(x[i] or w[i]) by central differences; the loss is linear, so one step is exact but rounding. */
    private static double numeric(ConvSpec s, float[] x, float[] w, float[] gy, int i, boolean input) {
        float[] a = (input ? x : w).clone();
        float v = a[i];
        a[i] = v + 0.5f;
        float up = a[i];
        double plus = loss(s, input ? a : x, input ? w : a, gy);
        a[i] = v - 0.5f;
        float down = a[i];
        double minus = loss(s, input ? a : x, input ? w : a, gy);
        return (plus - minus) / ((double) up - down); // the steps as float rounded them
    }

    private static double loss(ConvSpec s, float[] x, float[] w, float[] gy) {
        double[] y = Reference.convolve(s, x, w, null);
        double l = 0;
        for (int k = 0; k < y.length; k++) {
            l += y[k] * gy[k];
        }
        return l;
    }

    /** The Java backend's three gradients against the reference, on 1, 2 and 3 threads, bit-identical between runs. */
    @Test
    void theJavaGradientsMatchTheReferenceOnAnyThreadCount() {
        int before = JavaBackend.threads();
        try (ConvCL cl = ConvCL.on(new JavaBackend())) {
            for (int threads : new int[] {1, 2, 3}) {
                JavaBackend.setThreads(threads);
                for (ConvSpec s : LAYERS) {
                    RandomSpecs r = new RandomSpecs(s.hashCode() + threads, 1);
                    float[] x = r.data(s.inputElements());
                    float[] w = r.data(s.weightElements());
                    float[] gy = r.data(s.outputElements());
                    try (Tensor tx = cl.tensor(x, s.inputShape()); Tensor tw = cl.tensor(w, s.weightShape());
                         Tensor tgy = cl.tensor(gy, s.outputShape()); Tensor gx = cl.gradInput(s, tgy, tw);
                         Tensor gw = cl.gradWeight(s, tx, tgy); Tensor gb = cl.gradBias(s, tgy);
                         Tensor gw2 = cl.gradWeight(s, tx, tgy)) {
                        String what = s + " on " + threads + " threads";
                        TestSupport.assertClose(what + " grad_input", gx.toArray(), Reference.gradInput(s, w, gy));
                        TestSupport.assertClose(what + " grad_weight", gw.toArray(), Reference.gradWeight(s, x, gy));
                        TestSupport.assertClose(what + " grad_bias", gb.toArray(), Reference.gradBias(s, gy));
                        assertArrayEquals(gw.toArray(), gw2.toArray(), what + ": the same bits run to run");
                    }
                }
            }
        } finally {
            JavaBackend.setThreads(before);
        }
    }

    /** With accumulate, each gradient is added to what the tensor holds, as a loop over micro-batches does. */
    @Test
    void gradientsAccumulateIntoExistingTensors() {
        ConvSpec s = LAYERS.get(2);
        try (ConvCL cl = ConvCL.on(new JavaBackend())) {
            RandomSpecs r = new RandomSpecs(3, 1);
            float[] x = r.data(s.inputElements());
            float[] w = r.data(s.weightElements());
            float[] gy = r.data(s.outputElements());
            try (Tensor tx = cl.tensor(x, s.inputShape()); Tensor tw = cl.tensor(w, s.weightShape()); Tensor tgy = cl.tensor(gy, s.outputShape());
                 Tensor gx = cl.gradInput(s, tgy, tw); Tensor gw = cl.gradWeight(s, tx, tgy); Tensor gb = cl.gradBias(s, tgy)) {
                float[] once = gx.toArray();
                cl.gradInput(s, tgy, tw, gx, true);
                cl.gradWeight(s, tx, tgy, gw, true);
                cl.gradBias(s, tgy, gb, true);
                double[] twice = Reference.gradInput(s, w, gy);
                for (int i = 0; i < twice.length; i++) {
                    twice[i] *= 2;
                }
                TestSupport.assertClose("grad_input twice", gx.toArray(), twice);
                double[] gw2 = Reference.gradWeight(s, x, gy);
                java.util.Arrays.setAll(gw2, i -> gw2[i] * 2);
                TestSupport.assertClose("grad_weight twice", gw.toArray(), gw2);
                double[] gb2 = Reference.gradBias(s, gy);
                java.util.Arrays.setAll(gb2, i -> gb2[i] * 2);
                TestSupport.assertClose("grad_bias twice", gb.toArray(), gb2);
                cl.gradInput(s, tgy, tw, gx, false);
                assertArrayEquals(once, gx.toArray(), "without accumulate the tensor is overwritten");
            }
        }
    }

    /** grad_input keeps the adjoint's packed weights between calls, and a write to the weights makes them stale. */
    @Test
    void theAdjointsPackedWeightsFollowWritesToTheWeights() {
        for (ConvSpec s : List.of(ConvSpec.conv(2).input(2, 64, 12, 12).outChannels(64).kernel(3).padding(1).build(),
                LAYERS.get(8))) {
            try (ConvCL cl = ConvCL.on(new JavaBackend())) {
                RandomSpecs r = new RandomSpecs(21, 1);
                float[] w1 = r.data(s.weightElements());
                float[] w2 = r.data(s.weightElements());
                float[] gy = r.data(s.outputElements());
                try (Tensor tw = cl.tensor(w1, s.weightShape()); Tensor tgy = cl.tensor(gy, s.outputShape());
                     Tensor gx = cl.empty(s.inputShape())) {
                    for (int i = 0; i < 3; i++) {
                        cl.gradInput(s, tgy, tw, gx, false);
                        TestSupport.assertClose(s + " call " + i, gx.toArray(), Reference.gradInput(s, w1, gy));
                    }
                    tw.write(w2);
                    cl.gradInput(s, tgy, tw, gx, false);
                    TestSupport.assertClose(s + " after a write", gx.toArray(), Reference.gradInput(s, w2, gy));
                }
            }
        }
    }

    /** Every Java grad_weight plan on layers at the edges of the padded-run dot products' shapes (fuzz found the first). */
    @Test
    void everyJavaWeightPlanMatchesTheReferenceAtTheEdgesOfItsShapes() {
        List<ConvSpec> specs = List.of(
                // a depth of 1 padded away: every product reads padding
                ConvSpec.conv(3).input(1, 8, 1, 7, 3).outChannels(4).kernel(1, 3, 1).stride(3, 2, 1).padding(1, 2, 3).dilation(3, 1, 1)
                        .groups(4).bias(false).build(),
                ConvSpec.conv(2).input(2, 4, 5, 37).outChannels(4).kernel(2, 5).stride(2, 1).padding(0, 3).dilation(1, 2).groups(2).build(),
                ConvSpec.conv(1).input(3, 2, 29).outChannels(2).kernel(7).padding(3).groups(2).build(),
                // pointwise with fewer input than output channels per group: the tap tiles read grad_output in place
                ConvSpec.conv(2).input(2, 4, 7, 9).outChannels(20).kernel(1).groups(2).build(),
                // depthwise with a task per group (up to 2 threads) and an odd width: each task pads its planes per image
                ConvSpec.conv(2).input(2, 8, 9, 13).outChannels(16).kernel(3).padding(1).groups(8).bias(false).build(),
                // at most a vector of output channels and at least one of input channels per group, 8 groups: the tap
                // tiles lay out the input as panels (whole and partial channel blocks and output quads, strides, modes)
                ConvSpec.conv(2).input(2, 64, 9, 11).outChannels(64).kernel(3).padding(1).groups(8).bias(false).build(),
                ConvSpec.conv(2).input(1, 80, 7, 6).outChannels(40).kernel(2, 3).stride(2).padding(1, 2).dilation(1, 2).groups(8)
                        .paddingMode(io.github.convcl.spec.PaddingMode.REFLECT).build(),
                ConvSpec.conv(1).input(3, 72, 29).outChannels(24).kernel(5).stride(3).padding(2).groups(8)
                        .paddingMode(io.github.convcl.spec.PaddingMode.CIRCULAR).build(),
                ConvSpec.conv(3).input(1, 64, 3, 5, 6).outChannels(8).kernel(3).stride(1, 2, 1).padding(1).groups(8).build(),
                // padding and dilation of 2^14 around a 10x10 plane: padded copies of 2^30 floats, so the products run in place
                ConvSpec.conv(2).input(1, 2, 10, 10).outChannels(2).kernel(3).padding(1 << 14).dilation(1 << 14).groups(2).build());
        java.util.Random r = new java.util.Random(53);
        int before = JavaBackend.threads();
        try (ConvCL cl = ConvCL.on(new JavaBackend())) {
            for (int t = 1; t <= 3; t++) {
                JavaBackend.setThreads(t);
                for (ConvSpec s : specs) {
                    float[] x = TestSupport.gaussian(r, s.inputElements());
                    float[] gy = TestSupport.gaussian(r, s.outputElements());
                    double[] ref = Reference.gradWeight(s, x, gy);
                    for (io.github.convcl.plan.Plan p : cl.backend().applicablePlans(s, io.github.convcl.spec.Pass.BACKWARD_WEIGHT)) {
                        TestSupport.assertClose(s + " " + p + " " + t, io.github.convcl.golden.GoldenRunner.gradWeightArrays(cl.backend(), s, p, x, gy), ref);
                    }
                }
            }
        } finally {
            JavaBackend.setThreads(before);
        }
    }

    /**
     * Every OpenCL grad_weight plan, the split-reduction GEMM among them (with one split and with several), against the
     * reference on every kind of layer, the same bits run to run.
     */
    @Test
    void everyOpenClWeightPlanMatchesTheReference() {
        List<ConvSpec> specs = List.of(
                ConvSpec.conv(2).input(2, 6, 64, 64).outChannels(5).kernel(3).padding(1).bias(false).build(),
                ConvSpec.conv(2).input(1, 8, 9, 11).outChannels(12).kernel(3).stride(2).padding(1).groups(4).build(),
                ConvSpec.conv(1).input(2, 3, 40).outChannels(35).kernel(5).dilation(2).padding(4)
                        .paddingMode(io.github.convcl.spec.PaddingMode.REFLECT).build(),
                ConvSpec.conv(3).input(1, 2, 5, 6, 7).outChannels(3).kernel(3).padding(1)
                        .paddingMode(io.github.convcl.spec.PaddingMode.CIRCULAR).build(),
                ConvSpec.convTranspose(2).input(2, 4, 6, 5).outChannels(6).kernel(3).stride(2).padding(1).outputPadding(1).build(),
                ConvSpec.convTranspose(2).input(1, 6, 7, 7).outChannels(6).kernel(4).stride(2).padding(1).groups(3).build());
        java.util.Random r = new java.util.Random(47);
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu")) {
            int gemm = 0;
            int split = 0;
            for (ConvSpec s : specs) {
                float[] x = TestSupport.gaussian(r, s.inputElements());
                float[] gy = TestSupport.gaussian(r, s.outputElements());
                double[] ref = Reference.gradWeight(s, x, gy);
                for (io.github.convcl.plan.Plan p : cl.backend().applicablePlans(s, io.github.convcl.spec.Pass.BACKWARD_WEIGHT)) {
                    float[] gw = io.github.convcl.golden.GoldenRunner.gradWeightArrays(cl.backend(), s, p, x, gy);
                    TestSupport.assertClose(s + " " + p, gw, ref);
                    assertArrayEquals(gw, io.github.convcl.golden.GoldenRunner.gradWeightArrays(cl.backend(), s, p, x, gy), "run to run " + p);
                    if (p.algorithm() == io.github.convcl.plan.Algorithm.CL_WEIGHT_GEMM) {
                        gemm++;
                        split += ((io.github.convcl.plan.ClWeightSplit) p.variant()).splits() > 1 ? 1 : 0;
                    }
                }
            }
            assertEquals(specs.size(), gemm, "the GEMM applies to every one of these layers");
            assertTrue(split > 0, "some layer split its reduction");
        }
    }

    /**
     * Every grad_weight plan keeps an infinity in the input to the weights whose products read it, as the reference does:
     * the padded-run dot products, which multiply grad_output's zero padding by input past a row's end, fall back for
     * inputs that are not all finite.
     */
    @Test
    void anInfinityInTheInputReachesOnlyTheWeightsThatReadIt() {
        ConvSpec s = ConvSpec.conv(2).input(1, 4, 9, 11).outChannels(4).kernel(3).padding(1).groups(2).bias(false).build();
        java.util.Random r = new java.util.Random(31);
        float[] x = TestSupport.gaussian(r, s.inputElements());
        float[] gy = TestSupport.gaussian(r, s.outputElements());
        x[2 * 99 + 5 * 11 + 10] = Float.POSITIVE_INFINITY; // channel 2, last column of a row
        double[] ref = Reference.gradWeight(s, x, gy);
        try (ConvCL cl = ConvCL.on(new JavaBackend())) {
            for (io.github.convcl.plan.Plan p : cl.backend().applicablePlans(s, io.github.convcl.spec.Pass.BACKWARD_WEIGHT)) {
                float[] gw = io.github.convcl.golden.GoldenRunner.gradWeightArrays(cl.backend(), s, p, x, gy);
                for (int i = 0; i < gw.length; i++) {
                    if (Double.isFinite(ref[i])) {
                        assertEquals(ref[i], gw[i], 1e-4 * Math.max(1, Math.abs(ref[i])), p + " weight " + i);
                    } else {
                        assertEquals(Double.isNaN(ref[i]), Float.isNaN(gw[i]), p + " weight " + i + ": " + ref[i] + " vs " + gw[i]);
                    }
                }
            }
        }
    }

    @Test
    void badGradientCallsAreRefusedBeforeAnyWork() {
        ConvSpec s = LAYERS.get(0);
        try (ConvCL cl = ConvCL.on(new JavaBackend()); ConvCL other = ConvCL.on(new JavaBackend());
             Tensor x = cl.empty(s.inputShape()); Tensor w = cl.empty(s.weightShape()); Tensor gy = cl.empty(s.outputShape());
             Tensor wrongGy = cl.empty(2, 4, 9, 9); Tensor foreign = other.empty(s.outputShape()); Tensor wrongGx = cl.empty(2, 3, 9, 9)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cl.gradInput(s, wrongGy, w));
            assertTrue(e.getMessage().contains("grad_output shape [2, 4, 9, 9]") && e.getMessage().contains("[2, 4, 9, 8]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cl.gradWeight(s, x, foreign));
            assertTrue(e.getMessage().contains("grad_output") && e.getMessage().contains("another runtime"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cl.gradInput(s, gy, w, wrongGx, false));
            assertTrue(e.getMessage().contains("grad_input shape [2, 3, 9, 9]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cl.gradWeight(s, gy, gy));
            assertTrue(e.getMessage().contains("input shape"), e.getMessage());
            assertThrows(NullPointerException.class, () -> cl.gradBias(s, null));
        }
    }

    /** Every case of ../shared/golden-grad on the Java backend: the planner's plans, and every plan of each grad_input. */
    @Test
    void theGoldenGradientsPassOnJava() throws Exception {
        java.nio.file.Path dir = TestSupport.goldenDir().resolveSibling("golden-grad");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(dir.resolve("cases.json")), "no golden-grad at " + dir);
        List<io.github.convcl.golden.GoldenCase> cases = io.github.convcl.golden.GoldenSuite.load(dir);
        assertTrue(cases.size() >= 40, "cases: " + cases.size());
        List<String> failed = new java.util.ArrayList<>();
        int everyPlan = 0;
        try (ConvCL cl = ConvCL.on(new JavaBackend())) {
            for (io.github.convcl.golden.GoldenCase c : cases) {
                var r = io.github.convcl.golden.GoldenRunner.run(c, cl);
                if (!r.passed()) {
                    failed.add(r.name() + ": " + r.detail());
                }
                if (c.expectError() == null) {
                    for (var e : io.github.convcl.golden.GoldenRunner.runEveryPlan(c, cl.backend())) {
                        everyPlan++;
                        if (!e.passed()) {
                            failed.add(e.name() + ": " + e.detail());
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), failed);
        assertTrue(everyPlan > 2 * cases.size(), "plans run: " + everyPlan);
    }

    /** The OpenCL gradients against the reference, accumulated, and the same bits twice (on PoCL in CI). */
    @Test
    void theOpenClGradientsMatchTheReference() {
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu")) {
            for (ConvSpec s : LAYERS) {
                RandomSpecs r = new RandomSpecs(s.hashCode() + 11, 1);
                float[] x = r.data(s.inputElements());
                float[] w = r.data(s.weightElements());
                float[] gy = r.data(s.outputElements());
                try (Tensor tx = cl.tensor(x, s.inputShape()); Tensor tw = cl.tensor(w, s.weightShape());
                     Tensor tgy = cl.tensor(gy, s.outputShape()); Tensor gx = cl.gradInput(s, tgy, tw);
                     Tensor gw = cl.gradWeight(s, tx, tgy); Tensor gb = cl.gradBias(s, tgy); Tensor gw2 = cl.gradWeight(s, tx, tgy)) {
                    TestSupport.assertClose(s + " grad_input", gx.toArray(), Reference.gradInput(s, w, gy));
                    TestSupport.assertClose(s + " grad_weight", gw.toArray(), Reference.gradWeight(s, x, gy));
                    TestSupport.assertClose(s + " grad_bias", gb.toArray(), Reference.gradBias(s, gy));
                    assertArrayEquals(gw.toArray(), gw2.toArray(), s + ": the same bits run to run");
                    cl.gradInput(s, tgy, tw, gx, true);
                    cl.gradWeight(s, tx, tgy, gw, true);
                    double[] gx2 = Reference.gradInput(s, w, gy);
                    java.util.Arrays.setAll(gx2, i -> gx2[i] * 2);
                    TestSupport.assertClose(s + " grad_input accumulated", gx.toArray(), gx2);
                    double[] gw22 = Reference.gradWeight(s, x, gy);
                    java.util.Arrays.setAll(gw22, i -> gw22[i] * 2);
                    TestSupport.assertClose(s + " grad_weight accumulated", gw.toArray(), gw22);
                }
            }
        }
    }

    /** Every case of ../shared/golden-grad on OpenCL (the planner's plans). */
    @Test
    void theGoldenGradientsPassOnOpenCl() throws Exception {
        java.nio.file.Path dir = TestSupport.goldenDir().resolveSibling("golden-grad");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(dir.resolve("cases.json")), "no golden-grad at " + dir);
        List<String> failed = new java.util.ArrayList<>();
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu")) {
            for (io.github.convcl.golden.GoldenCase c : io.github.convcl.golden.GoldenSuite.load(dir)) {
                var r = io.github.convcl.golden.GoldenRunner.run(c, cl);
                if (!r.passed()) {
                    failed.add(r.name() + ": " + r.detail());
                }
            }
        }
        assertEquals(List.of(), failed);
    }
}
