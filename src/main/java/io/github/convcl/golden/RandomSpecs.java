// Draws random valid convolutions of every kind, for the fuzzer and the contract tests.
package io.github.convcl.golden;

import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Padding;
import io.github.convcl.spec.PaddingMode;
import java.util.Random;

/**
 * Random convolutions: 1D, 2D and 3D, plain and transposed, grouped, depthwise with a channel multiplier,
 * dilated, strided, padded (ints, same, valid), every padding mode, batch 0 to 4, odd and prime sizes.
 * Each draw is bounded to {@code maxFlops} so a float64 reference stays quick.
 */
public final class RandomSpecs {
    private static final int[] SIZES = {1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 17, 23};
    private final Random rnd;
    private final long maxFlops;

    /** The smallest FLOP bound a draw takes: below it few layers but empty batches fit, and draws would spin. */
    public static final long MIN_FLOPS = 1_000;

    public RandomSpecs(long seed, long maxFlops) {
        this.rnd = new Random(seed);
        this.maxFlops = maxFlops;
    }

    /** The next valid spec. */
    public ConvSpec next() {
        if (maxFlops < MIN_FLOPS) {
            throw new IllegalArgumentException("maxFlops=" + maxFlops + " must be at least " + MIN_FLOPS + " to draw layers");
        }
        while (true) {
            try {
                ConvSpec s = draw();
                if (s.flops() <= maxFlops && s.outputElements() <= 200_000 && s.inputElements() <= 200_000) {
                    return s;
                }
            } catch (IllegalArgumentException invalid) {
                // draw again: the spec's own validation decides what is valid
            }
        }
    }

    private int pick(int... values) {
        return values[rnd.nextInt(values.length)];
    }

    private ConvSpec draw() {
        int rank = 1 + rnd.nextInt(3);
        boolean transposed = rnd.nextInt(10) < 3;
        int groups = pick(1, 1, 1, 2, 3, 4);
        boolean depthwise = rnd.nextInt(6) == 0;
        int cin;
        int cout;
        // many groups of at least a vector of input channels and at most one of output channels: the Java tap tiles'
        // input panels (WeightTaps)
        boolean manyGroups = !depthwise && rnd.nextInt(12) == 0;
        // many output channels over few positions: the Java GEMMs split the output channels into row blocks (whose
        // boundaries must fall on packed panels, also past a layer's last full-height panel)
        boolean wide = !depthwise && !manyGroups && rnd.nextInt(12) == 0;
        if (wide) {
            rank = 1 + rnd.nextInt(2);
            groups = 1;
        }
        // a 2D layer with channels in 16s, often a 3x3 at stride 1 or an unpadded pointwise layer: the Java Winograds
        // along channels (ChannelWinograd; 16 and 48 output channels end in a group of 32 padded with zero weights) and the
        // kernels on channel-blocked tensors, pointwise and direct (fuzz runs these layers in NCHW16c too)
        boolean channelBlocks = !transposed && !depthwise && !manyGroups && !wide && rnd.nextInt(12) == 0;
        int blockKernel = 3;
        int blockStride = 1;
        int blockDilation = 1;
        if (channelBlocks) {
            rank = 2;
            groups = 1;
            blockKernel = pick(3, 3, 3, 1, 1, 2, 5);
            blockStride = pick(1, 1, 2);
            blockDilation = pick(1, 1, 1, 2);
        }
        if (depthwise) {
            // now and then 16 or 32 channels and no multiplier, which fuzz also runs in NCHW16c: the depthwise kernel on
            // blocked tensors
            boolean blocks = rnd.nextInt(4) == 0;
            cin = blocks ? 16 * (1 + rnd.nextInt(2)) : 1 + rnd.nextInt(6);
            groups = cin;
            cout = blocks ? cin : cin * pick(1, 1, 2, 3);
        } else if (manyGroups) {
            groups = pick(8, 16);
            cin = groups * (8 + rnd.nextInt(9));
            cout = groups * (1 + rnd.nextInt(8));
        } else if (wide) {
            cin = 1 + rnd.nextInt(8);
            cout = 96 + rnd.nextInt(505);
        } else if (channelBlocks) {
            cin = 16 * (1 + rnd.nextInt(3));
            cout = 16 * (1 + rnd.nextInt(4));
        } else {
            cin = groups * (1 + rnd.nextInt(rank == 3 ? 3 : 6));
            cout = groups * (1 + rnd.nextInt(rank == 3 ? 3 : 6));
        }
        int batch = pick(0, 1, 1, 1, 2, 3, 4);
        int maxSize = rank == 1 ? 40 : rank == 2 ? 17 : 8;
        int[] in = new int[rank + 2];
        in[0] = batch;
        in[1] = cin;
        int[] k = new int[rank];
        int[] s = new int[rank];
        int[] d = new int[rank];
        int[] p = new int[rank];
        int[] op = new int[rank];
        for (int i = 0; i < rank; i++) {
            int size;
            do {
                size = SIZES[rnd.nextInt(SIZES.length)] + (rank == 1 ? rnd.nextInt(20) : 0);
            } while (size > maxSize);
            in[i + 2] = size;
            k[i] = channelBlocks ? blockKernel : wide ? pick(1, 1, 3) : pick(1, 1, 2, 3, 3, 4, 5);
            s[i] = channelBlocks ? blockStride : pick(1, 1, 1, 2, 3);
            d[i] = channelBlocks ? blockDilation : pick(1, 1, 1, 2, 3);
            p[i] = channelBlocks && blockKernel == 1 ? pick(0, 0, 1) : rnd.nextInt(4);
            op[i] = rnd.nextInt(Math.max(s[i], d[i]));
        }
        ConvSpec.Builder b = transposed ? ConvSpec.convTranspose(rank) : ConvSpec.conv(rank);
        b.input(in).outChannels(cout).kernel(k).stride(s).dilation(d).groups(groups).bias(rnd.nextBoolean());
        if (transposed) {
            b.padding(p).outputPadding(op);
        } else {
            int mode = rnd.nextInt(10);
            if (mode == 0) {
                b.padding(Padding.valid());
            } else if (mode == 1) {
                b.stride(1).padding(Padding.same());
            } else {
                b.padding(p);
            }
            if (rnd.nextInt(3) == 0) {
                b.paddingMode(PaddingMode.values()[1 + rnd.nextInt(3)]);
            }
        }
        return b.build();
    }

    /** Random float data; occasionally large or tiny magnitudes. */
    /** A uniform draw from [0, bound), from this sequence. */
    public int nextInt(int bound) {
        return rnd.nextInt(bound);
    }

    public float[] data(long n) {
        float[] a = new float[Math.toIntExact(n)];
        float scale = rnd.nextInt(8) == 0 ? 100f : 1f;
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian() * scale;
        }
        return a;
    }
}
