// The OpenCL backend: plans a call, hands the plan to its kernel family's launcher on the device's context.
package io.github.convcl.opencl;

import io.github.convcl.backend.Backend;
import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.backend.DeviceFaultException;
import io.github.convcl.config.Settings;
import io.github.convcl.opencl.Launcher.ClLayer;
import io.github.convcl.opencl.Launcher.Operands;
import io.github.convcl.plan.BackendKind;
import io.github.convcl.plan.DeviceFacts;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.plan.TuningTable;
import io.github.convcl.spec.ConvSpec;
import java.nio.FloatBuffer;
import java.util.List;
import org.jocl.CLException;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs convolutions on one OpenCL device: a thin dispatcher. {@link ClContext} owns the device's objects and releases
 * them on {@link #close()}; the planner decides every plan with this device's facts; one {@link Launcher} per kernel
 * family ({@link DirectLauncher}, {@link DepthwiseLauncher}, {@link CpuTileLauncher}, {@link ImplicitGemmLauncher},
 * {@link WinogradLauncher}) launches it.
 */
public final class OpenClBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(OpenClBackend.class);

    private final ClDevice device;
    private final ClContext cx;
    private volatile DeviceFacts facts;
    private final Launcher direct;
    private final Launcher depthwise;
    private final Launcher cpuTile;
    private final ImplicitGemmLauncher implicitGemm;
    private final Launcher winograd;
    private final GradLauncher grad;
    private final LayerLauncher layers;

    /** Opens {@code device} with this process's settings ({@link Settings#fromSystem()}). */
    public OpenClBackend(ClDevice device) {
        this(device, Settings.fromSystem());
    }

    public OpenClBackend(ClDevice device, Settings settings) {
        this.device = device;
        this.cx = new ClContext(device, settings);
        this.facts = device.facts(settings.tensorCores())
                .withTuned(TuningTable.lookup(device.name(), device.driverVersion(), settings.tuningFile()))
                .withGemm(settings.gemm());
        this.direct = new DirectLauncher(cx);
        this.depthwise = new DepthwiseLauncher(cx);
        this.cpuTile = new CpuTileLauncher(cx);
        this.implicitGemm = new ImplicitGemmLauncher(cx, () -> facts);
        this.winograd = new WinogradLauncher(cx, () -> facts, this::launch);
        this.grad = new GradLauncher(cx);
        this.layers = new LayerLauncher(cx);
    }

    public ClDevice clDevice() {
        return device;
    }

    @Override
    public BackendKind kind() {
        return device.kind();
    }

    @Override
    public String device() {
        return device.label();
    }

    @Override
    public long maxAllocationBytes() {
        return device.maxAllocationBytes();
    }

    @Override
    public DeviceBuffer allocate(long elements) {
        return cx.allocate(elements);
    }

    @Override
    public void write(DeviceBuffer dst, long offset, FloatBuffer src) {
        cx.write(dst, offset, src);
    }

    @Override
    public void read(DeviceBuffer src, long offset, FloatBuffer dst) {
        cx.read(src, offset, dst);
    }

    @Override
    public String algorithm(ConvSpec spec) {
        return plan(spec).toString();
    }

    @Override
    public Plan plan(ConvSpec spec) {
        return Planner.plan(spec, facts);
    }

    /** The planner's facts for this device, with its tuned plans. */
    @Override
    public DeviceFacts facts() {
        return facts;
    }

    /** Replaces the tuned plans (after `convcl tune`). */
    public void tuned(java.util.Map<String, Plan> plans) {
        this.facts = facts.withTuned(plans);
    }

    @Override
    public void convolve(ConvSpec s, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, io.github.convcl.backend.OutputStage stage,
                         DeviceBuffer out) {
        Plan p = plan(s);
        if (p.algorithm().inlinePtx()) {
            try {
                run(s, p, in, weight, bias, stage, out);
                return;
            } catch (DeviceFaultException e) {
                if (!(e.getCause() instanceof ClContext.BuildException)) {
                    throw e;
                }
                refuseTensorCores(e.getCause().getMessage());
            }
            p = plan(s);
        }
        run(s, p, in, weight, bias, stage, out);
    }

    /**
     * The compiler refused the inline PTX: one WARN, then the planner offers only the FP32 kernels without PTX on this
     * device (no tensor cores, no cp.async).
     */
    private void refuseTensorCores(String why) {
        synchronized (cx.lock()) {
            if (facts.tensorCores() == DeviceFacts.TensorCores.NONE) {
                return;
            }
            facts = facts.withTensorCores(DeviceFacts.TensorCores.NONE);
        }
        String first = why.lines().findFirst().orElse(why);
        LOG.warn("{} refused the tensor-core (inline PTX) kernels; using the FP32 kernels on it from now on: {}", device.name(), first);
    }

    @Override
    public List<Plan> applicablePlans(ConvSpec spec) {
        return Planner.applicable(spec, facts);
    }

    @Override
    public void convolve(ConvSpec s, Plan plan, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias,
                         io.github.convcl.backend.OutputStage stage, DeviceBuffer out) {
        run(s, Planner.requireApplicable(s, facts, plan), in, weight, bias, stage, out);
    }

    /** Runs a plan the planner made for {@code s} into its own dense output, without epilogue arrays. */
    private void run(ConvSpec s, Plan plan, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, DeviceBuffer out) {
        run(s, plan, in, weight, bias, io.github.convcl.backend.OutputStage.NONE, out);
    }

    /** Runs a plan the planner made for {@code s}, storing through {@code stage}. */
    private void run(ConvSpec s, Plan plan, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias,
                     io.github.convcl.backend.OutputStage stage, DeviceBuffer out) {
        if (s.outputElements() == 0) {
            return;
        }
        ClContext.ClBuffer none = cx.noBias();
        io.github.convcl.spec.Epilogue ep = s.epilogue();
        int parts = (ep.hasScale() ? 1 : 0) | (ep.hasShift() ? 2 : 0) | (ep.hasResidual() ? 4 : 0);
        Operands o = new Operands(in, weight, bias == null ? none : (ClContext.ClBuffer) bias, bias == null ? 0 : 1, out,
                ep.hasScale() ? (ClContext.ClBuffer) stage.scale() : none, ep.hasShift() ? (ClContext.ClBuffer) stage.shift() : none,
                ep.hasResidual() ? (ClContext.ClBuffer) stage.residual() : none,
                new int[] {ep.activation().code(), parts, stage.channels(s), stage.first()}, ep.slope());
        synchronized (cx.lock()) {
            cx.ensureOpen();
            try {
                Faults.check(Faults.Point.ALLOCATION);
                launch(ClLayer.of(s), plan, o);
            } catch (CLException e) {
                throw new DeviceFaultException(plan.algorithm().label() + " on " + device.name() + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** Hands {@code plan} to its family's launcher; lock held. */
    private void launch(ClLayer layer, Plan plan, Operands o) {
        Launcher l = switch (plan.algorithm().family()) {
            case CL_DIRECT -> direct;
            case CL_DEPTHWISE -> depthwise;
            case CL_CPU_TILE -> cpuTile;
            case CL_IMPLICIT_GEMM -> implicitGemm;
            case CL_WINOGRAD -> winograd;
            default -> throw new IllegalStateException("not an OpenCL algorithm: " + plan.algorithm());
        };
        l.run(layer, plan, o);
    }

    @Override
    public void gradInput(ConvSpec spec, Plan plan, DeviceBuffer gradOutput, DeviceBuffer weight, DeviceBuffer gradInput,
                          boolean accumulate) {
        ConvSpec a = io.github.convcl.spec.Adjoint.dataSpec(spec);
        io.github.convcl.spec.Pass pass = io.github.convcl.spec.Pass.BACKWARD_DATA;
        Plan p = (plan == null ? Planner.plan(spec, pass, facts) : Planner.requireApplicable(spec, pass, facts, plan))
                .forPass(io.github.convcl.spec.Pass.FORWARD);
        boolean fold = io.github.convcl.spec.Adjoint.foldsPadding(spec);
        boolean crop = !java.util.Arrays.equals(a.outputShape(), spec.inputShape());
        if (io.github.convcl.spec.Adjoint.flipsWeights(spec)) {
            // Held across the flip and the convolution: the flipped weights live in this context's scratch.
            synchronized (cx.lock()) {
                cx.ensureOpen();
                DeviceBuffer flipped = cx.scratch(ClContext.Scratch.FLIPPED_WEIGHTS, spec.weightElements());
                locked("grad_input weight flip", () -> grad.flip(spec, weight, flipped));
                if (!accumulate) {
                    run(a, p, gradOutput, flipped, null, gradInput);
                    return;
                }
                try (DeviceBuffer z = cx.allocate(Math.max(1, a.outputElements()))) {
                    run(a, p, gradOutput, flipped, null, z);
                    locked("grad_input add", () -> grad.fold(spec, a.outputSize(), z, gradInput, false, true));
                }
                return;
            }
        }
        if (!fold && !crop && !accumulate) {
            run(a, p, gradOutput, weight, null, gradInput);
            return;
        }
        // The adjoint's output (the padded input's gradient, or more positions than the input) is folded back.
        try (DeviceBuffer z = cx.allocate(Math.max(1, a.outputElements()))) {
            run(a, p, gradOutput, weight, null, z);
            locked("grad_input fold", () -> grad.fold(spec, a.outputSize(), z, gradInput, fold, accumulate));
        }
    }

    @Override
    public void gradWeight(ConvSpec spec, Plan plan, DeviceBuffer input, DeviceBuffer gradOutput, DeviceBuffer gradWeight, boolean accumulate) {
        io.github.convcl.spec.Pass pass = io.github.convcl.spec.Pass.BACKWARD_WEIGHT;
        Plan p = plan == null ? Planner.plan(spec, pass, facts) : Planner.requireApplicable(spec, pass, facts, plan);
        locked("grad_weight", () -> {
            switch (p.algorithm()) {
                case CL_WEIGHT_DIRECT -> grad.weight(spec, input, gradOutput, gradWeight, accumulate);
                case CL_WEIGHT_GEMM -> grad.weightGemm(spec, ((io.github.convcl.plan.ClWeightSplit) p.variant()).splits(), input, gradOutput,
                        gradWeight, accumulate);
                default -> throw new IllegalStateException("not an OpenCL grad_weight algorithm: " + p);
            }
        });
    }

    @Override
    public void gradBias(ConvSpec spec, DeviceBuffer gradOutput, DeviceBuffer gradBias, boolean accumulate) {
        locked("grad_bias", () -> grad.bias(spec, gradOutput, gradBias, accumulate));
    }

    @Override
    public void maxPool(io.github.convcl.spec.PoolSpec s, DeviceBuffer in, DeviceBuffer out, DeviceBuffer indices) {
        locked("max_pool", () -> layers.maxPool(s, in, out, indices, cx.device().kind() == BackendKind.OPENCL_CPU));
    }

    /** Max-pool with the kernel either kind of device runs ({@code rows}: a CPU's), so that tests check both on one. */
    void maxPool(io.github.convcl.spec.PoolSpec s, DeviceBuffer in, DeviceBuffer out, DeviceBuffer indices, boolean rows) {
        locked("max_pool", () -> layers.maxPool(s, in, out, indices, rows));
    }

    @Override
    public void avgPool(io.github.convcl.spec.PoolSpec s, DeviceBuffer in, DeviceBuffer out) {
        locked("avg_pool", () -> layers.avgPool(s, in, out));
    }

    @Override
    public void maxPoolBackward(io.github.convcl.spec.PoolSpec s, DeviceBuffer gradOut, DeviceBuffer indices, DeviceBuffer gradIn) {
        locked("max_pool backward", () -> layers.gather(s, gradOut, indices, gradIn, false));
    }

    @Override
    public void maxUnpool(io.github.convcl.spec.PoolSpec s, DeviceBuffer values, DeviceBuffer indices, DeviceBuffer out) {
        locked("max_unpool", () -> layers.gather(s, values, indices, out, true));
    }

    @Override
    public void maxUnpoolBackward(io.github.convcl.spec.PoolSpec s, DeviceBuffer gradOut, DeviceBuffer indices, DeviceBuffer gradValues) {
        locked("max_unpool backward", () -> layers.unpoolBackward(s, gradOut, indices, gradValues));
    }

    @Override
    public void mseLoss(long n, DeviceBuffer out, DeviceBuffer target, DeviceBuffer loss, DeviceBuffer gradOut) {
        locked("mse_loss", () -> layers.mse(Math.toIntExact(n), out, target, loss, gradOut));
    }

    @Override
    public void adam(io.github.convcl.spec.AdamStep step, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v) {
        locked("adam", () -> layers.adam(step, param, grad, m, v));
    }

    /** Runs {@code body} with the context's lock held; a failed OpenCL call becomes a {@link DeviceFaultException}. */
    private void locked(String what, Runnable body) {
        synchronized (cx.lock()) {
            cx.ensureOpen();
            try {
                body.run();
            } catch (CLException e) {
                throw new DeviceFaultException(what + " on " + device.name() + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** The build options of implicit_gemm.cl for a plan on this device, without the layer's. */
    public String gemmBuildOptions(Plan plan) {
        return implicitGemm.gemmBuildOptions(plan);
    }

    /** Builds a kernel into this backend's cache outside a convolution, for probes and checks. */
    public void withKernel(String file, String options, String name, java.util.function.Consumer<cl_kernel> body) {
        cx.withKernel(file, options, name, body);
    }

    /** Builds (once) and returns a kernel of this backend; call with {@link #lock()} held. */
    cl_kernel kernel(String file, String options, String name) {
        return cx.kernel(file, options, name);
    }

    public cl_command_queue queue() {
        return cx.queue();
    }

    /** The lock every use of this backend's kernels and queue holds. */
    Object lock() {
        return cx.lock();
    }

    public cl_context context() {
        return cx.context();
    }

    /** The cl_mem behind a buffer of this backend. */
    public static cl_mem mem(DeviceBuffer b) {
        return ClContext.mem(b);
    }

    @Override
    public void finish() {
        cx.finish();
    }

    @Override
    public void close() {
        cx.close();
    }
}
