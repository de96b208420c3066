// How a tensor's values lie in memory: PyTorch's contiguous order, or channels in blocks of 16 innermost.
package io.github.convcl.spec;

/**
 * The memory order of an activation tensor (N, C, spatial...). A tensor's values as a caller reads and writes them
 * ({@code Tensor.toArray}, {@code Tensor.write}) are always in {@link #NCHW} order; the layout only says how the backend
 * keeps them between operations.
 */
public enum Layout {
    /** Row-major (N, C, spatial...): PyTorch's contiguous tensors. Every backend and operation takes it. */
    NCHW,
    /**
     * (N, C / 16, spatial..., 16): each position's channels in runs of 16, oneDNN's {@code nChw16c}. One 512-bit vector
     * holds a position's 16 channels, so the Java backend's kernels load channels where NCHW would gather them one plane
     * apart. Needs channels in multiples of {@link #BLOCK}; the Java backend holds it ({@code ConvCL.supports}).
     */
    NCHW16C;

    /** Channels per block of {@link #NCHW16C}. */
    public static final int BLOCK = 16;

    /** Where logical element (n, c, position) of a tensor of {@code channels} channels and {@code vol} positions lies. */
    public long index(int n, int c, long position, int channels, long vol) {
        if (this == NCHW) {
            return ((long) n * channels + c) * vol + position;
        }
        return (((long) n * channels + c - c % BLOCK) * vol + position * BLOCK) + c % BLOCK;
    }

    /**
     * One block of 16 channels of one image between the layouts: the 16 planes of {@code vol} positions at
     * {@code planes[planesAt ..]} (one plane apart) and the block at {@code block[blockAt ..]} (16 values per position),
     * copied to the block with {@code toBlock}, else back to the planes. Positions go in tiles of 16, each plane's run of
     * a tile read or written whole: a plane at a time keeps the accesses to the planes sequential, where a position at a
     * time touches 16 planes per position, which on planes of a power-of-two size fall into the same cache sets.
     */
    public static void copyBlock(float[] planes, int planesAt, float[] block, int blockAt, int vol, boolean toBlock) {
        int tiled = vol - vol % BLOCK;
        for (int p0 = 0; p0 < tiled; p0 += BLOCK) {
            for (int c = 0; c < BLOCK; c++) {
                int q = planesAt + c * vol + p0;
                int b = blockAt + p0 * BLOCK + c;
                if (toBlock) {
                    for (int p = 0; p < BLOCK; p++) {
                        block[b + p * BLOCK] = planes[q + p];
                    }
                } else {
                    for (int p = 0; p < BLOCK; p++) {
                        planes[q + p] = block[b + p * BLOCK];
                    }
                }
            }
        }
        for (int p = tiled; p < vol; p++) {
            int b = blockAt + p * BLOCK;
            for (int c = 0, q = planesAt + p; c < BLOCK; c++, q += vol) {
                if (toBlock) {
                    block[b + c] = planes[q];
                } else {
                    planes[q] = block[b + c];
                }
            }
        }
    }

    /**
     * {@code values} of {@code images} images of {@code channels} channels (a multiple of 16) and {@code vol} positions,
     * from this layout into {@code to}: a new array ({@code values} itself when the layouts are the same).
     */
    public float[] convert(float[] values, Layout to, int images, int channels, int vol) {
        if (to == this) {
            return values;
        }
        float[] out = new float[values.length];
        for (int n = 0; n < images; n++) {
            for (int c = 0; c < channels; c += BLOCK) {
                int at = (n * channels + c) * vol;
                if (this == NCHW) {
                    copyBlock(values, at, out, at, vol, true);
                } else {
                    copyBlock(out, at, values, at, vol, false);
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return this == NCHW ? "NCHW" : "NCHW16c";
    }
}
