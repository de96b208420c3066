package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.convcl.backend.Backend;
import io.github.convcl.golden.GoldenCase;
import io.github.convcl.golden.GoldenRunner;
import io.github.convcl.golden.GoldenSuite;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.jvm.Reference;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.Activation;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Fused epilogues and channel-slice outputs on every backend (Java at 1 to 3 threads, OpenCL) and every plan, against
 * the float64 reference: ../shared/golden-fused, every activation with every part, slices of a larger tensor, and the
 * refusals.
 */
class FusedTest {
    /**
     * Layers whose plans cover every kernel family: pointwise (one with row blocks), dense 3x3 (Winograd), strided,
     * depthwise, grouped, 1D, 3D, transposed.
     */
    private static final List<ConvSpec> LAYERS = List.of(
            ConvSpec.conv(2).input(2, 8, 6, 7).outChannels(12).kernel(1).build(),
            // few columns, many output channels: the Java GEMM splits the channels into row blocks (the last one short)
            ConvSpec.conv(2).input(2, 64, 7, 7).outChannels(200).kernel(1).build(),
            // a short reduction into a large output: the Java GEMM's row panels go outside, each tile final at once (46
            // rows: 6- and 4-row tiles; 3660 columns: a last partial tile)
            ConvSpec.conv(2).input(2, 16, 60, 61).outChannels(46).kernel(1).build(),
            // the same order with a last 6-row panel of 5 channels (a padding row the epilogue must not touch)
            ConvSpec.conv(2).input(1, 8, 53, 53).outChannels(47).kernel(1).build(),
            // a reduction of two blocks (the Java GEMM's tiles finish their values in the last one), 6- and 4-row
            // panels, and a last column slice of one
            ConvSpec.conv(2).input(2, 300, 9, 9).outChannels(20).kernel(1).build(),
            // positions past the last 32-column tile (14x14: 196 = 6 x 32 + 4; 6x6: 36) as dot products where the
            // 512-bit tiles run: groups, a lone last row, a reduction that ends in a partial vector
            ConvSpec.conv(2).input(2, 24, 14, 14).outChannels(26).kernel(1).groups(2).build(),
            ConvSpec.conv(2).input(1, 19, 6, 6).outChannels(9).kernel(1).build(),
            ConvSpec.conv(2).input(2, 6, 9, 8).outChannels(7).kernel(3).padding(1).bias(false).build(),
            ConvSpec.conv(2).input(1, 5, 11, 9).outChannels(6).kernel(3).stride(2).padding(1).build(),
            ConvSpec.conv(2).input(2, 6, 9, 10).outChannels(6).kernel(3).padding(1).groups(6).build(),
            ConvSpec.conv(2).input(1, 8, 7, 7).outChannels(8).kernel(3).padding(1).groups(4).build(),
            ConvSpec.conv(1).input(2, 4, 21).outChannels(5).kernel(3).dilation(2).build(),
            ConvSpec.conv(3).input(1, 3, 4, 5, 6).outChannels(4).kernel(3).padding(1).build(),
            ConvSpec.convTranspose(2).input(2, 6, 5, 4).outChannels(5).kernel(4).stride(2).padding(1).build(),
            ConvSpec.convTranspose(2).input(1, 8, 4, 4).outChannels(8).kernel(2).stride(2).build(),
            // 16 channels into 32, 3x3: the Java Winograd along channels where 512-bit vectors run (partial tiles)
            ConvSpec.conv(2).input(2, 16, 9, 7).outChannels(32).kernel(3).padding(1).build(),
            // depthwise: a 3x3 read unpadded (rows of 18), nine taps along rows of 20 (stride 2, channel multiplier 2),
            // and 25 taps over the padded plane's run of positions; the narrow 9x10 above takes that run too
            ConvSpec.conv(2).input(1, 3, 5, 18).outChannels(3).kernel(3).padding(1).groups(3).build(),
            ConvSpec.conv(2).input(1, 4, 6, 40).outChannels(8).kernel(3).stride(2).padding(1).groups(4).build(),
            ConvSpec.conv(2).input(2, 4, 7, 9).outChannels(4).kernel(5).padding(2).groups(4).build());

