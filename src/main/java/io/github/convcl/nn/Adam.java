// torch.optim.Adam over a runtime's tensors: the moments live beside the parameters, on the device.
package io.github.convcl.nn;

import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.spec.AdamStep;
import java.util.ArrayList;
import java.util.List;

/**
 * Adam over a fixed list of parameters, as {@code torch.optim.Adam(params, lr, betas, eps, weight_decay)}: each
 * parameter gets zeroed first and second moments on the same runtime; {@link #step} updates every parameter in place
 * from its gradient, with no transfer to the host. Closing frees the moments.
 */
public final class Adam implements AutoCloseable {
    private final ConvCL cl;
    private final List<Tensor> params;
    private final List<Tensor> moments = new ArrayList<>();
    private AdamStep step;

    /** @param hyper the hyper-parameters; its step number is ignored (steps count from 1 here) */
    public Adam(ConvCL cl, List<Tensor> params, AdamStep hyper) {
        this.cl = cl;
        this.params = List.copyOf(params);
        this.step = hyper.at(1);
        try {
            for (Tensor p : this.params) {
                float[] zeros = new float[Math.toIntExact(p.elements())];
                moments.add(cl.tensor(zeros, p.shape()));
                moments.add(cl.tensor(zeros, p.shape()));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** One update of every parameter from {@code grads}, in the order the parameters were given. */
    public void step(List<Tensor> grads) {
        if (grads.size() != params.size()) {
            throw new IllegalArgumentException("Adam has " + params.size() + " parameters but was given " + grads.size() + " gradients");
        }
        for (int i = 0; i < params.size(); i++) {
            cl.adam(step, params.get(i), grads.get(i), moments.get(2 * i), moments.get(2 * i + 1));
        }
        step = step.at(step.step() + 1);
    }

    /** Steps taken so far. */
    public long steps() {
        return step.step() - 1;
    }

    @Override
    public void close() {
        moments.forEach(Tensor::close);
    }
}
