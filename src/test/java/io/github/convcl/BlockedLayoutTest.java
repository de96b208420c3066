package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.jvm.Reference;
import io.github.convcl.spec.Activation;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;
import io.github.convcl.spec.Layout;
import io.github.convcl.spec.PoolSpec;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Channel-blocked tensors (NCHW16c) on the Java backend: the blocked kernels (pointwise at strides 1 and 2, with tails
 * of positions and a half group of channels; the Winograd along channels at both tile sizes) and the reorder around
 * every other kernel, at 1 to 3 threads, against the float64 reference, with every mix of layouts, epilogues and a
 * channel-slice output; the pools; the values' round trip; and the refusals.
 */
class BlockedLayoutTest {
    /** Layers of every blocked kernel and of the reorder around the others. */
    private static final List<ConvSpec> LAYERS = List.of(
            // pointwise: 63 positions per image (7 tiles of 8 and a lone position), 64 channels out (two groups)
            ConvSpec.conv(2).input(2, 32, 9, 7).outChannels(64).kernel(1).bias(false).build(),
            // a last group of 16 channels, 49 positions, a bias
            ConvSpec.conv(2).input(1, 48, 7, 7).outChannels(48).kernel(1).build(),
            // stride 2 and 3 (the strided positions gathered)
            ConvSpec.conv(2).input(2, 32, 9, 9).outChannels(32).kernel(1).stride(2).bias(false).build(),
            ConvSpec.conv(2).input(1, 16, 10, 11).outChannels(16).kernel(1).stride(3, 2).build(),
            // the Winograd along channels: F(4,3) on partial tiles, and F(2,3) on 7x7 at batch 1, a half group
            ConvSpec.conv(2).input(1, 16, 12, 10).outChannels(32).kernel(3).padding(1).bias(false).build(),
            ConvSpec.conv(2).input(1, 32, 7, 7).outChannels(16).kernel(3).padding(1).build(),
            ConvSpec.conv(2).input(2, 16, 9, 6).outChannels(16).kernel(3).padding(2).bias(false).build(),
            // the direct kernel: a strided 3x3 (as well as the dilated and the 7x7 layers at the end)
            ConvSpec.conv(2).input(2, 16, 9, 9).outChannels(32).kernel(3).stride(2).padding(1).build(),
            // depthwise: 3x3 padded; strided 5x5 with a bias; dilated 3x3 with asymmetric padding; a plane narrower than the kernel
            ConvSpec.conv(2).input(2, 32, 9, 7).outChannels(32).groups(32).kernel(3).padding(1).bias(false).build(),
            ConvSpec.conv(2).input(1, 16, 11, 12).outChannels(16).groups(16).kernel(5).stride(2).padding(2).build(),
            ConvSpec.conv(2).input(1, 48, 10, 9).outChannels(48).groups(48).kernel(3).dilation(2, 3).padding(1, 3).build(),
            ConvSpec.conv(2).input(1, 16, 2, 3).outChannels(16).groups(16).kernel(5, 3).padding(2, 1).stride(1, 2).build(),
            // reordered: groups, depthwise with a channel multiplier, padded pointwise, 1D, 3D, transposed
            ConvSpec.conv(2).input(1, 16, 6, 6).outChannels(32).groups(16).kernel(3).padding(1).build(),
            ConvSpec.conv(2).input(1, 32, 8, 8).outChannels(16).kernel(3).padding(1).groups(2).build(),
            ConvSpec.conv(2).input(1, 16, 5, 5).outChannels(16).kernel(1).padding(1).build(),
            ConvSpec.conv(1).input(2, 16, 20).outChannels(16).kernel(3).build(),
            ConvSpec.conv(3).input(1, 16, 3, 4, 5).outChannels(16).kernel(3).padding(1).build(),
            ConvSpec.convTranspose(2).input(1, 16, 5, 5).outChannels(16).kernel(2).stride(2).build(),
            ConvSpec.conv(2).input(1, 16, 11, 11).outChannels(16).kernel(3).dilation(2).padding(2).build(),
            ConvSpec.conv(2).input(1, 16, 15, 15).outChannels(32).kernel(7).stride(2).padding(3).bias(false).build());

