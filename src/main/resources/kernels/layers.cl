// The non-convolution operations a network needs on the device: max-pool with indices, max-unpool and both
// gradients, a mean squared error with its gradient, and an Adam update. One work-item per output element (per
// output row for max-pool on a CPU device); the gradients and the unpool gather (each element visits the windows that
// cover it, in row-major order) instead of scattering, so every element has one writer and a fixed summation order:
// no atomics, the same bits run to run.
//
// The pools and the gather run on a range of (width, depth x height, plane), or (depth x height, plane) for rows, so
// that a work-item finds its position with one division at most rather than four (slow on a CPU device).
//
// Macros: PKZ, PKY, PKX, max-pool's window. Sizes are (depth, height, width) in int4's x, y, z, a unit dimension for
// ranks below 3. Indices are flat positions within an input plane, stored as exact floats.

// max-pool's window (depth, height, width), compiled in so that its loops unroll into a fixed sequence of loads and
// comparisons. Other kernels need no window.
#ifndef PKZ
#define PKZ 1
#define PKY 1
#define PKX 1
#endif

// The work-item's position in a 3-D launch over planes of sz: false past the edges of the rounded-up range.
inline bool position3(const int4 sz, int* px, int* py, int* pz, int* plane) {
    const int x = get_global_id(0), yz = get_global_id(1);
    if (x >= sz.z || yz >= sz.x * sz.y) return false;
    *px = x;
    *py = sz.x == 1 ? yz : yz % sz.y;
    *pz = sz.x == 1 ? 0 : yz / sz.y;
    *plane = get_global_id(2);
    return true;
}

// The taps [first, end) of a window starting at input position start (stride, padding and dilation applied) that
// fall inside an input of extent in. A uniform branch keeps the divisions out of undilated windows.
inline int2 taps(const int start, const int k, const int d, const int in) {
    if (d == 1) return (int2)(max(0, -start), min(k, in - start));
    return (int2)((max(0, -start) + d - 1) / d, min(k, (in - start + d - 1) / d));
}

// The maximum of the window at (z0, y0, x0) of plane xp, NaN winning, and in *at the position of its first maximum in
// row-major order (-1 for a window wholly in the padding). Out-of-range taps are clamped to the nearest tap inside the
// input, which repeats an inside tap beside itself in the scan and so changes neither answer; the loop then has no
// branch and a fixed trip count (the window's size, PKZ x PKY x PKX, compiled in).
inline float window_max(__global const float* xp, const int4 in_sz, const int z0, const int y0, const int x0,
                        const int4 dl, int* at) {
    const int2 tz = taps(z0, PKZ, dl.x, in_sz.x), ty = taps(y0, PKY, dl.y, in_sz.y), tx = taps(x0, PKX, dl.z, in_sz.z);
    if (tz.x >= tz.y || ty.x >= ty.y || tx.x >= tx.y) {
        *at = -1;
        return -INFINITY;
    }
    int first = ((z0 + tz.x * dl.x) * in_sz.y + y0 + ty.x * dl.y) * in_sz.z + x0 + tx.x * dl.z;
    float best = xp[first];
    #pragma unroll
    for (int kz = 0; kz < PKZ; kz++) {
        const int iz = z0 + clamp(kz, tz.x, tz.y - 1) * dl.x;
        #pragma unroll
        for (int ky = 0; ky < PKY; ky++) {
            const int rowp = (iz * in_sz.y + y0 + clamp(ky, ty.x, ty.y - 1) * dl.y) * in_sz.z + x0;
            #pragma unroll
            for (int kx = 0; kx < PKX; kx++) {
                const int pos = rowp + clamp(kx, tx.x, tx.y - 1) * dl.z;
                const float v = xp[pos];
                const bool take = (v > best) | (v != v);
                best = take ? v : best;
                first = take ? pos : first;
            }
        }
    }
    *at = first;
    return best;
}

// The larger of a and b, NaN if either is.
inline float nan_max(const float a, const float b) {
    return ((a > b) | (a != a)) ? a : b;
}

// Max-pool, one work-item per output position (oz, oy, ox) of a plane; idx (unless null) gets the maxima's positions.
__kernel void max_pool(__global const float* x, __global float* y, __global float* idx, const int has_idx,
                       const int4 in_sz, const int4 out_sz, const int4 st, const int4 pd, const int4 dl) {
    int ox, oy, oz, plane;
    if (!position3(out_sz, &ox, &oy, &oz, &plane)) return;
    const size_t gid = (size_t)plane * (out_sz.x * out_sz.y * out_sz.z) + (oz * out_sz.y + oy) * out_sz.z + ox;
    __global const float* xp = x + (size_t)plane * (in_sz.x * in_sz.y * in_sz.z);
    int at;
    y[gid] = window_max(xp, in_sz, oz * st.x - pd.x, oy * st.y - pd.y, ox * st.z - pd.z, dl, &at);
    if (has_idx) idx[gid] = (float)at;
}

