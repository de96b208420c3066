// Every way ConvCL can compute a convolution; the planner picks one per shape and device.
package io.github.convcl.plan;

/** The algorithms, by backend: each a family (what runs it), a micro-kernel and, for the implicit GEMM, a staging. */
public enum Algorithm {
    /** Java: im2col of a column tile, then a blocked matrix product. Handles every convolution. */
    JAVA_IM2COL_GEMM("im2col+gemm", Family.JAVA_IM2COL),
    /**
     * Java: the input copied once with its padding; the unfolded rows read in place (stride 1) or gathered
     * through a table of output positions (strided), per 16-column panel, no im2col.
     */
    JAVA_DIRECT_GEMM("direct gemm", Family.JAVA_DIRECT),
    /**
     * Java: output channels along the vectors and output positions (of all images) as the register tiles' rows, the
     * weights transposed once: for layers of few positions per image (7x7 and smaller), where 16-position tiles of the
     * other orientation are mostly empty.
     */
    JAVA_CHANNEL_GEMM("channel-vector gemm", Family.JAVA_CHANNEL),
    /** Java: 1x1, stride 1, no padding: the input is already the right-hand matrix. */
    JAVA_POINTWISE_GEMM("pointwise gemm", Family.JAVA_IM2COL),
    /** Java: one filter per input channel (depthwise, with channel multiplier), direct loops. */
    JAVA_DEPTHWISE("depthwise direct", Family.JAVA_DEPTHWISE),
    /** Java: transposed convolution as W^T x X then col2im, split by output channels so writes never conflict. */
    JAVA_TRANSPOSED_GEMM("gemm+col2im", Family.JAVA_TRANSPOSED_GEMM),
    /** Java: transposed convolution as one direct GEMM per output residue class (sub-pixel split), no col2im. */
    JAVA_TRANSPOSED_DIRECT("direct gemm per residue", Family.JAVA_TRANSPOSED_DIRECT),
    /**
     * Java: Winograd F(4,3) along each of height and width whose kernel is 3 (stride 1, depth kernel 1 or 3, any dilation,
     * groups and padding mode): tiles transformed 8 at a time, one packed GEMM per transformed point, inverse
     * transform. 36 multiplications per 16 outputs of a 3x3 against 144.
     */
    JAVA_WINOGRAD("winograd F(4,3)", Family.JAVA_WINOGRAD, MicroKernel.FMA, Staging.REGISTERS, 4),
    /**
     * Java: {@link #JAVA_WINOGRAD} with F(2,3) tiles: 16 multiplications per 4 outputs of a 3x3 against 36, with 4x4
     * tiles, so a 7x7 plane is 16 tiles (one GEMM column slice) where F(4,3) makes 4, and its transformed weights are
     * 16/9 of the weights where F(4,3)'s are 4x. Also at stride 2 along height or width (no dilation there): a tile's
     * two outputs read five inputs, F(2,2) over the odd taps and a product over the middle one, 25 multiplications per
     * 4 outputs of a 3x3 against 36.
     */
    JAVA_WINOGRAD_F2("winograd F(2,3)", Family.JAVA_WINOGRAD, MicroKernel.FMA, Staging.REGISTERS, 2),
    /**
     * Java: Winograd F(4,3) with the channels along the vectors (a 2D 3x3, stride 1, no dilation, zero padding, one
     * group, input and output channels in multiples of 16, 512-bit vectors): each tile's 6x6 points read in
     * place and transformed for 16 channels at once, the products in register tiles of 8 tiles x 32 output channels.
     */
    JAVA_WINOGRAD_CHANNELS("winograd F(4,3) along channels", Family.JAVA_WINOGRAD, MicroKernel.FMA, Staging.REGISTERS, 4),
    /** {@link #JAVA_WINOGRAD_CHANNELS} with F(2,3) tiles (4x4 points, 2x2 outputs): for 7x7 planes. */
    JAVA_WINOGRAD_F2_CHANNELS("winograd F(2,3) along channels", Family.JAVA_WINOGRAD, MicroKernel.FMA, Staging.REGISTERS, 2),
    /** OpenCL: one work-item per output element; handles every convolution and padding mode. */
    CL_DIRECT("direct", Family.CL_DIRECT),
    /** OpenCL: transposed convolution as a gather per output element, no atomics. */
    CL_TRANSPOSED_GATHER("transposed gather", Family.CL_DIRECT),
    /** OpenCL: implicit GEMM with register and local-memory tiles, FP32 FMAs; convolution and (per residue class) transposed. */
    CL_IMPLICIT_GEMM("implicit gemm", Family.CL_IMPLICIT_GEMM),
    /**
     * {@link #CL_IMPLICIT_GEMM} whose local tiles are filled by cp.async (implicit_gemm.cl's ASYNC_COPY, NVIDIA sm_80 and
     * later): 2 to 4 stages in flight, one barrier per step, no staging registers.
     */
    CL_IMPLICIT_GEMM_ASYNC("implicit gemm", Family.CL_IMPLICIT_GEMM, MicroKernel.FMA, Staging.ASYNC),
    /** OpenCL on NVIDIA tensor cores: the implicit GEMM with mma.sync on TF32 fragments, one product (TF32 precision). */
    CL_IMPLICIT_GEMM_TF32("implicit gemm", Family.CL_IMPLICIT_GEMM, MicroKernel.TF32, Staging.REGISTERS),
    /** OpenCL on NVIDIA tensor cores: 3xTF32 (hi*hi + hi*lo + lo*hi), FP32 accuracy. */
    CL_IMPLICIT_GEMM_3XTF32("implicit gemm", Family.CL_IMPLICIT_GEMM, MicroKernel.X3TF32, Staging.REGISTERS),
    /**
     * {@link #CL_IMPLICIT_GEMM_TF32} with fragment-ordered local tiles (implicit_gemm.cl's MMA_FRAG): rounded to TF32
     * once at the store, read as one 16-byte load per fragment, double-buffered where two stages fit.
     */
    CL_IMPLICIT_GEMM_TF32_FRAG("implicit gemm", Family.CL_IMPLICIT_GEMM, MicroKernel.TF32, Staging.FRAGMENTS),
    /** {@link #CL_IMPLICIT_GEMM_3XTF32} with fragment-ordered local tiles, split into TF32 parts once at the store. */
    CL_IMPLICIT_GEMM_3XTF32_FRAG("implicit gemm", Family.CL_IMPLICIT_GEMM, MicroKernel.X3TF32, Staging.FRAGMENTS),
    /**
     * {@link #CL_IMPLICIT_GEMM_TF32} with fragment-ordered local tiles filled by cp.async (implicit_gemm.cl's
     * ASYNC_COPY): raw values copied from global to local memory without passing through registers, 2 to 4 stages in
     * flight, one barrier per step, rounded to TF32 at each fragment read.
     */
    CL_IMPLICIT_GEMM_TF32_ASYNC("implicit gemm", Family.CL_IMPLICIT_GEMM, MicroKernel.TF32, Staging.ASYNC),
    /** {@link #CL_IMPLICIT_GEMM_3XTF32} with cp.async stages as {@link #CL_IMPLICIT_GEMM_TF32_ASYNC}, split at each read. */
    CL_IMPLICIT_GEMM_3XTF32_ASYNC("implicit gemm", Family.CL_IMPLICIT_GEMM, MicroKernel.X3TF32, Staging.ASYNC),
    /** OpenCL on CPUs: padded input, each work-item CO output channels x 8 positions in float8 registers. */
    CL_CPU_TILE("cpu tile", Family.CL_CPU_TILE),
    /** OpenCL on CPUs: transposed convolution by output residue class, float8 x CO register tiles, no atomics. */
    CL_CPU_TILE_TRANSPOSED("cpu tile transposed", Family.CL_CPU_TILE),
    /** OpenCL: depthwise direct kernel, each work-item a row segment of one channel. */
    CL_DEPTHWISE("depthwise", Family.CL_DEPTHWISE),
    CL_DEPTHWISE_ROWS("depthwise rows", Family.CL_DEPTHWISE),
    /** OpenCL on CPUs: depthwise, a work-item per block of output rows of one plane, float8 FMAs inside the rows. */
    CL_CPU_DEPTHWISE("cpu depthwise", Family.CL_DEPTHWISE),
    /**
     * OpenCL: Winograd F(2,3) along each dimension whose kernel is 3 (stride 1, zero padding, any dilation): transform,
     * one matrix product per transformed point and group (the plan's tuning is that product's tiling: implicit-GEMM
     * tiles, or a CPU tile when its tk is 1), inverse transform. 16 multiplications per 4 outputs of a 3x3 against 36.
     */
    CL_WINOGRAD_F2("winograd F(2,3)", Family.CL_WINOGRAD, MicroKernel.FMA, Staging.REGISTERS, 2),
    /** As {@link #CL_WINOGRAD_F2} with F(4,3): 36 multiplications per 16 outputs of a 3x3 against 144; at most 2 dimensions. */
    CL_WINOGRAD_F4("winograd F(4,3)", Family.CL_WINOGRAD, MicroKernel.FMA, Staging.REGISTERS, 4),
    /** {@link #CL_WINOGRAD_F2} whose products run on tensor cores as 3xTF32 (FP32 accuracy). */
    CL_WINOGRAD_F2_3XTF32("winograd F(2,3)", Family.CL_WINOGRAD, MicroKernel.X3TF32, Staging.REGISTERS, 2),
    /** {@link #CL_WINOGRAD_F4} whose products run on tensor cores as 3xTF32 (FP32 accuracy). */
    CL_WINOGRAD_F4_3XTF32("winograd F(4,3)", Family.CL_WINOGRAD, MicroKernel.X3TF32, Staging.REGISTERS, 4),
    /**
     * Java grad_weight: per group a packed GEMM of grad_output by the unfolded input, each task a block of columns,
     * reduced over the batch and positions in one order.
     */
    JAVA_WEIGHT_GEMM("grad_weight gemm", Family.JAVA_WEIGHT_GRAD),
    /**
     * Java grad_weight as dot products: grad_output's rows against the input rows each tap reads, into vector-lane
     * partial sums; one task per (group, input channel). Pays where a group has few output channels.
     */
    JAVA_WEIGHT_DOTS("grad_weight dots", Family.JAVA_WEIGHT_GRAD),
    /**
     * Java grad_weight on register tiles of six (input channel, tap) columns by one or two vectors of output channels,
     * each column's input run read in place from the input's phase planes (no unfolded copy); grad_output laid out as
     * panels of output channels per position.
     */
    JAVA_WEIGHT_TAPS("grad_weight tap tiles", Family.JAVA_WEIGHT_GRAD),
    /** OpenCL grad_weight: one work-item per weight, a direct reduction over the batch and positions in one order. */
    CL_WEIGHT_DIRECT("grad_weight direct", Family.CL_WEIGHT_GRAD),
    /**
     * OpenCL grad_weight as an implicit GEMM per group (grad_output by the input unfolded on the fly, 32x32 tiles through
     * local memory), its reduction split into ranges ({@link ClWeightSplit}) summed in order by a second kernel.
     */
    CL_WEIGHT_GEMM("grad_weight gemm", Family.CL_WEIGHT_GRAD);

