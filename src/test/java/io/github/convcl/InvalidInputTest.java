// The invalid-input table: every case is refused with a message naming the parameter, before any device work.
package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.opencl.ClCounters;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Padding;
import io.github.convcl.spec.PaddingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InvalidInputTest {
    private final List<ConvCL> runtimes = new ArrayList<>();

    @BeforeAll
    void open() {
        runtimes.add(ConvCL.open("java"));
        try {
            runtimes.add(ConvCL.open("opencl-cpu"));
        } catch (IllegalStateException e) {
            if (TestSupport.openClRequired()) {
                throw e;
            }
        }
    }

    @AfterAll
    void close() {
        runtimes.forEach(ConvCL::close);
    }

    /** A case: what it does wrong, the words the message must contain, the action. */
    record Bad(String name, Class<? extends Exception> type, List<String> words, Consumer<ConvCL> action) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Bad spec(String name, Consumer<ConvSpec.Builder> wrong, ConvSpec.Builder base, String... words) {
        return new Bad(name, IllegalArgumentException.class, List.of(words), cl -> {
            wrong.accept(base);
            base.build();
        });
    }

    private static ConvSpec.Builder c2() {
        return ConvSpec.conv(2).input(1, 4, 8, 8).outChannels(4).kernel(3);
    }

    private static ConvSpec.Builder t2() {
        return ConvSpec.convTranspose(2).input(1, 4, 8, 8).outChannels(4).kernel(3);
    }

    static final ConvSpec OK = ConvSpec.conv(2).input(1, 4, 8, 8).outChannels(4).kernel(3).build();

    private static Bad run(String name, Class<? extends Exception> type, Consumer<ConvCL> action, String... words) {
        return new Bad(name, type, List.of(words), action);
    }

    static Stream<Bad> table() {
        List<Bad> t = new ArrayList<>();
        t.add(spec("groups does not divide in_channels", b -> b.input(1, 5, 6, 6).groups(2).outChannels(4), c2(), "groups=2", "in_channels=5"));
        t.add(spec("groups does not divide out_channels", b -> b.groups(2).outChannels(5), c2(), "groups=2", "out_channels=5"));
        t.add(spec("groups zero", b -> b.groups(0), c2(), "groups=0"));
        t.add(spec("groups negative", b -> b.groups(-2), c2(), "groups=-2"));
        t.add(spec("stride zero", b -> b.stride(0), c2(), "stride=[0, 0]"));
        t.add(spec("stride negative in one dimension", b -> b.stride(1, -1), c2(), "stride=[1, -1]"));
        t.add(spec("dilation zero", b -> b.dilation(0), c2(), "dilation"));
        t.add(spec("negative padding", b -> b.padding(-1), c2(), "padding=[-1, -1]"));
        t.add(spec("negative padding one dimension", b -> b.padding(0, -2), c2(), "padding=[0, -2]"));
        t.add(spec("kernel larger than input", b -> b.input(1, 4, 2, 2), c2(), "kernel_size", "padded input"));
        t.add(spec("dilated kernel larger than input", b -> b.dilation(4), c2(), "kernel_size", "dilated"));
        t.add(spec("kernel size zero", b -> b.kernel(0), c2(), "kernel_size=[0, 0]"));
        t.add(spec("kernel with too many values", b -> b.kernel(3, 3, 3), c2(), "kernel_size=[3, 3, 3]"));
        t.add(spec("stride with too many values", b -> b.stride(1, 1, 1), c2(), "stride=[1, 1, 1]"));
        t.add(spec("same with stride 2", b -> b.padding(Padding.same()).stride(2), c2(), "same", "stride=[2, 2]"));
        t.add(spec("same on transposed", b -> b.padding(Padding.same()), t2(), "same"));
        t.add(spec("output_padding equal to stride", b -> b.stride(2).outputPadding(2), t2(), "output_padding=[2, 2]", "stride"));
        t.add(spec("output_padding negative", b -> b.stride(2).outputPadding(-1), t2(), "output_padding"));
        t.add(spec("output_padding on a convolution", b -> b.outputPadding(1), c2(), "output_padding"));
        t.add(spec("output_size out of range", b -> b.stride(2).outputSize(40, 40), t2(), "output_size", "range"));
        t.add(spec("reflect padding not smaller than input", b -> b.input(1, 4, 3, 3).padding(3).paddingMode(PaddingMode.REFLECT), c2(), "reflect", "padding"));
        t.add(spec("circular padding beyond input", b -> b.input(1, 4, 3, 3).padding(4).paddingMode(PaddingMode.CIRCULAR), c2(), "circular", "padding"));
        t.add(spec("reflect on transposed", b -> b.paddingMode(PaddingMode.REFLECT), t2(), "padding_mode=reflect"));
        t.add(spec("input of wrong rank", b -> b.input(4, 8, 8), c2(), "rank 3"));
        t.add(spec("zero channels", b -> b.input(1, 0, 8, 8), c2(), "in_channels=0"));
        t.add(spec("zero out_channels", b -> b.outChannels(0), c2(), "out_channels=0"));
        t.add(spec("negative batch", b -> b.input(-1, 4, 8, 8), c2(), "batch=-1"));
        t.add(spec("zero spatial size", b -> b.input(1, 4, 0, 8), c2(), "input size"));
        t.add(spec("element count overflows", b -> b.input(65536, 65536, 64, 64).kernel(1), c2(), "input shape", "elements"));
        t.add(spec("weight count overflows", b -> b.input(1, 65536, 8, 8).outChannels(65536).kernel(1), c2(), "weight shape"));
        t.add(spec("transposed output not positive", b -> b.input(1, 4, 1, 1).kernel(1).padding(2), t2(), "output size"));
        t.add(run("unknown padding mode", IllegalArgumentException.class, cl -> PaddingMode.parse("mirror"), "padding_mode=mirror"));
        t.add(run("unknown op", IllegalArgumentException.class, cl -> ConvSpec.forOp("conv4d"), "op=conv4d"));
        t.add(run("rank 4", IllegalArgumentException.class, cl -> ConvSpec.conv(4), "rank=4"));
        t.add(run("weight of wrong shape", IllegalArgumentException.class, cl -> {
            try (Tensor x = cl.empty(1, 4, 8, 8); Tensor w = cl.empty(4, 2, 3, 3); Tensor b = cl.empty(4)) {
                cl.conv(OK, x, w, b);
            }
        }, "weight shape [4, 2, 3, 3]", "[4, 4, 3, 3]"));
        t.add(run("bias of wrong shape", IllegalArgumentException.class, cl -> {
            try (Tensor x = cl.empty(1, 4, 8, 8); Tensor w = cl.empty(4, 4, 3, 3); Tensor b = cl.empty(5)) {
                cl.conv(OK, x, w, b);
            }
        }, "bias shape [5]"));
        t.add(run("missing bias", IllegalArgumentException.class, cl -> {
            try (Tensor x = cl.empty(1, 4, 8, 8); Tensor w = cl.empty(4, 4, 3, 3)) {
                cl.conv(OK, x, w, null);
            }
        }, "bias"));
        t.add(run("input of wrong shape", IllegalArgumentException.class, cl -> {
            try (Tensor x = cl.empty(1, 4, 9, 8); Tensor w = cl.empty(4, 4, 3, 3); Tensor b = cl.empty(4)) {
                cl.conv(OK, x, w, b);
            }
        }, "input shape [1, 4, 9, 8]"));
        t.add(run("output of wrong shape", IllegalArgumentException.class, cl -> {
            try (Tensor x = cl.empty(1, 4, 8, 8); Tensor w = cl.empty(4, 4, 3, 3); Tensor b = cl.empty(4); Tensor y = cl.empty(1, 4, 8, 8)) {
                cl.conv(OK, x, w, b, y);
            }
        }, "output shape [1, 4, 8, 8]", "[1, 4, 6, 6]"));
        t.add(run("weight rank mismatch in conv2d call", IllegalArgumentException.class, cl -> {
            try (Tensor x = cl.empty(1, 4, 8, 8); Tensor w = cl.empty(4, 4, 3)) {
                cl.conv2d(x, w, null, null);
            }
        }, "weight of rank 3"));
        t.add(run("channels of weight disagree with groups", IllegalArgumentException.class, cl -> {
            try (Tensor x = cl.empty(1, 4, 8, 8); Tensor w = cl.empty(4, 4, 3, 3)) {
                cl.conv2d(x, w, null, o -> o.groups(2));
            }
        }, "weight shape [4, 4, 3, 3]"));
        t.add(run("closed input", IllegalArgumentException.class, cl -> {
            Tensor x = cl.empty(1, 4, 8, 8);
            x.close();
            try (Tensor w = cl.empty(4, 4, 3, 3); Tensor b = cl.empty(4)) {
                cl.conv(OK, x, w, b);
            }
        }, "input", "closed"));
        t.add(run("foreign weight", IllegalArgumentException.class, cl -> {
            try (ConvCL other = ConvCL.open("java"); Tensor w = other.empty(4, 4, 3, 3); Tensor x = cl.empty(1, 4, 8, 8); Tensor b = cl.empty(4)) {
                cl.conv(OK, x, w, b);
            }
        }, "weight", "another runtime"));
        t.add(run("data length differs from shape", IllegalArgumentException.class, cl -> cl.tensor(new float[10], 3, 3), "data has 10 values", "[3, 3]"));
        t.add(run("negative tensor dimension", IllegalArgumentException.class, cl -> cl.empty(2, -3), "negative"));
        t.add(run("array of wrong length end to end", IllegalArgumentException.class, cl -> cl.convolve(OK, new float[3], new float[144], new float[4]), "input has 3 values"));
        t.add(run("null input array", NullPointerException.class, cl -> cl.convolve(OK, null, new float[144], new float[4]), "input"));
        t.add(run("null weight tensor", NullPointerException.class, cl -> {
            try (Tensor x = cl.empty(1, 4, 8, 8)) {
                cl.conv(OK, x, null, null);
            }
        }, "weight"));
        t.add(run("null spec", NullPointerException.class, cl -> cl.conv(null, null, null, null), "spec"));
        t.add(run("null data", NullPointerException.class, cl -> cl.tensor((float[]) null, 1), "data"));
        t.add(run("null padding", NullPointerException.class, cl -> c2().padding((Padding) null), "padding"));
        // A forced plan the backend does not offer for the layer: Winograd on a strided layer, a Java kernel on OpenCL.
        ConvSpec strided = ConvSpec.conv(2).input(1, 4, 8, 8).outChannels(4).kernel(3).stride(2).padding(1).build();
        t.add(new Bad("a forced plan that does not apply", IllegalArgumentException.class, List.of("plan=", "does not apply", "stride"),
                cl -> cl.backend().convolveArrays(strided, cl.backendKind() == io.github.convcl.plan.BackendKind.JAVA
                        ? io.github.convcl.plan.Plan.of(io.github.convcl.plan.Algorithm.CL_DIRECT)
                        : new io.github.convcl.plan.Plan(io.github.convcl.plan.Algorithm.CL_WINOGRAD_F2, io.github.convcl.plan.Planner.GPU_TILES),
                        new float[4 * 64], new float[4 * 4 * 9], new float[4])));
        return t.stream();
    }

    /** The arrays call refuses a bias the spec does not have, as the tensor call does, on every backend. */
    @Test
    void aBiasForASpecWithoutOneIsRefused() {
        ConvSpec s = ConvSpec.conv(2).input(1, 2, 4, 4).outChannels(3).kernel(3).bias(false).build();
        for (ConvCL cl : runtimes) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cl.convolve(s, new float[32], new float[54], new float[3]));
            assertTrue(e.getMessage().contains("bias=false"), e.getMessage());
        }
    }

    /** A bad setting read when a runtime opens is refused before any device is opened: nothing to leak. */
    @Test
    void aBadPrecisionSettingOpensNothing() {
        Map<ClCounters.Kind, Long> before = ClCounters.snapshot();
        TestSupport.withProperty("convcl.precision", "bogus", () -> {
            for (String backend : List.of("java", "opencl-cpu", "auto")) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConvCL.open(backend));
                assertTrue(e.getMessage().contains("bogus"), e.getMessage());
            }
        });
        assertEquals(before, ClCounters.snapshot());
    }

    @Test
    void theTableHasAtLeastFortyCases() {
        assertTrue(table().count() >= 40);
    }

    static Stream<Arguments> cases() {
        return table().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedWithTheParameterNamedAndNothingLeaked(Bad bad) {
        for (ConvCL cl : runtimes) {
            Map<ClCounters.Kind, Long> before = ClCounters.snapshot();
            Exception e = assertThrows(bad.type(), () -> bad.action().accept(cl), bad.name() + " on " + cl.backendKind());
            for (String w : bad.words()) {
                assertTrue(String.valueOf(e.getMessage()).contains(w), "'" + e.getMessage() + "' should contain '" + w + "'");
            }
            assertEquals(before, ClCounters.snapshot(), "live OpenCL objects after " + bad.name());
        }
    }

    @Test
    void nanAndInfinityAreComputedThroughNotRefused() {
        ConvSpec s = ConvSpec.conv(1).input(1, 1, 4).outChannels(1).kernel(2).bias(false).build();
        for (ConvCL cl : runtimes) {
            float[] y = cl.convolve(s, new float[] {1, Float.NaN, 2, Float.POSITIVE_INFINITY}, new float[] {1, 1}, null);
            assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[1]) && y[2] == Float.POSITIVE_INFINITY, java.util.Arrays.toString(y));
        }
    }
}
