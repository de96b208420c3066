// Per-device measurements and checks for `convcl devices`: kernel builds, small convolutions, peak rates.
package io.github.convcl.opencl;

import static org.jocl.CL.*;

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.golden.SelfCheck;
import io.github.convcl.golden.SelfCheck.Check;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_mem;

/** Builds, checks and measures one OpenCL device through an open backend. */
public final class DeviceProbe {
    private final OpenClBackend backend;

    public DeviceProbe(OpenClBackend backend) {
        this.backend = backend;
    }

    /** CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE of the implicit-GEMM kernel; builds it. */
    public long preferredWorkGroupMultiple() {
        long[] v = new long[1];
        backend.withKernel("probe", "", "copy", k ->
                clGetKernelWorkGroupInfo(k, backend.clDevice().id(), CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, Sizeof.size_t, Pointer.to(v), null));
        return v[0];
    }

    /**
     * Builds every shipped kernel file (each tuning of the tiled one) and runs the plans of {@link #checkedPlans} on
     * small layers.
     */
    public List<Check> check() {
        List<Check> checks = new ArrayList<>();
        List<String[]> builds = new ArrayList<>();
        for (var e : KernelSource.FILES.entrySet()) {
            if (e.getKey().equals("cpu_tile")) {
                builds.add(new String[] {e.getKey(), "-DCO=8 -DVN=1", "conv_pad"});
                builds.add(new String[] {e.getKey(), "-DCO=8 -DVN=1", "conv_weights_blocked"});
                builds.add(new String[] {e.getKey(), "-DCO=8 -DVN=1", "conv_cpu_tile"});
                builds.add(new String[] {e.getKey(), "-DCO=8 -DVN=1", "conv_cpu_tile_transposed"});
                builds.add(new String[] {e.getKey(), "-DCO=1 -DVN=1 -DKH=3 -DKW=3 -DSX=1", "conv_cpu_depthwise"});
            } else if (e.getKey().equals("implicit_gemm")) {
                List<Plan> gemms = new ArrayList<>(List.of(new Plan(io.github.convcl.plan.Algorithm.CL_IMPLICIT_GEMM, Planner.GPU_TILES),
                        new Plan(io.github.convcl.plan.Algorithm.CL_IMPLICIT_GEMM, Planner.CPU_TILES)));
                if (backend.facts().tensorCores() == io.github.convcl.plan.DeviceFacts.TensorCores.NATIVE) {
                    gemms.add(new Plan(io.github.convcl.plan.Algorithm.CL_IMPLICIT_GEMM_3XTF32, Planner.MMA_TILES));
                    gemms.add(new Plan(io.github.convcl.plan.Algorithm.CL_IMPLICIT_GEMM_TF32, Planner.MMA_TILES));
                    gemms.add(new Plan(io.github.convcl.plan.Algorithm.CL_IMPLICIT_GEMM_3XTF32_FRAG, Planner.MMA_TILES));
                    gemms.add(new Plan(io.github.convcl.plan.Algorithm.CL_IMPLICIT_GEMM_TF32_FRAG, Planner.MMA_TILES));
                    gemms.add(new Plan(io.github.convcl.plan.Algorithm.CL_IMPLICIT_GEMM_3XTF32_ASYNC, Planner.MMA_TILES));
                    gemms.add(new Plan(io.github.convcl.plan.Algorithm.CL_IMPLICIT_GEMM_TF32_ASYNC, Planner.MMA_TILES));
                    gemms.add(new Plan(io.github.convcl.plan.Algorithm.CL_IMPLICIT_GEMM_ASYNC, Planner.GPU_TILES));
                }
                for (Plan p : gemms) {
                    builds.add(new String[] {e.getKey(), backend.gemmBuildOptions(p)
                            + ImplicitGemmLauncher.gemmTableOptions(io.github.convcl.spec.PaddingMode.ZEROS, true), ImplicitGemmLauncher.gemmKernelName(p)});
                }
            } else if (e.getKey().equals("depthwise")) {
                builds.add(new String[] {e.getKey(), DepthwiseLauncher.depthwiseRowsOptions(new int[] {1, 3, 3}, new int[] {1, 1, 1},
                        new int[] {1, 1, 1}), "conv_depthwise_rows"});
            } else if (e.getKey().equals("winograd")) {
                for (String options : List.of(WinogradLauncher.winogradOptions(2, new int[] {1, 4, 4}),
                        WinogradLauncher.winogradOptions(4, new int[] {1, 6, 6}))) {
                    for (String k : e.getValue()) {
                        builds.add(new String[] {e.getKey(), options, k});
                    }
                }
            } else {
                for (String k : e.getValue()) {
                    builds.add(new String[] {e.getKey(), "", k});
                }
            }
        }
        for (String[] b : builds) {
            String what = "build " + b[0] + ".cl:" + b[2] + (b[1].isEmpty() ? "" : " [" + b[1] + "]");
            try {
                backend.withKernel(b[0], b[1], b[2], k -> { });
                checks.add(new Check(what, true, "built"));
            } catch (RuntimeException e) {
                checks.add(new Check(what, false, OpenCl.firstLine(e.getMessage())));
            }
        }
        checks.addAll(SelfCheck.run(backend, this::checkedPlans, OpenCl::firstLine));
        return checks;
    }

