// Implicit-GEMM convolution: out[co][col] = sum_k W[co][k] * unfold(x)[k][col] per group, without
// materialising the unfolded input. Rows are output channels of a group, columns are output positions of the
// whole batch, and the reduction runs over (ci, tap), or (tap, ci) with TAP_MAJOR. Two inner products share the tiling and the loaders:
// conv_implicit_gemm (FP32 FMAs, a register block per work-item) and conv_implicit_gemm_mma (NVIDIA tensor cores,
// mma.sync m16n8k8 on TF32 fragments, a warp tile per warp).
//
// Macros (set by the host from the planner's Tuning):
//   TM  output channels per work-group tile
//   TN  output columns per work-group tile
//   TK  reduction step held in local memory (a multiple of 8 for MMA)
//   WM  FMA: output channels per work-item; MMA: rows per warp (a multiple of 16)
//   WN  FMA: output columns per work-item; MMA: columns per warp (a multiple of 8)
//   MMA           optional: build conv_implicit_gemm_mma instead of conv_implicit_gemm; the value is the number of
//                 TF32 products per multiply: 1 (TF32 precision) or 3 (3xTF32: hi*hi + hi*lo + lo*hi, FP32 accuracy)
//   MMA_EMULATE   optional, with MMA: compute each m16n8k8 product in OpenCL C through local memory, with the same
//                 fragment layout as the hardware (for devices without tensor cores: tests of the data flow).
//                 Without it the product and the TF32 rounding are inline PTX, which only NVIDIA's compiler (sm_80
//                 and later) accepts.
//   PAD_MODE      the padding mode (0 zeros, 1 reflect, 2 replicate, 3 circular), fixed at build time so that the
//                 input loads carry no mode branches.
//   FLAT_KTAB     optional, with PAD_MODE 0: ktab[k].x is the flat offset (ci*in_vol + (dz*H + dy)*W + dx) of the
//                 tap from the column's base instead of ci, so that a load is three bounds checks and one add.
//   TAP_MAJOR     optional, with FLAT_KTAB, where TK divides cin_g: the reduction runs tap-major, k = tap*cin_g + ci,
//                 over weights reordered so by gemm_weights_tap_major (a transposed convolution: per residue class,
//                 over the class's taps), and ktab holds one entry per tap (flat offset, dz, dy, dx). A reduction
//                 step then reads TK channels of one tap: one bounds check per load column and step, and loads that
//                 step through channels by in_vol.
// Constraints: TM % WM == 0, TN % WN == 0; the work-group size WG ((TM/WM)*(TN/WN) for FMA, 32*(TM/WM)*(TN/WN)
// for MMA) is a multiple of TN and of TK and divides TM*TK and TK*TN; for FMA, WN % 4 == 0 and WM is 2 or a
// multiple of 4 (the micro-kernel reads local memory in float4 and float2). ktab and kwoff hold at least
// ceil(K/TK)*TK entries; those past K read nothing (dz = -2^30).
//
// Launch: global (ceil(cols/TN) * TN/WN, ceil(cout_g/TM) * TM/WM, groups) with local (TN/WN, TM/WM, 1) for FMA;
// global (ceil(cols/TN) * WG, ceil(cout_g/TM), groups) with local (WG, 1, 1) for MMA. A long layer is split into
// launches over column ranges starting at col_base (a multiple of TN).
//
// Columns: column c in [0, cols) is (n, q) with q a position of the grid q_sz; its output position is
// o = q*omul + ores (no output where o >= out_sz) and its input base i0 = q*imul - ipad. For reduction index k,
// ktab[k] = (ci, dz, dy, dx) reads input channel ci at i0 + d, and the weight is w[g*wgs + row*wrow + woff(k)] with
// woff(k) = k when kw_direct, else kwoff[k].
//   Convolution: q_sz = out_sz, omul = 1, ores = 0, imul = stride, ipad = padding, d = tap*dilation.
//   Transposed convolution, one launch per output residue class r (0 <= r < stride): q_sz = ceil(out_sz/stride),
//   omul = stride, ores = r, imul = 1, ipad = 0, only the taps with (r + pad - tap*dil) % stride == 0, with
//   d = (r + pad - tap*dil) / stride: a dense convolution per class, no atomics, no multiplications by zero.
//   Transposed convolution whose kernel equals its stride, without padding, output padding or dilation (ROW_TAPS:
//   every output has exactly one tap): one launch, q_sz = in_sz, omul = stride, ores = 0, imul = 1, ipad = 0, a
//   1x1 reduction over the channels, and rows (output channel, tap) over weights reordered to (groups, cout_g,
//   taps, cin_g) by gemm_weights_tap_major; ROW_TAPS is the kernel volume, RKH and RKW its height and width. A
//   product goes to its column's output position (tap 0) plus its tap's offset: an upsampling layer is one GEMM
//   with all the output channels' taps as rows, which reads the input once.
// Vector arguments hold spatial values as (depth, height, width, unused). Padding modes as in common.cl. Both kernels
// end with EPI_PARAMS (common.cl): every store applies the fused epilogue and writes the destination's channel slice.

#define KERNEL_ARGS \
    __global const float* x, __global const float* w, __global const float* bias, __global float* y, \
    const int cin, const int cout, const int cin_g, const int cout_g, \
    const int4 in_sz, const int4 out_sz, const int4 q_sz, const int4 omul, const int4 ores, const int4 imul, \
    const int4 ipad, const int has_bias, const int K, const int wrow, const int wgs, \
    const int kw_direct, const int cols, const int col_base, __global const int4* ktab, __global const int* kwoff, \
    EPI_PARAMS

// Decodes column col: 0 when it is past the end or outside the output; else its image n, output position
// index out_p and input base.
inline int decode_column(int col, int cols, int4 q_sz, int4 out_sz, int4 omul, int4 ores, int4 imul, int4 ipad,
                         int* n, int* out_p, int4* base) {
    if (col >= cols) return 0;
    const int qvol = q_sz.x * q_sz.y * q_sz.z;
    const int nn = col / qvol;
    const int q = col - nn * qvol;
    const int qx = q % q_sz.z;
    const int qy = (q / q_sz.z) % q_sz.y;
    const int qz = q / (q_sz.z * q_sz.y);
    const int oz = qz * omul.x + ores.x;
    const int oy = qy * omul.y + ores.y;
    const int ox = qx * omul.z + ores.z;
    if (oz >= out_sz.x || oy >= out_sz.y || ox >= out_sz.z) return 0;
    *n = nn;
    *out_p = (oz * out_sz.y + oy) * out_sz.z + ox;
    *base = (int4)(qz * imul.x - ipad.x, qy * imul.y - ipad.y, qx * imul.z - ipad.z, 0);
    return 1;
}

