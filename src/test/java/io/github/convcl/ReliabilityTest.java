// Reliability: injected device faults, oversize tensors, corrupt cache entries, split launches, leak soak.
package io.github.convcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.convcl.backend.DeviceFaultException;
import io.github.convcl.golden.RandomSpecs;
import io.github.convcl.jvm.Reference;
import io.github.convcl.opencl.ClCounters;
import io.github.convcl.opencl.Faults;
import io.github.convcl.opencl.OpenClBackend;
import io.github.convcl.opencl.ProgramCache;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Shapes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

class ReliabilityTest {
    /** Mixed convolutions of the leak soak. */
    static final int SOAK_CONVOLUTIONS = 10_000;
    /** Runtimes opened and closed during the soak. */
    static final int SOAK_RUNTIMES = 40;
    /** Bounds on growth over the soak, generous for a shared CI machine but far below a per-call leak. */
    static final long MAX_HEAP_GROWTH = 64L << 20;
    static final long MAX_RSS_GROWTH = 256L << 20;

    static final ConvSpec LAYER = ConvSpec.conv(2).input(2, 8, 12, 12).outChannels(16).kernel(3).padding(1).build();

    @AfterEach
    void disarm() {
        Faults.clear();
    }

    private static float[][] data(ConvSpec s, long seed) {
        RandomSpecs r = new RandomSpecs(seed, 1);
        return new float[][] {r.data(s.inputElements()), r.data(s.weightElements()), s.hasBias() ? r.data(s.outChannels()) : null};
    }

    @ParameterizedTest
    @EnumSource(value = Faults.Point.class, names = {"BUILD", "ENQUEUE", "ALLOCATION"})
    void injectedFaultsFinishOnJavaWithOneWarningOrThrow(Faults.Point point) {
        float[][] d = data(LAYER, 1);
        double[] ref = Reference.convolve(LAYER, d[0], d[1], d[2]);
        Logger log = (Logger) LoggerFactory.getLogger(ConvCL.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        Map<ClCounters.Kind, Long> baseline = ClCounters.snapshot();
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu")) {
            if (point != Faults.Point.BUILD) {
                cl.convolve(LAYER, d[0], d[1], d[2]); // programs built, so the fault hits the launch
            }
            Map<ClCounters.Kind, Long> steady = null;
            // A program is built once per runtime, so a build fault can be injected once; the others twice.
            int rounds = point == Faults.Point.BUILD ? 1 : 2;
            for (int round = 0; round < rounds; round++) {
                events.list.clear();
                cl.faultPolicy(FaultPolicy.FALLBACK_TO_JAVA);
                Faults.arm(point, 1);
                TestSupport.assertClose("fallback after " + point, cl.convolve(LAYER, d[0], d[1], d[2]), ref);
                List<ILoggingEvent> warns = events.list.stream().filter(e -> e.getLevel().toString().equals("WARN")).toList();
                assertEquals(1, warns.size(), warns.toString());
                assertTrue(warns.get(0).getFormattedMessage().contains("injected fault at " + point), warns.get(0).getFormattedMessage());

                cl.faultPolicy(FaultPolicy.FAIL);
                Faults.arm(point, 1);
                DeviceFaultException e = assertThrows(DeviceFaultException.class, () -> cl.convolve(LAYER, d[0], d[1], d[2]));
                assertTrue(e.getMessage().contains("injected fault"), e.getMessage());
                // The runtime stays usable.
                TestSupport.assertClose("after " + point, cl.convolve(LAYER, d[0], d[1], d[2]), ref);
                if (steady == null) {
                    steady = ClCounters.snapshot();
                } else {
                    assertEquals(steady, ClCounters.snapshot(), "a second round of faults leaked");
                }
            }
        } finally {
            log.detachAppender(events);
        }
        assertEquals(baseline, ClCounters.snapshot(), "live OpenCL objects after close");
    }

