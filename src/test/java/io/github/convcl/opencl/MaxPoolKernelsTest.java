// Both OpenCL max-pool kernels on the CPU device: one work-item per output row (what CPU devices run) and one per
// output (what GPUs run, checked here since no GPU is in CI), with and without indices, against the Java backend.
package io.github.convcl.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.github.convcl.ConvCL;
import io.github.convcl.TestSupport;
import io.github.convcl.Tensor;
import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.spec.PoolSpec;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MaxPoolKernelsTest extends OpenClCpuFixture {
    private final ConvCL java = ConvCL.open("java");

    @AfterAll
    void closeJava() {
        java.close();
    }

    /**
     * The networks' pools (stride 2 with ceil_mode, stride 1 padded, 2x2), windows wholly in the padding's reach of
     * an edge, dilation, and random pools of rank 1 to 3.
     */
    static Stream<Arguments> pools() {
        List<PoolSpec> specs = new ArrayList<>(List.of(
                PoolSpec.maxPool(new int[] {1, 4, 112, 112}, new int[] {3}, new int[] {2}, new int[] {0}, new int[] {1}, true),
                PoolSpec.maxPool(new int[] {1, 6, 14, 14}, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, true),
                PoolSpec.maxPool(new int[] {2, 5, 7, 7}, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, true),
                PoolSpec.maxPool(new int[] {1, 3, 14, 14}, new int[] {2}, new int[] {2}, new int[] {0}, new int[] {1}, true),
                PoolSpec.maxPool(new int[] {1, 3, 56, 56}, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, false),
                PoolSpec.maxPool(new int[] {1, 2, 12, 10}, new int[] {3, 2}, new int[] {1, 2}, new int[] {1, 0}, new int[] {2, 1}, false),
                PoolSpec.maxPool(new int[] {1, 2, 9, 11}, new int[] {3}, new int[] {3}, new int[] {1}, new int[] {2}, true),
                PoolSpec.maxPool(new int[] {1, 2, 1, 70}, new int[] {1, 3}, new int[] {1, 2}, new int[] {0, 1}, new int[] {1}, true),
                PoolSpec.maxPool(new int[] {1, 9, 1, 1}, new int[] {1}, new int[] {1}, new int[] {0}, new int[] {1}, false)));
        TestSupport.randomMaxPools(new Random(1207), specs, 21, 2, 2, 6, 20);
        return specs.stream().map(s -> Arguments.of(s.toString(), s));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void bothKernelsMatchTheJavaBackend(String name, PoolSpec s) {
        Random r = new Random(name.hashCode());
        float[] x = new float[Math.toIntExact(s.inputElements())];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(4) * 0.5f - 1f; // ties: the first maximum must be named; all negative: no zero wins
        }
        for (int i = 0; i < x.length; i += 1 + r.nextInt(97)) {
            if (r.nextInt(4) == 0) {
                x[i] = Float.NaN;
            }
        }
        float[] values;
        float[] indices;
        try (Tensor tx = java.tensor(x, s.inputShape()); Tensor y = java.empty(s.outputShape()); Tensor idx = java.empty(s.outputShape())) {
            java.maxPool(s, tx, y, idx);
            values = y.toArray();
            indices = idx.toArray();
        }
        OpenClBackend b = (OpenClBackend) cl.backend();
        int n = Math.toIntExact(s.outputElements());
        try (DeviceBuffer bx = b.allocate(x.length); DeviceBuffer by = b.allocate(n); DeviceBuffer bi = b.allocate(n)) {
            b.write(bx, 0, FloatBuffer.wrap(x));
            for (boolean rows : new boolean[] {true, false}) {
                String at = name + (rows ? ", a row per work-item" : ", an output per work-item");
                b.maxPool(s, bx, by, null, rows);
                assertArrayEquals(values, read(b, by, n), at + ", no indices");
                b.maxPool(s, bx, by, bi, rows);
                assertArrayEquals(values, read(b, by, n), at);
                assertArrayEquals(indices, read(b, bi, n), at + ", indices");
            }
        }
    }

    private static float[] read(OpenClBackend b, DeviceBuffer src, int n) {
        float[] out = new float[n];
        b.read(src, 0, FloatBuffer.wrap(out));
        return out;
    }
}
