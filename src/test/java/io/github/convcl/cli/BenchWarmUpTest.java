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
        int n = BenchCommand.warmUp(() -> sleep(Math.max(2, 40 - 2 * count[0]++)), 3, 0);
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
        }, 4, 0);
        assertTrue(n >= 4 + 2 * BenchCommand.WARM_WINDOW, n + " calls");
        assertTrue(n < 200, n + " calls");
        org.junit.jupiter.api.Assertions.assertEquals(count[0], n, "every call counted");
    }
}
