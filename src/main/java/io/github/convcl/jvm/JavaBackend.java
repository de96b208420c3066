// The pure-Java backend: always available, tensors in heap float arrays.
package io.github.convcl.jvm;

import io.github.convcl.backend.Backend;
import io.github.convcl.config.Settings;
import io.github.convcl.plan.BackendKind;
import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.plan.DeviceFacts;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Layout;
import io.github.convcl.spec.Shapes;
import java.nio.FloatBuffer;

/**
 * Runs every convolution on the JVM's cores; needs no native code. A call spreads over {@link #threads()} threads,
 * a process-wide count: one per core unless the settings it opens with ({@code convcl.threads} or
 * {@code CONVCL_THREADS}) say otherwise, changed at run time with {@link #setThreads}.
 */
public final class JavaBackend implements Backend {
    private static final java.util.concurrent.atomic.AtomicBoolean ADVISED = new java.util.concurrent.atomic.AtomicBoolean();

    private final Settings settings;

    /** Opens with this process's settings ({@link Settings#fromSystem()}). */
    public JavaBackend() {
        this(Settings.fromSystem());
    }

    /**
     * Opens with {@code settings}: their thread count and worker spin apply to the whole process.
     *
     * @throws IllegalArgumentException when the settings' thread count is not a whole number from 1 to 1024
     */
    public JavaBackend(Settings settings) {
        this.settings = settings;
        if (settings.threads() != null) {
            Parallel.setThreads(Parallel.parse(settings.threads()));
        }
        Parallel.setLingerMicros(settings.lingerMicros());
        if (!Gemm.VECTOR && !CpuInfo.vectorApiUsable() && ADVISED.compareAndSet(false, true)) {
            org.slf4j.LoggerFactory.getLogger(JavaBackend.class).warn("The JDK's Vector API is not resolved, so the Java kernels "
                    + "run their portable form (about 3x slower on dense layers); start the JVM with --add-modules jdk.incubator.vector");
        }
    }

    /**
     * Bits of the vectors every Java kernel of this JVM runs: 512 (AVX-512, or {@code -Dconvcl.vectorBits=512}), 256,
     * or 0 where the Vector API is not resolved (the portable kernels). Fixed when the JVM starts.
     */
    public static int vectorBits() {
        return Gemm.VECTOR ? Gemm.LANES * Float.SIZE : 0;
    }

    /** Threads each Java call spreads over, in this process. */
    public static int threads() {
        return Parallel.threads();
    }

    /** "1 thread" or "N threads", as the CLI and {@link #device()} print a count. */
    public static String threadsText(int n) {
        return n == 1 ? "1 thread" : n + " threads";
    }

    /**
     * Sets the threads each Java call spreads over, in this process; 1 runs each call on its calling thread alone. A call
     * under way takes the new count from its next parallel step; results do not depend on the count.
     *
     * @throws IllegalArgumentException unless {@code threads} is from 1 to 1024
     */
    public static void setThreads(int threads) {
        Parallel.setThreads(threads);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.JAVA;
    }

    @Override
    public String device() {
        return "Java " + Runtime.version().feature() + ", " + threadsText(Parallel.threads());
    }

    @Override
    public long maxAllocationBytes() {
        return Shapes.MAX_ELEMENTS * Float.BYTES;
    }

    @Override
    public DeviceBuffer allocate(long elements) {
        return new HeapBuffer(elements, Layout.NCHW);
    }

    /** Both layouts: {@link Layout#NCHW16C} runs blocked kernels where they exist (see {@link #preferredLayout}), else a reorder. */
    @Override
    public boolean supports(Layout layout) {
        return true;
    }

    @Override
    public DeviceBuffer allocate(long elements, Layout layout) {
        return new HeapBuffer(elements, layout);
    }

    /**
     * {@link Layout#NCHW16C} with 512-bit vectors, where the blocked pointwise, Winograd and direct kernels run (a
     * position's 16 channels are one vector); NCHW otherwise, where a blocked operand would only be reordered.
     */
    @Override
    public Layout preferredLayout() {
        return Gemm.VECTOR && Gemm.LANES == Layout.BLOCK ? Layout.NCHW16C : Layout.NCHW;
    }

    @Override
    public void write(DeviceBuffer dst, long offset, FloatBuffer src) {
        HeapBuffer b = (HeapBuffer) dst;
        b.written();
        src.get(b.data, Math.toIntExact(offset), src.remaining());
        b.written();
    }

    @Override
    public void read(DeviceBuffer src, long offset, FloatBuffer dst) {
        dst.put(((HeapBuffer) src).data, Math.toIntExact(offset), dst.remaining());
    }