    /** The launcher (OpenCL) or class (Java) that runs an algorithm: one per kernel family. */
    public enum Family {
        JAVA_IM2COL, JAVA_CHANNEL, JAVA_DIRECT, JAVA_DEPTHWISE, JAVA_WINOGRAD, JAVA_TRANSPOSED_GEMM, JAVA_TRANSPOSED_DIRECT, JAVA_WEIGHT_GRAD,
        CL_DIRECT, CL_DEPTHWISE, CL_CPU_TILE, CL_IMPLICIT_GEMM, CL_WINOGRAD, CL_WEIGHT_GRAD;

        public boolean isJava() {
            return name().startsWith("JAVA_");
        }

        /**
         * The pass this family's kernels compute: the weight-gradient families backward-weight, every other family a
         * convolution's output (forward, or backward-data when it runs the adjoint).
         */
        public io.github.convcl.spec.Pass pass() {
            return this == JAVA_WEIGHT_GRAD || this == CL_WEIGHT_GRAD ? io.github.convcl.spec.Pass.BACKWARD_WEIGHT
                    : io.github.convcl.spec.Pass.FORWARD;
        }
    }

    /** The inner product: FP32 multiply-adds, or tensor-core products of TF32 parts (one, or three for FP32 accuracy). */
    public enum MicroKernel { FMA, TF32, X3TF32 }

