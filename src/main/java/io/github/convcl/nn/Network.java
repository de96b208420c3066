// Whole networks of the seed documents, built from the public API: torchvision's ResNet-50 and GoogLeNet, inference.
package io.github.convcl.nn;

import io.github.convcl.ConvCL;
import io.github.convcl.Tensor;
import io.github.convcl.spec.Activation;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;
import io.github.convcl.spec.Layout;
import io.github.convcl.spec.PoolSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A network as a chain of {@link Block}s for one batch size, every intermediate tensor allocated once on the runtime's
 * device and reused by every {@link #forward}: nothing is copied to the host between layers. Blocks share their
 * outputs and temporaries where their lifetimes allow ({@link Scratch}). Batch norms are folded
 * into their convolutions' epilogues, and the classifier is a biased 1x1 convolution on the pooled (N, C, 1, 1) tensor,
 * so the output is (N, 1000, 1, 1): torchvision's logits.
 *
 * <pre>{@code
 * try (ConvCL cl = ConvCL.open(); Network net = Network.resnet50(cl, 8, Weights.random(0));
 *      Tensor x = cl.tensor(images, net.inputShape())) {
 *     float[] logits = net.forward(x, Trace.OFF).toArray();
 * }
 * }</pre>
 */
public final class Network implements AutoCloseable {
    private final String name;
    private final int[] input;
    private final List<Block> blocks = new ArrayList<>();
    private final List<Tensor> outputs = new ArrayList<>();
    private final ConvCL cl;
    /** Owns the blocks' outputs and temporaries. */
    private final Scratch scratch;
    /** The layout of the activations between blocks, where their channels allow it ({@link #layoutFor}). */
    private final Layout layout;

    private Network(ConvCL cl, String name, int[] input, Layout layout) {
        this.cl = cl;
        this.name = name;
        this.input = input.clone();
        this.layout = layout;
        this.scratch = new Scratch(cl);
    }

    /**
     * {@code layout} for a tensor of {@code shape} where it can hold it ((N, C, spatial...) with C in 16s for
     * {@link Layout#NCHW16C}), else NCHW.
     */
    public static Layout layoutFor(Layout layout, int[] shape) {
        return layout == Layout.NCHW16C && (shape.length < 3 || shape[1] % Layout.BLOCK != 0) ? Layout.NCHW : layout;
    }

    /** The networks {@link #build} knows. */
    public static final List<String> MODELS = List.of("resnet50", "googlenet");

    /** {@link #resnet50} or {@link #googlenet} by name. */
    public static Network build(String model, ConvCL cl, int batch, Weights w) {
        return build(model, cl, batch, w, cl.preferredLayout());
    }

    /**
     * {@link #build(String, ConvCL, int, Weights)} with ResNet-50's activations in {@code layout} (one the runtime
     * {@link ConvCL#supports}), and GoogLeNet's likewise.
     *
     * @throws IllegalArgumentException when the runtime does not hold the layout
     */
    public static Network build(String model, ConvCL cl, int batch, Weights w, Layout layout) {
        if (!cl.supports(layout)) {
            throw new IllegalArgumentException("layout=" + layout + " is not held by " + cl.device());
        }
        return switch (model) {
            case "resnet50" -> resnet50(cl, batch, w, layout);
            case "googlenet" -> googlenet(cl, batch, w, layout);
            default -> throw new IllegalArgumentException("model=" + model + " is not one of " + MODELS);
        };
    }

    /**
     * torchvision's {@code resnet50()} on (batch, 3, 224, 224): conv1 7x7/2 + bn + relu, max-pool 3x3/2, four stages of
     * [3, 4, 6, 3] {@link Bottleneck}s (64, 128, 256, 512 planes; stride 2 from the second stage on), global average
     * pool, fc 2048 -> 1000.
     */
    public static Network resnet50(ConvCL cl, int batch, Weights w) {
        return resnet50(cl, batch, w, cl.preferredLayout());
    }

    /**
     * {@link #resnet50(ConvCL, int, Weights)} with its activations (from the stem's output to the pooled features) in
     * {@code layout}, one the runtime {@link ConvCL#supports}; input and logits are NCHW either way.
     */
    public static Network resnet50(ConvCL cl, int batch, Weights w, Layout layout) {
        Network n = new Network(cl, "resnet50", new int[] {batch, 3, 224, 224}, layout);
        try {
            // the stem's output stays NCHW: its kernel writes NCHW, and the max-pool reorders a quarter as much
            n.add(conv(cl, w, "conv1", n.last(), 64, 7, 2, 3, Epilogue.of(Activation.RELU).affine()), Layout.NCHW);
            n.add(new Pool(cl, PoolSpec.maxPool(n.last(), new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, false)));
            int[] blocks = {3, 4, 6, 3};
            for (int stage = 0; stage < 4; stage++) {
                int planes = 64 << stage;
                for (int b = 0; b < blocks[stage]; b++) {
                    int stride = stage > 0 && b == 0 ? 2 : 1;
                    n.add(new Bottleneck(cl, w, "layer" + (stage + 1) + "." + b + ".", n.last(), planes, stride, n.layout, n.scratch));
                }
            }
            n.classifier(cl, w);
            return n;
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
    }

    /**
     * torchvision's {@code googlenet(aux_logits=False)} in inference on (batch, 3, 224, 224), without the input
     * transform: conv1 7x7/2, max-pool 3x3/2 (ceil), conv2 1x1, conv3 3x3, max-pool, {@link Inception} 3a, 3b,
     * max-pool, 4a-4e, max-pool 2x2/2, 5a, 5b, global average pool, fc 1024 -> 1000.
     */
    public static Network googlenet(ConvCL cl, int batch, Weights w) {
        return googlenet(cl, batch, w, cl.preferredLayout());
    }

    /**
     * {@link #googlenet(ConvCL, int, Weights)} with its activations (from the first max-pool's output to the pooled
     * features) in {@code layout}, where their channels allow it; input and logits are NCHW either way.
     */
    public static Network googlenet(ConvCL cl, int batch, Weights w, Layout layout) {
        Network n = new Network(cl, "googlenet", new int[] {batch, 3, 224, 224}, layout);
        try {
            Epilogue basic = Epilogue.of(Activation.RELU).affine();
            // the stem's output stays NCHW: its kernel writes NCHW, and the max-pool reorders a quarter as much
            n.add(conv(cl, w, "conv1.conv", n.last(), 64, 7, 2, 3, basic), Layout.NCHW);
            n.add(maxPoolCeil(cl, n.last(), 3, 2));
            n.add(conv(cl, w, "conv2.conv", n.last(), 64, 1, 1, 0, basic));
            n.add(conv(cl, w, "conv3.conv", n.last(), 192, 3, 1, 1, basic));
            n.add(maxPoolCeil(cl, n.last(), 3, 2));
            n.inception(w, "inception3a", 64, 96, 128, 16, 32, 32);
            n.inception(w, "inception3b", 128, 128, 192, 32, 96, 64);
            n.add(maxPoolCeil(cl, n.last(), 3, 2));
            n.inception(w, "inception4a", 192, 96, 208, 16, 48, 64);
            n.inception(w, "inception4b", 160, 112, 224, 24, 64, 64);
            n.inception(w, "inception4c", 128, 128, 256, 24, 64, 64);
            n.inception(w, "inception4d", 112, 144, 288, 32, 64, 64);
            n.inception(w, "inception4e", 256, 160, 320, 32, 128, 128);
            n.add(maxPoolCeil(cl, n.last(), 2, 2));
            n.inception(w, "inception5a", 256, 160, 320, 32, 128, 128);
            n.inception(w, "inception5b", 384, 192, 384, 48, 128, 128);
            n.classifier(cl, w);
            return n;
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
    }

    private void inception(Weights w, String module, int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5, int poolProj) {
        add(new Inception(cl, w, module + ".", last(), ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj, layout, scratch));
    }

    /** Global average pool, then fc as a biased 1x1 convolution. */
    private void classifier(ConvCL cl, Weights w) {
        add(new Pool(cl, PoolSpec.globalAvgPool(last())));
        ConvSpec fc = ConvSpec.conv(2).input(last()).outChannels(1000).kernel(1).bias(true).build();
        // the logits, the network's output, are NCHW for the caller
        add(new Single(new ConvBn(cl, w, "fc", fc)), Layout.NCHW);
    }

    private static Block conv(ConvCL cl, Weights w, String name, int[] input, int out, int k, int stride, int pad, Epilogue e) {
        return new Single(new ConvBn(cl, w, name, ConvSpec.conv(2).input(input).outChannels(out).kernel(k).stride(stride)
                .padding(pad).bias(false).epilogue(e).build()));
    }

    private static Block maxPoolCeil(ConvCL cl, int[] input, int k, int stride) {
        return new Pool(cl, PoolSpec.maxPool(input, new int[] {k}, new int[] {stride}, new int[] {0}, new int[] {1}, true));
    }

    private void add(Block b) {
        add(b, b.outputLayout(layout));
    }

    /**
     * Appends {@code b} with its output in {@code output}. A block reads only the previous block's output, so outputs
     * of one shape take turns between two tensors: the one written is never the one read.
     */
    private void add(Block b, Layout output) {
        Tensor previous = outputs.isEmpty() ? null : outputs.get(outputs.size() - 1);
        Tensor out = scratch.get("output", output, b.outputShape());
        blocks.add(b);
        outputs.add(out == previous ? scratch.get("output'", output, b.outputShape()) : out);
    }

    /** The layout of the activations between blocks where their channels allow it (the runtime's preferred one for ResNet-50). */
    public Layout layout() {
        return layout;
    }

    /** The layout block {@code i} writes its output in. */
    Layout outputLayout(int i) {
        return outputs.get(i).layout();
    }

    /** The shape the last block added writes: the next one's input. */
    private int[] last() {
        return blocks.isEmpty() ? input.clone() : blocks.get(blocks.size() - 1).outputShape();
    }

    public String name() {
        return name;
    }

    public int[] inputShape() {
        return input.clone();
    }

    public int[] outputShape() {
        return last();
    }

    public List<Block> blocks() {
        return List.copyOf(blocks);
    }

    /** Every convolution, in the order they run. */
    public List<ConvBn> convolutions() {
        List<ConvBn> all = new ArrayList<>();
        blocks.forEach(b -> all.addAll(b.convolutions()));
        return all;
    }

    /**
     * Runs the network on {@code x} (of {@link #inputShape()}) and returns its output tensor: owned by the network and
     * overwritten by the next call. Device work may still be running when it returns ({@link ConvCL#finish}).
     */
    public Tensor forward(Tensor x, Trace trace) {
        Tensor in = x;
        for (int i = 0; i < blocks.size(); i++) {
            blocks.get(i).forward(in, outputs.get(i), trace);
            in = outputs.get(i);
        }
        return in;
    }

    @Override
    public void close() {
        blocks.forEach(Block::close);
        scratch.close();
    }

    /** A block of one convolution. */
    private record Single(ConvBn conv) implements Block {
        @Override
        public int[] inputShape() {
            return conv.spec().inputShape();
        }

        @Override
        public int[] outputShape() {
            return conv.spec().outputShape();
        }

        @Override
        public void forward(Tensor x, Tensor out, Trace trace) {
            conv.forward(x, null, out, trace);
        }

        @Override
        public List<ConvBn> convolutions() {
            return List.of(conv);
        }

        @Override
        public void close() {
            conv.close();
        }
    }

    /** A max-pool or average pool. */
    private record Pool(ConvCL cl, PoolSpec spec) implements Block {
        @Override
        public int[] inputShape() {
            return spec.inputShape();
        }

        @Override
        public int[] outputShape() {
            return spec.outputShape();
        }

        @Override
        public void forward(Tensor x, Tensor out, Trace trace) {
            if (spec.average()) {
                trace.step("avg-pool", () -> cl.avgPool(spec, x, out));
            } else {
                trace.step("max-pool", () -> cl.maxPool(spec, x, out, null));
            }
        }

        @Override
        public List<ConvBn> convolutions() {
            return List.of();
        }

        @Override
        public void close() {
        }
    }
}
