// What a channel-blocked activation layout (NCHW16c: [N][C/16][H][W][16]) would buy the Java backend: a 1x1 kernel and
// a Winograd F(4,3) written on that layout, each checked against the Java backend's output and timed against it,
// alternating one call each per round in one JVM (docs/performance.md, fifteenth session). Measurement code for the
// decision to build the layout, not a kernel of the library.
//
// Usage (after `mvn -q -DskipTests package`), 512-bit Vector API machines:
//   java --add-modules jdk.incubator.vector -cp target/convcl.jar .ci/BlockedLayoutBench.java pointwise THREADS CIN,COUT,HW[,r]...
//   java --add-modules jdk.incubator.vector -cp target/convcl.jar .ci/BlockedLayoutBench.java winograd THREADS C,COUT,HW...
// pointwise: a 1x1 on batch 1 with scale, shift (and with ",r" the residual) and relu; winograd: a 3x3, padding 1, with
// scale, shift and relu. Prints each side's minimum and the median per-round ratio blocked / Java backend.

import io.github.convcl.backend.DeviceBuffer;
import io.github.convcl.backend.OutputStage;
import io.github.convcl.jvm.JavaBackend;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

public class BlockedLayoutBench {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    /** Positions (or Winograd tiles) per register tile; channels per tile: two 16-lane vectors. */
    static final int ROWS = 8;
    static final int COLS = 32;
    /** Winograd tiles per chunk: a chunk's transformed input and products stay in L2. */
    static final int CHUNK = 8;

