// Tile and work-group parameters that an OpenCL kernel is built with (its -D macros).
package io.github.convcl.plan;

/**
 * Kernel build parameters: a work-group computes a {@code TM x TN} tile of outputs (output channels x
 * output positions), each work-item a {@code WM x WN} register block, stepping the reduction by {@code TK}.
 */
public record Tuning(int tm, int tn, int tk, int wm, int wn) {
    public static final Tuning NONE = new Tuning(0, 0, 0, 0, 0);

    /** The work-group size this tiling needs. */
    public int workGroupSize() {
        return (tm / wm) * (tn / wn);
    }

    /**
     * The constraints implicit_gemm.cl states: whole register blocks read from local memory in float4 (float2 for two
     * rows), loads that divide evenly among work-items, and a reduction step that divides the tables' padding (64).
     */
    public boolean isValidGemmTiling() {
        if (tm <= 0 || tn <= 0 || tk <= 0 || wm <= 0 || wn <= 0 || tm % wm != 0 || tn % wn != 0
                || wn % 4 != 0 || (wm != 2 && wm % 4 != 0)) {
            return false;
        }
        return dividesLoads(workGroupSize());
    }

    private boolean dividesLoads(int wg) {
        return wg % tn == 0 && wg % tk == 0 && (tm * tk) % wg == 0 && (tk * tn) % wg == 0 && 64 % tk == 0;
    }

    /** The work-group size of the tensor-core kernel: one warp of 32 per WM x WN warp tile. */
    public int mmaWorkGroupSize() {
        return 32 * (tm / wm) * (tn / wn);
    }

    /**
     * The constraints of implicit_gemm.cl's MMA kernel: warp tiles of whole m16n8k8 products (WM % 16, WN % 8),
     * a reduction step of whole k8 steps, and loads that divide evenly among the work-items.
     */
    public boolean isValidMmaTiling() {
        if (tm <= 0 || tn <= 0 || tk <= 0 || wm <= 0 || wn <= 0 || tm % wm != 0 || tn % wn != 0
                || wm % 16 != 0 || wn % 8 != 0 || tk % 8 != 0) {
            return false;
        }
        return dividesLoads(mmaWorkGroupSize());
    }

    /**
     * The constraints of the MMA kernel with fragment-ordered tiles (MMA_FRAG), besides {@link #isValidMmaTiling}'s:
     * warp tiles of whole 16-column blocks, warps that divide the weight tile's 16x8 blocks, warps and 16-column
     * blocks that divide one another (with as many k8 steps to share where the warps are more), and one stage of the
     * tiles in 48 KiB (NVIDIA's static local memory).
     */
    public boolean isValidMmaFragmentTiling(int tf32Products) {
        if (!isValidMmaTiling() || wn % 16 != 0 || tn % 16 != 0) {
            return false;
        }
        int warps = mmaWorkGroupSize() / 32;
        int kb = tk / 8;
        int nb = tn / 16;
        boolean columns = warps >= nb ? warps % nb == 0 && kb % (warps / nb) == 0 : nb % warps == 0;
        return (kb * (tm / 16)) % warps == 0 && columns && mmaFragmentStageBytes(tf32Products) <= 49152;
    }

    /**
     * The constraints of the MMA kernel whose fragment-ordered tiles are filled by cp.async (ASYNC_COPY), besides
     * {@link #isValidMmaFragmentTiling}'s: at least two stages of the raw tiles in 48 KiB.
     */
    public boolean isValidMmaAsyncTiling() {
        return isValidMmaFragmentTiling(1) && asyncStages(true) >= 2;
    }

    /** The FMA kernel with cp.async stages (ASYNC_COPY): {@link #isValidGemmTiling}, and two stages in 48 KiB. */
    public boolean isValidGemmAsyncTiling() {
        return isValidGemmTiling() && asyncStages(false) >= 2;
    }

    /**
     * The stages of implicit_gemm.cl's ASYNC_COPY (its build option's value): as many as fit NVIDIA's 48 KiB of static
     * local memory, at most 4; below 2 the tiling cannot run that way. A stage of the tensor-core kernel holds the raw
     * (TM + TN) x TK tiles, one of the FMA kernel the padded ones (row pitches TM + 4 and TN + 4).
     */
    public int asyncStages(boolean mma) {
        long stage = mma ? mmaFragmentStageBytes(1) : (long) tk * (tm + 4 + tn + 4) * 4;
        return (int) Math.min(4, 49152 / stage);
    }

    /**
     * Whether a 3xTF32 warp tile keeps its registers: WM * WN * TK at most 32768. Its accumulators, the high parts and
     * remainders of both operands' fragments for a TK step exceed the 255 registers beyond that: compiled for sm_90
     * (clang-15's PTX through ptxas 13.0, `PtxCodegenTest`), the 64x64 warp tiles and 32x64 with TK 32 spilled
     * 0.3 to 1.5 KiB per work-item in every layout, the admitted ones at most 52 bytes.
     */
    public boolean fitsThreeProducts() {
        return (long) wm * wn * tk <= 32768;
    }

    /** Local memory of one stage of the fragment-ordered tiles: TF32 high parts, and remainders for 3xTF32. */
    public long mmaFragmentStageBytes(int tf32Products) {
        return (long) (tm + tn) * tk * 4 * (tf32Products == 3 ? 2 : 1);
    }

    /** The build options that define the macros. */
    public String buildOptions() {
        return "-DTM=" + tm + " -DTN=" + tn + " -DTK=" + tk + " -DWM=" + wm + " -DWN=" + wn;
    }

    /** Build options of the CPU tile kernels: CO output channels ({@code tm}) x 8*VN positions ({@code tn}). */
    public String cpuTileOptions() {
        return "-DCO=" + tm + " -DVN=" + Math.max(1, tn / 8);
    }

    @Override
    public String toString() {
        return this == NONE ? "" : tm + "x" + tn + "x" + tk + "/" + wm + "x" + wn;
    }
}
