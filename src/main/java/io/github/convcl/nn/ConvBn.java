// One convolution of a network with what follows it fused: a folded batch norm, a residual, an activation.
package io.github.convcl.nn;

import io.github.convcl.ConvCL;
import io.github.convcl.EpilogueInputs;
import io.github.convcl.Tensor;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;

/**
 * A convolution and its epilogue as one call: torchvision's {@code conv -> bn (-> + residual) (-> relu)} with the batch
 * norm folded, or a classifier's biased 1x1. Reads {@code <name>.weight}, {@code <name>.bias} when the spec has one, and
 * {@code <name>.scale}/{@code <name>.shift} when its epilogue has them; the tensors live on the runtime's device.
 */
public final class ConvBn implements AutoCloseable {
    private final ConvCL cl;
    private final String name;
    private final ConvSpec spec;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor scale;
    private final Tensor shift;
    private io.github.convcl.plan.Plan plan;

    public ConvBn(ConvCL cl, Weights w, String name, ConvSpec spec) {
        this.cl = cl;
        this.name = name;
        this.spec = spec;
        Epilogue e = spec.epilogue();
        int[] channels = {spec.outChannels()};
        this.weight = cl.tensor(w.get(name + ".weight", spec.weightShape()), spec.weightShape());
        this.bias = spec.hasBias() ? cl.tensor(w.get(name + ".bias", channels), channels) : null;
        this.scale = e.hasScale() ? cl.tensor(w.get(name + ".scale", channels), channels) : null;
        this.shift = e.hasShift() ? cl.tensor(w.get(name + ".shift", channels), channels) : null;
    }

    public String name() {
        return name;
    }

    public ConvSpec spec() {
        return spec;
    }

    /** Runs every later call with {@code p} (one of the backend's applicable plans for the spec), or the planner's: null. */
    public void force(io.github.convcl.plan.Plan p) {
        this.plan = p;
    }

    /** The step kind a {@link Trace} files this convolution under: "conv 3x3", "conv 1x1 s2", ... */
    public String kind() {
        int[] k = spec.kernel();
        StringBuilder sb = new StringBuilder("conv ");
        for (int i = 0; i < k.length; i++) {
            sb.append(i == 0 ? "" : "x").append(k[i]);
        }
        if (spec.isDepthwise()) {
            sb.append(" depthwise");
        }
        return sb.toString();
    }

    /** {@code out = epilogue(conv(x))}, with {@code residual} (null unless the epilogue adds one); out may be a channel view. */
    public void forward(Tensor x, Tensor residual, Tensor out, Trace trace) {
        EpilogueInputs in = new EpilogueInputs(scale, shift, residual);
        trace.step(kind(), name + " (" + kind() + ")", () -> {
            if (plan == null) {
                cl.conv(spec, x, weight, bias, in, out);
            } else {
                cl.conv(spec, plan, x, weight, bias, in, out);
            }
        });
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {weight, bias, scale, shift}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
