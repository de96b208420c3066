// The OpenCL backend: one device, one context, one in-order queue, programs built once and cached.
package io.github.convcl.opencl;

import static org.jocl.CL.*;

import io.github.convcl.backend.Backend;
import io.github.convcl.backend.BackendKind;
import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.backend.DeviceFaultException;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.plan.Tuning;
import io.github.convcl.spec.ConvSpec;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.jocl.cl_queue_properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs convolutions on one OpenCL device. The backend owns its context, queue, programs, kernels and the
 * buffers it allocates, and releases them all on {@link #close()}. Every kernel launch, with its argument
 * setting, happens under one lock: a {@code cl_kernel} is never used by two threads at once.
 */
public final class OpenClBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(OpenClBackend.class);

    private final ClDevice device;
    private volatile io.github.convcl.plan.DeviceFacts facts;
    private final cl_context context;
    private final cl_command_queue queue;
    private final Object lock = new Object();
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final List<ClBuffer> live = new ArrayList<>();
    private final java.util.Optional<ProgramCache> diskCache = ProgramCache.fromEnvironment();
    private final ClBuffer noBias;
    private ClBuffer workspace;
    private ClBuffer weightScratch;
    /** Winograd scratch: transformed weights, transformed input tiles and their products. */
    private ClBuffer winogradU;
    private ClBuffer winogradV;
    private ClBuffer winogradY;
    /** Small int tables on the device by content, least recently used first; entries are released when evicted. */
    private final java.util.LinkedHashMap<TableKey, ClBuffer> tables = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TableKey, ClBuffer> eldest) {
            if (size() > TABLE_CACHE) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    };
    /**
     * The most FLOPs one kernel launch may carry, so that no launch trips a display driver's watchdog (a few seconds):
     * 2^34 is about 0.5 s on the H100 and under 5 s on a slow GPU. {@code -Dconvcl.maxLaunchFlops} overrides it.
     */
    private final long maxLaunchFlops = Long.getLong("convcl.maxLaunchFlops", 1L << 34);
    private boolean closed;

    public OpenClBackend(ClDevice device) {
        this.device = device;
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, device.platform());
        try {
            Faults.check(Faults.Point.CONTEXT);
            this.context = clCreateContext(props, 1, new cl_device_id[] {device.id()}, null, null, null);
        } catch (CLException e) {
            throw new DeviceFaultException("could not create an OpenCL context on " + device.label() + ": " + e.getMessage(), e);
        }
        ClCounters.created(ClCounters.Kind.CONTEXT);
        cl_command_queue q;
        try {
            q = clCreateCommandQueueWithProperties(context, device.id(), new cl_queue_properties(), null);
        } catch (CLException | UnsatisfiedLinkError e) {
            releaseContext();
            throw new DeviceFaultException("could not create a command queue on " + device.label(), e);
        }
        this.queue = q;
        ClCounters.created(ClCounters.Kind.QUEUE);
        try {
            this.noBias = (ClBuffer) allocate(1);
        } catch (RuntimeException e) {
            clReleaseCommandQueue(queue);
            ClCounters.released(ClCounters.Kind.QUEUE);
            releaseContext();
            throw new DeviceFaultException("could not allocate on " + device.label() + ": " + e.getMessage(), e);
        }
        this.facts = device.facts().withTuned(io.github.convcl.plan.TuningTable.lookup(device.name(), device.driverVersion()));
    }

    private void releaseContext() {
        clReleaseContext(context);
        ClCounters.released(ClCounters.Kind.CONTEXT);
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
        long bytes = Math.max(1, elements) * Float.BYTES;
        if (bytes > device.maxAllocationBytes()) {
            throw new IllegalArgumentException("a tensor of " + elements + " floats (" + bytes + " bytes) exceeds the largest allocation of "
                    + device.name() + ", " + device.maxAllocationBytes() + " bytes (CL_DEVICE_MAX_MEM_ALLOC_SIZE)");
        }
        synchronized (lock) {
            ensureOpen();
            cl_mem mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            ClCounters.created(ClCounters.Kind.BUFFER);
            ClBuffer b = new ClBuffer(elements, mem);
            live.add(b);
            return b;
        }
    }

    @Override
    public void write(DeviceBuffer dst, long offset, FloatBuffer src) {
        int n = src.remaining();
        if (n == 0) {
            return;
        }
        synchronized (lock) {
            ensureOpen();
            try {
                clEnqueueWriteBuffer(queue, ((ClBuffer) dst).mem, CL_TRUE, offset * Float.BYTES, (long) n * Float.BYTES, pointer(src), 0, null, null);
            } catch (CLException e) {
                throw new DeviceFaultException("writing " + n + " floats to " + device.name() + " failed: " + e.getMessage(), e);
            }
        }
        src.position(src.position() + n);
    }

    @Override
    public void read(DeviceBuffer src, long offset, FloatBuffer dst) {
        int n = dst.remaining();
        if (n == 0) {
            return;
        }
        synchronized (lock) {
            ensureOpen();
            try {
                clEnqueueReadBuffer(queue, ((ClBuffer) src).mem, CL_TRUE, offset * Float.BYTES, (long) n * Float.BYTES, pointer(dst), 0, null, null);
            } catch (CLException e) {
                throw new DeviceFaultException("reading " + n + " floats from " + device.name() + " failed: " + e.getMessage(), e);
            }
        }
        dst.position(dst.position() + n);
    }

    private static Pointer pointer(FloatBuffer b) {
        if (b.hasArray()) {
            return Pointer.to(b.array()).withByteOffset((long) (b.arrayOffset() + b.position()) * Float.BYTES);
        }
        return Pointer.to(b.slice());
    }

    @Override
    public String algorithm(ConvSpec spec) {
        return Planner.plan(spec, facts).toString();
    }

    @Override
    public Plan plan(ConvSpec spec) {
        return Planner.plan(spec, facts);
    }

    /** The planner's facts for this device, with its tuned plans. */
    public io.github.convcl.plan.DeviceFacts facts() {
        return facts;
    }

    /** Replaces the tuned plans (after `convcl tune`). */
    public void tuned(java.util.Map<String, Plan> plans) {
        this.facts = facts.withTuned(plans);
    }

    @Override
    public void convolve(ConvSpec s, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, DeviceBuffer out) {
        Plan p = plan(s);
        if (p.algorithm().inlinePtx()) {
            try {
                run(s, p, in, weight, bias, out);
                return;
            } catch (DeviceFaultException e) {
                if (!(e.getCause() instanceof BuildException)) {
                    throw e;
                }
                refuseTensorCores(e.getCause().getMessage());
            }
            p = plan(s);
        }
        run(s, p, in, weight, bias, out);
    }

    /**
     * The compiler refused the inline PTX: one WARN, then the planner offers only the FP32 kernels without PTX on this
     * device (no tensor cores, no cp.async).
     */
    private void refuseTensorCores(String why) {
        synchronized (lock) {
            if (facts.tensorCores() == io.github.convcl.plan.DeviceFacts.TensorCores.NONE) {
                return;
            }
            facts = facts.withTensorCores(io.github.convcl.plan.DeviceFacts.TensorCores.NONE);
        }
        String first = why.lines().findFirst().orElse(why);
        LOG.warn("{} refused the tensor-core (inline PTX) kernels; using the FP32 kernels on it from now on: {}", device.name(), first);
    }

    /** A program that did not build: the compiler's refusal, with its log. */
    static final class BuildException extends CLException {
        BuildException(String message, int status) {
            super(message, status);
        }
    }

    @Override
    public List<Plan> applicablePlans(ConvSpec spec) {
        return Planner.applicable(spec, facts);
    }

    @Override
    public void convolve(ConvSpec s, Plan plan, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, DeviceBuffer out) {
        Planner.requireApplicable(s, facts, plan);
        run(s, plan, in, weight, bias, out);
    }

    /** Runs a plan the planner offers for {@code s} (checked by the caller). */
    private void run(ConvSpec s, Plan plan, DeviceBuffer in, DeviceBuffer weight, DeviceBuffer bias, DeviceBuffer out) {
        if (s.outputElements() == 0) {
            return;
        }
        int[] in3 = ConvSpec.to3d(s.inputSize(), 1);
        int[] out3 = ConvSpec.to3d(s.outputSize(), 1);
        int[] k3 = ConvSpec.to3d(s.kernel(), 1);
        int[] st3 = ConvSpec.to3d(s.stride(), 1);
        int[] dl3 = ConvSpec.to3d(s.dilation(), 1);
        int[] pd3 = ConvSpec.to3d(s.padBefore(), 0);
        int total = Math.toIntExact(s.outputElements());
        ClBuffer b = bias == null ? noBias : (ClBuffer) bias;
        int hasBias = bias == null ? 0 : 1;
        synchronized (lock) {
            ensureOpen();
            try {
                Faults.check(Faults.Point.ALLOCATION);
                switch (plan.algorithm()) {
                    case CL_IMPLICIT_GEMM, CL_IMPLICIT_GEMM_ASYNC, CL_IMPLICIT_GEMM_TF32, CL_IMPLICIT_GEMM_3XTF32, CL_IMPLICIT_GEMM_TF32_FRAG,
                            CL_IMPLICIT_GEMM_3XTF32_FRAG, CL_IMPLICIT_GEMM_TF32_ASYNC, CL_IMPLICIT_GEMM_3XTF32_ASYNC ->
                            implicitGemm(s, plan, in, weight, b, out, hasBias, in3, out3, k3, st3, dl3, pd3);
                    case CL_CPU_TILE -> {
                        int[] before = ConvSpec.to3d(s.padBefore(), 0);
                        int[] pp = ConvSpec.to3d(s.paddedInputSize(), 1);
                        // Strides become phase planes (space to depth): qq is one phase plane's size.
                        int[] qq = {(int) ceilDiv(pp[0], st3[0]), (int) ceilDiv(pp[1], st3[1]), (int) ceilDiv(pp[2], st3[2])};
                        long padded = (long) s.batch() * s.inChannels() * st3[0] * st3[1] * st3[2] * qq[0] * qq[1] * qq[2];
                        int vn = plan.tuning().tn() / 8;
                        ClBuffer xp = padWorkspace(padded + 64L * vn);
                        String opts = plan.tuning().cpuTileOptions();
                        cl_kernel pad = kernel("cpu_tile", opts, "conv_pad");
                        long padRows = padded / qq[2];
                        new Args(pad).mem(in).mem(xp).i4(in3).i4(pp).i4(before).i4(st3).i4(qq).i(s.paddingMode().ordinal()).i((int) padRows);
                        launch(pad, null, new long[] {ceilDiv(padRows, 8) * 8}, new long[] {8});
                        int co = plan.tuning().tm();
                        int blocked = (int) (s.groups() * ceilDiv(s.outPerGroup(), co) * s.inPerGroup() * s.kernelVolume() * co);
                        ClBuffer wb = weightWorkspace(blocked);
                        cl_kernel reorder = kernel("cpu_tile", opts, "conv_weights_blocked");
                        int blockRows = blocked / (s.kernelVolume() * co);
                        new Args(reorder).mem(weight).mem(wb).i(s.outChannels()).i(s.inPerGroup()).i(s.outPerGroup())
                                .i(s.kernelVolume()).i(blockRows);
                        launch(reorder, null, new long[] {ceilDiv(blockRows, 8) * 8}, new long[] {8});
                        cl_kernel k = kernel("cpu_tile", opts, "conv_cpu_tile");
                        long rows = (long) out3[0] * out3[1];
                        long planes = (long) s.batch() * s.groups() * ceilDiv(s.outPerGroup(), co);
                        long perRow = 2L * ceilDiv(out3[2], 8) * 8 * co * s.inPerGroup() * s.kernelVolume();
                        // Rows per work-item: enough work per work-group that PoCL's per-group cost stays small.
                        int rowsPerItem = (int) Math.max(1, Math.min(rows, CPU_TILE_MIN_FLOPS_PER_ITEM / Math.max(1, perRow)));
                        new Args(k).mem(xp).mem(wb).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.inPerGroup())
                                .i(s.outPerGroup()).i4(qq).i4(out3).i4(k3).i4(st3).i4(dl3).i(hasBias).mem(tapOffsets(k3, st3, dl3, qq))
                                .i(rowsPerItem);
                        long items = ceilDiv(rows, rowsPerItem);
                        long step = Math.max(1, maxLaunchFlops / Math.max(1, perRow * rowsPerItem * planes));
                        for (long r0 = 0; r0 < items; r0 += step) {
                            // One block per work-item, or a whole row when a block of one channel is too little work.
                            long gx = co == 1 ? 1 : ceilDiv(out3[2], 8L * vn);
                            launch(k, new long[] {0, r0, 0}, new long[] {gx, Math.min(step, items - r0), planes}, new long[] {1, 1, 1});
                        }
                    }
                    case CL_CPU_TILE_TRANSPOSED -> {
                        int sx = st3[2];
                        int lift = (dl3[2] * (k3[2] - 1) + sx - 1) / sx + 1;
                        int padX = lift;
                        int perResidue = (int) ceilDiv(out3[2], sx);
                        int pw = padX + Math.max(in3[2], (sx - 1 + pd3[2]) / sx + perResidue + 9);
                        int[] pp = {in3[0], in3[1], pw};
                        long padded = (long) s.batch() * s.inChannels() * pp[0] * pp[1] * pp[2];
                        ClBuffer xp = padWorkspace(padded + 64);
                        String opts = plan.tuning().cpuTileOptions();
                        cl_kernel pad = kernel("cpu_tile", opts, "conv_pad");
                        long padRows = padded / pw;
                        new Args(pad).mem(in).mem(xp).i4(in3).i4(pp).i4(new int[] {0, 0, padX}).i4(new int[] {1, 1, 1}).i4(pp)
                                .i(0).i((int) padRows);
                        launch(pad, null, new long[] {ceilDiv(padRows, 8) * 8}, new long[] {8});
                        cl_kernel k = kernel("cpu_tile", opts, "conv_cpu_tile_transposed");
                        int co = plan.tuning().tm();
                        long rows = (long) out3[0] * out3[1];
                        long planes = (long) s.batch() * s.groups() * ceilDiv(s.outPerGroup(), co);
                        long gx = sx * ceilDiv(perResidue, 8);
                        long perRow = Math.max(1, s.flops() / Math.max(1, rows));
                        // One work-item's share of a row: CO channels x 8 outputs, over the taps of its residue.
                        long perItemRow = Math.max(1, perRow / Math.max(1, gx * planes));
                        int rowsPerItem = (int) Math.max(1, Math.min(rows, CPU_TILE_MIN_FLOPS_PER_ITEM / perItemRow));
                        new Args(k).mem(xp).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.inPerGroup())
                                .i(s.outPerGroup()).i4(in3).i(pw).i(padX).i4(out3).i4(k3).i4(st3).i4(dl3).i4(pd3).i(lift).i(hasBias)
                                .i(rowsPerItem);
                        long items = ceilDiv(rows, rowsPerItem);
                        long step = Math.max(1, maxLaunchFlops / (perRow * rowsPerItem));
                        for (long r0 = 0; r0 < items; r0 += step) {
                            launch(k, new long[] {0, r0, 0}, new long[] {gx, Math.min(step, items - r0), planes}, new long[] {1, 1, 1});
                        }
                    }
                    case CL_WINOGRAD_F2, CL_WINOGRAD_F4, CL_WINOGRAD_F2_3XTF32, CL_WINOGRAD_F4_3XTF32 ->
                            winograd(s, plan, in, weight, b, out, hasBias, in3, out3, k3, dl3, pd3);
                    case CL_CPU_DEPTHWISE -> {
                        // The file's other kernels need CO and VN; this one takes the kernel's height and width.
                        cl_kernel k = kernel("cpu_tile", Planner.CPU_TILE_1.cpuTileOptions() + " -DKH=" + k3[1] + " -DKW=" + k3[2]
                                + " -DSX=" + (st3[2] <= 2 ? st3[2] : 0), "conv_cpu_depthwise");
                        long rows = (long) out3[0] * out3[1];
                        long perRow = 2L * out3[2] * s.kernelVolume();
                        int rowsPerItem = (int) Math.max(1, Math.min(rows, CPU_TILE_MIN_FLOPS_PER_ITEM / Math.max(1, perRow)));
                        int planes = Math.toIntExact((long) s.batch() * s.outChannels());
                        long perPlane = perRow * rows;
                        int planesPerItem = (int) Math.max(1, Math.min(planes,
                                io.github.convcl.plan.Thresholds.CL_CPU_DEPTHWISE_FLOPS_PER_ITEM / Math.max(1, perPlane)));
                        new Args(k).mem(in).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.outPerGroup())
                                .i4(in3).i4(out3).i4(k3).i4(st3).i4(dl3).i4(pd3).i(hasBias).i(rowsPerItem).i(planesPerItem).i(planes);
                        long items = ceilDiv(rows, rowsPerItem);
                        long blocks = ceilDiv(planes, planesPerItem);
                        long step = Math.max(1, maxLaunchFlops / Math.max(1, perPlane * planesPerItem));
                        for (long p0 = 0; p0 < blocks; p0 += step) {
                            launch(k, new long[] {0, p0}, new long[] {items, Math.min(step, blocks - p0)}, new long[] {1, 1});
                        }
                    }
                    case CL_DEPTHWISE -> {
                        cl_kernel k = kernel("direct_conv", "", "conv_depthwise");
                        int items = Math.toIntExact((long) (total / out3[2]) * ceilDiv(out3[2], DEPTHWISE_X));
                        new Args(k).mem(in).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.outPerGroup())
                                .i4(in3).i4(out3).i4(k3).i4(st3).i4(dl3).i4(pd3).i(hasBias).i(items);
                        launch1d(k, items, s);
                    }
                    case CL_DEPTHWISE_ROWS -> {
                        cl_kernel k = kernel("depthwise", depthwiseRowsOptions(k3, st3, dl3), "conv_depthwise_rows");
                        long xgroups = ceilDiv(out3[2], 64);
                        long planes = (long) s.batch() * s.outChannels();
                        new Args(k).mem(in).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.outPerGroup())
                                .i(in3[1]).i(in3[2]).i(out3[1]).i(out3[2]).i(pd3[1]).i(pd3[2]).i(hasBias).i(Math.toIntExact(xgroups));
                        launch(k, null, new long[] {planes * xgroups * 64, ceilDiv(out3[1], DEPTHWISE_ROWS)}, new long[] {64, 1});
                    }
                    case CL_TRANSPOSED_GATHER -> {
                        cl_kernel k = kernel("direct_conv", "", "conv_transposed_gather");
                        new Args(k).mem(in).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.inPerGroup())
                                .i(s.outPerGroup()).i4(in3).i4(out3).i4(k3).i4(st3).i4(dl3).i4(pd3).i(hasBias).i(total);
                        launch1d(k, total, s);
                    }
                    case CL_DIRECT -> {
                        cl_kernel k = kernel("direct_conv", "", "conv_direct");
                        new Args(k).mem(in).mem(weight).mem(b).mem(out).i(s.inChannels()).i(s.outChannels()).i(s.inPerGroup())
                                .i(s.outPerGroup()).i4(in3).i4(out3).i4(k3).i4(st3).i4(dl3).i4(pd3)
                                .i(s.paddingMode().ordinal()).i(hasBias).i(total);
                        launch1d(k, total, s);
                    }
                    default -> throw new IllegalStateException("not an OpenCL algorithm: " + plan.algorithm());
                }
            } catch (CLException e) {
                throw new DeviceFaultException(plan.algorithm().label() + " on " + device.name() + " failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Runs winograd.cl (see its header): weights transformed once, then per chunk of tiles the input transform, one
     * matrix product per transformed point and group (a grouped 1x1 convolution run by {@link Planner#winogradProduct})
     * and the inverse transform with the bias; chunks bound the scratch buffers; lock held.
     */
    private void winograd(ConvSpec s, Plan plan, DeviceBuffer in, DeviceBuffer weight, ClBuffer b, DeviceBuffer out, int hasBias,
                          int[] in3, int[] out3, int[] k3, int[] dl3, int[] pd3) {
        int m = plan.algorithm().winogradTile();
        int[] alpha = new int[3];
        int[] per = new int[3];
        int[] tiles = new int[3];
        int[] dil = new int[3];
        for (int d = 0; d < 3; d++) {
            boolean three = k3[d] == 3;
            alpha[d] = three ? m + 2 : 1;
            dil[d] = three ? dl3[d] : 1;
            per[d] = three ? (int) ceilDiv(ceilDiv(out3[d], dil[d]), m) : out3[d];
            tiles[d] = dil[d] * per[d];
        }
        int points = alpha[0] * alpha[1] * alpha[2];
        long ptiles = (long) s.batch() * tiles[0] * tiles[1] * tiles[2];
        int cin = s.inChannels();
        int cout = s.outChannels();
        String opts = winogradOptions(m, alpha);
        int filters = cout * s.inPerGroup();
        ClBuffer u = winogradU = grown(winogradU, (long) points * filters);
        cl_kernel filter = kernel("winograd", opts, "wino_filter");
        new Args(filter).mem(weight).mem(u).i(cout).i(s.inPerGroup()).i(filters);
        launch(filter, null, new long[] {ceilDiv(filters, 64) * 64}, new long[] {64});
        long budget = device.kind() == io.github.convcl.backend.BackendKind.OPENCL_GPU
                ? io.github.convcl.plan.Thresholds.CL_WINOGRAD_GPU_SCRATCH_BYTES : io.github.convcl.plan.Thresholds.CL_WINOGRAD_CPU_SCRATCH_BYTES;
        long chunk = winogradChunk(ptiles, points, Math.max(cin, cout), Math.min(budget, device.maxAllocationBytes()));
        ClBuffer v = winogradV = grown(winogradV, (long) points * cin * chunk);
        ClBuffer y = winogradY = grown(winogradY, (long) points * cout * chunk);
        Plan product = Planner.winogradProduct(plan);
        cl_kernel input = kernel("winograd", opts, "wino_input");
        cl_kernel output = kernel("winograd", opts, "wino_output");
        for (long p0 = 0; p0 < ptiles; p0 += chunk) {
            int pc = (int) Math.min(chunk, ptiles - p0);
            int inTotal = cin * pc;
            new Args(input).mem(in).mem(v).i(cin).i4(in3).i4(tiles).i4(per).i4(dil).i4(pd3).i(Math.toIntExact(p0)).i(pc).i(inTotal);
            launch(input, null, new long[] {ceilDiv(inTotal, 64) * 64}, new long[] {64});
            ConvSpec products = ConvSpec.conv(1).input(1, points * cin, pc).outChannels(points * cout).kernel(1)
                    .groups(points * s.groups()).bias(false).build();
            run(products, product, v, u, null, y);
            int outTotal = cout * pc;
            new Args(output).mem(y).mem(b).mem(out).i(cout).i4(out3).i4(tiles).i4(per).i4(dil).i(hasBias).i(Math.toIntExact(p0)).i(pc)
                    .i(outTotal);
            launch(output, null, new long[] {ceilDiv(outTotal, 64) * 64}, new long[] {64});
        }
    }

    /** The build options of winograd.cl: F(m,3), {@code alpha} transformed points per dimension (depth, height, width). */
    public static String winogradOptions(int m, int[] alpha) {
        return "-DM=" + m + " -DAZ=" + alpha[0] + " -DAY=" + alpha[1] + " -DAX=" + alpha[2];
    }

    /**
     * Tiles per Winograd chunk: the scratch of {@code points} x {@code channels} floats per tile within {@code budget}
     * bytes, and channel x tile indices within an int.
     */
    static long winogradChunk(long tiles, int points, int channels, long budget) {
        long perTile = (long) points * channels * Float.BYTES;
        return Math.max(1, Math.min(tiles, Math.min(budget / perTile, Integer.MAX_VALUE / channels)));
    }

    /** A scratch buffer of at least {@code floats}, owned by this backend and reused between calls; lock held. */
    private ClBuffer padWorkspace(long floats) {
        workspace = grown(workspace, floats);
        return workspace;
    }

    /**
     * Runs implicit_gemm.cl: one launch sequence for a convolution, one per output residue class for a transposed
     * convolution (see the file's header for the column mapping); lock held.
     */
    private void implicitGemm(ConvSpec s, Plan plan, DeviceBuffer in, DeviceBuffer weight, ClBuffer b, DeviceBuffer out, int hasBias,
                              int[] in3, int[] out3, int[] k3, int[] st3, int[] dl3, int[] pd3) {
        Tuning t = plan.tuning();
        boolean mma = plan.algorithm().isTensorCore();
        boolean flat = flatReductionTable(s, in3);
        boolean tapMajor = tapMajor(s, in3, t);
        boolean rowTaps = rowTaps(s);
        cl_kernel k = kernel("implicit_gemm", gemmBuildOptions(plan) + gemmTableOptions(s.paddingMode(), flat)
                + (tapMajor ? " -DTAP_MAJOR" : "") + (rowTaps ? rowTapsOptions(k3) : ""), gemmKernelName(plan));
        int kvol = s.kernelVolume();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        // The GEMM's rows per group: output channels, or with ROW_TAPS (output channel, tap) pairs.
        int rows = rowTaps ? coutG * kvol : coutG;
        long gy = mma ? ceilDiv(rows, t.tm()) : ceilDiv(rows, t.tm()) * (t.tm() / t.wm());
        long[] local = mma ? new long[] {t.mmaWorkGroupSize(), 1, 1} : new long[] {t.tn() / t.wn(), t.tm() / t.wm(), 1};
        long itemsPerTile = mma ? t.mmaWorkGroupSize() : t.tn() / t.wn();
        for (GemmClass c : gemmClasses(s, in3, out3, k3, st3, dl3, pd3, flat, tapMajor, rowTaps)) {
            int reduction = c.reduction;
            DeviceBuffer w = weight;
            long wgs = (long) coutG * cinG * kvol;
            if (c.weightTaps != null) {
                // This launch's weights, tap-major and compact: (groups, rows, taps, channels).
                int ntaps = c.weightTaps.length;
                wgs = (long) coutG * ntaps * cinG;
                int total = Math.toIntExact(wgs * s.groups());
                ClBuffer wp = weightWorkspace(Math.max(1, total));
                int srow = s.transposed() ? kvol : cinG * kvol;
                int sci = s.transposed() ? coutG * kvol : kvol;
                cl_kernel reorder = kernel("implicit_gemm", gemmBuildOptions(plan) + gemmTableOptions(s.paddingMode(), flat)
                        + " -DTAP_MAJOR", "gemm_weights_tap_major");
                new Args(reorder).mem(weight).mem(wp).mem(table(c.weightTaps)).i(ntaps).i(cinG).i(coutG).i(srow).i(sci)
                        .i(Math.toIntExact((long) coutG * cinG * kvol)).i(total);
                if (total > 0) {
                    launch(reorder, null, new long[] {total}, null);
                }
                w = wp;
            }
            long cols = (long) s.batch() * c.q[0] * c.q[1] * c.q[2];
            Args a = new Args(k).mem(in).mem(w).mem(b).mem(out)
                    .i(s.inChannels()).i(s.outChannels()).i(cinG).i(rows)
                    .i4(in3).i4(out3).i4(c.q).i4(c.omul).i4(c.ores).i4(c.imul).i4(c.ipad)
                    .i(hasBias).i(reduction).i(c.wrow).i(Math.toIntExact(wgs))
                    .i(s.transposed() && c.weightTaps == null ? 0 : 1).i(Math.toIntExact(cols));
            int colBaseArg = a.index;
            a.i(0).mem(table(c.ktab)).mem(table(c.kwoff));
            long flopsPerColumn = 2L * s.outChannels() * Math.max(1, reduction);
            long step = Math.max(t.tn(), maxLaunchFlops / flopsPerColumn / t.tn() * t.tn());
            for (long c0 = 0; c0 < cols; c0 += step) {
                a.at(colBaseArg).i((int) c0);
                long gx = ceilDiv(Math.min(step, cols - c0), t.tn()) * itemsPerTile;
                launch(a.kernel, null, new long[] {gx, gy, s.groups()}, local);
            }
        }
    }

    /**
     * The build options of implicit_gemm.cl that a layer fixes: its padding mode, and whether its reduction table
     * holds flat offsets ({@link #flatReductionTable}).
     */
    public static String gemmTableOptions(io.github.convcl.spec.PaddingMode mode, boolean flat) {
        return " -DPAD_MODE=" + mode.ordinal() + (flat ? " -DFLAT_KTAB" : "");
    }

    /**
     * Whether implicit_gemm.cl's reduction table can hold each tap's flat input offset (zero padding, and a group's
     * input block of one image indexable by an int), which saves the kernel's loads the per-dimension arithmetic.
     */
    static boolean flatReductionTable(ConvSpec s, int[] in3) {
        long block = (long) s.inPerGroup() * in3[0] * in3[1] * in3[2];
        return s.paddingMode() == io.github.convcl.spec.PaddingMode.ZEROS && block < Integer.MAX_VALUE / 2;
    }

    /**
     * Whether implicit_gemm.cl runs {@code s} tap-major (its TAP_MAJOR): flat tables and channels per group that the
     * tiling's reduction step divides, unless {@code -Dconvcl.gemm.tapMajor=off} (for A/B timing).
     */
    static boolean tapMajor(ConvSpec s, int[] in3, Tuning t) {
        return flatReductionTable(s, in3) && s.inPerGroup() % t.tk() == 0
                && !"off".equalsIgnoreCase(System.getProperty("convcl.gemm.tapMajor"));
    }

    /**
     * Whether implicit_gemm.cl runs the transposed convolution {@code s} as one GEMM whose rows are (output channel,
     * tap) pairs (its ROW_TAPS): a kernel equal to the stride, no padding, output padding or dilation, so that every
     * output has exactly one tap; unless {@code -Dconvcl.gemm.rowTaps=off} (for A/B timing: the residue classes).
     */
    static boolean rowTaps(ConvSpec s) {
        if (!s.transposed() || "off".equalsIgnoreCase(System.getProperty("convcl.gemm.rowTaps"))) {
            return false;
        }
        for (int d = 0; d < s.rank(); d++) {
            if (s.kernel()[d] != s.stride()[d] || s.padBefore()[d] != 0 || s.padAfter()[d] != 0 || s.outputPadding()[d] != 0
                    || s.dilation()[d] != 1) {
                return false;
            }
        }
        return true;
    }

    /** The ROW_TAPS build options for a kernel of (depth, height, width) k3. */
    static String rowTapsOptions(int[] k3) {
        return " -DROW_TAPS=" + k3[0] * k3[1] * k3[2] + " -DRKH=" + k3[1] + " -DRKW=" + k3[2];
    }

    /** The build options of implicit_gemm.cl for a plan on this device, without the layer's ({@link #gemmTableOptions}). */
    public String gemmBuildOptions(Plan plan) {
        if (!plan.algorithm().isTensorCore() && !plan.algorithm().asyncCopies()) {
            return gemmPlanOptions(plan);
        }
        boolean emulated = facts.tensorCores() != io.github.convcl.plan.DeviceFacts.TensorCores.NATIVE;
        if (!plan.algorithm().isTensorCore()) {
            // cp.async only: PTX for the device's architecture, or emulated copies.
            return gemmPlanOptions(plan) + (emulated ? " -DCOPY_EMULATE" : mmaOptions());
        }
        return gemmPlanOptions(plan) + mmaOptions();
    }

    /**
     * The build options that a plan gives implicit_gemm.cl on any device: the tiling, and the micro-kernel's (MMA with
     * its TF32 products, MMA_FRAG, ASYNC_COPY with its stages); {@link #gemmBuildOptions} adds the device's.
     */
    public static String gemmPlanOptions(Plan plan) {
        io.github.convcl.plan.Algorithm a = plan.algorithm();
        return plan.tuning().buildOptions() + (a.isTensorCore() ? " -DMMA=" + a.tf32Products() : "")
                + (a.fragmentTiles() ? " -DMMA_FRAG" : "")
                + (a.asyncCopies() ? " -DASYNC_COPY=" + plan.tuning().asyncStages(a.isTensorCore()) : "");
    }

    /** The kernel of implicit_gemm.cl a plan runs. */
    public static String gemmKernelName(Plan plan) {
        return plan.algorithm().isTensorCore() ? "conv_implicit_gemm_mma" : "conv_implicit_gemm";
    }

    /** Build options of the tensor-core kernel on this device: emulated on CPUs, the device's architecture on NVIDIA. */
    private String mmaOptions() {
        if (facts.tensorCores() == io.github.convcl.plan.DeviceFacts.TensorCores.NATIVE && device.isNvidia()) {
            int cc = device.computeCapability();
            return " -cl-nv-arch sm_" + cc;
        }
        return facts.tensorCores() == io.github.convcl.plan.DeviceFacts.TensorCores.NATIVE ? "" : " -DMMA_EMULATE";
    }

    /**
     * The column mapping and reduction tables of one launch of implicit_gemm.cl: a convolution has one, a transposed
     * convolution one per output residue class. ktab holds (ci, dz, dy, dx) per reduction index (flat tables: ci
     * replaced by the tap's flat input offset; tap-major: one entry per tap, ci = 0) and kwoff each index's weight
     * offset within a row; both are padded to a multiple of {@link #TABLE_STEP} entries, ktab's tail with dz = -2^30
     * (a load of zero). weightTaps: the kernel taps whose weights a tap-major launch reorders first (none for a 1x1
     * convolution, whose weights are in order already).
     */
    record GemmClass(int[] q, int[] omul, int[] ores, int[] imul, int[] ipad, int wrow, int reduction, int[] ktab, int[] kwoff,
                     int[] weightTaps) {
    }

    /** Reduction tables are padded to a multiple of this, which every tiling's TK divides. */
    static final int TABLE_STEP = 64;

    static List<GemmClass> gemmClasses(ConvSpec s, int[] in3, int[] out3, int[] k3, int[] st3, int[] dl3, int[] pd3,
                                       boolean flat, boolean tapMajor, boolean rowTaps) {
        int kvol = s.kernelVolume();
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int channels = tapMajor ? 1 : cinG;
        List<GemmClass> classes = new ArrayList<>();
        if (rowTaps) {
            // One 1x1 reduction over the channels per input position; the rows (co, tap) read weights reordered to
            // (groups, cout_g, taps, cin_g), all taps in kernel order.
            int[][] tables = reductionTables(channels, new int[] {0}, new int[][] {{0, 0, 0}}, flat, in3);
            classes.add(new GemmClass(in3, st3, new int[] {0, 0, 0}, new int[] {1, 1, 1}, new int[] {0, 0, 0}, cinG, cinG, tables[0],
                    tables[1], java.util.stream.IntStream.range(0, kvol).toArray()));
            return classes;
        }
        if (!s.transposed()) {
            int[] taps = java.util.stream.IntStream.range(0, kvol).toArray();
            int[][] offsets = new int[kvol][];
            for (int kz = 0, t = 0; kz < k3[0]; kz++) {
                for (int ky = 0; ky < k3[1]; ky++) {
                    for (int kx = 0; kx < k3[2]; kx++) {
                        offsets[t++] = new int[] {kz * dl3[0], ky * dl3[1], kx * dl3[2]};
                    }
                }
            }
            int[][] tables = reductionTables(channels, taps, offsets, flat, in3);
            classes.add(new GemmClass(out3, new int[] {1, 1, 1}, new int[] {0, 0, 0}, st3, pd3, cinG * kvol, cinG * kvol, tables[0], tables[1],
                    tapMajor && kvol > 1 ? taps : null));
            return classes;
        }
        int[] q = new int[3];
        for (int d = 0; d < 3; d++) {
            q[d] = (int) ceilDiv(out3[d], st3[d]);
        }
        for (io.github.convcl.spec.ResidueClass rc : io.github.convcl.spec.ResidueClass.of(s)) {
            int taps = rc.taps().length;
            // Channel-major weights stay in the transposed layout (Cin, Cout/g, k...): row co, index (c, t) reads
            // w[c * coutG * kvol + co * kvol + tap], so each index has its offset.
            int[][] tables = reductionTables(channels, rc.taps(), rc.offsets(), flat, in3);
            if (!tapMajor) {
                for (int c = 0, i = 0; c < cinG; c++) {
                    for (int t = 0; t < taps; t++) {
                        tables[1][i++] = c * coutG * kvol + rc.taps()[t];
                    }
                }
            }
            classes.add(new GemmClass(q, st3, rc.residue(), new int[] {1, 1, 1}, new int[] {0, 0, 0}, tapMajor ? taps * cinG : kvol,
                    cinG * taps, tables[0], tables[1], tapMajor ? rc.taps() : null));
        }
        return classes;
    }

    /**
     * ktab and kwoff for {@code channels} x taps entries (channel-major; kwoff[i] = i), padded to a multiple of
     * {@link #TABLE_STEP}; ktab's tail reads nothing.
     */
    private static int[][] reductionTables(int channels, int[] taps, int[][] offsets, boolean flat, int[] in3) {
        int reduction = channels * taps.length;
        int padded = Math.max(TABLE_STEP, (int) ceilDiv(reduction, TABLE_STEP) * TABLE_STEP);
        int[] ktab = new int[4 * padded];
        int[] kwoff = new int[padded];
        for (int c = 0, i = 0; c < channels; c++) {
            for (int t = 0; t < taps.length; t++, i++) {
                int[] o = offsets[t];
                ktab[4 * i] = flat ? (c * in3[0] + o[0]) * in3[1] * in3[2] + o[1] * in3[2] + o[2] : c;
                ktab[4 * i + 1] = o[0];
                ktab[4 * i + 2] = o[1];
                ktab[4 * i + 3] = o[2];
                kwoff[i] = i;
            }
        }
        for (int i = reduction; i < padded; i++) {
            ktab[4 * i + 1] = -(1 << 30);
        }
        return new int[][] {ktab, kwoff};
    }

    /**
     * A device copy of a small int table (reduction and tap tables), uploaded once per distinct content and kept
     * (at most {@link #TABLE_CACHE} of them), so that a steady stream of calls never waits on a blocking write; lock held.
     */
    private ClBuffer table(int[] values) {
        TableKey key = new TableKey(values.length == 0 ? new int[1] : values);
        ClBuffer cached = tables.get(key);
        if (cached != null) {
            return cached;
        }
        ClBuffer buf = (ClBuffer) allocate(key.values.length);
        clEnqueueWriteBuffer(queue, buf.mem, CL_TRUE, 0, (long) key.values.length * Sizeof.cl_int, Pointer.to(key.values), 0, null, null);
        tables.put(key, buf);
        return buf;
    }

    private static final int TABLE_CACHE = 64;

    /** An int table compared by content. */
    private record TableKey(int[] values) {
        @Override
        public boolean equals(Object o) {
            return o instanceof TableKey k && java.util.Arrays.equals(values, k.values);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(values);
        }
    }

    /** Uploads the per-tap offsets into the phase planes that conv_cpu_tile reads (see cpu_tile.cl); lock held. */
    private ClBuffer tapOffsets(int[] k, int[] st, int[] dl, int[] qq) {
        int[] offs = new int[k[0] * k[1] * k[2]];
        int phaseVol = qq[0] * qq[1] * qq[2];
        int t = 0;
        for (int kz = 0; kz < k[0]; kz++) {
            for (int ky = 0; ky < k[1]; ky++) {
                for (int kx = 0; kx < k[2]; kx++, t++) {
                    int tz = kz * dl[0];
                    int ty = ky * dl[1];
                    int tx = kx * dl[2];
                    int phase = ((tz % st[0]) * st[1] + ty % st[1]) * st[2] + tx % st[2];
                    offs[t] = phase * phaseVol + ((tz / st[0]) * qq[1] + ty / st[1]) * qq[2] + tx / st[2];
                }
            }
        }
        return table(offs);
    }

    /** The scratch buffer for reordered weights; lock held. */
    private ClBuffer weightWorkspace(long floats) {
        weightScratch = grown(weightScratch, floats);
        return weightScratch;
    }

    private ClBuffer grown(ClBuffer b, long floats) {
        if (b != null && b.elements() >= floats) {
            return b;
        }
        if (b != null) {
            b.close();
        }
        return (ClBuffer) allocate(floats);
    }

    /** The work one conv_cpu_tile work-item should have at least (it takes several rows when one is less). */
    private static final long CPU_TILE_MIN_FLOPS_PER_ITEM = 1 << 16;

    /** Outputs per work-item of depthwise.cl (its ROWS). */
    private static final int DEPTHWISE_ROWS = 4;

    /** The build options of depthwise.cl: the window (height, width of the 3D vectors), strides and dilations. */
    public static String depthwiseRowsOptions(int[] k3, int[] st3, int[] dl3) {
        return "-DKH=" + k3[1] + " -DKW=" + k3[2] + " -DSY=" + st3[1] + " -DSX=" + st3[2] + " -DDY=" + dl3[1] + " -DDX=" + dl3[2]
                + " -DROWS=" + DEPTHWISE_ROWS;
    }

    /** Outputs per work-item of direct_conv.cl's conv_depthwise (its DW_X). */
    private static final int DEPTHWISE_X = 4;

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** One work-item per output element, in launches of at most {@link #maxLaunchFlops} each (global offsets). */
    private void launch1d(cl_kernel k, int total, ConvSpec s) {
        long local = 64;
        long flopsPerItem = Math.max(1, s.flops() / Math.max(1, total));
        long step = Math.max(local, maxLaunchFlops / flopsPerItem / local * local);
        long padded = ceilDiv(total, local) * local;
        for (long o = 0; o < padded; o += step) {
            launch(k, new long[] {o}, new long[] {Math.min(step, padded - o)}, new long[] {local});
        }
    }

    private void launch(cl_kernel k, long[] offset, long[] global, long[] local) {
        Faults.check(Faults.Point.ENQUEUE);
        clEnqueueNDRangeKernel(queue, k, global.length, offset, global, local, 0, null, null);
    }

    /** Builds (once) and returns a kernel of this backend; call with the lock held. */
    cl_kernel kernel(String file, String options, String name) {
        String key = file + "|" + options + "|" + name;
        cl_kernel k = kernels.get(key);
        if (k == null) {
            k = clCreateKernel(program(file, options), name, null);
            ClCounters.created(ClCounters.Kind.KERNEL);
            kernels.put(key, k);
        }
        return k;
    }

    /** Builds a kernel into this backend's cache outside a convolution, for probes and checks. */
    public void withKernel(String file, String options, String name, java.util.function.Consumer<cl_kernel> body) {
        synchronized (lock) {
            ensureOpen();
            body.accept(kernel(file, options, name));
        }
    }

    public cl_command_queue queue() {
        return queue;
    }

    /** The lock every use of this backend's kernels and queue holds. */
    Object lock() {
        return lock;
    }

    public cl_context context() {
        return context;
    }

    /** The cl_mem behind a buffer of this backend. */
    public static cl_mem mem(DeviceBuffer b) {
        return ((ClBuffer) b).mem;
    }

    private cl_program program(String file, String options) {
        String key = file + "|" + options;
        cl_program p = programs.get(key);
        if (p != null) {
            return p;
        }
        Faults.check(Faults.Point.BUILD);
        String source = KernelSource.load(file);
        String opts = ("-cl-mad-enable " + options).trim();
        String cacheKey = ProgramCache.key(source, opts, device);
        long t0 = System.nanoTime();
        p = diskCache.flatMap(c -> c.load(cacheKey)).map(bin -> fromBinary(bin, opts)).orElse(null);
        boolean cached = p != null;
        if (p == null) {
            p = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
            ClCounters.created(ClCounters.Kind.PROGRAM);
            try {
                clBuildProgram(p, 1, new cl_device_id[] {device.id()}, opts, null, null);
            } catch (CLException e) {
                String log = buildLog(p);
                clReleaseProgram(p);
                ClCounters.released(ClCounters.Kind.PROGRAM);
                throw new BuildException("building kernels/" + file + ".cl with '" + opts + "' failed: " + e.getMessage()
                        + (log.isBlank() ? "" : "\n" + log), e.getStatus());
            }
            cl_program built = p;
            diskCache.ifPresent(c -> binary(built).ifPresent(bin -> c.store(cacheKey, bin)));
        }
        LOG.debug("Program {}.cl [{}] ready on {} in {} ms{}", file, opts, device.name(), (System.nanoTime() - t0) / 1_000_000,
                cached ? " (from the program cache)" : "");
        programs.put(key, p);
        return p;
    }

    private cl_program fromBinary(byte[] binary, String opts) {
        cl_program p = null;
        try {
            int[] status = new int[1];
            p = clCreateProgramWithBinary(context, 1, new cl_device_id[] {device.id()}, new long[] {binary.length},
                    new byte[][] {binary}, status, null);
            ClCounters.created(ClCounters.Kind.PROGRAM);
            clBuildProgram(p, 1, new cl_device_id[] {device.id()}, opts, null, null);
            return p;
        } catch (CLException e) {
            LOG.warn("A cached program binary was refused by {} ({}); rebuilding from source", device.name(), e.getMessage());
            if (p != null) {
                clReleaseProgram(p);
                ClCounters.released(ClCounters.Kind.PROGRAM);
            }
            return null;
        }
    }

    private java.util.Optional<byte[]> binary(cl_program p) {
        try {
            long[] size = new long[1];
            clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            if (size[0] <= 0) {
                return java.util.Optional.empty();
            }
            byte[] bin = new byte[(int) size[0]];
            Pointer[] ptrs = {Pointer.to(bin)};
            clGetProgramInfo(p, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(ptrs), null);
            return java.util.Optional.of(bin);
        } catch (CLException e) {
            return java.util.Optional.empty();
        }
    }

    private String buildLog(cl_program p) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, device.id(), CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] b = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, device.id(), CL_PROGRAM_BUILD_LOG, b.length, Pointer.to(b), null);
            return OpenCl.cString(b);
        } catch (CLException e) {
            return "";
        }
    }

    @Override
    public void finish() {
        synchronized (lock) {
            ensureOpen();
            clFinish(queue);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend on " + device.name() + " is closed");
        }
    }

    @Override
    public void close() {
        List<ClBuffer> buffers;
        synchronized (lock) {
            if (closed) {
                return;
            }
            // Closed before anything is freed: a call that takes the lock after this block finds the backend closed
            // and throws, instead of launching on buffers released below.
            closed = true;
            try {
                clFinish(queue);
            } catch (CLException e) {
                LOG.warn("clFinish on close failed: {}", e.getMessage());
            }
            buffers = new ArrayList<>(live);
        }
        for (ClBuffer b : buffers) {
            b.close();
        }
        synchronized (lock) {
            for (cl_kernel k : kernels.values()) {
                clReleaseKernel(k);
                ClCounters.released(ClCounters.Kind.KERNEL);
            }
            kernels.clear();
            for (cl_program p : programs.values()) {
                clReleaseProgram(p);
                ClCounters.released(ClCounters.Kind.PROGRAM);
            }
            programs.clear();
            clReleaseCommandQueue(queue);
            ClCounters.released(ClCounters.Kind.QUEUE);
            releaseContext();
        }
    }

    /** Sets kernel arguments in order. */
    private static final class Args {
        final cl_kernel kernel;
        int index;

        /** Moves the next argument position to {@code i} (to reset a trailing argument between launches). */
        Args at(int i) {
            index = i;
            return this;
        }

        Args(cl_kernel kernel) {
            this.kernel = kernel;
        }

        Args mem(DeviceBuffer b) {
            clSetKernelArg(kernel, index++, Sizeof.cl_mem, Pointer.to(((ClBuffer) b).mem));
            return this;
        }

        Args i(int v) {
            clSetKernelArg(kernel, index++, Sizeof.cl_int, Pointer.to(new int[] {v}));
            return this;
        }

        Args i4(int[] v3) {
            clSetKernelArg(kernel, index++, Sizeof.cl_int4, Pointer.to(new int[] {v3[0], v3[1], v3[2], 0}));
            return this;
        }
    }

    /** A cl_mem owned by this backend. */
    private final class ClBuffer extends DeviceBuffer {
        final cl_mem mem;

        ClBuffer(long elements, cl_mem mem) {
            super(elements);
            this.mem = mem;
        }

        @Override
        protected void release() {
            synchronized (lock) {
                live.remove(this);
                clReleaseMemObject(mem);
                ClCounters.released(ClCounters.Kind.BUFFER);
            }
        }
    }
}
