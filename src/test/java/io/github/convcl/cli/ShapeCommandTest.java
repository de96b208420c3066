// convcl shape: one layer's shape and costs, and a suite's totals.
package io.github.convcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShapeCommandTest {
    @Test
    void oneLayer() {
        CliRun r = CliRun.of("shape", "--op", "conv2d", "--input", "1,3,224,224", "--out-channels", "64", "--kernel", "7",
                "--stride", "2", "--padding", "3", "--no-bias");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("[1,64,112,112]"), r.out());
        assertTrue(r.out().contains(" 9408 "), r.out());
        assertTrue(r.out().contains(Long.toString(2L * 64 * 112 * 112 * 3 * 49)), r.out());
        assertTrue(r.out().contains("[7,7]"), r.out());
    }

    @Test
    void transposedWithOutputSize() {
        CliRun r = CliRun.of("shape", "--op", "conv_transpose1d", "--input", "1,2,7", "--out-channels", "3", "--kernel", "3",
                "--stride", "2", "--padding", "1", "--output-size", "14");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("[1,3,14]"), r.out());
    }

    @Test
    void badValuesAreAUsageErrorNamingTheParameter() {
        CliRun r = CliRun.of("shape", "--op", "conv2d", "--input", "1,5,8,8", "--out-channels", "4", "--kernel", "3", "--groups", "2");
        assertEquals(2, r.exit());
    }
}