    /**
     * The plans the check runs on layer s: on a GPU every applicable one (every tiling: builds take a fraction of a
     * second there); on other devices, where each tiling is a build of seconds, the planner's choice and one plan of
     * every other applicable algorithm (the test suite runs every tiling on PoCL). Never the emulated ones.
     */
    private List<Plan> checkedPlans(ConvSpec s) {
        List<Plan> all = Planner.applicable(s, backend.facts()).stream().filter(p -> !emulated(p)).toList();
        if (backend.kind().equals(io.github.convcl.plan.BackendKind.OPENCL_GPU)) {
            return all;
        }
        java.util.Map<io.github.convcl.plan.Algorithm, Plan> one = new java.util.LinkedHashMap<>();
        Plan chosen = backend.plan(s);
        one.put(chosen.algorithm(), chosen);
        all.forEach(p -> one.putIfAbsent(p.algorithm(), p));
        return List.copyOf(one.values());
    }

    /**
     * An emulated inline-PTX plan (tensor cores or cp.async on a CPU device): a correctness aid of the test suite that the
     * planner never picks, and a slow build there, so not part of what a device can do.
     */
    private boolean emulated(Plan p) {
        return p.algorithm().inlinePtx() && backend.facts().tensorCores() == io.github.convcl.plan.DeviceFacts.TensorCores.EMULATED;
    }

    /** Measured rates of one device, with theoretical figures where they can be derived. */
    public record Rates(double fmaGflops, Double peakGflops, double copyGBs, double hostToDeviceGBs, double deviceToHostGBs,
                        double launchMicros) {
    }

    /** Runs the four measurements; {@code step} is called after each (for a progress bar). */
    public Rates bench(Runnable step) {
        double fma = fmaGflops();
        step.run();
        long bytes = Math.min(256L << 20, backend.clDevice().maxAllocationBytes() / 2);
        if (!backend.kind().equals(io.github.convcl.plan.BackendKind.OPENCL_GPU)) {
            bytes = Math.min(bytes, 64L << 20);
        }
        double copy = copyGBs(bytes);
        step.run();
        double[] transfer = transferGBs(bytes);
        step.run();
        double launch = launchMicros();
        step.run();
        var peak = backend.clDevice().peakGflops();
        return new Rates(fma, peak.isPresent() ? peak.getAsDouble() : null, copy, transfer[0], transfer[1], launch);
    }