    @Test
    void aDeviceThatCannotBeOpenedIsSkippedByAutoAndReportedWhenForced() {
        boolean cpu = io.github.convcl.opencl.OpenCl.probe().devices().stream()
                .anyMatch(d -> d.kind() == io.github.convcl.plan.BackendKind.OPENCL_CPU);
        if (!cpu && !TestSupport.openClRequired()) {
            org.junit.jupiter.api.Assumptions.abort("no OpenCL CPU device");
        }
        Map<ClCounters.Kind, Long> baseline = ClCounters.snapshot();
        Faults.arm(Faults.Point.CONTEXT, 1);
        var e = assertThrows(io.github.convcl.backend.BackendUnavailableException.class, () -> ConvCL.open("opencl-cpu"));
        assertTrue(e.getMessage().contains("could not be opened"), e.getMessage());
        // Auto: every OpenCL device fails to open, so the runtime ends on Java and still computes.
        Faults.arm(Faults.Point.CONTEXT, 16);
        try (ConvCL cl = ConvCL.open("auto")) {
            assertEquals(io.github.convcl.plan.BackendKind.JAVA, cl.backendKind());
            float[][] d = data(LAYER, 3);
            TestSupport.assertClose("on java", cl.convolve(LAYER, d[0], d[1], d[2]), Reference.convolve(LAYER, d[0], d[1], d[2]));
        }
        assertEquals(baseline, ClCounters.snapshot());
    }

