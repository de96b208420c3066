// A float32 tensor that lives on a runtime's backend (device memory for OpenCL).
package io.github.convcl;

import io.github.convcl.backend.DeviceBuffer;
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

    Tensor(ConvCL owner, int[] shape, DeviceBuffer buffer) {
        this.owner = owner;
        this.shape = shape.clone();
        this.buffer = buffer;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long elements() {
        return buffer.elements();
    }

    /** True once this tensor or its runtime is closed. */
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
        read(FloatBuffer.wrap(a));
        return a;
    }

    /** Downloads {@code dst.remaining()} values (at most {@link #elements()}) into {@code dst}. */
    public void read(FloatBuffer dst) {
        owner.checkUsable("tensor", this);
        if (dst.remaining() > elements()) {
            throw new IllegalArgumentException("destination has " + dst.remaining() + " floats remaining, the tensor " + elements());
        }
        owner.backend().read(buffer, 0, dst);
    }

    /** Uploads {@code src} (exactly {@link #elements()} values). */
    public void write(float[] src) {
        write(FloatBuffer.wrap(src));
    }

    /** Uploads {@code src.remaining()} values (exactly {@link #elements()}). */
    public void write(FloatBuffer src) {
        owner.checkUsable("tensor", this);
        if (src.remaining() != elements()) {
            throw new IllegalArgumentException("source has " + src.remaining() + " floats, tensor " + Arrays.toString(shape) + " holds " + elements());
        }
        owner.backend().write(buffer, 0, src);
    }

    @Override
    public void close() {
        buffer.close();
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + (isClosed() ? " (closed)" : "");
    }
}
