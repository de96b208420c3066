// The store's fold of an epilogue's scale and shift into a kernel's weights and bias.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.spec.Activation;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;
import org.junit.jupiter.api.Test;

class StoreTest {
    private static final ConvSpec SPEC = ConvSpec.conv(2).input(1, 2, 3, 3).outChannels(2).kernel(1)
            .epilogue(Epilogue.of(Activation.RELU).affine()).build();

    /** Scale into the weights, {@code fma(bias, scale, shift)} into the bias, a relu alone left to apply. */
    @Test
    void foldsScaleAndShiftLeavingTheActivation() {
        Store st = Store.of(SPEC, new float[] {2f, 3f}, new float[] {1f, -1f}, null, 2, 0);
        Store.Folded f = st.fold(new float[] {0.5f, 4f});
        assertArrayEquals(new float[] {2f, 3f}, f.scale());
        assertArrayEquals(new float[] {2f, 11f}, f.bias());
        assertTrue(f.store().reluAlone());
        assertFalse(st.reluAlone());
    }

    /**
     * Left unfolded where a scale is not finite, or where a finite bias times its scale plus the shift is not: the
     * folded bias would be infinite where the biased sum times the scale need not be.
     */
    @Test
    void leavesTheEpilogueWhereFoldingOverflows() {
        float[] bias = {1e30f, 0f};
        for (float[] scale : new float[][] {{1e10f, 1f}, {Float.POSITIVE_INFINITY, 1f}, {Float.NaN, 1f}}) {
            Store st = Store.of(SPEC, scale, new float[] {0f, 0f}, null, 2, 0);
            Store.Folded f = st.fold(bias);
            assertNull(f.scale(), "scale " + scale[0]);
            assertSame(bias, f.bias(), "scale " + scale[0]);
            assertSame(st, f.store(), "scale " + scale[0]);
        }
    }
}
