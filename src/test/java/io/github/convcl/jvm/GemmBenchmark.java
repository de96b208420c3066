// JMH micro-benchmarks of the Java kernels: GEMM (vector and plain), im2col, depthwise. Not run by `mvn test`.
package io.github.convcl.jvm;

import io.github.convcl.plan.Algorithm;
import io.github.convcl.spec.ConvSpec;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Run with {@code java -cp "$(cat target/jmh.cp):target/classes:target/test-classes" org.openjdk.jmh.Main GemmBenchmark}
 * (see docs/performance.md). The GEMM benchmarks are single-threaded; the layer benchmarks use every core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {
    /** M x N x K of the product: resnet3x3's per-tile shape and a 1x1 layer's. */
    @Param({"64x96x576", "256x96x256", "256x64x2304"})
    String shape;

    /** Rows per A panel: 6 or 4 (0 lets {@link Gemm#rowPanel} choose). */
    @Param({"0"})
    int rowPanel;

    int m;
    int n;
    int k;
    float[] a;
    float[] b;
    float[] c;
    int mr;
    float[] pa;
    float[] pb;
    ConvSpec resnet;
    float[] x;
    float[] w;
    float[] y;
    ConvSpec deep;
    float[] dx2;
    float[] dw2;
    float[] dy2;
    ConvSpec depthwise;
    float[] dx;
    float[] dw;
    float[] dy;

    @Setup
    public void setup() {
        int[] s = Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
        m = s[0];
        n = s[1];
        k = s[2];
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        Arrays.fill(a, 0.5f);
        Arrays.fill(b, 0.25f);
        mr = rowPanel == 0 ? Gemm.rowPanel(m) : rowPanel;
        pa = new float[Gemm.packedASize(m, k, mr)];
        pb = new float[Gemm.packedBSize(n, k)];
        Gemm.packA(m, k, a, 0, k, 1, mr, pa, 0);
        Gemm.packB(n, k, b, 0, n, pb, 0);
        resnet = ConvSpec.conv(2).input(1, 64, 56, 56).outChannels(64).kernel(3).padding(1).bias(false).build();
        x = new float[(int) resnet.inputElements()];
        w = new float[(int) resnet.weightElements()];
        y = new float[(int) resnet.outputElements()];
        deep = ConvSpec.conv(2).input(2, 256, 14, 14).outChannels(256).kernel(3).padding(1).bias(false).build();
        dx2 = new float[(int) deep.inputElements()];
        dw2 = new float[(int) deep.weightElements()];
        dy2 = new float[(int) deep.outputElements()];
        depthwise = ConvSpec.conv(2).input(1, 128, 56, 56).outChannels(128).kernel(3).padding(1).groups(128).bias(false).build();
        dx = new float[(int) depthwise.inputElements()];
        dw = new float[(int) depthwise.weightElements()];
        dy = new float[(int) depthwise.outputElements()];
    }

    /** The packed product alone (Vector API tiles, or plain ones with -jvmArgsAppend -Dconvcl.vector=false). */
    @Benchmark
    public float[] gemmPacked() {
        Gemm.multiplyPacked(m, n, k, mr, pa, 0, pb, 0, c, 0, n);
        return c;
    }

    /** Packing both operands, the overhead the product pays per tile. */
    @Benchmark
    public float[] packBoth() {
        Gemm.packA(m, k, a, 0, k, 1, mr, pa, 0);
        Gemm.packB(n, k, b, 0, n, pb, 0);
        return pb;
    }

    /** resnet3x3 at batch 1 on the direct GEMM (the planner takes Winograd for it). */
    @Benchmark
    public float[] resnet3x3Layer() {
        JavaKernels.run(Algorithm.JAVA_DIRECT_GEMM, resnet, x, w, null, y);
        return y;
    }

    /** deep3x3 of the suite (2 x 256 x 14 x 14, 3x3, 256 out): many channels, few positions. */
    @Benchmark
    public float[] deep3x3Layer() {
        JavaKernels.run(Algorithm.JAVA_DIRECT_GEMM, deep, dx2, dw2, null, dy2);
        return dy2;
    }

    /** A weight cache of one entry, as a weight tensor keeps its packed (here: transformed) weights between calls. */
    private static final class OneEntry implements PackCache {
        private Object key;
        private float[] packed;

        @Override
        public long version() {
            return 0;
        }

        @Override
        public float[] get(Object k) {
            return k.equals(key) ? packed : null;
        }

        @Override
        public float[] recycle(int size) {
            return null;
        }

        @Override
        public void put(Object k, long version, float[] p) {
            key = k;
            packed = p;
        }
    }

    private final OneEntry resnetWeights = new OneEntry();
    private final OneEntry deepWeights = new OneEntry();

    /** resnet3x3 at batch 1 on the Winograd F(4,3) the planner takes, weights transformed once (a weight tensor). */
    @Benchmark
    public float[] resnet3x3Winograd() {
        JavaKernels.run(Algorithm.JAVA_WINOGRAD, resnet, x, w, null, y, resnetWeights);
        return y;
    }

    /** deep3x3 on the Winograd F(4,3), weights transformed once. */
    @Benchmark
    public float[] deep3x3Winograd() {
        JavaKernels.run(Algorithm.JAVA_WINOGRAD, deep, dx2, dw2, null, dy2, deepWeights);
        return dy2;
    }

    /** The same layer through explicit im2col, for comparison. */
    @Benchmark
    public float[] resnet3x3Im2col() {
        JavaKernels.run(Algorithm.JAVA_IM2COL_GEMM, resnet, x, w, null, y);
        return y;
    }

    @Benchmark
    public float[] depthwise3x3Layer() {
        JavaKernels.run(Algorithm.JAVA_DEPTHWISE, depthwise, dx, dw, null, dy);
        return dy;
    }
}