    @Override
    public void convolve(ConvSpec spec, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, io.github.convcl.backend.OutputStage stage,
                         DeviceBuffer out) {
        run(null, spec, in, weight, bias, stage, out);
    }

    /**
     * Runs {@code p}, or with null the planner's choice: its NCHW plan, or where an operand is channel-blocked the
     * blocked kernel it picks ({@code Blocked}).
     */
    private void run(io.github.convcl.plan.Plan p, ConvSpec spec, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias,
                     io.github.convcl.backend.OutputStage stage, DeviceBuffer out) {
        ((HeapBuffer) out).written();
        Layout rl = stage.residual() == null ? Layout.NCHW : stage.residual().layout();
        if (in.layout() != Layout.NCHW || out.layout() != Layout.NCHW || rl != Layout.NCHW) {
            Blocked.convolve(p, spec, facts(), data(in), in.layout(), data(weight), bias == null ? null : data(bias), (HeapBuffer) weight,
                    array(stage.scale()), array(stage.shift()), array(stage.residual()), rl, stage.channels(spec), stage.first(), data(out),
                    out.layout());
            ((HeapBuffer) out).written();
            return;
        }
        Store st = Store.of(spec, array(stage.scale()), array(stage.shift()), array(stage.residual()), stage.channels(spec), stage.first());
        JavaKernels.run(p == null ? Planner.plan(spec, facts()) : p, spec, data(in), data(weight), bias == null ? null : data(bias), data(out),
                (HeapBuffer) weight, st);
        ((HeapBuffer) out).written();
    }

    private static float[] array(DeviceBuffer b) {
        return b == null ? null : data(b);
    }

    @Override
    public io.github.convcl.plan.Plan plan(ConvSpec spec) {
        return Planner.plan(spec, facts());
    }

    @Override
    public java.util.List<io.github.convcl.plan.Plan> applicablePlans(ConvSpec spec) {
        return Planner.applicable(spec, facts());
    }

    @Override
    public void convolve(ConvSpec spec, io.github.convcl.plan.Plan plan, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias,
                         io.github.convcl.backend.OutputStage stage, DeviceBuffer out) {
        run(Planner.requireApplicable(spec, facts(), plan), spec, in, weight, bias, stage, out);
    }

    @Override
    public void gradInput(ConvSpec spec, io.github.convcl.plan.Plan plan, DeviceBuffer gradOutput, DeviceBuffer weight,
                          DeviceBuffer gradInput, boolean accumulate) {
        ConvSpec a = io.github.convcl.spec.Adjoint.dataSpec(spec);
        io.github.convcl.spec.Pass pass = io.github.convcl.spec.Pass.BACKWARD_DATA;
        io.github.convcl.plan.Plan p = (plan == null ? Planner.plan(spec, pass, facts()) : Planner.requireApplicable(spec, pass, facts(), plan))
                .forPass(io.github.convcl.spec.Pass.FORWARD);
        HeapBuffer gx = (HeapBuffer) gradInput;
        boolean fold = io.github.convcl.spec.Adjoint.foldsPadding(spec);
        boolean crop = !java.util.Arrays.equals(a.outputShape(), spec.inputShape());
        HeapBuffer hw = (HeapBuffer) weight;
        float[] w = hw.data;
        // The adjoint's packed weights are kept beside the forward's, valid while the weights are unchanged.
        PackCache cache = hw.adjoint(hw.version());
        if (io.github.convcl.spec.Adjoint.flipsWeights(spec)) {
            float[] flipped = Workspace.get(Workspace.Slot.FLIPPED_WEIGHTS, w.length);
            io.github.convcl.spec.Adjoint.flipWeights(spec, w, flipped);
            w = flipped;
        }
        gx.written();
        if (!fold && !crop && !accumulate) {
            JavaKernels.run(p, a, data(gradOutput), w, null, gx.data, cache);
        } else {
            // The adjoint's output (the padded input's gradient, or more positions than the input) is folded back.
            float[] z = Workspace.get(Workspace.Slot.ADJOINT_OUTPUT, Math.toIntExact(a.outputElements()));
            JavaKernels.run(p, a, data(gradOutput), w, null, z, cache);
            if (!accumulate) {
                java.util.Arrays.fill(gx.data, 0f);
            }
            WeightGrad.fold(z, ConvSpec.to3d(a.outputSize(), 1), gx.data, ConvSpec.to3d(spec.inputSize(), 1),
                    ConvSpec.to3d(spec.padBefore(), 0), fold ? spec.paddingMode() : null, spec.batch() * spec.inChannels());
        }
        gx.written();
    }

