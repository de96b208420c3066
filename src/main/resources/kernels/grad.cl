// The backward passes' own kernels: grad_weight by direct reduction or as an implicit GEMM with a split reduction,
// grad_bias, and the element-wise steps of grad_input (fold through the padding mode, crop, accumulate). Every output
// element is reduced in a fixed order (the GEMM's splits summed in order by a second kernel): no atomics, the same bits
// run to run.
//
// Macros: none (GW_TILE, GW_REG and GW_K are the GEMM's fixed tile: 32x32 per 8x8 work-items, 16 reduction steps). Sizes are (depth, height, width) in int4's x, y, z; padding modes as common.cl's source_index.

// grad_weight of a convolution: w index (co, c, kz, ky, kx) reduces gy[n, co, o] * x[n, g*cin_g + c, src(o*st - pd + k*dl)]
// over images n and output positions o. Of a transposed convolution (transposed = 1): w index (ci, cog, kz, ky, kx)
// reduces x[n, ci, i] * gy[n, g*cout_g + cog, i*st - pd + k*dl] over images and input positions i.
__kernel void grad_weight_direct(__global const float* x, __global const float* gy, __global float* gw,
                                 const int cin, const int cout, const int cin_g, const int cout_g,
                                 const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 dl,
                                 const int4 pd, const int mode, const int transposed, const int batch, const int accumulate,
                                 const int total) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int k_vol = k.x * k.y * k.z;
    const int t = gid % k_vol;
    const int kx = t % k.z;
    const int ky = (t / k.z) % k.y;
    const int kz = t / (k.z * k.y);
    const int row = gid / k_vol;
    const int in_vol = in_sz.x * in_sz.y * in_sz.z;
    const int out_vol = out_sz.x * out_sz.y * out_sz.z;
    float acc = 0.0f;
    if (!transposed) {
        const int c = row % cin_g;
        const int co = row / cin_g;
        const int ci = (co / cout_g) * cin_g + c;
        for (int n = 0; n < batch; n++) {
            __global const float* xc = x + (size_t)(n * cin + ci) * in_vol;
            __global const float* gc = gy + (size_t)(n * cout + co) * out_vol;
            for (int oz = 0; oz < out_sz.x; oz++) {
                const int iz = source_index(oz * st.x - pd.x + kz * dl.x, in_sz.x, mode);
                if (iz < 0) continue;
                for (int oy = 0; oy < out_sz.y; oy++) {
                    const int iy = source_index(oy * st.y - pd.y + ky * dl.y, in_sz.y, mode);
                    if (iy < 0) continue;
                    for (int ox = 0; ox < out_sz.z; ox++) {
                        const int ix = source_index(ox * st.z - pd.z + kx * dl.z, in_sz.z, mode);
                        if (ix < 0) continue;
                        acc = fma(gc[(oz * out_sz.y + oy) * out_sz.z + ox], xc[(iz * in_sz.y + iy) * in_sz.z + ix], acc);
                    }
                }
            }
        }
    } else {
        const int cog = row % cout_g;
        const int ci = row / cout_g;
        const int co = (ci / cin_g) * cout_g + cog;
        for (int n = 0; n < batch; n++) {
            __global const float* xc = x + (size_t)(n * cin + ci) * in_vol;
            __global const float* gc = gy + (size_t)(n * cout + co) * out_vol;
            for (int iz = 0; iz < in_sz.x; iz++) {
                const int oz = iz * st.x - pd.x + kz * dl.x;
                if (oz < 0 || oz >= out_sz.x) continue;
                for (int iy = 0; iy < in_sz.y; iy++) {
                    const int oy = iy * st.y - pd.y + ky * dl.y;
                    if (oy < 0 || oy >= out_sz.y) continue;
                    for (int ix = 0; ix < in_sz.z; ix++) {
                        const int ox = ix * st.z - pd.z + kx * dl.z;
                        if (ox < 0 || ox >= out_sz.z) continue;
                        acc = fma(xc[(iz * in_sz.y + iy) * in_sz.z + ix], gc[(oz * out_sz.y + oy) * out_sz.z + ox], acc);
                    }
                }
            }
        }
    }
    gw[gid] = accumulate ? gw[gid] + acc : acc;
}

