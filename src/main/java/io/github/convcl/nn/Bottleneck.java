// ResNet-50's bottleneck block, built from the public API with each batch norm fused into its convolution.
package io.github.convcl.nn;

import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.spec.Activation;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;
import io.github.convcl.spec.Layout;
import java.util.ArrayList;
import java.util.List;

/**
 * torchvision's {@code Bottleneck(inplanes, planes, stride)} (expansion 4) in inference, batch norms folded:
 * <pre>
 * conv1  1x1 inplanes -> planes            + bn + relu
 * conv2  3x3 stride s, pad 1 planes -> planes + bn + relu
 * conv3  1x1 planes -> 4 planes            + bn + shortcut + relu   (one call: the epilogue adds the shortcut)
 * shortcut: x itself, or downsample.0 (1x1 stride s inplanes -> 4 planes + bn) where the shape changes
 * </pre>
 * Parameters by torchvision's names under {@code prefix} ({@code conv1.weight}, {@code conv1.scale}, ...,
 * {@code downsample.0.shift}).
 */
public final class Bottleneck implements Block {
    private final ConvCL cl;
    private final int[] input;
    private final ConvBn conv1;
    private final ConvBn conv2;
    private final ConvBn conv3;
    private final ConvBn downsample;
    private final Tensor t1;
    private final Tensor t2;
    private final Tensor shortcut;
    /** Owns t1, t2 and shortcut when the block was built on its own, null when a network's store does. */
    private final Scratch own;

    /** For inputs of {@code input} = (N, inplanes, H, W), its own tensors in NCHW. */
    public Bottleneck(ConvCL cl, Weights w, String prefix, int[] input, int planes, int stride) {
        this(cl, w, prefix, input, planes, stride, Layout.NCHW);
    }

    /**
     * For inputs of {@code input} = (N, inplanes, H, W), its own tensors (between its convolutions) kept in
     * {@code layout} where their channels allow it ({@link Network#layoutFor}); inputs and outputs may be in any layout.
     */
    public Bottleneck(ConvCL cl, Weights w, String prefix, int[] input, int planes, int stride, Layout layout) {
        this(cl, w, prefix, input, planes, stride, layout, null);
    }

    /** As above, its temporaries taken from {@code shared} (a network's, which closes them), or its own store when null. */
    Bottleneck(ConvCL cl, Weights w, String prefix, int[] input, int planes, int stride, Layout layout, Scratch shared) {
        this.cl = cl;
        this.own = shared == null ? new Scratch(cl) : null;
        Scratch scratch = shared == null ? own : shared;
        this.input = input.clone();
        int inplanes = input[1];
        Epilogue bnRelu = Epilogue.of(Activation.RELU).affine();
        ConvSpec c1 = ConvSpec.conv(2).input(input).outChannels(planes).kernel(1).bias(false).epilogue(bnRelu).build();
        ConvSpec c2 = ConvSpec.conv(2).input(c1.outputShape()).outChannels(planes).kernel(3).stride(stride).padding(1).bias(false)
                .epilogue(bnRelu).build();
        ConvSpec c3 = ConvSpec.conv(2).input(c2.outputShape()).outChannels(4 * planes).kernel(1).bias(false)
                .epilogue(bnRelu.residual()).build();
        this.conv1 = new ConvBn(cl, w, prefix + "conv1", c1);
        this.conv2 = new ConvBn(cl, w, prefix + "conv2", c2);
        this.conv3 = new ConvBn(cl, w, prefix + "conv3", c3);
        if (stride != 1 || inplanes != 4 * planes) {
            ConvSpec d = ConvSpec.conv(2).input(input).outChannels(4 * planes).kernel(1).stride(stride).bias(false)
                    .epilogue(Epilogue.NONE.affine()).build();
            this.downsample = new ConvBn(cl, w, prefix + "downsample.0", d);
            this.shortcut = scratch.get("bottleneck.shortcut", Network.layoutFor(layout, d.outputShape()), d.outputShape());
        } else {
            this.downsample = null;
            this.shortcut = null;
        }
        this.t1 = scratch.get("bottleneck.conv1", Network.layoutFor(layout, c1.outputShape()), c1.outputShape());
        this.t2 = scratch.get("bottleneck.conv2", Network.layoutFor(layout, c2.outputShape()), c2.outputShape());
    }

    @Override
    public int[] inputShape() {
        return input.clone();
    }

    @Override
    public int[] outputShape() {
        return conv3.spec().outputShape();
    }

    @Override
    public void forward(Tensor x, Tensor out, Trace trace) {
        conv1.forward(x, null, t1, trace);
        conv2.forward(t1, null, t2, trace);
        Tensor residual = x;
        if (downsample != null) {
            downsample.forward(x, null, shortcut, trace);
            residual = shortcut;
        }
        conv3.forward(t2, residual, out, trace);
    }

    @Override
    public List<ConvBn> convolutions() {
        List<ConvBn> all = new ArrayList<>(List.of(conv1, conv2));
        if (downsample != null) {
            all.add(downsample);
        }
        all.add(conv3);
        return all;
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
