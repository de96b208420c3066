// The single-element reference agrees with the whole-tensor reference, so spot checks of large layers are sound.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.spec.ConvSpec;
import org.junit.jupiter.api.Test;

class ReferenceTest {
    @Test
    void elementAtMatchesTheFullReference() {
        RandomSpecs r = new RandomSpecs(3, 1_000_000);
        for (int c = 0; c < 200; c++) {
            ConvSpec s = r.next();
            float[] x = r.data(s.inputElements());
            float[] w = r.data(s.weightElements());
            float[] b = s.hasBias() ? r.data(s.outChannels()) : null;
            double[] full = Reference.convolve(s, x, w, b);
            for (int i = 0; i < full.length; i += 1 + full.length / 17) {
                assertEquals(full[i], Reference.at(s, x, w, b, i), 1e-9 * Math.max(1, Math.abs(full[i])), s + " at " + i);
            }
        }
    }
}
