package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.spec.AdamStep;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PoolSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Max-pool with indices, max-unpool, both gradients, MSE and Adam on every backend (Java at 1 to 3 threads, OpenCL)
 * against plain loops written from PyTorch's definitions, in double.
 */
class LayerOpsTest {
    private static final double TOLERANCE = 1e-5;

    private static void onEveryBackend(Consumer<ConvCL> body) {
        TestSupport.onEveryBackend(body);
    }

    /** Random pools of rank 1 to 3 with every parameter, including windows that overlap and ceil_mode. */
    private static List<PoolSpec> pools() {
        Random r = new Random(2604);
        List<PoolSpec> specs = new ArrayList<>();
        specs.add(PoolSpec.maxPool2d(new int[] {3, 2, 26, 26}, 2, 2));
        specs.add(PoolSpec.maxPool(new int[] {2, 3, 9, 11}, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, true));
        specs.add(PoolSpec.maxPool(new int[] {2, 2, 12, 10}, new int[] {3, 2}, new int[] {1, 2}, new int[] {1, 0}, new int[] {2, 1}, false));
        return TestSupport.randomMaxPools(r, specs, 14, 3, 3, 5, 12);
    }

    /** Inputs with many ties (few distinct values), as Fashion-MNIST's background has. */
    private static float[] ties(Random r, long n) {
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextInt(4) * 0.5f;
        }
        return a;
    }

    /** PyTorch's max-pool: per window the first maximum in row-major order, NaN winning. */
    static float[][] referencePool(PoolSpec s, float[] x) {
        int[] in = ConvSpec.to3d(s.inputSize(), 1);
        int[] out = ConvSpec.to3d(s.outputSize(), 1);
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        int[] p = ConvSpec.to3d(s.padding(), 0);
        int[] d = ConvSpec.to3d(s.dilation(), 1);
        int inPlane = in[0] * in[1] * in[2];
        int outPlane = out[0] * out[1] * out[2];
        float[] y = new float[s.planes() * outPlane];
        float[] idx = new float[y.length];
        for (int q = 0; q < s.planes(); q++) {
            for (int o = 0; o < outPlane; o++) {
                int[] oc = {o / (out[1] * out[2]), (o / out[2]) % out[1], o % out[2]};
                float best = Float.NEGATIVE_INFINITY;
                int at = -1;
                for (int t = 0; t < k[0] * k[1] * k[2]; t++) {
                    int[] kc = {t / (k[1] * k[2]), (t / k[2]) % k[1], t % k[2]};
                    int[] ic = new int[3];
                    boolean inside = true;
                    for (int a = 0; a < 3; a++) {
                        ic[a] = oc[a] * st[a] - p[a] + kc[a] * d[a];
                        inside &= ic[a] >= 0 && ic[a] < in[a];
                    }
                    if (!inside) {
                        continue;
                    }
                    int pos = (ic[0] * in[1] + ic[1]) * in[2] + ic[2];
                    float v = x[q * inPlane + pos];
                    if (at < 0 || v > best || Float.isNaN(v)) {
                        best = v;
                        at = pos;
                    }
                }
                y[q * outPlane + o] = best;
                idx[q * outPlane + o] = at;
            }
        }
        return new float[][] {y, idx};
    }

    /** PyTorch's avg_pool (CPU kernel's definition): the sum of the taps inside the input over its divisor, in double. */
    static double[] referenceAvgPool(PoolSpec s, float[] x) {
        int[] in = ConvSpec.to3d(s.inputSize(), 1);
        int[] out = ConvSpec.to3d(s.outputSize(), 1);
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        int[] p = ConvSpec.to3d(s.padding(), 0);
        int inPlane = in[0] * in[1] * in[2];
        int outPlane = out[0] * out[1] * out[2];
        double[] y = new double[s.planes() * outPlane];
        for (int q = 0; q < s.planes(); q++) {
            for (int o = 0; o < outPlane; o++) {
                int[] oc = {o / (out[1] * out[2]), (o / out[2]) % out[1], o % out[2]};
                int[] lo = new int[3];
                int[] hi = new int[3];
                long divisor = 1;
                for (int a = 0; a < 3; a++) {
                    int start = oc[a] * st[a] - p[a];
                    int end = Math.min(start + k[a], in[a] + p[a]);
                    int poolSize = end - start;
                    lo[a] = Math.max(start, 0);
                    hi[a] = Math.min(end, in[a]);
                    divisor *= s.countIncludePad() ? poolSize : hi[a] - lo[a];
                }
                double sum = 0;
                for (int z = lo[0]; z < hi[0]; z++) {
                    for (int yy = lo[1]; yy < hi[1]; yy++) {
                        for (int xx = lo[2]; xx < hi[2]; xx++) {
                            sum += x[q * inPlane + (z * in[1] + yy) * in[2] + xx];
                        }
                    }
                }
                y[q * outPlane + o] = sum / divisor;
            }
        }
        return y;
    }

    @Test
    void averagePoolsDivideAsPyTorchDoes() {
        List<PoolSpec> specs = List.of(
                PoolSpec.avgPool(new int[] {2, 3, 9, 11}, new int[] {3}, new int[] {2}, new int[] {1}, true, true),
                PoolSpec.avgPool(new int[] {2, 3, 9, 11}, new int[] {3}, new int[] {2}, new int[] {1}, true, false),
                PoolSpec.avgPool(new int[] {1, 2, 10, 7}, new int[] {2, 3}, null, new int[] {1, 0}, false, true),
                PoolSpec.avgPool(new int[] {1, 2, 17}, new int[] {4}, new int[] {3}, new int[] {2}, true, false),
                PoolSpec.avgPool(new int[] {1, 2, 5, 6, 7}, new int[] {2}, new int[] {2}, new int[] {1}, true, true),
                PoolSpec.globalAvgPool(new int[] {2, 5, 7, 7}),
                PoolSpec.globalAvgPool(new int[] {1, 3, 4, 5, 6}));
        assertEquals(List.of(1, 1), Arrays.stream(specs.get(5).outputSize()).boxed().toList());
        onEveryBackend(cl -> {
            Random r = new Random(31);
            for (PoolSpec s : specs) {
                float[] x = new float[Math.toIntExact(s.inputElements())];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                double[] ref = referenceAvgPool(s, x);
                try (Tensor tx = cl.tensor(x, s.inputShape()); Tensor y = cl.avgPool(s, tx)) {
                    float[] got = y.toArray();
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(ref[i], got[i], TOLERANCE, s + " at " + i + " on " + cl.device());
                    }
                }
            }
        });
    }

    @Test
    void poolsRefuseTheOtherKindsSpec() {
        try (ConvCL cl = ConvCL.open("java"); Tensor x = cl.tensor(new float[2 * 16], 1, 2, 4, 4)) {
            PoolSpec avg = PoolSpec.avgPool(x.shape(), new int[] {2}, null, new int[] {0}, false, true);
            PoolSpec max = PoolSpec.maxPool2d(x.shape(), 2, 2);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cl.maxPool(avg, x)).getMessage().contains("average pool"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cl.avgPool(max, x)).getMessage().contains("max-pool"));
            assertThrows(IllegalArgumentException.class,
                    () -> PoolSpec.avgPool(new int[] {1, 1, 4, 4}, new int[] {2}, null, new int[] {2}, false, true));
        }
    }

    /** Without indices (inference) the Java backend takes its row-wise path: the same values, NaN winning. */
    @Test
    void maxPoolWithoutIndicesGivesTheSameValues() {
        List<PoolSpec> specs = new ArrayList<>(pools());
        specs.add(PoolSpec.maxPool(new int[] {1, 2, 11, 11}, new int[] {3}, new int[] {2}, new int[] {0}, new int[] {1}, true));
        specs.add(PoolSpec.maxPool(new int[] {1, 2, 7, 7}, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, true));
        // stride 1 with the input's size: whole runs of planes, the taps past their edge rows and columns masked (sizes 1
        // to 9 wide)
        specs.add(PoolSpec.maxPool(new int[] {2, 5, 6, 9}, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, true));
        specs.add(PoolSpec.maxPool(new int[] {1, 3, 4, 4}, new int[] {1, 3}, new int[] {1}, new int[] {0, 1}, new int[] {1}, false));
        specs.add(PoolSpec.maxPool(new int[] {2, 4, 9, 7}, new int[] {5, 3}, new int[] {1}, new int[] {2, 1}, new int[] {1}, false));
        specs.add(PoolSpec.maxPool(new int[] {1, 300, 3, 2}, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, false));
        specs.add(PoolSpec.maxPool(new int[] {1, 9, 1, 1}, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {1}, false));
        // runs of many planes in vector passes with masked taps: the tensor's first and last rows alone, the 3-tap and
        // the general window, runs split over tasks
        specs.add(PoolSpec.maxPool(new int[] {1, 40, 14, 14}, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, false));
        specs.add(PoolSpec.maxPool(new int[] {2, 24, 13, 11}, new int[] {5}, new int[] {1}, new int[] {2}, new int[] {1}, true));
        specs.add(PoolSpec.maxPool(new int[] {1, 7, 28, 28}, new int[] {3, 5}, new int[] {1}, new int[] {1, 2}, new int[] {1}, false));
        // one plane past the cached coordinates' size: built for the call
        specs.add(PoolSpec.maxPool(new int[] {1, 1, 261, 259}, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, false));
        // stride 2 into half the (even) width: window rows split into even and odd columns, the edge columns again
        specs.add(PoolSpec.maxPool(new int[] {1, 3, 12, 12}, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, false));
        specs.add(PoolSpec.maxPool(new int[] {2, 4, 14, 16}, new int[] {3}, new int[] {2}, new int[] {0}, new int[] {1}, true));
        specs.add(PoolSpec.maxPool(new int[] {1, 2, 6, 14}, new int[] {2}, new int[] {2}, new int[] {0}, new int[] {1}, false));
        specs.add(PoolSpec.maxPool(new int[] {1, 2, 9, 10}, new int[] {5, 3}, new int[] {2}, new int[] {2, 1}, new int[] {1}, true));
        specs.add(PoolSpec.maxPool(new int[] {1, 3, 7, 4}, new int[] {3, 1}, new int[] {2}, new int[] {1, 0}, new int[] {1}, false));
        // one window row (kernel 1 along height), rows a vector wide or wider
        specs.add(PoolSpec.maxPool(new int[] {1, 2, 8, 16}, new int[] {1, 3}, new int[] {2}, new int[] {0, 1}, new int[] {1}, false));
        specs.add(PoolSpec.maxPool(new int[] {1, 20, 28, 28}, new int[] {3}, new int[] {2}, new int[] {0}, new int[] {1}, true));
        specs.add(PoolSpec.maxPool(new int[] {1, 30, 14, 14}, new int[] {2}, new int[] {2}, new int[] {0}, new int[] {1}, true));
        specs.add(PoolSpec.maxPool(new int[] {1, 3, 56, 56}, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, false));
        onEveryBackend(cl -> {
            Random r = new Random(8);
            for (PoolSpec s : specs) {
                float[] x = ties(r, s.inputElements());
                for (int i = 0; i < x.length; i++) {
                    x[i] -= 1f; // negative values: a window's maximum is no zero from the row's initial value
                }
                if (x.length > 5) {
                    x[x.length / 3] = Float.NaN;
                }
                try (Tensor tx = cl.tensor(x, s.inputShape()); Tensor y = cl.maxPool(s, tx)) {
                    assertArrayEquals(referencePool(s, x)[0], y.toArray(), s + " on " + cl.device());
                }
            }
        });
    }

    @Test
    void maxPoolPicksTheFirstMaximumAndItsGradientsMatchTheScatter() {
        onEveryBackend(cl -> {
            Random r = new Random(7);
            for (PoolSpec s : pools()) {
                float[] x = ties(r, s.inputElements());
                if (x.length > 3) {
                    x[x.length / 2] = Float.NaN;
                }
                float[][] ref = referencePool(s, x);
                try (Tensor tx = cl.tensor(x, s.inputShape()); Tensor y = cl.empty(s.outputShape()); Tensor idx = cl.empty(s.outputShape());
                     Tensor gx = cl.empty(s.inputShape()); Tensor un = cl.empty(s.inputShape()); Tensor gv = cl.empty(s.outputShape())) {
                    cl.maxPool(s, tx, y, idx);
                    String at = s + " on " + cl.device();
                    assertArrayEquals(ref[0], y.toArray(), at);
                    assertArrayEquals(ref[1], idx.toArray(), at);
                    try (Tensor plain = cl.maxPool(s, tx)) {
                        assertArrayEquals(ref[0], plain.toArray(), at + " without indices");
                    }
                    float[] gy = TestSupport.gaussian(r, s.outputElements());
                    try (Tensor tgy = cl.tensor(gy, s.outputShape())) {
                        // grad_input: gy added at each index, windows in row-major order (sequential, as PyTorch's CPU)
                        double[] expected = new double[x.length];
                        float[] unpooled = new float[x.length];
                        int inPlane = x.length / s.planes();
                        int outPlane = gy.length / s.planes();
                        for (int o = 0; o < gy.length; o++) {
                            if (ref[1][o] < 0) {
                                continue; // a window with no position inside the input
                            }
                            int i = (o / outPlane) * inPlane + (int) ref[1][o];
                            expected[i] += gy[o];
                            unpooled[i] = gy[o];
                        }
                        cl.maxPoolBackward(s, tgy, idx, gx);
                        TestSupport.assertClose(at + " max_pool backward", gx.toArray(), expected);
                        cl.maxUnpool(s, tgy, idx, un);
                        assertArrayEquals(unpooled, un.toArray(), at + " max_unpool");
                        float[] g = TestSupport.gaussian(r, s.inputElements());
                        try (Tensor tg = cl.tensor(g, s.inputShape())) {
                            cl.maxUnpoolBackward(s, tg, idx, gv);
                            float[] gathered = new float[gy.length];
                            for (int o = 0; o < gy.length; o++) {
                                gathered[o] = ref[1][o] < 0 ? 0f : g[(o / outPlane) * inPlane + (int) ref[1][o]];
                            }
                            assertArrayEquals(gathered, gv.toArray(), at + " max_unpool backward");
                        }
                    }
                }
            }
        });
    }

    @Test
    void allEqualWindowsNameTheirFirstPositionAndForeignIndicesAreIgnored() {
        PoolSpec s = PoolSpec.maxPool(new int[] {1, 1, 4, 4}, new int[] {2}, new int[] {2}, new int[] {1}, new int[] {1}, false);
        onEveryBackend(cl -> {
            try (Tensor x = cl.tensor(new float[16], 1, 1, 4, 4); Tensor y = cl.empty(s.outputShape()); Tensor idx = cl.empty(s.outputShape())) {
                cl.maxPool(s, x, y, idx);
                // windows start at -1: the first position inside each window
                assertArrayEquals(new float[] {0, 1, 3, 4, 5, 7, 12, 13, 15}, idx.toArray(), cl.device());
                // indices outside their window, off the plane or not whole are never followed
                idx.write(new float[] {15, -1, 2.5f, 99, 5, 7, 12, 13, 15});
                try (Tensor v = cl.tensor(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, s.outputShape()); Tensor out = cl.maxUnpool(s, v, idx)) {
                    float[] expected = new float[16];
                    expected[5] = 5;
                    expected[7] = 6;
                    expected[12] = 7;
                    expected[13] = 8;
                    expected[15] = 9;
                    assertArrayEquals(expected, out.toArray(), cl.device());
                }
            }
        });
    }

    @Test
    void mseLossAndItsGradientMatchTheDefinition() {
        onEveryBackend(cl -> {
            Random r = new Random(11);
            for (int n : new int[] {1, 7, 1000, 78_400, 300_001}) {
                float[] o = TestSupport.gaussian(r, n);
                float[] t = TestSupport.gaussian(r, n);
                double sum = 0;
                double[] grad = new double[n];
                for (int i = 0; i < n; i++) {
                    double diff = (double) o[i] - t[i];
                    sum += diff * diff;
                    grad[i] = 2 * diff / n;
                }
                try (Tensor to = cl.tensor(o, n); Tensor tt = cl.tensor(t, n); Tensor loss = cl.empty(1); Tensor g = cl.empty(n)) {
                    cl.mseLoss(to, tt, loss, g);
                    float first = loss.toArray()[0];
                    assertEquals(sum / n, first, TOLERANCE * sum / n, n + " on " + cl.device());
                    TestSupport.assertClose("mse grad " + n, g.toArray(), grad);
                    cl.mseLoss(to, tt, loss, null);
                    assertEquals(Float.floatToIntBits(first), Float.floatToIntBits(loss.toArray()[0]), "the same bits run to run");
                }
            }
        });
    }

    @Test
    void adamMatchesTorchOptimAdamOverSteps() {
        AdamStep hyper = new AdamStep(0.01, 0.8, 0.99, 1e-6, 0.1, 1);
        onEveryBackend(cl -> {
            Random r = new Random(5);
            int n = 300;
            float[] p0 = TestSupport.gaussian(r, n);
            double[] p = new double[n];
            double[] m = new double[n];
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                p[i] = p0[i];
            }
            try (Tensor tp = cl.tensor(p0, n); Tensor tg = cl.empty(n); Tensor tm = cl.tensor(new float[n], n); Tensor tv = cl.tensor(new float[n], n)) {
                for (int step = 1; step <= 5; step++) {
                    float[] g = TestSupport.gaussian(r, n);
                    tg.write(g);
                    cl.adam(hyper.at(step), tp, tg, tm, tv);
                    for (int i = 0; i < n; i++) {
                        double gi = g[i] + hyper.weightDecay() * p[i];
                        m[i] = hyper.beta1() * m[i] + (1 - hyper.beta1()) * gi;
                        v[i] = hyper.beta2() * v[i] + (1 - hyper.beta2()) * gi * gi;
                        double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(hyper.beta2(), step)) + hyper.eps();
                        p[i] -= hyper.lr() / (1 - Math.pow(hyper.beta1(), step)) * m[i] / denom;
                    }
                }
                float[] got = tp.toArray();
                for (int i = 0; i < n; i++) {
                    assertEquals(p[i], got[i], 1e-5 * Math.max(1, Math.abs(p[i])), "param " + i + " on " + cl.device());
                }
            }
        });
    }

    @Test
    void badCallsAreRefusedWithTheirValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PoolSpec.maxPool(new int[] {1, 1, 8, 8}, new int[] {2}, null, new int[] {2}, new int[] {1}, false));
        assertTrue(e.getMessage().contains("padding [2, 2]") && e.getMessage().contains("kernel_size [2, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PoolSpec.maxPool2d(new int[] {1, 1, 2, 2}, 3, 1));
        assertTrue(e.getMessage().contains("input size [2, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PoolSpec.maxPool(new int[] {1, 1, 8, 8}, new int[] {2, 2, 2}, null, new int[] {0},
                new int[] {1}, false));
        assertTrue(e.getMessage().contains("kernel_size [2, 2, 2] must have 1 or 2 values"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AdamStep(-1, 0.9, 0.999, 1e-8, 0, 1));
        assertTrue(e.getMessage().contains("learning rate: -1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AdamStep(1e-3, 1.0, 0.999, 1e-8, 0, 1));
        assertTrue(e.getMessage().contains("beta parameter at index 0: 1.0"), e.getMessage());
        PoolSpec s = PoolSpec.maxPool2d(new int[] {1, 1, 4, 4}, 2, 2);
        try (ConvCL cl = ConvCL.on(new JavaBackend()); ConvCL other = ConvCL.on(new JavaBackend());
             Tensor x = cl.tensor(new float[16], 1, 1, 4, 4); Tensor y = cl.empty(1, 1, 2, 2); Tensor wrong = cl.empty(1, 1, 3, 3);
             Tensor foreign = other.empty(1, 1, 2, 2); Tensor loss = cl.empty(1)) {
            e = assertThrows(IllegalArgumentException.class, () -> cl.maxPool(s, x, wrong, null));
            assertTrue(e.getMessage().contains("output shape [1, 1, 3, 3] does not match [1, 1, 2, 2]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cl.maxPool(s, x, y, y));
            assertTrue(e.getMessage().contains("output and indices are the same tensor"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cl.maxUnpool(s, y, foreign));
            assertTrue(e.getMessage().contains("indices tensor [1, 1, 2, 2] belongs to another runtime"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cl.mseLoss(x, wrong, loss, null));
            assertTrue(e.getMessage().contains("target shape [1, 1, 3, 3] does not match [1, 1, 4, 4]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cl.adam(AdamStep.defaults(1e-3), y, y, wrong, wrong));
            assertTrue(e.getMessage().contains("m shape [1, 1, 3, 3]") || e.getMessage().contains("param and grad"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cl.adam(AdamStep.defaults(1e-3), y, y, foreign, foreign));
            assertTrue(e.getMessage().contains("param and grad are the same tensor"), e.getMessage());
        }
    }
}
