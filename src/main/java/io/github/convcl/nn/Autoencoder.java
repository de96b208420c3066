// The seed's transposed-convolution autoencoder, trained with every tensor on the device.
package io.github.convcl.nn;

import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.spec.AdamStep;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PoolSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Conv2d(C, H, k) -> MaxPool2d(p, p, return_indices) -> MaxUnpool2d(p, p) -> ConvTranspose2d(H, C, k), trained to
 * reproduce its input with the mean squared error and Adam, as the seed's document does on Fashion-MNIST with C = H = 1,
 * k = 3 and p = 2.
 *
 * <p>{@link #step} runs the forward pass, the loss, the backward pass and the Adam update on the runtime's device,
 * reusing the same tensors every step: nothing is downloaded unless {@link #loss()} is read.
 *
 * <pre>{@code
 * try (Autoencoder net = new Autoencoder(cl, 100, 28, 28, init, 2, AdamStep.defaults(1e-3))) {
 *     net.step(batch);                 // (100, 1, 28, 28) on the device
 *     float loss = net.loss();         // the loss before that step's update
 * }
 * }</pre>
 */
public final class Autoencoder implements AutoCloseable {
    /** The four parameters, as PyTorch names them in the seed's module. */
    public record Weights(float[] convWeight, float[] convBias, float[] unconvWeight, float[] unconvBias) {
    }

    private final ConvCL cl;
    private final ConvSpec conv;
    private final PoolSpec pool;
    private final ConvSpec unconv;
    private final List<Tensor> owned = new ArrayList<>();
    private final Tensor convWeight, convBias, unconvWeight, unconvBias;
    private final Tensor hidden, pooled, indices, unpooled, output, loss;
    private final Tensor gradOutput, gradUnpooled, gradPooled, gradHidden;
    private final List<Tensor> grads;
    private final Adam adam;

    /**
     * Builds the network for batches of {@code batch} images of {@code height x width} with {@code init}'s weights:
     * the conv weight {@code (H, C, k, k)} and the transposed conv's {@code (H, C, k, k)} give the channels and kernel.
     *
     * @throws IllegalArgumentException when the weights' sizes do not fit together or the pooling does not fit the image
     */
    public Autoencoder(ConvCL cl, int batch, int height, int width, int channels, int hiddenChannels, int kernel, Weights init,
                       int poolSize, AdamStep hyper) {
        this.cl = cl;
        this.conv = ConvSpec.conv(2).input(batch, channels, height, width).outChannels(hiddenChannels).kernel(kernel).build();
        this.pool = PoolSpec.maxPool2d(conv.outputShape(), poolSize, poolSize);
        this.unconv = ConvSpec.convTranspose(2).input(conv.outputShape()).outChannels(channels).kernel(kernel).build();
        if (!java.util.Arrays.equals(unconv.outputShape(), conv.inputShape())) {
            throw new IllegalArgumentException("the transposed convolution's output " + java.util.Arrays.toString(unconv.outputShape())
                    + " does not match the input " + java.util.Arrays.toString(conv.inputShape()));
        }
        checkLength("conv weight", init.convWeight(), conv.weightElements());
        checkLength("conv bias", init.convBias(), conv.outChannels());
        checkLength("unconv weight", init.unconvWeight(), unconv.weightElements());
        checkLength("unconv bias", init.unconvBias(), unconv.outChannels());
        try {
            convWeight = own(cl.tensor(init.convWeight(), conv.weightShape()));
            convBias = own(cl.tensor(init.convBias(), conv.biasShape()));
            unconvWeight = own(cl.tensor(init.unconvWeight(), unconv.weightShape()));
            unconvBias = own(cl.tensor(init.unconvBias(), unconv.biasShape()));
            hidden = own(cl.empty(conv.outputShape()));
            pooled = own(cl.empty(pool.outputShape()));
            indices = own(cl.empty(pool.outputShape()));
            unpooled = own(cl.empty(pool.inputShape()));
            output = own(cl.empty(unconv.outputShape()));
            loss = own(cl.empty(1));
            gradOutput = own(cl.empty(unconv.outputShape()));
            gradUnpooled = own(cl.empty(unconv.inputShape()));
            gradPooled = own(cl.empty(pool.outputShape()));
            gradHidden = own(cl.empty(conv.outputShape()));
            grads = List.of(own(cl.empty(conv.weightShape())), own(cl.empty(conv.biasShape())), own(cl.empty(unconv.weightShape())),
                    own(cl.empty(unconv.biasShape())));
            adam = new Adam(cl, List.of(convWeight, convBias, unconvWeight, unconvBias), hyper);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The seed's network, Conv2d(1,1,3) and ConvTranspose2d(1,1,3) around a 2x2 max-pool, for 1-channel images. */
    public static Autoencoder seed(ConvCL cl, int batch, int height, int width, Weights init, AdamStep hyper) {
        return new Autoencoder(cl, batch, height, width, 1, 1, 3, init, 2, hyper);
    }

    /**
     * PyTorch's default initialisation of Conv2d(1,1,3) and ConvTranspose2d(1,1,3) (uniform within 1/sqrt(fan_in), fan_in
     * 9 for both), from {@code seed}.
     */
    public static Weights defaultInit(long seed, int channels, int hiddenChannels, int kernel) {
        java.util.Random r = new java.util.Random(seed);
        int taps = kernel * kernel;
        float convBound = (float) (1 / Math.sqrt(channels * taps));
        float unconvBound = (float) (1 / Math.sqrt(channels * taps));
        return new Weights(uniform(r, hiddenChannels * channels * taps, convBound), uniform(r, hiddenChannels, convBound),
                uniform(r, hiddenChannels * channels * taps, unconvBound), uniform(r, channels, unconvBound));
    }

    private static float[] uniform(java.util.Random r, int n, float bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (2 * r.nextFloat() - 1) * bound;
        }
        return a;
    }

    private static void checkLength(String name, float[] a, long expected) {
        if (a == null || a.length != expected) {
            throw new IllegalArgumentException(name + " has " + (a == null ? "no" : a.length) + " values, the network needs " + expected);
        }
    }

    private Tensor own(Tensor t) {
        owned.add(t);
        return t;
    }

    /** The input shape a batch must have: (batch, C, height, width). */
    public int[] inputShape() {
        return conv.inputShape();
    }

    /** Forward pass only: the reconstruction of {@code batch}, into this network's output tensor. */
    public Tensor reconstruct(Tensor batch) {
        cl.conv(conv, batch, convWeight, convBias, hidden);
        cl.maxPool(pool, hidden, pooled, indices);
        cl.maxUnpool(pool, pooled, indices, unpooled);
        cl.conv(unconv, unpooled, unconvWeight, unconvBias, output);
        return output;
    }

    /** One training step on {@code batch}: forward, loss, backward, Adam; all on the device. */
    public void step(Tensor batch) {
        reconstruct(batch);
        cl.mseLoss(output, batch, loss, gradOutput);
        cl.gradInput(unconv, gradOutput, unconvWeight, gradUnpooled, false);
        cl.gradWeight(unconv, unpooled, gradOutput, grads.get(2), false);
        cl.gradBias(unconv, gradOutput, grads.get(3), false);
        cl.maxUnpoolBackward(pool, gradUnpooled, indices, gradPooled);
        cl.maxPoolBackward(pool, gradPooled, indices, gradHidden);
        // The first layer needs no grad_input.
        cl.gradWeight(conv, batch, gradHidden, grads.get(0), false);
        cl.gradBias(conv, gradHidden, grads.get(1), false);
        adam.step(grads);
    }

    /** The loss of the last {@link #step}, before its update (downloads one float). */
    public float loss() {
        return loss.toArray()[0];
    }

    /** The current parameters, downloaded. */
    public Weights weights() {
        return new Weights(convWeight.toArray(), convBias.toArray(), unconvWeight.toArray(), unconvBias.toArray());
    }

    /** Steps taken. */
    public long steps() {
        return adam.steps();
    }

    @Override
    public void close() {
        if (adam != null) {
            adam.close();
        }
        owned.forEach(Tensor::close);
    }
}
