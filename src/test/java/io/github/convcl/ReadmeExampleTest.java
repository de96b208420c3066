// The README's API example, kept compiling and correct.
package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.Reference;
import io.github.convcl.spec.ConvSpec;
import org.junit.jupiter.api.Test;

class ReadmeExampleTest {
    @Test
    void theReadmeExampleRuns() {
        RandomSpecs r = new RandomSpecs(1, 1);
        float[] input = r.data(3 * 224 * 224);
        float[] weights = r.data(64 * 3 * 7 * 7);
        try (ConvCL cl = ConvCL.open()) {
            Tensor x = cl.tensor(input, 1, 3, 224, 224);
            Tensor w = cl.tensor(weights, 64, 3, 7, 7);
            Tensor y = cl.conv2d(x, w, null, o -> o.stride(2).padding(3));
            float[] out = y.toArray();
            assertArrayEquals(new int[] {1, 64, 112, 112}, y.shape());

            ConvSpec stem = ConvSpec.conv(2).input(1, 3, 224, 224).outChannels(64).kernel(7).stride(2).padding(3).bias(false).build();
            TestSupport.assertClose("stem", out, Reference.convolve(stem, input, weights, null));

            ConvSpec up = ConvSpec.convTranspose(2).input(1, 256, 16, 16).outChannels(128)
                    .kernel(4).stride(2).padding(1).bias(false).build();
            assertEquals(32, up.outputShape()[2]);
            assertEquals(2L * 256 * 16 * 16 * 128 * 16, up.flops());
            assertEquals(256L * 128 * 16, up.parameters());
        }
    }
}