    private static final List<Epilogue> EPILOGUES = List.of(
            Epilogue.NONE,
            Epilogue.of(Activation.RELU).affine().residual(),
            Epilogue.of(Activation.RELU6).affine(),
            Epilogue.NONE.leakyRelu(0.1f).affine().residual(),
            Epilogue.of(Activation.GELU).residual(),
            Epilogue.of(Activation.SIGMOID).affine(true, false));

    @Test
    void everyLayerMatchesTheReferenceInEveryMixOfLayouts() {
        int threads = JavaBackend.threads();
        try (ConvCL cl = ConvCL.open("java")) {
            for (int t : new int[] {1, 2, 3}) {
                JavaBackend.setThreads(t);
                for (int i = 0; i < LAYERS.size(); i++) {
                    ConvSpec base = LAYERS.get(i);
                    Epilogue e = EPILOGUES.get((i + t) % EPILOGUES.size());
                    ConvSpec s = base.toBuilder().epilogue(e).build();
                    for (Layout in : Layout.values()) {
                        for (Layout out : Layout.values()) {
                            check(cl, s, in, out, out, false);
                        }
                    }
                    // a residual in the other layout than the output, and an output slice of a larger tensor
                    check(cl, s, Layout.NCHW16C, Layout.NCHW16C, Layout.NCHW, true);
                }
            }
        } finally {
            JavaBackend.setThreads(threads);
        }
    }

