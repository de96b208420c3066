// Java transposed convolution as one direct GEMM per output residue class (the sub-pixel split).
package io.github.convcl.jvm;

import io.github.convcl.plan.JavaDirect;
import io.github.convcl.plan.Thresholds;
import io.github.convcl.spec.ConvSpec;

/** Transposed convolution as one dense convolution per output residue class, no col2im. */
final class TransposedDirect {
    private TransposedDirect() {
    }

    /**
     * Transposed convolution as one dense convolution per output residue class (the sub-pixel split): outputs
     * o = q*s + r of class r receive exactly the taps with (r + p - k*d) divisible by s, from input q + (r + p - k*d)/s.
     * The input is zero-padded once so that every such offset is non-negative, each class runs the direct GEMM over it
     * with its own tap table and packed weights (C_out/g x C_in/g*taps), and writes its outputs at stride s: no col2im,
     * no multiplications by inserted zeros, no two tasks writing one place.
     */
    static void run(ConvSpec s, float[] x, float[] w, float[] bias, float[] y, PackCache cache, Store store) {
        Geometry g = new Geometry(s);
        int cinG = s.inPerGroup();
        int coutG = s.outPerGroup();
        int groups = s.groups();
        int cin = s.inChannels();
        int[] st = g.st;
        // The classes, and the zero padding that makes every tap offset of every class non-negative.
        java.util.List<io.github.convcl.spec.ResidueClass> residues = io.github.convcl.spec.ResidueClass.of(s);
        int[] lo = new int[3];
        int[] padded = new int[3];
        for (int dim = 0; dim < 3; dim++) {
            int minOff = 0;
            int maxOff = 0;
            for (io.github.convcl.spec.ResidueClass rc : residues) {
                for (int[] off : rc.offsets()) {
                    minOff = Math.min(minOff, off[dim]);
                    maxOff = Math.max(maxOff, off[dim]);
                }
            }
            int q = (g.out[dim] + st[dim] - 1) / st[dim];
            lo[dim] = -minOff;
            padded[dim] = Math.max(g.in[dim] + lo[dim], q + maxOff + lo[dim]);
        }
        int plane = padded[0] * padded[1] * padded[2];
        int classes = residues.size();
        int[][] taps = new int[classes][];
        int[][] offs = new int[classes][];
        int[] aOffset = new int[classes + 1];
        int mr = Gemm.rowPanel(coutG);
        for (int c = 0; c < classes; c++) {
            io.github.convcl.spec.ResidueClass rc = residues.get(c);
            int tc = rc.taps().length;
            taps[c] = rc.taps();
            offs[c] = new int[cinG * tc];
            for (int t = 0; t < tc; t++) {
                int[] off = rc.offsets()[t];
                int at = ((off[0] + lo[0]) * padded[1] + off[1] + lo[1]) * padded[2] + off[2] + lo[2];
                for (int ci = 0; ci < cinG; ci++) {
                    offs[c][ci * tc + t] = ci * plane + at;
                }
            }
            aOffset[c + 1] = aOffset[c] + Gemm.packedASize(coutG, Math.max(1, cinG * tc), mr);
        }
        int groupSize = aOffset[classes];
        String key = "transposed-direct g" + groups + " m" + coutG + " k" + cinG + " " + java.util.Arrays.toString(g.k)
                + java.util.Arrays.toString(st) + java.util.Arrays.toString(g.p) + java.util.Arrays.toString(g.d) + " mr" + mr;
        float[] pa = Panels.packed(cache, key, groupSize * groups, packs -> Parallel.forEach(groups * classes, t -> {
            int grp = t / classes;
            int c = t % classes;
            int tc = taps[c].length;
            int reduction = cinG * tc;
            if (reduction == 0) {
                return;
            }
            // Row co, column (ci, tap): W[g*cinG + ci][co][tap] (weights are (C_in, C_out/g, k...)).
            float[] a = new float[coutG * reduction];
            for (int co = 0; co < coutG; co++) {
                for (int ci = 0; ci < cinG; ci++) {
                    int src = ((grp * cinG + ci) * coutG + co) * g.kVol;
                    for (int j = 0; j < tc; j++) {
                        a[co * reduction + ci * tc + j] = w[src + taps[c][j]];
                    }
                }
            }
            Gemm.packA(coutG, reduction, a, 0, reduction, 1, mr, packs, grp * groupSize + aOffset[c]);
        }));
        int perBlock = JavaDirect.imagesPerBlock(s.batch(), (long) cin * plane);
        float[] xp = Workspace.get(Workspace.Slot.INPUT, perBlock * cin * plane + DirectGemm.DIRECT_SLACK);
        int want = Parallel.threads() * Thresholds.JAVA_TASKS_PER_CORE;
        for (int first = 0; first < s.batch(); first += perBlock) {
            int n0 = first;
            int count = Math.min(perBlock, s.batch() - first);
            Parallel.forEach(count * cin, c -> g.pad(x, (n0 * cin + c) * g.inVol, xp, c * plane, lo, padded[0], padded[1], padded[2]));
            // Tasks: (class, image, group, output plane of the class, column chunk), every class in one pass, so
            // that no class waits for the slowest task of the one before it.
            int[][] q = new int[classes][3];
            int[] extent = new int[classes];
            int[] span = new int[classes];
            int[] chunks = new int[classes];
            int[] firstTask = new int[classes + 1];
            for (int c = 0; c < classes; c++) {
                int[] r = residues.get(c).residue();
                for (int dim = 0; dim < 3; dim++) {
                    q[c][dim] = (g.out[dim] - r[dim] + st[dim] - 1) / st[dim];
                }
                extent[c] = (q[c][1] - 1) * padded[2] + q[c][2];
                int chunk = Math.min(extent[c], Math.max(4 * Gemm.NR, Math.min(Thresholds.JAVA_DIRECT_SPAN,
                        Thresholds.JAVA_DIRECT_ACCUMULATOR_BYTES / Float.BYTES / Math.max(1, coutG))));
                while (chunk > 4 * Gemm.NR && (long) count * groups * q[c][0] * ((extent[c] + chunk - 1) / chunk) < want) {
                    chunk = (chunk + 1) / 2;
                }
                span[c] = (chunk + Gemm.NR - 1) / Gemm.NR * Gemm.NR;
                chunks[c] = (extent[c] + span[c] - 1) / span[c];
                firstTask[c + 1] = firstTask[c] + count * groups * q[c][0] * chunks[c];
            }
            Parallel.forEach(firstTask[classes], task -> {
                // the class whose tasks hold this one (a search, not a scan: a stride s has s^rank classes)
                int found = java.util.Arrays.binarySearch(firstTask, task);
                int cls = found >= 0 ? found : -found - 2;
                while (firstTask[cls + 1] == task) {
                    cls++; // classes of no tasks start where the next one does
                }
                int t = task - firstTask[cls];
                int[] r = residues.get(cls).residue();
                int[] qc = q[cls];
                int nc = chunks[cls];
                int n = n0 + t / (groups * qc[0] * nc);
                int grp = (t / (qc[0] * nc)) % groups;
                int qz = (t / nc) % qc[0];
                int p0 = (t % nc) * span[cls];
                int len = Math.min(span[cls], extent[cls] - p0);
                int reduction = cinG * taps[cls].length;
                float[] acc = Workspace.get(Workspace.Slot.BLOCK, coutG * len);
                java.util.Arrays.fill(acc, 0, coutG * len, 0f);
                if (reduction > 0) {
                    Gemm.multiplyDirect(coutG, len, reduction, mr, pa, grp * groupSize + aOffset[cls], xp,
                            ((n - n0) * cin + grp * cinG) * plane + qz * padded[1] * padded[2] + p0, offs[cls],
                            acc, 0, len, Workspace.get(Workspace.Slot.PANELS, Gemm.DIRECT_SCRATCH));
                }
                int oz = qz * st[0] + r[0];
                int wp = padded[2];
                // Without a residual the epilogue runs on each channel's accumulator row before the scatter; with one,
                // on each output as it is stored (the residual is read at the output's place).
                boolean onRows = store.active() && !store.readsResidual();
                for (int m = 0; m < coutG; m++) {
                    float b = bias == null ? 0f : bias[grp * coutG + m];
                    if (onRows) {
                        store.finishValues(acc, m * len, len, grp * coutG + m, b);
                        b = 0f;
                    }
                    int co = grp * coutG + m;
                    int planeStart = store.plane(n, co);
                    int yPlane = planeStart + oz * g.out[1] * g.out[2];
                    int src = m * len - p0;
                    // Runs of one padded row: columns qx < qc[2] are outputs, at stride s in the output row.
                    for (int qy = p0 / wp, pos = p0; pos < p0 + len; qy++, pos = qy * wp) {
                        int end = Math.min(p0 + len, qy * wp + qc[2]);
                        int dst = yPlane + (qy * st[1] + r[1]) * g.out[2] + r[2] + (pos - qy * wp) * st[2];
                        if (store.active() && !onRows) {
                            for (int at = pos; at < end; at++, dst += st[2]) {
                                y[dst] = store.value(n, co, dst - planeStart, acc[src + at] + b);
                            }
                        } else {
                            for (int at = pos; at < end; at++, dst += st[2]) {
                                y[dst] = acc[src + at] + b;
                            }
                        }
                    }
                }
            });
        }
    }
}
