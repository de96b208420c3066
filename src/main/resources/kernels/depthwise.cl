// Depthwise convolution (one input channel per group, zero padding) for GPUs, 1D and 2D layers: a work-item computes
// ROWS outputs down one column of one output plane, and the work-items of a work-group take consecutive columns of
// the same rows, so that every input load of a warp is one coalesced row segment (the taps' overlap hits the
// cache). The kernel window is compiled in, so the taps unroll and the weights stay in registers.
//
// Macros (set by the host): KH, KW kernel height and width; SY, SX strides; DY, DX dilations; ROWS outputs per
// work-item (down the column). The kernel ends with EPI_PARAMS (common.cl).
// Launch: global (n * cout * xgroups * 64, ceil(out_h / ROWS)) with local (64, 1), xgroups = ceil(out_w / 64):
// work-group g of dimension 0 takes columns (g % xgroups) * 64 + [0, 64) of output plane g / xgroups (the planes
// in dimension 0, whose size limit is the largest). A 1D layer has height 1.

__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void conv_depthwise_rows(__global const float* x, __global const float* w, __global const float* bias,
                         __global float* y, const int cin, const int cout, const int cout_g, const int in_h,
                         const int in_w, const int out_h, const int out_w, const int pad_h, const int pad_w,
                         const int has_bias, const int xgroups, EPI_PARAMS) {
    const int plane = get_group_id(0) / xgroups;
    const int ox = (get_group_id(0) % xgroups) * 64 + get_local_id(0);
    const int oy0 = get_global_id(1) * ROWS;
    if (ox >= out_w || oy0 >= out_h) return;
    const int co = plane % cout;
    const int n = plane / cout;
    __global const float* xc = x + ((size_t)n * cin + co / cout_g) * in_h * in_w;
    const size_t yc = (size_t)plane * out_h * out_w;
    float wr[KH][KW];
    #pragma unroll
    for (int ky = 0; ky < KH; ky++) {
        #pragma unroll
        for (int kx = 0; kx < KW; kx++) wr[ky][kx] = w[(co * KH + ky) * KW + kx];
    }
    const float b = has_bias ? bias[co] : 0.0f;
    const int ix0 = ox * SX - pad_w;
    #pragma unroll
    for (int r = 0; r < ROWS; r++) {
        const int oy = oy0 + r;
        if (oy >= out_h) break;
        float acc = b;
        #pragma unroll
        for (int ky = 0; ky < KH; ky++) {
            const int iy = oy * SY - pad_h + ky * DY;
            if ((uint)iy >= (uint)in_h) continue;
            __global const float* row = xc + (size_t)iy * in_w;
            #pragma unroll
            for (int kx = 0; kx < KW; kx++) {
                const int ix = ix0 + kx * DX;
                if ((uint)ix < (uint)in_w) acc = fma(row[ix], wr[ky][kx], acc);
            }
        }
        const size_t at = yc + (size_t)oy * out_w + ox;
        y[out_index(at, n, cout, out_h * out_w, ep)] = epilogue(acc, co, at, EPI);
    }
}
