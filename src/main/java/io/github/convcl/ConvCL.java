// The runtime: opens a backend, makes tensors, runs convolutions with PyTorch's semantics.
package io.github.convcl;

import io.github.convcl.backend.Backend;
import io.github.convcl.plan.BackendKind;
import io.github.convcl.backend.BackendRequest;
import io.github.convcl.backend.BackendSelector;
import io.github.convcl.backend.DeviceFaultException;
import io.github.convcl.config.Settings;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.jvm.JavaKernels;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.AdamStep;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Layout;
import io.github.convcl.spec.PoolSpec;
import io.github.convcl.spec.Precision;
import io.github.convcl.spec.Shapes;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ConvCL runtime: owns one backend (an OpenCL device or the JVM) and everything allocated on it.
 *
 * <pre>{@code
 * try (ConvCL cl = ConvCL.open()) {                       // best backend; CONVCL_BACKEND overrides
 *     Tensor x = cl.tensor(input, 1, 3, 224, 224);
 *     Tensor w = cl.tensor(weights, 64, 3, 7, 7);
 *     Tensor y = cl.conv2d(x, w, null, o -> o.stride(2).padding(3));
 *     float[] out = y.toArray();                         // (1, 64, 112, 112)
 * }
 * }</pre>
 *
 * All methods validate their arguments before any device work and throw an {@link IllegalArgumentException}
 * naming the parameter and its values. The runtime is safe to share between threads.
 */
