// Intermediate tensors of a network, shared by the blocks that never hold them at the same time.
package io.github.convcl.nn;

import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.spec.Layout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Device tensors by role, layout and shape. Blocks run one after another, so a block's temporaries (a bottleneck's
 * conv1 and conv2 outputs, an Inception module's reductions) are dead once it returns, and every block with the same
 * role and shape can take the same tensor. Fewer distinct tensors means the ones written next were touched a layer or
 * two before and are still in the cache, where a tensor of its own per layer is cold at every write.
 */
final class Scratch implements AutoCloseable {
    private final ConvCL cl;
    private final Map<String, Tensor> tensors = new HashMap<>();

    Scratch(ConvCL cl) {
        this.cl = cl;
    }

    /** The tensor for {@code role} of {@code shape} in {@code layout}, allocated on first use. */
    Tensor get(String role, Layout layout, int[] shape) {
        return tensors.computeIfAbsent(role + " " + layout + " " + Arrays.toString(shape), k -> cl.empty(layout, shape));
    }

    @Override
    public void close() {
        tensors.values().forEach(Tensor::close);
        tensors.clear();
    }
}
