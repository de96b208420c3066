// The depthwise kernels' row handling on every row width up to 40 (and a few past 64), against the float64
// reference: OpenCL's cpu depthwise (scalar borders, 16- and 8-wide blocks, an overlapping last block, strides 1 and
// 2 vectorised, 3 scalar), OpenCL's depthwise rows (64 columns per work-group, 4 rows per work-item) and the Java
// depthwise (vector rows over phase planes).
package io.github.convcl.opencl;

import io.github.convcl.ConvCL;
import io.github.convcl.TestSupport;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.Reference;
import io.github.convcl.plan.Algorithm;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.ConvSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CpuDepthwiseTest {
    private final ConvCL cl = TestSupport.openOrSkip("opencl-cpu");
    private final io.github.convcl.jvm.JavaBackend java = new io.github.convcl.jvm.JavaBackend();

    @AfterAll
    void close() {
        cl.close();
        java.close();
    }

    /** Widths 1..40, 63..65 and 130 with kernels 3 and 5, paddings 0..3, dilation 1 and 2, x-stride 1 to 3, channel multiplier 2. */
    static Stream<Arguments> rows() {
        List<Arguments> all = new ArrayList<>();
        List<Integer> widths = new ArrayList<>(List.of(63, 64, 65, 130));
        for (int width = 1; width <= 40; width++) {
            widths.add(width);
        }
        for (int width : widths) {
            int wd = width;
            List<Supplier<ConvSpec>> specs = List.of(
                    () -> ConvSpec.conv(2).input(1, 2, 3, wd).outChannels(4).groups(2).kernel(3).padding(1).build(),
                    () -> ConvSpec.conv(2).input(2, 3, 4, wd).outChannels(3).groups(3).kernel(3, 5).padding(1, 2).bias(false).build(),
                    () -> ConvSpec.conv(2).input(1, 2, 5, wd).outChannels(2).groups(2).kernel(3).dilation(1, 2).padding(0, 2).build(),
                    () -> ConvSpec.conv(1).input(1, 2, wd).outChannels(2).groups(2).kernel(3).stride(2).padding(1).build(),
                    () -> ConvSpec.conv(2).input(1, 2, 5, wd).outChannels(4).groups(2).kernel(3, 5).stride(2).dilation(1, 2)
                            .padding(1, 3).build(),
                    () -> ConvSpec.conv(1).input(1, 2, wd).outChannels(2).groups(2).kernel(3).stride(3).padding(1).build());
            for (Supplier<ConvSpec> spec : specs) {
                try {
                    ConvSpec s = spec.get();
                    all.add(Arguments.of(s.toString(), s));
                } catch (IllegalArgumentException tooNarrow) {
                    // the kernel does not fit this width: not a layer
                }
            }
        }
        return all.stream();
    }

    /** The Java depthwise kernel on the same table: vector rows over the padded plane, split into phases for strides. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void javaDepthwiseMatchesTheReference(String name, ConvSpec s) {
        check(name, s, java, Plan.of(Algorithm.JAVA_DEPTHWISE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matchesTheReference(String name, ConvSpec s) {
        check(name, s, cl.backend(), Plan.of(Algorithm.CL_CPU_DEPTHWISE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void rowsKernelMatchesTheReference(String name, ConvSpec s) {
        check(name, s, cl.backend(), Plan.of(Algorithm.CL_DEPTHWISE_ROWS));
    }

    private static void check(String name, ConvSpec s, io.github.convcl.backend.Backend backend, Plan plan) {
        RandomSpecs data = new RandomSpecs(name.hashCode(), 1);
        float[] x = data.data(s.inputElements());
        float[] w = data.data(s.weightElements());
        float[] b = s.hasBias() ? data.data(s.outChannels()) : null;
        TestSupport.assertClose(name, backend.convolveArrays(s, plan, x, w, b), Reference.convolve(s, x, w, b));
    }
}
