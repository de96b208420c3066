// NaN and infinity stay inside their receptive field, on every backend's default plan and every Java plan.
package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.github.convcl.backend.Backend;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.jvm.Reference;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.ConvSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * One NaN, +Inf or -Inf in the input of layers the Java planner runs as Winograd F(4,3): the outputs that are NaN,
 * +Inf and -Inf are exactly those of the float64 reference, which keeps them inside the receptive field. (A non-finite
 * weight is not compared: where its tap meets zero padding, kernels that multiply the padding make NaN and kernels that
 * skip it do not, in PyTorch's backends as here.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NonFiniteTest {
    static final ConvSpec WINOGRAD = ConvSpec.conv(2).input(1, 64, 32, 32).outChannels(64).kernel(3).padding(1).build();
    static final ConvSpec WINOGRAD_BATCH = ConvSpec.conv(2).input(2, 48, 20, 28).outChannels(64).kernel(3).padding(1).build();

    private final List<Backend> openCl = TestSupport.openClBackends();

    @AfterAll
    void close() {
        openCl.forEach(Backend::close);
    }

    /** -1 NaN, 0 +0 or finite, 1 +Inf, 2 -Inf: the class of each output. */
    static int[] classes(double[] y) {
        int[] c = new int[y.length];
        for (int i = 0; i < y.length; i++) {
            c[i] = Double.isNaN(y[i]) ? -1 : y[i] == Double.POSITIVE_INFINITY ? 1 : y[i] == Double.NEGATIVE_INFINITY ? 2 : 0;
        }
        return c;
    }

    static int[] classes(float[] y) {
        double[] d = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            d[i] = y[i];
        }
        return classes(d);
    }

    @TestFactory
    Stream<DynamicTest> nonFiniteValuesLandWhereTheReferencePutsThem() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConvSpec s : List.of(WINOGRAD, WINOGRAD_BATCH)) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                for (int where : new int[] {0, 1}) {
                    tests.add(dynamicTest(s + ": " + bad + " at input position " + where, () -> {
                        java.util.Random r = new java.util.Random(5);
                        float[] x = TestSupport.gaussian(r, s.inputElements());
                        float[] w = TestSupport.gaussian(r, s.weightElements());
                        x[where == 0 ? x.length / 3 + 7 : x.length - 1] = bad;
                        int[] want = classes(Reference.convolve(s, x, w, null));
                        JavaBackend java = new JavaBackend();
                        assertEquals(Algorithm.JAVA_WINOGRAD, java.plan(s).algorithm(), "the layer runs Winograd by default");
                        List<Plan> plans = new ArrayList<>(java.applicablePlans(s));
                        plans.add(null);
                        for (Plan p : plans) {
                            float[] y = p == null ? java.convolveArrays(s, java.plan(s), x, w, null) : java.convolveArrays(s, p, x, w, null);
                            org.junit.jupiter.api.Assertions.assertArrayEquals(want, classes(y), "java " + p);
                        }
                        for (Backend b : openCl) {
                            org.junit.jupiter.api.Assertions.assertArrayEquals(want, classes(b.convolveArrays(s, b.plan(s), x, w, null)),
                                    b.device() + " " + b.plan(s));
                        }
                    }));
                }
            }
        }
        return tests.stream();
    }

    /**
     * The Java Winograd layer keeps whether its weights are finite with their transformed form: a write of an
     * infinity into the same weight tensor makes it run the direct GEMM from the next call on, whose outputs are the
     * reference's (+Inf over the whole channel whose centre tap is +Inf, on positive inputs), not the transform's NaN.
     */
    @Test
    void anInfinityWrittenIntoCachedWinogradWeightsIsSeen() {
        ConvSpec s = ConvSpec.conv(2).input(1, 64, 32, 32).outChannels(64).kernel(3).padding(1).bias(false).build();
        java.util.Random r = new java.util.Random(6);
        float[] x = new float[(int) s.inputElements()];
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.5f + r.nextFloat();
        }
        float[] w = TestSupport.gaussian(r, s.weightElements());
        try (ConvCL cl = ConvCL.open("java"); Tensor tx = cl.tensor(x, s.inputShape()); Tensor tw = cl.tensor(w, s.weightShape())) {
            assertEquals(Algorithm.JAVA_WINOGRAD, cl.backend().plan(s).algorithm(), "the layer runs Winograd by default");
            try (Tensor y = cl.conv(s, tx, tw, null)) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(new int[y.toArray().length], classes(y.toArray()), "finite weights");
            }
            w[(3 * s.inPerGroup() + 5) * 9 + 4] = Float.POSITIVE_INFINITY; // channel 3's centre tap on input channel 5
            tw.write(w);
            int[] want = classes(Reference.convolve(s, x, w, null));
            try (Tensor y = cl.conv(s, tx, tw, null)) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(want, classes(y.toArray()), "after the write");
            }
        }
    }
}
