// Every way ConvCL can compute a convolution; the planner picks one per shape and device.
package io.github.convcl.plan;

/** The algorithms, by backend. */
public enum Algorithm {
    /** Java: im2col of a column tile, then a blocked matrix product. Handles every convolution. */
    JAVA_IM2COL_GEMM("im2col+gemm"),
    /**
     * Java: the input copied once with its padding; the unfolded rows read in place (stride 1) or gathered
     * through a table of output positions (strided), per 16-column panel, no im2col.
     */
    JAVA_DIRECT_GEMM("direct gemm"),
    /** Java: 1x1, stride 1, no padding: the input is already the right-hand matrix. */
    JAVA_POINTWISE_GEMM("pointwise gemm"),
    /** Java: one filter per input channel (depthwise, with channel multiplier), direct loops. */
    JAVA_DEPTHWISE("depthwise direct"),
    /** Java: transposed convolution as W^T x X then col2im, split by output channels so writes never conflict. */
    JAVA_TRANSPOSED_GEMM("gemm+col2im"),
    /** Java: transposed convolution as one direct GEMM per output residue class (sub-pixel split), no col2im. */
    JAVA_TRANSPOSED_DIRECT("direct gemm per residue"),
    /**
     * Java: Winograd F(4,3) along each of height and width whose kernel is 3 (stride 1, depth kernel 1 or 3, any dilation,
     * groups and padding mode): tiles transformed 8 at a time, one packed GEMM per transformed point, inverse
     * transform. 36 multiplications per 16 outputs of a 3x3 against 144.
     */
    JAVA_WINOGRAD("winograd F(4,3)"),
    /** OpenCL: one work-item per output element; handles every convolution and padding mode. */
    CL_DIRECT("direct"),
    /** OpenCL: transposed convolution as a gather per output element, no atomics. */
    CL_TRANSPOSED_GATHER("transposed gather"),
    /** OpenCL: implicit GEMM with register and local-memory tiles, FP32 FMAs; convolution and (per residue class) transposed. */
    CL_IMPLICIT_GEMM("implicit gemm"),
    /**
     * {@link #CL_IMPLICIT_GEMM} whose local tiles are filled by cp.async (implicit_gemm.cl's ASYNC_COPY, NVIDIA sm_80 and
     * later): 2 to 4 stages in flight, one barrier per step, no staging registers.
     */
    CL_IMPLICIT_GEMM_ASYNC("implicit gemm", "fma async"),
    /** OpenCL on NVIDIA tensor cores: the implicit GEMM with mma.sync on TF32 fragments, one product (TF32 precision). */
    CL_IMPLICIT_GEMM_TF32("implicit gemm", "mma tf32"),
    /** OpenCL on NVIDIA tensor cores: 3xTF32 (hi*hi + hi*lo + lo*hi), FP32 accuracy. */
    CL_IMPLICIT_GEMM_3XTF32("implicit gemm", "mma 3xtf32"),
    /**
     * {@link #CL_IMPLICIT_GEMM_TF32} with fragment-ordered local tiles (implicit_gemm.cl's MMA_FRAG): rounded to TF32
     * once at the store, read as one 16-byte load per fragment, double-buffered where two stages fit.
     */
    CL_IMPLICIT_GEMM_TF32_FRAG("implicit gemm", "mma tf32 frag"),
    /** {@link #CL_IMPLICIT_GEMM_3XTF32} with fragment-ordered local tiles, split into TF32 parts once at the store. */
    CL_IMPLICIT_GEMM_3XTF32_FRAG("implicit gemm", "mma 3xtf32 frag"),
    /**
     * {@link #CL_IMPLICIT_GEMM_TF32} with fragment-ordered local tiles filled by cp.async (implicit_gemm.cl's
     * ASYNC_COPY): raw values copied from global to local memory without passing through registers, 2 to 4 stages in
     * flight, one barrier per step, rounded to TF32 at each fragment read.
     */
    CL_IMPLICIT_GEMM_TF32_ASYNC("implicit gemm", "mma tf32 async"),
    /** {@link #CL_IMPLICIT_GEMM_3XTF32} with cp.async stages as {@link #CL_IMPLICIT_GEMM_TF32_ASYNC}, split at each read. */
    CL_IMPLICIT_GEMM_3XTF32_ASYNC("implicit gemm", "mma 3xtf32 async"),
    /** OpenCL on CPUs: padded input, each work-item CO output channels x 8 positions in float8 registers. */
    CL_CPU_TILE("cpu tile"),
    /** OpenCL on CPUs: transposed convolution by output residue class, float8 x CO register tiles, no atomics. */
    CL_CPU_TILE_TRANSPOSED("cpu tile transposed"),
    /** OpenCL: depthwise direct kernel, each work-item a row segment of one channel. */
    CL_DEPTHWISE("depthwise"),
    CL_DEPTHWISE_ROWS("depthwise rows"),
    /** OpenCL on CPUs: depthwise, a work-item per block of output rows of one plane, float8 FMAs inside the rows. */
    CL_CPU_DEPTHWISE("cpu depthwise"),
    /**
     * OpenCL: Winograd F(2,3) along each dimension whose kernel is 3 (stride 1, zero padding, any dilation): transform,
     * one matrix product per transformed point and group (the plan's tuning is that product's tiling: implicit-GEMM
     * tiles, or a CPU tile when its tk is 1), inverse transform. 16 multiplications per 4 outputs of a 3x3 against 36.
     */
    CL_WINOGRAD_F2("winograd F(2,3)"),
    /** As {@link #CL_WINOGRAD_F2} with F(4,3): 36 multiplications per 16 outputs of a 3x3 against 144; at most 2 dimensions. */
    CL_WINOGRAD_F4("winograd F(4,3)"),
    /** {@link #CL_WINOGRAD_F2} whose products run on tensor cores as 3xTF32 (FP32 accuracy). */
    CL_WINOGRAD_F2_3XTF32("winograd F(2,3)", "mma 3xtf32"),
    /** {@link #CL_WINOGRAD_F4} whose products run on tensor cores as 3xTF32 (FP32 accuracy). */
    CL_WINOGRAD_F4_3XTF32("winograd F(4,3)", "mma 3xtf32");

