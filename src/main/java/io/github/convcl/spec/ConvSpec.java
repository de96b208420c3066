// The one validated, immutable description of a convolution that every backend receives.
package io.github.convcl.spec;

import java.util.Arrays;
import java.util.Objects;

/**
 * One convolution, fully described and validated: rank (1, 2 or 3 spatial dimensions), transposed or not,
 * the input shape {@code (N, C_in, spatial...)}, output channels, kernel size, stride, padding, dilation,
 * output padding, groups, bias and padding mode, with PyTorch's semantics.
 *
 * <p>Output size per spatial dimension, with total padding {@code P = before + after}:
 * <ul>
 * <li>convolution: {@code floor((in + P - d*(k-1) - 1) / s) + 1}</li>
 * <li>transposed: {@code (in-1)*s - 2*p + d*(k-1) + output_padding + 1}</li>
 * </ul>
 * Weight layout: {@code (C_out, C_in/groups, k...)} for convolution and {@code (C_in, C_out/groups, k...)}
 * for transposed convolution; bias {@code (C_out)}.
 *
 * <p>Instances are created by {@link Builder#build()}, which throws an {@link IllegalArgumentException}
 * naming the parameter and its values for anything PyTorch would refuse. Backends never re-validate.
 */
public final class ConvSpec {
    /**
     * The largest spatial extent a spec may address in any dimension: the padded input of a convolution, the dilated
     * kernel, and a transposed convolution's output before its padding is cropped. The kernels index with 32-bit
     * integers and add two in-range coordinates (a position and a tap offset) before checking bounds, so one bit of
     * headroom below {@code Integer.MAX_VALUE} keeps every such sum exact.
     */
    public static final int MAX_EXTENT = 1 << 30;

    private final int rank;
    private final boolean transposed;
    private final int batch;
    private final int inChannels;
    private final int outChannels;
    private final int groups;
    private final int[] inputSize;
    private final int[] kernel;
    private final int[] stride;
    private final int[] dilation;
    private final Padding padding;
    private final int[] padBefore;
    private final int[] padAfter;
    private final int[] outputPadding;
    private final PaddingMode paddingMode;
    private final boolean bias;
    private final int[] outputSize;
    private final Precision precision;
    private final Epilogue epilogue;

    private ConvSpec(Builder b, int[] padBefore, int[] padAfter, int[] outputPadding, int[] outputSize) {
        this.rank = b.rank;
        this.transposed = b.transposed;
        this.batch = b.batch;
        this.inChannels = b.inChannels;
        this.outChannels = b.outChannels;
        this.groups = b.groups;
        this.inputSize = b.inputSize.clone();
        this.kernel = b.kernel.clone();
        this.stride = b.stride.clone();
        this.dilation = b.dilation.clone();
        this.padding = b.padding;
        this.padBefore = padBefore;
        this.padAfter = padAfter;
        this.outputPadding = outputPadding;
        this.paddingMode = b.paddingMode;
        this.bias = b.bias;
        this.outputSize = outputSize;
        this.precision = b.precision;
        this.epilogue = b.epilogue;
    }

    /** A builder for a convolution with {@code rank} spatial dimensions. */
    public static Builder conv(int rank) {
        return new Builder(rank, false);
    }

    /** A builder for a transposed convolution with {@code rank} spatial dimensions. */
    public static Builder convTranspose(int rank) {
        return new Builder(rank, true);
    }

    /** A builder for {@code op}, one of conv1d..conv3d, conv_transpose1d..conv_transpose3d. */
    public static Builder forOp(String op) {
        Objects.requireNonNull(op, "op");
        for (int r = 1; r <= 3; r++) {
            if (op.equals("conv" + r + "d")) {
                return conv(r);
            }
            if (op.equals("conv_transpose" + r + "d")) {
                return convTranspose(r);
            }
        }
        throw new IllegalArgumentException("op=" + op + " is not one of conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d");
    }

    /** A builder holding this spec's values, to vary one of them. */
    public Builder toBuilder() {
        Builder b = new Builder(rank, transposed);
        b.batch = batch;
        b.inChannels = inChannels;
        b.inputSize = inputSize.clone();
        b.outChannels = outChannels;
        b.kernel = kernel.clone();
        b.stride = stride.clone();
        b.dilation = dilation.clone();
        b.padding = padding;
        b.outputPadding = outputPadding.clone();
        b.groups = groups;
        b.bias = bias;
        b.paddingMode = paddingMode;
        b.precision = precision;
        b.epilogue = epilogue;
        return b;
    }

