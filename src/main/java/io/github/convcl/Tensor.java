// A float32 tensor that lives on a runtime's backend (device memory for OpenCL).
package io.github.convcl;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.spec.Layout;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A dense float32 tensor in row-major (C) order, resident on the backend of the {@link ConvCL} runtime that
 * created it. Chain convolutions on tensors without copies; {@link #toArray()} downloads. Closing frees the
 * device memory; closing the runtime closes its tensors.
 */
public final class Tensor implements AutoCloseable {
    private final ConvCL owner;
    private final int[] shape;
    private final DeviceBuffer buffer;
    /** The tensor this is a channel slice of, or null. */
    private final Tensor parent;
    /** The parent's first channel in this slice. */
    private final int first;

    Tensor(ConvCL owner, int[] shape, DeviceBuffer buffer) {
        this(owner, shape, buffer, null, 0);
    }

    private Tensor(ConvCL owner, int[] shape, DeviceBuffer buffer, Tensor parent, int first) {
        this.owner = owner;
        this.shape = shape.clone();
        this.buffer = buffer;
        this.parent = parent;
        this.first = first;
    }

    /**
     * Channels [first, first + count) of this tensor (dimension 1 of an N, C, ... tensor), as a view on the same memory:
     * a convolution given it as its output writes there, so branches concatenated along channels (an Inception
     * module's four) land in one tensor with no copy. A view is accepted only as a convolution's output; {@link #toArray}
     * downloads its values; closing it does nothing (the tensor it views owns the memory).
     *
     * @throws IllegalArgumentException when this tensor has fewer than two dimensions, is itself a view, or the range
     *                                  is outside its channels
     */
    public Tensor channels(int first, int count) {
        owner.checkUsable("tensor", this, true);
        if (parent != null) {
            throw new IllegalArgumentException("tensor " + this + " is already a channel view; take the slice of the tensor it views");
        }
        if (shape.length < 2) {
            throw new IllegalArgumentException("channels of tensor " + Arrays.toString(shape) + ": it needs at least two dimensions (N, C, ...)");
        }
        if (first < 0 || count < 1 || (long) first + count > shape[1]) {
            throw new IllegalArgumentException("channels first=" + first + ", count=" + count + " are outside the " + shape[1]
                    + " channels of tensor " + Arrays.toString(shape));
        }
        if (layout() != Layout.NCHW && (first % Layout.BLOCK != 0 || count % Layout.BLOCK != 0)) {
            throw new IllegalArgumentException("channels first=" + first + ", count=" + count + " of tensor " + this + " in layout "
                    + layout() + ": a view of it takes whole blocks, first and count multiples of " + Layout.BLOCK);
        }
        int[] s = shape.clone();
        s[1] = count;
        return new Tensor(owner, s, buffer, this, first);
    }

    /** How the backend keeps the values ({@link ConvCL#empty(Layout, int...)}); they read and write in NCHW order all the same. */
    public Layout layout() {
        return buffer.layout();
    }

    /** Whether this is a channel slice of another tensor ({@link #channels}). */
    public boolean isView() {
        return parent != null;
    }

    /** The viewed tensor's channels per image (this tensor's own channel count when it is no view). */
    int layoutChannels() {
        return parent == null ? shape[1] : parent.shape[1];
    }

    /** The first channel of the viewed tensor that this view holds (0 when it is no view). */
    int firstChannel() {
        return first;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long elements() {
        return parent == null ? buffer.elements() : io.github.convcl.spec.Shapes.elements("tensor", shape);
    }

    /** True once this tensor, the tensor it views, or its runtime is closed. */
    public boolean isClosed() {
        return buffer.isClosed() || owner.isClosed();
    }

    ConvCL owner() {
        return owner;
    }

    DeviceBuffer buffer() {
        return buffer;
    }

    /** Downloads the values. */
    public float[] toArray() {
        float[] a = new float[Math.toIntExact(elements())];
        if (parent != null) {
            owner.checkView("tensor", this);
            // each image's slice is one contiguous run of the viewed tensor
            int run = Math.toIntExact(a.length / Math.max(1, shape[0]));
            long image = (long) parent.shape[1] * (run / shape[1]);
            for (int n = 0; n < shape[0]; n++) {
                owner.backend().read(buffer, n * image + (long) first * (run / shape[1]), FloatBuffer.wrap(a, n * run, run));
            }
            return layout().convert(a, Layout.NCHW, shape[0], shape[1], imageVolume());
        }
        read(FloatBuffer.wrap(a));
        return a;
    }

    /** Downloads {@code dst.remaining()} values (at most {@link #elements()}, in NCHW order) into {@code dst}. */
    public void read(FloatBuffer dst) {
        owner.checkUsable("tensor", this, true);
        if (dst.remaining() > elements()) {
            throw new IllegalArgumentException("destination has " + dst.remaining() + " floats remaining, the tensor " + elements());
        }
        if (layout() == Layout.NCHW) {
            owner.backend().read(buffer, 0, dst);
            return;
        }
        float[] raw = new float[Math.toIntExact(elements())];
        owner.backend().read(buffer, 0, FloatBuffer.wrap(raw));
        dst.put(layout().convert(raw, Layout.NCHW, shape[0], shape[1], imageVolume()), 0, dst.remaining());
    }

    /** Positions per channel: the product of the spatial dimensions. */
    private int imageVolume() {
        long v = 1;
        for (int i = 2; i < shape.length; i++) {
            v *= shape[i];
        }
        return Math.toIntExact(v);
    }

    /** Uploads {@code src} (exactly {@link #elements()} values). */
    public void write(float[] src) {
        write(FloatBuffer.wrap(src));
    }

    /** Uploads {@code src.remaining()} values (exactly {@link #elements()}, in NCHW order). */
    public void write(FloatBuffer src) {
        owner.checkUsable("tensor", this, true);
        if (src.remaining() != elements()) {
            throw new IllegalArgumentException("source has " + src.remaining() + " floats, tensor " + Arrays.toString(shape) + " holds " + elements());
        }
        if (layout() == Layout.NCHW) {
            owner.backend().write(buffer, 0, src);
            return;
        }
        float[] values = new float[src.remaining()];
        src.get(values);
        owner.backend().write(buffer, 0, FloatBuffer.wrap(Layout.NCHW.convert(values, layout(), shape[0], shape[1], imageVolume())));
    }

    @Override
    public void close() {
        if (parent == null) {
            buffer.close();
        }
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + (layout() == Layout.NCHW ? "" : " " + layout()) + (parent == null ? "" : " (channels " + first + ".." + (first + shape[1] - 1)
                + " of " + Arrays.toString(parent.shape) + ")") + (isClosed() ? " (closed)" : "");
    }
}