// Max-pool for CPU devices: one work-item per output row (range: depth x height, plane), its positions in a loop. A
// CPU device runs a work-group's items one after another, so an item per output spends more on finding its position
// and taps than on its window. Without indices the order of the comparisons does not matter: each window row is
// reduced on its own, which shortens the chain of dependent comparisons; with them (training), each position takes
// window_max's scan in order.
__kernel void max_pool_rows(__global const float* x, __global float* y, __global float* idx, const int has_idx,
                            const int4 in_sz, const int4 out_sz, const int4 st, const int4 pd, const int4 dl) {
    const int yz = get_global_id(0);
    if (yz >= out_sz.x * out_sz.y) return;
    const int oy = out_sz.x == 1 ? yz : yz % out_sz.y, oz = out_sz.x == 1 ? 0 : yz / out_sz.y;
    __global const float* xp = x + (size_t)get_global_id(1) * (in_sz.x * in_sz.y * in_sz.z);
    const size_t row = (size_t)get_global_id(1) * (out_sz.x * out_sz.y * out_sz.z) + (size_t)yz * out_sz.z;
    const int z0 = oz * st.x - pd.x, y0 = oy * st.y - pd.y;
    const int2 tz = taps(z0, PKZ, dl.x, in_sz.x), ty = taps(y0, PKY, dl.y, in_sz.y);
    if (tz.x >= tz.y || ty.x >= ty.y) {
        for (int ox = 0; ox < out_sz.z; ox++) {
            y[row + ox] = -INFINITY;
            if (has_idx) idx[row + ox] = -1.0f;
        }
        return;
    }
    if (!has_idx) {
        for (int ox = 0; ox < out_sz.z; ox++) {
            const int x0 = ox * st.z - pd.z;
            const int2 tx = taps(x0, PKX, dl.z, in_sz.z);
            float best = -INFINITY;
            if (tx.x < tx.y) {
                #pragma unroll
                for (int kz = 0; kz < PKZ; kz++) {
                    const int iz = z0 + clamp(kz, tz.x, tz.y - 1) * dl.x;
                    #pragma unroll
                    for (int ky = 0; ky < PKY; ky++) {
                        __global const float* r = xp + (iz * in_sz.y + y0 + clamp(ky, ty.x, ty.y - 1) * dl.y) * in_sz.z + x0;
                        float m = r[tx.x * dl.z];
                        #pragma unroll
                        for (int kx = 0; kx < PKX; kx++) m = nan_max(m, r[clamp(kx, tx.x, tx.y - 1) * dl.z]);
                        best = nan_max(best, m);
                    }
                }
            }
            y[row + ox] = best;
        }
        return;
    }
    for (int ox = 0; ox < out_sz.z; ox++) {
        int at;
        y[row + ox] = window_max(xp, in_sz, z0, y0, ox * st.z - pd.z, dl, &at);
        idx[row + ox] = (float)at;
    }
}

// PyTorch's divisor of an average pool along one dimension: the window's extent clipped to the padded input (with
// count_include_pad), else to the input.
inline int pool_extent(const int start, const int k, const int in, const int pad, const int include) {
    const int end = min(start + k, in + pad);
    return include ? end - start : min(end, in) - max(start, 0);
}

// The average of an output position's window (taps inside the input summed in row-major order) by PyTorch's divisor.
__kernel void avg_pool(__global const float* x, __global float* y, const int include,
                       const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 pd, const int4 dl) {
    int ox, oy, oz, plane;
    if (!position3(out_sz, &ox, &oy, &oz, &plane)) return;
    const size_t gid = (size_t)plane * (out_sz.x * out_sz.y * out_sz.z) + (oz * out_sz.y + oy) * out_sz.z + ox;
    __global const float* xp = x + (size_t)plane * (in_sz.x * in_sz.y * in_sz.z);
    const int z0 = oz * st.x - pd.x, y0 = oy * st.y - pd.y, x0 = ox * st.z - pd.z;
    float sum = 0.0f;
    for (int iz = max(z0, 0); iz < min(z0 + k.x, in_sz.x); iz++) {
        for (int iy = max(y0, 0); iy < min(y0 + k.y, in_sz.y); iy++) {
            for (int ix = max(x0, 0); ix < min(x0 + k.z, in_sz.z); ix++) {
                sum += xp[(iz * in_sz.y + iy) * in_sz.z + ix];
            }
        }
    }
    const int divisor = pool_extent(z0, k.x, in_sz.x, pd.x, include) * pool_extent(y0, k.y, in_sz.y, pd.y, include)
            * pool_extent(x0, k.z, in_sz.z, pd.z, include);
    y[gid] = sum / (float)divisor;
}