    /** The PyTorch name of the operation, for example {@code conv2d}. */
    public String op() {
        return (transposed ? "conv_transpose" : "conv") + rank + "d";
    }

    public int rank() { return rank; }
    public boolean transposed() { return transposed; }
    public int batch() { return batch; }
    public int inChannels() { return inChannels; }
    public int outChannels() { return outChannels; }
    public int groups() { return groups; }
    public int[] inputSize() { return inputSize.clone(); }
    public int[] kernel() { return kernel.clone(); }
    public int[] stride() { return stride.clone(); }
    public int[] dilation() { return dilation.clone(); }
    public Padding padding() { return padding; }
    /** Padding before each spatial dimension, resolved from explicit, same or valid padding. */
    public int[] padBefore() { return padBefore.clone(); }
    /** Padding after each spatial dimension (differs from before only for 'same' with an even dilated kernel). */
    public int[] padAfter() { return padAfter.clone(); }
    public int[] outputPadding() { return outputPadding.clone(); }
    public PaddingMode paddingMode() { return paddingMode; }
    public boolean hasBias() { return bias; }
    /** The precision asked for with {@link Builder#precision}, or {@link Precision#FP32} when none was. */
    public Precision precision() { return precision == null ? Precision.FP32 : precision; }
    /** True when the call chose a precision; otherwise the runtime's setting applies. */
    public boolean precisionSet() { return precision != null; }
    /** What the convolution does to its result before storing it; {@link Epilogue#NONE} by default. */
    public Epilogue epilogue() { return epilogue; }
    public int[] outputSize() { return outputSize.clone(); }

    /** Input channels per group. */
    public int inPerGroup() { return inChannels / groups; }
    /** Output channels per group. */
    public int outPerGroup() { return outChannels / groups; }

    /** True when every input channel has its own filters (depthwise, possibly with a channel multiplier). */
    public boolean isDepthwise() { return groups == inChannels && groups > 1; }