    @Override
    public void gradWeight(ConvSpec spec, io.github.convcl.plan.Plan plan, DeviceBuffer input, DeviceBuffer gradOutput, DeviceBuffer gradWeight,
                           boolean accumulate) {
        io.github.convcl.spec.Pass pass = io.github.convcl.spec.Pass.BACKWARD_WEIGHT;
        io.github.convcl.plan.Plan p = plan == null ? Planner.plan(spec, pass, facts()) : Planner.requireApplicable(spec, pass, facts(), plan);
        io.github.convcl.plan.Algorithm algorithm = p.algorithm();
        HeapBuffer gw = (HeapBuffer) gradWeight;
        gw.written();
        if (!accumulate) {
            java.util.Arrays.fill(gw.data, 0f);
        }
        if (!spec.transposed()) {
            weightGrad(algorithm, spec, data(input), data(gradOutput), gw.data);
        } else {
            // The convolution from grad_output to the input has this weight gradient, with the input as its
            // grad_output (zero past the input where output_padding reaches a stride).
            ConvSpec ws = io.github.convcl.spec.Adjoint.weightSpec(spec);
            float[] x = data(input);
            if (!java.util.Arrays.equals(ws.outputShape(), spec.inputShape())) {
                x = WeightGrad.embed(x, ConvSpec.to3d(spec.inputSize(), 1), ConvSpec.to3d(ws.outputSize(), 1),
                        spec.batch() * spec.inChannels());
            }
            weightGrad(algorithm, ws, data(gradOutput), x, gw.data);
        }
        gw.written();
    }

    /** Runs {@code algorithm} for grad_weight of the convolution {@code s} (not transposed). */
    private static void weightGrad(io.github.convcl.plan.Algorithm algorithm, ConvSpec s, float[] x, float[] gy, float[] gw) {
        if (algorithm == io.github.convcl.plan.Algorithm.JAVA_WEIGHT_TAPS) {
            WeightTaps.run(s, x, gy, gw);
        } else {
            WeightGrad.run(s, algorithm == io.github.convcl.plan.Algorithm.JAVA_WEIGHT_DOTS, x, gy, gw);
        }
    }

    @Override
    public void gradBias(ConvSpec spec, DeviceBuffer gradOutput, DeviceBuffer gradBias, boolean accumulate) {
        HeapBuffer gb = (HeapBuffer) gradBias;
        gb.written();
        if (!accumulate) {
            java.util.Arrays.fill(gb.data, 0f);
        }
        WeightGrad.bias(spec, data(gradOutput), gb.data);
        gb.written();
    }

    @Override
    public void maxPool(io.github.convcl.spec.PoolSpec s, DeviceBuffer in, DeviceBuffer out, DeviceBuffer indices) {
        if (in.layout() != Layout.NCHW || out.layout() != Layout.NCHW) {
            writing(() -> Blocked.maxPool(s, data(in), in.layout(), data(out), out.layout()), out, null);
            return;
        }
        writing(() -> Layers.maxPool(s, data(in), data(out), indices == null ? null : data(indices)), out, indices);
    }

    @Override
    public void avgPool(io.github.convcl.spec.PoolSpec s, DeviceBuffer in, DeviceBuffer out) {
        if (in.layout() != Layout.NCHW || out.layout() != Layout.NCHW) {
            writing(() -> Blocked.avgPool(s, data(in), in.layout(), data(out), out.layout()), out, null);
            return;
        }
        writing(() -> Layers.avgPool(s, data(in), data(out)), out, null);
    }

    @Override
    public void maxPoolBackward(io.github.convcl.spec.PoolSpec s, DeviceBuffer gradOut, DeviceBuffer indices, DeviceBuffer gradIn) {
        writing(() -> Layers.maxPoolBackward(s, data(gradOut), data(indices), data(gradIn)), gradIn, null);
    }

    @Override
    public void maxUnpool(io.github.convcl.spec.PoolSpec s, DeviceBuffer values, DeviceBuffer indices, DeviceBuffer out) {
        writing(() -> Layers.maxUnpool(s, data(values), data(indices), data(out)), out, null);
    }

    @Override
    public void maxUnpoolBackward(io.github.convcl.spec.PoolSpec s, DeviceBuffer gradOut, DeviceBuffer indices, DeviceBuffer gradValues) {
        writing(() -> Layers.maxUnpoolBackward(s, data(gradOut), data(indices), data(gradValues)), gradValues, null);
    }