    /**
     * Without a residual the blocked tiles add negative zeros in its place, which must leave every value's bits as they
     * are: zero weights, scale -1 and shift -0 give -0 everywhere ((+0) * -1 + -0), which a +0 in the residual's place
     * would turn into +0. Only where the blocked kernels run: the NCHW kernels that the other layers (and 256-bit vectors)
     * reorder to fold the scale into the weights, whose zero products then have either sign.
     */
    @Test
    void noResidualKeepsNegativeZeros() {
        io.github.convcl.plan.DeviceFacts facts = new JavaBackend().facts();
        int checked = 0;
        try (ConvCL cl = ConvCL.open("java")) {
            for (ConvSpec base : List.of(LAYERS.get(0), LAYERS.get(2), LAYERS.get(7), LAYERS.get(8), LAYERS.get(19))) {
                ConvSpec s = base.toBuilder().bias(false).epilogue(Epilogue.NONE.affine()).build();
                if (io.github.convcl.plan.Planner.javaBlocked(s, facts) == io.github.convcl.plan.BlockedKernel.REORDER) {
                    continue;
                }
                checked++;
                int[] ch = {s.outChannels()};
                float[] scale = new float[s.outChannels()];
                float[] shift = new float[s.outChannels()];
                java.util.Arrays.fill(scale, -1f);
                java.util.Arrays.fill(shift, -0f);
                try (Tensor tx = cl.empty(Layout.NCHW16C, s.inputShape()); Tensor tw = cl.tensor(new float[(int) s.weightElements()],
                        s.weightShape()); Tensor ts = cl.tensor(scale, ch); Tensor tt = cl.tensor(shift, ch);
                     Tensor ty = cl.empty(Layout.NCHW16C, s.outputShape())) {
                    tx.write(TestSupport.gaussian(new Random(3), s.inputElements()));
                    cl.conv(s, tx, tw, null, new EpilogueInputs(ts, tt, null), ty);
                    for (float v : ty.toArray()) {
                        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(v), s + ": " + v);
                    }
                }
            }
        }
        assertTrue(checked > 0 || facts.vectorLanes() != 16, "no layer ran on the blocked kernels");
    }

    /**
     * A bias that overflows once scaled (2^100 x 2^40) on the blocked kernels: added to the sums before the scale, as on
     * NCHW (the sums are -2^100 here, so the biased sum is 0 and each output is relu(shift) = 0.5, not infinity).
     */
    @Test
    void aBiasThatOverflowsOnceScaledIsAddedBeforeTheScaleOnBlockedKernels() {
        io.github.convcl.plan.DeviceFacts facts = new JavaBackend().facts();
        try (ConvCL cl = ConvCL.open("java")) {
            for (ConvSpec base : List.of(LAYERS.get(0), LAYERS.get(7), LAYERS.get(8))) {
                ConvSpec s = base.toBuilder().bias(true).epilogue(Epilogue.of(Activation.RELU).affine()).build();
                int cout = s.outChannels();
                int per = s.inPerGroup();
                int taps = (int) (s.weightElements() / cout / per);
                float[] x = new float[(int) s.inputElements()];
                java.util.Arrays.fill(x, -0x1p100f);
                float[] w = new float[(int) s.weightElements()];
                for (int co = 0; co < cout; co++) {
                    w[(co * per + co % per) * taps + taps / 2] = 1f; // the centre tap of one input channel
                }
                float[] bias = new float[cout];
                java.util.Arrays.fill(bias, 0x1p100f);
                float[] scale = new float[cout];
                java.util.Arrays.fill(scale, 0x1p40f);
                float[] shift = new float[cout];
                java.util.Arrays.fill(shift, 0.5f);
                double[] ref = Reference.convolve(s, x, w, bias, scale, shift, null);
                int[] ch = {cout};
                try (Tensor tx = cl.empty(Layout.NCHW16C, s.inputShape()); Tensor tw = cl.tensor(w, s.weightShape());
                     Tensor tb = cl.tensor(bias, ch); Tensor ts = cl.tensor(scale, ch); Tensor tt = cl.tensor(shift, ch);
                     Tensor ty = cl.empty(Layout.NCHW16C, s.outputShape())) {
                    tx.write(x);
                    cl.conv(s, tx, tw, tb, new EpilogueInputs(ts, tt, null), ty);
                    TestSupport.assertClose(s + " (" + io.github.convcl.plan.Planner.javaBlocked(s, facts) + ")", ty.toArray(), ref);
                }
            }
        }
    }

    /** An empty batch on every blocked kernel: nothing to compute, no task to split, no error. */
    @Test
    void anEmptyBatchRunsOnEveryBlockedKernel() {
        try (ConvCL cl = ConvCL.open("java")) {
            for (ConvSpec base : List.of(LAYERS.get(0), LAYERS.get(2), LAYERS.get(4), LAYERS.get(7), LAYERS.get(8), LAYERS.get(19))) {
                int[] in = base.inputShape();
                in[0] = 0;
                ConvSpec s = base.toBuilder().input(in).epilogue(Epilogue.of(Activation.RELU).affine().residual()).build();
                check(cl, s, Layout.NCHW16C, Layout.NCHW16C, Layout.NCHW16C, false);
            }
        }
    }

    /**
     * The depthwise kernel hands the epilogue runs of rows, more positions than a tile's: every activation with and
     * without a residual (relu6 and a residual alone clamp against a stand-in residual of negative zeros as long).
     */
    @Test
    void everyEpilogueFinishesOnTheBlockedDepthwiseKernel() {
        try (ConvCL cl = ConvCL.open("java")) {
            for (ConvSpec base : List.of(LAYERS.get(8), LAYERS.get(9), LAYERS.get(10), LAYERS.get(11),
                    ConvSpec.conv(2).input(1, 32, 5, 16).outChannels(32).groups(32).kernel(4, 3).padding(3).build())) {
                for (Activation a : Activation.values()) {
                    Epilogue e = a == Activation.LEAKY_RELU ? Epilogue.NONE.leakyRelu(0.2f) : Epilogue.of(a);
                    for (Epilogue withOrWithout : List.of(e.affine(), e.affine().residual())) {
                        check(cl, base.toBuilder().epilogue(withOrWithout).build(), Layout.NCHW16C, Layout.NCHW16C, Layout.NCHW16C, false);
                    }
                }
            }
        }
    }

    @Test
    void everyEpilogueFinishesOnTheBlockedKernels() {
        try (ConvCL cl = ConvCL.open("java")) {
            for (ConvSpec base : List.of(LAYERS.get(0), LAYERS.get(1), LAYERS.get(2), LAYERS.get(4), LAYERS.get(5), LAYERS.get(9))) {
                for (Activation a : Activation.values()) {
                    Epilogue e = (a == Activation.LEAKY_RELU ? Epilogue.NONE.leakyRelu(0.2f) : Epilogue.of(a)).affine().residual();
                    check(cl, base.toBuilder().epilogue(e).build(), Layout.NCHW16C, Layout.NCHW16C, Layout.NCHW16C, false);
                }
            }
        }
    }

    /**
     * Runs {@code s} with input, output and residual in the given layouts (the output a channel slice of a larger tensor
     * with {@code slice}) and checks it against the reference, and that the channels outside the slice are untouched.
     */
    private static void check(ConvCL cl, ConvSpec s, Layout in, Layout out, Layout res, boolean slice) {
        String name = s + " " + in + " -> " + out + (s.epilogue().hasResidual() ? " residual " + res : "") + (slice ? " slice" : "");
        Random r = new Random(name.hashCode());
        float[] x = TestSupport.gaussian(r, s.inputElements());
        float[] w = TestSupport.gaussian(r, s.weightElements());
        float[] b = s.hasBias() ? TestSupport.gaussian(r, s.outChannels()) : null;
        float[] scale = TestSupport.gaussian(r, s.outChannels());
        float[] shift = TestSupport.gaussian(r, s.outChannels());
        float[] residual = TestSupport.gaussian(r, s.outputElements());
        Epilogue e = s.epilogue();
        double[] ref = Reference.convolve(s, x, w, b, e.hasScale() ? scale : null, e.hasShift() ? shift : null,
                e.hasResidual() ? residual : null);
        int[] shape = s.outputShape();
        int[] whole = shape.clone();
        whole[1] += slice ? 32 : 0;
        float[] before = TestSupport.gaussian(r, whole.length == 0 ? 0 : elements(whole));
        try (Tensor tx = cl.empty(in, s.inputShape()); Tensor tw = cl.tensor(w, s.weightShape());
             Tensor tb = b == null ? null : cl.tensor(b, s.outChannels()); Tensor ts = cl.tensor(scale, s.outChannels());
             Tensor tt = cl.tensor(shift, s.outChannels()); Tensor tr = cl.empty(res, shape); Tensor ty = cl.empty(out, whole)) {
            tx.write(x);
            tr.write(residual);
            ty.write(before);
            Tensor target = slice ? ty.channels(16, s.outChannels()) : ty;
            cl.conv(s, tx, tw, tb, new EpilogueInputs(e.hasScale() ? ts : null, e.hasShift() ? tt : null, e.hasResidual() ? tr : null), target);
            TestSupport.assertClose(name, target.toArray(), ref);
            if (slice) {
                float[] all = ty.toArray();
                int per = all.length / whole[0] / whole[1];
                for (int n = 0; n < whole[0]; n++) {
                    for (int c = 0; c < whole[1]; c++) {
                        if (c >= 16 && c < 16 + s.outChannels()) {
                            continue;
                        }
                        int at = (n * whole[1] + c) * per;
                        assertArrayEquals(java.util.Arrays.copyOfRange(before, at, at + per), java.util.Arrays.copyOfRange(all, at, at + per),
                                name + ": channel " + c + " outside the slice changed");
                    }
                }
            }
        }
    }

    private static int elements(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** The reorder between the layouts puts every value where {@link Layout#index} says: whole tiles of 16 positions and tails. */
    @Test
    void theReorderPlacesEveryValueByTheLayoutsIndex() {
        for (int vol : new int[] {1, 15, 16, 17, 40, 64, 4096}) {
            float[] v = TestSupport.gaussian(new Random(vol), 2 * 32 * vol);
            float[] blocked = Layout.NCHW.convert(v, Layout.NCHW16C, 2, 32, vol);
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < 32; c++) {
                    for (int q = 0; q < vol; q++) {
                        int at = (int) Layout.NCHW16C.index(n, c, q, 32, vol);
                        assertEquals(v[(n * 32 + c) * vol + q], blocked[at], "vol " + vol + " (" + n + ", " + c + ", " + q + ")");
                    }
                }
            }
            assertArrayEquals(v, Layout.NCHW16C.convert(blocked, Layout.NCHW, 2, 32, vol), "back, vol " + vol);
        }
    }

    @Test
    void valuesReadAndWriteInNchwOrderWhateverTheLayout() {
        try (ConvCL cl = ConvCL.open("java"); Tensor t = cl.empty(Layout.NCHW16C, 2, 32, 3, 5)) {
            float[] v = TestSupport.gaussian(new Random(1), 2 * 32 * 15);
            t.write(v);
            assertEquals(Layout.NCHW16C, t.layout());
            assertArrayEquals(v, t.toArray());
            float[] head = new float[100];
            t.read(FloatBuffer.wrap(head));
            assertArrayEquals(java.util.Arrays.copyOf(v, 100), head);
            Tensor view = t.channels(16, 16);
            float[] expected = new float[2 * 16 * 15];
            for (int n = 0; n < 2; n++) {
                System.arraycopy(v, (n * 32 + 16) * 15, expected, n * 16 * 15, 16 * 15);
            }
            assertArrayEquals(expected, view.toArray());
            // the layout really is blocked: element (0, 1, 0) lies next to (0, 0, 0)
            assertEquals(1L, Layout.NCHW16C.index(0, 1, 0, 32, 15));
            assertEquals(v, Layout.NCHW.convert(v, Layout.NCHW, 2, 32, 15));
            float[] blocked = Layout.NCHW.convert(v, Layout.NCHW16C, 2, 32, 15);
            assertEquals(v[15], blocked[1]);
            assertArrayEquals(v, Layout.NCHW16C.convert(blocked, Layout.NCHW, 2, 32, 15));
        }
    }

    @Test
    void poolsOnBlockedTensorsMatchNchw() {
        Random r = new Random(3);
        List<PoolSpec> pools = List.of(
                PoolSpec.maxPool(new int[] {2, 32, 11, 11}, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, false),
                PoolSpec.maxPool(new int[] {1, 16, 14, 13}, new int[] {3}, new int[] {2}, new int[] {0}, new int[] {1}, true),
                PoolSpec.maxPool(new int[] {1, 16, 9, 9}, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {2}, false),
                PoolSpec.maxPool(new int[] {1, 16, 4, 6, 5}, new int[] {2}, new int[] {2}, new int[] {0}, new int[] {1}, false),
                PoolSpec.avgPool(new int[] {2, 16, 9, 9}, new int[] {3}, new int[] {2}, new int[] {1}, false, false),
                PoolSpec.globalAvgPool(new int[] {2, 48, 7, 7}));
        try (ConvCL cl = ConvCL.open("java")) {
            for (PoolSpec p : pools) {
                float[] x = TestSupport.gaussian(r, p.inputElements());
                x[5] = Float.NaN; // NaN wins a max-pool's window
                float[] expected;
                try (Tensor tx = cl.tensor(x, p.inputShape())) {
                    expected = (p.average() ? cl.avgPool(p, tx) : cl.maxPool(p, tx)).toArray();
                }
                for (Layout in : Layout.values()) {
                    for (Layout out : Layout.values()) {
                        try (Tensor tx = cl.empty(in, p.inputShape()); Tensor ty = cl.empty(out, p.outputShape())) {
                            tx.write(x);
                            if (p.average()) {
                                cl.avgPool(p, tx, ty);
                            } else {
                                cl.maxPool(p, tx, ty, null);
                            }
                            assertArrayEquals(expected, ty.toArray(), p + " " + in + " -> " + out);
                        }
                    }
                }
            }
        }
    }

    @Test
    void resNet50InBlockedLayoutMatchesNchw() {
        assertBlockedNetworkMatchesNchw("resnet50", 7, 2);
    }

    /** GoogLeNet blocked: Inception outputs in whole blocks, 24-channel reductions left NCHW, ceil-mode pools. */
    @Test
    void googLeNetInBlockedLayoutMatchesNchw() {
        assertBlockedNetworkMatchesNchw("googlenet", 8, 4);
    }

    /** {@code model} at batch 1 (random image and weights of the seeds) with NCHW16c activations against NCHW ones. */
    private static void assertBlockedNetworkMatchesNchw(String model, long imageSeed, long weightSeed) {
        float[] image = TestSupport.gaussian(new Random(imageSeed), 3L * 224 * 224);
        try (ConvCL cl = ConvCL.open("java");
             io.github.convcl.nn.Network a = io.github.convcl.nn.Network.build(model, cl, 1, io.github.convcl.nn.Weights.random(weightSeed),
                     Layout.NCHW);
             io.github.convcl.nn.Network b = io.github.convcl.nn.Network.build(model, cl, 1, io.github.convcl.nn.Weights.random(weightSeed),
                     Layout.NCHW16C);
             Tensor x = cl.tensor(image, a.inputShape())) {
            float[] ya = a.forward(x, io.github.convcl.nn.Trace.OFF).toArray();
            float[] yb = b.forward(x, io.github.convcl.nn.Trace.OFF).toArray();
            io.github.convcl.golden.GoldenRunner.Result res = io.github.convcl.golden.GoldenRunner.compare(model, yb, ya, 1e-4);
            assertTrue(res.passed(), res.detail());
            assertEquals(Layout.NCHW16C, b.layout());
        }
    }

    /** Inception blocks whose slices are and are not in whole blocks, blocked against NCHW (input in either layout). */
    @Test
    void inceptionBlocksInEitherLayoutMatch() {
        int[][] params = {{16, 32, 32, 16, 16, 32}, {10, 16, 24, 8, 16, 16}};
        int[] shape = {2, 48, 9, 9};
        float[] input = TestSupport.gaussian(new Random(9), 2L * 48 * 81);
        try (ConvCL cl = ConvCL.open("java")) {
            for (int[] p : params) {
                float[] expected = null;
                for (Layout layout : Layout.values()) {
                    try (io.github.convcl.nn.Inception block = new io.github.convcl.nn.Inception(cl, io.github.convcl.nn.Weights.random(6), "",
                            shape, p[0], p[1], p[2], p[3], p[4], p[5], layout);
                         Tensor x = cl.empty(layout, shape);
                         Tensor y = cl.empty(block.outputLayout(layout), block.outputShape())) {
                        x.write(input);
                        block.forward(x, y, io.github.convcl.nn.Trace.OFF);
                        if (expected == null) {
                            expected = y.toArray();
                            continue;
                        }
                        io.github.convcl.golden.GoldenRunner.Result r = io.github.convcl.golden.GoldenRunner.compare(
                                java.util.Arrays.toString(p) + " " + layout, y.toArray(), expected, 1e-5);
                        assertTrue(r.passed(), r.detail());
                        assertEquals(p[0] == 16, block.holds(layout), java.util.Arrays.toString(p));
                    }
                }
            }
        }
    }

    @Test
    void blockedTensorsAreRefusedWhereTheyCannotGo() {
        try (ConvCL cl = ConvCL.open("java")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cl.empty(Layout.NCHW16C, 1, 24, 4, 4));
            assertTrue(e.getMessage().contains("[1, 24, 4, 4]") && e.getMessage().contains("16"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cl.empty(Layout.NCHW16C, 16, 32));
            assertTrue(e.getMessage().contains("[16, 32]"), e.getMessage());
            try (Tensor t = cl.empty(Layout.NCHW16C, 1, 32, 4, 4)) {
                e = assertThrows(IllegalArgumentException.class, () -> t.channels(8, 16));
                assertTrue(e.getMessage().contains("first=8"), e.getMessage());
                ConvSpec s = ConvSpec.conv(2).input(1, 32, 4, 4).outChannels(32).kernel(1).bias(false).build();
                try (Tensor w = cl.tensor(new float[32 * 32], s.weightShape())) {
                    e = assertThrows(IllegalArgumentException.class, () -> cl.gradInput(s, t, w));
                    assertTrue(e.getMessage().contains("NCHW16c"), e.getMessage());
                }
                PoolSpec p = PoolSpec.maxPool2d(new int[] {1, 32, 4, 4}, 2, 2);
                try (Tensor y = cl.empty(p.outputShape()); Tensor idx = cl.empty(p.outputShape())) {
                    e = assertThrows(IllegalArgumentException.class, () -> cl.maxPool(p, t, y, idx));
                    assertTrue(e.getMessage().contains("NCHW16c"), e.getMessage());
                }
            }
        }
    }

    @Test
    void openClRefusesBlockedTensors() {
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu")) {
            assertTrue(!cl.supports(Layout.NCHW16C));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cl.empty(Layout.NCHW16C, 1, 32, 4, 4));
            assertTrue(e.getMessage().contains("NCHW16c"), e.getMessage());
            assertEquals(Layout.NCHW, cl.preferredLayout());
        }
    }
}