    /** True for a 1x1 (pointwise) convolution with stride 1 and no padding: a plain matrix product. */
    public boolean isPointwise() {
        if (transposed) {
            return false;
        }
        for (int i = 0; i < rank; i++) {
            if (kernel[i] != 1 || stride[i] != 1 || padBefore[i] != 0 || padAfter[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Input shape {@code (N, C_in, spatial...)}. */
    public int[] inputShape() { return concat(batch, inChannels, inputSize); }

    /** Output shape {@code (N, C_out, spatial...)}. */
    public int[] outputShape() { return concat(batch, outChannels, outputSize); }

    /** Weight shape in PyTorch's layout. */
    public int[] weightShape() {
        return transposed ? concat(inChannels, outChannels / groups, kernel) : concat(outChannels, inChannels / groups, kernel);
    }

    /** Bias shape {@code (C_out)}, or an empty array when the layer has no bias. */
    public int[] biasShape() { return bias ? new int[] {outChannels} : new int[0]; }

    public long inputElements() { return Shapes.product(inputShape()); }
    public long outputElements() { return Shapes.product(outputShape()); }
    public long weightElements() { return Shapes.product(weightShape()); }

    /** Kernel taps: the product of the kernel sizes. */
    public int kernelVolume() { return (int) Shapes.product(kernel); }

    /** Learnable parameters: weights plus bias. */
    public long parameters() { return weightElements() + (bias ? outChannels : 0); }

    /**
     * Floating-point operations, counting a multiply-add as 2 (the benchmark suite's convention):
     * {@code 2*N*C_out*prod(out)*(C_in/g)*prod(k)} for convolution and
     * {@code 2*N*C_in*prod(in)*(C_out/g)*prod(k)} for transposed convolution. Bias is not counted.
     */
    public long flops() {
        long taps = kernelVolume();
        if (transposed) {
            return 2L * batch * inChannels * Shapes.product(inputSize) * outPerGroup() * taps;
        }
        return 2L * batch * outChannels * Shapes.product(outputSize) * inPerGroup() * taps;
    }

    /**
     * The padded input size per spatial dimension, {@code in + padding before + after}; at most {@link #MAX_EXTENT}
     * for a convolution (the transposed one's input is not padded: this is its input size plus its cropping).
     */
    public int[] paddedInputSize() {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) {
            p[i] = inputSize[i] + padBefore[i] + padAfter[i];
        }
        return p;
    }

    /** The dilated kernel extent {@code d*(k-1)+1} per spatial dimension. */
    public int[] effectiveKernel() {
        int[] e = new int[rank];
        for (int i = 0; i < rank; i++) {
            e[i] = dilation[i] * (kernel[i] - 1) + 1;
        }
        return e;
    }

    /**
     * Input positions one output depends on, per dimension: the dilated kernel extent for a convolution,
     * {@code ceil(extent / stride)} for a transposed convolution.
     */
    public int[] receptiveField() {
        int[] e = effectiveKernel();
        if (transposed) {
            for (int i = 0; i < rank; i++) {
                e[i] = (int) (((long) e[i] + stride[i] - 1) / stride[i]);
            }
        }
        return e;
    }

    /** The same spec with another precision. */
    public ConvSpec withPrecision(Precision p) {
        return toBuilder().precision(p).build();
    }

    /** The same spec with another epilogue ({@link Epilogue#NONE}: the bare convolution). */
    public ConvSpec withEpilogue(Epilogue e) {
        return toBuilder().epilogue(e).build();
    }

    /** The same spec with another batch size. */
    public ConvSpec withBatch(int n) {
        return toBuilder().batch(n).build();
    }

    /** Values extended to three spatial dimensions, leading dimensions filled with {@code fill}. */
    public static int[] to3d(int[] v, int fill) {
        int[] r = {fill, fill, fill};
        System.arraycopy(v, 0, r, 3 - v.length, v.length);
        return r;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ConvSpec s)) {
            return false;
        }
        return rank == s.rank && transposed == s.transposed && batch == s.batch && inChannels == s.inChannels
                && outChannels == s.outChannels && groups == s.groups && bias == s.bias && paddingMode == s.paddingMode
                && Arrays.equals(inputSize, s.inputSize) && Arrays.equals(kernel, s.kernel)
                && Arrays.equals(stride, s.stride) && Arrays.equals(dilation, s.dilation)
                && Arrays.equals(padBefore, s.padBefore) && Arrays.equals(padAfter, s.padAfter)
                && Arrays.equals(outputPadding, s.outputPadding) && precision == s.precision && epilogue.equals(s.epilogue);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rank, transposed, batch, inChannels, outChannels, groups, Arrays.hashCode(inputSize),
                Arrays.hashCode(kernel), Arrays.hashCode(stride), Arrays.hashCode(padBefore), Arrays.hashCode(outputPadding));
    }

    @Override
    public String toString() {
        return describe(true);
    }

    /** The spec as {@link #toString()} prints it, without the precision: the same layer at any precision. */
    public String shapeKey() {
        return describe(false);
    }

    private String describe(boolean withPrecision) {
        StringBuilder sb = new StringBuilder(op()).append("(input=").append(Arrays.toString(inputShape()))
                .append(", out_channels=").append(outChannels).append(", kernel=").append(Arrays.toString(kernel))
                .append(", stride=").append(Arrays.toString(stride)).append(", padding=").append(padding)
                .append(", dilation=").append(Arrays.toString(dilation));
        if (transposed) {
            sb.append(", output_padding=").append(Arrays.toString(outputPadding));
        }
        if (groups != 1) {
            sb.append(", groups=").append(groups);
        }
        if (paddingMode != PaddingMode.ZEROS) {
            sb.append(", padding_mode=").append(paddingMode.torchName());
        }
        if (!epilogue.isNone()) {
            sb.append(", epilogue=").append(epilogue);
        }
        if (withPrecision && precision != null) {
            sb.append(", precision=").append(precision.id());
        }
        return sb.append(", bias=").append(bias).append(')').toString();
    }

    private static int[] concat(int a, int b, int[] rest) {
        int[] r = new int[rest.length + 2];
        r[0] = a;
        r[1] = b;
        System.arraycopy(rest, 0, r, 2, rest.length);
        return r;
    }