// grad_bias: gy summed over images and positions, per channel.
__kernel void grad_bias(__global const float* gy, __global float* gb, const int cout, const int out_vol, const int batch,
                        const int accumulate) {
    const int c = get_global_id(0);
    if (c >= cout) return;
    float acc = 0.0f;
    for (int n = 0; n < batch; n++) {
        __global const float* gc = gy + (size_t)(n * cout + c) * out_vol;
        for (int i = 0; i < out_vol; i++) {
            acc += gc[i];
        }
    }
    gb[c] = accumulate ? gb[c] + acc : acc;
}

// grad_input's last step: z (extents z_sz per plane) added to gx (extents in_sz). With fold = 1, z is the gradient of the
// padded input (pd in front): position i goes to source_index(i - pd, in, mode). Otherwise position i goes to i where
// it is inside the input (a crop). One work-item per plane, positions in order: a reflected position and its mirror
// add to one input position in a fixed order.
__kernel void grad_fold(__global const float* z, __global float* gx, const int4 z_sz, const int4 in_sz, const int4 pd,
                        const int mode, const int fold, const int accumulate, const int planes) {
    const int q = get_global_id(0);
    if (q >= planes) return;
    const int z_vol = z_sz.x * z_sz.y * z_sz.z;
    const int in_vol = in_sz.x * in_sz.y * in_sz.z;
    __global const float* zq = z + (size_t)q * z_vol;
    __global float* xq = gx + (size_t)q * in_vol;
    if (!accumulate) {
        for (int i = 0; i < in_vol; i++) xq[i] = 0.0f;
    }
    for (int iz = 0; iz < z_sz.x; iz++) {
        const int sz = fold ? source_index(iz - pd.x, in_sz.x, mode) : (iz < in_sz.x ? iz : -1);
        if (sz < 0) continue;
        for (int iy = 0; iy < z_sz.y; iy++) {
            const int sy = fold ? source_index(iy - pd.y, in_sz.y, mode) : (iy < in_sz.y ? iy : -1);
            if (sy < 0) continue;
            for (int ix = 0; ix < z_sz.z; ix++) {
                const int sx = fold ? source_index(ix - pd.z, in_sz.z, mode) : (ix < in_sz.z ? ix : -1);
                if (sx < 0) continue;
                xq[(sz * in_sz.y + sy) * in_sz.z + sx] += zq[(iz * z_sz.y + iy) * z_sz.z + ix];
            }
        }
    }
}

// The weights of a stride-1 convolution as its grad_input's convolution takes them: for group g, output channel o and
// input channel c, w'[g*cin_g + c][o][t] = w[g*cout_g + o][c][taps - 1 - t] (flipped in space, channel axes exchanged).
__kernel void grad_flip_weights(__global const float* w, __global float* out, const int cin_g, const int cout_g,
                                const int taps, const int total) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int t = gid % taps;
    int r = gid / taps;
    const int c = r % cin_g; r /= cin_g;
    const int o = r % cout_g;
    const int g = r / cout_g;
    out[((g * cin_g + c) * cout_g + o) * taps + t] = w[gid - t + taps - 1 - t];
}

