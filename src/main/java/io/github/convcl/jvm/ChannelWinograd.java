// Java Winograd F(4,3) and F(2,3) with the channels along the vectors: a tile's points transformed 16 channels at once.
package io.github.convcl.jvm;

import io.github.convcl.spec.ConvSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 3x3, stride 1, no dilation, zero padding, one group, input and output channels in multiples of 16 (the output's
 * padded to a last group of 32 with zero weights), on 512-bit vectors
 * ({@link io.github.convcl.plan.Planner#javaWinogradChannels}): F(4,3) or F(2,3) with every vector holding 16 channels
 * of one point, where {@link JavaWinograd} holds 8 tiles of one channel. Per chunk of {@link #CHUNK} tiles (of all
 * images in turn) a task gathers each tile's 6x6 (4x4) input points for 16 channels (zeros outside the image),
 * transforms them in L1 (B^T d B), multiplies the chunk's 36 (16) transformed points by the transformed weights in
 * register tiles of 8 tiles x 32 output channels ({@link WideGemm#channelTile8x32}), transforms back (A^T M A), adds
 * the bias along the channels and scatters the 4x4 (2x2) outputs of 16 channels to their planes: with an identity, relu
 * or relu6 epilogue without a residual finished along the channels first ({@link Store#finishChannels}), else by a pass
 * over the planes afterwards. The input is read once and in place; no padded copy, no phase planes.
 */
final class ChannelWinograd {
    /** Tiles per chunk: the rows of one register tile, so that a chunk's transformed points and products stay in L2. */
    static final int CHUNK = 8;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    /** Channels per output group of the products: two vectors. */
    private static final int COLS = 32;

    private ChannelWinograd() {
    }

    /**
     * Runs {@code s}; false (and nothing written) where the input or the weights hold an infinity or NaN, which the
     * transforms would spread over whole tiles: the caller then runs another algorithm.
     */
    static boolean run(ConvSpec s, int tile, float[] x, float[] w, float[] bias, float[] y, PackCache cache, Store st) {
        return run(s, tile, x, w, bias, y, cache, st, false);
    }

    /**
     * As {@link #run(ConvSpec, int, float[], float[], float[], float[], PackCache, Store)}, with {@code blocked} the
     * input, output and residual in {@link io.github.convcl.spec.Layout#NCHW16C}: a point's 16 channels are then
     * one load and each output's one store, and the whole epilogue is applied per position along the channels.
     */
    static boolean run(ConvSpec s, int tile, float[] x, float[] w, float[] unfoldedBias, float[] y, PackCache cache, Store unfolded,
                       boolean blocked) {
        if (tile != 2 && tile != 4) {
            throw new IllegalArgumentException("Winograd tile m = " + tile + ": F(4,3) and F(2,3) run along channels");
        }
        // On NCHW the epilogue's scale is folded into the transformed weights, its shift into the bias (Store#fold).
        // Blocked layers are the networks', built with their batch norms already folded into the weights: nothing to
        // gain there, so their epilogue applies any scale after the transform.
        Store.Folded f = blocked ? unfolded.unfolded(unfoldedBias) : unfolded.fold(unfoldedBias);
        float[] bias = f.bias();
        Store st = f.store();
        int a = tile + 2; // points per dimension
        int points = a * a;
        int cin = s.inChannels();
        int cout = s.outChannels();
        int[] in = s.inputSize();
        int[] out = s.outputSize();
        int h = in[0];
        int wd = in[1];
        int oh = out[0];
        int ow = out[1];
        int py = s.padBefore()[0];
        int px = s.padBefore()[1];
        int inVol = h * wd;
        int outVol = oh * ow;
        int rows = (oh + tile - 1) / tile;
        int cols = (ow + tile - 1) / tile;
        int perImage = rows * cols;
        int tiles = s.batch() * perImage;
        // the output channels padded to a whole last group of 32 (zero weights): every product is a 32-wide tile
        int groups = (cout + COLS - 1) / COLS;
        int padded = groups * COLS;
        int size = points * cin * padded;
        // the transformed weights, then one float: 1 where every weight is finite
        float[] u = Panels.packed(cache, Panels.key("winograd" + tile + " channels c" + cin + " o" + cout, f.scale()), size + 1, pu -> {
            float[] ws = Panels.scaled(w, (int) s.weightElements(), f.scale(), cout);
            transformWeights(tile, ws, cin, cout, padded, pu);
            // the transform sums weights: finite weights, scaled or not, may still give an infinite point
            pu[size] = JavaKernels.finite(ws, s.weightElements()) && JavaKernels.finite(pu, 0, size) ? 1f : 0f;
        });
        if (u[size] != 1f || !JavaKernels.finite(x, s.inputElements())) {
            return false;
        }
        boolean along = st.alongChannels();
        int inBlocks = cin / 16;
        int outBlocks = cout / 16;
        int paddedBlocks = padded / 16;
        Parallel.forEach((tiles + CHUNK - 1) / CHUNK, chunk -> {
            float[] v = Workspace.get(Workspace.Slot.WINOGRAD_INPUT, points * cin * CHUNK);
            float[] m = Workspace.get(Workspace.Slot.WINOGRAD_PRODUCTS, points * padded * CHUNK);
            float[] p = Workspace.get(Workspace.Slot.BLOCK, points * 16);
            int t0 = chunk * CHUNK;
            int count = Math.min(CHUNK, tiles - t0);
            for (int cb = 0; cb < inBlocks; cb++) {
                for (int r = 0; r < CHUNK; r++) {
                    // rows past the chunk's last tile repeat it: their products are computed, never stored
                    int t = t0 + Math.min(r, count - 1);
                    int n = t / perImage;
                    int y0 = (t % perImage) / cols * tile - py;
                    int x0 = (t % perImage) % cols * tile - px;
                    int plane = (n * cin + cb * 16) * inVol;
                    for (int i = 0; i < a; i++) {
                        int iy = y0 + i;
                        for (int j = 0; j < a; j++) {
                            int ix = x0 + j;
                            int at = (i * a + j) * 16;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                                java.util.Arrays.fill(p, at, at + 16, 0f);
                            } else if (blocked) {
                                FloatVector.fromArray(S, x, plane + (iy * wd + ix) * 16).intoArray(p, at);
                            } else {
                                for (int c = 0, src = plane + iy * wd + ix; c < 16; c++, src += inVol) {
                                    p[at + c] = x[src];
                                }
                            }
                        }
                    }
                    for (int i = 0; i < a; i++) {
                        input(a, p, i * a * 16, 16);
                    }
                    for (int j = 0; j < a; j++) {
                        input(a, p, j * 16, a * 16);
                    }
                    for (int e = 0; e < points; e++) {
                        System.arraycopy(p, e * 16, v, ((e * inBlocks + cb) * CHUNK + r) * 16, 16);
                    }
                }
            }
            for (int e = 0; e < points; e++) {
                for (int g = 0; g < groups; g++) {
                    WideGemm.channelTile8x32(inBlocks, v, e * cin * CHUNK, CHUNK * 16, u, (e * groups + g) * cin * COLS,
                            m, e * padded * CHUNK + g * 2 * CHUNK * 16);
                }
            }
            for (int ob = 0; ob < outBlocks; ob++) {
                int co = ob * 16;
                for (int r = 0; r < count; r++) {
                    int t = t0 + r;
                    int n = t / perImage;
                    int oy0 = (t % perImage) / cols * tile;
                    int ox0 = (t % perImage) % cols * tile;
                    for (int e = 0; e < points; e++) {
                        System.arraycopy(m, ((e * paddedBlocks + ob) * CHUNK + r) * 16, p, e * 16, 16);
                    }
                    for (int i = 0; i < a; i++) {
                        output(a, p, i * a * 16, 16);
                    }
                    for (int j = 0; j < tile; j++) {
                        output(a, p, j * 16, a * 16);
                    }
                    for (int i = 0; i < tile && oy0 + i < oh; i++) {
                        for (int j = 0; j < tile && ox0 + j < ow; j++) {
                            int at = (i * a + j) * 16;
                            if (along) {
                                st.finishChannels(p, at, 16, co, bias);
                            } else if (bias != null) {
                                FloatVector.fromArray(S, p, at).add(FloatVector.fromArray(S, bias, co))
                                        .intoArray(p, at);
                            }
                            int pos = (oy0 + i) * ow + ox0 + j;
                            if (blocked) {
                                int dst = st.plane(n, co) + pos * 16;
                                FloatVector.fromArray(S, p, at).intoArray(y, dst);
                                if (!along) {
                                    st.finishBlock(y, dst, n, co, pos);
                                }
                                continue;
                            }
                            // channel co + c's plane lies c planes after channel co's
                            int dst = st.plane(n, co) + pos;
                            for (int c = 0; c < 16; c++, dst += outVol) {
                                y[dst] = p[at + c];
                            }
                        }
                    }
                }
            }
        });
        if (!along && !blocked && st.active()) {
            Parallel.forEach(s.batch() * cout, q -> st.finish(y, q / cout, q % cout, 0, outVol));
        }
        return true;
    }

    /** d -> B^T d along one dimension: the {@code a} points {@code v[o + k * step]} (4: F(2,3), 6: F(4,3)). */
    private static void input(int a, float[] v, int o, int step) {
        FloatVector d0 = FloatVector.fromArray(S, v, o);
        FloatVector d1 = FloatVector.fromArray(S, v, o + step);
        FloatVector d2 = FloatVector.fromArray(S, v, o + 2 * step);
        FloatVector d3 = FloatVector.fromArray(S, v, o + 3 * step);
        if (a == 4) {
            d0.sub(d2).intoArray(v, o);
            d1.add(d2).intoArray(v, o + step);
            d2.sub(d1).intoArray(v, o + 2 * step);
            d1.sub(d3).intoArray(v, o + 3 * step);
            return;
        }
        FloatVector d4 = FloatVector.fromArray(S, v, o + 4 * step);
        FloatVector d5 = FloatVector.fromArray(S, v, o + 5 * step);
        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(v, o);
        d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(v, o + step);
        d4.sub(d3).add(d1.sub(d2).mul(4f)).intoArray(v, o + 2 * step);
        d4.sub(d2).add(d3.sub(d1).mul(2f)).intoArray(v, o + 3 * step);
        d4.sub(d2).sub(d3.sub(d1).mul(2f)).intoArray(v, o + 4 * step);
        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(v, o + 5 * step);
    }

    /** M -> A^T M along one dimension: {@code a} points into {@code a - 2} outputs, {@code v[o + k * step]}. */
    private static void output(int a, float[] v, int o, int step) {
        FloatVector m0 = FloatVector.fromArray(S, v, o);
        FloatVector m1 = FloatVector.fromArray(S, v, o + step);
        FloatVector m2 = FloatVector.fromArray(S, v, o + 2 * step);
        FloatVector m3 = FloatVector.fromArray(S, v, o + 3 * step);
        if (a == 4) {
            m0.add(m1).add(m2).intoArray(v, o);
            m1.sub(m2).sub(m3).intoArray(v, o + step);
            return;
        }
        FloatVector m4 = FloatVector.fromArray(S, v, o + 4 * step);
        FloatVector m5 = FloatVector.fromArray(S, v, o + 5 * step);
        FloatVector sum = m1.add(m2);
        FloatVector dif = m1.sub(m2);
        FloatVector sum2 = m3.add(m4);
        FloatVector dif2 = m3.sub(m4);
        m0.add(sum).add(sum2).intoArray(v, o);
        dif.add(dif2.mul(2f)).intoArray(v, o + step);
        sum.add(sum2.mul(4f)).intoArray(v, o + 2 * step);
        dif.add(dif2.mul(8f)).add(m5).intoArray(v, o + 3 * step);
    }

    /**
     * G g G^T of each 3x3 (in double), at {@code u[((point * (padded / 32) + co / 32) * cin + ci) * 32 + co % 32]},
     * zeros for the channels from cout to padded: G the 4x3 of F(2,3) or the 6x3 of F(4,3).
     */
    private static void transformWeights(int tile, float[] w, int cin, int cout, int padded, float[] u) {
        double[][] g = tile == 2 ? new double[][] {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
                : new double[][] {{0.25, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0}, {-1 / 6.0, 1 / 6.0, -1 / 6.0},
                    {1 / 24.0, 1 / 12.0, 1 / 6.0}, {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};
        int a = g.length;
        int groups = padded / COLS;
        java.util.Arrays.fill(u, 0, a * a * cin * padded, 0f);
        Parallel.forEach(cout, co -> {
            double[] gw = new double[a * 3];
            for (int ci = 0; ci < cin; ci++) {
                int k = (co * cin + ci) * 9;
                // G g first (a x 3), then (G g) G^T
                for (int i = 0; i < a; i++) {
                    for (int b = 0; b < 3; b++) {
                        gw[i * 3 + b] = g[i][0] * w[k + b] + g[i][1] * w[k + 3 + b] + g[i][2] * w[k + 6 + b];
                    }
                }
                for (int i = 0; i < a; i++) {
                    for (int j = 0; j < a; j++) {
                        double sum = gw[i * 3] * g[j][0] + gw[i * 3 + 1] * g[j][1] + gw[i * 3 + 2] * g[j][2];
                        u[(((i * a + j) * groups + co / COLS) * cin + ci) * COLS + co % COLS] = (float) sum;
                    }
                }
            }
        });
    }
}
