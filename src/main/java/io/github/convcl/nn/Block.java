// A part of a network that runs on the device from one tensor into another.
package io.github.convcl.nn;

import io.github.convcl.Tensor;
import io.github.convcl.spec.Layout;
import java.util.List;

/** A block of a network (a bottleneck, an Inception module, a pool): fixed shapes, every tensor on the device. */
public interface Block extends AutoCloseable {
    /** The shape of the tensor {@link #forward} reads. */
    int[] inputShape();

    /** The shape of the tensor {@link #forward} writes. */
    int[] outputShape();

    /**
     * The layout the block's output takes when its network keeps activations in {@code preferred}: that one where the
     * output's channels allow it ({@link Network#layoutFor}), else NCHW.
     */
    default Layout outputLayout(Layout preferred) {
        return Network.layoutFor(preferred, outputShape());
    }

    /** Computes the block from {@code x} into {@code out}, reporting each step to {@code trace}. */
    void forward(Tensor x, Tensor out, Trace trace);

    /** The block's convolutions, in the order they run. */
    List<ConvBn> convolutions();

    @Override
    void close();
}
