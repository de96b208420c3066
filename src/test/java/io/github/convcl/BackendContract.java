// One contract, every backend: golden cases, random shapes against the float64 reference, API behaviour.
package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.github.convcl.golden.GoldenCase;
import io.github.convcl.golden.GoldenRunner;
import io.github.convcl.golden.GoldenSuite;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.Reference;
import io.github.convcl.spec.ConvSpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/** Subclassed once per backend; every backend must pass all of it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendContract {
    /** Random layers checked against the float64 reference per backend. */
    static final int RANDOM_CASES = 150;

    protected ConvCL cl;

    protected abstract ConvCL open();

    @BeforeAll
    void openRuntime() {
        cl = open();
    }

    @AfterAll
    void closeRuntime() {
        if (cl != null) {
            cl.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> goldenCases() throws Exception {
        List<GoldenCase> cases = GoldenSuite.load(TestSupport.goldenDir());
        assertTrue(cases.size() > 0);
        return cases.stream().map(c -> dynamicTest(c.name(), () -> {
            GoldenRunner.Result r = GoldenRunner.run(c, cl);
            assertTrue(r.passed(), c.name() + ": " + r.detail());
        }));
    }

    @TestFactory
    Stream<DynamicTest> randomLayersMatchFloat64Reference() {
        RandomSpecs random = new RandomSpecs(1234, 3_000_000);
        return Stream.generate(random::next).limit(RANDOM_CASES).map(s -> dynamicTest(s.toString(), () -> {
            float[] x = random.data(s.inputElements());
            float[] w = random.data(s.weightElements());
            float[] b = s.hasBias() ? random.data(s.outChannels()) : null;
            float[] y = cl.convolve(s, x, w, b);
            assertEquals(s.outputElements(), y.length);
            TestSupport.assertClose(s.toString(), y, Reference.convolve(s, x, w, b));
        }));
    }

    @Test
    void tensorsStayOnTheDeviceBetweenCalls() {
        ConvSpec first = ConvSpec.conv(2).input(2, 3, 9, 9).outChannels(8).kernel(3).padding(1).build();
        ConvSpec second = ConvSpec.conv(2).input(first.outputShape()).outChannels(4).kernel(1).bias(false).build();
        RandomSpecs r = new RandomSpecs(7, 1);
        float[] x = r.data(first.inputElements());
        float[] w1 = r.data(first.weightElements());
        float[] b1 = r.data(first.outChannels());
        float[] w2 = r.data(second.weightElements());
        try (Tensor tx = cl.tensor(x, first.inputShape()); Tensor tw1 = cl.tensor(w1, first.weightShape());
             Tensor tb1 = cl.tensor(b1, first.biasShape()); Tensor tw2 = cl.tensor(w2, second.weightShape());
             Tensor mid = cl.conv(first, tx, tw1, tb1); Tensor out = cl.conv(second, mid, tw2, null)) {
            double[] ref1 = Reference.convolve(first, x, w1, b1);
            double[] ref2 = Reference.convolve(second, TestSupport.toFloat(ref1), w2, null);
            TestSupport.assertClose("chained", out.toArray(), ref2);
        }
    }

    @Test
    void pytorchStyleCallDerivesTheSpecFromShapes() {
        RandomSpecs r = new RandomSpecs(9, 1);
        float[] x = r.data(2 * 4 * 10 * 10);
        float[] w = r.data(6 * 2 * 3 * 3);
        float[] b = r.data(6);
        try (Tensor tx = cl.tensor(x, 2, 4, 10, 10); Tensor tw = cl.tensor(w, 6, 2, 3, 3); Tensor tb = cl.tensor(b, 6);
             Tensor y = cl.conv2d(tx, tw, tb, o -> o.stride(2).padding(1).groups(2))) {
            assertArrayEquals(new int[] {2, 6, 5, 5}, y.shape());
            ConvSpec s = ConvSpec.conv(2).input(2, 4, 10, 10).outChannels(6).kernel(3).stride(2).padding(1).groups(2).build();
            TestSupport.assertClose("conv2d", y.toArray(), Reference.convolve(s, x, w, b));
        }
        try (Tensor tx = cl.tensor(new float[2 * 4 * 5 * 5], 2, 4, 5, 5); Tensor tw = cl.tensor(new float[4 * 3 * 3 * 3], 4, 3, 3, 3);
             Tensor y = cl.convTranspose2d(tx, tw, null, o -> o.stride(2).padding(1).outputSize(10, 10))) {
            assertArrayEquals(new int[] {2, 3, 10, 10}, y.shape());
        }
    }

    @Test
    void emptyBatchGivesAnEmptyResult() {
        ConvSpec s = ConvSpec.conv(2).input(0, 3, 8, 8).outChannels(4).kernel(3).build();
        float[] y = cl.convolve(s, new float[0], new float[4 * 3 * 9], new float[4]);
        assertEquals(0, y.length);
        assertArrayEquals(new int[] {0, 4, 6, 6}, s.outputShape());
    }

    @Test
    void tensorsOfAnotherRuntimeOrClosedOnesAreRefused() {
        ConvSpec s = ConvSpec.conv(1).input(1, 1, 5).outChannels(1).kernel(3).bias(false).build();
        try (ConvCL other = ConvCL.open("java"); Tensor foreign = other.tensor(new float[5], 1, 1, 5);
             Tensor w = cl.tensor(new float[3], 1, 1, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cl.conv(s, foreign, w, null));
            assertTrue(e.getMessage().contains("another runtime"), e.getMessage());
            Tensor x = cl.tensor(new float[5], 1, 1, 5);
            x.close();
            e = assertThrows(IllegalArgumentException.class, () -> cl.conv(s, x, w, null));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }
}
