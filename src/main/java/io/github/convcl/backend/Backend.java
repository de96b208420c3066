// The contract every backend fulfils: storage, transfers and convolution of validated specs.
package io.github.convcl.backend;

import io.github.convcl.spec.ConvSpec;
import java.nio.FloatBuffer;

/**
 * A place convolutions run: the pure-Java backend or one OpenCL device. It receives only validated
 * {@link ConvSpec}s and buffers it allocated itself; it never re-validates shapes.
 * Implementations are safe to call from several threads.
 */
public interface Backend extends AutoCloseable {
    BackendKind kind();

    /** A short human description of the device, for example "NVIDIA H100 80GB HBM3 (NVIDIA CUDA)". */
    String device();

    /** The largest single buffer in bytes this backend can hold. */
    long maxAllocationBytes();

    DeviceBuffer allocate(long elements);

    /** Copies {@code src.remaining()} floats into {@code dst} at element {@code offset}. */
    void write(DeviceBuffer dst, long offset, FloatBuffer src);

    /** Copies {@code dst.remaining()} floats from {@code src} at element {@code offset}. */
    void read(DeviceBuffer src, long offset, FloatBuffer dst);

    /** Computes {@code out = conv(in, weight) + bias}; {@code bias} is null when the spec has none. */
    void convolve(ConvSpec spec, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, DeviceBuffer out);

    /** The algorithm this backend would use for {@code spec}, for reports. */
    String algorithm(ConvSpec spec);

    /** Blocks until all submitted work is done. */
    void finish();

    @Override
    void close();
}
