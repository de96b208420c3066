// The Java depthwise kernel's one choice: whether a plain 3x3 reads its input planes without padding columns.
package io.github.convcl.plan;

import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;

/**
 * The Java depthwise kernel: {@code unpadded} reads each input plane as one run of positions, with no padding columns,
 * for a 2D 3x3 with stride 1, dilation 1 and one zero of padding per side (planes of at least a vector of positions):
 * from copies of the plane between zero rows, with the row ends the outer taps must not see zeroed.
 */
public record JavaDepthwise(boolean unpadded) implements Variant {
    @Override
    public Variant choice() {
        return this;
    }

    @Override
    public String toString() {
        return unpadded ? "unpadded" : "padded";
    }

    /** The planner's choice: unpadded where {@link #unpaddedShaped} holds, unless the settings say otherwise. */
    static JavaDepthwise choose(ConvSpec s, int vectorLanes, Boolean forced) {
        return new JavaDepthwise(unpaddedShaped(s, vectorLanes) && (forced == null || forced));
    }

    /** Every variant that computes {@code s}. */
    static java.util.List<JavaDepthwise> options(ConvSpec s, int vectorLanes) {
        return unpaddedShaped(s, vectorLanes) ? java.util.List.of(new JavaDepthwise(true), new JavaDepthwise(false))
                : java.util.List.of(new JavaDepthwise(false));
    }

    /**
     * Whether the unpadded 3x3 reads {@code s}: a 2D 3x3 depthwise layer, stride 1, dilation 1, one zero of padding on
     * every side, planes of at least {@code vectorLanes} positions, with vectors (its loads and stores are whole vectors).
     */
    static boolean unpaddedShaped(ConvSpec s, int vectorLanes) {
        int[] one = {1, 1};
        return vectorLanes > 0 && s.rank() == 2 && s.paddingMode() == PaddingMode.ZEROS
                && java.util.Arrays.equals(s.kernel(), new int[] {3, 3}) && java.util.Arrays.equals(s.stride(), one)
                && java.util.Arrays.equals(s.dilation(), one) && java.util.Arrays.equals(s.padBefore(), one)
                && java.util.Arrays.equals(s.padAfter(), one) && (long) s.inputSize()[0] * s.inputSize()[1] >= vectorLanes;
    }
}
