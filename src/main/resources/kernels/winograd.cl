// Winograd convolution, unfused (transform, batched product, inverse transform), for stride-1 convolutions whose
// kernel is 3 or 1 along each spatial dimension, with zero padding, any dilation and any groups.
//
// Macros: M  outputs per tile along each dimension whose kernel is 3: F(M, 3) with M = 2 (4 transformed points)
//            or M = 4 (6 points, interpolation points 0, +-1, +-2, +-1/2);
//         AZ, AY, AX  transformed points along depth, height, width: M + 2 where the kernel is 3, 1 where it is 1
//            (there the transform is the identity and a tile is one position).
// E = AZ * AY * AX transformed points per tile. P tiles: (n, tz, ty, tx), row-major, tz < tiles.x, ty < tiles.y,
// tx < tiles.z. Dilation: a tile holds outputs of one residue class, so along a dimension with dilation d the
// tile coordinate t = r * per.D + j (residue r < d, j < per.D) covers outputs r + d * (M * j + i), i < M, and
// reads inputs r + d * (M * j + a) - pad, a < alpha: the taps of a dilated kernel are consecutive there.
//
// The host runs the tiles in chunks: tiles p0 .. p0 + pc - 1 at a time.
// Layouts, all float: U[e][cout][cin_g] (transformed weights), V[e][cin][pc] (transformed input),
// Y[e][cout][pc] (their product, one matrix product per e and group: a grouped 1x1 convolution over E * groups
// groups, run by the host with the implicit-GEMM or CPU tile kernels).
//
// wino_filter  U = G g G^T per (co, ci)        one work-item per weight row, total = cout * cin_g
// wino_input   V = B^T d B per (ci, tile)       one work-item per (channel, tile), total = cin * pc
// wino_output  y = epilogue(A^T Y A + bias) per tile (EPI_PARAMS, common.cl)   one work-item per (channel, tile), total = cout * pc

#define E (AZ * AY * AX)
#define KZ (AZ == 1 ? 1 : 3)
#define KY (AY == 1 ? 1 : 3)
#define KX (AX == 1 ? 1 : 3)
#define MZ (AZ == 1 ? 1 : M)
#define MY (AY == 1 ? 1 : M)
#define MX (AX == 1 ? 1 : M)

// One-dimensional transforms on v[0], v[s], v[2s], ... in place (private arrays, constant indices once unrolled).
#if M == 2
inline void input_1d(float* v, const int s) {
    const float d0 = v[0], d1 = v[s], d2 = v[2 * s], d3 = v[3 * s];
    v[0] = d0 - d2;
    v[s] = d1 + d2;
    v[2 * s] = d2 - d1;
    v[3 * s] = d1 - d3;
}
// Three taps in v[0], v[s], v[2s] become four points.
inline void filter_1d(float* v, const int s) {
    const float g0 = v[0], g1 = v[s], g2 = v[2 * s];
    v[0] = g0;
    v[s] = 0.5f * (g0 + g1 + g2);
    v[2 * s] = 0.5f * (g0 - g1 + g2);
    v[3 * s] = g2;
}
// Four points become two outputs in v[0], v[s].
inline void output_1d(float* v, const int s) {
    const float m0 = v[0], m1 = v[s], m2 = v[2 * s], m3 = v[3 * s];
    v[0] = m0 + m1 + m2;
    v[s] = m1 - m2 - m3;
}
#elif M == 4
inline void input_1d(float* v, const int s) {
    const float d0 = v[0], d1 = v[s], d2 = v[2 * s], d3 = v[3 * s], d4 = v[4 * s], d5 = v[5 * s];
    v[0] = 4.0f * d0 - 5.0f * d2 + d4;
    v[s] = d3 + d4 - 4.0f * (d1 + d2);
    v[2 * s] = d4 - d3 + 4.0f * (d1 - d2);
    v[3 * s] = d4 - d2 + 2.0f * (d3 - d1);
    v[4 * s] = d4 - d2 - 2.0f * (d3 - d1);
    v[5 * s] = 4.0f * d1 - 5.0f * d3 + d5;
}
inline void filter_1d(float* v, const int s) {
    const float g0 = v[0], g1 = v[s], g2 = v[2 * s];
    v[0] = 0.25f * g0;
    v[s] = -(g0 + g1 + g2) / 6.0f;
    v[2 * s] = -(g0 - g1 + g2) / 6.0f;
    v[3 * s] = g0 / 24.0f + g1 / 12.0f + g2 / 6.0f;
    v[4 * s] = g0 / 24.0f - g1 / 12.0f + g2 / 6.0f;
    v[5 * s] = g2;
}
inline void output_1d(float* v, const int s) {
    const float m0 = v[0], m1 = v[s], m2 = v[2 * s], m3 = v[3 * s], m4 = v[4 * s], m5 = v[5 * s];
    const float a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4;
    v[0] = m0 + a + c;
    v[s] = b + 2.0f * d;
    v[2 * s] = a + 4.0f * c;
    v[3 * s] = b + 8.0f * d + m5;
}
#else
#error "M must be 2 or 4"
#endif