    private final String label;
    private final String microKernel;

    Algorithm(String label) {
        this(label, "fma");
    }

    Algorithm(String label, String microKernel) {
        this.label = label;
        this.microKernel = microKernel;
    }

    /** A short name for tables: the algorithm, and its micro-kernel where that is not plain FMAs. */
    public String label() {
        return microKernel.equals("fma") ? label : label + " " + microKernel;
    }

    /**
     * The inner product: {@code fma} (FP32 multiply-adds), {@code mma tf32} or {@code mma 3xtf32} (tensor cores); with
     * {@code frag} for fragment-ordered local tiles and {@code async} for tiles filled by cp.async.
     */
    public String microKernel() {
        return microKernel;
    }

    /** True for the kernels of implicit_gemm.cl (FMA and tensor cores), which take a {@link ClGemm} variant. */
    public boolean implicitGemm() {
        return this == CL_IMPLICIT_GEMM || this == CL_IMPLICIT_GEMM_ASYNC || this == CL_IMPLICIT_GEMM_TF32 || this == CL_IMPLICIT_GEMM_3XTF32
                || fragmentTiles();
    }

    /** True for the tensor-core kernels. */
    public boolean isTensorCore() {
        return this == CL_IMPLICIT_GEMM_TF32 || this == CL_IMPLICIT_GEMM_3XTF32 || this == CL_WINOGRAD_F2_3XTF32
                || this == CL_WINOGRAD_F4_3XTF32 || fragmentTiles();
    }

    /** True for the tensor-core kernels with fragment-ordered local tiles (those filled by cp.async included). */
    public boolean fragmentTiles() {
        return this == CL_IMPLICIT_GEMM_TF32_FRAG || this == CL_IMPLICIT_GEMM_3XTF32_FRAG || this == CL_IMPLICIT_GEMM_TF32_ASYNC
                || this == CL_IMPLICIT_GEMM_3XTF32_ASYNC;
    }

    /** True for the kernels with inline PTX (tensor cores, cp.async), which only NVIDIA's compiler builds. */
    public boolean inlinePtx() {
        return isTensorCore() || asyncCopies();
    }

    /** True for the implicit-GEMM kernels whose local tiles are filled by cp.async stages (FMA and tensor cores). */
    public boolean asyncCopies() {
        return this == CL_IMPLICIT_GEMM_ASYNC || this == CL_IMPLICIT_GEMM_TF32_ASYNC || this == CL_IMPLICIT_GEMM_3XTF32_ASYNC;
    }


    /** Outputs per tile and dimension of the Winograd algorithms (2 or 4); 0 for the others. */
    public int winogradTile() {
        return switch (this) {
            case CL_WINOGRAD_F2, CL_WINOGRAD_F2_3XTF32 -> 2;
            case CL_WINOGRAD_F4, CL_WINOGRAD_F4_3XTF32, JAVA_WINOGRAD -> 4;
            default -> 0;
        };
    }

    /** TF32 products per multiply-add of the tensor-core kernels: 1 or 3; 0 for the others. */
    public int tf32Products() {
        return this == CL_IMPLICIT_GEMM_TF32 || this == CL_IMPLICIT_GEMM_TF32_FRAG || this == CL_IMPLICIT_GEMM_TF32_ASYNC ? 1
                : isTensorCore() ? 3 : 0;
    }
}