    /**
     * How the implicit GEMM stages its local tiles: through registers; fragment-ordered (tensor cores: one 16-byte load
     * per fragment); or filled by cp.async, without passing through registers.
     */
    public enum Staging { REGISTERS, FRAGMENTS, ASYNC }

    private final String label;
    private final Family family;
    private final MicroKernel micro;
    private final Staging staging;
    private final int winogradTile;

    Algorithm(String label, Family family) {
        this(label, family, MicroKernel.FMA, Staging.REGISTERS);
    }

    Algorithm(String label, Family family, MicroKernel micro, Staging staging) {
        this(label, family, micro, staging, 0);
    }

    Algorithm(String label, Family family, MicroKernel micro, Staging staging, int winogradTile) {
        this.label = label;
        this.family = family;
        this.micro = micro;
        this.staging = staging;
        this.winogradTile = winogradTile;
    }

    public Family family() {
        return family;
    }

    public MicroKernel micro() {
        return micro;
    }

    public Staging staging() {
        return staging;
    }

    /** A short name for tables: the algorithm, and its micro-kernel where that is not plain FMAs. */
    public String label() {
        String m = microKernel();
        return m.equals("fma") ? label : label + " " + m;
    }

    /**
     * The inner product: {@code fma} (FP32 multiply-adds), {@code mma tf32} or {@code mma 3xtf32} (tensor cores); with
     * {@code frag} for fragment-ordered local tiles and {@code async} for tiles filled by cp.async.
     */
    public String microKernel() {
        String m = switch (micro) {
            case FMA -> "fma";
            case TF32 -> "mma tf32";
            case X3TF32 -> "mma 3xtf32";
        };
        return switch (staging) {
            case REGISTERS -> m;
            case FRAGMENTS -> m + " frag";
            case ASYNC -> m + " async";
        };
    }

