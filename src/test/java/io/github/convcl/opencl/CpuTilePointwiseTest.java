// The cpu tile's one-tap path (1x1 kernels, any stride and padding) on every CPU tiling, against the reference.
package io.github.convcl.opencl;

import io.github.convcl.ConvCL;
import io.github.convcl.TestSupport;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.Reference;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.plan.Tuning;
import io.github.convcl.spec.ConvSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CpuTilePointwiseTest {
    private final ConvCL cl = TestSupport.openOrSkip("opencl-cpu");

    @AfterAll
    void close() {
        cl.close();
    }

    /** Strides 1 to 3, padding 0 and 1, widths that leave partial vectors, 13 output channels (partial blocks). */
    static Stream<Arguments> layers() {
        List<Arguments> all = new ArrayList<>();
        for (int stride = 1; stride <= 3; stride++) {
            for (int pad = 0; pad <= 1; pad++) {
                for (int width = 5; width <= 21; width += 8) {
                    ConvSpec s = ConvSpec.conv(2).input(2, 7, width - 1, width).outChannels(13).kernel(1).stride(stride)
                            .padding(pad).build();
                    for (Tuning t : Planner.CPU_TILE_CANDIDATES) {
                        all.add(Arguments.of(s + " " + t, s, new Plan(Algorithm.CL_CPU_TILE, t)));
                    }
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void matchesTheReference(String name, ConvSpec s, Plan plan) {
        RandomSpecs data = new RandomSpecs(name.hashCode(), 1);
        float[] x = data.data(s.inputElements());
        float[] w = data.data(s.weightElements());
        float[] b = data.data(s.outChannels());
        TestSupport.assertClose(name, cl.backend().convolveArrays(s, plan, x, w, b), Reference.convolve(s, x, w, b));
    }
}
