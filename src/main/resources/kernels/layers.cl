// The non-convolution operations a network needs on the device: max-pool with indices, max-unpool and both
// gradients, a mean squared error with its gradient, and an Adam update. One work-item per output element; the
// gradients and the unpool gather (each element visits the windows that cover it, in row-major order) instead of
// scattering, so every element has one writer and a fixed summation order: no atomics, the same bits run to run.
//
// Macros: none. Sizes are (depth, height, width) in int4's x, y, z, a unit dimension for ranks below 3. Indices are
// flat positions within an input plane, stored as exact floats.

// Max over the window of output element gid (planes of out_sz), NaN winning; idx (unless null) gets the position of
// the first maximum in row-major order.
__kernel void max_pool(__global const float* x, __global float* y, __global float* idx, const int has_idx,
                       const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 pd, const int4 dl,
                       const int total) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int out_plane = out_sz.x * out_sz.y * out_sz.z;
    const int plane = gid / out_plane;
    const int r = gid % out_plane;
    const int ox = r % out_sz.z;
    const int oy = (r / out_sz.z) % out_sz.y;
    const int oz = r / (out_sz.z * out_sz.y);
    __global const float* xp = x + (size_t)plane * (in_sz.x * in_sz.y * in_sz.z);
    float best = -INFINITY;
    int at = -1;
    for (int kz = 0; kz < k.x; kz++) {
        const int iz = oz * st.x - pd.x + kz * dl.x;
        if (iz < 0 || iz >= in_sz.x) continue;
        for (int ky = 0; ky < k.y; ky++) {
            const int iy = oy * st.y - pd.y + ky * dl.y;
            if (iy < 0 || iy >= in_sz.y) continue;
            for (int kx = 0; kx < k.z; kx++) {
                const int ix = ox * st.z - pd.z + kx * dl.z;
                if (ix < 0 || ix >= in_sz.z) continue;
                const int pos = (iz * in_sz.y + iy) * in_sz.z + ix;
                const float v = xp[pos];
                if (at < 0 || v > best || isnan(v)) {
                    best = v;
                    at = pos;
                }
            }
        }
    }
    y[gid] = best;
    if (has_idx) idx[gid] = (float)at;
}

// PyTorch's divisor of an average pool along one dimension: the window's extent clipped to the padded input (with
// count_include_pad), else to the input.
inline int pool_extent(const int start, const int k, const int in, const int pad, const int include) {
    const int end = min(start + k, in + pad);
    return include ? end - start : min(end, in) - max(start, 0);
}

// The average of output element gid's window (taps inside the input summed in row-major order) by PyTorch's divisor.
__kernel void avg_pool(__global const float* x, __global float* y, const int include,
                       const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 pd, const int4 dl,
                       const int total) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int out_plane = out_sz.x * out_sz.y * out_sz.z;
    const int plane = gid / out_plane;
    const int r = gid % out_plane;
    const int ox = r % out_sz.z;
    const int oy = (r / out_sz.z) % out_sz.y;
    const int oz = r / (out_sz.z * out_sz.y);
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

// For input element gid: max-pool's gradient (mode 0: the sum of gy over the covering windows whose index names it)
// or the unpool (mode 1: the value of the last such window, else zero).
__kernel void pool_gather(__global const float* src, __global const float* idx, __global float* dst, const int mode,
                          const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 pd, const int4 dl,
                          const int total) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int in_plane = in_sz.x * in_sz.y * in_sz.z;
    const int plane = gid / in_plane;
    const int pos = gid % in_plane;
    const int ix = pos % in_sz.z;
    const int iy = (pos / in_sz.z) % in_sz.y;
    const int iz = pos / (in_sz.z * in_sz.y);
    const int base = plane * (out_sz.x * out_sz.y * out_sz.z);
    const float fpos = (float)pos;
    float acc = 0.0f;
    for (int oz = first_window(iz, k.x, st.x, pd.x, dl.x); oz <= min(out_sz.x - 1, (iz + pd.x) / st.x); oz++) {
        if (!covers(oz, iz, k.x, st.x, pd.x, dl.x)) continue;
        for (int oy = first_window(iy, k.y, st.y, pd.y, dl.y); oy <= min(out_sz.y - 1, (iy + pd.y) / st.y); oy++) {
            if (!covers(oy, iy, k.y, st.y, pd.y, dl.y)) continue;
            for (int ox = first_window(ix, k.z, st.z, pd.z, dl.z); ox <= min(out_sz.z - 1, (ix + pd.z) / st.z); ox++) {
                const int o = base + (oz * out_sz.y + oy) * out_sz.z + ox;
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