// The range of output positions along one dimension whose windows can cover input position i.
inline int first_window(int i, int k, int s, int p, int d) {
    const int num = i + p - (k - 1) * d;
    return num <= 0 ? 0 : (num + s - 1) / s;
}

inline int covers(int o, int i, int k, int s, int p, int d) {
    const int off = i + p - o * s;
    return off >= 0 && off % d == 0 && off / d < k;
}

// For an input position of a plane: max-pool's gradient (mode 0: the sum of gy over the covering windows whose index
// names it) or the unpool (mode 1: the value of the last such window, else zero).
__kernel void pool_gather(__global const float* src, __global const float* idx, __global float* dst, const int mode,
                          const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 pd, const int4 dl) {
    int ix, iy, iz, plane;
    if (!position3(in_sz, &ix, &iy, &iz, &plane)) return;
    const int pos = (iz * in_sz.y + iy) * in_sz.z + ix;
    const size_t gid = (size_t)plane * (in_sz.x * in_sz.y * in_sz.z) + pos;
    const size_t base = (size_t)plane * (out_sz.x * out_sz.y * out_sz.z);
    const float fpos = (float)pos;
    float acc = 0.0f;
    for (int oz = first_window(iz, k.x, st.x, pd.x, dl.x); oz <= min(out_sz.x - 1, (iz + pd.x) / st.x); oz++) {
        if (!covers(oz, iz, k.x, st.x, pd.x, dl.x)) continue;
        for (int oy = first_window(iy, k.y, st.y, pd.y, dl.y); oy <= min(out_sz.y - 1, (iy + pd.y) / st.y); oy++) {
            if (!covers(oy, iy, k.y, st.y, pd.y, dl.y)) continue;
            for (int ox = first_window(ix, k.z, st.z, pd.z, dl.z); ox <= min(out_sz.z - 1, (ix + pd.z) / st.z); ox++) {
                const size_t o = base + (oz * out_sz.y + oy) * out_sz.z + ox;
                if (covers(ox, ix, k.z, st.z, pd.z, dl.z) && idx[o] == fpos) {
                    acc = mode == 0 ? acc + src[o] : src[o];
                }
            }
        }
    }
    dst[gid] = acc;
}

// max-unpool's gradient: pooled element gid takes gy at its index within its plane (zero for an index off the plane).
__kernel void unpool_backward(__global const float* gy, __global const float* idx, __global float* gv, const int in_plane,
                              const int out_plane, const int total) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const float at = idx[gid];
    const int i = (int)at;
    gv[gid] = at >= 0.0f && at < (float)in_plane && (float)i == at ? gy[(size_t)(gid / out_plane) * in_plane + i] : 0.0f;
}

// Mean squared error, first stage: work-group g sums (out - target)^2 over elements g*64 + j + k*global (a fixed
// stride), tree-reduces in local memory to partial[g], and writes the gradient 2 (out - target) / n when has_grad.
__kernel void mse_partial(__global const float* out, __global const float* target, __global float* grad, const int has_grad,
                          __global float* partial, const int n, const float scale) {
    __local float sums[64];
    const int lid = get_local_id(0);
    const int stride = get_global_size(0);
    float acc = 0.0f;
    for (int i = get_global_id(0); i < n; i += stride) {
        const float diff = out[i] - target[i];
        acc = fma(diff, diff, acc);
        if (has_grad) grad[i] = scale * diff;
    }
    sums[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = 32; span > 0; span >>= 1) {
        if (lid < span) sums[lid] += sums[lid + span];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partial[get_group_id(0)] = sums[0];
}

// Second stage: one work-item sums the partials in order.
__kernel void mse_final(__global const float* partial, const int groups, __global float* loss, const float inv_n) {
    if (get_global_id(0) != 0) return;
    float acc = 0.0f;
    for (int g = 0; g < groups; g++) acc += partial[g];
    loss[0] = acc * inv_n;
}

// One Adam step on element gid (torch.optim.Adam, no amsgrad).
__kernel void adam(__global float* p, __global const float* g, __global float* m, __global float* v, const float b1,
                   const float b2, const float wd, const float step_size, const float correction, const float eps,
                   const int total) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const float gi = wd == 0.0f ? g[gid] : g[gid] + wd * p[gid];
    const float mi = b1 * m[gid] + (1.0f - b1) * gi;
    const float vi = b2 * v[gid] + (1.0f - b2) * gi * gi;
    m[gid] = mi;
    v[gid] = vi;
    p[gid] -= step_size * mi / (sqrt(vi) / correction + eps);
}
