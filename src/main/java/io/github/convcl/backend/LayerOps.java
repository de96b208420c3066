// The few non-convolution operations a network needs to run and train with every tensor on the device.
package io.github.convcl.backend;

import io.github.convcl.spec.AdamStep;
import io.github.convcl.spec.PoolSpec;

/**
 * Max-pooling with indices and its inverse, a mean squared error and an Adam update, on a backend's own buffers, with
 * PyTorch's semantics. Like the convolutions, they receive validated specs and buffers of the right sizes. Every one
 * writes each output element from one fixed-order computation, so results are the same bits run to run.
 *
 * <p>Indices are flat positions within an input plane, held as exact floats ({@link PoolSpec#MAX_PLANE}). The
 * backward and unpooling steps read an index only within its own window: indices that did not come from a max-pool
 * of the same spec are ignored, never followed out of bounds.
 */
public interface LayerOps {
    /** {@code out} = each window's maximum (NaN wins); {@code indices}, unless null, its position (first maximum). */
    void maxPool(PoolSpec s, DeviceBuffer in, DeviceBuffer out, DeviceBuffer indices);

    /** {@code out} = each window's average with PyTorch's divisor ({@link PoolSpec#avgPool}), summed in row-major order. */
    void avgPool(PoolSpec s, DeviceBuffer in, DeviceBuffer out);

    /** max-pool's grad_input: each input position sums the {@code gradOut} of the windows whose index names it. */
    void maxPoolBackward(PoolSpec s, DeviceBuffer gradOut, DeviceBuffer indices, DeviceBuffer gradIn);

    /**
     * max-unpool ({@code torch.nn.functional.max_unpool}) to the pool's input shape: each position takes the value of
     * the last window (row-major) whose index names it, else zero.
     */
    void maxUnpool(PoolSpec s, DeviceBuffer values, DeviceBuffer indices, DeviceBuffer out);

    /** max-unpool's grad_input: each pooled position takes {@code gradOut} at its index. */
    void maxUnpoolBackward(PoolSpec s, DeviceBuffer gradOut, DeviceBuffer indices, DeviceBuffer gradValues);

    /**
     * {@code loss[0]} = mean of {@code (out - target)^2} over {@code n} elements, and, unless {@code gradOut} is null,
     * its gradient {@code 2 (out - target) / n}.
     */
    void mseLoss(long n, DeviceBuffer out, DeviceBuffer target, DeviceBuffer loss, DeviceBuffer gradOut);

    /** One Adam update of {@code param} in place, with its moments {@code m} and {@code v} (zero before step 1). */
    void adam(AdamStep step, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v);
}
