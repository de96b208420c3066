// The convolutions whose forward passes compute a convolution's gradients: grad_input and grad_weight as forward specs.
package io.github.convcl.spec;

/**
 * The adjoint specs of a convolution, through which its backward passes are planned and run on the forward kernels.
 *
 * <p>grad_input of a convolution of stride 1 with zero padding on equal sides is a convolution of grad_output with
 * the weights flipped ({@link #flipsWeights}). Otherwise grad_input of a convolution is the transposed convolution of grad_output with the same weights, stride,
 * dilation and groups (PyTorch's {@code conv_transpose(grad_output, w)} with the output size of the input): with zero
 * padding the same on both sides, its padding is the convolution's and its output padding the rows the stride left
 * over. Otherwise ({@code reflect}, {@code replicate}, {@code circular}, or unequal sides as {@code same} gives for
 * an even kernel) the transposed convolution runs without padding over the padded extent, and each padded position's
 * gradient is then added to the input position the padding mode read it from ({@link #foldsPadding}).
 *
 * <p>grad_input of a transposed convolution is the convolution of grad_output with the same weights (their layout
 * (C_in, C_out/g, k...) is a convolution's from C_out to C_in channels), stride, padding, dilation and groups; its
 * output has the input's size, plus {@code output_padding / stride} positions past it that are dropped.
 *
 * <p>grad_weight of a transposed convolution is that of the convolution {@link #weightSpec}: the one from grad_output
 * to the input, whose grad_output is the input.
 */
public final class Adjoint {
    private Adjoint() {
    }

    /**
     * Whether {@link #dataSpec} is a convolution over the weights flipped in every spatial dimension, with their two
     * channel axes exchanged ({@link #flipWeights}): a convolution of stride 1 with zero padding, the same on both
     * sides and at most the dilated kernel's reach. Its grad_input is then the forward convolution of grad_output
     * padded by the reach less the padding, which every forward algorithm (Winograd, direct GEMM, depthwise) computes,
     * where the transposed form would run GEMM + col2im.
     */
    public static boolean flipsWeights(ConvSpec s) {
        if (s.transposed() || s.paddingMode() != PaddingMode.ZEROS || !java.util.Arrays.equals(s.padBefore(), s.padAfter())) {
            return false;
        }
        for (int i = 0; i < s.rank(); i++) {
            if (s.stride()[i] != 1 || s.padBefore()[i] > s.dilation()[i] * (s.kernel()[i] - 1)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The weights {@code w} of {@code s} as {@link #dataSpec} takes them where {@link #flipsWeights}: for group g, output
     * channel o and input channel c of the layer, {@code w'[g*cin_g + c][o][t] = w[g*cout_g + o][c][taps - 1 - t]}.
     */
    public static void flipWeights(ConvSpec s, float[] w, float[] out) {
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int taps = s.kernelVolume();
        for (int g = 0; g < s.groups(); g++) {
            for (int o = 0; o < coutG; o++) {
                for (int c = 0; c < cinG; c++) {
                    int src = ((g * coutG + o) * cinG + c) * taps;
                    int dst = ((g * cinG + c) * coutG + o) * taps;
                    for (int t = 0; t < taps; t++) {
                        out[dst + t] = w[src + taps - 1 - t];
                    }
                }
            }
        }
    }

    /**
     * Whether {@link #dataSpec}'s output is the gradient of the padded input (to be folded back to the input by the
     * padding mode): a convolution whose padding is not zeros, or not the same on both sides.
     */
    public static boolean foldsPadding(ConvSpec s) {
        if (s.transposed()) {
            return false;
        }
        return s.paddingMode() != PaddingMode.ZEROS || !java.util.Arrays.equals(s.padBefore(), s.padAfter());
    }

    /**
     * The forward spec whose output is {@code s}'s grad_input: for a convolution the transposed convolution described
     * above (its output the input's size, or the padded size where {@link #foldsPadding}); for a transposed convolution
     * the convolution from grad_output (its output the input's size, or more where output_padding reaches a stride).
     * No bias; the precision of {@code s}.
     */
    public static ConvSpec dataSpec(ConvSpec s) {
        int rank = s.rank();
        int[] in = s.inputSize();
        int[] out = s.outputSize();
        int[] k = s.kernel();
        int[] st = s.stride();
        int[] d = s.dilation();
        int[] gradOutputShape = s.outputShape();
        ConvSpec.Builder b;
        if (flipsWeights(s)) {
            int[] pad = new int[rank];
            for (int i = 0; i < rank; i++) {
                pad[i] = d[i] * (k[i] - 1) - s.padBefore()[i];
            }
            b = ConvSpec.conv(rank).input(gradOutputShape).outChannels(s.inChannels()).kernel(k).padding(pad).dilation(d)
                    .groups(s.groups());
        } else if (s.transposed()) {
            b = ConvSpec.conv(rank).input(gradOutputShape).outChannels(s.inChannels()).kernel(k).stride(st).padding(s.padBefore())
                    .dilation(d).groups(s.groups());
        } else {
            boolean fold = foldsPadding(s);
            int[] pad = fold ? new int[rank] : s.padBefore();
            int[] op = new int[rank];
            for (int i = 0; i < rank; i++) {
                int extent = fold ? in[i] + s.padBefore()[i] + s.padAfter()[i] : in[i];
                op[i] = extent - ((out[i] - 1) * st[i] - 2 * pad[i] + d[i] * (k[i] - 1) + 1);
            }
            b = ConvSpec.convTranspose(rank).input(gradOutputShape).outChannels(s.inChannels()).kernel(k).stride(st).padding(pad)
                    .dilation(d).groups(s.groups()).outputPadding(op);
        }
        b.bias(false);
        if (s.precisionSet()) {
            b.precision(s.precision());
        }
        return b.build();
    }

    /**
     * For a transposed convolution {@code s}: the convolution from grad_output to the input whose grad_weight, with the
     * input as its grad_output, is {@code s}'s grad_weight (the same weight layout). Its output is the input's size, or
     * more where output_padding reaches a stride: those positions' grad_output is zero.
     */
    public static ConvSpec weightSpec(ConvSpec s) {
        if (!s.transposed()) {
            return s;
        }
        ConvSpec.Builder b = ConvSpec.conv(s.rank()).input(s.outputShape()).outChannels(s.inChannels()).kernel(s.kernel())
                .stride(s.stride()).padding(s.padBefore()).dilation(s.dilation()).groups(s.groups()).bias(false);
        if (s.precisionSet()) {
            b.precision(s.precision());
        }
        return b.build();
    }
}