// Tiles pass through registers (register double buffering): each work-item fetches its share of the next
// reduction step from global memory before it computes the current one from local memory, so that the loads are in
// flight during the arithmetic, then stores them to local memory after the next barrier. Its share of the weight
// tile is the flat indices lid + r*WG (r < TM*TK/WG; row idx/TK, step idx%TK: consecutive work-items read one
// weight row in order), of the input tile the steps lid/TN + r*(WG/TN) of its column lid%TN.

// Whether tap kt (its (dz, dy, dx) in kt.y, kt.z, kt.w) of a column whose receptive field starts at base reads inside
// the input: three unsigned compares (a base of -2^30 marks a column past the end and fails them).
inline int tap_inside(const int4 base, const int4 kt, const int4 in_sz) {
    return (uint)(base.x + kt.y) < (uint)in_sz.x && (uint)(base.y + kt.z) < (uint)in_sz.y
           && (uint)(base.z + kt.w) < (uint)in_sz.z;
}

// The address of weight (row, reduction index kidx) of this work-group's group; 0 outside the matrix.
inline __global const float* a_source(__global const float* wg, __global const int* kwoff, const int kw_direct,
                                      const int wrow, const int row, const int cout_g, const int kidx, const int K) {
    if (row >= cout_g || kidx >= K) return 0;
    return wg + (size_t)row * wrow + (kw_direct ? kidx : kwoff[kidx]);
}

// Weight (row, reduction index kidx) of this work-group's group, zero outside the matrix.
inline float fetch_a(__global const float* wg, __global const int* kwoff, const int kw_direct, const int wrow,
                     const int row, const int cout_g, const int kidx, const int K) {
    __global const float* p = a_source(wg, kwoff, kw_direct, wrow, row, cout_g, kidx, K);
    return p ? *p : 0.0f;
}

// The address of the unfolded input of this work-item's load column at reduction index kidx, 0 for a zero
// (padding, or past the end): the column's receptive field starts at base (z, y, x) and, with FLAT_KTAB, at flat
// offset boff within the group's input block xn. A column past the end has base.x = -2^30, like the tail entries of
// ktab, so that its loads fail the bounds check.
inline __global const float* b_source(__global const float* xn, __global const int4* ktab, const int4 base,
                                      const int boff, const int4 in_sz, const int in_vol, const int kidx) {
    const int4 kt = ktab[kidx];
#ifdef FLAT_KTAB
    return tap_inside(base, kt, in_sz) ? xn + (boff + kt.x) : 0;
#else
    if (base.x + kt.y < -(1 << 29)) return 0;
    const int iz = source_index(base.x + kt.y, in_sz.x, PAD_MODE);
    const int iy = source_index(base.y + kt.z, in_sz.y, PAD_MODE);
    const int ix = source_index(base.z + kt.w, in_sz.z, PAD_MODE);
    if (iz < 0 || iy < 0 || ix < 0) return 0;
    return xn + (size_t)kt.x * in_vol + (iz * in_sz.y + iy) * in_sz.z + ix;
#endif
}

// The value at b_source's address.
inline float fetch_b(__global const float* xn, __global const int4* ktab, const int4 base, const int boff,
                     const int4 in_sz, const int in_vol, const int kidx) {
    __global const float* p = b_source(xn, ktab, base, boff, in_sz, in_vol, kidx);
    return p ? *p : 0.0f;
}

#ifndef MMA
#define WG ((TM / WM) * (TN / WN))
#else
#define WG (32 * (TM / WM) * (TN / WN))
#endif
#define A_LOADS (TM * TK / WG)
#define B_LOADS (TK * TN / WG)

#ifdef ASYNC_COPY
// ASYNC_COPY=S (S = 2 to 4): the local tiles are filled by cp.async (NVIDIA sm_80 and later), from global to local
// memory without passing through registers, with S stages in flight and one barrier per reduction step; the host
// picks S, as many stages as fit 48 KiB. COPY_EMULATE (implied by MMA_EMULATE) makes each copy a plain load and store.
#define STAGES ASYNC_COPY
#if defined(MMA_EMULATE) && !defined(COPY_EMULATE)
#define COPY_EMULATE
#endif

// The element at src (0: a zero) into the local word dst, asynchronously: cp.async of 4 bytes, with a source size of
// 0 for a zero (the copy fills the word with zeros and reads nothing; any is a valid address to name). NVIDIA's
// __local pointers are addresses in the shared window, which is what cp.async's destination operand takes. The
// barrier that follows COPY_WAIT orders the emulated copies as it orders the hardware's.
inline void copy4(__local float* dst, __global const float* src, __global const float* any) {
#ifdef COPY_EMULATE
    *dst = src ? *src : 0.0f;
#else
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;"
                 :
                 : "r"((uint)(size_t)dst), "l"((ulong)(src ? src : any)), "r"(src ? 4 : 0)
                 : "memory");
#endif
}

// COPY_COMMIT closes this work-item's group of copies of one stage; COPY_WAIT waits until at most STAGES - 2 groups
// are pending, that is until the oldest stage not yet computed has arrived.
#ifdef COPY_EMULATE
#define COPY_COMMIT()
#define COPY_WAIT()
#else
#define COPY_COMMIT() asm volatile("cp.async.commit_group;" ::: "memory")
#if STAGES == 4
#define COPY_WAIT() asm volatile("cp.async.wait_group 2;" ::: "memory")
#elif STAGES == 3
#define COPY_WAIT() asm volatile("cp.async.wait_group 1;" ::: "memory")
#else
#define COPY_WAIT() asm volatile("cp.async.wait_group 0;" ::: "memory")
#endif
#endif
#endif

// This work-item's share of the tiles at reduction step k0 into registers (ra, rb), and from there into the local
// tiles (weights k-major: As[kk * apitch + m]). Its weight loads are step lid%TK of rows lid/TK + r*(WG/TK) (WG is a
// multiple of TK: consecutive work-items read one weight row in order), its input loads the steps lid/TN +
// r*(WG/TN) of its column lid%TN. Each macro is one loop, so that a plain #pragma unroll before it (NVIDIA
// documents it as cl_nv_pragma_unroll) unrolls it and ra and rb stay in registers.
#define A_ROW(r) (m0 + lid / TK + (r) * (WG / TK))
#define FETCH_A(k0) \
    for (int r = 0; r < A_LOADS; r++) ra[r] = fetch_a(wg, kwoff, kw_direct, wrow, A_ROW(r), cout_g, (k0) + lid % TK, K)
