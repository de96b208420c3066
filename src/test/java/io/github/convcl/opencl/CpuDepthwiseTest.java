// The cpu depthwise kernel's row split (scalar borders, 16- and 8-wide blocks, an overlapping last block) on every
// row width up to 40, against the float64 reference.
package io.github.convcl.opencl;

import io.github.convcl.ConvCL;
import io.github.convcl.TestSupport;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.Reference;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.ConvSpec;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CpuDepthwiseTest {
    private final ConvCL cl = TestSupport.openOrSkip("opencl-cpu");

    @AfterAll
    void close() {
        cl.close();
    }

    /** Widths 1..40 with kernels 3 and 5, paddings 0..2, dilation 1 and 2, x-stride 1 and 2, channel multiplier 2. */
    static Stream<Arguments> rows() {
        return IntStream.rangeClosed(1, 40).boxed().flatMap(width -> Stream.of(
                ConvSpec.conv(2).input(1, 2, 3, width).outChannels(4).groups(2).kernel(3).padding(1).build(),
                ConvSpec.conv(2).input(2, 3, 4, width).outChannels(3).groups(3).kernel(3, 5).padding(1, 2).bias(false).build(),
                ConvSpec.conv(2).input(1, 2, 5, width).outChannels(2).groups(2).kernel(3).dilation(1, 2).padding(0, 2).build(),
                ConvSpec.conv(1).input(1, 2, width).outChannels(2).groups(2).kernel(3).stride(2).padding(1).build())
                .filter(s -> s.outputSize()[s.rank() - 1] >= 1))
                .map(s -> Arguments.of(s.toString(), s));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matchesTheReference(String name, ConvSpec s) {
        RandomSpecs data = new RandomSpecs(name.hashCode(), 1);
        float[] x = data.data(s.inputElements());
        float[] w = data.data(s.weightElements());
        float[] b = s.hasBias() ? data.data(s.outChannels()) : null;
        float[] y = cl.backend().convolveArrays(s, Plan.of(Algorithm.CL_CPU_DEPTHWISE), x, w, b);
        TestSupport.assertClose(name, y, Reference.convolve(s, x, w, b));
    }
}
