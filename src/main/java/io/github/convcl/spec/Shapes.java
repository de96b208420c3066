// Small helpers on shapes: element counts without overflow, parsing, printing.
package io.github.convcl.spec;

import java.util.Arrays;

/** Helpers on shapes shared by the spec, tensors and the CLI. */
public final class Shapes {
    /** The most elements one tensor may hold: Java arrays are indexed by int. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Shapes() {
    }

    /** The product of the dimensions, or an IllegalArgumentException naming {@code what} when it overflows. */
    public static long elements(String what, int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(what + " shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            try {
                n = Math.multiplyExact(n, (long) d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(what + " shape " + Arrays.toString(shape) + " overflows a 64-bit element count");
            }
        }
        if (n > MAX_ELEMENTS) {
            throw new IllegalArgumentException(what + " shape " + Arrays.toString(shape) + " has " + n
                    + " elements, more than the " + MAX_ELEMENTS + " one tensor may hold");
        }
        return n;
    }

    /** Parses "1,2,3", "[1, 2, 3]" or "1x2x3". */
    public static int[] parseInts(String what, String text) {
        String t = text.replace("[", "").replace("]", "").replace("(", "").replace(")", "").trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException(what + "='" + text + "' has no values");
        }
        String[] parts = t.split("[,x\\s]+");
        int[] v = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + "='" + text + "' is not a list of integers");
            }
        }
        return v;
    }

    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    static long product(int[] a) {
        long p = 1;
        for (int v : a) {
            p *= v;
        }
        return p;
    }
}