    /**
     * Two limits bound a tensor: the elements one tensor may hold ({@link Shapes#MAX_ELEMENTS}, Java arrays and the
     * kernels' indices are int) and the device's largest allocation. Whichever is tighter on this machine refuses first,
     * naming its limit; the element limit is checked on every machine, the device's where it is the smaller one.
     */
    @Test
    void aTensorAboveEitherLimitIsRefusedOnTheHostNamingTheLimit() {
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu")) {
            long max = ((OpenClBackend) cl.backend()).clDevice().maxAllocationBytes();
            Map<ClCounters.Kind, Long> before = ClCounters.snapshot();
            IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> cl.empty(1 << 16, 1 << 15));
            assertTrue(tooMany.getMessage().contains(Long.toString(Shapes.MAX_ELEMENTS)), tooMany.getMessage());
            if (max / Float.BYTES + 1024 <= Shapes.MAX_ELEMENTS) {
                int floats = (int) (max / Float.BYTES + 1024);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cl.empty(floats));
                assertTrue(e.getMessage().contains("largest allocation"), e.getMessage());
            }
            assertEquals(before, ClCounters.snapshot());
        }
    }

    @Test
    void aCorruptProgramCacheEntryIsRebuiltNotLoaded(@TempDir Path dir) throws Exception {
        float[][] d = data(LAYER, 2);
        double[] ref = Reference.convolve(LAYER, d[0], d[1], d[2]);
        io.github.convcl.config.Settings cached = io.github.convcl.config.Settings.fromSystem().withCacheDir(dir);
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu", cached)) {
            TestSupport.assertClose("fresh", cl.convolve(LAYER, d[0], d[1], d[2]), ref);
        }
        List<Path> entries;
        try (Stream<Path> files = Files.list(dir)) {
            entries = files.filter(f -> f.toString().endsWith(".clbin")).toList();
        }
        assertTrue(!entries.isEmpty(), "the build was cached");
        for (Path f : entries) {
            byte[] bytes = Files.readAllBytes(f);
            bytes[bytes.length / 2] ^= 0x5a;
            Files.write(f, bytes);
            assertTrue(new ProgramCache(dir).load(f.getFileName().toString().replace(".clbin", "")).isEmpty());
            Files.write(f, bytes);
        }
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu", cached)) {
            TestSupport.assertClose("after corruption", cl.convolve(LAYER, d[0], d[1], d[2]), ref);
        }
        for (Path f : entries) {
            assertTrue(new ProgramCache(dir).load(f.getFileName().toString().replace(".clbin", "")).isPresent(), "rebuilt " + f);
        }
    }

    /** A store that cannot move its file into place leaves no temporary file behind and says so once, at WARN. */
    @Test
    void aFailedCacheStoreLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        ProgramCache cache = new ProgramCache(dir);
        Files.createDirectories(cache.file("k1"));
        Files.writeString(cache.file("k1").resolve("occupied"), "x"); // a non-empty directory where the entry goes
        Files.createDirectories(cache.file("k2"));
        Files.writeString(cache.file("k2").resolve("occupied"), "x");
        Logger log = (Logger) LoggerFactory.getLogger(ProgramCache.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        try {
            cache.store("k1", new byte[] {1, 2, 3});
            cache.store("k2", new byte[] {1, 2, 3});
        } finally {
            log.detachAppender(events);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".tmp")).toList());
        }
        assertEquals(1, events.list.stream().filter(e -> e.getLevel().toString().equals("WARN")).count(), events.list.toString());
    }

    @Test
    void longLayersSplitIntoShortLaunchesGiveTheSameResult() {
        try (ConvCL split = TestSupport.openOrSkip("opencl-cpu", io.github.convcl.config.Settings.fromSystem().withMaxLaunchFlops(20000))) {
            RandomSpecs r = new RandomSpecs(8, 2_000_000);
            for (int i = 0; i < 40; i++) {
                ConvSpec s = r.next();
                float[][] d = data(s, i);
                TestSupport.assertClose("split " + s, split.convolve(s, d[0], d[1], d[2]), Reference.convolve(s, d[0], d[1], d[2]));
            }
        }
    }

    @Test
    void leakSoakReturnsEveryCounterToItsBaseline() {
        Map<ClCounters.Kind, Long> baseline = ClCounters.snapshot();
        Runtime rt = Runtime.getRuntime();
        RandomSpecs random = new RandomSpecs(77, 20_000);
        List<ConvSpec> specs = Stream.generate(random::next).limit(50).toList();
        // Each layer once first: its program build (with empty caches, PoCL's compiler in this process) and the JIT
        // are one-time costs, not growth per call.
        try (ConvCL cl = TestSupport.openOrSkip("opencl-cpu")) {
            for (int i = 0; i < specs.size(); i++) {
                float[][] d = data(specs.get(i), i % 7);
                cl.convolve(specs.get(i), d[0], d[1], d[2]);
            }
        }
        System.gc();
        long heap0 = rt.totalMemory() - rt.freeMemory();
        long committed0 = rt.totalMemory();
        long rss0 = rss();
        int done = 0;
        int perRuntime = SOAK_CONVOLUTIONS / SOAK_RUNTIMES;
        for (int r = 0; r < SOAK_RUNTIMES; r++) {
            try (ConvCL cl = r % 4 == 3 ? ConvCL.open("java") : TestSupport.openOrSkip("opencl-cpu")) {
                for (int i = 0; i < perRuntime; i++, done++) {
                    ConvSpec s = specs.get(done % specs.size());
                    float[][] d = data(s, done % 7);
                    float[] y = cl.convolve(s, d[0], d[1], d[2]);
                    assertEquals(s.outputElements(), y.length);
                }
                // Tensors left open are released when their runtime closes.
                cl.tensor(new float[16], 4, 4);
            }
        }
        assertEquals(SOAK_CONVOLUTIONS, done);
        assertEquals(baseline, ClCounters.snapshot(), "live OpenCL objects after the soak");
        System.gc();
        long heapGrowth = rt.totalMemory() - rt.freeMemory() - heap0;
        // Outside the Java heap: the heap's committed size follows the collector's sizing, not leaks (bounded above).
        long rssGrowth = rss() - rss0 - Math.max(0, rt.totalMemory() - committed0);
        System.out.printf("leak soak: %d convolutions, %d runtimes; heap growth %.1f MiB, RSS growth outside the heap %.1f MiB%n",
                done, SOAK_RUNTIMES, heapGrowth / 1048576.0, rssGrowth / 1048576.0);
        assertTrue(heapGrowth < MAX_HEAP_GROWTH, "heap grew by " + heapGrowth);
        assertTrue(rssGrowth < MAX_RSS_GROWTH, "RSS grew by " + rssGrowth);
    }

    static long rss() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException e) {
            return 0;
        }
        return 0;
    }
}
