// The contract every backend fulfils: storage, transfers and convolution of validated specs.
package io.github.convcl.backend;

import io.github.convcl.plan.BackendKind;

import io.github.convcl.spec.Adjoint;
import io.github.convcl.spec.ConvSpec;
import java.nio.FloatBuffer;

/**
 * A place convolutions and the {@link LayerOps} run: the pure-Java backend or one OpenCL device. It receives only validated
 * {@link ConvSpec}s and buffers it allocated itself; it never re-validates shapes.
 * Implementations are safe to call from several threads.
 */
public interface Backend extends LayerOps, AutoCloseable {
    BackendKind kind();

    /** A short human description of the device, for example "NVIDIA H100 80GB HBM3 (NVIDIA CUDA)". */
    String device();

    /** The largest single buffer in bytes this backend can hold. */
    long maxAllocationBytes();

    DeviceBuffer allocate(long elements);

    /** Whether tensors in {@code layout} can live here ({@link #allocate(long, io.github.convcl.spec.Layout)}). */
    default boolean supports(io.github.convcl.spec.Layout layout) {
        return layout == io.github.convcl.spec.Layout.NCHW;
    }

    /** The layout this backend's kernels run fastest on for activations with channels in 16s (NCHW unless it has better). */
    default io.github.convcl.spec.Layout preferredLayout() {
        return io.github.convcl.spec.Layout.NCHW;
    }

    /**
     * A buffer for a tensor kept in {@code layout}: the operations that read or write it follow the layout. Only for a
     * layout this backend {@link #supports}.
     */
    default DeviceBuffer allocate(long elements, io.github.convcl.spec.Layout layout) {
        if (!supports(layout)) {
            throw new IllegalArgumentException("layout " + layout + " is not held by " + device());
        }
        return allocate(elements);
    }

    /** Copies {@code src.remaining()} floats into {@code dst} at element {@code offset}. */
    void write(DeviceBuffer dst, long offset, FloatBuffer src);

    /** Copies {@code dst.remaining()} floats from {@code src} at element {@code offset}. */
    void read(DeviceBuffer src, long offset, FloatBuffer dst);

    /** Computes {@code out = conv(in, weight) + bias}; {@code bias} is null when the spec has none. */
    default void convolve(ConvSpec spec, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, DeviceBuffer out) {
        convolve(spec, in, weight, bias, OutputStage.NONE, out);
    }

    /**
     * Computes {@code out = epilogue(conv(in, weight) + bias)} with the planner's plan, the spec's epilogue reading the
     * stage's arrays, into the stage's channel slice of {@code out}.
     */
    void convolve(ConvSpec spec, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, OutputStage stage, DeviceBuffer out);

    /** The algorithm this backend would use for {@code spec}, for reports. */
    String algorithm(ConvSpec spec);

    /** The plan this backend runs for {@code spec}: algorithm, micro-kernel and tiling. */
    io.github.convcl.plan.Plan plan(ConvSpec spec);

    /** Every plan that can run {@code spec} here (the planner's choice among them), for tests, tuning and verify. */
    java.util.List<io.github.convcl.plan.Plan> applicablePlans(ConvSpec spec);

    /** The facts this backend's plans are made with (device, threads, forced choices, tuned plans). */
    io.github.convcl.plan.DeviceFacts facts();

    /** The plan this backend runs for {@code pass} of {@code spec}. */
    default io.github.convcl.plan.Plan plan(ConvSpec spec, io.github.convcl.spec.Pass pass) {
        return io.github.convcl.plan.Planner.plan(spec, pass, facts());
    }

    /** Every plan that can run {@code pass} of {@code spec} here (the planner's choice among them). */
    default java.util.List<io.github.convcl.plan.Plan> applicablePlans(ConvSpec spec, io.github.convcl.spec.Pass pass) {
        return io.github.convcl.plan.Planner.applicable(spec, pass, facts());
    }

    /** Runs {@code spec} with a given plan, one of {@link #applicablePlans}. */
    default void convolve(ConvSpec spec, io.github.convcl.plan.Plan plan, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, DeviceBuffer out) {
        convolve(spec, plan, in, weight, bias, OutputStage.NONE, out);
    }

    /** Runs {@code spec} with a given plan, one of {@link #applicablePlans}, storing through {@code stage}. */
    void convolve(ConvSpec spec, io.github.convcl.plan.Plan plan, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, OutputStage stage,
                  DeviceBuffer out);

    /** Uploads, runs {@code plan}, downloads and frees: for checks, not for speed. {@code bias} may be null. */
    default float[] convolveArrays(ConvSpec spec, io.github.convcl.plan.Plan plan, float[] x, float[] w, float[] bias) {
        return convolveArrays(spec, plan, x, w, bias, null, null, null);
    }

    /**
     * As {@link #convolveArrays(ConvSpec, io.github.convcl.plan.Plan, float[], float[], float[])} with the epilogue's
     * arrays (null where the spec's epilogue has no such part).
     */
    default float[] convolveArrays(ConvSpec spec, io.github.convcl.plan.Plan plan, float[] x, float[] w, float[] bias, float[] scale,
                                   float[] shift, float[] residual) {
        try (DeviceBuffer bx = upload(x); DeviceBuffer bw = upload(w); DeviceBuffer bb = upload(bias); DeviceBuffer bs = upload(scale);
             DeviceBuffer bt = upload(shift); DeviceBuffer br = upload(residual); DeviceBuffer by = allocate(spec.outputElements())) {
            convolve(spec, plan, bx, bw, bb, new OutputStage(bs, bt, br, 0, 0), by);
            float[] y = new float[Math.toIntExact(spec.outputElements())];
            read(by, 0, java.nio.FloatBuffer.wrap(y));
            return y;
        }
    }

    /** A new buffer holding {@code a}, or null for null. */
    private DeviceBuffer upload(float[] a) {
        if (a == null) {
            return null;
        }
        DeviceBuffer b = allocate(a.length);
        write(b, 0, java.nio.FloatBuffer.wrap(a));
        return b;
    }

    /**
     * grad_input of {@code spec} for {@code gradOutput}: written to {@code gradInput}, or added to it with
     * {@code accumulate}. It runs {@code plan}, a backward-data plan of {@link #applicablePlans(ConvSpec,
     * io.github.convcl.spec.Pass)} (null: the planner's), which is a forward plan of {@link Adjoint#dataSpec}, then the
     * steps the adjoint needs: weights flipped ({@link Adjoint#flipsWeights}), padding folded back
     * ({@link Adjoint#foldsPadding}), positions past the input dropped.
     */
    void gradInput(ConvSpec spec, io.github.convcl.plan.Plan plan, DeviceBuffer gradOutput, DeviceBuffer weight, DeviceBuffer gradInput,
                   boolean accumulate);

    /**
     * grad_weight of {@code spec}: written to {@code gradWeight}, or added to it with {@code accumulate}, by {@code plan}
     * (a backward-weight plan; null: the planner's).
     */
    void gradWeight(ConvSpec spec, io.github.convcl.plan.Plan plan, DeviceBuffer input, DeviceBuffer gradOutput, DeviceBuffer gradWeight,
                    boolean accumulate);

    /** grad_bias of {@code spec} (grad_output summed per output channel): written to {@code gradBias}, or added to it. */
    void gradBias(ConvSpec spec, DeviceBuffer gradOutput, DeviceBuffer gradBias, boolean accumulate);

    /** Blocks until all submitted work is done. */
    void finish();

    @Override
    void close();
}