    /** True for the kernels of implicit_gemm.cl (FMA and tensor cores), which take a {@link ClGemm} variant. */
    public boolean implicitGemm() {
        return family == Family.CL_IMPLICIT_GEMM;
    }

    /** True for the tensor-core kernels. */
    public boolean isTensorCore() {
        return micro != MicroKernel.FMA;
    }

    /** True for the tensor-core kernels with fragment-ordered local tiles (those filled by cp.async included). */
    public boolean fragmentTiles() {
        return isTensorCore() && staging != Staging.REGISTERS;
    }

    /** True for the kernels with inline PTX (tensor cores, cp.async), which only NVIDIA's compiler builds. */
    public boolean inlinePtx() {
        return isTensorCore() || asyncCopies();
    }

    /** True for the implicit-GEMM kernels whose local tiles are filled by cp.async stages (FMA and tensor cores). */
    public boolean asyncCopies() {
        return staging == Staging.ASYNC;
    }

    /** Outputs per tile and dimension of the Winograd algorithms (2 or 4); 0 for the others. */
    public int winogradTile() {
        return winogradTile;
    }

    /** TF32 products per multiply-add of the tensor-core kernels: 1 or 3; 0 for the others. */
    public int tf32Products() {
        return switch (micro) {
            case FMA -> 0;
            case TF32 -> 1;
            case X3TF32 -> 3;
        };
    }
}
