// Output sizes, costs and receptive fields, including the figures of the documents the project was built from.
package io.github.convcl.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConvSpecTest {
    private static ConvSpec conv2d(int cin, int cout, int k, int hw) {
        return ConvSpec.conv(2).input(1, cin, hw, hw).outChannels(cout).kernel(k).padding(k / 2).bias(false).build();
    }

    @Test
    void inceptionBlockWeightsWithAndWithoutReductions() {
        List<ConvSpec> naive = List.of(conv2d(192, 64, 1, 28), conv2d(192, 128, 3, 28), conv2d(192, 32, 5, 28));
        assertEquals(387_072, Costs.of(naive).parameters());
        List<ConvSpec> reduced = List.of(conv2d(192, 64, 1, 28), conv2d(192, 96, 1, 28), conv2d(96, 128, 3, 28),
                conv2d(192, 16, 1, 28), conv2d(16, 32, 5, 28), conv2d(192, 32, 1, 28));
        assertEquals(163_328, Costs.of(reduced).parameters());
    }

    @Test
    void resnetBlockWeightsPlainAndBottleneck() {
        assertEquals(1_179_648, Costs.of(List.of(conv2d(256, 256, 3, 56), conv2d(256, 256, 3, 56))).parameters());
        assertEquals(69_632, Costs.of(List.of(conv2d(256, 64, 1, 56), conv2d(64, 64, 3, 56), conv2d(64, 256, 1, 56))).parameters());
    }

    @Test
    void outputSizesFollowPytorch() {
        ConvSpec stem = ConvSpec.conv(2).input(1, 3, 224, 224).outChannels(64).kernel(7).stride(2).padding(3).build();
        assertArrayEquals(new int[] {1, 64, 112, 112}, stem.outputShape());
        assertEquals(2L * 64 * 112 * 112 * 3 * 49, stem.flops());
        assertEquals(64 * 3 * 49 + 64, stem.parameters());
        ConvSpec dcgan = ConvSpec.convTranspose(2).input(1, 256, 16, 16).outChannels(128).kernel(4).stride(2).padding(1).build();
        assertArrayEquals(new int[] {1, 128, 32, 32}, dcgan.outputShape());
        assertArrayEquals(new int[] {256, 128, 4, 4}, dcgan.weightShape());
        assertEquals(2L * 256 * 16 * 16 * 128 * 16, dcgan.flops());
        ConvSpec op = ConvSpec.convTranspose(1).input(1, 2, 7).outChannels(3).kernel(3).stride(2).padding(1).outputPadding(1).build();
        assertArrayEquals(new int[] {1, 3, 14}, op.outputShape());
        ConvSpec sized = ConvSpec.convTranspose(1).input(1, 2, 7).outChannels(3).kernel(3).stride(2).padding(1).outputSize(14).build();
        assertArrayEquals(new int[] {1}, sized.outputPadding());
        ConvSpec sameEven = ConvSpec.conv(1).input(1, 1, 10).outChannels(1).kernel(4).padding(Padding.same()).build();
        assertArrayEquals(new int[] {1}, sameEven.padBefore());
        assertArrayEquals(new int[] {2}, sameEven.padAfter());
        assertArrayEquals(new int[] {1, 1, 10}, sameEven.outputShape());
        ConvSpec dilated = ConvSpec.conv(2).input(1, 1, 64, 64).outChannels(1).kernel(3).dilation(2).padding(2).build();
        assertArrayEquals(new int[] {1, 1, 64, 64}, dilated.outputShape());
        ConvSpec valid = ConvSpec.conv(3).input(2, 1, 5, 6, 7).outChannels(2).kernel(3).padding(Padding.valid()).build();
        assertArrayEquals(new int[] {2, 2, 3, 4, 5}, valid.outputShape());
    }

    @Test
    void receptiveFieldOfAStack() {
        assertArrayEquals(new int[] {5, 5}, conv2d(1, 1, 5, 28).receptiveField());
        // Two 3x3 convolutions see 5x5; three see 7x7 (the VGG argument).
        assertArrayEquals(new int[] {7, 7}, Costs.of(List.of(conv2d(1, 1, 3, 28), conv2d(1, 1, 3, 28), conv2d(1, 1, 3, 28))).receptiveField());
        ConvSpec s2 = ConvSpec.conv(2).input(1, 1, 28, 28).outChannels(1).kernel(3).stride(2).build();
        assertArrayEquals(new int[] {7, 7}, Costs.of(List.of(s2, conv2d(1, 1, 3, 13))).receptiveField());
        ConvSpec d2 = ConvSpec.conv(1).input(1, 1, 30).outChannels(1).kernel(3).dilation(2).build();
        assertArrayEquals(new int[] {5}, d2.receptiveField());
    }

    @Test
    void paddingModesMapIndicesLikePytorch() {
        assertEquals(1, PaddingMode.REFLECT.source(-1, 5));
        assertEquals(3, PaddingMode.REFLECT.source(5, 5));
        assertEquals(0, PaddingMode.REPLICATE.source(-2, 5));
        assertEquals(4, PaddingMode.REPLICATE.source(7, 5));
        assertEquals(4, PaddingMode.CIRCULAR.source(-1, 5));
        assertEquals(0, PaddingMode.CIRCULAR.source(5, 5));
        assertEquals(-1, PaddingMode.ZEROS.source(-1, 5));
    }
}