#ifdef TAP_MAJOR
// The tap of step k0 and this work-item's first channel in it: whether its column reads inside the input there
// (bok), and the address of its first load (bp); its loads step by WG/TN channels.
#define B_STEP(k0)                                                                                              \
    {                                                                                                           \
        const int4 tt = ktab[(k0) / cin_g];                                                                     \
        bok = tap_inside(lbase, tt, in_sz);                                                                     \
        bp = xn + (lboff + tt.x) + (size_t)((k0) % cin_g + lid / TN) * in_vol;                                  \
    }
#define FETCH_B(k0) for (int r = 0; r < B_LOADS; r++) rb[r] = bok ? bp[r * bstep] : 0.0f
#else
#define B_STEP(k0)
#define FETCH_B(k0) \
    for (int r = 0; r < B_LOADS; r++) rb[r] = fetch_b(xn, ktab, lbase, lboff, in_sz, in_vol, (k0) + lid / TN + r * (WG / TN))
#endif
#define STORE_A(As, apitch) \
    for (int r = 0; r < A_LOADS; r++) (As)[(lid % TK) * (apitch) + lid / TK + r * (WG / TK)] = ra[r]
#define STORE_B(Bs, bpitch) \
    for (int r = 0; r < B_LOADS; r++) (Bs)[(lid / TN + r * (WG / TN)) * (bpitch) + lid % TN] = rb[r]
// With ASYNC_COPY: the same shares of step k0 copied by cp.async straight to where STORE_A and STORE_B put them.
#define COPY_A(As, apitch, k0)                                                                                  \
    for (int r = 0; r < A_LOADS; r++)                                                                           \
    copy4((As) + (lid % TK) * (apitch) + lid / TK + r * (WG / TK),                                              \
          a_source(wg, kwoff, kw_direct, wrow, A_ROW(r), cout_g, (k0) + lid % TK, K), wg)
#ifdef TAP_MAJOR
#define COPY_B(Bs, bpitch, k0) \
    for (int r = 0; r < B_LOADS; r++) copy4((Bs) + (lid / TN + r * (WG / TN)) * (bpitch) + lid % TN, bok ? bp + r * bstep : 0, x)
#else
#define COPY_B(Bs, bpitch, k0)                                                                                  \
    for (int r = 0; r < B_LOADS; r++)                                                                           \
    copy4((Bs) + (lid / TN + r * (WG / TN)) * (bpitch) + lid % TN,                                              \
          b_source(xn, ktab, lbase, lboff, in_sz, in_vol, (k0) + lid / TN + r * (WG / TN)), x)
#endif

// The load column's state: group input block xn, base and flat offset (see fetch_b).
#define LOAD_COLUMN()                                                                                          \
    int ln = 0, lp = 0;                                                                                        \
    int4 lbase = (int4)(0);                                                                                    \
    const int lvalid = decode_column(n0 + lid % TN, cols, q_sz, out_sz, omul, ores, imul, ipad, &ln, &lp, &lbase); \
    const int lboff = (lbase.x * in_sz.y + lbase.y) * in_sz.z + lbase.z;                                       \
    if (!lvalid) lbase.x = -(1 << 30);                                                                         \
    __global const float* xn = x + ((size_t)ln * cin + (size_t)g * cin_g) * in_vol;                            \
    const size_t bstep = (size_t)(WG / TN) * in_vol;                                                           \
    int bok = 0;                                                                                               \
    __global const float* bp = xn

// The weights of one TAP_MAJOR launch, wp (groups, cout_g rows, ntaps, cin_g), from w, where group g's element
// (row, ci, kernel tap) is w[g*wgs + row*srow + ci*sci + tap] (a convolution: srow = cin_g*kvol, sci = kvol; a
// transposed one: srow = kvol, sci = cout_g*kvol); taps[t] is the kernel tap of the launch's t-th tap.
__kernel void gemm_weights_tap_major(__global const float* w, __global float* wp, __global const int* taps,
                                     const int ntaps, const int cin_g, const int cout_g, const int srow,
                                     const int sci, const int wgs, const int total) {
    const int i = get_global_id(0);
    if (i >= total) return;
    const int ci = i % cin_g;
    const int t = (i / cin_g) % ntaps;
    const int rg = i / (cin_g * ntaps);
    const int g = rg / cout_g;
    wp[i] = w[(size_t)g * wgs + (size_t)(rg - g * cout_g) * srow + (size_t)ci * sci + taps[t]];
}

// The output of column col: 0 when it is past the end or outside the output; else its natural index (without the
// channel: the residual's index) in off and its index in the destination tensor in dst, to which the stores add the
// channel's offset.
inline int output_column(const int col, const int cols, const int4 q_sz, const int4 out_sz, const int4 omul,
                         const int4 ores, const int4 imul, const int4 ipad, const int cout, const int4 ep, size_t* off,
                         size_t* dst) {
    int n, p;
    int4 base;
    if (!decode_column(col, cols, q_sz, out_sz, omul, ores, imul, ipad, &n, &p, &base)) return 0;
    const int vol = out_sz.x * out_sz.y * out_sz.z;
    *off = (size_t)n * cout * vol + p;
    *dst = out_index(*off, n, cout, vol, ep);
    return 1;
}

#ifdef ROW_TAPS
// The offset of kernel tap t (in kernel order: depth, height, width) in an output channel of size out_sz.
inline int tap_offset(const int t, const int4 out_sz) {
    return ((t / (RKH * RKW)) * out_sz.y + (t / RKW) % RKH) * out_sz.z + t % RKW;
}
#endif

// Writes epilogue(acc + bias) at output channel row of group g into a column that output_column found real (natural
// index off, destination index dst). With ROW_TAPS, row is (output channel row / ROW_TAPS of the group, tap
// row % ROW_TAPS), and cout_g counts such rows.
inline void store_output(__global float* y, __global const float* bias, const int has_bias, const float acc,
                         const int row, const int g, const int cout_g, const int4 out_sz, const size_t off,
                         const size_t dst, EPI_PARAMS) {
    if (row >= cout_g) return;
    const int out_vol = out_sz.x * out_sz.y * out_sz.z;
#ifdef ROW_TAPS
    const int t = row % ROW_TAPS;
    const int co = g * (cout_g / ROW_TAPS) + row / ROW_TAPS;
    const size_t at = (size_t)co * out_vol + tap_offset(t, out_sz);
#else
    const int co = g * cout_g + row;
    const size_t at = (size_t)co * out_vol;
#endif
    y[dst + at] = epilogue(acc + (has_bias ? bias[co] : 0.0f), co, off + at, EPI);
}


