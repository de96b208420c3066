// A backend's storage for one tensor: host memory for Java, a cl_mem for OpenCL.
package io.github.convcl.backend;

/** Storage for {@code elements} floats owned by one backend; closing it releases the memory once. */
public abstract class DeviceBuffer implements AutoCloseable {
    private final long elements;
    private final io.github.convcl.spec.Layout layout;
    private volatile boolean closed;

    protected DeviceBuffer(long elements) {
        this(elements, io.github.convcl.spec.Layout.NCHW);
    }

    /** Storage whose tensor keeps its values in {@code layout} ({@link Backend#allocate(long, io.github.convcl.spec.Layout)}). */
    protected DeviceBuffer(long elements, io.github.convcl.spec.Layout layout) {
        this.elements = elements;
        this.layout = layout;
    }

    /** The order of the values of the tensor this buffer holds: what the backend's operations read and write. */
    public final io.github.convcl.spec.Layout layout() {
        return layout;
    }

    public final long elements() {
        return elements;
    }

    public final boolean isClosed() {
        return closed;
    }

    @Override
    public final synchronized void close() {
        if (!closed) {
            closed = true;
            release();
        }
    }

    /** Frees the memory; called at most once. */
    protected abstract void release();
}
