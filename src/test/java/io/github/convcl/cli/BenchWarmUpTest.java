// The bench's warm-up runs until the layer's time stops falling, not only for a fixed time.
package io.github.convcl.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchWarmUpTest {
    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Calls that get faster (a JIT still compiling) keep the warm-up going past the fixed part until they level off. */
    @Test
    void warmsUpWhileTheCallsGetFaster() {
        int[] count = {0};
        int n = BenchCommand.warmUp(() -> sleep(Math.max(2, 40 - 2 * count[0]++)), 3, 0, () -> 0L, 0);
        assertTrue(n >= 3 + 4 * BenchCommand.WARM_WINDOW, "stopped at call " + n + " while the calls were still getting faster");
        assertTrue(n < 200, "did not stop once the calls took the same time: " + n + " calls");
    }

    /** Calls of one cost: the fixed part, then two windows (the second no faster than the first) or a few more. */
    @Test
    void stopsOnceTheCallsTakeTheSameTime() {
        int[] count = {0};
        int n = BenchCommand.warmUp(() -> {
            count[0]++;
            sleep(2);
        }, 4, 0, () -> 0L, 0);
        assertTrue(n >= 4 + 2 * BenchCommand.WARM_WINDOW, n + " calls");
        assertTrue(n < 200, n + " calls");
        org.junit.jupiter.api.Assertions.assertEquals(count[0], n, "every call counted");
    }

    /** Calls of one cost while the JIT still finishes compilations: the warm-up goes on until it has been quiet. */
    @Test
    void waitsForTheJitToFallQuiet() {
        int[] count = {0};
        long quiet = 60;
        int n = BenchCommand.warmUp(() -> {
            count[0]++;
            sleep(2);
        }, 4, 0, () -> 100L * Math.min(count[0], 60), quiet);
        assertTrue(n >= 60 + quiet / 3, "stopped at call " + n + " while the JIT compiled until call 60 and needs " + quiet
                + " ms quiet after it");
        assertTrue(n < 400, n + " calls");
    }

    /** A JIT that finishes compilations all the time: the warm-up stops at its cap (2 s here), not never. */
    @Test
    void stopsAtTheCapWhenTheJitNeverFallsQuiet() {
        int[] count = {0};
        long t0 = System.nanoTime();
        BenchCommand.warmUp(() -> {
            count[0]++;
            sleep(2);
        }, 1, 0, () -> 100L * count[0], 50);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds >= 1.9 && seconds < 10, seconds + " s");
    }
}