// grad_weight of a convolution as an implicit GEMM per group, its reduction split: C[co][col] = sum over k of
// gy[n, g*cout_g + co, p] * x[n, g*cin_g + c, src(p, tap)], with k = n*out_vol + p and col = (c, kz, ky, kx). A work-group
// of 8x8 work-items computes a GW_TILE x GW_TILE tile of C (each work-item GW_REG x GW_REG), staging GW_K reduction steps
// of both operands in local memory; work-group dimension 2 is g*splits + s, split s reducing k in [s*chunk, (s+1)*chunk)
// into partial[(g*splits + s)][co][col]. grad_weight_sum then adds the splits in order: no atomics.
#define GW_TILE 32
#define GW_REG 4
#define GW_K 16
__kernel __attribute__((reqd_work_group_size(8, 8, 1)))
void grad_weight_gemm(__global const float* x, __global const float* gy, __global float* partial,
                      const int cin, const int cout, const int cin_g, const int cout_g,
                      const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 dl, const int4 pd,
                      const int mode, const int batch, const int splits, const int chunk) {
    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int lid = ty * 8 + tx;
    const int col0 = get_group_id(0) * GW_TILE;
    const int co0 = get_group_id(1) * GW_TILE;
    const int gs = get_group_id(2);
    const int g = gs / splits;
    const int s = gs % splits;
    const int k_vol = k.x * k.y * k.z;
    const int cols = cin_g * k_vol;
    const int out_vol = out_sz.x * out_sz.y * out_sz.z;
    const int in_vol = in_sz.x * in_sz.y * in_sz.z;
    const int k_total = batch * out_vol;
    const int k_begin = s * chunk;
    const int k_end = min(k_total, k_begin + chunk);
    __local float as[GW_K][GW_TILE];
    __local float bs[GW_K][GW_TILE];
    float acc[GW_REG][GW_REG];
    for (int i = 0; i < GW_REG; i++)
        for (int j = 0; j < GW_REG; j++) acc[i][j] = 0.0f;
    for (int k0 = k_begin; k0 < k_end; k0 += GW_K) {
        for (int e = lid; e < GW_K * GW_TILE; e += 64) {
            const int kk = e / GW_TILE;
            const int j = e % GW_TILE;
            const int ki = k0 + kk;
            float a = 0.0f;
            float b = 0.0f;
            if (ki < k_end) {
                const int n = ki / out_vol;
                const int p = ki % out_vol;
                const int co = co0 + j;
                if (co < cout_g) a = gy[(size_t)(n * cout + g * cout_g + co) * out_vol + p];
                const int col = col0 + j;
                if (col < cols) {
                    const int c = col / k_vol;
                    const int t = col % k_vol;
                    const int kx = t % k.z;
                    const int ky = (t / k.z) % k.y;
                    const int kz = t / (k.z * k.y);
                    const int ox = p % out_sz.z;
                    const int oy = (p / out_sz.z) % out_sz.y;
                    const int oz = p / (out_sz.z * out_sz.y);
                    const int iz = source_index(oz * st.x - pd.x + kz * dl.x, in_sz.x, mode);
                    const int iy = source_index(oy * st.y - pd.y + ky * dl.y, in_sz.y, mode);
                    const int ix = source_index(ox * st.z - pd.z + kx * dl.z, in_sz.z, mode);
                    if (iz >= 0 && iy >= 0 && ix >= 0)
                        b = x[(size_t)(n * cin + g * cin_g + c) * in_vol + (iz * in_sz.y + iy) * in_sz.z + ix];
                }
            }
            as[kk][j] = a;
            bs[kk][j] = b;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < GW_K; kk++) {
            float av[GW_REG];
            float bv[GW_REG];
            for (int i = 0; i < GW_REG; i++) av[i] = as[kk][ty * GW_REG + i];
            for (int j = 0; j < GW_REG; j++) bv[j] = bs[kk][tx * GW_REG + j];
            for (int i = 0; i < GW_REG; i++)
                for (int j = 0; j < GW_REG; j++) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < GW_REG; i++) {
        const int co = co0 + ty * GW_REG + i;
        if (co >= cout_g) continue;
        for (int j = 0; j < GW_REG; j++) {
            const int col = col0 + tx * GW_REG + j;
            if (col < cols) partial[((size_t)gs * cout_g + co) * cols + col] = acc[i][j];
        }
    }
}

// The second stage: weight gid (group g, row r = co*cols + col) sums its splits' partials in order.
__kernel void grad_weight_sum(__global const float* partial, __global float* gw, const int per_group, const int splits,
                              const int accumulate, const int total) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int g = gid / per_group;
    const int r = gid % per_group;
    float acc = 0.0f;
    for (int s = 0; s < splits; s++) acc += partial[(size_t)(g * splits + s) * per_group + r];
    gw[gid] = accumulate ? gw[gid] + acc : acc;
}
