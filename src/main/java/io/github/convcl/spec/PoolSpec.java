// One validated max-pooling window (and the max-unpooling that undoes it), with PyTorch's semantics.
package io.github.convcl.spec;

import java.util.Arrays;

/**
 * A max-pool of rank 1, 2 or 3 over an input {@code (N, C, spatial...)}: kernel, stride, padding (implicit negative
 * infinity), dilation and ceil_mode, as {@code torch.nn.functional.max_pool2d}. Output size per dimension:
 * {@code floor_or_ceil((in + 2p - d*(k-1) - 1) / s) + 1}, and with ceil_mode a window that would start in the right
 * padding is dropped. Indices, as PyTorch returns them, are flat positions within each input plane; ties go to the
 * first maximum of the window in row-major order. The same spec describes the max-unpool back to {@link #inputShape()}
 * (PyTorch's {@code output_size} is the pooled input's size).
 *
 * <p>Indices travel in float tensors, so a plane holds at most {@link #MAX_PLANE} positions (every index is then an
 * exact float).
 */
public final class PoolSpec {
    /** The largest input plane: every flat position below it is an exact float. */
    public static final int MAX_PLANE = 1 << 24;

    private final int[] inputShape;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final boolean ceilMode;
    private final int[] outputSize;
    /** An average pool (else a max-pool), and whether its divisor counts the padding. */
    private final boolean average;
    private final boolean countIncludePad;

    private PoolSpec(int[] inputShape, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode, int[] outputSize) {
        this(inputShape, kernel, stride, padding, dilation, ceilMode, outputSize, false, false);
    }

    private PoolSpec(int[] inputShape, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode, int[] outputSize,
                     boolean average, boolean countIncludePad) {
        this.average = average;
        this.countIncludePad = countIncludePad;
        this.inputShape = inputShape;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.ceilMode = ceilMode;
        this.outputSize = outputSize;
    }

    /**
     * A max-pool of {@code input} (rank + 2 dimensions); {@code stride} null means the kernel size, as PyTorch's
     * default. Single values apply to every spatial dimension.
     *
     * @throws IllegalArgumentException naming the parameter and its values for anything PyTorch refuses
     */
    public static PoolSpec maxPool(int[] input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return window(input, kernel, stride, padding, dilation, ceilMode, true);
    }

    /**
     * An average pool of {@code input}, as {@code torch.nn.functional.avg_pool2d}: kernel, stride (null: the kernel),
     * padding (zeros, at most half the kernel), ceil_mode, count_include_pad. Each output is the window's sum divided
     * by PyTorch's divisor: with count_include_pad the window's extent clipped to the padded input, else only its
     * positions inside the input.
     *
     * @throws IllegalArgumentException naming the parameter and its values for anything PyTorch refuses
     */
    public static PoolSpec avgPool(int[] input, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        PoolSpec w = window(input, kernel, stride, padding, new int[] {1}, ceilMode, false);
        return new PoolSpec(w.inputShape, w.kernel, w.stride, w.padding, w.dilation, ceilMode, w.outputSize, true, countIncludePad);
    }

