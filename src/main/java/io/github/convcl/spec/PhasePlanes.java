// The phase planes of a strided convolution's padded input: the layout the Java direct kernels and the planner share.
package io.github.convcl.spec;

/**
 * A padded input split into phase planes (space to depth): with stride s, padded position i of a dimension sits at
 * position {@code i / s} of phase {@code i % s}, so every tap of every output reads consecutive positions of one phase
 * plane. {@code before} and {@code padded} are the padding in front and the padded extent (depth, height, width);
 * {@code dq x hq x wq} one phase plane; {@code plane} one channel's planes together; {@code taps[t]} tap t's offset
 * (its phase plane and position in it) from an output's position.
 */
public record PhasePlanes(int[] before, int[] padded, int dq, int hq, int wq, int plane, int[] taps) {
    /** The phase planes of {@code s}'s padded input. */
    public static PhasePlanes of(ConvSpec s) {
        int[] before = ConvSpec.to3d(s.padBefore(), 0);
        int[] padded = ConvSpec.to3d(s.paddedInputSize(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] d = ConvSpec.to3d(s.dilation(), 1);
        int dq = (padded[0] + st[0] - 1) / st[0];
        int hq = (padded[1] + st[1] - 1) / st[1];
        int wq = (padded[2] + st[2] - 1) / st[2];
        int phaseVol = dq * hq * wq;
        int[] taps = new int[k[0] * k[1] * k[2]];
        int t = 0;
        for (int kz = 0; kz < k[0]; kz++) {
            for (int ky = 0; ky < k[1]; ky++) {
                for (int kx = 0; kx < k[2]; kx++) {
                    int tz = kz * d[0];
                    int ty = ky * d[1];
                    int tx = kx * d[2];
                    int phase = ((tz % st[0]) * st[1] + ty % st[1]) * st[2] + tx % st[2];
                    taps[t++] = phase * phaseVol + ((tz / st[0]) * hq + ty / st[1]) * wq + tx / st[2];
                }
            }
        }
        return new PhasePlanes(before, padded, dq, hq, wq, st[0] * st[1] * st[2] * phaseVol, taps);
    }

    /** Positions of one phase plane. */
    public int phaseVol() {
        return dq * hq * wq;
    }

    /** Phase planes per channel (the product of the strides). */
    public int phases() {
        return plane / phaseVol();
    }

    /** The farthest tap within a phase plane: what a run of positions reads past its end. */
    public int reach() {
        int phaseVol = phaseVol();
        int r = 0;
        for (int t : taps) {
            r = Math.max(r, t % phaseVol);
        }
        return r;
    }

    /**
     * Where the unfolded rows of {@code channels} channels read a block of their phase planes' positions from one run's
     * start, the positions of each (channel, phase) {@code stride} apart.
     */
    public int[] localOffsets(int channels, int kVol, int stride) {
        int phaseVol = phaseVol();
        int phases = phases();
        int[] offs = new int[channels * kVol];
        for (int c = 0; c < channels; c++) {
            for (int t = 0; t < kVol; t++) {
                offs[c * kVol + t] = (c * phases + taps[t] / phaseVol) * stride + taps[t] % phaseVol;
            }
        }
        return offs;
    }
}