    @Override
    public void mseLoss(long n, DeviceBuffer out, DeviceBuffer target, DeviceBuffer loss, DeviceBuffer gradOut) {
        writing(() -> Layers.mseLoss(Math.toIntExact(n), data(out), data(target), data(loss), gradOut == null ? null : data(gradOut)),
                loss, gradOut);
    }

    @Override
    public void adam(io.github.convcl.spec.AdamStep step, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v) {
        writing(() -> Layers.adam(step, data(param), data(grad), data(m), data(v)), param, null);
    }

    /** Runs {@code body}, marking the buffers it writes changed before and after (a weight's packed form goes stale). */
    private static void writing(Runnable body, DeviceBuffer a, DeviceBuffer b) {
        mark(a, b);
        body.run();
        mark(a, b);
    }

    private static void mark(DeviceBuffer a, DeviceBuffer b) {
        ((HeapBuffer) a).written();
        if (b != null) {
            ((HeapBuffer) b).written();
        }
    }

    /** The facts the planner decides on for this backend: the process's thread count now, this JVM's vectors. */
    @Override
    public DeviceFacts facts() {
        return facts(settings.java());
    }

    /** The Java backend's facts with the forced choices {@code choices}: the process's thread count now, this JVM's vectors. */
    public static DeviceFacts facts(Settings.JavaChoices choices) {
        return DeviceFacts.java(Parallel.threads(), Gemm.VECTOR ? Gemm.LANES : 0, choices);
    }

    @Override
    public String algorithm(ConvSpec spec) {
        return Planner.plan(spec, facts()).toString();
    }

    @Override
    public void finish() {
    }

    @Override
    public void close() {
    }

    /** The array behind a buffer of this backend. */
    public static float[] data(DeviceBuffer b) {
        return ((HeapBuffer) b).data;
    }

    /** A heap array; it keeps its packed form as weights (see {@link PackCache}) until it is written. */
    private static final class HeapBuffer extends DeviceBuffer implements PackCache {
        final float[] data;
        private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();
        private volatile Packed packed;
        private volatile Packed older;
        private volatile Packed adjointPacked;

        private record Packed(Object key, long version, float[] panels) {
        }

        HeapBuffer(long elements, Layout layout) {
            super(elements, layout);
            data = new float[Math.toIntExact(elements)];
        }

        /**
         * Marks the contents changed: called before and after every write, and before and after the buffer is a
         * convolution's output. A weight packed while the data changed was packed at a version that the second mark
         * leaves behind, so no later call can take it for current.
         */
        void written() {
            version.incrementAndGet();
        }

        @Override
        public float[] recycle(int size) {
            Packed p = packed;
            return p != null && p.version != version.get() && p.panels.length >= size ? p.panels : null;
        }

        @Override
        public long version() {
            return version.get();
        }

        @Override
        public float[] get(Object key) {
            long at = version.get();
            Packed p = packed;
            if (p != null && p.version == at && p.key.equals(key)) {
                return p.panels;
            }
            Packed q = older;
            return q != null && q.version == at && q.key.equals(key) ? q.panels : null;
        }

        /**
         * Keeps the panels as the newest form; the form before it stays beside it while it is current and under another
         * key, so that weights run both bare and with a folded epilogue ({@code Panels.packWeights}) are not packed anew
         * on every call.
         */
        @Override
        public void put(Object key, long at, float[] panels) {
            if (at == version.get()) {
                Packed p = packed;
                if (p != null && !p.key.equals(key)) {
                    older = p.version == at ? p : null;
                }
                packed = new Packed(key, at, panels);
            }
        }

        /**
         * The packed form of the weights as grad_input's adjoint convolution takes them (another layout, flipped where
         * the adjoint flips them), kept beside the forward's: a view at version {@code at}, read before the weights
         * were read for this call, so panels packed from data a write then changed are never taken for current.
         */
        PackCache adjoint(long at) {
            return new PackCache() {
                @Override
                public long version() {
                    return at;
                }

                @Override
                public float[] get(Object key) {
                    Packed p = adjointPacked;
                    return p != null && p.version == at && at == version.get() && p.key.equals(key) ? p.panels : null;
                }

                @Override
                public float[] recycle(int size) {
                    Packed p = adjointPacked;
                    return p != null && p.version != version.get() && p.panels.length >= size ? p.panels : null;
                }

                @Override
                public void put(Object key, long packedAt, float[] panels) {
                    if (packedAt == at && at == version.get()) {
                        adjointPacked = new Packed(key, packedAt, panels);
                    }
                }
            };
        }

        @Override
        protected void release() {
        }
    }
}