__kernel void wino_filter(__global const float* w, __global float* u, const int cout, const int cin_g, const int total) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    float f[E];
    #pragma unroll
    for (int e = 0; e < E; e++) f[e] = 0.0f;
    __global const float* g = w + (size_t)gid * (KZ * KY * KX);
    #pragma unroll
    for (int z = 0; z < KZ; z++) {
        #pragma unroll
        for (int y = 0; y < KY; y++) {
            #pragma unroll
            for (int x = 0; x < KX; x++) f[(z * AY + y) * AX + x] = g[(z * KY + y) * KX + x];
        }
    }
#if AX > 1
    #pragma unroll
    for (int z = 0; z < KZ; z++) {
        #pragma unroll
        for (int y = 0; y < KY; y++) filter_1d(f + (z * AY + y) * AX, 1);
    }
#endif
#if AY > 1
    #pragma unroll
    for (int z = 0; z < KZ; z++) {
        #pragma unroll
        for (int x = 0; x < AX; x++) filter_1d(f + z * AY * AX + x, AX);
    }
#endif
#if AZ > 1
    #pragma unroll
    for (int yx = 0; yx < AY * AX; yx++) filter_1d(f + yx, AY * AX);
#endif
    // gid = co * cin_g + ci; U[e][co][ci] = U[e * total + gid].
    #pragma unroll
    for (int e = 0; e < E; e++) u[(size_t)e * total + gid] = f[e];
}

// The first input coordinate (point 0) along one dimension of tile coordinate t (see the header).
inline int tile_origin(const int t, const int per, const int d, const int m, const int pad) {
    return t / per + d * (m * (t % per)) - pad;
}

// The separable transforms of a whole tile t[AZ][AY][AX]: along width, then height, then depth. The inverse leaves
// MX values per row after the first step, so the later steps take only those.
inline void transform_input(float* t) {
#if AX > 1
    #pragma unroll
    for (int zy = 0; zy < AZ * AY; zy++) input_1d(t + zy * AX, 1);
#endif
#if AY > 1
    #pragma unroll
    for (int z = 0; z < AZ; z++) {
        #pragma unroll
        for (int x = 0; x < AX; x++) input_1d(t + z * AY * AX + x, AX);
    }
#endif
#if AZ > 1
    #pragma unroll
    for (int yx = 0; yx < AY * AX; yx++) input_1d(t + yx, AY * AX);
#endif
}

inline void transform_output(float* t) {
#if AX > 1
    #pragma unroll
    for (int zy = 0; zy < AZ * AY; zy++) output_1d(t + zy * AX, 1);
#endif
#if AY > 1
    #pragma unroll
    for (int z = 0; z < AZ; z++) {
        #pragma unroll
        for (int x = 0; x < MX; x++) output_1d(t + z * AY * AX + x, AX);
    }
#endif
#if AZ > 1
    #pragma unroll
    for (int yx = 0; yx < AY * AX; yx++) output_1d(t + yx, AY * AX);
#endif
}

