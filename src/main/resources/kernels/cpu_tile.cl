// CPU-shaped convolution for OpenCL CPU devices (PoCL): explicit float8 vectors, no local memory, no barriers.
//
// Macros (set by the host from the planner's Tuning):
//   CO   output channels per work-item, 1, 4 or 8
//   VN   float8 vectors of consecutive output positions per work-item, 1 or 2 (CO x VN accumulators)
// Each work-item computes CO output channels x 8*VN consecutive output positions of one output row, reading a
// padded copy of the input (made by conv_pad) so the inner loop has no bounds checks; any dilation and padding
// mode (applied by conv_pad); a stride s is turned into stride 1 by splitting the padded input into s phase planes
// per dimension (space to depth), so every read is a contiguous vload8.
//
// conv_pad        xp[n][c][phase][zq][yq][xq] = x at the mode-mapped source of padded position q*s + phase, or 0;
//                 one work-item per (n, c, phase, zq, yq) row.
// conv_weights_blocked  the weights with the CO filters of each block adjacent (read by conv_cpu_tile).
// conv_cpu_tile also takes tap_offs[k_vol]: for tap (kz, ky, kx) with t = k*d, the offset of phase (t mod s)
// plus ((tz/sz)*qq.y + ty/sy)*qq.z + tx/sx, computed on the host.
// conv_cpu_tile   global (G, ceil(out_d * out_h / rows_per_item), n * groups * ceil(cout_g / CO)), local (1, 1, 1);
//                 work-item j of dimension 1 takes rows_per_item rows, work-item i of dimension 0 walks blocks i,
//                 i+G, ... of 8*VN positions along each (G = 1 walks whole rows, which with several rows per item
//                 keeps PoCL's per-work-group overhead off small layers).
// conv_cpu_tile_transposed
//                 transposed convolution without atomics: a work-item takes CO output channels x 8 outputs of one
//                 row whose x has one residue rx modulo the stride, so every kernel tap that reaches them reads 8
//                 consecutive inputs (the sub-pixel view); the input is zero-padded in x by conv_pad first.
//                 global (sx * ceil(ceil(out_w / sx) / 8), out_d * out_h, n * groups * ceil(cout_g / CO)), local (1, 1, 1).
// Vector arguments hold spatial values as (depth, height, width, unused). Padding modes as in common.cl. The three
// convolution kernels end with EPI_PARAMS (common.cl): the epilogue applied to the float8 accumulators at the store.

__kernel void conv_pad(__global const float* x, __global float* xp, const int4 in_sz, const int4 pp, const int4 before,
                       const int4 st, const int4 qq, const int mode, const int rows) {
    // Writes the padded input (pp = padded size) split into st.x*st.y*st.z phase planes of size qq each; one
    // work-item per phase-plane row (a per-element work-item costs PoCL more than the copy itself).
    const int gid = get_global_id(0);
    if (gid >= rows) return;
    const int yq = gid % qq.y;
    int r = gid / qq.y;
    const int zq = r % qq.x; r /= qq.x;
    const int phases = st.x * st.y * st.z;
    const int phase = r % phases;
    const int plane = r / phases;
    const int px = phase % st.z;
    const int py = (phase / st.z) % st.y;
    const int pz = phase / (st.z * st.y);
    const int z = zq * st.x + pz;
    const int y = yq * st.y + py;
    __global float* dst = xp + (size_t)gid * qq.z;
    const int iz = z < pp.x ? source_index(z - before.x, in_sz.x, mode) : -1;
    const int iy = y < pp.y ? source_index(y - before.y, in_sz.y, mode) : -1;
    if (iz < 0 || iy < 0) {
        for (int xq = 0; xq < qq.z; xq++) dst[xq] = 0.0f;
        return;
    }
    __global const float* src = x + (size_t)plane * (in_sz.x * in_sz.y * in_sz.z) + (iz * in_sz.y + iy) * in_sz.z;
    for (int xq = 0; xq < qq.z; xq++) {
        const int xx = xq * st.z + px;
        const int ix = xx < pp.z ? source_index(xx - before.z, in_sz.z, mode) : -1;
        dst[xq] = ix < 0 ? 0.0f : src[ix];
    }
}

