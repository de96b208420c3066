// Hostile inputs: extreme padding, dilation and stride around 2^14, 2^30 and 2^31 are refused at the spec or computed
// exactly on every backend, plan and thread count.
package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.github.convcl.backend.Backend;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Padding;
import io.github.convcl.spec.PaddingMode;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
    private static final int E30 = 1 << 30;
    private static final int MAX = Integer.MAX_VALUE;
    /** Java thread counts: one, two, an odd count, and more than this machine's cores. */
    static final int[] THREADS = {1, 2, 3, Runtime.getRuntime().availableProcessors() * 2 + 1};

    private final List<Backend> openCl = TestSupport.openClBackends();

    @AfterAll
    void close() {
        openCl.forEach(Backend::close);
    }

    private record Refused(String name, Supplier<ConvSpec.Builder> spec, String parameter) {
    }

    /** Sizes whose index arithmetic would leave 32 bits: refused at the spec, naming the parameter and its values. */
    static Stream<Refused> refused() {
        return Stream.of(
                new Refused("conv1d dilation=padding=2^30", () -> ConvSpec.conv(1).input(1, 2, 8).outChannels(2).kernel(3).dilation(E30).padding(E30), "padding=[1073741824]"),
                new Refused("conv2d dilation=padding=2^30", () -> ConvSpec.conv(2).input(1, 2, 8, 8).outChannels(2).kernel(3).dilation(E30).padding(E30), "padding=[1073741824, 1073741824]"),
                new Refused("conv2d padding=2^31-1", () -> ConvSpec.conv(2).input(1, 1, 8, 8).outChannels(1).kernel(1).padding(MAX), "padding=[2147483647, 2147483647]"),
                new Refused("conv1d padded one past 2^30", () -> ConvSpec.conv(1).input(1, 1, 9).outChannels(1).kernel(1).padding(E30 / 2 - 4), "padded extent of 1073741825"),
                new Refused("conv1d dilation=2^30, no padding", () -> ConvSpec.conv(1).input(1, 1, 8).outChannels(1).kernel(3).dilation(E30), "dilation"),
                new Refused("conv1d dilation=2^31-1", () -> ConvSpec.conv(1).input(1, 1, 8).outChannels(1).kernel(2).dilation(MAX).padding(MAX), "padding=[2147483647]"),
                new Refused("conv2d same, dilation=2^30", () -> ConvSpec.conv(2).input(1, 1, 8, 8).outChannels(1).kernel(3).dilation(E30).padding(Padding.same()), "dilation=[1073741824, 1073741824]"),
                new Refused("conv_transpose1d stride=2^30", () -> ConvSpec.convTranspose(1).input(1, 1, 2).outChannels(1).kernel(2).stride(E30), "stride=1073741824"),
                new Refused("conv_transpose1d stride=2^31-1", () -> ConvSpec.convTranspose(1).input(1, 1, 2).outChannels(1).kernel(1).stride(MAX), "stride=2147483647"),
                new Refused("conv_transpose2d dilation=2^30 padding=2^30", () -> ConvSpec.convTranspose(2).input(1, 1, 2, 2).outChannels(1).kernel(3).dilation(E30).padding(E30), "dilation=1073741824"),
                new Refused("conv2d output over 2^31 elements", () -> ConvSpec.conv(2).input(1, 1, 1, 1).outChannels(1).kernel(1).padding(23170), "output shape"));
    }

    /** Sums of an extent and a stride are formed in 64 bits: a transposed stride of 2^31 - 1 has a receptive field of 1. */
    @org.junit.jupiter.api.Test
    void theReceptiveFieldOfAHugeStrideDoesNotOverflow() {
        ConvSpec s = ConvSpec.convTranspose(1).input(1, 1, 1).outChannels(1).kernel(3).stride(MAX).build();
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1}, s.receptiveField());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 1, 3}, s.outputShape());
    }

    @TestFactory
    Stream<DynamicTest> overflowingSizesAreRefusedAtTheSpec() {
        return refused().map(c -> dynamicTest(c.name(), () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.spec().get().build());
            assertTrue(e.getMessage().contains(c.parameter()), e.getMessage());
        }));
    }

    /** Extreme but addressable sizes: every backend, every plan it offers and every Java thread count, against float64. */
    static Stream<ConvSpec> computed() {
        int edge = E30 / 2 - 4; // padded extent 8 + 2 * edge = 2^30 exactly
        return Stream.of(
                ConvSpec.conv(1).input(1, 2, 8).outChannels(2).kernel(3).dilation(edge).padding(edge).build(),
                ConvSpec.conv(2).input(1, 2, 8, 8).outChannels(2).kernel(3).dilation(edge).padding(edge).build(),
                ConvSpec.conv(2).input(1, 2, 8, 8).outChannels(2).kernel(3).dilation(16384).padding(16384).build(),
                ConvSpec.conv(2).input(1, 2, 8, 8).outChannels(3).kernel(3).dilation(1 << 13).padding(1 << 13).stride(3).build(),
                ConvSpec.conv(1).input(1, 1, 8).outChannels(1).kernel(2).dilation(E30 - 8).padding(E30 / 2 - 4).build(),
                ConvSpec.conv(2).input(1, 1, 8, 8).outChannels(1).kernel(1).stride(E30).build(),
                ConvSpec.conv(2).input(2, 3, 8, 8).outChannels(4).kernel(3).stride(MAX).padding(1).build(),
                ConvSpec.conv(3).input(1, 2, 4, 4, 4).outChannels(2).kernel(2).stride(MAX, 1, E30).build(),
                ConvSpec.conv(1).input(1, 2, 8).outChannels(2).kernel(3).padding(16384).paddingMode(PaddingMode.REPLICATE).build(),
                ConvSpec.conv(2).input(1, 2, 6, 6).outChannels(2).kernel(3).padding(16384, 1).paddingMode(PaddingMode.REPLICATE).stride(1 << 14, 1).build(),
                ConvSpec.conv(2).input(1, 2, 3, 3).outChannels(2).kernel(3).padding(50).build(),
                ConvSpec.conv(2).input(1, 2, 5, 17).outChannels(6).kernel(1, 3).padding(3).build(),
                ConvSpec.conv(2).input(1, 2, 5, 17).outChannels(6).kernel(1, 3).padding(3).paddingMode(PaddingMode.CIRCULAR).build(),
                ConvSpec.conv(2).input(1, 2, 5, 17).outChannels(6).kernel(1, 3).padding(3).paddingMode(PaddingMode.REFLECT).build(),
                ConvSpec.conv(2).input(1, 2, 5, 17).outChannels(6).kernel(1, 3).padding(3).paddingMode(PaddingMode.REPLICATE).build(),
                ConvSpec.conv(2).input(2, 4, 2, 3).outChannels(4).kernel(3).padding(40).stride(2).build(),
                ConvSpec.convTranspose(1).input(1, 2, 3).outChannels(2).kernel(2).stride(1 << 20).build(),
                ConvSpec.convTranspose(2).input(1, 2, 2, 2).outChannels(2).kernel(2).stride(400).build(),
                ConvSpec.convTranspose(2).input(1, 2, 2, 2).outChannels(2).kernel(3).stride(1000, 7).padding(1).build(),
                ConvSpec.convTranspose(1).input(1, 1, 3).outChannels(1).kernel(3).dilation(1 << 20).padding(1 << 20).build(),
                ConvSpec.convTranspose(2).input(1, 2, 3, 3).outChannels(2).kernel(2).stride(16384, 1).padding(3, 0).build());
    }

    @TestFactory
    Stream<DynamicTest> extremeButAddressableSizesMatchTheReference() {
        return computed().map(s -> dynamicTest(s.toString(), () -> {
            JavaBackend java = new JavaBackend();
            int before = JavaBackend.threads();
            try {
                for (int t : THREADS) {
                    JavaBackend.setThreads(t);
                    TestSupport.assertPlansMatchReference(java, s + " on " + t + " threads", s, java.applicablePlans(s), 1e-5);
                    TestSupport.assertPlansMatchReference(java, s + " default plan on " + t + " threads", s, List.of(java.plan(s)), 1e-5);
                }
            } finally {
                JavaBackend.setThreads(before);
            }
            // OpenCL: the planner's choice. Each case is a build of its own on PoCL (its sizes are build options), and a
            // cold PoCL takes seconds a build; every plan was run on these cases once by hand (docs/reliability.md).
            for (Backend b : openCl) {
                TestSupport.assertPlansMatchReference(b, s + " on " + b.device(), s, List.of(b.plan(s)), 1e-5);
            }
        }));
    }
}
