// The epilogues' activations in float32 vector math against their float64 definitions.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.spec.Activation;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link VectorGemm#activate} for each activation it takes: every value within a few float32 roundings of the float64
 * definition ({@link Activation#apply(double, double)}), NaN kept, infinities as the definition gives them (or, where the
 * definition's own float32 steps overflow, as {@link Activation#apply(float, float)} does); and each value's bits the same wherever its run starts or ends (the last partial vector goes through the same
 * operations).
 */
class VectorActivationTest {
    private static final float SLOPE = 0.2f;

    /** Special values, a dense sweep over the range where the activations bend, and values out to where exp overflows. */
    private static float[] values() {
        float[] special = {Float.NaN, -Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
            -Float.MIN_VALUE, 1e-30f, -1e-30f, 3f, -3f, 6f, 88f, -88f, 89f, -89f, 104f, -104f, 1e30f, -1e30f, Float.MAX_VALUE,
            -Float.MAX_VALUE};
        int sweep = 4001;
        Random r = new Random(8);
        float[] v = new float[special.length + sweep + 1000];
        System.arraycopy(special, 0, v, 0, special.length);
        for (int i = 0; i < sweep; i++) {
            v[special.length + i] = -10f + 20f * i / (sweep - 1);
        }
        for (int i = special.length + sweep; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 30);
        }
        return v;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Activation.class, names = {"LEAKY_RELU", "SIGMOID", "TANH", "SILU", "GELU", "HARDSWISH"})
    void everyValueIsCloseToTheDefinition(Activation f) {
        assertTrue(Gemm.VECTOR, "the tests run with the Vector API resolved");
        float[] x = values();
        float[] y = x.clone();
        VectorGemm.activate(f, SLOPE, y, 0, y.length);
        for (int i = 0; i < x.length; i++) {
            double want = f.apply((double) x[i], SLOPE);
            String what = f + "(" + x[i] + ") = " + y[i] + ", float64 " + want;
            float scalar = f.apply(x[i], SLOPE);
            if (Double.isNaN(want)) {
                assertTrue(Float.isNaN(y[i]), what);
            } else if (Double.isInfinite(want)) {
                assertEquals((float) want, y[i], what);
            } else if (Float.isInfinite(scalar)) {
                // past float32's range in the definition's own steps (hardswish's x * 6 near the largest float), as the
                // scalar float32 form and PyTorch's float32 kernels give it
                assertEquals(scalar, y[i], what);
            } else {
                // a few roundings of the result, or of an argument near a zero of the function (gelu and silu at
                // large negative x are tiny differences of nearly equal terms)
                double tolerance = 8 * Math.ulp((float) want) + 1e-6 * Math.max(1, Math.abs(x[i])) * Math.abs(f.maxSlope(SLOPE));
                assertTrue(Math.abs(y[i] - want) <= tolerance, what);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Activation.class, names = {"LEAKY_RELU", "SIGMOID", "TANH", "SILU", "GELU", "HARDSWISH"})
    void aValueDoesNotDependOnWhereItsRunStarts(Activation f) {
        float[] x = values();
        float[] whole = x.clone();
        VectorGemm.activate(f, SLOPE, whole, 0, whole.length);
        for (int start : new int[] {1, 5, 15, 17}) {
            for (int len : new int[] {1, 7, 16, 23, 100}) {
                float[] part = x.clone();
                VectorGemm.activate(f, SLOPE, part, start, len);
                for (int i = 0; i < x.length; i++) {
                    float want = i >= start && i < start + len ? whole[i] : x[i];
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(part[i]), f + " run [" + start + ", " + (start + len)
                            + ") value " + i);
                }
            }
        }
    }
}