    /** Collects the values of a convolution; {@link #build()} validates them. */
    public static final class Builder {
        private final int rank;
        private final boolean transposed;
        private int batch = 1;
        private int inChannels = -1;
        private int[] inputSize;
        private int outChannels = -1;
        private int[] kernel;
        private int[] stride;
        private int[] dilation;
        private Padding padding = Padding.of(0);
        private int[] outputPadding;
        private int[] requestedOutputSize;
        private int[] weightShape;
        private int groups = 1;
        private boolean bias = true;
        private PaddingMode paddingMode = PaddingMode.ZEROS;
        private Precision precision;
        private Epilogue epilogue = Epilogue.NONE;

        private Builder(int rank, boolean transposed) {
            if (rank < 1 || rank > 3) {
                throw new IllegalArgumentException("rank=" + rank + " must be 1, 2 or 3 spatial dimensions");
            }
            this.rank = rank;
            this.transposed = transposed;
            this.stride = filled(1);
            this.dilation = filled(1);
            this.outputPadding = filled(0);
        }

        /** Input shape {@code (N, C_in, spatial...)}. */
        public Builder input(int... shape) {
            Objects.requireNonNull(shape, "input shape");
            if (shape.length != rank + 2) {
                throw new IllegalArgumentException("input of rank " + shape.length + " " + Arrays.toString(shape)
                        + " does not fit " + (transposed ? "conv_transpose" : "conv") + rank + "d, which expects rank "
                        + (rank + 2) + " (N, C" + ", spatial x" + rank + ")");
            }
            this.batch = shape[0];
            this.inChannels = shape[1];
            this.inputSize = Arrays.copyOfRange(shape, 2, shape.length);
            return this;
        }

        public Builder batch(int n) { this.batch = n; return this; }

        /**
         * Takes the kernel size from a weight shape in PyTorch's layout and, unless set, the output channels:
         * {@code weight[0]} for convolution, {@code weight[1] * groups} for transposed convolution.
         */
        public Builder weightShape(int... shape) {
            Objects.requireNonNull(shape, "weight shape");
            if (shape.length != rank + 2) {
                throw new IllegalArgumentException("weight of rank " + shape.length + " " + Arrays.toString(shape) + " does not fit "
                        + (transposed ? "conv_transpose" : "conv") + rank + "d, which expects rank " + (rank + 2));
            }
            this.weightShape = shape.clone();
            this.kernel = Arrays.copyOfRange(shape, 2, shape.length);
            return this;
        }
        public Builder outChannels(int c) { this.outChannels = c; return this; }
        public Builder kernel(int... k) { this.kernel = expand("kernel_size", k); return this; }
        public Builder stride(int... s) { this.stride = expand("stride", s); return this; }
        public Builder dilation(int... d) { this.dilation = expand("dilation", d); return this; }
        public Builder padding(int... p) { this.padding = Padding.of(expand("padding", p)); return this; }
        public Builder padding(Padding p) {
            Objects.requireNonNull(p, "padding");
            this.padding = p.kind() == Padding.Kind.EXPLICIT ? Padding.of(expand("padding", p.amounts())) : p;
            return this;
        }
        public Builder outputPadding(int... p) { this.outputPadding = expand("output_padding", p); return this; }
        /** Like PyTorch's {@code output_size}: derives output_padding for a transposed convolution. */
        public Builder outputSize(int... size) { this.requestedOutputSize = expand("output_size", size); return this; }
        public Builder groups(int g) { this.groups = g; return this; }
        public Builder bias(boolean b) { this.bias = b; return this; }
        public Builder paddingMode(PaddingMode m) { this.paddingMode = Objects.requireNonNull(m, "padding_mode"); return this; }
        /** The precision of this call (see {@link Precision}); unset, the runtime's setting applies. */
        /** The fused epilogue ({@link Epilogue#NONE} by default). */
        public Builder epilogue(Epilogue e) { this.epilogue = Objects.requireNonNull(e, "epilogue"); return this; }
        public Builder precision(Precision p) { this.precision = Objects.requireNonNull(p, "precision"); return this; }

        private int[] filled(int v) {
            int[] a = new int[rank];
            Arrays.fill(a, v);
            return a;
        }

        private int[] expand(String name, int[] v) {
            Objects.requireNonNull(v, name);
            if (v.length == 1) {
                int[] a = filled(v[0]);
                return a;
            }
            if (v.length != rank) {
                throw new IllegalArgumentException(name + "=" + Arrays.toString(v) + " has " + v.length
                        + " values; " + (transposed ? "conv_transpose" : "conv") + rank + "d expects 1 or " + rank);
            }
            return v.clone();
        }

