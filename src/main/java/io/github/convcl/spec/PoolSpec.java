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

    private PoolSpec(int[] inputShape, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode, int[] outputSize) {
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
        if (plane > MAX_PLANE) {
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

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolSpec p && Arrays.equals(inputShape, p.inputShape) && Arrays.equals(kernel, p.kernel)
                && Arrays.equals(stride, p.stride) && Arrays.equals(padding, p.padding) && Arrays.equals(dilation, p.dilation)
                && ceilMode == p.ceilMode;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputShape) * 31 + Arrays.hashCode(kernel) * 7 + Arrays.hashCode(stride);
    }

    @Override
    public String toString() {
        return "max_pool" + rank() + "d(input=" + Arrays.toString(inputShape) + ", kernel_size=" + Arrays.toString(kernel) + ", stride="
                + Arrays.toString(stride) + ", padding=" + Arrays.toString(padding) + ", dilation=" + Arrays.toString(dilation)
                + (ceilMode ? ", ceil_mode=True" : "") + ")";
    }
}