// acc[c*VN + v] += w[c] * x[8v .. 8v+7] for the CO filters of a block: one tap of conv_cpu_tile. The loops are
// unrolled so that acc stays in registers (without it PoCL kept it on the stack: 3-4x slower).
inline void accumulate(float8* acc, __global const float* xs, __global const float* wt) {
    float8 xv[VN];
#pragma unroll
    for (int v = 0; v < VN; v++) xv[v] = vload8(v, xs);
#pragma unroll
    for (int c = 0; c < CO; c++) {
        const float8 wv = (float8)(wt[c]);
#pragma unroll
        for (int v = 0; v < VN; v++) acc[c * VN + v] = fma(wv, xv[v], acc[c * VN + v]);
    }
}
#define ACCUMULATE(XS, WT) accumulate(acc, (XS), (WT))

// Weights reordered so the CO filters of a block are adjacent for every (ci, tap):
// wb[((g * co_blocks + cb) * cin_g + ci) * k_vol + tap][c] = w[g * cout_g + cb * CO + c][ci][tap], zero past cout_g.
__kernel void conv_weights_blocked(__global const float* w, __global float* wb, const int cout, const int cin_g,
                                   const int cout_g, const int k_vol, const int total) {
    // One work-item per (g, cb, ci): its k_vol x CO block of wb.
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int ci = gid % cin_g;
    const int r = gid / cin_g;
    const int co_blocks = (cout_g + CO - 1) / CO;
    const int cb = r % co_blocks;
    const int g = r / co_blocks;
    __global float* dst = wb + (size_t)gid * k_vol * CO;
    for (int c = 0; c < CO; c++) {
        const int cog = cb * CO + c;
        __global const float* src = w + ((size_t)(g * cout_g + min(cog, cout_g - 1)) * cin_g + ci) * k_vol;
        for (int tap = 0; tap < k_vol; tap++) {
            dst[tap * CO + c] = cog < cout_g ? src[tap] : 0.0f;
        }
    }
}

__kernel void conv_cpu_tile(__global const float* xp, __global const float* wb, __global const float* bias,
                            __global float* y,
                            const int cin, const int cout, const int cin_g, const int cout_g,
                            const int4 qq, const int4 out_sz, const int4 k, const int4 st, const int4 dl,
                            const int has_bias, __global const int* tap_offs, const int rows_per_item, EPI_PARAMS) {
    const int co_blocks = (cout_g + CO - 1) / CO;
    const int groups = cout / cout_g;
    int r = get_global_id(2);
    const int cb = r % co_blocks; r /= co_blocks;
    const int g = r % groups;
    const int n = r / groups;
    const int co0 = g * cout_g + cb * CO;
    const int phase_vol = qq.x * qq.y * qq.z;
    const int plane = st.x * st.y * st.z * phase_vol;
    const int k_vol = k.x * k.y * k.z;
    const int out_vol = out_sz.x * out_sz.y * out_sz.z;
    const int unit_stride = st.x == 1 && st.y == 1 && st.z == 1;
    // Work-item j of dimension 1 takes rows_per_item output rows (several when a row is little work: PoCL's cost per
    // work-group would dominate); work-item i of dimension 0 takes blocks i, i + G, ... of 8*VN positions of each
    // (G = global size; G = 1 walks the row).
    const int rows_total = out_sz.x * out_sz.y;
    const int row_stop = min((int)get_global_id(1) * rows_per_item + rows_per_item, rows_total);
    for (int row = get_global_id(1) * rows_per_item; row < row_stop; row++) {
    const int oy = row % out_sz.y;
    const int oz = row / out_sz.y;
    for (int ox0 = get_global_id(0) * 8 * VN; ox0 < out_sz.z; ox0 += 8 * VN * get_global_size(0)) {
    const int row_base = (oz * qq.y + oy) * qq.z + ox0;

    float8 acc[CO * VN];
#pragma unroll
    for (int c = 0; c < CO * VN; c++) acc[c] = (float8)(0.0f);

    __global const float* xg = xp + ((size_t)n * cin + (size_t)g * cin_g) * plane;
    if (k_vol == 1) {
        // One tap (1x1, any stride: its tap lies at offset 0 of phase plane 0): a plain walk over the input channels,
        // no tap loops around one multiply-add block.
        __global const float* xs = xg + row_base;
        __global const float* ws = wb + ((size_t)g * co_blocks + cb) * cin_g * CO;
        for (int ci = 0; ci < cin_g; ci++) {
            ACCUMULATE(xs + (size_t)ci * plane, ws + ci * CO);
        }
    } else {
        for (int ci = 0; ci < cin_g; ci++) {
            __global const float* xc = xg + (size_t)ci * plane;
            __global const float* wc = wb + (((size_t)g * co_blocks + cb) * cin_g + ci) * k_vol * CO;
            if (unit_stride) {
                // Stride 1: one phase plane; walk the taps with plain pointer steps.
                for (int kz = 0; kz < k.x; kz++) {
                    for (int ky = 0; ky < k.y; ky++) {
                        __global const float* xr = xc + row_base + (kz * dl.x * qq.y + ky * dl.y) * qq.z;
                        __global const float* wr = wc + (kz * k.y + ky) * k.z * CO;
                        for (int kx = 0; kx < k.z; kx++) {
                            ACCUMULATE(xr + kx * dl.z, wr + kx * CO);
                        }
                    }
                }
            } else {
                // tap_offs[t]: the tap's phase plane and offset in it (host-computed, no divisions here).
                for (int t = 0; t < k_vol; t++) {
                    ACCUMULATE(xc + row_base + tap_offs[t], wc + t * CO);
                }
            }
        }
    }

    // Guarded bodies, not breaks: a loop with a second exit is not unrolled (and the compiler says so on stderr).
#pragma unroll
    for (int c = 0; c < CO; c++) {
        if (cb * CO + c < cout_g) {
            const int co = co0 + c;
            const float8 b = (float8)(has_bias ? bias[co] : 0.0f);
            const size_t nat = ((size_t)n * cout + co) * out_vol + (oz * out_sz.y + oy) * out_sz.z;
            __global float* yr = y + out_index(nat, n, cout, out_vol, ep);
#pragma unroll
            for (int v = 0; v < VN; v++) {
                const int o = ox0 + v * 8;
                const int valid = min(8, out_sz.z - o);
                const float8 val = acc[c * VN + v] + b;
                if (valid == 8) {
                    vstore8(EPI_ACTIVE ? epilogue8(val, co, nat + o, EPI) : val, 0, yr + o);
                } else if (valid > 0) {
                    float tmp[8];
                    vstore8(val, 0, tmp);
                    for (int q = 0; q < valid; q++) yr[o + q] = epilogue(tmp[q], co, nat + o + q, EPI);
                }
            }
        }
    }
    }
    }
}

