// Helpers shared by every kernel file; the host prepends this file to each program's source.
//
// Macros: none.
// source_index   maps a coordinate of the padded input to a source index in [0, size), or -1 for a zero.
//                Padding modes: 0 zeros, 1 reflect, 2 replicate, 3 circular.
// EPI_PARAMS     the last parameters of every convolution kernel: the fused epilogue and the output's layout.
//                ep.x  the activation (Activation.code(): 0 identity, 1 relu, 2 relu6, 3 leaky_relu with ep_slope,
//                      4 sigmoid, 5 tanh, 6 silu, 7 gelu (erf form), 8 hardswish)
//                ep.y  the parts: 1 scale (ep_scale[co]), 2 shift (ep_shift[co]), 4 residual (ep_res, the output's
//                      own dense shape)
//                ep.z  channels per image of the destination tensor; ep.w the first of them this call writes
//                A kernel computes its outputs at their natural index r = (n * cout + co) * vol + p (the residual's
//                index too) and stores epilogue(conv + bias) at out_index(r): one store, the epilogue in registers.

inline int source_index(int c, int size, int mode) {
    if (c >= 0 && c < size) return c;
    if (mode == 1) return c < 0 ? -c : 2 * (size - 1) - c;
    if (mode == 2) return c < 0 ? 0 : size - 1;
    if (mode == 3) { int m = c % size; return m < 0 ? m + size : m; }
    return -1;
}

#define EPI_PARAMS __global const float* ep_scale, __global const float* ep_shift, __global const float* ep_res, \
    const int4 ep, const float ep_slope
#define EPI ep_scale, ep_shift, ep_res, ep, ep_slope
// Whether the epilogue changes values (kernels keep their vector stores when it does not).
#define EPI_ACTIVE (ep.x != 0 || ep.y != 0)

// sigmoid, tanh, silu, gelu and hardswish, out of line: inlined into every store of an unrolled register tile they
// made the tile too large to unroll (its accumulators went to the stack). Only exp is a library call: tanh and erf
// are written with it (erf as Abramowitz and Stegun 7.1.26, within 1.5e-7).
__attribute__((noinline)) float activate_rare(const float v, const int act) {
    switch (act) {
        case 4: return 1.0f / (1.0f + exp(-v));
        case 5: {
            const float e = exp(-2.0f * (v < 0.0f ? -v : v));
            const float t = (1.0f - e) / (1.0f + e);
            return v < 0.0f ? -t : (v != v ? v : t);
        }
        case 6: return v / (1.0f + exp(-v));
        case 7: {
            const float z = (v < 0.0f ? -v : v) * M_SQRT1_2_F;
            const float k = 1.0f / (1.0f + 0.3275911f * z);
            const float poly = k * (0.254829592f + k * (-0.284496736f + k * (1.421413741f + k * (-1.453152027f + k * 1.061405429f))));
            const float erf_z = 1.0f - poly * exp(-z * z);
            return 0.5f * v * (1.0f + (v < 0.0f ? -erf_z : erf_z));
        }
        case 8: {
            const float r = v + 3.0f;
            return v != v ? v : v * (r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r)) / 6.0f;
        }
        default: return v;
    }
}

inline float activate(const float v, const int act, const float slope) {
    switch (act) {
        case 0: return v;
        case 1: return v > 0.0f || v != v ? v : 0.0f;
        case 2: return v != v ? v : (v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v));
        case 3: return v >= 0.0f ? v : v * slope;
        default: return activate_rare(v, act);
    }
}

// The value stored for output channel co at natural index r, from v = conv + bias.
inline float epilogue(float v, const int co, const size_t r, EPI_PARAMS) {
    if (ep.y & 1) v *= ep_scale[co];
    if (ep.y & 2) v += ep_shift[co];
    if (ep.y & 4) v += ep_res[r];
    return activate(v, ep.x, ep_slope);
}

// The destination index of natural index r of image n (cout channels of vol outputs per image).
inline size_t out_index(const size_t r, const int n, const int cout, const int vol, const int4 ep) {
    return r + ((size_t)n * (ep.z - cout) + ep.w) * vol;
}

inline float8 activate8(const float8 v, const int act, const float slope) {
    switch (act) {
        case 0: return v;
        case 1: return select((float8)(0.0f), v, isgreater(v, (float8)(0.0f)) | isnan(v));
        case 2: return select(clamp(v, 0.0f, 6.0f), v, isnan(v));
        case 3: return select(v * slope, v, isgreaterequal(v, (float8)(0.0f)));
        default: return (float8)(activate_rare(v.s0, act), activate_rare(v.s1, act), activate_rare(v.s2, act), activate_rare(v.s3, act),
                                 activate_rare(v.s4, act), activate_rare(v.s5, act), activate_rare(v.s6, act), activate_rare(v.s7, act));
    }
}

// epilogue() of 8 consecutive outputs of channel co from natural index r, all inside the output.
inline float8 epilogue8(float8 v, const int co, const size_t r, EPI_PARAMS) {
    if (ep.y & 1) v *= ep_scale[co];
    if (ep.y & 2) v += ep_shift[co];
    if (ep.y & 4) v += vload8(0, ep_res + r);
    return activate8(v, ep.x, ep_slope);
}