    public static void main(String[] a) throws Exception {
        boolean winograd = a[0].equals("winograd");
        int threads = Integer.parseInt(a[1]);
        JavaBackend.setThreads(threads);
        JavaBackend be = new JavaBackend();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads - 1));
        try {
            for (int i = 2; i < a.length; i++) {
                String[] f = a[i].split(",");
                int cin = Integer.parseInt(f[0]);
                int cout = Integer.parseInt(f[1]);
                int hw = Integer.parseInt(f[2]);
                boolean residual = !winograd && f.length > 3 && f[3].equals("r");
                if (cin % 16 != 0 || cout % COLS != 0) {
                    throw new IllegalArgumentException("channels " + cin + " -> " + cout + ": in must be a multiple of 16, out of " + COLS);
                }
                run(be, pool, threads, winograd, cin, cout, hw, residual, a[i]);
            }
        } finally {
            pool.shutdown();
        }
    }

    static void run(JavaBackend be, ExecutorService pool, int threads, boolean winograd, int cin, int cout, int hw, boolean residual, String name)
            throws Exception {
        int p = hw * hw;
        int k = winograd ? 3 : 1;
        ConvSpec spec = ConvSpec.conv(2).input(1, cin, hw, hw).outChannels(cout).kernel(k).padding(winograd ? 1 : 0).bias(false)
                .epilogue(Epilogue.parse(residual ? "scale+shift+residual+relu" : "scale+shift+relu")).build();
        Random r = new Random(1);
        float[] x = gaussian(r, cin * p, 1f);
        float[] w = gaussian(r, cout * cin * k * k, 0.05f);
        float[] scale = new float[cout];
        float[] shift = gaussian(r, cout, 0.1f);
        for (int c = 0; c < cout; c++) {
            scale[c] = 0.5f + r.nextFloat();
        }
        float[] res = gaussian(r, cout * p, 1f);
        DeviceBuffer bx = upload(be, x);
        DeviceBuffer bw = upload(be, w);
        DeviceBuffer bs = upload(be, scale);
        DeviceBuffer bt = upload(be, shift);
        DeviceBuffer br = upload(be, res);
        DeviceBuffer by = be.allocate(cout * p);
        OutputStage stage = new OutputStage(bs, bt, residual ? br : null, 0, 0);
        float[] xb = blocked(x, cin, p);
        float[] rb = residual ? blocked(res, cout, p) : null;
        float[] yb = new float[cout * p];
        float[] packed = winograd ? winogradWeights(w, cin, cout) : pointwiseWeights(w, cin, cout);
        Runnable blockedCall = winograd
                ? () -> winograd(pool, threads, cin, cout, hw, xb, packed, yb, scale, shift)
                : () -> pointwise(pool, threads, cin, cout, p, xb, packed, yb, scale, shift, rb);
        be.convolve(spec, bx, bw, null, stage, by);
        float[] y = new float[cout * p];
        be.read(by, 0, FloatBuffer.wrap(y));
        blockedCall.run();
        float[] expected = blocked(y, cout, p);
        double diff = 0;
        double size = 0;
        for (int j = 0; j < expected.length; j++) {
            diff = Math.max(diff, Math.abs(expected[j] - yb[j]));
            size = Math.max(size, Math.abs(expected[j]));
        }
        int rounds = 40;
        int warm = 10;
        double[] library = new double[rounds - warm];
        double[] mine = new double[rounds - warm];
        double[] ratio = new double[rounds - warm];
        for (int round = 0; round < rounds; round++) {
            double tl = 0;
            double tb = 0;
            for (int side = 0; side < 2; side++) {
                boolean libraryFirst = round % 2 == 0;
                boolean lib = (side == 0) == libraryFirst;
                long t0 = System.nanoTime();
                for (int rep = 0; rep < 5; rep++) {
                    if (lib) {
                        be.convolve(spec, bx, bw, null, stage, by);
                    } else {
                        blockedCall.run();
                    }
                }
                double ms = (System.nanoTime() - t0) / 5e6;
                if (lib) {
                    tl = ms;
                } else {
                    tb = ms;
                }
            }
            if (round >= warm) {
                library[round - warm] = tl;
                mine[round - warm] = tb;
                ratio[round - warm] = tb / tl;
            }
        }
        Arrays.sort(library);
        Arrays.sort(mine);
        Arrays.sort(ratio);
        System.out.printf(Locale.ROOT, "%-16s %-30s library min %.3f ms, blocked min %.3f ms, blocked / library median %.3f;"
                + " max difference %.1e of %.1e%n", name, be.plan(spec), library[0], mine[0], ratio[ratio.length / 2], diff, size);
    }

    /**
     * The 1x1 on blocked tensors: chunks of 16 positions for every 32-channel group of the output, each an 8-position x
     * 32-channel register tile per 8 positions (the last few positions one at a time), the epilogue before the store.
     */
    static void pointwise(ExecutorService pool, int threads, int cin, int cout, int p, float[] x, float[] w, float[] y, float[] scale,
                          float[] shift, float[] res) {
        int groups = cout / COLS;
        int span = 16;
        int chunks = (p + span - 1) / span;
        parallel(pool, threads, chunks * groups, task -> {
            int chunk = task / groups;
            int g = task % groups;
            int end = Math.min(p, (chunk + 1) * span);
            int at = chunk * span;
            for (; at + ROWS <= end; at += ROWS) {
                tile(ROWS, cin / 16, x, at * 16, p * 16, w, g * cin * COLS, y, g * 2 * p * 16 + at * 16, scale, shift, g * COLS, res);
            }
            for (; at < end; at++) {
                tile(1, cin / 16, x, at * 16, p * 16, w, g * cin * COLS, y, g * 2 * p * 16 + at * 16, scale, shift, g * COLS, res);
            }
        });
    }

    /**
     * Winograd F(4,3), stride 1, padding 1, on blocked tensors: per chunk of {@link #CHUNK} tiles, each tile's 6x6 points
     * of 16 channels transformed in L1, the 36 products by {@link #tile} (the chunk's tiles as rows), the inverse transform
     * and the epilogue before a store of 16 channels per output.
     */
    static void winograd(ExecutorService pool, int threads, int cin, int cout, int hw, float[] x, float[] u, float[] y, float[] scale,
                         float[] shift) {
        int side = (hw + 3) / 4;
        int tiles = side * side;
        int chunks = (tiles + CHUNK - 1) / CHUNK;
        int inBlocks = cin / 16;
        int outBlocks = cout / 16;
        int groups = cout / COLS;
        parallel(pool, threads, chunks, chunk -> {
            float[] v = new float[36 * cin * CHUNK];
            float[] m = new float[36 * cout * CHUNK];
            float[] s = new float[36 * 16];
            int t0 = chunk * CHUNK;
            int n = Math.min(CHUNK, tiles - t0);
            for (int cb = 0; cb < inBlocks; cb++) {
                for (int tl = 0; tl < CHUNK; tl++) {
                    int t = t0 + Math.min(tl, n - 1); // rows past the last tile repeat it; their products are not stored
                    int ty = t / side;
                    int tx = t % side;
                    for (int i = 0; i < 6; i++) {
                        for (int j = 0; j < 6; j++) {
                            int iy = 4 * ty + i - 1;
                            int ix = 4 * tx + j - 1;
                            int at = (i * 6 + j) * 16;
                            if (iy < 0 || iy >= hw || ix < 0 || ix >= hw) {
                                Arrays.fill(s, at, at + 16, 0f);
                            } else {
                                System.arraycopy(x, ((cb * hw + iy) * hw + ix) * 16, s, at, 16);
                            }
                        }
                    }
                    for (int i = 0; i < 6; i++) {
                        input(s, i * 96, 16);
                    }
                    for (int j = 0; j < 6; j++) {
                        input(s, j * 16, 96);
                    }
                    for (int e = 0; e < 36; e++) {
                        System.arraycopy(s, e * 16, v, ((e * inBlocks + cb) * CHUNK + tl) * 16, 16);
                    }
                }
            }
            for (int e = 0; e < 36; e++) {
                for (int g = 0; g < groups; g++) {
                    for (int r0 = 0; r0 < CHUNK; r0 += ROWS) {
                        tile(ROWS, inBlocks, v, e * cin * CHUNK + r0 * 16, CHUNK * 16, u, (e * groups + g) * cin * COLS, m,
                                e * cout * CHUNK + g * 2 * CHUNK * 16 + r0 * 16, null, null, 0, null);
                    }
                }
            }
            for (int ob = 0; ob < outBlocks; ob++) {
                FloatVector vs = FloatVector.fromArray(S, scale, ob * 16);
                FloatVector vt = FloatVector.fromArray(S, shift, ob * 16);
                for (int tl = 0; tl < n; tl++) {
                    int t = t0 + tl;
                    int ty = t / side;
                    int tx = t % side;
                    for (int e = 0; e < 36; e++) {
                        System.arraycopy(m, ((e * outBlocks + ob) * CHUNK + tl) * 16, s, e * 16, 16);
                    }
                    for (int i = 0; i < 6; i++) {
                        output(s, i * 96, 16);
                    }
                    for (int j = 0; j < 4; j++) {
                        output(s, j * 16, 96);
                    }
                    for (int i = 0; i < 4 && 4 * ty + i < hw; i++) {
                        for (int j = 0; j < 4 && 4 * tx + j < hw; j++) {
                            FloatVector.fromArray(S, s, (i * 6 + j) * 16).fma(vs, vt).max(0f)
                                    .intoArray(y, ((ob * hw + 4 * ty + i) * hw + 4 * tx + j) * 16);
                        }
                    }
                }
            }
        });
    }

    /**
     * {@code rows} rows (positions at {@code x[xi + r * 16]} of each 16-channel block, blocks {@code stride} apart) times
     * 32 output channels (weights {@code w[wi + ci * 32 + q]}); each row's two 16-channel vectors go to {@code y[yi + r *
     * 16]} and one block on (blocks {@code stride} apart, as the input's: both hold the same positions), as they are or,
     * with a scale, as {@code relu(fma(v, scale, shift) + res)} (no residual where res is null); rows is 8 or 1. The
     * stores are spelled out: vectors handed to a method the JIT does not inline are boxed.
     */
    static void tile(int rows, int blocks, float[] x, int xi, int stride, float[] w, int wi, float[] y, int yi, float[] scale, float[] shift,
                     int co, float[] res) {
        if (rows == 1) {
            FloatVector c0 = FloatVector.zero(S);
            FloatVector c1 = c0;
            for (int cb = 0, wk = wi; cb < blocks; cb++) {
                for (int c = 0; c < 16; c++, wk += COLS) {
                    FloatVector a = FloatVector.broadcast(S, x[xi + cb * stride + c]);
                    c0 = a.fma(FloatVector.fromArray(S, w, wk), c0);
                    c1 = a.fma(FloatVector.fromArray(S, w, wk + 16), c1);
                }
            }
            if (scale != null) {
                c0 = c0.fma(FloatVector.fromArray(S, scale, co), FloatVector.fromArray(S, shift, co));
                c1 = c1.fma(FloatVector.fromArray(S, scale, co + 16), FloatVector.fromArray(S, shift, co + 16));
                if (res != null) {
                    c0 = c0.add(FloatVector.fromArray(S, res, yi));
                    c1 = c1.add(FloatVector.fromArray(S, res, yi + stride));
                }
                c0 = c0.max(0f);
                c1 = c1.max(0f);
            }
            c0.intoArray(y, yi);
            c1.intoArray(y, yi + stride);
            return;
        }
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z;
        FloatVector b0 = z;
        FloatVector a1 = z;
        FloatVector b1 = z;
        FloatVector a2 = z;
        FloatVector b2 = z;
        FloatVector a3 = z;
        FloatVector b3 = z;
        FloatVector a4 = z;
        FloatVector b4 = z;
        FloatVector a5 = z;
        FloatVector b5 = z;
        FloatVector a6 = z;
        FloatVector b6 = z;
        FloatVector a7 = z;
        FloatVector b7 = z;
        for (int cb = 0, wk = wi; cb < blocks; cb++) {
            int xk = xi + cb * stride;
            for (int c = 0; c < 16; c++, wk += COLS) {
                FloatVector w0 = FloatVector.fromArray(S, w, wk);
                FloatVector w1 = FloatVector.fromArray(S, w, wk + 16);
                FloatVector a = FloatVector.broadcast(S, x[xk + c]);
                a0 = a.fma(w0, a0);
                b0 = a.fma(w1, b0);
                a = FloatVector.broadcast(S, x[xk + 16 + c]);
                a1 = a.fma(w0, a1);
                b1 = a.fma(w1, b1);
                a = FloatVector.broadcast(S, x[xk + 32 + c]);
                a2 = a.fma(w0, a2);
                b2 = a.fma(w1, b2);
                a = FloatVector.broadcast(S, x[xk + 48 + c]);
                a3 = a.fma(w0, a3);
                b3 = a.fma(w1, b3);
                a = FloatVector.broadcast(S, x[xk + 64 + c]);
                a4 = a.fma(w0, a4);
                b4 = a.fma(w1, b4);
                a = FloatVector.broadcast(S, x[xk + 80 + c]);
                a5 = a.fma(w0, a5);
                b5 = a.fma(w1, b5);
                a = FloatVector.broadcast(S, x[xk + 96 + c]);
                a6 = a.fma(w0, a6);
                b6 = a.fma(w1, b6);
                a = FloatVector.broadcast(S, x[xk + 112 + c]);
                a7 = a.fma(w0, a7);
                b7 = a.fma(w1, b7);
            }
        }
        if (scale == null) {
            a0.intoArray(y, yi);
            b0.intoArray(y, yi + stride);
            a1.intoArray(y, yi + 16);
            b1.intoArray(y, yi + stride + 16);
            a2.intoArray(y, yi + 32);
            b2.intoArray(y, yi + stride + 32);
            a3.intoArray(y, yi + 48);
            b3.intoArray(y, yi + stride + 48);
            a4.intoArray(y, yi + 64);
            b4.intoArray(y, yi + stride + 64);
            a5.intoArray(y, yi + 80);
            b5.intoArray(y, yi + stride + 80);
            a6.intoArray(y, yi + 96);
            b6.intoArray(y, yi + stride + 96);
            a7.intoArray(y, yi + 112);
            b7.intoArray(y, yi + stride + 112);
            return;
        }
        FloatVector s0 = FloatVector.fromArray(S, scale, co);
        FloatVector t0 = FloatVector.fromArray(S, shift, co);
        a0 = a0.fma(s0, t0);
        if (res != null) {
            a0 = a0.add(FloatVector.fromArray(S, res, yi));
        }
        a0.max(0f).intoArray(y, yi);
        a1 = a1.fma(s0, t0);
        if (res != null) {
            a1 = a1.add(FloatVector.fromArray(S, res, yi + 16));
        }
        a1.max(0f).intoArray(y, yi + 16);
        a2 = a2.fma(s0, t0);
        if (res != null) {
            a2 = a2.add(FloatVector.fromArray(S, res, yi + 32));
        }
        a2.max(0f).intoArray(y, yi + 32);
        a3 = a3.fma(s0, t0);
        if (res != null) {
            a3 = a3.add(FloatVector.fromArray(S, res, yi + 48));
        }
        a3.max(0f).intoArray(y, yi + 48);
        a4 = a4.fma(s0, t0);
        if (res != null) {
            a4 = a4.add(FloatVector.fromArray(S, res, yi + 64));
        }
        a4.max(0f).intoArray(y, yi + 64);
        a5 = a5.fma(s0, t0);
        if (res != null) {
            a5 = a5.add(FloatVector.fromArray(S, res, yi + 80));
        }
        a5.max(0f).intoArray(y, yi + 80);
        a6 = a6.fma(s0, t0);
        if (res != null) {
            a6 = a6.add(FloatVector.fromArray(S, res, yi + 96));
        }
        a6.max(0f).intoArray(y, yi + 96);
        a7 = a7.fma(s0, t0);
        if (res != null) {
            a7 = a7.add(FloatVector.fromArray(S, res, yi + 112));
        }
        a7.max(0f).intoArray(y, yi + 112);
        FloatVector s1 = FloatVector.fromArray(S, scale, co + 16);
        FloatVector t1 = FloatVector.fromArray(S, shift, co + 16);
        b0 = b0.fma(s1, t1);
        if (res != null) {
            b0 = b0.add(FloatVector.fromArray(S, res, yi + stride));
        }
        b0.max(0f).intoArray(y, yi + stride);
        b1 = b1.fma(s1, t1);
        if (res != null) {
            b1 = b1.add(FloatVector.fromArray(S, res, yi + stride + 16));
        }
        b1.max(0f).intoArray(y, yi + stride + 16);
        b2 = b2.fma(s1, t1);
        if (res != null) {
            b2 = b2.add(FloatVector.fromArray(S, res, yi + stride + 32));
        }
        b2.max(0f).intoArray(y, yi + stride + 32);
        b3 = b3.fma(s1, t1);
        if (res != null) {
            b3 = b3.add(FloatVector.fromArray(S, res, yi + stride + 48));
        }
        b3.max(0f).intoArray(y, yi + stride + 48);
        b4 = b4.fma(s1, t1);
        if (res != null) {
            b4 = b4.add(FloatVector.fromArray(S, res, yi + stride + 64));
        }
        b4.max(0f).intoArray(y, yi + stride + 64);
        b5 = b5.fma(s1, t1);
        if (res != null) {
            b5 = b5.add(FloatVector.fromArray(S, res, yi + stride + 80));
        }
        b5.max(0f).intoArray(y, yi + stride + 80);
        b6 = b6.fma(s1, t1);
        if (res != null) {
            b6 = b6.add(FloatVector.fromArray(S, res, yi + stride + 96));
        }
        b6.max(0f).intoArray(y, yi + stride + 96);
        b7 = b7.fma(s1, t1);
        if (res != null) {
            b7 = b7.add(FloatVector.fromArray(S, res, yi + stride + 112));
        }
        b7.max(0f).intoArray(y, yi + stride + 112);
    }

    static void input(float[] v, int o, int s) {
        FloatVector d0 = FloatVector.fromArray(S, v, o);
        FloatVector d1 = FloatVector.fromArray(S, v, o + s);
        FloatVector d2 = FloatVector.fromArray(S, v, o + 2 * s);
        FloatVector d3 = FloatVector.fromArray(S, v, o + 3 * s);
        FloatVector d4 = FloatVector.fromArray(S, v, o + 4 * s);
        FloatVector d5 = FloatVector.fromArray(S, v, o + 5 * s);
        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(v, o);
        d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(v, o + s);
        d4.sub(d3).add(d1.sub(d2).mul(4f)).intoArray(v, o + 2 * s);
        d4.sub(d2).add(d3.sub(d1).mul(2f)).intoArray(v, o + 3 * s);
        d4.sub(d2).sub(d3.sub(d1).mul(2f)).intoArray(v, o + 4 * s);
        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(v, o + 5 * s);
    }

    static void output(float[] v, int o, int s) {
        FloatVector m0 = FloatVector.fromArray(S, v, o);
        FloatVector m1 = FloatVector.fromArray(S, v, o + s);
        FloatVector m2 = FloatVector.fromArray(S, v, o + 2 * s);
        FloatVector m3 = FloatVector.fromArray(S, v, o + 3 * s);
        FloatVector m4 = FloatVector.fromArray(S, v, o + 4 * s);
        FloatVector m5 = FloatVector.fromArray(S, v, o + 5 * s);
        FloatVector a = m1.add(m2);
        FloatVector b = m1.sub(m2);
        FloatVector c = m3.add(m4);
        FloatVector d = m3.sub(m4);
        m0.add(a).add(c).intoArray(v, o);
        b.add(d.mul(2f)).intoArray(v, o + s);
        a.add(c.mul(4f)).intoArray(v, o + 2 * s);
        b.add(d.mul(8f)).add(m5).intoArray(v, o + 3 * s);
    }

    /** w[co][ci] as [co / 32][ci][32]. */
    static float[] pointwiseWeights(float[] w, int cin, int cout) {
        float[] p = new float[cout * cin];
        for (int co = 0; co < cout; co++) {
            for (int ci = 0; ci < cin; ci++) {
                p[((co / COLS) * cin + ci) * COLS + co % COLS] = w[co * cin + ci];
            }
        }
        return p;
    }

    /** G g G^T of each w[co][ci][3][3] (in double), as [point][co / 32][ci][32]. */
    static float[] winogradWeights(float[] w, int cin, int cout) {
        double[][] g = {{0.25, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0}, {-1 / 6.0, 1 / 6.0, -1 / 6.0}, {1 / 24.0, 1 / 12.0, 1 / 6.0},
            {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};
        int groups = cout / COLS;
        float[] u = new float[36 * cout * cin];
        for (int co = 0; co < cout; co++) {
            for (int ci = 0; ci < cin; ci++) {
                for (int i = 0; i < 6; i++) {
                    for (int j = 0; j < 6; j++) {
                        double sum = 0;
                        for (int a = 0; a < 3; a++) {
                            for (int b = 0; b < 3; b++) {
                                sum += g[i][a] * w[((co * cin + ci) * 3 + a) * 3 + b] * g[j][b];
                            }
                        }
                        u[(((i * 6 + j) * groups + co / COLS) * cin + ci) * COLS + co % COLS] = (float) sum;
                    }
                }
            }
        }
        return u;
    }

    /** [C][P] as [C / 16][P][16]. */
    static float[] blocked(float[] v, int channels, int p) {
        float[] o = new float[v.length];
        for (int c = 0; c < channels; c++) {
            for (int q = 0; q < p; q++) {
                o[((c / 16) * p + q) * 16 + c % 16] = v[c * p + q];
            }
        }
        return o;
    }

    static float[] gaussian(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * scale;
        }
        return v;
    }

    static DeviceBuffer upload(JavaBackend be, float[] v) {
        DeviceBuffer b = be.allocate(v.length);
        be.write(b, 0, FloatBuffer.wrap(v));
        return b;
    }

    /** Tasks [0, n) over the calling thread and the pool's, taken in turn from a shared counter. */
    static void parallel(ExecutorService pool, int threads, int n, IntConsumer body) {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Runnable work = () -> {
            for (int t; (t = next.getAndIncrement()) < n; ) {
                body.accept(t);
            }
        };
        Future<?>[] helpers = new Future<?>[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = pool.submit(work);
        }
        work.run();
        try {
            for (Future<?> f : helpers) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
