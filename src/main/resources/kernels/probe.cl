// Device probe kernels for `convcl devices --bench`.
//
// Macros: none.
// fma_peak   each work-item runs `iterations` rounds of 8 independent float8 FMA chains (128 FLOPs a round)
//            and writes one value so the compiler cannot drop the work.
// copy       y[i] = x[i], for memory bandwidth (bytes moved = 2 * 4 * n).
// empty      does nothing, for launch latency.

__kernel void fma_peak(__global float* out, const int iterations, const float a, const float b) {
    const float base = (float)get_global_id(0) * 1e-6f;
    float8 v0 = (float8)(base) + (float8)(0, 1, 2, 3, 4, 5, 6, 7);
    float8 v1 = v0 + 8.0f, v2 = v0 + 16.0f, v3 = v0 + 24.0f;
    float8 v4 = v0 + 32.0f, v5 = v0 + 40.0f, v6 = v0 + 48.0f, v7 = v0 + 56.0f;
    for (int it = 0; it < iterations; it++) {
        v0 = fma(v0, a, b); v1 = fma(v1, a, b); v2 = fma(v2, a, b); v3 = fma(v3, a, b);
        v4 = fma(v4, a, b); v5 = fma(v5, a, b); v6 = fma(v6, a, b); v7 = fma(v7, a, b);
    }
    float8 s = v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7;
    out[get_global_id(0)] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7;
}

__kernel void copy(__global const float4* x, __global float4* y, const int n4) {
    const int i = get_global_id(0);
    if (i < n4) y[i] = x[i];
}

__kernel void empty(__global float* out) {
}
