// The Java backend's thread count: where tasks run, how the count is checked, and results that do not depend on it.
package io.github.convcl.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convcl.ConvCL;
import io.github.convcl.TestSupport;
import io.github.convcl.backend.BackendUnavailableException;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.plan.Plan;
import io.github.convcl.plan.Planner;
import io.github.convcl.spec.ConvSpec;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ParallelTest {
    private int before;

    @BeforeEach
    void remember() {
        before = JavaBackend.threads();
    }

    @AfterEach
    void restore() {
        JavaBackend.setThreads(before);
    }

    private static void assertEachTaskRanOnce(AtomicIntegerArray times) {
        for (int t = 0; t < times.length(); t++) {
            assertEquals(1, times.get(t), "task " + t);
        }
    }

    @Test
    void oneThreadRunsEveryTaskOnTheCallingThread() {
        JavaBackend.setThreads(1);
        Set<Thread> ran = ConcurrentHashMap.newKeySet();
        AtomicIntegerArray times = new AtomicIntegerArray(50);
        Parallel.forEach(50, t -> {
            ran.add(Thread.currentThread());
            times.incrementAndGet(t);
        });
        assertEquals(Set.of(Thread.currentThread()), ran);
        assertEachTaskRanOnce(times);
        assertEquals("Java " + Runtime.version().feature() + ", 1 thread", new JavaBackend().device());
    }

    /**
     * Many small tasks are claimed in runs of count / (threads x {@link io.github.convcl.plan.Thresholds#JAVA_CLAIMS_PER_THREAD})
     * consecutive indices: each task runs once, each run on one thread, the last run ragged.
     */
    @Test
    void manyTasksAreClaimedInRunsOfNeighbours() {
        JavaBackend.setThreads(3);
        for (int count : new int[] {1000, 1001, 24, 23}) {
            AtomicIntegerArray times = new AtomicIntegerArray(count);
            String[] ranOn = new String[count];
            Parallel.forEach(count, t -> {
                times.incrementAndGet(t);
                ranOn[t] = Thread.currentThread().getName();
                if (t % 7 == 0) {
                    Thread.onSpinWait();
                }
            });
            assertEachTaskRanOnce(times);
            int grain = Math.max(1, count / (3 * io.github.convcl.plan.Thresholds.JAVA_CLAIMS_PER_THREAD));
            assertEquals(count >= 48 ? count / 24 : 1, grain, "runs for " + count + " tasks");
            for (int t = 0; t < count; t++) {
                assertEquals(ranOn[t / grain * grain], ranOn[t], "task " + t + " of " + count + " left its run of " + grain);
            }
        }
    }

    @Test
    void aPoolOfTheCountRunsEveryTaskOnceAndNestedTasksJoinIt() {
        JavaBackend.setThreads(3);
        AtomicIntegerArray times = new AtomicIntegerArray(800);
        Set<String> workers = ConcurrentHashMap.newKeySet();
        Parallel.forEach(40, outer -> {
            Parallel.forEach(20, inner -> {
                times.incrementAndGet(outer * 20 + inner);
                workers.add(Thread.currentThread().getName());
            });
            try {
                Thread.sleep(5); // long enough that every idle worker steals a task
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertEachTaskRanOnce(times);
        workers.remove(Thread.currentThread().getName());
        // Every worker usually takes part; at least two must, and never more than the three asked for.
        assertTrue(workers.size() >= 2 && workers.size() <= 3, workers.toString());
        assertTrue(workers.stream().allMatch(n -> n.startsWith("convcl-java-")), workers.toString());
        assertEquals("Java " + Runtime.version().feature() + ", 3 threads", new JavaBackend().device());
    }

    /**
     * Calls back to back, each offered to the helpers still spinning after the one before (and a long linger, so that
     * they are): every task of every call runs once, a failure ends only its own call, and no call stays on offer.
     */
    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A call whose tasks hold a 1 MiB array; the array, weakly. */
    private static java.lang.ref.WeakReference<Object> callHolding() {
        byte[] big = new byte[1 << 20];
        Parallel.forEach(5, t -> big[t]++);
        return new java.lang.ref.WeakReference<>(big);
    }

    @Test
    void lingeringHelpersTakeTheNextCallsTasksOnce() throws Exception {
        JavaBackend.setThreads(3);
        Parallel.setLingerMicros(100000);
        try {
            int calls = 400;
            AtomicIntegerArray times = new AtomicIntegerArray(calls * 7);
            Set<String> ran = ConcurrentHashMap.newKeySet();
            for (int c = 0; c < calls; c++) {
                int call = c;
                Parallel.forEach(7, t -> {
                    times.incrementAndGet(call * 7 + t);
                    ran.add(Thread.currentThread().getName());
                    if (t == 0 && call % 4 == 0) {
                        sleepMillis(1); // a slow task now and then: the others are left to the helpers
                    }
                });
                if (c == calls / 2) {
                    assertThrows(IllegalStateException.class, () -> Parallel.forEach(9, t -> {
                        throw new IllegalStateException("task " + t);
                    }));
                }
            }
            assertEachTaskRanOnce(times);
            assertTrue(ran.stream().anyMatch(n -> n.startsWith("convcl-java-")), "helpers took part: " + ran);
            // The last call's body (and what it holds) is not kept on offer once the call has returned (a helper
            // lingering after it lets go when it stops, 0.1 s here).
            java.lang.ref.WeakReference<Object> ref = callHolding();
            for (int i = 0; i < 100 && ref.get() != null; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertTrue(ref.get() == null, "the finished call is still referenced");
        } finally {
            Parallel.setLingerMicros(io.github.convcl.config.Settings.DEFAULT_LINGER_MICROS);
        }
    }

    @Test
    void theCallerTakesTasksBesideThePoolAndAFailureReachesIt() {
        JavaBackend.setThreads(2);
        Set<Thread> ran = ConcurrentHashMap.newKeySet();
        AtomicIntegerArray times = new AtomicIntegerArray(64);
        Parallel.forEach(64, t -> {
            times.incrementAndGet(t);
            ran.add(Thread.currentThread());
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertEachTaskRanOnce(times);
        assertTrue(ran.contains(Thread.currentThread()), "the calling thread runs tasks too: " + ran);
        assertTrue(ran.size() <= 2, "two threads asked for: " + ran);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forEach(50, t -> {
            if (t == 7) {
                throw new IllegalStateException("task seven");
            }
        }));
        assertEquals("task seven", e.getMessage());
    }

    @Test
    void countsAreCheckedAndNamedWithTheirValue() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> JavaBackend.setThreads(0));
        assertTrue(zero.getMessage().contains("threads=0 must be between 1 and 1024"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JavaBackend.setThreads(1025));
        IllegalArgumentException word = assertThrows(IllegalArgumentException.class, () -> Parallel.parse("many"));
        assertTrue(word.getMessage().contains("threads=many"), word.getMessage());
        assertEquals(4, Parallel.parse(" 4 "));
        assertEquals(Runtime.getRuntime().availableProcessors(), Parallel.parse(null));
        assertEquals(Runtime.getRuntime().availableProcessors(), Parallel.parse(" "));
        assertEquals(before, JavaBackend.threads(), "a refused count changes nothing");
    }

    @Test
    void aBadConfiguredCountStopsTheBackendBeforeAnyWork() {
        io.github.convcl.TestSupport.withProperty("convcl.threads", "-2", () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, JavaBackend::new);
            assertTrue(e.getMessage().contains("threads=-2"), e.getMessage());
            // Asked for by name, the runtime says why that backend could not be opened.
            RuntimeException open = assertThrows(BackendUnavailableException.class, () -> ConvCL.open("java"));
            assertTrue(open.getMessage().contains("threads=-2 must be between 1 and 1024"), open.getMessage());
        });
    }

    /** Every Java algorithm on layers that take each of its paths gives the same bits on 1, 2 and 5 threads. */
    @Test
    void resultsAreTheSameBitsOnAnyThreadCount() {
        List<ConvSpec> layers = List.of(
                ConvSpec.conv(2).input(3, 16, 20, 21).outChannels(24).kernel(3).padding(1).build(),
                ConvSpec.conv(2).input(2, 32, 18, 18).outChannels(32).kernel(3).padding(1).groups(8).build(),
                ConvSpec.conv(2).input(2, 12, 15, 15).outChannels(24).kernel(3).stride(2).padding(1).groups(12).build(),
                ConvSpec.conv(2).input(2, 40, 9, 11).outChannels(56).kernel(1).build(),
                ConvSpec.conv(1).input(3, 24, 70).outChannels(40).kernel(5).dilation(2).padding(4).build(),
                ConvSpec.conv(3).input(1, 6, 7, 8, 9).outChannels(10).kernel(3).padding(1).build(),
                ConvSpec.convTranspose(2).input(2, 20, 9, 10).outChannels(12).kernel(4).stride(2).padding(1).build(),
                ConvSpec.convTranspose(2).input(1, 16, 8, 8).outChannels(8).kernel(3).stride(2).padding(1).outputPadding(1).build(),
                ConvSpec.convTranspose(3).input(1, 8, 4, 5, 5).outChannels(6).kernel(2).stride(2).build());
        RandomSpecs data = new RandomSpecs(21, 1);
        for (ConvSpec s : layers) {
            float[] x = data.data(s.inputElements());
            float[] w = data.data(s.weightElements());
            float[] b = s.hasBias() ? data.data(s.outChannels()) : null;
            for (Plan p : Planner.applicable(s, new JavaBackend().facts())) {
                float[] first = null;
                for (int threads : new int[] {1, 2, 5}) {
                    JavaBackend.setThreads(threads);
                    float[] y = new float[(int) s.outputElements()];
                    JavaKernels.run(p.algorithm(), s, x, w, b, y);
                    if (first == null) {
                        first = y;
                        TestSupport.assertClose(p + " on " + s, y, Reference.convolve(s, x, w, b));
                    } else {
                        assertArrayEquals(first, y, p + " on " + s + " with " + threads + " threads");
                    }
                }
            }
        }
    }
}