    private double fmaGflops() {
        ClDevice d = backend.clDevice();
        long items = (long) d.computeUnits() * (d.kind() == io.github.convcl.plan.BackendKind.OPENCL_GPU ? 4096 : 256);
        int iterations = d.kind() == io.github.convcl.plan.BackendKind.OPENCL_GPU ? 1024 : 256;
        double best = 0;
        try (DeviceBuffer out = backend.allocate(items)) {
            for (int rep = 0; rep < 4; rep++) {
                long[] ns = new long[1];
                backend.withKernel("probe", "", "fma_peak", k -> {
                    clSetKernelArg(k, 0, Sizeof.cl_mem, Pointer.to(OpenClBackend.mem(out)));
                    clSetKernelArg(k, 1, Sizeof.cl_int, Pointer.to(new int[] {iterations}));
                    clSetKernelArg(k, 2, Sizeof.cl_float, Pointer.to(new float[] {0.999f}));
                    clSetKernelArg(k, 3, Sizeof.cl_float, Pointer.to(new float[] {0.001f}));
                    long t0 = System.nanoTime();
                    clEnqueueNDRangeKernel(backend.queue(), k, 1, null, new long[] {items}, new long[] {64}, 0, null, null);
                    clFinish(backend.queue());
                    ns[0] = System.nanoTime() - t0;
                });
                if (rep > 0) {
                    best = Math.max(best, items * (double) iterations * 128 / ns[0]);
                }
            }
        }
        return best;
    }

    private double copyGBs(long bytes) {
        int n4 = (int) (bytes / 16);
        double best = 0;
        try (DeviceBuffer a = backend.allocate(bytes / 4); DeviceBuffer b = backend.allocate(bytes / 4)) {
            for (int rep = 0; rep < 5; rep++) {
                long[] ns = new long[1];
                backend.withKernel("probe", "", "copy", k -> {
                    clSetKernelArg(k, 0, Sizeof.cl_mem, Pointer.to(OpenClBackend.mem(a)));
                    clSetKernelArg(k, 1, Sizeof.cl_mem, Pointer.to(OpenClBackend.mem(b)));
                    clSetKernelArg(k, 2, Sizeof.cl_int, Pointer.to(new int[] {n4}));
                    long global = ((n4 + 255L) / 256) * 256;
                    long t0 = System.nanoTime();
                    clEnqueueNDRangeKernel(backend.queue(), k, 1, null, new long[] {global}, new long[] {256}, 0, null, null);
                    clFinish(backend.queue());
                    ns[0] = System.nanoTime() - t0;
                });
                if (rep > 0) {
                    best = Math.max(best, 2.0 * n4 * 16 / ns[0]);
                }
            }
        }
        return best;
    }

    private double[] transferGBs(long bytes) {
        ByteBuffer host = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        double up = 0;
        double down = 0;
        try (DeviceBuffer a = backend.allocate(bytes / 4)) {
            cl_mem mem = OpenClBackend.mem(a);
            for (int rep = 0; rep < 4; rep++) {
                long t0 = System.nanoTime();
                synchronized (backend.lock()) {
                    clEnqueueWriteBuffer(backend.queue(), mem, CL_TRUE, 0, bytes, Pointer.to(host), 0, null, null);
                }
                long t1 = System.nanoTime();
                synchronized (backend.lock()) {
                    clEnqueueReadBuffer(backend.queue(), mem, CL_TRUE, 0, bytes, Pointer.to(host), 0, null, null);
                }
                long t2 = System.nanoTime();
                if (rep > 0) {
                    up = Math.max(up, (double) bytes / (t1 - t0));
                    down = Math.max(down, (double) bytes / (t2 - t1));
                }
            }
        }
        return new double[] {up, down};
    }

    private double launchMicros() {
        long[] samples = new long[200];
        try (DeviceBuffer out = backend.allocate(1)) {
            backend.withKernel("probe", "", "empty", k -> {
                clSetKernelArg(k, 0, Sizeof.cl_mem, Pointer.to(OpenClBackend.mem(out)));
                for (int i = -20; i < samples.length; i++) {
                    long t0 = System.nanoTime();
                    clEnqueueNDRangeKernel(backend.queue(), k, 1, null, new long[] {1}, null, 0, null, null);
                    clFinish(backend.queue());
                    if (i >= 0) {
                        samples[i] = System.nanoTime() - t0;
                    }
                }
            });
        }
        Arrays.sort(samples);
        return samples[samples.length / 2] / 1000.0;
    }

    /** True for a CLException, for callers that report rather than rethrow. */
    public static boolean isDeviceError(Throwable t) {
        return t instanceof CLException;
    }
}
