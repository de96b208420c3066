// GoogLeNet's Inception module, its four branches written straight into their channels of one output tensor.
package io.github.convcl.nn;

import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.spec.Activation;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;
import io.github.convcl.spec.Layout;
import io.github.convcl.spec.PoolSpec;
import java.util.List;

/**
 * torchvision's {@code Inception(in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)} in inference, every
 * BasicConv2d a convolution with its batch norm and relu fused:
 * <pre>
 * branch1   1x1 -> ch1x1
 * branch2   1x1 -> ch3x3red, 3x3 pad 1 -> ch3x3
 * branch3   1x1 -> ch5x5red, 3x3 pad 1 -> ch5x5      (torchvision's 3x3, not the paper's 5x5)
 * branch4   max-pool 3x3 stride 1 pad 1 ceil_mode, 1x1 -> pool_proj
 * output    the four concatenated along channels, in that order
 * </pre>
 * Each branch's last convolution writes its own channel slice of the output ({@link Tensor#channels}): no
 * concatenation pass. Parameters by torchvision's names under {@code prefix} ({@code branch2.1.conv.weight}, ...).
 */
public final class Inception implements Block {
    private final int[] input;
    private final int[] output;
    private final ConvCL cl;
    private final ConvBn b1;
    private final ConvBn b2a;
    private final ConvBn b2b;
    private final ConvBn b3a;
    private final ConvBn b3b;
    private final ConvBn b4;
    private final PoolSpec pool;
    private final Tensor t2;
    private final Tensor t3;
    private final Tensor t4;
    private final int[] first;
    /** Owns t2, t3 and t4 when the block was built on its own, null when a network's store does. */
    private final Scratch own;

    /** For inputs of {@code input} = (N, in_channels, H, W), its own tensors in NCHW. */
    public Inception(ConvCL cl, Weights w, String prefix, int[] input, int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5,
                     int poolProj) {
        this(cl, w, prefix, input, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj, Layout.NCHW);
    }

    /**
     * For inputs of {@code input} = (N, in_channels, H, W), its own tensors (the reductions' outputs and the pooled
     * input) kept in {@code layout} where their channels allow it ({@link Network#layoutFor}); input and output may be
     * in any layout, the output in a blocked one only where {@link #holds} it.
     */
    public Inception(ConvCL cl, Weights w, String prefix, int[] input, int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5,
                     int poolProj, Layout layout) {
        this(cl, w, prefix, input, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj, layout, null);
    }

    /** As above, its temporaries taken from {@code shared} (a network's, which closes them), or its own store when null. */
    Inception(ConvCL cl, Weights w, String prefix, int[] input, int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5,
              int poolProj, Layout layout, Scratch shared) {
        this.cl = cl;
        this.own = shared == null ? new Scratch(cl) : null;
        Scratch scratch = shared == null ? own : shared;
        this.input = input.clone();
        this.b1 = new ConvBn(cl, w, prefix + "branch1.conv", basic(input, ch1x1, 1));
        this.b2a = new ConvBn(cl, w, prefix + "branch2.0.conv", basic(input, ch3x3red, 1));
        this.b2b = new ConvBn(cl, w, prefix + "branch2.1.conv", basic(b2a.spec().outputShape(), ch3x3, 3));
        this.b3a = new ConvBn(cl, w, prefix + "branch3.0.conv", basic(input, ch5x5red, 1));
        this.b3b = new ConvBn(cl, w, prefix + "branch3.1.conv", basic(b3a.spec().outputShape(), ch5x5, 3));
        this.pool = PoolSpec.maxPool(input, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, true);
        this.b4 = new ConvBn(cl, w, prefix + "branch4.1.conv", basic(pool.outputShape(), poolProj, 1));
        this.output = b1.spec().outputShape();
        this.output[1] = ch1x1 + ch3x3 + ch5x5 + poolProj;
        this.first = new int[] {0, ch1x1, ch1x1 + ch3x3, ch1x1 + ch3x3 + ch5x5};
        this.t2 = scratch.get("inception.branch2", Network.layoutFor(layout, b2a.spec().outputShape()), b2a.spec().outputShape());
        this.t3 = scratch.get("inception.branch3", Network.layoutFor(layout, b3a.spec().outputShape()), b3a.spec().outputShape());
        this.t4 = scratch.get("inception.branch4", Network.layoutFor(layout, pool.outputShape()), pool.outputShape());
    }

    /**
     * Whether an output tensor in {@code layout} can take the four branches' channel slices: for
     * {@link Layout#NCHW16C} every branch's first channel and width in whole blocks of 16.
     */
    public boolean holds(Layout layout) {
        if (layout == Layout.NCHW) {
            return true;
        }
        int[] widths = {b1.spec().outChannels(), b2b.spec().outChannels(), b3b.spec().outChannels(), b4.spec().outChannels()};
        for (int i = 0; i < 4; i++) {
            if (first[i] % Layout.BLOCK != 0 || widths[i] % Layout.BLOCK != 0) {
                return false;
            }
        }
        return true;
    }

    /** {@link Block#outputLayout}, and NCHW where the branches' slices would split a block ({@link #holds}). */
    @Override
    public Layout outputLayout(Layout preferred) {
        return holds(preferred) ? Network.layoutFor(preferred, output) : Layout.NCHW;
    }

    /** A BasicConv2d: conv without bias (k x k, padding k / 2), batch norm folded, relu. */
    private static ConvSpec basic(int[] input, int out, int k) {
        return ConvSpec.conv(2).input(input).outChannels(out).kernel(k).padding(k / 2).bias(false)
                .epilogue(Epilogue.of(Activation.RELU).affine()).build();
    }

    @Override
    public int[] inputShape() {
        return input.clone();
    }

    @Override
    public int[] outputShape() {
        return output.clone();
    }

    @Override
    public void forward(Tensor x, Tensor out, Trace trace) {
        b1.forward(x, null, out.channels(first[0], b1.spec().outChannels()), trace);
        b2a.forward(x, null, t2, trace);
        b2b.forward(t2, null, out.channels(first[1], b2b.spec().outChannels()), trace);
        b3a.forward(x, null, t3, trace);
        b3b.forward(t3, null, out.channels(first[2], b3b.spec().outChannels()), trace);
        trace.step("max-pool", () -> cl.maxPool(pool, x, t4, null));
        b4.forward(t4, null, out.channels(first[3], b4.spec().outChannels()), trace);
    }

    @Override
    public List<ConvBn> convolutions() {
        return List.of(b1, b2a, b2b, b3a, b3b, b4);
    }

    @Override
    public void close() {
        for (ConvBn c : convolutions()) {
            c.close();
        }
        if (own != null) {
            own.close();
        }
    }
}