// Whether n consecutive columns starting at a multiple of n, all real, are n consecutive and aligned outputs: a
// convolution's columns (omul 1) run through each image's outputs in order, and out_vol % n == 0 keeps every
// image's block, and so every channel's, n-aligned. Never with ROW_TAPS (its rows are not channels).
inline int vector_stores(const int4 omul, const int out_vol, const int n) {
#ifdef ROW_TAPS
    return 0;
#else
    return omul.x == 1 && omul.y == 1 && omul.z == 1 && out_vol % n == 0;
#endif
}

#ifndef MMA

// Work-item (tx, ty) holds rows ty*WM + i and columns 4*(tx + v*(TN/WN)) + e (v < WN/4, e < 4): float4 reads of
// the input tile that a warp's work-items take from consecutive 16-byte slots, and float4 (float2) broadcasts of
// the weight tile.
#define COL(j) (4 * (tx + ((j) / 4) * (TN / WN)) + (j) % 4)
// +4: the weight tile's stores (consecutive work-items, consecutive steps) hit at most 2 per bank, and rows stay
// 16-byte aligned for vector reads.
#define APITCH (TM + 4)
#define BPITCH (TN + 4)

__kernel __attribute__((reqd_work_group_size(TN / WN, TM / WM, 1)))
void conv_implicit_gemm(KERNEL_ARGS) {
#ifdef ASYNC_COPY
    __local float4 As4[STAGES * TK * APITCH / 4];
    __local float4 Bs4[STAGES * TK * BPITCH / 4];
#else
    __local float4 As4[TK * APITCH / 4];
    __local float4 Bs4[TK * BPITCH / 4];
#endif
    __local float* As = (__local float*)As4;
    __local float* Bs = (__local float*)Bs4;

    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int lid = ty * (TN / WN) + tx;
    const int g = get_group_id(2);
    const int m0 = get_group_id(1) * TM;
    const int n0 = col_base + get_group_id(0) * TN;
    const int in_vol = in_sz.x * in_sz.y * in_sz.z;
    LOAD_COLUMN();
    __global const float* wg = w + (size_t)g * wgs;

    float acc[WM][WN];
    #pragma unroll
    for (int i = 0; i < WM; i++)
        #pragma unroll
        for (int j = 0; j < WN; j++) acc[i][j] = 0.0f;

#ifdef ASYNC_COPY
    // As the tensor-core kernel's cp.async stages: the first STAGES - 1 passes only put steps in flight.
    for (int k0 = -(STAGES - 1) * TK; k0 < K; k0 += TK) {
        if (k0 >= 0) {
            COPY_WAIT();
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        const int kf = k0 + (STAGES - 1) * TK;
        if (kf < K) {
            const int sf = (kf / TK) % STAGES;
            B_STEP(kf);
#pragma unroll
            COPY_A(As + sf * (TK * APITCH), APITCH, kf);
#pragma unroll
            COPY_B(Bs + sf * (TK * BPITCH), BPITCH, kf);
        }
        COPY_COMMIT();
        if (k0 < 0) continue;
        __local const float4* A4 = As4 + ((k0 / TK) % STAGES) * (TK * APITCH / 4);
        __local const float4* B4 = Bs4 + ((k0 / TK) % STAGES) * (TK * BPITCH / 4);
#else
    float ra[A_LOADS];
    float rb[B_LOADS];
    B_STEP(0);
#pragma unroll
    FETCH_A(0);
#pragma unroll
    FETCH_B(0);
    for (int k0 = 0; k0 < K; k0 += TK) {
#pragma unroll
        STORE_A(As, APITCH);
#pragma unroll
        STORE_B(Bs, BPITCH);
        barrier(CLK_LOCAL_MEM_FENCE);
        if (k0 + TK < K) {
            B_STEP(k0 + TK);
#pragma unroll
            FETCH_A(k0 + TK);
#pragma unroll
            FETCH_B(k0 + TK);
        }
        __local const float4* A4 = As4;
        __local const float4* B4 = Bs4;
#endif
#pragma unroll
        for (int kk = 0; kk < TK; kk++) {
            float a[WM];
            float b[WN];
#if WM % 4 == 0
            #pragma unroll
            for (int v = 0; v < WM / 4; v++) {
                const float4 t = A4[(kk * APITCH + ty * WM) / 4 + v];
                a[4 * v] = t.x, a[4 * v + 1] = t.y, a[4 * v + 2] = t.z, a[4 * v + 3] = t.w;
            }
#else
            #pragma unroll
            for (int v = 0; v < WM / 2; v++) {
                const float2 t = ((__local const float2*)A4)[(kk * APITCH + ty * WM) / 2 + v];
                a[2 * v] = t.x, a[2 * v + 1] = t.y;
            }
#endif
            #pragma unroll
            for (int v = 0; v < WN / 4; v++) {
                const float4 t = B4[kk * (BPITCH / 4) + tx + v * (TN / WN)];
                b[4 * v] = t.x, b[4 * v + 1] = t.y, b[4 * v + 2] = t.z, b[4 * v + 3] = t.w;
            }
            #pragma unroll
            for (int i = 0; i < WM; i++)
                #pragma unroll
                for (int j = 0; j < WN; j++) acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
#ifndef ASYNC_COPY
        barrier(CLK_LOCAL_MEM_FENCE);
#endif
    }

    const int out_vol = out_sz.x * out_sz.y * out_sz.z;
    const int vec = vector_stores(omul, out_vol, 4);
    #pragma unroll
    for (int v = 0; v < WN / 4; v++) {
        const int c0 = n0 + COL(4 * v);
        size_t off, dst;
        if (vec && c0 + 3 < cols && output_column(c0, cols, q_sz, out_sz, omul, ores, imul, ipad, cout, ep, &off, &dst)) {
            #pragma unroll
            for (int i = 0; i < WM; i++) {
                const int row = m0 + ty * WM + i;
                if (row >= cout_g) continue;
                const int co = g * cout_g + row;
                const float b = has_bias ? bias[co] : 0.0f;
                float4 o4 = (float4)(acc[i][4 * v] + b, acc[i][4 * v + 1] + b, acc[i][4 * v + 2] + b, acc[i][4 * v + 3] + b);
                if (EPI_ACTIVE) {
                    const size_t r = off + (size_t)co * out_vol;
                    o4 = (float4)(epilogue(o4.x, co, r, EPI), epilogue(o4.y, co, r + 1, EPI), epilogue(o4.z, co, r + 2, EPI),
                                  epilogue(o4.w, co, r + 3, EPI));
                }
                *(__global float4*)(y + dst + (size_t)co * out_vol) = o4;
            }
            continue;
        }
#if defined(ROW_TAPS) && RKW == 2 && WM % 2 == 0
        // Upsampling by 2 along the width: rows i, i+1 (even i) are taps kx = 0, 1 of one channel and kernel row, and
        // the 4 columns are consecutive input positions of one row (width % 4 == 0), so their 8 outputs are
        // consecutive and 32-byte aligned: two float4 stores instead of 8 scalar stores 8 bytes apart.
        if (!EPI_ACTIVE && in_sz.z % 4 == 0 && c0 + 3 < cols
                && output_column(c0, cols, q_sz, out_sz, omul, ores, imul, ipad, cout, ep, &off, &dst)) {
            #pragma unroll
            for (int i = 0; i < WM; i += 2) {
                const int row = m0 + ty * WM + i;
                if (row >= cout_g) continue;
                const int t = row % ROW_TAPS;
                const int co = g * (cout_g / ROW_TAPS) + row / ROW_TAPS;
                const float b = has_bias ? bias[co] : 0.0f;
                __global float* o = y + dst + (size_t)co * out_vol + tap_offset(t, out_sz);
                *(__global float4*)o = (float4)(acc[i][4 * v] + b, acc[i + 1][4 * v] + b, acc[i][4 * v + 1] + b, acc[i + 1][4 * v + 1] + b);
                *(__global float4*)(o + 4) =
                    (float4)(acc[i][4 * v + 2] + b, acc[i + 1][4 * v + 2] + b, acc[i][4 * v + 3] + b, acc[i + 1][4 * v + 3] + b);
            }
            continue;
        }
#endif
        #pragma unroll
        for (int e = 0; e < 4; e++) {
            if (!output_column(c0 + e, cols, q_sz, out_sz, omul, ores, imul, ipad, cout, ep, &off, &dst)) continue;
            #pragma unroll
            for (int i = 0; i < WM; i++) {
                store_output(y, bias, has_bias, acc[i][4 * v + e], m0 + ty * WM + i, g, cout_g, out_sz, off, dst, EPI);
            }
        }
    }
}

#else

// Full unrolling keeps fragments and accumulators in registers on NVIDIA (PtxCodegenTest checks: no stack). The
// emulation is not unrolled: PoCL 3.1's compiler crashed on the unrolled barrier-per-product form.

#define WARPS_M (TM / WM)
#define WARPS_N (TN / WN)
#define MI (WM / 16)
#define NI (WN / 8)

// Row pitches of the local tiles: +8 floats puts the four k-rows a fragment load touches in different banks.
#define APITCH (TM + 8)
#define BPITCH (TN + 8)

// v rounded to TF32 (10 explicit mantissa bits), round to nearest with ties away from zero: cvt.rna.tf32.f32,
// emulated where there is no PTX.
inline uint tf32_round(const float v) {
#ifdef MMA_EMULATE
    uint u = as_uint(v);
    if ((u & 0x7f800000u) == 0x7f800000u) {
        return (u & 0x007fffffu) != 0 ? (u | 0x00400000u) : u;
    }
    return (u + 0x1000u) & 0xffffe000u;
#else
    uint u;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(u) : "f"(v));
    return u;
#endif
}

// The TF32 remainder v - tf32(v), itself in TF32 (zero for infinities and NaN, whose high part carries them).
inline uint tf32_rest(const float v, const uint hi) {
    if ((as_uint(v) & 0x7f800000u) == 0x7f800000u) return 0u;
    return tf32_round(v - as_float(hi));
}

#ifdef MMA_EMULATE
// One m16n8k8 product d += a*b over a warp's fragments, through this warp's 192 floats of local memory.
// Fragment layout (lane = 4*g + t): a0 = A[g][t], a1 = A[g+8][t], a2 = A[g][t+4], a3 = A[g+8][t+4];
// b0 = B[t][g], b1 = B[t+4][g]; d_q = D[g + 8*(q/2)][2*t + q%2].
inline void mma_m16n8k8(float* d, const uint* a, const uint* b, __local float* s, const int lane) {
    const int g = lane >> 2;
    const int t = lane & 3;
    s[g * 8 + t] = as_float(a[0]);
    s[(g + 8) * 8 + t] = as_float(a[1]);
    s[g * 8 + t + 4] = as_float(a[2]);
    s[(g + 8) * 8 + t + 4] = as_float(a[3]);
    s[128 + t * 8 + g] = as_float(b[0]);
    s[128 + (t + 4) * 8 + g] = as_float(b[1]);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int q = 0; q < 4; q++) {
        const int r = g + (q >> 1) * 8;
        const int c = t * 2 + (q & 1);
        float sum = d[q];
        for (int k = 0; k < 8; k++) sum = fma(s[r * 8 + k], s[128 + k * 8 + c], sum);
        d[q] = sum;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}
#define MMA_TF32(d, a, b) mma_m16n8k8(d, a, b, mscratch, lane)
#else
#define MMA_TF32(d, a, b)                                                                            \
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "                               \
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"                             \
                 : "+f"((d)[0]), "+f"((d)[1]), "+f"((d)[2]), "+f"((d)[3])                            \
                 : "r"((a)[0]), "r"((a)[1]), "r"((a)[2]), "r"((a)[3]), "r"((b)[0]), "r"((b)[1]))
#endif

#ifdef MMA_FRAG
// Fragment-ordered local tiles (MMA_FRAG). Each 16x8 block of the weight tile and each 8x16 block of the input tile
// (two n8 fragments side by side) is held as 32 uint4, lane-major, a lane's uint4 being exactly its fragment
// registers (a0..a3; b0, b1 of the left fragment, then of the right one), already rounded to TF32 and, for 3xTF32,
// split into high parts (Ah, Bh) and remainders (Al, Bl). A fragment read is then one 16-byte load per lane, 512
// consecutive bytes per warp (no bank conflicts), with no conversion; the rounding is done once per element at the
// store instead of once per read. A warp fills whole blocks: lane (g, t) loads rows (columns) g and g+8 at steps t
// and t+4, and stores one uint4. Where two stages fit in 48 KiB the tiles are double-buffered: one barrier per step.
// Extra constraints: WN % 16 == 0, the warps divide the weight blocks, and the warps and the 16-column blocks
// divide one another (a warp keeps its load columns over the whole reduction).
#define KB (TK / 8)
#define NWARPS (WG / 32)
#define A_BLOCKS (KB * (TM / 16))
#define NB (TN / 16)
#define B_BLOCKS (KB * NB)
#define A_PER_WARP (A_BLOCKS / NWARPS)
#if NWARPS >= NB
#define B_COLBLOCKS 1
#define B_KSTEP (NWARPS / NB)
#else
#define B_COLBLOCKS (NB / NWARPS)
#define B_KSTEP 1
#endif
#define B_KPER (KB / B_KSTEP)
#define NCOLS (2 * B_COLBLOCKS)
// With ASYNC_COPY the tiles hold the raw FP32 values, copied by cp.async, and are rounded (split) into TF32 at each
// fragment read; without it they are rounded at the store, in one or two stages.
#ifndef ASYNC_COPY
#if MMA == 3
#define SPLIT 2
#else
#define SPLIT 1
#endif
#if 2 * (A_BLOCKS + B_BLOCKS) * 512 * SPLIT <= 49152
#define STAGES 2
#else
#define STAGES 1
#endif
#endif

// The loaders of the fragment-ordered tiles: with ASYNC_COPY each is a long run of cp.async statements, which clang's
// inliner left as a call to an inline function without an external definition (a PTX that ptxas cannot link). So
// they are static (OpenCL C 1.2: an internal definition wherever a call remains) and, for clang-based compilers
// (PoCL, and NVIDIA's if it is one), always inlined: a call would put their array arguments on the stack.
#ifdef __clang__
#define FRAG_INLINE static inline __attribute__((always_inline))
#else
#define FRAG_INLINE static inline
#endif

// This work-item's share of the weight tile at step k0: blocks u = warp + r*NWARPS (k block u / (TM/16), row block
// u % (TM/16)), as (row gq, step tq), (gq+8, tq), (gq, tq+4), (gq+8, tq+4): the a0..a3 order. Into ra; with
// ASYNC_COPY copied into stage st of Ah instead, where frag_store would put them.
FRAG_INLINE void frag_fetch_a(float ra[A_PER_WARP][4], __local uint4* Ah, const int st, __global const float* wg,
                         __global const int* kwoff, const int kw_direct, const int wrow, const int cout_g, const int K,
                         const int m0, const int k0, const int warp, const int lane) {
    const int gq = lane >> 2;
    const int tq = lane & 3;
#pragma unroll
    for (int r = 0; r < A_PER_WARP; r++) {
        const int u = warp + r * NWARPS;
        const int row = m0 + (u % (TM / 16)) * 16 + gq;
        const int k = k0 + (u / (TM / 16)) * 8 + tq;
#pragma unroll
        for (int e = 0; e < 4; e++) {
            __global const float* p = a_source(wg, kwoff, kw_direct, wrow, row + 8 * (e & 1), cout_g, k + 4 * (e >> 1), K);
#ifdef ASYNC_COPY
            copy4((__local float*)(Ah + (st * A_BLOCKS + u) * 32 + lane) + e, p, wg);
#else
            ra[r][e] = p ? *p : 0.0f;
#endif
        }
    }
}

// This work-item's share of the input tile at step k0: for its column blocks c (16-column block warp % NB +
// c*NWARPS, load columns 2c and 2c+1: gq and gq+8 in it) and k blocks warp / NB + r*B_KSTEP, the steps tq and tq+4:
// (tq, left), (tq+4, left), (tq, right), (tq+4, right), the b0 b1 b0 b1 order. Column state as in fetch_b, the
// group's input block at x + cxn[c]. Into rb; with ASYNC_COPY copied into stage st of Bh instead.
FRAG_INLINE void frag_fetch_b(float rb[B_COLBLOCKS][B_KPER][4], __local uint4* Bh, const int st, __global const float* x,
                         const size_t* cxn, const int4* cbase, const int* cboff, __global const int4* ktab,
                         const int4 in_sz, const int in_vol, const int cin_g, const int k0, const int warp, const int lane) {
    const int tq = lane & 3;
#ifdef TAP_MAJOR
    const int4 tt = ktab[k0 / cin_g];
    const size_t ci = (size_t)(k0 % cin_g + tq);
#endif
#pragma unroll
    for (int c = 0; c < NCOLS; c++) {
#ifdef TAP_MAJOR
        const int4 b = cbase[c];
        const int ok = tap_inside(b, tt, in_sz);
        __global const float* p = x + cxn[c] + (cboff[c] + tt.x) + ci * in_vol;
#endif
#pragma unroll
        for (int r = 0; r < B_KPER; r++) {
            const int s = warp / NB + r * B_KSTEP;
#pragma unroll
            for (int e = 0; e < 2; e++) {
#ifdef TAP_MAJOR
                __global const float* src = ok ? p + (size_t)(s * 8 + 4 * e) * in_vol : 0;
#else
                __global const float* src = b_source(x + cxn[c], ktab, cbase[c], cboff[c], in_sz, in_vol, k0 + s * 8 + tq + 4 * e);
#endif
#ifdef ASYNC_COPY
                copy4((__local float*)(Bh + (st * B_BLOCKS + s * NB + warp % NB + (c / 2) * NWARPS) * 32 + lane) + (c % 2) * 2 + e,
                      src, x);
#else
                rb[c / 2][r][(c % 2) * 2 + e] = src ? *src : 0.0f;
#endif
            }
        }
    }
}

// Four values into TF32: high parts to *hi; with 3xTF32 the remainders to *lo.
inline void frag_store4(const float* v, __local uint4* hi, __local uint4* lo) {
    const uint4 h = (uint4)(tf32_round(v[0]), tf32_round(v[1]), tf32_round(v[2]), tf32_round(v[3]));
    *hi = h;
#if MMA == 3
    *lo = (uint4)(tf32_rest(v[0], h.x), tf32_rest(v[1], h.y), tf32_rest(v[2], h.z), tf32_rest(v[3], h.w));
#endif
}

#ifdef ASYNC_COPY
// A fragment's four raw values into TF32 at the read: high parts to h; with 3xTF32 the remainders to l.
inline void frag_split(const uint4 raw, uint* h, uint* l) {
    const float v[4] = {as_float(raw.x), as_float(raw.y), as_float(raw.z), as_float(raw.w)};
#pragma unroll
    for (int e = 0; e < 4; e++) {
        h[e] = tf32_round(v[e]);
#if MMA == 3
        l[e] = tf32_rest(v[e], h[e]);
#endif
    }
}
#endif

// The registers fetched by frag_fetch_a and frag_fetch_b into stage st of the local tiles.
inline void frag_store(float ra[A_PER_WARP][4], float rb[B_COLBLOCKS][B_KPER][4], __local uint4* Ah, __local uint4* Al,
                       __local uint4* Bh, __local uint4* Bl, const int st, const int warp, const int lane) {
#pragma unroll
    for (int r = 0; r < A_PER_WARP; r++) {
        const int i = (st * A_BLOCKS + warp + r * NWARPS) * 32 + lane;
        frag_store4(ra[r], Ah + i, Al + i);
    }
#pragma unroll
    for (int c = 0; c < B_COLBLOCKS; c++) {
#pragma unroll
        for (int r = 0; r < B_KPER; r++) {
            const int i = (st * B_BLOCKS + (warp / NB + r * B_KSTEP) * NB + warp % NB + c * NWARPS) * 32 + lane;
            frag_store4(rb[c][r], Bh + i, Bl + i);
        }
    }
}
#endif

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void conv_implicit_gemm_mma(KERNEL_ARGS) {
#ifdef MMA_FRAG
    __local uint4 Ah[STAGES * A_BLOCKS * 32];
    __local uint4 Bh[STAGES * B_BLOCKS * 32];
#if MMA == 3 && !defined(ASYNC_COPY)
    __local uint4 Al[STAGES * A_BLOCKS * 32];
    __local uint4 Bl[STAGES * B_BLOCKS * 32];
#else
#define Al Ah
#define Bl Bh
#endif
#else
    __local float As[TK * APITCH];
    __local float Bs[TK * BPITCH];
#endif
    const int lid = get_local_id(0);
    const int warp = lid / 32;
    const int lane = lid % 32;
#ifdef MMA_EMULATE
    __local float mscratch_all[WARPS_M * WARPS_N * 192];
    __local float* mscratch = mscratch_all + warp * 192;
#endif
    const int wr = (warp / WARPS_N) * WM;
    const int wc = (warp % WARPS_N) * WN;
    const int gq = lane >> 2;
    const int tq = lane & 3;
    const int g = get_group_id(2);
    const int m0 = get_group_id(1) * TM;
    const int n0 = col_base + get_group_id(0) * TN;
    const int in_vol = in_sz.x * in_sz.y * in_sz.z;
    __global const float* wg = w + (size_t)g * wgs;

    float acc[MI][NI][4];
#ifndef MMA_EMULATE
#pragma unroll
#endif
    for (int i = 0; i < MI; i++)
#ifndef MMA_EMULATE
#pragma unroll
#endif
        for (int j = 0; j < NI; j++)
#ifndef MMA_EMULATE
#pragma unroll
#endif
            for (int q = 0; q < 4; q++) acc[i][j][q] = 0.0f;

#ifdef MMA_FRAG
    // This work-item's load columns (see frag_fetch_b): decoded once.
    size_t cxn[NCOLS];
    int4 cbase[NCOLS];
    int cboff[NCOLS];
#pragma unroll
    for (int c = 0; c < NCOLS; c++) {
        int n = 0, p = 0;
        int4 base = (int4)(0);
        const int col = n0 + (warp % NB + (c / 2) * NWARPS) * 16 + (c % 2) * 8 + gq;
        const int ok = decode_column(col, cols, q_sz, out_sz, omul, ores, imul, ipad, &n, &p, &base);
        cboff[c] = (base.x * in_sz.y + base.y) * in_sz.z + base.z;
        if (!ok) base.x = -(1 << 30);
        cbase[c] = base;
        cxn[c] = ((size_t)n * cin + (size_t)g * cin_g) * in_vol;
    }
    float ra[A_PER_WARP][4];
    float rb[B_COLBLOCKS][B_KPER][4];
#ifndef ASYNC_COPY
    frag_fetch_a(ra, Ah, 0, wg, kwoff, kw_direct, wrow, cout_g, K, m0, 0, warp, lane);
    frag_fetch_b(rb, Bh, 0, x, cxn, cbase, cboff, ktab, in_sz, in_vol, cin_g, 0, warp, lane);
    frag_store(ra, rb, Ah, Al, Bh, Bl, 0, warp, lane);
    barrier(CLK_LOCAL_MEM_FENCE);
#endif
    int st = 0;
#else
    LOAD_COLUMN();
    float ra[A_LOADS];
    float rb[B_LOADS];
    B_STEP(0);
#pragma unroll
    FETCH_A(0);
#pragma unroll
    FETCH_B(0);
#endif
#ifdef ASYNC_COPY
    // The loop starts STAGES - 1 steps early: those first passes only put steps 0 .. STAGES-2 in flight (one call
    // site per loader, which keeps them inlined).
    for (int k0 = -(STAGES - 1) * TK; k0 < K; k0 += TK) {
#else
    for (int k0 = 0; k0 < K; k0 += TK) {
#endif
        const int more = k0 + TK < K;
#ifdef ASYNC_COPY
        // Step k0 has arrived for every work-item, and every warp is done with the stage computed last, which the
        // copies of step kf = k0 + (STAGES-1)*TK overwrite: one barrier per step. One group of copies per pass,
        // empty past the end, keeps COPY_WAIT's count.
        if (k0 >= 0) {
            COPY_WAIT();
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        const int kf = k0 + (STAGES - 1) * TK;
        if (kf < K) {
            frag_fetch_a(ra, Ah, (kf / TK) % STAGES, wg, kwoff, kw_direct, wrow, cout_g, K, m0, kf, warp, lane);
            frag_fetch_b(rb, Bh, (kf / TK) % STAGES, x, cxn, cbase, cboff, ktab, in_sz, in_vol, cin_g, kf, warp, lane);
        }
        COPY_COMMIT();
        if (k0 < 0) continue;
        st = (k0 / TK) % STAGES;
#elif defined(MMA_FRAG)
        if (more) {
            frag_fetch_a(ra, Ah, 0, wg, kwoff, kw_direct, wrow, cout_g, K, m0, k0 + TK, warp, lane);
            frag_fetch_b(rb, Bh, 0, x, cxn, cbase, cboff, ktab, in_sz, in_vol, cin_g, k0 + TK, warp, lane);
        }
#else
#pragma unroll
        STORE_A(As, APITCH);
#pragma unroll
        STORE_B(Bs, BPITCH);
        barrier(CLK_LOCAL_MEM_FENCE);
        if (more) {
            B_STEP(k0 + TK);
#pragma unroll
            FETCH_A(k0 + TK);
#pragma unroll
            FETCH_B(k0 + TK);
        }
#endif
#ifndef MMA_EMULATE
#pragma unroll
#endif
        for (int s = 0; s < TK / 8; s++) {
            uint ah[MI][4];
            uint bh[NI][2];
#if MMA == 3
            uint al[MI][4];
            uint bl[NI][2];
#endif
#ifdef MMA_FRAG
#ifndef MMA_EMULATE
#pragma unroll
#endif
            for (int i = 0; i < MI; i++) {
                const int idx = (st * A_BLOCKS + s * (TM / 16) + wr / 16 + i) * 32 + lane;
#if defined(ASYNC_COPY) && MMA == 3
                frag_split(Ah[idx], ah[i], al[i]);
#elif defined(ASYNC_COPY)
                frag_split(Ah[idx], ah[i], 0);
#else
                const uint4 h = Ah[idx];
                ah[i][0] = h.x, ah[i][1] = h.y, ah[i][2] = h.z, ah[i][3] = h.w;
#if MMA == 3
                const uint4 l = Al[idx];
                al[i][0] = l.x, al[i][1] = l.y, al[i][2] = l.z, al[i][3] = l.w;
#endif
#endif
            }
#ifndef MMA_EMULATE
#pragma unroll
#endif
            for (int j = 0; j < NI / 2; j++) {
                const int idx = (st * B_BLOCKS + s * NB + wc / 16 + j) * 32 + lane;
#ifdef ASYNC_COPY
                uint h[4], l[4];
                frag_split(Bh[idx], h, l);
#else
                const uint4 hv = Bh[idx];
                const uint h[4] = {hv.x, hv.y, hv.z, hv.w};
#if MMA == 3
                const uint4 lv = Bl[idx];
                const uint l[4] = {lv.x, lv.y, lv.z, lv.w};
#endif
#endif
                bh[2 * j][0] = h[0], bh[2 * j][1] = h[1], bh[2 * j + 1][0] = h[2], bh[2 * j + 1][1] = h[3];
#if MMA == 3
                bl[2 * j][0] = l[0], bl[2 * j][1] = l[1], bl[2 * j + 1][0] = l[2], bl[2 * j + 1][1] = l[3];
#endif
            }
#else
            const int ks = s * 8;
#ifndef MMA_EMULATE
#pragma unroll
#endif
            for (int i = 0; i < MI; i++) {
                const int r = wr + i * 16 + gq;
                const float v[4] = {As[(ks + tq) * APITCH + r], As[(ks + tq) * APITCH + r + 8],
                                    As[(ks + tq + 4) * APITCH + r], As[(ks + tq + 4) * APITCH + r + 8]};
#ifndef MMA_EMULATE
#pragma unroll
#endif
                for (int e = 0; e < 4; e++) {
                    ah[i][e] = tf32_round(v[e]);
#if MMA == 3
                    al[i][e] = tf32_rest(v[e], ah[i][e]);
#endif
                }
            }
#ifndef MMA_EMULATE
#pragma unroll
#endif
            for (int j = 0; j < NI; j++) {
                const int c = wc + j * 8 + gq;
                const float v[2] = {Bs[(ks + tq) * BPITCH + c], Bs[(ks + tq + 4) * BPITCH + c]};
#ifndef MMA_EMULATE
#pragma unroll
#endif
                for (int e = 0; e < 2; e++) {
                    bh[j][e] = tf32_round(v[e]);
#if MMA == 3
                    bl[j][e] = tf32_rest(v[e], bh[j][e]);
#endif
                }
            }
#endif
#ifndef MMA_EMULATE
#pragma unroll
#endif
            for (int i = 0; i < MI; i++) {
#ifndef MMA_EMULATE
#pragma unroll
#endif
                for (int j = 0; j < NI; j++) {
#if MMA == 3
                    // The three products of this k8 step are summed apart, small terms first, then added to the
                    // accumulator once: one rounding at the accumulator's scale per step instead of three.
                    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                    MMA_TF32(t, al[i], bh[j]);
                    MMA_TF32(t, ah[i], bl[j]);
                    MMA_TF32(t, ah[i], bh[j]);
#ifndef MMA_EMULATE
#pragma unroll
#endif
                    for (int q = 0; q < 4; q++) acc[i][j][q] += t[q];
#else
                    MMA_TF32(acc[i][j], ah[i], bh[j]);
#endif
                }
            }
        }
#ifndef ASYNC_COPY
#ifdef MMA_FRAG
        if (more) {
#if STAGES == 1
            barrier(CLK_LOCAL_MEM_FENCE);
#endif
            st = (st + 1) % STAGES;
            frag_store(ra, rb, Ah, Al, Bh, Bl, st, warp, lane);
        }
#endif
        barrier(CLK_LOCAL_MEM_FENCE);
#endif
    }

    const int out_vol = out_sz.x * out_sz.y * out_sz.z;
    const int vec = vector_stores(omul, out_vol, 2);
#ifndef MMA_EMULATE
#pragma unroll
#endif
    for (int j = 0; j < NI; j++) {
        const int c0 = n0 + wc + j * 8 + tq * 2;
        size_t off, dst;
        if (vec && c0 + 1 < cols && output_column(c0, cols, q_sz, out_sz, omul, ores, imul, ipad, cout, ep, &off, &dst)) {
#ifndef MMA_EMULATE
#pragma unroll
#endif
            for (int h = 0; h < 2 * MI; h++) {
                const int row = m0 + wr + (h / 2) * 16 + gq + (h % 2) * 8;
                if (row >= cout_g) continue;
                const int co = g * cout_g + row;
                const float b = has_bias ? bias[co] : 0.0f;
                float v0 = acc[h / 2][j][(h % 2) * 2] + b;
                float v1 = acc[h / 2][j][(h % 2) * 2 + 1] + b;
                if (EPI_ACTIVE) {
                    const size_t r = off + (size_t)co * out_vol;
                    v0 = epilogue(v0, co, r, EPI);
                    v1 = epilogue(v1, co, r + 1, EPI);
                }
                *(__global float2*)(y + dst + (size_t)co * out_vol) = (float2)(v0, v1);
            }
            continue;
        }
#ifndef MMA_EMULATE
#pragma unroll
#endif
        for (int e = 0; e < 2; e++) {
            if (!output_column(c0 + e, cols, q_sz, out_sz, omul, ores, imul, ipad, cout, ep, &off, &dst)) {
                continue;
            }
#ifndef MMA_EMULATE
#pragma unroll
#endif
            for (int i = 0; i < MI; i++) {
                store_output(y, bias, has_bias, acc[i][j][e], m0 + wr + i * 16 + gq, g, cout_g, out_sz, off, dst, EPI);
                store_output(y, bias, has_bias, acc[i][j][2 + e], m0 + wr + i * 16 + gq + 8, g, cout_g, out_sz, off, dst, EPI);
            }
        }
    }
}

#endif
