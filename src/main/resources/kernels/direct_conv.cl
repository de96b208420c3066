// Direct convolution kernels: any rank (1D and 2D are 3D with leading sizes of 1), any padding mode.
//
// Macros: none. Shapes are kernel arguments so one build serves every layer; every kernel ends with EPI_PARAMS
// (common.cl): its store applies the fused epilogue and writes the destination's channel slice.
// Vector arguments hold spatial values as (depth, height, width, unused).
// Padding modes: 0 zeros, 1 reflect, 2 replicate, 3 circular.
//
// conv_direct             one work-item per output element (n, co, z, y, x); handles everything.
// conv_depthwise          zero padding, one input channel per group: one work-item per DW_X (4) consecutive
//                         outputs of a row; launched with total = rows * ceil(width / DW_X).
// conv_transposed_gather  transposed convolution as a gather: each output element sums the inputs whose
//                         scattered taps land on it, so no two work-items write the same place (no atomics).

__kernel void conv_direct(__global const float* x, __global const float* w, __global const float* bias,
                          __global float* y,
                          const int cin, const int cout, const int cin_g, const int cout_g,
                          const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 dl,
                          const int4 pd, const int mode, const int has_bias, const int total, EPI_PARAMS) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int ox = gid % out_sz.z;
    int r = gid / out_sz.z;
    const int oy = r % out_sz.y; r /= out_sz.y;
    const int oz = r % out_sz.x; r /= out_sz.x;
    const int co = r % cout;
    const int n = r / cout;
    const int g = co / cout_g;
    const int in_vol = in_sz.x * in_sz.y * in_sz.z;
    const int k_vol = k.x * k.y * k.z;
    float acc = has_bias ? bias[co] : 0.0f;
    for (int ci = 0; ci < cin_g; ci++) {
        __global const float* xc = x + (size_t)(n * cin + g * cin_g + ci) * in_vol;
        __global const float* wc = w + (size_t)(co * cin_g + ci) * k_vol;
        for (int kz = 0; kz < k.x; kz++) {
            const int iz = source_index(oz * st.x - pd.x + kz * dl.x, in_sz.x, mode);
            if (iz < 0) continue;
            for (int ky = 0; ky < k.y; ky++) {
                const int iy = source_index(oy * st.y - pd.y + ky * dl.y, in_sz.y, mode);
                if (iy < 0) continue;
                __global const float* xr = xc + (iz * in_sz.y + iy) * in_sz.z;
                __global const float* wr = wc + (kz * k.y + ky) * k.z;
                for (int kx = 0; kx < k.z; kx++) {
                    const int ix = source_index(ox * st.z - pd.z + kx * dl.z, in_sz.z, mode);
                    if (ix < 0) continue;
                    acc = fma(xr[ix], wr[kx], acc);
                }
            }
        }
    }
    y[out_index(gid, n, cout, out_sz.x * out_sz.y * out_sz.z, ep)] = epilogue(acc, co, gid, EPI);
}

#define DW_X 4

