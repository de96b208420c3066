// Steady-state Java convolutions reuse their workspaces: per call they allocate a few KiB, not their buffers.
package io.github.convcl.jvm;


import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class SteadyStateAllocationTest {
    /** The first JDK release measured to compile the Java Winograd's vector code without boxing. */
    static final int WINOGRAD_UNBOXED_JDK = 25;

    /** Bytes one steady-state call may allocate on all threads together: task objects and small tables. */
    static final long MAX_BYTES_PER_CALL = 256 * 1024;
    /** The same for a gradient call, whose tasks are fewer (measured 0.5-25 kB): a tensor-sized scratch per call exceeds it. */
    static final long MAX_GRADIENT_BYTES_PER_CALL = 64 * 1024;

    static long allocatedByAllThreads() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = bean.getAllThreadIds();
        long sum = 0;
        for (long a : bean.getThreadAllocatedBytes(ids)) {
            sum += Math.max(0, a);
        }
        return sum;
    }

    /** Bytes allocated so far by each live thread, by name. */
    static java.util.Map<String, Long> allocatedByThread() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = bean.getAllThreadIds();
        long[] bytes = bean.getThreadAllocatedBytes(ids);
        java.util.Map<String, Long> byName = new java.util.TreeMap<>();
        for (int i = 0; i < ids.length; i++) {
            var info = bean.getThreadInfo(ids[i]);
            if (info != null && bytes[i] >= 0) {
                byName.merge(info.getThreadName(), bytes[i], Long::sum);
            }
        }
        return byName;
    }

    @Test
    void workspacesAreReusedBetweenCalls() {
        List<ConvSpec> layers = List.of(
                ConvSpec.conv(2).input(1, 64, 56, 56).outChannels(64).kernel(3).padding(1).bias(false).build(),
                ConvSpec.conv(2).input(1, 64, 56, 56).outChannels(64).kernel(3).stride(2).padding(1).build(),
                ConvSpec.conv(2).input(1, 64, 28, 28).outChannels(128).kernel(1).build(),
                // strided 1x1: the gathered input (800 KB) is a workspace too
                ConvSpec.conv(2).input(1, 256, 56, 56).outChannels(64).kernel(1).stride(2).bias(false).build(),
                ConvSpec.conv(2).input(1, 64, 28, 28).outChannels(64).kernel(3).padding(1).groups(64).build(),
                // depthwise rows narrower than a vector: one run of positions per plane (a vector the JIT boxed per
                // step would allocate about 590 KB a call here)
                ConvSpec.conv(2).input(1, 512, 7, 7).outChannels(512).kernel(3).padding(1).groups(512).build(),
                ConvSpec.convTranspose(2).input(1, 64, 16, 16).outChannels(32).kernel(4).stride(2).padding(1).build(),
                ConvSpec.conv(3).input(1, 8, 12, 12, 12).outChannels(16).kernel(3).padding(1).build(),
                // Winograd in one dimension: each channel's row is split into phases through a scratch row
                ConvSpec.conv(1).input(1, 256, 1024).outChannels(256).kernel(3).padding(1).bias(false).build());
        for (ConvSpec s : layers) {
            float[] x = new float[(int) s.inputElements()];
            float[] w = new float[(int) s.weightElements()];
            float[] b = s.hasBias() ? new float[s.outChannels()] : null;
            float[] y = new float[(int) s.outputElements()];
            var algorithm = Planner.plan(s, JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER));
            if (algorithm.algorithm().family() == io.github.convcl.plan.Algorithm.Family.JAVA_WINOGRAD && Runtime.version().feature() < WINOGRAD_UNBOXED_JDK) {
                // JDK 17's C2 leaves some of the Winograd transforms' vector operations on the Vector API's boxed
                // fallback in most JVMs (docs/performance.md, known problems): the kernels' own buffers are reused,
                // but the JIT's boxes are not theirs to avoid. Checked from JDK 25, where it compiles them unboxed.
                continue;
            }
            // Until the JIT has compiled the kernels (interpreted Vector API code allocates per operation): at least
            // 2 s, longer while ten calls still allocate more than the bound (a loaded CI machine with a second test
            // JVM building PoCL kernels once took more than 2 s to compile them), at most 30 s.
            long start = System.nanoTime();
            for (int i = 0; ; i++) {
                long round = allocatedByAllThreads();
                for (int j = 0; j < 10; j++) {
                    JavaKernels.run(algorithm, s, x, w, b, y);
                }
                long elapsed = System.nanoTime() - start;
                boolean steady = (allocatedByAllThreads() - round) / 10 < MAX_BYTES_PER_CALL;
                if (elapsed > 30_000_000_000L || (elapsed > 2_000_000_000L && steady) || (i >= 30 && steady)) {
                    break;
                }
            }
            int calls = 20;
            var threadsBefore = allocatedByThread();
            long before = allocatedByAllThreads();
            for (int i = 0; i < calls; i++) {
                JavaKernels.run(algorithm, s, x, w, b, y);
            }
            long perCall = (allocatedByAllThreads() - before) / calls;
            long buffers = 4L * (x.length + y.length);
            if (perCall >= MAX_BYTES_PER_CALL) {
                // Where it went, for the failure message: bytes per call by thread (threads new since are counted whole).
                StringBuilder where = new StringBuilder();
                allocatedByThread().forEach((name, bytes) -> {
                    long delta = (bytes - threadsBefore.getOrDefault(name, 0L)) / calls;
                    if (delta > 1024) {
                        where.append(' ').append(name).append('=').append(delta);
                    }
                });
                org.junit.jupiter.api.Assertions.fail(s + " with " + algorithm + " allocated " + perCall + " bytes per call (its tensors: " + buffers
                        + "); by thread:" + where);
            }
        }
    }

    /** The blocked depthwise kernel: its sums in a workspace, and no vector the JIT boxes (its edges pick arrays, not vectors). */
    @Test
    void theBlockedDepthwiseKernelAllocatesNoVectors() {
        io.github.convcl.plan.DeviceFacts facts = JavaBackend.facts(io.github.convcl.config.Settings.JavaChoices.PLANNER);
        List<ConvSpec> layers = List.of(
                ConvSpec.conv(2).input(1, 512, 14, 14).outChannels(512).kernel(3).padding(1).groups(512).build(),
                ConvSpec.conv(2).input(1, 64, 112, 112).outChannels(64).kernel(3).stride(2).padding(1).groups(64).build(),
                ConvSpec.conv(2).input(1, 32, 20, 20).outChannels(32).kernel(5).padding(2).groups(32).build());
        for (ConvSpec s : layers) {
            org.junit.jupiter.api.Assumptions.assumeTrue(Planner.javaBlocked(s, facts) == io.github.convcl.plan.BlockedKernel.DEPTHWISE,
                    "no blocked kernels without 16-lane vectors");
            float[] x = new float[(int) s.inputElements()];
            float[] w = new float[(int) s.weightElements()];
            float[] y = new float[(int) s.outputElements()];
            Store st = Store.of(s, null, null, null, s.outChannels(), 0);
            long start = System.nanoTime();
            for (int i = 0; ; i++) {
                long round = allocatedByAllThreads();
                for (int j = 0; j < 10; j++) {
                    BlockedGemm.depthwise(s, x, w, null, null, st, y);
                }
                long elapsed = System.nanoTime() - start;
                boolean steady = (allocatedByAllThreads() - round) / 10 < MAX_BYTES_PER_CALL;
                if (elapsed > 30_000_000_000L || (elapsed > 2_000_000_000L && steady) || (i >= 30 && steady)) {
                    break;
                }
            }
            int calls = 20;
            long before = allocatedByAllThreads();
            for (int i = 0; i < calls; i++) {
                BlockedGemm.depthwise(s, x, w, null, null, st, y);
            }
            long perCall = (allocatedByAllThreads() - before) / calls;
            org.junit.jupiter.api.Assertions.assertTrue(perCall < MAX_BYTES_PER_CALL, s + " allocated " + perCall + " bytes per call");
        }
    }

    /**
     * The backward passes reuse their workspaces too: grad_weight with each of its plans, grad_input with the planner's
     * (its adjoint's output, where it is folded or cropped, included), on the backend's own buffers.
     */
    @Test
    void theGradientsReuseTheirWorkspaces() {
        List<ConvSpec> layers = List.of(
                ConvSpec.conv(2).input(2, 32, 28, 28).outChannels(64).kernel(3).stride(2).padding(1).bias(false).build(),
                ConvSpec.conv(2).input(2, 64, 28, 28).outChannels(64).kernel(3).padding(1).groups(8).build(),
                ConvSpec.conv(2).input(2, 16, 28, 28).outChannels(16).kernel(5).padding(2).groups(16)
                        .paddingMode(io.github.convcl.spec.PaddingMode.REFLECT).build(),
                ConvSpec.convTranspose(2).input(2, 32, 14, 14).outChannels(16).kernel(4).stride(2).padding(1).build());
        try (JavaBackend b = new JavaBackend()) {
            for (ConvSpec s : layers) {
                var x = b.allocate(s.inputElements());
                var w = b.allocate(s.weightElements());
                var gy = b.allocate(s.outputElements());
                var gx = b.allocate(s.inputElements());
                var gw = b.allocate(s.weightElements());
                var dataPlan = b.plan(s, io.github.convcl.spec.Pass.BACKWARD_DATA);
                List<Runnable> calls = new java.util.ArrayList<>();
                if (dataPlan.algorithm().family() != io.github.convcl.plan.Algorithm.Family.JAVA_WINOGRAD || Runtime.version().feature() >= WINOGRAD_UNBOXED_JDK) {
                    calls.add(() -> b.gradInput(s, dataPlan, gy, w, gx, false));
                }
                for (var p : b.applicablePlans(s, io.github.convcl.spec.Pass.BACKWARD_WEIGHT)) {
                    calls.add(() -> b.gradWeight(s, p, x, gy, gw, false));
                }
                for (Runnable call : calls) {
                    long start = System.nanoTime();
                    long perCall;
                    do {
                        long before = allocatedByAllThreads();
                        for (int i = 0; i < 10; i++) {
                            call.run();
                        }
                        perCall = (allocatedByAllThreads() - before) / 10;
                    } while (perCall >= MAX_GRADIENT_BYTES_PER_CALL && System.nanoTime() - start < 30_000_000_000L);
                    org.junit.jupiter.api.Assertions.assertTrue(perCall < MAX_GRADIENT_BYTES_PER_CALL, s + ": " + perCall + " bytes per call");
                }
            }
        }
    }
}