// pad_x: zeros added before x in the padded input; lift: a multiple of the stride that keeps tap offsets positive.
__kernel void conv_cpu_tile_transposed(__global const float* xp, __global const float* w, __global const float* bias,
                                       __global float* y,
                                       const int cin, const int cout, const int cin_g, const int cout_g,
                                       const int4 in_sz, const int pw, const int pad_x, const int4 out_sz,
                                       const int4 k, const int4 st, const int4 dl, const int4 pd, const int lift,
                                       const int has_bias, const int rows_per_item, EPI_PARAMS) {
    const int sx = st.z;
    const int rx = get_global_id(0) % sx;
    const int j0 = (get_global_id(0) / sx) * 8;
    if (rx + sx * j0 >= out_sz.z) return;
    const int co_blocks = (cout_g + CO - 1) / CO;
    const int groups = cout / cout_g;
    int r = get_global_id(2);
    const int cb = r % co_blocks; r /= co_blocks;
    const int g = r % groups;
    const int n = r / groups;
    const int cog0 = cb * CO;
    const int c_last = min(CO, cout_g - cog0) - 1;
    const int k_vol = k.x * k.y * k.z;
    const int plane = in_sz.x * in_sz.y * pw;
    const int out_vol = out_sz.x * out_sz.y * out_sz.z;
    // rows_per_item output rows per work-item, as in conv_cpu_tile: one row of one residue is little work (a layer
    // whose kernel equals its stride reads one tap per row), and PoCL's cost per work-group would dominate.
    const int row_stop = min((int)get_global_id(1) * rows_per_item + rows_per_item, out_sz.x * out_sz.y);
    for (int row = get_global_id(1) * rows_per_item; row < row_stop; row++) {
    const int oy = row % out_sz.y;
    const int oz = row / out_sz.y;

    float8 acc[CO];
#pragma unroll
    for (int c = 0; c < CO; c++) acc[c] = (float8)(0.0f);

    for (int kz = 0; kz < k.x; kz++) {
        const int tz = oz + pd.x - kz * dl.x;
        if (tz < 0 || tz % st.x != 0 || tz / st.x >= in_sz.x) continue;
        const int iz = tz / st.x;
        for (int ky = 0; ky < k.y; ky++) {
            const int ty = oy + pd.y - ky * dl.y;
            if (ty < 0 || ty % st.y != 0 || ty / st.y >= in_sz.y) continue;
            const int iy = ty / st.y;
            for (int kx = 0; kx < k.z; kx++) {
                const int tx = rx + pd.z - kx * dl.z + lift * sx;
                if (tx % sx != 0) continue;
                const int ix = tx / sx - lift + j0 + pad_x;
                const int tap = (kz * k.y + ky) * k.z + kx;
                for (int c = 0; c < cin_g; c++) {
                    const int ci = g * cin_g + c;
                    const float8 xv = vload8(0, xp + ((size_t)n * cin + ci) * plane + (iz * in_sz.y + iy) * pw + ix);
                    __global const float* wt = w + ((size_t)ci * cout_g + cog0) * k_vol + tap;
#pragma unroll
                    for (int q = 0; q < CO; q++) {
                        const float wv = wt[(size_t)min(q, c_last) * k_vol];
                        acc[q] = fma((float8)(wv), xv, acc[q]);
                    }
                }
            }
        }
    }

#pragma unroll
    for (int q = 0; q < CO; q++) {
        if (cog0 + q < cout_g) {
            const int co = g * cout_g + cog0 + q;
            float tmp[8];
            vstore8(acc[q] + (float8)(has_bias ? bias[co] : 0.0f), 0, tmp);
            const size_t nat = ((size_t)n * cout + co) * out_vol + (oz * out_sz.y + oy) * out_sz.z;
            __global float* yr = y + out_index(nat, n, cout, out_vol, ep);
            for (int e = 0; e < 8; e++) {
                const int ox = rx + sx * (j0 + e);
                if (ox < out_sz.z) yr[ox] = epilogue(tmp[e], co, nat + ox, EPI);
            }
        }
    }
    }
}