// Tile p's first coordinate per dimension and its image: (z, y, x, n). With pad = 0, the tile's first output.
inline int4 tile_start(const int p, const int4 tiles, const int4 per, const int4 dl, const int4 pd) {
    const int tx = p % tiles.z;
    int r = p / tiles.z;
    const int ty = r % tiles.y;
    r /= tiles.y;
    const int tz = r % tiles.x;
    return (int4)(tile_origin(tz, per.x, dl.x, MZ, pd.x), tile_origin(ty, per.y, dl.y, MY, pd.y),
                  tile_origin(tx, per.z, dl.z, MX, pd.z), r / tiles.x);
}

__kernel void wino_input(__global const float* x, __global float* v, const int cin, const int4 in_sz,
                         const int4 tiles, const int4 per, const int4 dl, const int4 pd, const int p0, const int pc,
                         const int total) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int p = p0 + gid % pc;
    const int c = gid / pc;
    const int4 o = tile_start(p, tiles, per, dl, pd);
    const int z0 = o.x, y0 = o.y, x0 = o.z;
    __global const float* xc = x + (size_t)(o.w * cin + c) * in_sz.x * in_sz.y * in_sz.z;
    float d[E];
    #pragma unroll
    for (int az = 0; az < AZ; az++) {
        const int iz = z0 + az * dl.x;
        #pragma unroll
        for (int ay = 0; ay < AY; ay++) {
            const int iy = y0 + ay * dl.y;
            const bool row = iz >= 0 && iz < in_sz.x && iy >= 0 && iy < in_sz.y;
            __global const float* xr = xc + (row ? (iz * in_sz.y + iy) * in_sz.z : 0);
            #pragma unroll
            for (int ax = 0; ax < AX; ax++) {
                const int ix = x0 + ax * dl.z;
                d[(az * AY + ay) * AX + ax] = row && ix >= 0 && ix < in_sz.z ? xr[ix] : 0.0f;
            }
        }
    }
    transform_input(d);
    #pragma unroll
    for (int e = 0; e < E; e++) v[(size_t)e * total + gid] = d[e];
}

__kernel void wino_output(__global const float* m, __global const float* bias, __global float* y, const int cout,
                          const int4 out_sz, const int4 tiles, const int4 per, const int4 dl, const int has_bias,
                          const int p0, const int pc, const int total, EPI_PARAMS) {
    const int gid = get_global_id(0);
    if (gid >= total) return;
    const int p = p0 + gid % pc;
    const int co = gid / pc;
    float t[E];
    #pragma unroll
    for (int e = 0; e < E; e++) t[e] = m[(size_t)e * total + gid];
    transform_output(t);
    const int4 o = tile_start(p, tiles, per, dl, (int4)(0));
    const int z0 = o.x, y0 = o.y, x0 = o.z;
    const float b = has_bias ? bias[co] : 0.0f;
    const int out_vol = out_sz.x * out_sz.y * out_sz.z;
    const size_t nat = (size_t)(o.w * cout + co) * out_vol;
    __global float* yc = y + out_index(nat, o.w, cout, out_vol, ep);
    #pragma unroll
    for (int iz = 0; iz < MZ; iz++) {
        const int oz = z0 + iz * dl.x;
        #pragma unroll
        for (int iy = 0; iy < MY; iy++) {
            const int oy = y0 + iy * dl.y;
            if (oz >= out_sz.x || oy >= out_sz.y) continue;
            #pragma unroll
            for (int ix = 0; ix < MX; ix++) {
                const int ox = x0 + ix * dl.z;
                const int at = (oz * out_sz.y + oy) * out_sz.z + ox;
                if (ox < out_sz.z) yc[at] = epilogue(t[(iz * AY + iy) * AX + ix] + b, co, nat + at, EPI);
            }
        }
    }
}