    /** A transposed convolution the Java planner gives to the GEMM and col2im, each output one tap's (kernel = stride). */
    private static final ConvSpec TRANSPOSED_GEMM = ConvSpec.convTranspose(3).input(1, 16, 6, 6, 6).outChannels(8).kernel(2).stride(2)
            .bias(false).build();

    private static final List<Epilogue> EPILOGUES = List.of(
            Epilogue.of(Activation.RELU).affine().residual(),
            Epilogue.of(Activation.RELU6).affine(),
            Epilogue.NONE.leakyRelu(0.2f).residual(),
            Epilogue.of(Activation.SIGMOID).affine(true, false),
            Epilogue.of(Activation.TANH).affine(false, true),
            Epilogue.of(Activation.SILU).affine(),
            Epilogue.of(Activation.GELU).residual(),
            Epilogue.of(Activation.HARDSWISH).affine().residual(),
            Epilogue.NONE.affine().residual());

    private static void onEveryBackend(Consumer<ConvCL> body) {
        TestSupport.onEveryBackend(body);
    }

    private static Path fusedDir() {
        Path dir = TestSupport.goldenDir().resolveSibling("golden-fused");
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("cases.json")), "no golden-fused at " + dir);
        return dir;
    }

    /**
     * ../shared/golden-fused with the planner's plans on every backend, and with every plan on Java (OpenCL's plans are
     * run by {@link #everyEpilogueOnEveryPlanMatchesTheReference}: each tiling is a slow build on PoCL).
     */
    @Test
    void goldenFusedPassesOnEveryBackend() throws Exception {
        List<GoldenCase> cases = GoldenSuite.load(fusedDir());
        onEveryBackend(cl -> {
            List<String> failures = new ArrayList<>();
            for (GoldenCase c : cases) {
                List<GoldenRunner.Result> results = new ArrayList<>(List.of(GoldenRunner.run(c, cl)));
                if (cl.backendKind() == io.github.convcl.plan.BackendKind.JAVA) {
                    results.addAll(GoldenRunner.runEveryPlan(c, cl.backend()));
                }
                results.stream().filter(r -> !r.passed()).forEach(r -> failures.add(r.name() + ": " + r.detail()));
            }
            assertTrue(failures.isEmpty(), cl.device() + ": " + failures);
        });
    }

    /**
     * Every plan of every layer ({@link TestSupport#testedPlans}: on OpenCL the implicit GEMM with the tested tilings),
     * each with one of the epilogues in turn, against the float64 reference.
     */
    @Test
    void everyEpilogueOnEveryPlanMatchesTheReference() {
        onEveryBackend(cl -> {
            Random r = new Random(27);
            int turn = 0;
            for (ConvSpec bare : LAYERS) {
                for (Plan p : TestSupport.testedPlans(cl.backend(), bare)) {
                    matchesTheReference(cl, bare.withEpilogue(EPILOGUES.get(turn++ % EPILOGUES.size())), p, r);
                }
            }
        });
    }

    /**
     * A relu after scale and shift, and a relu alone, on every plan of every layer: after the fold what is left is a
     * relu, which the Java kernels store themselves (the GEMMs' tiles, the direct GEMM's column copy, the Winograd's
     * output transform) rather than in a pass; against the float64 reference.
     */
    @Test
    void aReluAloneOnEveryPlanMatchesTheReference() {
        onEveryBackend(cl -> {
            Random r = new Random(29);
            for (ConvSpec bare : LAYERS) {
                for (Plan p : TestSupport.testedPlans(cl.backend(), bare)) {
                    for (Epilogue e : List.of(Epilogue.of(Activation.RELU).affine(), Epilogue.of(Activation.RELU))) {
                        matchesTheReference(cl, bare.withEpilogue(e), p, r);
                    }
                }
            }
        });
    }

    /**
     * A scale that makes finite weights overflow (weights of 1e30, scale 1e10, inputs of 1e-30 over the fan-in: each
     * sum at most about 1, times the scale 1e10), or only the sums of a Winograd's weight transform (weights of 3e28),
     * on every plan: a kernel that folds the scale into its weights would store infinities or NaN, so there the scale
     * is applied after the products.
     */
    @Test
    void aScaleThatMakesWeightsOverflowIsAppliedAfterTheProducts() {
        List<ConvSpec> layers = List.of(LAYERS.get(0), LAYERS.get(7), LAYERS.get(8), LAYERS.get(9), LAYERS.get(13), LAYERS.get(14), LAYERS.get(15),
                ConvSpec.conv(2).input(1, 16, 12, 12).outChannels(16).kernel(3).padding(1).build(), TRANSPOSED_GEMM);
        onEveryBackend(cl -> {
            for (ConvSpec bare : layers) {
                for (float weight : new float[] {1e30f, 3e28f}) {
                    ConvSpec s = bare.withEpilogue(Epilogue.of(Activation.RELU).affine());
                    float[] x = new float[(int) s.inputElements()];
                    java.util.Arrays.fill(x, (float) (1e-30 * s.outChannels() / s.weightElements()));
                    float[] w = new float[(int) s.weightElements()];
                    java.util.Arrays.fill(w, weight);
                    float[] bias = s.hasBias() ? new float[s.outChannels()] : null;
                    float[] scale = new float[s.outChannels()];
                    java.util.Arrays.fill(scale, 1e10f);
                    float[] shift = new float[s.outChannels()];
                    double[] ref = Reference.convolve(s, x, w, bias, scale, shift, null);
                    for (Plan p : TestSupport.testedPlans(cl.backend(), bare)) {
                        float[] y = cl.backend().convolveArrays(s, p, x, w, bias, scale, shift, null);
                        TestSupport.assertClose(s + " " + p + " weights " + weight + " on " + cl.device(), y, ref);
                    }
                }
            }
        });
    }

    /**
     * A bias that overflows once times its scale where the biased sum does not: inputs of -2^100 under one weight of 1
     * per output (the center tap of the first input channel), a bias of 2^100, a scale of 2^40. Each biased sum is
     * exactly 0, so every output is the shift, 0.5; a kernel that folded the scale into its weights and bias would add
     * +Infinity (the folded bias) to -Infinity (the scaled sum) and store NaN. Depthwise (both kernels) and pointwise,
     * on every plan but the Winograds: theirs is exact up to rounding, and a rounding of -2^100 times 2^40 is far past
     * 0.5.
     */
    @Test
    void aBiasThatOverflowsOnceScaledIsAddedBeforeTheScale() {
        List<ConvSpec> layers = List.of(
                ConvSpec.conv(2).input(1, 4, 5, 20).outChannels(4).kernel(3).padding(1).groups(4).build(),
                ConvSpec.conv(2).input(2, 4, 9, 20).outChannels(8).kernel(3).stride(2).padding(1).groups(4).build(),
                ConvSpec.conv(2).input(1, 8, 6, 6).outChannels(8).kernel(1).build());
        onEveryBackend(cl -> {
            for (ConvSpec bare : layers) {
                ConvSpec s = bare.withEpilogue(Epilogue.of(Activation.RELU).affine());
                float[] x = new float[(int) s.inputElements()];
                java.util.Arrays.fill(x, -0x1p100f);
                float[] w = new float[(int) s.weightElements()];
                int taps = (int) (s.weightElements() / s.outChannels() / s.inPerGroup());
                for (int co = 0; co < s.outChannels(); co++) {
                    w[co * s.inPerGroup() * taps + taps / 2] = 1f;
                }
                float[] bias = new float[s.outChannels()];
                java.util.Arrays.fill(bias, 0x1p100f);
                float[] scale = new float[s.outChannels()];
                java.util.Arrays.fill(scale, 0x1p40f);
                float[] shift = new float[s.outChannels()];
                java.util.Arrays.fill(shift, 0.5f);
                double[] ref = Reference.convolve(s, x, w, bias, scale, shift, null);
                assertEquals(0.5, ref[ref.length - 1]);
                for (Plan p : TestSupport.testedPlans(cl.backend(), bare)) {
                    if (p.algorithm().family() == Algorithm.Family.JAVA_WINOGRAD || p.algorithm().family() == Algorithm.Family.CL_WINOGRAD) {
                        continue;
                    }
                    float[] y = cl.backend().convolveArrays(s, p, x, w, bias, scale, shift, null);
                    TestSupport.assertClose(s + " " + p + " on " + cl.device(), y, ref);
                }
            }
        });
    }

    /** {@code s} on plan {@code p} of {@code cl}'s backend, on data drawn from {@code r}, against the float64 reference. */
    private static void matchesTheReference(ConvCL cl, ConvSpec s, Plan p, Random r) {
        Epilogue e = s.epilogue();
        float[] x = TestSupport.gaussian(r, s.inputElements());
        float[] w = TestSupport.gaussian(r, s.weightElements());
        float[] bias = s.hasBias() ? TestSupport.gaussian(r, s.outChannels()) : null;
        float[] scale = e.hasScale() ? TestSupport.gaussian(r, s.outChannels()) : null;
        float[] shift = e.hasShift() ? TestSupport.gaussian(r, s.outChannels()) : null;
        float[] residual = e.hasResidual() ? TestSupport.gaussian(r, s.outputElements()) : null;
        double[] ref = Reference.convolve(s, x, w, bias, scale, shift, residual);
        float[] y = cl.backend().convolveArrays(s, p, x, w, bias, scale, shift, residual);
        TestSupport.assertClose(s + " " + p + " on " + cl.device(), y, ref);
    }

    /**
     * The Java GEMM kernels (the transposed one too) fold the epilogue's scale into their packed weights, kept with the
     * weight tensor beside its bare panels: one weight tensor run bare, with a scale, with new values written into that
     * scale, with another scale tensor, and bare again must give each call's own result. Fails if the packed panels
     * were taken for another scale's (or for the bare weights), or the bare ones for scaled.
     */
    @Test
    void aWeightTensorTakesEachScaleItIsGiven() {
        Random r = new Random(31);
        try (ConvCL cl = ConvCL.open("java")) {
            for (ConvSpec bare : List.of(LAYERS.get(0), LAYERS.get(2), LAYERS.get(4), LAYERS.get(7), LAYERS.get(8), LAYERS.get(10),
                    LAYERS.get(11), LAYERS.get(13), LAYERS.get(14), TRANSPOSED_GEMM)) {
                ConvSpec fused = bare.withEpilogue(Epilogue.of(Activation.RELU).affine());
                int[] ch = {bare.outChannels()};
                float[] x = TestSupport.gaussian(r, bare.inputElements());
                float[] w = TestSupport.gaussian(r, bare.weightElements());
                float[] bias = bare.hasBias() ? TestSupport.gaussian(r, bare.outChannels()) : null;
                float[] shift = TestSupport.gaussian(r, bare.outChannels());
                float[] first = TestSupport.gaussian(r, bare.outChannels());
                float[] second = TestSupport.gaussian(r, bare.outChannels());
                float[] third = TestSupport.gaussian(r, bare.outChannels());
                try (Tensor tx = cl.tensor(x, bare.inputShape()); Tensor tw = cl.tensor(w, bare.weightShape());
                     Tensor tb = bias == null ? null : cl.tensor(bias, bare.biasShape()); Tensor ty = cl.empty(bare.outputShape());
                     Tensor ts = cl.tensor(first, ch); Tensor tt = cl.tensor(shift, ch); Tensor other = cl.tensor(third, ch)) {
                    cl.conv(bare, tx, tw, tb, ty);
                    TestSupport.assertClose(bare + " bare", ty.toArray(), Reference.convolve(bare, x, w, bias, null, null, null));
                    cl.conv(fused, tx, tw, tb, new EpilogueInputs(ts, tt, null), ty);
                    TestSupport.assertClose(fused + " first scale", ty.toArray(), Reference.convolve(fused, x, w, bias, first, shift, null));
                    ts.write(second);
                    cl.conv(fused, tx, tw, tb, new EpilogueInputs(ts, tt, null), ty);
                    TestSupport.assertClose(fused + " scale rewritten", ty.toArray(),
                            Reference.convolve(fused, x, w, bias, second, shift, null));
                    cl.conv(fused, tx, tw, tb, new EpilogueInputs(other, tt, null), ty);
                    TestSupport.assertClose(fused + " another scale", ty.toArray(), Reference.convolve(fused, x, w, bias, third, shift, null));
                    cl.conv(bare, tx, tw, tb, ty);
                    TestSupport.assertClose(bare + " bare again", ty.toArray(), Reference.convolve(bare, x, w, bias, null, null, null));
                }
            }
        }
    }

    /**
     * The Java Winograds along channels (F(4,3) and F(2,3)) with every epilogue, both where it finishes the outputs
     * along the channels (identity, relu and relu6 after scale and shift, no residual) and where a pass over the planes
     * does (the residual and the other activations), against the float64 reference. The weights have a trained layer's
     * scale (1 / sqrt(fan-in)): F(4,3)'s transforms multiply the rounding of sums of 288 unit products past the golden
     * tolerance, as the NCHW Winograd's do.
     */
    @Test
    void theWinogradAlongChannelsFinishesEveryEpilogue() {
        Backend b = new JavaBackend();
        ConvSpec bare = ConvSpec.conv(2).input(2, 32, 10, 9).outChannels(80).kernel(3).padding(1).build();
        List<Plan> plans = b.applicablePlans(bare).stream().filter(p -> p.algorithm() == io.github.convcl.plan.Algorithm.JAVA_WINOGRAD_CHANNELS
                || p.algorithm() == io.github.convcl.plan.Algorithm.JAVA_WINOGRAD_F2_CHANNELS).toList();
        Assumptions.assumeFalse(plans.isEmpty(), "no 512-bit vectors: the Winograd along channels does not run here");
        List<Epilogue> all = new ArrayList<>(EPILOGUES);
        all.add(Epilogue.of(Activation.RELU).affine());
        all.add(Epilogue.of(Activation.RELU6).affine(false, true));
        all.add(Epilogue.NONE.affine());
        Random r = new Random(29);
        for (Epilogue e : all) {
            ConvSpec s = bare.withEpilogue(e);
            float[] x = TestSupport.gaussian(r, s.inputElements());
            float[] w = TestSupport.gaussian(r, s.weightElements());
            for (int i = 0; i < w.length; i++) {
                w[i] /= (float) Math.sqrt(s.inChannels() * 9);
            }
            float[] bias = TestSupport.gaussian(r, s.outChannels());
            float[] scale = e.hasScale() ? TestSupport.gaussian(r, s.outChannels()) : null;
            float[] shift = e.hasShift() ? TestSupport.gaussian(r, s.outChannels()) : null;
            float[] residual = e.hasResidual() ? TestSupport.gaussian(r, s.outputElements()) : null;
            double[] ref = Reference.convolve(s, x, w, bias, scale, shift, residual);
            for (Plan p : plans) {
                float[] y = b.convolveArrays(s, p, x, w, bias, scale, shift, residual);
                TestSupport.assertClose(s + " " + p, y, ref);
            }
        }
    }

    /**
     * Every plan writes a channel slice of a larger tensor (batch 2: the slice is not contiguous), with an epilogue:
     * the slice holds the result, every other channel keeps its value.
     */
    @Test
    void everyPlanWritesIntoAChannelSliceAndNowhereElse() {
        onEveryBackend(cl -> {
            Random r = new Random(28);
            for (ConvSpec bare : LAYERS) {
                if (bare.batch() < 2) {
                    continue;
                }
                ConvSpec s = bare.withEpilogue(Epilogue.of(Activation.RELU).affine().residual());
                int[] whole = s.outputShape();
                int before = 3;
                whole[1] = before + s.outChannels() + 2;
                float[] x = TestSupport.gaussian(r, s.inputElements());
                float[] w = TestSupport.gaussian(r, s.weightElements());
                float[] bias = s.hasBias() ? TestSupport.gaussian(r, s.outChannels()) : null;
                float[] scale = TestSupport.gaussian(r, s.outChannels());
                float[] shift = TestSupport.gaussian(r, s.outChannels());
                float[] residual = TestSupport.gaussian(r, s.outputElements());
                float[] expected = TestSupport.toFloat(Reference.convolve(s, x, w, bias, scale, shift, residual));
                long wholeElements = io.github.convcl.spec.Shapes.elements("whole", whole);
                float[] sentinel = new float[Math.toIntExact(wholeElements)];
                java.util.Arrays.fill(sentinel, -7.5f);
                try (Tensor tx = cl.tensor(x, s.inputShape()); Tensor tw = cl.tensor(w, s.weightShape());
                     Tensor tb = bias == null ? null : cl.tensor(bias, s.outChannels());
                     Tensor ts = cl.tensor(scale, s.outChannels()); Tensor tt = cl.tensor(shift, s.outChannels());
                     Tensor tr = cl.tensor(residual, s.outputShape()); Tensor out = cl.tensor(sentinel, whole)) {
                    Tensor slice = out.channels(before, s.outChannels());
                    for (Plan p : TestSupport.testedPlans(cl.backend(), s)) {
                        out.write(sentinel);
                        cl.conv(s, p, tx, tw, tb, new EpilogueInputs(ts, tt, tr), slice);
                        String at = s + " " + p + " on " + cl.device();
                        assertTrue(TestSupport.close(slice.toArray(), expected), at + ": the slice");
                        float[] all = out.toArray();
                        int per = Math.toIntExact(wholeElements / whole[0] / whole[1]);
                        for (int i = 0; i < all.length; i++) {
                            int c = (i / per) % whole[1];
                            if ((c < before || c >= before + s.outChannels()) && all[i] != -7.5f) {
                                fail(at + ": channel " + c + " outside the slice was written at " + i);
                            }
                        }
                    }
                }
            }
        });
    }

    /** The fuzz's fused bound carries an argument's error through the activation by maxSlope: it must be the sup of |f'|. */
    @Test
    void everyActivationsMaxSlopeIsTheSupremumOfItsSlope() {
        for (Activation a : Activation.values()) {
            for (double slope : new double[] {0.2, -3}) {
                double steepest = 0;
                for (double x = -12; x <= 12; x += 1e-3) {
                    double h = 1e-6;
                    steepest = Math.max(steepest, Math.abs(a.apply(x + h, slope) - a.apply(x - h, slope)) / (2 * h));
                }
                double bound = a.maxSlope(slope);
                assertTrue(steepest <= bound * (1 + 1e-6) && steepest >= bound * 0.999, a + " slope " + slope + ": steepest " + steepest
                        + ", maxSlope " + bound);
            }
        }
    }

    @Test
    void anEpilogueSpecIsPartOfTheLayerKeyAndItsPrintedForm() {
        ConvSpec bare = LAYERS.get(1);
        ConvSpec fused = bare.withEpilogue(Epilogue.of(Activation.RELU).affine());
        assertTrue(fused.toString().contains("epilogue=scale+shift+relu"), fused.toString());
        assertTrue(!fused.equals(bare) && !io.github.convcl.plan.Planner.layerKey(fused).equals(io.github.convcl.plan.Planner.layerKey(bare)));
        assertEquals(io.github.convcl.plan.Planner.layerKey(bare), io.github.convcl.plan.Planner.tuningClasses(fused).get(1),
                "a tuned bare layer serves its fused form next");
        assertEquals("leaky_relu(0.2)", Epilogue.NONE.leakyRelu(0.2f).toString());
    }

    @Test
    void badEpilogueCallsAreRefusedBeforeAnyDeviceWork() {
        ConvSpec s = ConvSpec.conv(2).input(2, 3, 5, 5).outChannels(4).kernel(3).padding(1).epilogue(Epilogue.of(Activation.RELU).affine()).build();
        try (ConvCL cl = ConvCL.open("java"); ConvCL other = ConvCL.open("java");
             Tensor x = cl.empty(s.inputShape()); Tensor w = cl.empty(s.weightShape()); Tensor b = cl.empty(4);
             Tensor scale = cl.empty(4); Tensor shift = cl.empty(4); Tensor wrong = cl.empty(5); Tensor foreign = other.empty(4);
             Tensor big = cl.empty(2, 9, 5, 5); Tensor res = cl.empty(s.outputShape())) {
            String m = assertThrows(IllegalArgumentException.class, () -> cl.conv(s, x, w, b)).getMessage();
            assertTrue(m.contains("scale is null") && m.contains("[4]"), m);
            m = assertThrows(IllegalArgumentException.class, () -> cl.conv(s, x, w, b, EpilogueInputs.affine(wrong, shift))).getMessage();
            assertTrue(m.contains("scale shape [5]") && m.contains("[4]"), m);
            m = assertThrows(IllegalArgumentException.class, () -> cl.conv(s, x, w, b, EpilogueInputs.affine(foreign, shift))).getMessage();
            assertTrue(m.contains("another runtime"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> cl.conv(s, x, w, b, EpilogueInputs.affine(scale, shift).withResidual(res))).getMessage();
            assertTrue(m.contains("residual") && m.contains("has no residual"), m);
            ConvSpec withResidual = s.withEpilogue(s.epilogue().residual());
            m = assertThrows(IllegalArgumentException.class,
                    () -> cl.conv(withResidual, x, w, b, EpilogueInputs.affine(scale, shift).withResidual(res), res)).getMessage();
            assertTrue(m.contains("share memory"), m);
            Tensor view = big.channels(2, 4);
            m = assertThrows(IllegalArgumentException.class, () -> cl.conv(s.withEpilogue(Epilogue.NONE), view, w, b)).getMessage();
            assertTrue(m.contains("channel view"), m);
            m = assertThrows(IllegalArgumentException.class, () -> big.channels(7, 3)).getMessage();
            assertTrue(m.contains("first=7") && m.contains("count=3"), m);
            m = assertThrows(IllegalArgumentException.class, () -> cl.gradInput(s, res, w)).getMessage();
            assertTrue(m.contains("epilogue="), m);
            m = assertThrows(IllegalArgumentException.class, () -> cl.convolve(s, new float[150], new float[108], new float[4])).getMessage();
            assertTrue(m.contains("EpilogueInputs"), m);
            assertThrows(IllegalArgumentException.class, () -> Activation.parse("swish"));
            // an activation alone needs no tensors, and runs through the array call too
            ConvSpec relu = s.withEpilogue(Epilogue.of(Activation.RELU));
            float[] y = cl.convolve(relu, new float[150], new float[108], new float[] {-1, 2, -3, 4});
            assertArrayEquals(new float[] {0, 2, 0, 4}, new float[] {y[0], y[25], y[50], y[75]});
        }
    }
}
