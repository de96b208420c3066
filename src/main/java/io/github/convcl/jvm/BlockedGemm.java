// Convolutions and max-pools on channel-blocked tensors: 8 positions x 32 output channels per register tile.
package io.github.convcl.jvm;

import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.Activation;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Epilogue;
import io.github.convcl.spec.Layout;
import io.github.convcl.spec.PoolSpec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 1x1 convolution, no padding, any stride, one group, with input, output and residual in {@link Layout#NCHW16C}, on
 * 512-bit vectors. A position's 16 input channels lie together, so a register tile broadcasts each input channel of 8
 * positions and multiplies it by 32 output channels of packed weights: the input is read in place, nothing is packed but
 * the weights (once per weight version), and the tile's 16 result vectors are the output's own blocks. They pass
 * through a per-thread scratch in L1 to {@link #finish}, which applies the whole epilogue (bias, scale, shift, residual,
 * relu or relu6) to each before its one store to the output; other activations follow over the tile's stored values.
 * A strided layer first gathers its input's strided positions.
 * The same tile runs {@link #direct}'s other layers over their copied taps; {@link #maxPool2d} pools blocked tensors.
 */
final class BlockedGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    /** Positions per register tile. */
    private static final int ROWS = 8;
    /** Output channels per register tile: two vectors. */
    private static final int COLS = 32;
    /** The fewest positions per task: two tiles, so that a 7x7 layer still spreads over the threads by its channel groups. */
    private static final int SPAN = 16;
    /** The most positions per task: runs of 16 KiB per output block. */
    private static final int MAX_SPAN = 256;

    private BlockedGemm() {
    }

    /**
     * The weights w[co][ci][tap] packed under {@code key} as [32-channel group][tap][ci][32], the output channels padded
     * to a whole last group with zeros: the reduction (tap, input channel) in the order the tiles read the input.
     */
    private static float[] packed(PackCache cache, String key, float[] w, int cin, int cout, int taps) {
        int reduction = taps * cin;
        int padded = (cout + COLS - 1) / COLS * COLS;
        return Panels.packed(cache, key, reduction * padded, pu -> {
            java.util.Arrays.fill(pu, 0f);
            for (int co = 0; co < cout; co++) {
                for (int ci = 0; ci < cin; ci++) {
                    for (int t = 0; t < taps; t++) {
                        pu[((co / COLS) * reduction + t * cin + ci) * COLS + co % COLS] = w[(co * cin + ci) * taps + t];
                    }
                }
            }
        });
    }

    /**
     * The tiles' addend where the epilogue has no residual: negative zeros, which leave every sum as it is (-0 + -0 is
     * -0, x + -0 is x). The tiles always add a residual: where some layers have one and others not, a branch around the
     * add makes JDK 17's C2 merge, and then box, the accumulators, which halved the tile's rate in a whole network.
     */
    private static final float[] NO_RESIDUAL = negativeZeros(2 * ROWS * Layout.BLOCK);

    private static float[] negativeZeros(int n) {
        float[] z = new float[n];
        java.util.Arrays.fill(z, -0f);
        return z;
    }

    /**
     * Negative zeros for an epilogue over more positions than a tile's (the depthwise kernel's runs of rows): shared,
     * read only, replaced by a longer array when a call needs one.
     */
    private static volatile float[] wideNoResidual = NO_RESIDUAL;

    private static float[] noResidual(int n) {
        float[] z = wideNoResidual;
        if (z.length < n) {
            z = negativeZeros(n);
            wideNoResidual = z;
        }
        return z;
    }

    /**
     * The per-channel multiplier and addend that bias, scale and shift fold into, and how the epilogue ends; the
     * residual is {@link #NO_RESIDUAL} when there is none, read at offset 0 for every tile ({@link #residualAt}).
     */
    private record Finish(float[] mul, float[] add, float[] residual, boolean hasResidual, float low, float high, boolean rest,
                          Activation activation, float slope, int ends, float[] bias) {
        /** Where a tile reads its residual: {@code index} into the real one, 0 into {@link #NO_RESIDUAL}. */
        int residualAt(int index) {
            return hasResidual ? index : 0;
        }

        /** This epilogue reading its stand-in residual (without one) from {@code zeros}, for more positions than a tile's. */
        Finish standIn(float[] zeros) {
            return hasResidual ? this : new Finish(mul, add, zeros, false, low, high, rest, activation, slope, ends, bias);
        }
    }

    static void pointwise(ConvSpec s, float[] x, float[] w, float[] bias, PackCache cache, Store st, float[] y) {
        if (s.batch() == 0) {
            return;
        }
        int cin = s.inChannels();
        int cout = s.outChannels();
        int groups = (cout + COLS - 1) / COLS;
        int padded = groups * COLS;
        int outVol = Blocked.volume(s.outputSize());
        int inVol = Blocked.volume(s.inputSize());
        float[] u = packed(cache, "blocked pointwise c" + cin + " o" + cout, w, cin, cout, 1);
        Finish f = finish(s, bias, st, padded);
        // a strided layer's tiles read its gathered positions, laid out as an unstrided input's
        boolean strided = s.stride()[0] != 1 || s.stride()[1] != 1;
        float[] src = strided ? gather(s, x) : x;
        int xVol = strided ? outVol : inVol;
        // Tasks of a run of an image's positions and a range of the channel groups, about eight per thread: each group's
        // tiles then write its output blocks (and read its residual blocks) in runs of up to MAX_SPAN positions, which
        // the hardware prefetches from memory, while the run's input stays in L2 for every group.
        int target = Thresholds.JAVA_CLAIMS_PER_THREAD * Parallel.threads();
        int perImage = Math.max(1, (target + s.batch() - 1) / s.batch());
        int span = Math.min(MAX_SPAN, Math.max(SPAN, (outVol + perImage - 1) / perImage + ROWS - 1) / ROWS * ROWS);
        int chunks = (outVol + span - 1) / span;
        int parts = groupRanges(s.batch() * chunks, groups);
        int perPart = (groups + parts - 1) / parts;
        int blocks = cin / Layout.BLOCK;
        Parallel.forEach(s.batch() * chunks * parts, task -> {
            int part = task % parts;
            int chunk = task / parts % chunks;
            int n = task / parts / chunks;
            int end = Math.min(outVol, (chunk + 1) * span);
            int xb = n * cin * xVol;
            float[] sums = Workspace.get(Workspace.Slot.SUMS, 2 * ROWS * Layout.BLOCK);
            for (int g = part * perPart; g < Math.min(groups, (part + 1) * perPart); g++) {
                for (int at = chunk * span; at < end; at += ROWS) {
                    positions(blocks, src, xb + at * 16, xVol * 16, u, sums, y, st, f, n, g, at, Math.min(ROWS, end - at), cout, outVol);
                }
            }
        });
    }

    /**
     * Output positions [at, at + count) of image n (at most {@link #ROWS}, 16 floats apart in {@code x} from {@code xi},
     * their input blocks {@code xs} apart, {@code blocks} of them per position: channels x taps) for the 32 output
     * channels of group g: one 8-position tile when there are 8, else a one-position tile each.
     */
    private static void positions(int blocks, float[] x, int xi, int xs, float[] u, float[] sums, float[] y, Store st, Finish f,
                                  int n, int g, int at, int count, int cout, int outVol) {
        boolean half = (g + 1) * COLS > cout;
        int ui = g * blocks * Layout.BLOCK * COLS;
        int yi = st.plane(n, g * COLS) + at * 16;
        int ys = outVol * 16;
        int ri = f.residualAt((n * cout + g * COLS) * outVol + at * 16);
        int rs = f.residualAt(ys);
        if (count == ROWS) {
            tile8(blocks, x, xi, xs, u, ui, sums, y, yi, ys, ri, rs, f, g * COLS, half);
            return;
        }
        for (int r = 0; r < count; r++) {
            tile1(blocks, x, xi + r * 16, xs, u, ui, sums, y, yi + r * 16, ys, ri + f.residualAt(r * 16), rs, f, g * COLS, half);
        }
    }

    /**
     * Into how many ranges a kernel splits its {@code groups} of 32 output channels so that its {@code runs} runs of
     * positions times the ranges make about {@link Thresholds#JAVA_CLAIMS_PER_THREAD} tasks per thread.
     */
    private static int groupRanges(int runs, int groups) {
        int target = Thresholds.JAVA_CLAIMS_PER_THREAD * Parallel.threads();
        return Math.max(1, Math.min(groups, (target + runs - 1) / runs));
    }

    /**
     * Any other 2D convolution of one group with zero padding on blocked tensors (a strided 3x3, a 5x5, a dilated layer):
     * per task an image's run of positions for a range of the 32-channel output groups; per 8 positions the patches they read
     * (every tap's 16-channel blocks, zeros where a tap falls in the padding) are copied to a scratch laid out as a
     * pointwise layer's input of taps x channels, and the pointwise tile runs on it with the weights packed per tap.
     */
    static void direct(ConvSpec s, float[] x, float[] w, float[] bias, PackCache cache, Store st, float[] y) {
        if (s.batch() == 0) {
            return;
        }
        int cin = s.inChannels();
        int cout = s.outChannels();
        int groups = (cout + COLS - 1) / COLS;
        int padded = groups * COLS;
        int kh = s.kernel()[0];
        int kw = s.kernel()[1];
        int taps = kh * kw;
        int reduction = taps * cin;
        float[] u = packed(cache, "blocked direct c" + cin + " o" + cout + " k" + kh + "x" + kw, w, cin, cout, taps);
        Finish f = finish(s, bias, st, padded);
        int h = s.inputSize()[0];
        int wd = s.inputSize()[1];
        int ow = s.outputSize()[1];
        int inVol = h * wd;
        int outVol = Blocked.volume(s.outputSize());
        int[] str = s.stride();
        int[] dil = s.dilation();
        int[] pad = s.padBefore();
        int blocks = cin / Layout.BLOCK;
        int span = 4 * ROWS;
        int chunks = (outVol + span - 1) / span;
        // tasks of a run of an image's positions and a range of the groups: each run of 8 positions copied once for them all
        int parts = groupRanges(s.batch() * chunks, groups);
        int perPart = (groups + parts - 1) / parts;
        Parallel.forEach(s.batch() * chunks * parts, task -> {
            int part = task % parts;
            int chunk = task / parts % chunks;
            int n = task / parts / chunks;
            float[] v = Workspace.get(Workspace.Slot.BLOCK, reduction * ROWS);
            float[] sums = Workspace.get(Workspace.Slot.SUMS, 2 * ROWS * Layout.BLOCK);
            int end = Math.min(outVol, (chunk + 1) * span);
            for (int at = chunk * span; at < end; at += ROWS) {
                int count = Math.min(ROWS, end - at);
                for (int r = 0; r < count; r++) {
                    int oy = (at + r) / ow;
                    int ox = (at + r) % ow;
                    for (int ky = 0, t = 0; ky < kh; ky++) {
                        int iy = oy * str[0] - pad[0] + ky * dil[0];
                        for (int kx = 0; kx < kw; kx++, t++) {
                            int ix = ox * str[1] - pad[1] + kx * dil[1];
                            boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
                            int src = n * cin * inVol + (iy * wd + ix) * Layout.BLOCK;
                            for (int cb = 0; cb < blocks; cb++) {
                                int dst = ((t * blocks + cb) * ROWS + r) * Layout.BLOCK;
                                if (inside) {
                                    FloatVector.fromArray(S, x, src + cb * inVol * Layout.BLOCK).intoArray(v, dst);
                                } else {
                                    FloatVector.zero(S).intoArray(v, dst);
                                }
                            }
                        }
                    }
                }
                for (int g = part * perPart; g < Math.min(groups, (part + 1) * perPart); g++) {
                    positions(taps * blocks, v, 0, ROWS * 16, u, sums, y, st, f, n, g, at, count, cout, outVol);
                }
            }
        });
    }

    /**
     * A depthwise layer (one input channel per group, as many outputs as inputs) on blocked tensors: a position's 16
     * channels are one vector, so each tap is one multiply-add of the input's vector by the tap's 16 weights, with no
     * copy, mask or padded plane; taps that fall in the padding are left out of the loops. A task takes a run of output
     * rows of an image's block; their sums go to the blocked kernels' epilogue ({@link #finish}) together.
     */
    static void depthwise(ConvSpec s, float[] x, float[] w, float[] bias, PackCache cache, Store st, float[] y) {
        if (s.batch() == 0) {
            return;
        }
        int c = s.inChannels();
        int blocks = c / Layout.BLOCK;
        int kh = s.kernel()[0];
        int kw = s.kernel()[1];
        int taps = kh * kw;
        // [block][tap][16]: a tap's weights for a block's channels, one vector
        float[] u = Panels.packed(cache, "blocked depthwise c" + c + " k" + kh + "x" + kw, c * taps, pu -> {
            for (int ch = 0; ch < c; ch++) {
                for (int t = 0; t < taps; t++) {
                    pu[((ch / Layout.BLOCK) * taps + t) * Layout.BLOCK + ch % Layout.BLOCK] = w[ch * taps + t];
                }
            }
        });
        int h = s.inputSize()[0];
        int wd = s.inputSize()[1];
        int oh = s.outputSize()[0];
        int ow = s.outputSize()[1];
        int sy = s.stride()[0];
        int sx = s.stride()[1];
        int dy = s.dilation()[0];
        int dx = s.dilation()[1];
        int py = s.padBefore()[0];
        int px = s.padBefore()[1];
        int outVol = oh * ow;
        // a task takes a run of an image's block's output rows, enough positions to spread the epilogue's set-up
        int rows = Math.max(1, Math.min(oh, Thresholds.JAVA_BLOCKED_DEPTHWISE_TASK_POSITIONS / ow));
        Finish f = finish(s, bias, st, (c + COLS - 1) / COLS * COLS).standIn(noResidual(rows * ow * Layout.BLOCK));
        int runs = (oh + rows - 1) / rows;
        boolean nine = kh == 3 && kw == 3;
        Parallel.forEach(s.batch() * blocks * runs, task -> {
            int oy0 = task % runs * rows;
            int oy1 = Math.min(oh, oy0 + rows);
            int b = task / runs % blocks;
            int n = task / runs / blocks;
            int in = (n * blocks + b) * h * wd * Layout.BLOCK;
            int ub = b * taps * Layout.BLOCK;
            float[] sums = Workspace.get(Workspace.Slot.SUMS, (oy1 - oy0) * ow * Layout.BLOCK);
            for (int oy = oy0; oy < oy1; oy++) {
                int so = (oy - oy0) * ow;
                // the kernel's rows inside the input, [t0, t1)
                int y0 = oy * sy - py;
                int t0 = Math.min(kh, Math.max(0, (-y0 + dy - 1) / dy));
                int t1 = Math.max(t0, Math.min(kh, Math.floorDiv(h - 1 - y0, dy) + 1));
                if (!nine) {
                    depthwiseTaps(x, in, wd, y0, dy, t0, t1, kw, sx, dx, px, u, ub, sums, so, 0, ow);
                    continue;
                }
                // a 3x3 row with every kernel row inside: the columns every tap reaches inside, [a, b3), nine taps in
                // registers; the columns on either side, and every column of the other rows, by the edge taps
                int a = 0;
                int b3 = 0;
                if (t0 == 0 && t1 == 3) {
                    a = Math.min(ow, Math.max(0, -Math.floorDiv(-px, sx)));
                    b3 = Math.max(a, Math.min(ow, Math.floorDiv(wd - 1 - (2 * dx - px), sx) + 1));
                    depthwiseRow3x3(x, in + y0 * wd * Layout.BLOCK, dy * wd * Layout.BLOCK, sx, dx, -px, u, ub, sums, so, a, b3);
                }
                depthwiseEdges3x3(x, in, h, wd, y0, dy, sx, dx, px, u, ub, sums, so, 0, a);
                depthwiseEdges3x3(x, in, h, wd, y0, dy, sx, dx, px, u, ub, sums, so, b3, ow);
            }
            int at = oy0 * ow * Layout.BLOCK;
            finish(f, sums, (oy1 - oy0) * ow, y, st.plane(n, b * Layout.BLOCK) + at, 0,
                    f.residualAt((n * c + b * Layout.BLOCK) * outVol + at), 0, b * Layout.BLOCK, true);
        });
    }

    /**
     * {@link #depthwise}'s sums of output columns [c0, c1) of a row (at position {@code so} of the sums), tap by tap over the columns each tap reaches inside
     * the input (kernel rows [t0, t1) inside), the sums in L1: a vector carried through loops of varying length is one
     * that JDK 17's C2 boxes.
     */
    private static void depthwiseTaps(float[] x, int in, int wd, int y0, int dy, int t0, int t1, int kw, int sx, int dx, int px,
                                      float[] u, int ub, float[] sums, int so, int c0, int c1) {
        if (c0 >= c1) {
            return;
        }
        java.util.Arrays.fill(sums, (so + c0) * Layout.BLOCK, (so + c1) * Layout.BLOCK, 0f);
        for (int ky = t0; ky < t1; ky++) {
            int row = in + (y0 + ky * dy) * wd * Layout.BLOCK;
            for (int kx = 0; kx < kw; kx++) {
                int off = kx * dx - px; // input column ox * sx + off
                int lo = Math.max(c0, -Math.floorDiv(off, sx));
                int hi = Math.min(c1, Math.floorDiv(wd - 1 - off, sx) + 1);
                FloatVector wv = FloatVector.fromArray(S, u, ub + (ky * kw + kx) * Layout.BLOCK);
                for (int ox = lo; ox < hi; ox++) {
                    int o = (so + ox) * Layout.BLOCK;
                    FloatVector.fromArray(S, x, row + (ox * sx + off) * Layout.BLOCK).fma(wv, FloatVector.fromArray(S, sums, o))
                            .intoArray(sums, o);
                }
            }
        }
    }

    /** Sixteen zeros: where a 3x3 edge position's tap falls in the padding it reads these instead. */
    private static final float[] ZERO_BLOCK = new float[Layout.BLOCK];

    /**
     * {@link #depthwise}'s sums of output columns [c0, c1) of a 3x3 row (at position {@code so} of the sums) whose taps
     * may fall in the padding: each tap reads its input vector, or {@link #ZERO_BLOCK} where it falls outside, chosen per
     * tap as an array and an index, so the nine multiply-adds stay one straight run with no vector merged at a branch
     * (which JDK 17's C2 boxes).
     */
    private static void depthwiseEdges3x3(float[] x, int in, int h, int wd, int y0, int dy, int sx, int dx, int px, float[] u, int ub,
                                          float[] sums, int so, int c0, int c1) {
        if (c0 >= c1) {
            return;
        }
        FloatVector zero = FloatVector.zero(S);
        int rs = wd * Layout.BLOCK;
        boolean in0 = y0 >= 0 && y0 < h;
        boolean in1 = y0 + dy >= 0 && y0 + dy < h;
        boolean in2 = y0 + 2 * dy >= 0 && y0 + 2 * dy < h;
        int row0 = in + y0 * rs;
        int d = dx * Layout.BLOCK;
        int e = dy * rs;
        for (int ox = c0; ox < c1; ox++) {
            int x0 = ox * sx - px;
            boolean k0 = x0 >= 0 && x0 < wd;
            boolean k1 = x0 + dx >= 0 && x0 + dx < wd;
            boolean k2 = x0 + 2 * dx >= 0 && x0 + 2 * dx < wd;
            int i = row0 + x0 * Layout.BLOCK;
            FloatVector acc = zero;
            acc = tap(x, in0 && k0, i, u, ub, acc);
            acc = tap(x, in0 && k1, i + d, u, ub + 16, acc);
            acc = tap(x, in0 && k2, i + 2 * d, u, ub + 32, acc);
            acc = tap(x, in1 && k0, i + e, u, ub + 48, acc);
            acc = tap(x, in1 && k1, i + e + d, u, ub + 64, acc);
            acc = tap(x, in1 && k2, i + e + 2 * d, u, ub + 80, acc);
            acc = tap(x, in2 && k0, i + 2 * e, u, ub + 96, acc);
            acc = tap(x, in2 && k1, i + 2 * e + d, u, ub + 112, acc);
            acc = tap(x, in2 && k2, i + 2 * e + 2 * d, u, ub + 128, acc);
            acc.intoArray(sums, (so + ox) * Layout.BLOCK);
        }
    }

    /** {@code acc} plus the input vector at {@code x[at]} (zeros where {@code inside} is false) times the weights at {@code u[ui]}. */
    private static FloatVector tap(float[] x, boolean inside, int at, float[] u, int ui, FloatVector acc) {
        return FloatVector.fromArray(S, inside ? x : ZERO_BLOCK, inside ? at : 0).fma(FloatVector.fromArray(S, u, ui), acc);
    }

    /**
     * {@link #depthwise}'s sums of output columns [c0, c1) of a 3x3 row (at position {@code so} of the sums) whose nine taps all fall inside the input: the
     * kernel's first row at {@code x[row0]}, its rows {@code rowStep} apart, column {@code ox} reading input column
     * {@code ox * sx + off + kx * dx}; the nine weight vectors stay in registers over the row.
     */
    private static void depthwiseRow3x3(float[] x, int row0, int rowStep, int sx, int dx, int off, float[] u, int ub, float[] sums,
                                        int so, int c0, int c1) {
        FloatVector w0 = FloatVector.fromArray(S, u, ub);
        FloatVector w1 = FloatVector.fromArray(S, u, ub + 16);
        FloatVector w2 = FloatVector.fromArray(S, u, ub + 32);
        FloatVector w3 = FloatVector.fromArray(S, u, ub + 48);
        FloatVector w4 = FloatVector.fromArray(S, u, ub + 64);
        FloatVector w5 = FloatVector.fromArray(S, u, ub + 80);
        FloatVector w6 = FloatVector.fromArray(S, u, ub + 96);
        FloatVector w7 = FloatVector.fromArray(S, u, ub + 112);
        FloatVector w8 = FloatVector.fromArray(S, u, ub + 128);
        // sums start from +0, as the taps' sums do, so that products of -0 leave +0 (what the epilogue expects)
        FloatVector zero = FloatVector.zero(S);
        int r1 = row0 + rowStep;
        int r2 = r1 + rowStep;
        int d = dx * Layout.BLOCK;
        for (int ox = c0; ox < c1; ox++) {
            int i = (ox * sx + off) * Layout.BLOCK;
            FloatVector p = FloatVector.fromArray(S, x, row0 + i).fma(w0, zero);
            FloatVector q = FloatVector.fromArray(S, x, r1 + i).fma(w3, zero);
            p = FloatVector.fromArray(S, x, row0 + i + d).fma(w1, p);
            q = FloatVector.fromArray(S, x, r1 + i + d).fma(w4, q);
            p = FloatVector.fromArray(S, x, row0 + i + 2 * d).fma(w2, p);
            q = FloatVector.fromArray(S, x, r1 + i + 2 * d).fma(w5, q);
            p = FloatVector.fromArray(S, x, r2 + i).fma(w6, p);
            q = FloatVector.fromArray(S, x, r2 + i + d).fma(w7, q);
            p = FloatVector.fromArray(S, x, r2 + i + 2 * d).fma(w8, p);
            p.add(q).intoArray(sums, (so + ox) * Layout.BLOCK);
        }
    }

    /**
     * A 2D max-pool (no indices) on blocked tensors, a position's 16 channels per vector: per output row of a block
     * (one task) the maximum of the window's rows inside the input for every column, then of each window's columns
     * inside the input along that row; NaN wins as in PyTorch ({@code max} keeps a NaN lane). PyTorch's output sizes
     * leave every window at least one tap inside the input.
     */
    static void maxPool2d(PoolSpec s, float[] x, float[] y) {
        int h = s.inputSize()[0];
        int wd = s.inputSize()[1];
        int oh = s.outputSize()[0];
        int ow = s.outputSize()[1];
        int ky = s.kernel()[0];
        int kx = s.kernel()[1];
        int sy = s.stride()[0];
        int sx = s.stride()[1];
        int py = s.padding()[0];
        int px = s.padding()[1];
        int dy = s.dilation()[0];
        int dx = s.dilation()[1];
        int blocks = s.batch() * s.channels() / Layout.BLOCK;
        Parallel.forEach(blocks * oh, task -> {
            int b = task / oh;
            int oy = task % oh;
            int in = b * h * wd * Layout.BLOCK;
            int out = (b * oh + oy) * ow * Layout.BLOCK;
            // the window's rows inside the input, [t0, t1): their maximum per column first, in this thread's scratch
            int y0 = oy * sy - py;
            int t0 = Math.min(ky, Math.max(0, (-y0 + dy - 1) / dy));
            int t1 = Math.max(t0, Math.min(ky, Math.floorDiv(h - 1 - y0, dy) + 1));
            if (t0 == t1) {
                java.util.Arrays.fill(y, out, out + ow * Layout.BLOCK, Float.NEGATIVE_INFINITY); // no row inside: none taken
                return;
            }
            float[] col = Workspace.get(Workspace.Slot.BLOCK, wd * Layout.BLOCK);
            int first = in + (y0 + t0 * dy) * wd * Layout.BLOCK;
            for (int i = 0; i < wd * Layout.BLOCK; i += Layout.BLOCK) {
                FloatVector m = FloatVector.fromArray(S, x, first + i);
                for (int t = t0 + 1, at = first + dy * wd * Layout.BLOCK + i; t < t1; t++, at += dy * wd * Layout.BLOCK) {
                    m = m.max(FloatVector.fromArray(S, x, at));
                }
                m.intoArray(col, i);
            }
            // then each output's columns inside the input, [u0, u1), along the row
            for (int ox = 0; ox < ow; ox++) {
                int x0 = ox * sx - px;
                int u0 = Math.min(kx, Math.max(0, (-x0 + dx - 1) / dx));
                int u1 = Math.max(u0, Math.min(kx, Math.floorDiv(wd - 1 - x0, dx) + 1));
                if (u0 == u1) {
                    FloatVector.broadcast(S, Float.NEGATIVE_INFINITY).intoArray(y, out + ox * Layout.BLOCK);
                    continue;
                }
                FloatVector m = FloatVector.fromArray(S, col, (x0 + u0 * dx) * Layout.BLOCK);
                for (int u = u0 + 1; u < u1; u++) {
                    m = m.max(FloatVector.fromArray(S, col, (x0 + u * dx) * Layout.BLOCK));
                }
                m.intoArray(y, out + ox * Layout.BLOCK);
            }
        });
    }

    /** The input at the layer's strided positions, blocked, in this thread's scratch. */
    private static float[] gather(ConvSpec s, float[] x) {
        int h = s.inputSize()[0];
        int wd = s.inputSize()[1];
        int oh = s.outputSize()[0];
        int ow = s.outputSize()[1];
        int sy = s.stride()[0];
        int sx = s.stride()[1];
        int blocks = s.batch() * s.inChannels() / Layout.BLOCK;
        float[] g = Workspace.get(Workspace.Slot.GATHERED, blocks * oh * ow * Layout.BLOCK);
        Parallel.forEach(blocks, b -> {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    FloatVector.fromArray(S, x, ((b * h + oy * sy) * wd + ox * sx) * Layout.BLOCK)
                            .intoArray(g, ((b * oh + oy) * ow + ox) * Layout.BLOCK);
                }
            }
        });
        return g;
    }

    /**
     * The epilogue of {@code st} with {@code bias} folded into per-channel multipliers and addends (padded channels 0);
     * unfolded ({@link Finish#bias} added to the sums before the multiplier, the addend the shift alone) where a folded
     * addend overflows ({@link Store#foldOverflows}), as {@link Store#fold} does.
     */
    private static Finish finish(ConvSpec s, float[] bias, Store st, int padded) {
        Epilogue e = s.epilogue();
        float[] mul = new float[padded];
        float[] add = new float[padded];
        boolean overflows = false;
        for (int c = 0; c < s.outChannels(); c++) {
            float a = st.scaleOf(c);
            float b = st.shiftOf(c);
            mul[c] = a;
            add[c] = bias == null || bias[c] == 0f ? b : Math.fma(bias[c], a, b);
            overflows |= Store.foldOverflows(bias == null ? 0f : bias[c], a, b, add[c]);
        }
        float[] unfolded = null;
        if (overflows) {
            unfolded = new float[padded];
            for (int c = 0; c < s.outChannels(); c++) {
                unfolded[c] = bias[c];
                add[c] = st.shiftOf(c);
            }
        }
        Activation act = e.activation();
        boolean clamp = act == Activation.RELU || act == Activation.RELU6;
        int ends = act == Activation.RELU6 ? ENDS_CLAMPED
                : act == Activation.RELU ? (e.hasResidual() ? ENDS_RESIDUAL_RELU : ENDS_RELU)
                : e.hasResidual() ? ENDS_CLAMPED : ENDS_PLAIN;
        return new Finish(mul, add, e.hasResidual() ? st.residualArray() : NO_RESIDUAL, e.hasResidual(), clamp ? 0f : Float.NEGATIVE_INFINITY,
                act == Activation.RELU6 ? 6f : Float.POSITIVE_INFINITY, !clamp && act != Activation.IDENTITY, act, e.slope(), ends, unfolded);
    }

    /** How a tile's epilogue ends: multiply-add alone (no residual; identity, or an activation {@link #activateRest} applies). */
    private static final int ENDS_PLAIN = 0;
    /** ... then relu, no residual. */
    private static final int ENDS_RELU = 1;
    /** ... then the residual and relu. */
    private static final int ENDS_RESIDUAL_RELU = 2;
    /** ... then the residual (negative zeros where there is none) and the clamp to [low, high]: relu6, or a residual alone. */
    private static final int ENDS_CLAMPED = 3;

    /**
     * The epilogue of a tile's {@code rows} positions x 32 channels, their sums in {@code sums} ([block][position][16]):
     * multiplier, addend, residual and clamp per vector, then its one store. The tiles hand their sums over in L1 rather
     * than finishing them in their registers: with sixteen epilogues spelled out a tile is so large that JDK 17's C2, once
     * other code has made the Vector API's own methods polymorphic, stops inlining its last stores and boxes them, which
     * halved the tile's rate in a whole network.
     */
    private static void finish(Finish f, float[] sums, int rows, float[] y, int yi, int ys, int ri, int rs, int co, boolean half) {
        // one loop per way of ending, chosen before it: Java's max and min are six instructions each on AVX-512, as much
        // as the multiply-adds of a 64-channel layer's tile spend on a tenth of its outputs, so none runs where it changes
        // nothing; and no vector crosses the choice
        int blocks = half ? 1 : 2;
        if (f.bias != null) {
            addBias(f.bias, sums, rows, co, blocks);
        }
        switch (f.ends) {
            case ENDS_PLAIN -> finishPlain(f, sums, rows, y, yi, ys, co, blocks);
            case ENDS_RELU -> finishRelu(f, sums, rows, y, yi, ys, co, blocks);
            case ENDS_RESIDUAL_RELU -> finishResidualRelu(f, sums, rows, y, yi, ys, ri, rs, co, blocks);
            default -> finishClamped(f, sums, rows, y, yi, ys, ri, rs, co, blocks);
        }
        activateRest(f, y, yi, ys, rows, half);
    }

    /** The unfolded bias ({@link Finish#bias}) added to the sums of {@code blocks} blocks of {@code rows} positions. */
    private static void addBias(float[] bias, float[] sums, int rows, int co, int blocks) {
        for (int b = 0; b < blocks; b++) {
            FloatVector v = FloatVector.fromArray(S, bias, co + b * 16);
            for (int r = 0; r < rows; r++) {
                int at = (b * rows + r) * 16;
                FloatVector.fromArray(S, sums, at).add(v).intoArray(sums, at);
            }
        }
    }

    /** {@link #finish} ending {@link #ENDS_PLAIN}. */
    private static void finishPlain(Finish f, float[] sums, int rows, float[] y, int yi, int ys, int co, int blocks) {
        for (int b = 0; b < blocks; b++) {
            FloatVector m = FloatVector.fromArray(S, f.mul, co + b * 16);
            FloatVector t = FloatVector.fromArray(S, f.add, co + b * 16);
            for (int r = 0; r < rows; r++) {
                FloatVector.fromArray(S, sums, (b * rows + r) * 16).fma(m, t).intoArray(y, yi + b * ys + r * 16);
            }
        }
    }

    /** {@link #finish} ending {@link #ENDS_RELU}. */
    private static void finishRelu(Finish f, float[] sums, int rows, float[] y, int yi, int ys, int co, int blocks) {
        for (int b = 0; b < blocks; b++) {
            FloatVector m = FloatVector.fromArray(S, f.mul, co + b * 16);
            FloatVector t = FloatVector.fromArray(S, f.add, co + b * 16);
            for (int r = 0; r < rows; r++) {
                FloatVector.fromArray(S, sums, (b * rows + r) * 16).fma(m, t).max(0f).intoArray(y, yi + b * ys + r * 16);
            }
        }
    }

    /** {@link #finish} ending {@link #ENDS_RESIDUAL_RELU}. */
    private static void finishResidualRelu(Finish f, float[] sums, int rows, float[] y, int yi, int ys, int ri, int rs, int co,
                                           int blocks) {
        for (int b = 0; b < blocks; b++) {
            FloatVector m = FloatVector.fromArray(S, f.mul, co + b * 16);
            FloatVector t = FloatVector.fromArray(S, f.add, co + b * 16);
            for (int r = 0; r < rows; r++) {
                FloatVector v = FloatVector.fromArray(S, sums, (b * rows + r) * 16).fma(m, t);
                v.add(FloatVector.fromArray(S, f.residual, ri + b * rs + r * 16)).max(0f).intoArray(y, yi + b * ys + r * 16);
            }
        }
    }

    /** {@link #finish} ending {@link #ENDS_CLAMPED}. */
    private static void finishClamped(Finish f, float[] sums, int rows, float[] y, int yi, int ys, int ri, int rs, int co, int blocks) {
        FloatVector lo = FloatVector.broadcast(S, f.low);
        FloatVector hi = FloatVector.broadcast(S, f.high);
        for (int b = 0; b < blocks; b++) {
            FloatVector m = FloatVector.fromArray(S, f.mul, co + b * 16);
            FloatVector t = FloatVector.fromArray(S, f.add, co + b * 16);
            for (int r = 0; r < rows; r++) {
                FloatVector v = FloatVector.fromArray(S, sums, (b * rows + r) * 16).fma(m, t);
                v.add(FloatVector.fromArray(S, f.residual, ri + b * rs + r * 16)).max(lo).min(hi).intoArray(y, yi + b * ys + r * 16);
            }
        }
    }

    /** The other activations over {@code rows} stored positions of the tile's blocks (one, or two {@code ys} apart). */
    private static void activateRest(Finish f, float[] y, int yi, int ys, int rows, boolean half) {
        if (f.rest) {
            Store.activate(f.activation, f.slope, y, yi, rows * 16);
            if (!half) {
                Store.activate(f.activation, f.slope, y, yi + ys, rows * 16);
            }
        }
    }

    /**
     * One position x 32 output channels: input channels at {@code x[xi + cb * xs + c]}, weights
     * {@code u[ui + ci * 32 + q]}, stored at {@code y[yi]} and {@code y[yi + ys]} (only the first with {@code half}),
     * the residual read at {@code ri} and {@code ri + rs}.
     */
    private static void tile1(int blocks, float[] x, int xi, int xs, float[] u, int ui, float[] sums, float[] y, int yi, int ys, int ri,
                              int rs, Finish f, int co, boolean half) {
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0;
        for (int cb = 0, wk = ui; cb < blocks; cb++) {
            for (int c = 0; c < 16; c++, wk += COLS) {
                FloatVector a = FloatVector.broadcast(S, x[xi + cb * xs + c]);
                c0 = a.fma(FloatVector.fromArray(S, u, wk), c0);
                c1 = a.fma(FloatVector.fromArray(S, u, wk + 16), c1);
            }
        }
        c0.intoArray(sums, 0);
        c1.intoArray(sums, 16);
        finish(f, sums, 1, y, yi, ys, ri, rs, co, half);
    }

    /** {@link #tile1} for 8 consecutive positions (16 floats apart). The stores are spelled out so that no vector is boxed. */
    private static void tile8(int blocks, float[] x, int xi, int xs, float[] u, int ui, float[] sums, float[] y, int yi, int ys, int ri,
                              int rs, Finish f, int co, boolean half) {
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
        for (int cb = 0, wk = ui; cb < blocks; cb++) {
            int xk = xi + cb * xs;
            for (int c = 0; c < 16; c++, wk += COLS) {
                FloatVector w0 = FloatVector.fromArray(S, u, wk);
                FloatVector w1 = FloatVector.fromArray(S, u, wk + 16);
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
        a0.intoArray(sums, 0);
        a1.intoArray(sums, 16);
        a2.intoArray(sums, 32);
        a3.intoArray(sums, 48);
        a4.intoArray(sums, 64);
        a5.intoArray(sums, 80);
        a6.intoArray(sums, 96);
        a7.intoArray(sums, 112);
        b0.intoArray(sums, 128);
        b1.intoArray(sums, 144);
        b2.intoArray(sums, 160);
        b3.intoArray(sums, 176);
        b4.intoArray(sums, 192);
        b5.intoArray(sums, 208);
        b6.intoArray(sums, 224);
        b7.intoArray(sums, 240);
        finish(f, sums, ROWS, y, yi, ys, ri, rs, co, half);
    }
}
