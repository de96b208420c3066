// Java kernel paths that random small layers rarely reach: channel-split tasks, panel tails, large strides.
package io.github.convcl.jvm;

import io.github.convcl.TestSupport;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.DeviceFacts;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;
import java.util.List;
import org.junit.jupiter.api.Test;

class JavaKernelsTest {
    static void check(ConvSpec s) {
        RandomSpecs r = new RandomSpecs(s.hashCode(), 1);
        float[] x = r.data(s.inputElements());
        float[] w = r.data(s.weightElements());
        float[] b = s.hasBias() ? r.data(s.outChannels()) : null;
        double[] ref = Reference.convolve(s, x, w, b);
        for (var plan : Planner.applicable(s, DeviceFacts.java())) {
            float[] y = new float[ref.length];
            JavaKernels.run(plan.algorithm(), s, x, w, b, y);
            TestSupport.assertClose(s + " with " + plan, y, ref);
        }
    }

    @Test
    void manyChannelsFewPositionsSplitChannelsBetweenTasks() {
        // 6x6 outputs but 96..200 output channels: the direct GEMM splits channels; 200 and 196 end in 4-row panels.
        for (int cout : List.of(96, 196, 200, 256)) {
            check(ConvSpec.conv(2).input(1, 32, 6, 6).outChannels(cout).kernel(3).padding(1).build());
        }
        check(ConvSpec.conv(2).input(2, 64, 4, 5).outChannels(192).kernel(3).padding(1).groups(2).build());
    }

    @Test
    void stridesDilationsAndPaddingModesThroughPhasePlanes() {
        check(ConvSpec.conv(2).input(2, 5, 17, 13).outChannels(14).kernel(3).stride(2, 3).dilation(2, 1).padding(2).build());
        check(ConvSpec.conv(3).input(1, 3, 9, 10, 11).outChannels(8).kernel(3).stride(2).padding(1).paddingMode(PaddingMode.REFLECT).build());
        check(ConvSpec.conv(1).input(3, 4, 50).outChannels(6).kernel(5).stride(4).dilation(3).padding(6).paddingMode(PaddingMode.CIRCULAR).build());
        check(ConvSpec.conv(2).input(1, 3, 31, 29).outChannels(16).kernel(7).stride(2).padding(3).paddingMode(PaddingMode.REPLICATE).build());
    }

    @Test
    void theDirectGemmIsThePlannedPathForDenseLayers() {
        ConvSpec s = ConvSpec.conv(2).input(1, 32, 6, 6).outChannels(96).kernel(3).padding(1).build();
        org.junit.jupiter.api.Assertions.assertEquals(Algorithm.JAVA_DIRECT_GEMM, Planner.plan(s, DeviceFacts.java()).algorithm());
    }
}
