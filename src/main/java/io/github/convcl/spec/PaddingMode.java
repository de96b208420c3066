// How a convolution reads input positions outside the input: PyTorch's padding_mode.
package io.github.convcl.spec;

import java.util.Locale;

/** PyTorch's {@code padding_mode}: what a convolution reads outside the input. */
public enum PaddingMode {
    /** Zeros outside the input. */
    ZEROS,
    /** Mirror without repeating the edge: index -1 reads 1. Padding must be smaller than the input. */
    REFLECT,
    /** Repeat the edge value. */
    REPLICATE,
    /** Wrap around: index -1 reads the last element. Padding must not exceed the input. */
    CIRCULAR;

    /** The name PyTorch uses ({@code zeros}, {@code reflect}, ...). */
    public String torchName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses PyTorch's name; null means {@link #ZEROS}. */
    public static PaddingMode parse(String name) {
        if (name == null) {
            return ZEROS;
        }
        for (PaddingMode m : values()) {
            if (m.torchName().equals(name.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("padding_mode=" + name + " is not one of zeros, reflect, replicate, circular");
    }

    /**
     * Maps a coordinate of the padded input to a source index in [0, size), or -1 for a zero.
     * Coordinates are at most one padding width outside the input, which validation guarantees.
     */
    public int source(int coordinate, int size) {
        if (coordinate >= 0 && coordinate < size) {
            return coordinate;
        }
        switch (this) {
            case REFLECT:
                return coordinate < 0 ? -coordinate : 2 * (size - 1) - coordinate;
            case REPLICATE:
                return coordinate < 0 ? 0 : size - 1;
            case CIRCULAR:
                return Math.floorMod(coordinate, size);
            default:
                return -1;
        }
    }
}