    /** The global average pool ({@code adaptive_avg_pool2d(x, 1)}): one mean per plane, output (N, C, 1...). */
    public static PoolSpec globalAvgPool(int[] input) {
        if (input == null || input.length < 3 || input.length > 5) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(input) + " must be (N, C, spatial...) with 1 to 3 spatial dimensions");
        }
        return avgPool(input, Arrays.copyOfRange(input, 2, input.length), null, new int[] {0}, false, true);
    }

    private static PoolSpec window(int[] input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode, boolean indexed) {
        if (input == null || input.length < 3 || input.length > 5) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(input) + " must be (N, C, spatial...) with 1 to 3 spatial dimensions");
        }
        Shapes.elements("input", input);
        int rank = input.length - 2;
        int[] k = expand("kernel_size", kernel, rank);
        int[] s = stride == null ? k.clone() : expand("stride", stride, rank);
        int[] p = expand("padding", padding, rank);
        int[] d = expand("dilation", dilation, rank);
        int[] out = new int[rank];
        long plane = 1;
        for (int i = 0; i < rank; i++) {
            if (k[i] < 1 || s[i] < 1 || d[i] < 1 || p[i] < 0) {
                throw new IllegalArgumentException("kernel_size " + Arrays.toString(k) + ", stride " + Arrays.toString(s) + " and dilation "
                        + Arrays.toString(d) + " must be positive and padding " + Arrays.toString(p) + " non-negative");
            }
            if (2L * p[i] > k[i]) {
                throw new IllegalArgumentException("padding " + Arrays.toString(p) + " must be at most half of kernel_size " + Arrays.toString(k));
            }
            int in = input[i + 2];
            long span = (long) d[i] * (k[i] - 1) + 1;
            long room = (long) in + 2L * p[i] - span;
            if (room < 0) {
                throw new IllegalArgumentException("input size " + Arrays.toString(Arrays.copyOfRange(input, 2, input.length))
                        + " (padded by " + Arrays.toString(p) + ") is smaller than the dilated kernel " + Arrays.toString(k));
            }
            long o = (ceilMode ? Math.floorDiv(room + s[i] - 1, s[i]) : room / s[i]) + 1;
            if (ceilMode && (o - 1) * s[i] >= (long) in + p[i]) {
                o--;
            }
            out[i] = Math.toIntExact(o);
            plane *= in;
        }
        if (indexed && plane > MAX_PLANE) {
            throw new IllegalArgumentException("input plane " + Arrays.toString(Arrays.copyOfRange(input, 2, input.length)) + " has " + plane
                    + " positions; max-pool indices address at most " + MAX_PLANE);
        }
        return new PoolSpec(input.clone(), k, s, p, d, ceilMode, out);
    }

    /** PyTorch's {@code MaxPool2d(kernel, stride)} without padding. */
    public static PoolSpec maxPool2d(int[] input, int kernel, int stride) {
        return maxPool(input, new int[] {kernel}, new int[] {stride}, new int[] {0}, new int[] {1}, false);
    }

    private static int[] expand(String name, int[] v, int rank) {
        if (v == null || (v.length != 1 && v.length != rank)) {
            throw new IllegalArgumentException(name + " " + Arrays.toString(v) + " must have 1 or " + rank + " values");
        }
        int[] r = new int[rank];
        for (int i = 0; i < rank; i++) {
            r[i] = v.length == 1 ? v[0] : v[i];
        }
        return r;
    }

    public int rank() {
        return inputShape.length - 2;
    }

    public int batch() {
        return inputShape[0];
    }

    public int channels() {
        return inputShape[1];
    }

    /** Batch times channels: the planes pooled independently. */
    public int planes() {
        return inputShape[0] * inputShape[1];
    }

    public int[] inputShape() {
        return inputShape.clone();
    }

    public int[] inputSize() {
        return Arrays.copyOfRange(inputShape, 2, inputShape.length);
    }

    public int[] outputSize() {
        return outputSize.clone();
    }

    public int[] outputShape() {
        int[] s = new int[inputShape.length];
        s[0] = inputShape[0];
        s[1] = inputShape[1];
        System.arraycopy(outputSize, 0, s, 2, outputSize.length);
        return s;
    }

    public long inputElements() {
        return Shapes.elements("input", inputShape);
    }

    public long outputElements() {
        return Shapes.elements("output", outputShape());
    }

    public int[] kernel() {
        return kernel.clone();
    }

    public int[] stride() {
        return stride.clone();
    }

    public int[] padding() {
        return padding.clone();
    }

    public int[] dilation() {
        return dilation.clone();
    }

    public boolean ceilMode() {
        return ceilMode;
    }

    /** Whether this is an average pool ({@link #avgPool}); else a max-pool. */
    public boolean average() {
        return average;
    }

    /** An average pool's count_include_pad. */
    public boolean countIncludePad() {
        return countIncludePad;
    }

    /**
     * PyTorch's divisor of an average pool's window starting at {@code start} (the input index of its first tap, padding
     * included) along one dimension of input size {@code in}: the extent clipped to the padded input with
     * count_include_pad, else to the input.
     */
    public static int extent(int start, int k, int in, int pad, boolean countIncludePad) {
        int end = Math.min(start + k, in + pad);
        if (countIncludePad) {
            return end - start;
        }
        return Math.min(end, in) - Math.max(start, 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolSpec p && Arrays.equals(inputShape, p.inputShape) && Arrays.equals(kernel, p.kernel)
                && Arrays.equals(stride, p.stride) && Arrays.equals(padding, p.padding) && Arrays.equals(dilation, p.dilation)
                && ceilMode == p.ceilMode && average == p.average && countIncludePad == p.countIncludePad;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputShape) * 31 + Arrays.hashCode(kernel) * 7 + Arrays.hashCode(stride);
    }

    @Override
    public String toString() {
        return (average ? "avg_pool" : "max_pool") + rank() + "d(input=" + Arrays.toString(inputShape) + ", kernel_size=" + Arrays.toString(kernel)
                + ", stride=" + Arrays.toString(stride) + ", padding=" + Arrays.toString(padding)
                + (average ? "" : ", dilation=" + Arrays.toString(dilation)) + (ceilMode ? ", ceil_mode=True" : "")
                + (average && !countIncludePad ? ", count_include_pad=False" : "") + ")";
    }
}