public final class ConvCL implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConvCL.class);

    private final Backend backend;
    private volatile FaultPolicy faultPolicy = FaultPolicy.FALLBACK_TO_JAVA;
    private volatile Precision precision;
    private volatile boolean closed;

    private ConvCL(Backend backend, Precision precision) {
        this.backend = backend;
        this.precision = precision;
    }

    /**
     * Opens the backend chosen by {@code convcl.backend} / {@code CONVCL_BACKEND}, else the best available, with the
     * settings of this process's system properties and environment, read now ({@link Settings#fromSystem()}).
     */
    public static ConvCL open() {
        return open(Settings.fromSystem());
    }

    /** Opens the backend {@code settings} name (auto when none) with those settings. */
    public static ConvCL open(Settings settings) {
        return open(BackendRequest.parse(settings.backend()), settings.backendSource(), settings);
    }

    /** Opens {@code auto}, {@code opencl-gpu[:device]}, {@code opencl-cpu[:device]} or {@code java}. */
    public static ConvCL open(String backend) {
        return open(BackendRequest.parse(backend), "requested through the API", Settings.fromSystem());
    }

    public static ConvCL open(BackendRequest request) {
        return open(request, "requested through the API", Settings.fromSystem());
    }

    private static ConvCL open(BackendRequest request, String source, Settings settings) {
        // Settings are checked before any device is opened: a bad value throws with nothing to release.
        Precision precision = precision(settings);
        java.util.List<io.github.convcl.backend.Candidate> candidates = new java.util.ArrayList<>(BackendSelector.discover());
        while (true) {
            BackendSelector.Selection s = BackendSelector.select(request, candidates);
            Backend b;
            try {
                b = s.chosen().open(settings);
            } catch (RuntimeException | LinkageError e) {
                if (!request.isAuto()) {
                    throw new io.github.convcl.backend.BackendUnavailableException("backend " + request + " could not be opened: " + e.getMessage(), e);
                }
                // A device that is listed but cannot be opened is a reason, like a missing driver: take the next one.
                LOG.warn("ConvCL could not open {} ({}); trying the next backend", s.chosen(), e.getMessage());
                int at = candidates.indexOf(s.chosen());
                candidates.set(at, io.github.convcl.backend.Candidate.unavailable(s.chosen().kind(), "could not be opened: " + e.getMessage()));
                continue;
            }
            LOG.info("ConvCL {} backend on {} ({}, {}); not chosen: {}", b.kind().id(), b.device(), s.reason(), source,
                    s.notChosen().isEmpty() ? "none" : String.join("; ", s.notChosen()));
            return new ConvCL(b, precision);
        }
    }

    /** A runtime on an already opened backend, which it then owns. */
    public static ConvCL on(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        Precision precision;
        try {
            precision = precision(Settings.fromSystem());
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        return new ConvCL(backend, precision);
    }

    public BackendKind backendKind() {
        return backend.kind();
    }

    public String device() {
        return backend.device();
    }

    public Backend backend() {
        return backend;
    }

    public FaultPolicy faultPolicy() {
        return faultPolicy;
    }

    public ConvCL faultPolicy(FaultPolicy policy) {
        this.faultPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** The precision of calls that do not choose one (see {@link Precision}); {@link Precision#FP32} by default. */
    public Precision precision() {
        return precision;
    }

    /** Sets the precision of calls that do not choose one, like PyTorch's {@code allow_tf32}. */
    public ConvCL precision(Precision p) {
        this.precision = Objects.requireNonNull(p, "precision");
        return this;
    }

    /** The settings' precision ({@code convcl.precision} or {@code CONVCL_PRECISION}), else FP32. */
    private static Precision precision(Settings settings) {
        String v = settings.precision();
        return v == null || v.isBlank() ? Precision.FP32 : Precision.parse(v.trim());
    }

    /** {@code spec} with this runtime's precision when the call chose none. */
    private ConvSpec resolved(ConvSpec spec) {
        return spec.precisionSet() || precision == Precision.FP32 ? spec : spec.withPrecision(precision);
    }

    public boolean isClosed() {
        return closed;
    }

    /** A tensor holding a copy of {@code data} in the given shape. */
    public Tensor tensor(float[] data, int... shape) {
        Objects.requireNonNull(data, "data");
        return tensor(FloatBuffer.wrap(data), shape);
    }

    /** A tensor holding a copy of {@code data.remaining()} values in the given shape. */
    public Tensor tensor(FloatBuffer data, int... shape) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(shape, "shape");
        long n = Shapes.elements("tensor", shape);
        if (data.remaining() != n) {
            throw new IllegalArgumentException("data has " + data.remaining() + " values, shape " + Arrays.toString(shape) + " needs " + n);
        }
        Tensor t = empty(shape);
        backend.write(t.buffer(), 0, data.duplicate());
        return t;
    }

    /** An uninitialised tensor of the given shape. */
    public Tensor empty(int... shape) {
        return empty(Layout.NCHW, shape);
    }

    /**
     * An uninitialised tensor of the given shape, kept in {@code layout} on the device. Its values read and write in
     * NCHW order as any tensor's; convolutions (input, output, residual) and pools take it, and the backend's kernels
     * on that layout read it without a reorder. {@link Layout#NCHW16C} needs a backend that {@link #supports} it, a
     * shape (N, C, spatial...) and C a multiple of 16.
     *
     * @throws IllegalArgumentException when the backend does not hold the layout or the shape does not fit it
     */
    public Tensor empty(Layout layout, int... shape) {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(shape, "shape");
        ensureOpen();
        long n = Shapes.elements("tensor", shape);
        if (layout != Layout.NCHW) {
            if (!backend.supports(layout)) {
                throw new IllegalArgumentException("layout " + layout + " is not held by " + backend.device() + "; it holds NCHW tensors");
            }
            if (shape.length < 3 || shape[1] % Layout.BLOCK != 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " in layout " + layout
                        + ": it needs (N, C, spatial...) with C a multiple of " + Layout.BLOCK);
            }
        }
        checkAllocation("tensor", shape, n);
        return new Tensor(this, shape, backend.allocate(n, layout));
    }

    /**
     * The layout this runtime's kernels run fastest on for activations with channels in 16s: {@link Layout#NCHW16C} on
     * the Java backend with 512-bit vectors, else NCHW. Networks keep their activations in it.
     */
    public Layout preferredLayout() {
        return backend.preferredLayout();
    }

    /** Whether this runtime's backend holds tensors in {@code layout} ({@link #empty(Layout, int...)}). */
    public boolean supports(Layout layout) {
        return backend.supports(Objects.requireNonNull(layout, "layout"));
    }

    private void checkAllocation(String what, int[] shape, long n) {
        long bytes = n * Float.BYTES;
        if (bytes > backend.maxAllocationBytes()) {
            throw new IllegalArgumentException(what + " shape " + Arrays.toString(shape) + " needs " + bytes
                    + " bytes, more than the largest allocation of " + backend.device() + " (" + backend.maxAllocationBytes() + " bytes)");
        }
    }

    /** Runs {@code spec} and returns a new output tensor; {@code bias} must be null exactly when the spec has none. */
    public Tensor conv(ConvSpec spec, Tensor input, Tensor weight, Tensor bias) {
        return conv(spec, input, weight, bias, EpilogueInputs.NONE);
    }

    /** Runs {@code spec} into an existing output tensor of {@code spec.outputShape()} (or a channel view of that shape). */
    public void conv(ConvSpec spec, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        conv(spec, input, weight, bias, EpilogueInputs.NONE, output);
    }

    /**
     * Runs {@code spec} with its fused epilogue, {@code y = activation(conv(x, w, b) * scale + shift + residual)}
     * ({@link io.github.convcl.spec.Epilogue}), reading {@code epilogue}'s tensors, into a new output tensor. The
     * epilogue is applied to each output before its one store.
     */
    public Tensor conv(ConvSpec spec, Tensor input, Tensor weight, Tensor bias, EpilogueInputs epilogue) {
        check(spec, input, weight, bias);
        checkEpilogue(spec, epilogue, null);
        checkAllocation("output", spec.outputShape(), spec.outputElements());
        return into(spec.outputShape(), out -> run(spec, input, weight, bias, epilogue, out));
    }

    /**
     * As {@link #conv(ConvSpec, Tensor, Tensor, Tensor, EpilogueInputs)} into {@code output}: a tensor of the output
     * shape, or a channel view of a larger one ({@link Tensor#channels}), so that concatenated branches need no copy.
     */
    public void conv(ConvSpec spec, Tensor input, Tensor weight, Tensor bias, EpilogueInputs epilogue, Tensor output) {
        checkInto(spec, input, weight, bias, epilogue, output);
        run(spec, input, weight, bias, epilogue, output);
    }

    /** The checks of a convolution into {@code output} (a tensor or a channel view), its operands and epilogue. */
    private void checkInto(ConvSpec spec, Tensor input, Tensor weight, Tensor bias, EpilogueInputs epilogue, Tensor output) {
        check(spec, input, weight, bias);
        Objects.requireNonNull(output, "output");
        checkView("output", output);
        if (!Arrays.equals(output.shape(), spec.outputShape())) {
            throw new IllegalArgumentException("output shape " + Arrays.toString(output.shape()) + " does not match "
                    + Arrays.toString(spec.outputShape()) + " expected by the spec");
        }
        checkEpilogue(spec, epilogue, output);
        for (Tensor t : new Tensor[] {input, weight, bias}) {
            if (t != null && t.buffer() == output.buffer()) {
                throw new IllegalArgumentException("output " + output + " shares its memory with an operand " + t + "; it must be distinct");
            }
        }
    }

    /**
     * As {@link #conv(ConvSpec, Tensor, Tensor, Tensor, EpilogueInputs, Tensor)} with {@code plan}, one of the backend's
     * {@link Backend#applicablePlans(ConvSpec)} for the spec at this runtime's precision, instead of the planner's
     * choice (as cuDNN lets a caller pick the algorithm): for tests and tuning.
     *
     * @throws IllegalArgumentException when the plan cannot run the spec here, naming both
     */
    public void conv(ConvSpec spec, io.github.convcl.plan.Plan plan, Tensor input, Tensor weight, Tensor bias, EpilogueInputs epilogue,
                     Tensor output) {
        Objects.requireNonNull(plan, "plan");
        checkInto(spec, input, weight, bias, epilogue, output);
        ConvSpec s = resolved(spec);
        io.github.convcl.plan.Planner.requireApplicable(s, backend.facts(), plan);
        backend.convolve(s, plan, input.buffer(), weight.buffer(), bias == null ? null : bias.buffer(), stage(epilogue, output), output.buffer());
    }

    private static io.github.convcl.backend.OutputStage stage(EpilogueInputs e, Tensor out) {
        return new io.github.convcl.backend.OutputStage(buffer(e.scale()), buffer(e.shift()), buffer(e.residual()), out.layoutChannels(),
                out.firstChannel());
    }

    /** The epilogue's tensors against the spec's epilogue: each one present exactly when its part is, of its shape. */
    private void checkEpilogue(ConvSpec spec, EpilogueInputs e, Tensor output) {
        Objects.requireNonNull(e, "epilogue");
        io.github.convcl.spec.Epilogue ep = spec.epilogue();
        int[] channels = {spec.outChannels()};
        checkPart("scale", e.scale(), ep.hasScale(), channels, ep, false);
        checkPart("shift", e.shift(), ep.hasShift(), channels, ep, false);
        checkPart("residual", e.residual(), ep.hasResidual(), spec.outputShape(), ep, true);
        if (output != null && e.residual() != null && e.residual().buffer() == output.buffer()) {
            throw new IllegalArgumentException("residual " + e.residual() + " and output " + output + " share memory; they must be distinct");
        }
    }

    /** One epilogue tensor; {@code anyLayout} for the residual, which is read as the output is written. */
    private void checkPart(String name, Tensor t, boolean wanted, int[] shape, io.github.convcl.spec.Epilogue ep, boolean anyLayout) {
        if (wanted && t == null) {
            throw new IllegalArgumentException(name + " is null but the epilogue " + ep + " reads one of shape " + Arrays.toString(shape));
        }
        if (!wanted && t != null) {
            throw new IllegalArgumentException(name + " tensor " + Arrays.toString(t.shape()) + " was given but the epilogue " + ep + " has no " + name);
        }
        if (t != null) {
            checkTensor(name, t, shape, anyLayout);
        }
    }

    /**
     * grad_input of {@code spec} (PyTorch's {@code torch.nn.grad.conv2d_input} and its kin): the gradient of the loss
     * with respect to the input, given {@code gradOutput} (the output's shape) and the weights. A new tensor of the
     * input's shape.
     */
    public Tensor gradInput(ConvSpec spec, Tensor gradOutput, Tensor weight) {
        checkGradInput(spec, gradOutput, weight);
        return into(spec.inputShape(), gx -> backend.gradInput(resolved(spec), null, gradOutput.buffer(), weight.buffer(), gx.buffer(), false));
    }

    /** As {@link #gradInput(ConvSpec, Tensor, Tensor)} into {@code gradInput}, or added to it with {@code accumulate}. */
    public void gradInput(ConvSpec spec, Tensor gradOutput, Tensor weight, Tensor gradInput, boolean accumulate) {
        checkGradInput(spec, gradOutput, weight);
        checkTensor("grad_input", Objects.requireNonNull(gradInput, "grad_input"), spec.inputShape());
        backend.gradInput(resolved(spec), null, gradOutput.buffer(), weight.buffer(), gradInput.buffer(), accumulate);
    }

    /**
     * grad_weight of {@code spec} ({@code torch.nn.grad.conv2d_weight}): the gradient with respect to the weights,
     * given the input and {@code gradOutput}. A new tensor of the weight's shape.
     */
    public Tensor gradWeight(ConvSpec spec, Tensor input, Tensor gradOutput) {
        checkGradWeight(spec, input, gradOutput);
        return into(spec.weightShape(), gw -> backend.gradWeight(resolved(spec), null, input.buffer(), gradOutput.buffer(), gw.buffer(), false));
    }

    /** As {@link #gradWeight(ConvSpec, Tensor, Tensor)} into {@code gradWeight}, or added to it with {@code accumulate}. */
    public void gradWeight(ConvSpec spec, Tensor input, Tensor gradOutput, Tensor gradWeight, boolean accumulate) {
        checkGradWeight(spec, input, gradOutput);
        checkTensor("grad_weight", Objects.requireNonNull(gradWeight, "grad_weight"), spec.weightShape());
        backend.gradWeight(resolved(spec), null, input.buffer(), gradOutput.buffer(), gradWeight.buffer(), accumulate);
    }

    /** grad_bias of {@code spec}: {@code gradOutput} summed over the batch and positions, one value per output channel. */
    public Tensor gradBias(ConvSpec spec, Tensor gradOutput) {
        checkGradOutput(spec, gradOutput);
        return into(new int[] {spec.outChannels()}, gb -> backend.gradBias(resolved(spec), gradOutput.buffer(), gb.buffer(), false));
    }

    /** As {@link #gradBias(ConvSpec, Tensor)} into {@code gradBias}, or added to it with {@code accumulate}. */
    public void gradBias(ConvSpec spec, Tensor gradOutput, Tensor gradBias, boolean accumulate) {
        checkGradOutput(spec, gradOutput);
        checkTensor("grad_bias", Objects.requireNonNull(gradBias, "grad_bias"), new int[] {spec.outChannels()});
        backend.gradBias(resolved(spec), gradOutput.buffer(), gradBias.buffer(), accumulate);
    }

    /**
     * Average pool of {@code input} ({@code torch.nn.functional.avg_pool2d} and its kin, {@link PoolSpec#avgPool}; the
     * global average pool is {@link PoolSpec#globalAvgPool}): a new tensor of the output shape.
     */
    public Tensor avgPool(PoolSpec spec, Tensor input) {
        checkAvgPool(spec, input);
        return into(spec.outputShape(), y -> backend.avgPool(spec, input.buffer(), y.buffer()));
    }

    /** Average pool of {@code input} into {@code output} (of the output shape). */
    public void avgPool(PoolSpec spec, Tensor input, Tensor output) {
        checkAvgPool(spec, input);
        checkTensor("output", Objects.requireNonNull(output, "output"), spec.outputShape(), true);
        distinct("input", input, "output", output);
        backend.avgPool(spec, input.buffer(), output.buffer());
    }

    /** {@code adaptive_avg_pool(input, 1)}: the mean of each plane, a new tensor (N, C, 1...). */
    public Tensor globalAvgPool(Tensor input) {
        Objects.requireNonNull(input, "input");
        checkUsable("input", input, true);
        return avgPool(PoolSpec.globalAvgPool(input.shape()), input);
    }

    private void checkAvgPool(PoolSpec spec, Tensor input) {
        checkPool(spec, input, "input", spec == null ? null : spec.inputShape(), true);
        if (!spec.average()) {
            throw new IllegalArgumentException("spec " + spec + " is a max-pool; avgPool takes PoolSpec.avgPool or PoolSpec.globalAvgPool");
        }
    }

    /** max-pool of {@code input} ({@code torch.nn.functional.max_pool2d} and its kin): a new tensor of the output shape. */
    public Tensor maxPool(PoolSpec spec, Tensor input) {
        checkPool(spec, input, "input", spec == null ? null : spec.inputShape(), true);
        checkMax(spec);
        return into(spec.outputShape(), y -> backend.maxPool(spec, input.buffer(), y.buffer(), null));
    }

    /**
     * max-pool of {@code input} into {@code output}, and, unless {@code indices} is null, each window's first maximum as a
     * flat position within its input plane ({@code return_indices=True}).
     */
    public void maxPool(PoolSpec spec, Tensor input, Tensor output, Tensor indices) {
        checkPool(spec, input, "input", spec == null ? null : spec.inputShape(), indices == null);
        checkMax(spec);
        checkTensor("output", Objects.requireNonNull(output, "output"), spec.outputShape(), indices == null);
        if (indices != null) {
            checkTensor("indices", indices, spec.outputShape());
            distinct("output", output, "indices", indices);
        }
        backend.maxPool(spec, input.buffer(), output.buffer(), indices == null ? null : indices.buffer());
    }

    /** max-pool's grad_input: {@code gradOutput} summed into the positions {@code indices} name; {@code gradInput} is overwritten. */
    public void maxPoolBackward(PoolSpec spec, Tensor gradOutput, Tensor indices, Tensor gradInput) {
        checkPool(spec, gradOutput, "grad_output", spec == null ? null : spec.outputShape());
        checkTensor("indices", Objects.requireNonNull(indices, "indices"), spec.outputShape());
        checkTensor("grad_input", Objects.requireNonNull(gradInput, "grad_input"), spec.inputShape());
        backend.maxPoolBackward(spec, gradOutput.buffer(), indices.buffer(), gradInput.buffer());
    }

    /**
     * max-unpool ({@code torch.nn.functional.max_unpool2d} with {@code output_size} the pooled input's): a new tensor of
     * {@code spec.inputShape()}, zero except where {@code indices} place {@code values}.
     */
    public Tensor maxUnpool(PoolSpec spec, Tensor values, Tensor indices) {
        checkPool(spec, values, "input", spec == null ? null : spec.outputShape());
        checkTensor("indices", Objects.requireNonNull(indices, "indices"), spec.outputShape());
        return into(spec.inputShape(), y -> backend.maxUnpool(spec, values.buffer(), indices.buffer(), y.buffer()));
    }

    /** As {@link #maxUnpool(PoolSpec, Tensor, Tensor)} into {@code output}. */
    public void maxUnpool(PoolSpec spec, Tensor values, Tensor indices, Tensor output) {
        checkPool(spec, values, "input", spec == null ? null : spec.outputShape());
        checkTensor("indices", Objects.requireNonNull(indices, "indices"), spec.outputShape());
        checkTensor("output", Objects.requireNonNull(output, "output"), spec.inputShape());
        backend.maxUnpool(spec, values.buffer(), indices.buffer(), output.buffer());
    }

    /** max-unpool's grad_input: {@code gradOutput} read at each position {@code indices} name. */
    public void maxUnpoolBackward(PoolSpec spec, Tensor gradOutput, Tensor indices, Tensor gradInput) {
        checkPool(spec, gradOutput, "grad_output", spec == null ? null : spec.inputShape());
        checkTensor("indices", Objects.requireNonNull(indices, "indices"), spec.outputShape());
        checkTensor("grad_input", Objects.requireNonNull(gradInput, "grad_input"), spec.outputShape());
        distinct("indices", indices, "grad_input", gradInput);
        backend.maxUnpoolBackward(spec, gradOutput.buffer(), indices.buffer(), gradInput.buffer());
    }

    private void checkPool(PoolSpec spec, Tensor t, String name, int[] shape) {
        checkPool(spec, t, name, shape, false);
    }

    private void checkPool(PoolSpec spec, Tensor t, String name, int[] shape, boolean anyLayout) {
        Objects.requireNonNull(spec, "spec");
        checkTensor(name, Objects.requireNonNull(t, name), shape, anyLayout);
    }

    private static void checkMax(PoolSpec spec) {
        if (spec.average()) {
            throw new IllegalArgumentException("spec " + spec + " is an average pool; use avgPool");
        }
    }

    /**
     * {@code F.mse_loss(output, target)} (mean) into {@code loss} (shape [1]), and, unless {@code gradOutput} is null,
     * its gradient with respect to {@code output} (of the output's shape). The loss stays on the device.
     */
    public void mseLoss(Tensor output, Tensor target, Tensor loss, Tensor gradOutput) {
        Objects.requireNonNull(output, "output");
        checkUsable("output", output);
        checkTensor("target", Objects.requireNonNull(target, "target"), output.shape());
        checkTensor("loss", Objects.requireNonNull(loss, "loss"), new int[] {1});
        distinct("output", output, "loss", loss);
        distinct("target", target, "loss", loss);
        if (gradOutput != null) {
            checkTensor("grad_output", gradOutput, output.shape());
            distinct("loss", loss, "grad_output", gradOutput);
        }
        backend.mseLoss(output.elements(), output.buffer(), target.buffer(), loss.buffer(), gradOutput == null ? null : gradOutput.buffer());
    }

    /**
     * One {@code torch.optim.Adam} update of {@code param} in place from {@code grad}, with the moment tensors {@code m}
     * and {@code v} (zeros before the first step) that it updates too. All four have the parameter's shape and are
     * distinct.
     */
    public void adam(AdamStep step, Tensor param, Tensor grad, Tensor m, Tensor v) {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(param, "param");
        checkUsable("param", param);
        Tensor[] all = {param, Objects.requireNonNull(grad, "grad"), Objects.requireNonNull(m, "m"), Objects.requireNonNull(v, "v")};
        String[] names = {"param", "grad", "m", "v"};
        for (int i = 1; i < all.length; i++) {
            checkTensor(names[i], all[i], param.shape());
            for (int j = 0; j < i; j++) {
                distinct(names[j], all[j], names[i], all[i]);
            }
        }
        backend.adam(step, param.buffer(), grad.buffer(), m.buffer(), v.buffer());
    }

    private static void distinct(String a, Tensor x, String b, Tensor y) {
        if (x == y || x.buffer() == y.buffer()) {
            throw new IllegalArgumentException(a + " and " + b + " are the same tensor " + Arrays.toString(x.shape()) + "; they must be distinct");
        }
    }

    /** A new tensor of {@code shape} that {@code fill} writes; closed again when {@code fill} fails. */
    private Tensor into(int[] shape, Consumer<Tensor> fill) {
        Tensor t = empty(shape);
        try {
            fill.accept(t);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    private void checkGradInput(ConvSpec spec, Tensor gradOutput, Tensor weight) {
        checkGradOutput(spec, gradOutput);
        checkTensor("weight", Objects.requireNonNull(weight, "weight"), spec.weightShape());
    }

    private void checkGradWeight(ConvSpec spec, Tensor input, Tensor gradOutput) {
        Objects.requireNonNull(spec, "spec");
        checkTensor("input", Objects.requireNonNull(input, "input"), spec.inputShape());
        checkGradOutput(spec, gradOutput);
    }

    private void checkGradOutput(ConvSpec spec, Tensor gradOutput) {
        Objects.requireNonNull(spec, "spec");
        if (!spec.epilogue().isNone()) {
            throw new IllegalArgumentException("epilogue=" + spec.epilogue() + ": the gradients are those of the convolution alone; "
                    + "pass the spec without it (spec.withEpilogue(Epilogue.NONE))");
        }
        Objects.requireNonNull(gradOutput, "grad_output");
        checkUsable("grad_output", gradOutput);
        if (!Arrays.equals(gradOutput.shape(), spec.outputShape())) {
            throw new IllegalArgumentException("grad_output shape " + Arrays.toString(gradOutput.shape()) + " does not match the output shape "
                    + Arrays.toString(spec.outputShape()) + " of " + spec);
        }
    }

    public Tensor conv1d(Tensor input, Tensor weight, Tensor bias, Consumer<ConvSpec.Builder> options) {
        return derived(ConvSpec.conv(1), input, weight, bias, options);
    }

    public Tensor conv2d(Tensor input, Tensor weight, Tensor bias, Consumer<ConvSpec.Builder> options) {
        return derived(ConvSpec.conv(2), input, weight, bias, options);
    }

    public Tensor conv3d(Tensor input, Tensor weight, Tensor bias, Consumer<ConvSpec.Builder> options) {
        return derived(ConvSpec.conv(3), input, weight, bias, options);
    }

    public Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, Consumer<ConvSpec.Builder> options) {
        return derived(ConvSpec.convTranspose(1), input, weight, bias, options);
    }

    public Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, Consumer<ConvSpec.Builder> options) {
        return derived(ConvSpec.convTranspose(2), input, weight, bias, options);
    }

    public Tensor convTranspose3d(Tensor input, Tensor weight, Tensor bias, Consumer<ConvSpec.Builder> options) {
        return derived(ConvSpec.convTranspose(3), input, weight, bias, options);
    }

    /** Derives the spec from the tensors' shapes, as PyTorch does, then runs it. */
    private Tensor derived(ConvSpec.Builder b, Tensor input, Tensor weight, Tensor bias, Consumer<ConvSpec.Builder> options) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(weight, "weight");
        checkUsable("input", input, true);
        checkUsable("weight", weight);
        b.input(input.shape()).weightShape(weight.shape()).bias(bias != null);
        if (options != null) {
            options.accept(b);
        }
        return conv(b.build(), input, weight, bias);
    }

    private void check(ConvSpec spec, Tensor input, Tensor weight, Tensor bias) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(weight, "weight");
        ensureOpen();
        checkTensor("input", input, spec.inputShape(), true);
        checkTensor("weight", weight, spec.weightShape());
        if (spec.hasBias()) {
            if (bias == null) {
                throw new IllegalArgumentException("bias is null but " + spec.op() + " was specified with bias=true (shape [" + spec.outChannels() + "])");
            }
            checkTensor("bias", bias, spec.biasShape());
        } else if (bias != null) {
            throw new IllegalArgumentException("bias of shape " + Arrays.toString(bias.shape()) + " was given but the spec has bias=false");
        }
    }

    private void checkTensor(String name, Tensor t, int[] expected) {
        checkTensor(name, t, expected, false);
    }

    /** As {@link #checkTensor(String, Tensor, int[])}; {@code anyLayout} accepts a channel-blocked tensor too. */
    private void checkTensor(String name, Tensor t, int[] expected, boolean anyLayout) {
        checkUsable(name, t, anyLayout);
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(name + " shape " + Arrays.toString(t.shape()) + " does not match " + Arrays.toString(expected)
                    + " expected by the spec");
        }
    }

    void checkUsable(String name, Tensor t) {
        checkUsable(name, t, false);
    }

    /**
     * An open tensor of this runtime and no channel view; unless {@code anyLayout}, in {@link Layout#NCHW} (only
     * convolutions' inputs, outputs and residuals, and pools' inputs and outputs, take other layouts).
     */
    void checkUsable(String name, Tensor t, boolean anyLayout) {
        checkView(name, t);
        if (t.isView()) {
            throw new IllegalArgumentException(name + " " + t + " is a channel view: only a convolution's output may be one");
        }
        if (!anyLayout && t.layout() != Layout.NCHW) {
            throw new IllegalArgumentException(name + " " + t + " has layout " + t.layout()
                    + ": this operation takes NCHW tensors (convolution inputs, outputs and residuals, and pools, take any layout)");
        }
    }

    /** As {@link #checkUsable}, accepting a channel view. */
    void checkView(String name, Tensor t) {
        ensureOpen();
        if (t.owner() != this) {
            throw new IllegalArgumentException(name + " tensor " + Arrays.toString(t.shape()) + " belongs to another runtime");
        }
        if (t.isClosed()) {
            throw new IllegalArgumentException(name + " tensor " + Arrays.toString(t.shape()) + " is closed");
        }
    }

    private void run(ConvSpec requested, Tensor input, Tensor weight, Tensor bias, EpilogueInputs e, Tensor out) {
        ConvSpec spec = resolved(requested);
        io.github.convcl.backend.OutputStage stage = stage(e, out);
        try {
            backend.convolve(spec, input.buffer(), weight.buffer(), bias == null ? null : bias.buffer(), stage, out.buffer());
        } catch (DeviceFaultException ex) {
            if (faultPolicy == FaultPolicy.FAIL || backend.kind() == BackendKind.JAVA) {
                throw ex;
            }
            LOG.warn("{} failed on {} ({}); finishing {} on the Java backend", backend.algorithm(spec), backend.device(),
                    ex.getMessage(), spec.op());
            float[] y = new float[Math.toIntExact(spec.outputElements())];
            JavaKernels.run(Planner.plan(spec, JavaBackend.facts(Settings.JavaChoices.PLANNER)), spec, input.toArray(), weight.toArray(),
                    bias == null ? null : bias.toArray(), array(e.scale()), array(e.shift()), array(e.residual()), spec.outChannels(), 0, y);
            writeInto(out, y);
        }
    }

    private static io.github.convcl.backend.DeviceBuffer buffer(Tensor t) {
        return t == null ? null : t.buffer();
    }

    private static float[] array(Tensor t) {
        return t == null ? null : t.toArray();
    }

    /** Uploads the dense values {@code y} of {@code out}'s shape into {@code out}, a tensor or a channel view. */
    private void writeInto(Tensor out, float[] y) {
        if (!out.isView()) {
            out.write(y);
            return;
        }
        int[] shape = out.shape();
        int run = y.length / Math.max(1, shape[0]);
        long image = (long) out.layoutChannels() * (run / shape[1]);
        for (int n = 0; n < shape[0]; n++) {
            backend.write(out.buffer(), n * image + (long) out.firstChannel() * (run / shape[1]), FloatBuffer.wrap(y, n * run, run));
        }
    }

    /** End to end from and to Java arrays: uploads, runs, downloads, frees. {@code bias} may be null. */
    public float[] convolve(ConvSpec spec, float[] input, float[] weight, float[] bias) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(weight, "weight");
        checkLength("input", input, spec.inputElements());
        checkLength("weight", weight, spec.weightElements());
        if (spec.hasBias()) {
            Objects.requireNonNull(bias, "bias");
            checkLength("bias", bias, spec.outChannels());
        } else if (bias != null) {
            throw new IllegalArgumentException("bias of " + bias.length + " values was given but the spec has bias=false");
        }
        io.github.convcl.spec.Epilogue ep = spec.epilogue();
        if (ep.hasScale() || ep.hasShift() || ep.hasResidual()) {
            throw new IllegalArgumentException("epilogue=" + ep + " reads tensors: run it with conv(spec, input, weight, bias, EpilogueInputs)");
        }
        if (backend.kind() == BackendKind.JAVA) {
            // The Java backend's buffers are arrays: it reads the caller's arrays in place (they are only read) and
            // writes the result into the array it returns, with no copy in or out.
            ensureOpen();
            checkAllocation("output", spec.outputShape(), spec.outputElements());
            ConvSpec s = resolved(spec);
            float[] y = new float[Math.toIntExact(spec.outputElements())];
            JavaKernels.run(backend.plan(s), s, input, weight, spec.hasBias() ? bias : null, y);
            return y;
        }
        try (Tensor x = tensor(input, spec.inputShape());
             Tensor w = tensor(weight, spec.weightShape());
             Tensor b = spec.hasBias() ? tensor(bias, spec.biasShape()) : null;
             Tensor y = conv(spec, x, w, b)) {
            return y.toArray();
        }
    }

    private static void checkLength(String name, float[] a, long expected) {
        if (a.length != expected) {
            throw new IllegalArgumentException(name + " has " + a.length + " values, the spec needs " + expected);
        }
    }

    /** The plan (algorithm, micro-kernel, tiling) the backend runs for {@code spec} at this runtime's precision. */
    public io.github.convcl.plan.Plan plan(ConvSpec spec) {
        return backend.plan(resolved(spec));
    }

    /** The plan the backend runs for {@code pass} of {@code spec} at this runtime's precision. */
    public io.github.convcl.plan.Plan plan(ConvSpec spec, io.github.convcl.spec.Pass pass) {
        return backend.plan(resolved(spec), pass);
    }

    /** The algorithm the backend uses for {@code spec}. */
    public String algorithm(ConvSpec spec) {
        return backend.algorithm(resolved(spec));
    }

    /** Waits for all submitted device work. */
    public void finish() {
        ensureOpen();
        backend.finish();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalArgumentException("this ConvCL runtime is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            backend.close();
        }
    }
}
