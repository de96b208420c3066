// A backend's storage for one tensor: host memory for Java, a cl_mem for OpenCL.
package io.github.convcl.backend;

/** Storage for {@code elements} floats owned by one backend; closing it releases the memory once. */
public abstract class DeviceBuffer implements AutoCloseable {
    private final long elements;
    private volatile boolean closed;

    protected DeviceBuffer(long elements) {
        this.elements = elements;
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