__kernel void conv_depthwise(__global const float* x, __global const float* w, __global const float* bias,
                             __global float* y,
                             const int cin, const int cout, const int cout_g,
                             const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 dl,
                             const int4 pd, const int has_bias, const int total, EPI_PARAMS) {
    // Work-item gid computes DW_X consecutive outputs of one row: the index arithmetic is shared and the
    // DW_X accumulators are independent.
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int xblocks = (out_sz.z + DW_X - 1) / DW_X;
    const int ox0 = (gid % xblocks) * DW_X;
    int r = gid / xblocks;
    const int oy = r % out_sz.y; r /= out_sz.y;
    const int oz = r % out_sz.x; r /= out_sz.x;
    const int co = r % cout;
    const int n = r / cout;
    const int ci = co / cout_g;
    __global const float* xc = x + (size_t)(n * cin + ci) * (in_sz.x * in_sz.y * in_sz.z);
    __global const float* wc = w + (size_t)co * (k.x * k.y * k.z);
    const float b = has_bias ? bias[co] : 0.0f;
    float acc[DW_X];
    for (int j = 0; j < DW_X; j++) acc[j] = b;
    for (int kz = 0; kz < k.x; kz++) {
        const int iz = oz * st.x - pd.x + kz * dl.x;
        if (iz < 0 || iz >= in_sz.x) continue;
        for (int ky = 0; ky < k.y; ky++) {
            const int iy = oy * st.y - pd.y + ky * dl.y;
            if (iy < 0 || iy >= in_sz.y) continue;
            __global const float* xr = xc + (iz * in_sz.y + iy) * in_sz.z;
            __global const float* wr = wc + (kz * k.y + ky) * k.z;
            for (int kx = 0; kx < k.z; kx++) {
                const float wv = wr[kx];
                const int ix0 = ox0 * st.z - pd.z + kx * dl.z;
#pragma unroll
                for (int j = 0; j < DW_X; j++) {
                    const int ix = ix0 + j * st.z;
                    if (ix >= 0 && ix < in_sz.z) acc[j] = fma(xr[ix], wv, acc[j]);
                }
            }
        }
    }
    const size_t row = ((((size_t)n * cout + co) * out_sz.x + oz) * out_sz.y + oy) * out_sz.z;
    const int out_vol = out_sz.x * out_sz.y * out_sz.z;
#pragma unroll
    for (int j = 0; j < DW_X; j++) {
        if (ox0 + j < out_sz.z) y[out_index(row + ox0 + j, n, cout, out_vol, ep)] = epilogue(acc[j], co, row + ox0 + j, EPI);
    }
}

// Taps of kernel dimension kk that reach output o: (o + p - kk*d) divisible by s and the input index in range.
__kernel void conv_transposed_gather(__global const float* x, __global const float* w, __global const float* bias,
                                     __global float* y,
                                     const int cin, const int cout, const int cin_g, const int cout_g,
                                     const int4 in_sz, const int4 out_sz, const int4 k, const int4 st,
                                     const int4 dl, const int4 pd, const int has_bias, const int total, EPI_PARAMS) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int ox = gid % out_sz.z;
    int r = gid / out_sz.z;
    const int oy = r % out_sz.y; r /= out_sz.y;
    const int oz = r % out_sz.x; r /= out_sz.x;
    const int co = r % cout;
    const int n = r / cout;
    const int g = co / cout_g;
    const int cog = co % cout_g;
    const int in_vol = in_sz.x * in_sz.y * in_sz.z;
    const int k_vol = k.x * k.y * k.z;
    float acc = has_bias ? bias[co] : 0.0f;
    for (int kz = 0; kz < k.x; kz++) {
        const int tz = oz + pd.x - kz * dl.x;
        if (tz < 0 || tz % st.x != 0) continue;
        const int iz = tz / st.x;
        if (iz >= in_sz.x) continue;
        for (int ky = 0; ky < k.y; ky++) {
            const int ty = oy + pd.y - ky * dl.y;
            if (ty < 0 || ty % st.y != 0) continue;
            const int iy = ty / st.y;
            if (iy >= in_sz.y) continue;
            for (int kx = 0; kx < k.z; kx++) {
                const int tx = ox + pd.z - kx * dl.z;
                if (tx < 0 || tx % st.z != 0) continue;
                const int ix = tx / st.z;
                if (ix >= in_sz.z) continue;
                const int tap = (kz * k.y + ky) * k.z + kx;
                const int xo = (iz * in_sz.y + iy) * in_sz.z + ix;
                for (int ci = 0; ci < cin_g; ci++) {
                    const int c = g * cin_g + ci;
                    acc = fma(x[(size_t)(n * cin + c) * in_vol + xo], w[(size_t)(c * cout_g + cog) * k_vol + tap], acc);
                }
            }
        }
    }
    y[out_index(gid, n, cout, out_sz.x * out_sz.y * out_sz.z, ep)] = epilogue(acc, co, gid, EPI);
}
