// Device probe kernels for `convcl devices --bench`.
//
// Macros: none.
// fma_peak   each work-item runs `iterations` rounds of 16 independent FMA chains (32 FLOPs a round)
//            and writes one value so the compiler cannot drop the work.
// copy       y[i] = x[i], for memory bandwidth (bytes moved = 2 * 4 * n).
// empty      does nothing, for launch latency.

__kernel void fma_peak(__global float* out, const int iterations, const float a, const float b) {
    float v[16];
    for (int i = 0; i < 16; i++) v[i] = (float)get_global_id(0) * 1e-6f + i;
    for (int it = 0; it < iterations; it++) {
        for (int i = 0; i < 16; i++) v[i] = fma(v[i], a, b);
    }
    float s = 0.0f;
    for (int i = 0; i < 16; i++) s += v[i];
    out[get_global_id(0)] = s;
}

__kernel void copy(__global const float4* x, __global float4* y, const int n4) {
    const int i = get_global_id(0);
    if (i < n4) y[i] = x[i];
}

__kernel void empty(__global float* out) {
}