        /** Validates every value and returns the spec, or throws an IllegalArgumentException naming the problem. */
        public ConvSpec build() {
            String op = (transposed ? "conv_transpose" : "conv") + rank + "d";
            if (inputSize == null || inChannels < 0) {
                throw new IllegalArgumentException("input shape is not set for " + op);
            }
            if (kernel == null) {
                throw new IllegalArgumentException("kernel_size is not set for " + op);
            }
            if (outChannels < 0 && weightShape != null) {
                outChannels = transposed ? weightShape[1] * groups : weightShape[0];
            }
            if (batch < 0) {
                throw new IllegalArgumentException("batch=" + batch + " must not be negative");
            }
            if (inChannels < 1) {
                throw new IllegalArgumentException("in_channels=" + inChannels + " must be at least 1");
            }
            if (outChannels < 1) {
                throw new IllegalArgumentException("out_channels=" + outChannels + " must be at least 1");
            }
            for (int i = 0; i < rank; i++) {
                if (inputSize[i] < 1) {
                    throw new IllegalArgumentException("input size " + Arrays.toString(inputSize) + " must be at least 1 in every spatial dimension");
                }
            }
            atLeastOne("kernel_size", kernel);
            atLeastOne("stride", stride);
            atLeastOne("dilation", dilation);
            if (groups < 1) {
                throw new IllegalArgumentException("groups=" + groups + " must be at least 1");
            }
            if (inChannels % groups != 0) {
                throw new IllegalArgumentException("groups=" + groups + " must divide in_channels=" + inChannels);
            }
            if (outChannels % groups != 0) {
                throw new IllegalArgumentException("groups=" + groups + " must divide out_channels=" + outChannels);
            }
            int[] before = new int[rank];
            int[] after = new int[rank];
            switch (padding.kind()) {
                case SAME -> {
                    if (transposed) {
                        throw new IllegalArgumentException("padding='same' is not supported for " + op);
                    }
                    for (int i = 0; i < rank; i++) {
                        if (stride[i] != 1) {
                            throw new IllegalArgumentException("padding='same' is not supported for strided convolutions (stride="
                                    + Arrays.toString(stride) + ")");
                        }
                        long total = (long) dilation[i] * (kernel[i] - 1);
                        if (total > MAX_EXTENT) {
                            throw new IllegalArgumentException("padding='same' with kernel_size=" + Arrays.toString(kernel) + " and dilation="
                                    + Arrays.toString(dilation) + " pads " + total + " in spatial dimension " + i + ", above " + MAX_EXTENT
                                    + " (2^30), the largest the kernels' 32-bit index arithmetic addresses");
                        }
                        before[i] = (int) (total / 2);
                        after[i] = (int) (total - before[i]);
                    }
                }
                case VALID -> {
                    if (transposed) {
                        throw new IllegalArgumentException("padding='valid' is not supported for " + op);
                    }
                }
                default -> {
                    int[] p = expand("padding", padding.amounts());
                    for (int v : p) {
                        if (v < 0) {
                            throw new IllegalArgumentException("padding=" + Arrays.toString(p) + " must not be negative");
                        }
                    }
                    before = p.clone();
                    after = p.clone();
                }
            }
            int[] outPad = outputPadding.clone();
            if (!transposed) {
                for (int v : outPad) {
                    if (v != 0) {
                        throw new IllegalArgumentException("output_padding=" + Arrays.toString(outPad) + " applies only to transposed convolutions, not " + op);
                    }
                }
                if (requestedOutputSize != null) {
                    throw new IllegalArgumentException("output_size applies only to transposed convolutions, not " + op);
                }
            } else if (paddingMode != PaddingMode.ZEROS) {
                throw new IllegalArgumentException("padding_mode=" + paddingMode.torchName() + " is not supported for " + op + "; only zeros is");
            }
            checkPaddingMode(before, after);
            int[] out = new int[rank];
            if (transposed) {
                if (requestedOutputSize != null) {
                    outPad = outputPaddingFor(before);
                }
                for (int i = 0; i < rank; i++) {
                    if (outPad[i] < 0 || (outPad[i] >= stride[i] && outPad[i] >= dilation[i])) {
                        throw new IllegalArgumentException("output_padding=" + Arrays.toString(outPad)
                                + " must be smaller than stride=" + Arrays.toString(stride) + " or dilation=" + Arrays.toString(dilation));
                    }
                    long full = (long) (inputSize[i] - 1) * stride[i] + (long) dilation[i] * (kernel[i] - 1) + outPad[i] + 1;
                    if (full > MAX_EXTENT) {
                        throw new IllegalArgumentException("input size " + inputSize[i] + ", stride=" + stride[i] + ", kernel_size="
                                + kernel[i] + " and dilation=" + dilation[i] + " give an uncropped output extent of " + full
                                + " in spatial dimension " + i + ", above " + MAX_EXTENT
                                + " (2^30), the largest the kernels' 32-bit index arithmetic addresses");
                    }
                    long o = full - 2L * before[i];
                    if (o < 1) {
                        throw new IllegalArgumentException("output size " + o + " in dimension " + i + " is not positive: input=" + inputSize[i]
                                + ", kernel_size=" + kernel[i] + ", stride=" + stride[i] + ", padding=" + before[i] + ", dilation=" + dilation[i]);
                    }
                    if (o > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("output size " + o + " in dimension " + i + " overflows");
                    }
                    out[i] = (int) o;
                }
            } else {
                for (int i = 0; i < rank; i++) {
                    long padded = (long) inputSize[i] + before[i] + after[i];
                    long extent = (long) dilation[i] * (kernel[i] - 1) + 1;
                    if (padded > MAX_EXTENT) {
                        throw new IllegalArgumentException("padding=" + padding + " on input size " + Arrays.toString(inputSize)
                                + " gives a padded extent of " + padded + " in spatial dimension " + i + ", above " + MAX_EXTENT
                                + " (2^30), the largest the kernels' 32-bit index arithmetic addresses");
                    }
                    if (extent > padded) {
                        throw new IllegalArgumentException("kernel_size=" + Arrays.toString(kernel) + " with dilation=" + Arrays.toString(dilation)
                                + " (dilated extent " + extent
                                + ") is larger than the padded input size " + padded + " in spatial dimension " + i
                                + " (input=" + Arrays.toString(inputSize) + ", padding=" + padding + ")");
                    }
                    out[i] = (int) ((padded - extent) / stride[i] + 1);
                }
            }
            Builder self = this;
            ConvSpec spec = new ConvSpec(self, before, after, outPad, out);
            Shapes.elements("input", spec.inputShape());
            Shapes.elements("weight", spec.weightShape());
            Shapes.elements("output", spec.outputShape());
            return spec;
        }

