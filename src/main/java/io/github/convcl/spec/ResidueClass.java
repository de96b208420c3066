// The sub-pixel view of a transposed convolution: its outputs split by residue modulo the stride.
package io.github.convcl.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * One output residue class of a transposed convolution, in three spatial dimensions (depth, height, width; lower
 * ranks padded with 1s as {@link ConvSpec#to3d} does). Outputs {@code o = q*stride + residue} receive exactly the taps
 * with {@code (residue + pad - tap*dilation)} divisible by the stride, each from input {@code q + offset}: a dense
 * convolution per class, without the zeros a scatter would multiply.
 *
 * @param residue the class, per dimension, {@code 0 <= residue < min(stride, out)}
 * @param taps    the flat indices {@code (kz*kh + ky)*kw + kx} of the taps that reach the class
 * @param offsets per tap, the input offset {@code (residue + pad - tap*dilation) / stride} per dimension
 */
public record ResidueClass(int[] residue, int[] taps, int[][] offsets) {

    /** The classes of a transposed convolution, residues in row-major order. */
    public static List<ResidueClass> of(ConvSpec s) {
        int[] out = ConvSpec.to3d(s.outputSize(), 1);
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        int[] dl = ConvSpec.to3d(s.dilation(), 1);
        int[] pd = ConvSpec.to3d(s.padBefore(), 0);
        List<ResidueClass> classes = new ArrayList<>();
        for (int rz = 0; rz < Math.min(st[0], out[0]); rz++) {
            for (int ry = 0; ry < Math.min(st[1], out[1]); ry++) {
                for (int rx = 0; rx < Math.min(st[2], out[2]); rx++) {
                    int[] r = {rz, ry, rx};
                    List<int[]> offsets = new ArrayList<>();
                    List<Integer> taps = new ArrayList<>();
                    for (int kz = 0; kz < k[0]; kz++) {
                        for (int ky = 0; ky < k[1]; ky++) {
                            for (int kx = 0; kx < k[2]; kx++) {
                                int[] kk = {kz, ky, kx};
                                int[] off = new int[3];
                                boolean hits = true;
                                for (int d = 0; d < 3 && hits; d++) {
                                    int num = r[d] + pd[d] - kk[d] * dl[d];
                                    hits = Math.floorMod(num, st[d]) == 0;
                                    off[d] = Math.floorDiv(num, st[d]);
                                }
                                if (hits) {
                                    taps.add((kz * k[1] + ky) * k[2] + kx);
                                    offsets.add(off);
                                }
                            }
                        }
                    }
                    classes.add(new ResidueClass(r, taps.stream().mapToInt(Integer::intValue).toArray(), offsets.toArray(new int[0][])));
                }
            }
        }
        return classes;
    }
}
