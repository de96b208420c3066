// Padding as the user states it: explicit amounts per dimension, 'same' or 'valid'.
package io.github.convcl.spec;

import java.util.Arrays;

/**
 * Padding as PyTorch accepts it: explicit per-dimension amounts (applied on both sides),
 * {@code same} (output size equals input size; stride 1 only; total d*(k-1), the extra on the right)
 * or {@code valid} (no padding).
 */
public final class Padding {
    /** The three ways of stating padding. */
    public enum Kind { EXPLICIT, SAME, VALID }

    private static final Padding SAME = new Padding(Kind.SAME, new int[0]);
    private static final Padding VALID = new Padding(Kind.VALID, new int[0]);

    private final Kind kind;
    private final int[] amounts;

    private Padding(Kind kind, int[] amounts) {
        this.kind = kind;
        this.amounts = amounts;
    }

    /** Explicit padding: one value for every dimension, or one per dimension. */
    public static Padding of(int... amounts) {
        if (amounts == null || amounts.length == 0) {
            throw new IllegalArgumentException("padding needs at least one value");
        }
        return new Padding(Kind.EXPLICIT, amounts.clone());
    }

    public static Padding same() {
        return SAME;
    }

    public static Padding valid() {
        return VALID;
    }

    /** Parses {@code same}, {@code valid}, {@code 1} or {@code 1,2} (also {@code [1, 2]}). */
    public static Padding parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("same")) {
            return SAME;
        }
        if (t.equals("valid")) {
            return VALID;
        }
        return of(Shapes.parseInts("padding", t));
    }

    public Kind kind() {
        return kind;
    }

    /** The explicit amounts as given (empty for same and valid). */
    public int[] amounts() {
        return amounts.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Padding p && p.kind == kind && Arrays.equals(p.amounts, amounts);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(amounts);
    }

    @Override
    public String toString() {
        return kind == Kind.EXPLICIT ? Arrays.toString(amounts) : "'" + kind.name().toLowerCase(java.util.Locale.ROOT) + "'";
    }
}