// Depthwise convolution (one input channel per group, channel multiplier cout_g), zero padding, straight from the
// unpadded input: a work-item takes rows_per_item output rows of one output plane. With stride 1 or 2 along x the
// positions whose taps all fall inside the row are float8 FMAs on unaligned reads (vload8, or two and their even
// elements), two vectors at a time; the border positions (and every position of other strides) are scalar with
// bounds checks.
// Macros: KH, KW  the kernel's height and width (compile-time, so the tap loops unroll); the depth is an argument.
//         SX      the stride along x when it is 1 or 2 (the vector path), else 0 (scalar only).
// global (ceil(out_d * out_h / rows_per_item), n * cout), local (1, 1).
#if defined(KH) && defined(KW)
// Elements 0, 2, ..., 14 of p as one float8 (two float8 reads: a float16 value would leave AVX2's calling convention).
inline float8 load8_even(__global const float* p) {
    const float8 a = vload8(0, p);
    const float8 b = vload8(0, p + 8);
    return (float8)(a.even, b.even);
}

inline void depthwise_plane(__global const float* x, __global const float* w, __global const float* bias,
                            __global float* y, const int cin, const int cout, const int cout_g,
                            const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 dl,
                            const int4 pd, const int has_bias, const int rows_per_item, const int plane, EPI_PARAMS) {
    const int co = plane % cout;
    const int n = plane / cout;
    const int rows = out_sz.x * out_sz.y;
    const int r0 = get_global_id(0) * rows_per_item;
    const int r1 = min(rows, r0 + rows_per_item);
    __global const float* xc = x + (size_t)(n * cin + co / cout_g) * (in_sz.x * in_sz.y * in_sz.z);
    __global const float* wc = w + (size_t)co * (k.x * KH * KW);
    const size_t nat_plane = (size_t)plane * rows * out_sz.z;
    __global float* yc = y + out_index(nat_plane, n, cout, rows * out_sz.z, ep);
    const float b = has_bias ? bias[co] : 0.0f;
#if SX == 1
#define LOAD8(p) vload8(0, (p))
#elif SX == 2
#define LOAD8(p) load8_even(p)
#endif
    // Output columns [lo, hi) read only inside the row with every tap, the odd element a stride-2 read takes included.
#if SX == 1 || SX == 2
    const int lo = min(out_sz.z, (pd.z + SX - 1) / SX);
    const int last = in_sz.z - SX + pd.z - (KW - 1) * dl.z;
    const int hi = last < 0 ? lo : max(lo, min(out_sz.z, last / SX + 1));
#else
    const int lo = out_sz.z;
    const int hi = out_sz.z;
#endif
    for (int r = r0; r < r1; r++) {
        const int oy = r % out_sz.y;
        const int oz = r / out_sz.y;
        __global float* yr = yc + (size_t)r * out_sz.z;
        // [lo, hi) in blocks of 16 or 8; the last block may start before the previous one ended (it recomputes a few
        // outputs, identically), so no position between lo and hi takes the scalar path.
        int ox = lo;
        for (; hi - lo >= 8 && ox < hi; ox += 16) {
            ox = min(ox, hi - 8);
            const bool two = ox + 16 <= hi;
            float8 a0 = (float8)(b), a1 = (float8)(b);
            for (int kz = 0; kz < k.x; kz++) {
                const int iz = oz * st.x - pd.x + kz * dl.x;
                if (iz < 0 || iz >= in_sz.x) continue;
                #pragma unroll
                for (int ky = 0; ky < KH; ky++) {
                    const int iy = oy * st.y - pd.y + ky * dl.y;
                    if (iy < 0 || iy >= in_sz.y) continue;
#if SX == 1 || SX == 2
                    __global const float* xr = xc + (iz * in_sz.y + iy) * in_sz.z + SX * ox - pd.z;
                    __global const float* wr = wc + (kz * KH + ky) * KW;
                    #pragma unroll
                    for (int kx = 0; kx < KW; kx++) {
                        const float8 wv = (float8)(wr[kx]);
                        a0 = fma(LOAD8(xr + kx * dl.z), wv, a0);
                        if (two) a1 = fma(LOAD8(xr + kx * dl.z + 8 * SX), wv, a1);
                    }
#endif
                }
            }
            const size_t nat = nat_plane + (size_t)r * out_sz.z + ox;
            vstore8(EPI_ACTIVE ? epilogue8(a0, co, nat, EPI) : a0, 0, yr + ox);
            if (two) vstore8(EPI_ACTIVE ? epilogue8(a1, co, nat + 8, EPI) : a1, 0, yr + ox + 8);
            else ox -= 8;
        }
        // The scalar positions: [0, lo) and [ox, out_w), bounds-checked.
        for (int j = 0; j < out_sz.z; j++) {
            if (j == lo) {
                j = ox;
                if (j >= out_sz.z) break;
            }
            float acc = b;
            for (int kz = 0; kz < k.x; kz++) {
                const int iz = oz * st.x - pd.x + kz * dl.x;
                if (iz < 0 || iz >= in_sz.x) continue;
                for (int ky = 0; ky < KH; ky++) {
                    const int iy = oy * st.y - pd.y + ky * dl.y;
                    if (iy < 0 || iy >= in_sz.y) continue;
                    __global const float* xr = xc + (iz * in_sz.y + iy) * in_sz.z;
                    __global const float* wr = wc + (kz * KH + ky) * KW;
                    for (int kx = 0; kx < KW; kx++) {
                        const int ix = j * st.z - pd.z + kx * dl.z;
                        if (ix >= 0 && ix < in_sz.z) acc = fma(xr[ix], wr[kx], acc);
                    }
                }
            }
            yr[j] = epilogue(acc, co, nat_plane + (size_t)r * out_sz.z + j, EPI);
        }
    }
}
#endif

// A work-item takes planes_per_item planes (of rows_per_item rows): PoCL's cost per work-group is microseconds.
// global (ceil(out_d * out_h / rows_per_item), ceil(n * cout / planes_per_item)), local (1, 1).
#if defined(KH) && defined(KW)
__kernel void conv_cpu_depthwise(__global const float* x, __global const float* w, __global const float* bias,
                                 __global float* y, const int cin, const int cout, const int cout_g,
                                 const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 dl,
                                 const int4 pd, const int has_bias, const int rows_per_item, const int planes_per_item,
                                 const int planes, EPI_PARAMS) {
    const int p0 = get_global_id(1) * planes_per_item;
    const int p1 = min(planes, p0 + planes_per_item);
    for (int plane = p0; plane < p1; plane++) {
        depthwise_plane(x, w, bias, y, cin, cout, cout_g, in_sz, out_sz, k, st, dl, pd, has_bias, rows_per_item, plane, EPI);
    }
}
#endif
