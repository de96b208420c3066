// OpenCL implicit GEMM's table layout: what implicit_gemm.cl is built with beyond its tiles.
package io.github.convcl.plan;

import io.github.convcl.config.Settings;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;

/**
 * The implicit GEMM's tables: {@code flatTable} (FLAT_KTAB: the reduction table holds each tap's flat input offset,
 * zero padding only), {@code tapMajor} (TAP_MAJOR: the reduction walks taps outside channels, over weights reordered
 * tap-major) and {@code rowTaps} (ROW_TAPS: a transposed convolution whose every output takes one tap runs as one GEMM
 * over (output channel, tap) rows instead of one per residue class).
 */
public record ClGemm(boolean flatTable, boolean tapMajor, boolean rowTaps) implements Variant {
    @Override
    public Variant choice() {
        return this;
    }

    @Override
    public String toString() {
        String s = (tapMajor ? "tap-major" : "channel-major") + (rowTaps ? " row-taps" : "");
        return flatTable ? s : s + " offsets";
    }

    /**
     * The planner's table layout for {@code s} with tiles {@code t}: flat tables where they apply, tap-major where the
     * tiling's reduction step divides the channels per group, row taps where every output takes one tap; each unless
     * the settings turn it off ({@code choices}).
     */
    static ClGemm choose(ConvSpec s, Tuning t, Settings.GemmChoices choices) {
        return new ClGemm(flatTable(s), choices.tapMajor() && tapMajorShaped(s, t), choices.rowTaps() && rowTapsShaped(s));
    }

    /** Every table layout that computes {@code s} with tiles {@code t}. */
    static java.util.List<ClGemm> options(ConvSpec s, Tuning t) {
        java.util.List<ClGemm> all = new java.util.ArrayList<>();
        boolean flat = flatTable(s);
        for (boolean tap : tapMajorShaped(s, t) ? new boolean[] {true, false} : new boolean[] {false}) {
            for (boolean row : rowTapsShaped(s) ? new boolean[] {true, false} : new boolean[] {false}) {
                all.add(new ClGemm(flat, tap, row));
            }
        }
        return all;
    }

    /**
     * Whether the reduction table can hold each tap's flat input offset: zero padding (no padding mode to resolve per
     * tap), and a group's input block of one image indexable by an int.
     */
    public static boolean flatTable(ConvSpec s) {
        long block = s.inPerGroup();
        for (int v : s.inputSize()) {
            block *= v;
        }
        return s.paddingMode() == PaddingMode.ZEROS && block < Integer.MAX_VALUE / 2;
    }

    /** Whether tap-major applies: flat tables, and channels per group that the tiling's reduction step divides. */
    public static boolean tapMajorShaped(ConvSpec s, Tuning t) {
        return flatTable(s) && t.tk() > 0 && s.inPerGroup() % t.tk() == 0;
    }

    /**
     * Whether row taps apply: a transposed convolution with kernel equal to the stride, no padding, output padding or
     * dilation, so that every output has exactly one tap.
     */
    public static boolean rowTapsShaped(ConvSpec s) {
        if (!s.transposed()) {
            return false;
        }
        for (int d = 0; d < s.rank(); d++) {
            if (s.kernel()[d] != s.stride()[d] || s.padBefore()[d] != 0 || s.padAfter()[d] != 0 || s.outputPadding()[d] != 0
                    || s.dilation()[d] != 1) {
                return false;
            }
        }
        return true;
    }
}
