// The owner of one OpenCL device's objects: context, queue, buffers, programs, kernels and scratch.
package io.github.convcl.opencl;

import static org.jocl.CL.*;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.backend.DeviceFaultException;
import io.github.convcl.config.Settings;
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
 * Owns one device's OpenCL objects: its context, one in-order queue, the buffers allocated on it, programs (built once,
 * kept on disk by {@link ProgramCache}) and their kernels, scratch buffers per use and small int tables by content, and
 * releases them all on {@link #close()}. Every kernel launch, with its argument setting, happens under {@link #lock()}:
 * a {@code cl_kernel} is never used by two threads at once.
 */
final class ClContext implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClContext.class);

    /** The scratch buffers, one per use, grown on demand and kept until close. */
    enum Scratch {
        /** The padded input of the CPU tile kernels. */
        INPUT,
        /** Reordered weights (blocked for the CPU tile, tap-major for the implicit GEMM). */
        WEIGHTS,
        /** Winograd: transformed weights. */
        WINOGRAD_U,
        /** Winograd: transformed input tiles. */
        WINOGRAD_V,
        /** Winograd: the products per transformed point. */
        WINOGRAD_Y,
        /** grad_input: the weights flipped for a stride-1 convolution's adjoint. */
        FLIPPED_WEIGHTS,
        /** A reduction's per-work-group partial sums (the loss). */
        PARTIAL_SUMS,
        /** grad_weight GEMM: each split's partial weight gradient. */
        WEIGHT_PARTIALS
    }


    private final ClDevice device;

    private final cl_context context;

    private final cl_command_queue queue;

    private final Object lock = new Object();

    private final Map<String, cl_program> programs = new HashMap<>();

    private final Map<String, cl_kernel> kernels = new HashMap<>();

    private final List<ClBuffer> live = new ArrayList<>();

    private final Settings settings;
    private final java.util.Optional<ProgramCache> diskCache;
    private final ClBuffer noBias;
    private final ClBuffer[] scratch = new ClBuffer[Scratch.values().length];

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
     * 2^34 is about 0.5 s on the H100 and under 5 s on a slow GPU ({@link Settings#maxLaunchFlops}).
     */
    private final long maxLaunchFlops;
    private boolean closed;

    ClContext(ClDevice device, Settings settings) {
        this.device = device;
        this.settings = settings;
        this.maxLaunchFlops = settings.maxLaunchFlops();
        this.diskCache = settings.programCache() ? java.util.Optional.of(new ProgramCache(settings.cacheDir())) : java.util.Optional.empty();
        Faults.armFrom(settings.faults());
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
            this.noBias = allocate(1);
        } catch (RuntimeException e) {
            clReleaseCommandQueue(queue);
            ClCounters.released(ClCounters.Kind.QUEUE);
            releaseContext();
            throw new DeviceFaultException("could not allocate on " + device.label() + ": " + e.getMessage(), e);
        }
    }

    private void releaseContext() {
        clReleaseContext(context);
        ClCounters.released(ClCounters.Kind.CONTEXT);
    }

    ClDevice device() {
        return device;
    }

    Settings settings() {
        return settings;
    }

    /** The bias buffer of calls without bias (never read: the kernels take hasBias = 0). */
    ClBuffer noBias() {
        return noBias;
    }

    long maxLaunchFlops() {
        return maxLaunchFlops;
    }

    ClBuffer allocate(long elements) {
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

    void write(DeviceBuffer dst, long offset, FloatBuffer src) {
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

    void read(DeviceBuffer src, long offset, FloatBuffer dst) {
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

    /** This context's scratch buffer of {@code slot}, at least {@code floats}; lock held. */
    ClBuffer scratch(Scratch slot, long floats) {
        int i = slot.ordinal();
        scratch[i] = grown(scratch[i], floats);
        return scratch[i];
    }

    private ClBuffer grown(ClBuffer b, long floats) {
        if (b != null && b.elements() >= floats) {
            return b;
        }
        if (b != null) {
            b.close();
        }
        return allocate(floats);
    }

    /**
     * A device copy of a small int table (reduction and tap tables), uploaded once per distinct content and kept
     * (at most {@link #TABLE_CACHE} of them), so that a steady stream of calls never waits on a blocking write; lock held.
     */
    ClBuffer table(int[] values) {
        TableKey key = new TableKey(values.length == 0 ? new int[1] : values);
        ClBuffer cached = tables.get(key);
        if (cached != null) {
            return cached;
        }
        ClBuffer buf = allocate(key.values.length);
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

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** One work-item per output element, in launches of at most {@link #maxLaunchFlops} each (global offsets). */
    void launch1d(cl_kernel k, int total, ConvSpec s) {
        long local = 64;
        long flopsPerItem = Math.max(1, s.flops() / Math.max(1, total));
        long step = Math.max(local, maxLaunchFlops / flopsPerItem / local * local);
        long padded = ceilDiv(total, local) * local;
        for (long o = 0; o < padded; o += step) {
            launch(k, new long[] {o}, new long[] {Math.min(step, padded - o)}, new long[] {local});
        }
    }

    void launch(cl_kernel k, long[] offset, long[] global, long[] local) {
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
    void withKernel(String file, String options, String name, java.util.function.Consumer<cl_kernel> body) {
        synchronized (lock) {
            ensureOpen();
            body.accept(kernel(file, options, name));
        }
    }

     cl_command_queue queue() {
        return queue;
    }

    /** The lock every use of this backend's kernels and queue holds. */
    Object lock() {
        return lock;
    }

     cl_context context() {
        return context;
    }

    /** The cl_mem behind a buffer of this backend. */
    static cl_mem mem(DeviceBuffer b) {
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

    void finish() {
        synchronized (lock) {
            ensureOpen();
            clFinish(queue);
        }
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend on " + device.name() + " is closed");
        }
    }

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

    /** A program that did not build: the compiler's refusal, with its log. */
    static final class BuildException extends CLException {
        BuildException(String message, int status) {
            super(message, status);
        }
    }

    /** A cl_mem owned by this backend. */
    final class ClBuffer extends DeviceBuffer {
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