        private int[] outputPaddingFor(int[] pad) {
            int[] op = new int[rank];
            for (int i = 0; i < rank; i++) {
                long min = (long) (inputSize[i] - 1) * stride[i] - 2L * pad[i] + (long) dilation[i] * (kernel[i] - 1) + 1;
                long max = min + Math.max(stride[i], dilation[i]) - 1;
                if (requestedOutputSize[i] < min || requestedOutputSize[i] > max) {
                    throw new IllegalArgumentException("output_size=" + Arrays.toString(requestedOutputSize) + " is outside the valid range ["
                            + min + ", " + max + "] in dimension " + i);
                }
                op[i] = (int) (requestedOutputSize[i] - min);
            }
            return op;
        }

        private void checkPaddingMode(int[] before, int[] after) {
            for (int i = 0; i < rank; i++) {
                int p = Math.max(before[i], after[i]);
                if (paddingMode == PaddingMode.REFLECT && p >= inputSize[i]) {
                    throw new IllegalArgumentException("padding=" + padding + " with padding_mode=reflect must be smaller than the input size "
                            + Arrays.toString(inputSize));
                }
                if (paddingMode == PaddingMode.CIRCULAR && p > inputSize[i]) {
                    throw new IllegalArgumentException("padding=" + padding + " with padding_mode=circular must not exceed the input size "
                            + Arrays.toString(inputSize));
                }
            }
        }

        private static void atLeastOne(String name, int[] v) {
            for (int x : v) {
                if (x < 1) {
                    throw new IllegalArgumentException(name + "=" + Arrays.toString(v) + " must be at least 1");
                }
            }
        }
    }
}
