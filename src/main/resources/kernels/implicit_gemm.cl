// Implicit-GEMM convolution: out[co][col] = sum_k W[co][k] * unfold(x)[k][col] per group, without
// materialising the unfolded input. Rows are output channels of a group, columns are (n, z, y, x)
// output positions of the whole batch, and the reduction runs over (ci, kz, ky, kx).
//
// Macros (all required, set by the host from the planner's Tuning):
//   TM  output channels per work-group tile
//   TN  output positions per work-group tile
//   TK  reduction step held in local memory
//   WM  output channels per work-item (register block rows)
//   WN  output positions per work-item (register block columns)
// Constraints: TM % WM == 0, TN % WN == 0, the work-group size (TM/WM)*(TN/WN) is a multiple of TN
// and divides TM*TK and TK*TN.
//
// Launch: global (ceil(cols/TN) * TN/WN, ceil(cout_g/TM) * TM/WM, groups), local (TN/WN, TM/WM, 1);
// a long layer is split into several launches over column ranges starting at col_base (a multiple of TN).
// ktab[k] = (ci, kz*dl.x, ky*dl.y, kx*dl.z) for each reduction index k, computed on the host.
// Vector arguments hold spatial values as (depth, height, width, unused). Padding modes as in common.cl.

#define WG_SIZE ((TM / WM) * (TN / WN))
#define CSTEP (TN / WN)

__kernel __attribute__((reqd_work_group_size(TN / WN, TM / WM, 1)))
void conv_implicit_gemm(__global const float* x, __global const float* w, __global const float* bias,
                        __global float* y,
                        const int batch, const int cin, const int cout, const int cin_g, const int cout_g,
                        const int4 in_sz, const int4 out_sz, const int4 k, const int4 st, const int4 dl,
                        const int4 pd, const int mode, const int has_bias, const int col_base,
                        __global const int4* ktab) {
    __local float As[TK][TM];
    __local float Bs[TK][TN + 1];

    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int lid = ty * (TN / WN) + tx;
    const int g = get_group_id(2);
    const int m0 = get_group_id(1) * TM;
    const int n0 = col_base + get_group_id(0) * TN;

    const int out_vol = out_sz.x * out_sz.y * out_sz.z;
    const int in_vol = in_sz.x * in_sz.y * in_sz.z;
    const int k_hw = k.y * k.z;
    const int k_vol = k.x * k_hw;
    const int K = cin_g * k_vol;
    const int cols = batch * out_vol;

    // The column this work-item loads into Bs is fixed: decode it once.
    const int lj = lid % TN;
    const int lcol = n0 + lj;
    const int lvalid = lcol < cols;
    const int ln = lvalid ? lcol / out_vol : 0;
    const int lp = lvalid ? lcol % out_vol : 0;
    const int lox = lp % out_sz.z;
    const int loy = (lp / out_sz.z) % out_sz.y;
    const int loz = lp / (out_sz.z * out_sz.y);
    const int iz0 = loz * st.x - pd.x;
    const int iy0 = loy * st.y - pd.y;
    const int ix0 = lox * st.z - pd.z;
    __global const float* xn = x + ((size_t)ln * cin + (size_t)g * cin_g) * in_vol;
    __global const float* wg = w + (size_t)g * cout_g * K;

    float acc[WM][WN];
    for (int i = 0; i < WM; i++)
        for (int j = 0; j < WN; j++) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += TK) {
        for (int idx = lid; idx < TM * TK; idx += WG_SIZE) {
            const int m = idx / TK;
            const int kk = idx % TK;
            const int row = m0 + m;
            const int kidx = k0 + kk;
            As[kk][m] = (row < cout_g && kidx < K) ? wg[(size_t)row * K + kidx] : 0.0f;
        }
        for (int kk = lid / TN; kk < TK; kk += WG_SIZE / TN) {
            const int kidx = k0 + kk;
            float v = 0.0f;
            if (lvalid && kidx < K) {
                // ktab[kidx] = (ci, kz*dl.x, ky*dl.y, kx*dl.z), made on the host: no integer division per load.
                const int4 kt = ktab[kidx];
                const int iz = source_index(iz0 + kt.y, in_sz.x, mode);
                const int iy = source_index(iy0 + kt.z, in_sz.y, mode);
                const int ix = source_index(ix0 + kt.w, in_sz.z, mode);
                if (iz >= 0 && iy >= 0 && ix >= 0) {
                    v = xn[(size_t)kt.x * in_vol + (iz * in_sz.y + iy) * in_sz.z + ix];
                }
            }
            Bs[kk][lj] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TK; kk++) {
            float a[WM];
            float b[WN];
            for (int i = 0; i < WM; i++) a[i] = As[kk][ty * WM + i];
            for (int j = 0; j < WN; j++) b[j] = Bs[kk][tx + j * CSTEP];
            for (int i = 0; i < WM; i++)
                for (int j = 0; j < WN; j++) acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int j = 0; j < WN; j++) {
        const int col = n0 + tx + j * CSTEP;
        if (col >= cols) continue;
        const int n = col / out_vol;
        const int p = col % out_vol;
        for (int i = 0; i < WM; i++) {
            const int row = m0 + ty * WM + i;
            if (row >= cout_g) continue;
            const int co = g * cout_g + row;
            y[((size_t)n * cout + co) * out_vol + p] = acc[i][j] + (has_bias ? bias[co] : 0.0f);
        }
    }
}
