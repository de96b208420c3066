// Every size threshold the planner and the Java kernels use, in one place.
package io.github.convcl.plan;

/** Size thresholds and tile sizes, collected here so that no kernel hides a magic number. */
public final class Thresholds {
    private Thresholds() {
    }

    /** Java GEMM: target bytes of one im2col column tile (stays in L2). */
    public static final int JAVA_COLUMN_TILE_BYTES = 256 * 1024;
    /** Java GEMM: column tile bounds, in floats. */
    public static final int JAVA_MIN_COLUMN_TILE = 32;
    public static final int JAVA_MAX_COLUMN_TILE = 4096;
    /**
     * Java im2col GEMM: where the column tiles give fewer tasks than {@link #JAVA_TASKS_PER_CORE} per core (a small
     * output plane: ResNet's later stages at batch 1), the output channels are split into blocks of at least this many
     * rows first (a multiple of 12: whole 4- and 6-row panels), so that each task streams only its rows of the weights
     * instead of all of them per column tile.
     */
    public static final int JAVA_MIN_ROW_BLOCK = 48;
    /** Java: tasks per core the work is split into, for balance. */
    public static final int JAVA_TASKS_PER_CORE = 4;
    /**
     * Java channel GEMM: tasks per core. Its tasks (a panel of positions by a block of channel panels) are few and of
     * unequal size at batch 1 (7x7: three panels of 18, 18 and 13 positions), so finer blocks balance the threads; each
     * block reads its panels of positions from L2 anyway. Per call alternated in one JVM, two threads, 16 against 4:
     * 2048 -> 512 at 7x7 0.967, 512 -> 2048 0.956, batch 8 0.988 and 0.899.
     */
    public static final int JAVA_CHANNEL_TASKS_PER_CORE = 16;
    /** Java max-pool: the input floats of a run of small planes that one task pools (64 KiB: a task's start is worth it). */
    public static final int JAVA_POOL_RUN_FLOATS = 16 * 1024;
    /**
     * Up to this many output channels per group (depthwise and narrow grouped layers) the Java grad_weight takes dot
     * products (JAVA_WEIGHT_DOTS): a GEMM would pad its A panel of so few rows to 4 or 6 and pack B for it, and the tap
     * tiles (JAVA_WEIGHT_TAPS) a vector of 8 channels.
     */
    public static final int JAVA_WEIGHT_DOTS_MAX_OUT_CHANNELS = 3;
    /**
     * In a grouped layer the tap tiles do not take (their phase planes too large), up to this many output channels per
     * group also take the dot products: each group's GEMM is too small to repay packing (ResNeXt's 8 per group: 7.6 ->
     * 2.7 ms, docs/performance.md).
     */
    public static final int JAVA_WEIGHT_DOTS_MAX_GROUP_OUT_CHANNELS = 16;
    /**
     * The Java tap tiles lay out the input as panels, not grad_output, from this many groups (with at most a vector of
     * output channels and at least a vector of input channels per group): a task per group lays out its own panels.
     */
    public static final int JAVA_WEIGHT_PANELS_MIN_GROUPS = 8;
    /**
     * OpenCL grad_weight: the GEMM from this many output channels per group (half its 32-row tile), the direct
     * reduction below (PoCL: dense layers 1.5-2x faster by GEMM, depthwise 34x and 8 per group 1.7x slower).
     */
    public static final int CL_WEIGHT_GEMM_MIN_OUT_CHANNELS = 16;
    /**
     * Java grad_weight GEMM: grad_output packed once per call for all the tasks of a group up to this many floats
     * (256 MB); above, each task packs its own.
     */
    public static final long JAVA_SHARED_PACK_FLOATS = 64L << 20;
    /**
     * Java transposed convolution: the direct GEMM per residue needs this many output channels per group (its rows, a
     * 4-row panel) to beat GEMM + col2im (the stem's grad_input, 64 -> 3 channels, 7x7 stride 2: 33.7 against 15.9 ms),
     * unless the input channels are as few (the autoencoder's 1 -> 1 3x3: 0.84 against 1.84 ms).
     */
    public static final int JAVA_TRANSPOSED_DIRECT_MIN_OUT_CHANNELS = 4;
    /** OpenCL grad_weight GEMM: work-groups wanted per compute unit, reached by splitting the reduction. */
    public static final int CL_WEIGHT_GROUPS_PER_UNIT = 4;
    /** OpenCL grad_weight GEMM: the fewest positions (batch times output positions) one split reduces. */
    public static final int CL_WEIGHT_MIN_SPLIT = 1024;
    /** OpenCL grad_weight GEMM: the most bytes of partial sums (splits times the weights). */
    public static final long CL_WEIGHT_PARTIAL_BYTES = 64L << 20;
    /**
     * Java direct GEMM, depthwise and Winograd copy each image padded (rounded up to whole strides, Winograd to whole
     * dilated tiles); they apply only where that copy holds at most {@link #JAVA_PADDED_COPY_GROWTH} times the image
     * plus {@link #JAVA_PADDED_COPY_SLACK_FLOATS}, and at most {@link #JAVA_MAX_PADDED_COPY_FLOATS}. Beyond that the
     * copy is mostly padding (extreme padding, dilation or stride) that im2col skips, and it could leave the int
     * range the kernels index with. Real layers grow by less than 3x (a 3x3 with padding 1 on a 3x3 image: 2.8x).
     */
    public static final int JAVA_PADDED_COPY_GROWTH = 4;
    public static final long JAVA_PADDED_COPY_SLACK_FLOATS = 1L << 20;
    public static final long JAVA_MAX_PADDED_COPY_FLOATS = 1L << 28;
    /** Java direct GEMM and depthwise: the padded copy of the input holds at most this many bytes (but one image). */
    public static final long JAVA_PADDED_WORKSPACE_BYTES = 64L << 20;
    /**
     * Lowest JDK release on which the Java backend runs 512-bit vectors where the JVM prefers them (AVX-512). Every
     * Java kernel then runs that one width ({@code VectorGemm}: a JDK 17 JVM that mixes 256-bit and 512-bit Vector
     * API code boxes the vectors of both), so the width is the same for every release from 17 on
     * (docs/performance.md has the measurements).
     */
    public static final int JAVA_WIDE_TILES_MIN_JDK = 17;

    /**
     * Highest JDK release on which the Java direct GEMM's row tiles (few input channels: stems, inception5x5) run two
     * 6-row panels as one 12x32 tile of 24 accumulators (half the input reads per product) instead of two 6x32 tiles:
     * JDK 17's C2 keeps the 24 accumulators in registers, JDK 25's spills some (docs/performance.md).
     */
    public static final int JAVA_TALL_ROW_TILES_MAX_JDK = 17;

    /**
     * Highest JDK release on which the Java kernels pack weights in 6-row panels (the 6x16 register tile) where those
     * pad no more than 4-row ones; later releases take 4-row panels everywhere. JDK 25's C2 drops the 6x16 tile loop's
     * bounds checks, issues all six broadcasts of A first and spills accumulators to the stack: on an AVX2 VM the tile
     * alone ran at 40 GFLOP/s against the 4x16 tile's 65-94, and ResNet-50 took 2.3x JDK 17's time (docs/performance.md).
     */
    public static final int JAVA_SIX_ROW_TILES_MAX_JDK = 17;

    /**
     * Java direct GEMM: tasks per core. Finer than {@link #JAVA_TASKS_PER_CORE}: on a VM whose cores run at unequal
     * speeds, more and smaller tasks let the faster cores take the slower ones' share.
     */
    public static final int JAVA_DIRECT_TASKS_PER_CORE = 8;
    /** Java direct GEMM: the fewest output channels a task takes when channels are split between tasks. */
    public static final int JAVA_MIN_CHANNEL_BLOCK = 48;
    /** Java direct GEMM: columns (output positions in padded rows) one task computes at a time. */
    public static final int JAVA_DIRECT_SPAN = 512;
    /**
     * Java direct GEMM: the fewest bytes of padded input (the whole batch, phase planes included) for which each task
     * pads only the positions its columns read, into a block that stays in L2, instead of one pass padding whole
     * images that the tasks then read back from memory. Per call alternated in one JVM (2 AMD EPYC cores with
     * AVX-512, JDK 25, medians of 8 rounds; three JVMs for resnet3x3s2): inputs of 3.2-4 MB on two threads
     * resnet3x3s2 0.77-0.82 of the time, 32 into 64 channels 3x3 stride 2 at 112x112 0.79, conv1d_d4 0.90-0.98, on one
     * thread 0.97-1.00; inputs of 0.2-1.6 MB 0.98-1.16 (one thread) and 1.01-1.04 (two), so they keep the whole-image
     * pass.
     */
    public static final long JAVA_LOCAL_PADDING_MIN_BYTES = 2L << 20;
    /**
     * Java backend's thread pool: a call of many tasks is claimed in runs of {@code count / (threads * this)}
     * consecutive tasks (at least one), not one at a time. Per call alternated in one JVM (two threads, medians of 8
     * rounds): depthwise3x3 (512 tasks of one plane each) 0.738-0.741 on JDK 17 (0.72-0.75 ms to 0.53-0.55), 0.812 on
     * JDK 25; resnet3x3 (Winograd), a pointwise layer, resnet3x3s2, grouped3x3g32, inception5x5, stem7x7s2
     * 0.992-1.022.
     */
    public static final int JAVA_CLAIMS_PER_THREAD = 8;
    /**
     * Java row tiles on more than one thread: tasks that share an image's rows pad only the rows they read where their
     * rows span at least this many tap reaches (the rows read past them are at most a third), instead of a padding pass
     * over the batch first. Per call alternated in one JVM (JDK 17, medians of 8 rounds): two threads stem7x7s2 0.919,
     * 3x3 stride 2 on 3 into 32 channels at 224x224 0.850, 16 into 64 channels 3x3 at 112x112 0.906, inception5x5 at
     * batch 8 (14 rows a task) 0.917, but at batch 4 (7 rows a task, the 5x5's reach 59% of them) 1.083; one thread
     * 1.000-1.065 (the pass then runs on the same core as the tiles), so one thread keeps the pass.
     */
    public static final int JAVA_ROWS_LOCAL_MIN_SPAN_REACHES = 3;
    /**
     * Java direct GEMM with per-task padding: once there are two tasks per thread, a task's run of columns is halved
     * for more tasks only while it stays this many tap reaches long (each task pads its run plus one reach). Per call
     * alternated in one JVM (two threads, medians of 8 rounds): resnet3x3s2 (runs of 256 columns, not 64: the padding
     * read 47% over) 0.916 on JDK 17, 0.921 on JDK 25; 3x3 stride 2 on 64 channels at 112x112, one image, 0.936;
     * conv1d_d4 and two other stride-2 layers 0.988-1.001.
     */
    public static final int JAVA_LOCAL_RUN_MIN_REACHES = 8;
    /** Java direct GEMM: the most bytes of one task's accumulator block (channels x columns), so it stays in L2. */
    public static final int JAVA_DIRECT_ACCUMULATOR_BYTES = 128 * 1024;
    /**
     * Java direct GEMM: the most output channels per group written by row tiles, which read the padded input in place
     * (no B panel). Side by side in one JVM, 1 thread, 5 JVMs each: 8 channels per group (grouped3x3g32) 0.67-0.83 of
     * the panel path's time; 16 channels per group 0.81-1.31, 32 per group (256 channels, 8 groups) 0.88-1.43, so
     * no gain there. Dense layers with 16 to 64 channels on 16 or 32 input channels ran 0.7-0.9 in most JVMs but
     * 1.8-1.9 in two of three for 64 channels, 3x3: left on the panel path until that is understood.
     */
    public static final int JAVA_ROW_TILE_MAX_CHANNELS = 8;
    /**
     * Java direct GEMM: row tiles also for at most this many input channels per group, whatever the output channels
     * (RGB stems and other thin inputs: each tile's few input rows stay in L1 across the row panels). Against the panel
     * path, one thread, per call alternated in one JVM (medians of 3 to 5 rounds, 1 to 3 JVMs): 3 into 32 channels
     * 0.49-0.78 of the time, 3 into 64 7x7 stride 2 (stem7x7s2) 0.75-0.91, 4 into 64 0.54-0.57, 8 into 64 0.64-0.73,
     * 8 into 32 5x5 0.98-1.00; with 16 inputs 0.85-1.03 (inception5x5 16 into 32, 16 into 64), with 32 0.93-1.20 (strided layers
     * slower), with 128 1.08-1.13 (resnet3x3s2, conv1d_d4). On the AVX-512 machine (medians of 8 rounds, one JVM each
     * unless said): 16 inputs 0.84-0.97 on JDK 25 (512-bit tiles; 16 into 64 3x3 0.92-0.93 in four JVMs, inception5x5
     * 0.95 in three), 0.91-1.00 on JDK 17 (16 into 64 0.97-1.00 in four), on two threads 0.87-0.98; 24 inputs
     * 0.97-0.98; 32 inputs 0.98-1.10 (1.10 strided), 64 1.02-1.21.
     */
    public static final int JAVA_ROW_TILE_MAX_INPUT_CHANNELS = 16;
    /**
     * Java GEMM: the longest reduction for which a packed product runs row panels outside and column slices inside (a
     * B slice of 8 KiB at most), each tile starting from the bias and only writing C. Interleaved in one JVM (two class
     * loaders, 1 and 2 threads, 9-15 rounds each), against filling C and running column slices outside: resnet1x1
     * (K 64) 0.63-0.72 of the time on one thread, 0.88-0.94 on two; pointwise1x1 (K 128) 0.70-0.88 and 0.86-1.02.
     * With K 256 the same order took 1.6x the time (convT4x4s2) and 1.34x (a 256 to 64 channel 1x1 on 56x56, one
     * thread, slower in 11 of 11 rounds), and into the compact column blocks of the transposed GEMM (convT2x2s2, K 128,
     * 128 KiB) 1.09x on one thread, hence this limit and the next.
     */
    public static final int JAVA_ROWS_OUTER_MAX_REDUCTION = 128;
    /** Java GEMM: ... and the least extent of C (rows x leading dimension) for that order, a C that does not stay in L2. */
    public static final long JAVA_ROWS_OUTER_MIN_OUTPUT_BYTES = 512 * 1024;
    /**
     * Java Winograd: the most bytes of one task's transformed input and products together (E points x (C_in + C_out)
     * x columns). Within 256 KiB to 4 MiB the size matters little, since the products' tiles read their panels from
     * L2 either way.
     */
    public static final long JAVA_WINOGRAD_CHUNK_BYTES = 2L << 20;
    /**
     * Java Winograd over a 3x3 (two dimensions with kernel 3): the least harmonic mean of the reduction (depth taps x
     * input channels per group) and the output channels per group, 2 / (1/(k_d C_in) + 1/C_out): the transforms cost
     * per channel what the products save per pair of channels. Against the direct GEMM, one thread, interleaved per
     * call in one JVM (medians of 3 to 5 rounds of 5 to 7 calls): 16 channels 1.18 of the time, 32 0.88-1.20, 40
     * 0.80-0.98, 48 0.66-0.81, 32 into 128 (harmonic mean 51) 0.73-0.81, 64 0.70-0.90, 128 0.51, 256 0.41-0.62.
     */
    public static final int JAVA_WINOGRAD_MIN_CHANNELS_2D = 40;
    /**
     * Java Winograd F(2,3) over a 3x3: the same mean, higher than F(4,3)'s because its products save 2.25x where
     * F(4,3)'s save 4x, for transforms of about the same cost per output. On 7x7, one thread, against the direct GEMM:
     * 32 into 128 channels (harmonic mean 51) 1.07 of the time, 48 into 128 (70) 0.97, 160 into 320 0.54.
     */
    public static final int JAVA_WINOGRAD_F2_MIN_CHANNELS_2D = 64;
    /**
     * Java Winograd F(2,3) over a 3x3 at stride 2: the same mean. Its products save 1.44x against the direct GEMM (25
     * per four outputs against 36), which the transforms take back below 256 channels: one thread, against the
     * direct GEMM the planner took before, 64 channels at 56x56 1.19 of the time, 128 at 56x56 0.95-1.26, 256 at 28x28
     * 0.88, 512 at 14x14 0.85 (two threads 1.13, 1.0, 0.88, 0.84).
     */
    public static final int JAVA_WINOGRAD_STRIDED_MIN_CHANNELS_2D = 256;
    /**
     * Java: the most output positions (all images) of a stride-2 3x3 that F(2,3) would take (7x7 at batch 1: one slice
     * of 16 tiles) which runs the channel-vector GEMM instead (docs/performance.md, fifteenth session).
     */
    public static final int JAVA_WINOGRAD_STRIDED_MAX_CHANNEL_GEMM_POSITIONS = 64;
    /**
     * Java: the most output positions per image of a 3x3 that F(4,3) takes along the channels rather than 8 tiles to a
     * vector (14x14): there the gathers of its 6x6 points from NCHW planes cost less than the other's phase planes and
     * lane transposes; from 28x28 on the two measured even or the other faster (docs/performance.md, fifteenth session).
     */
    public static final int JAVA_WINOGRAD_CHANNELS_MAX_POSITIONS = 14 * 14;
    /**
     * Java Winograd over a 3x3x3 (depth taps as more reduction rows): the same mean, lower because the direct GEMM
     * does less well on 3D layers: 12 into 24 channels (harmonic mean 28.8) 0.73-0.78, 16 into 32 (38.4) 0.68-0.77,
     * 32 into 64 (conv3d_k3, 76.8) 0.36-0.41, 64 into 128 (c3d_k3, 153.6) 0.34-0.38.
     */
    public static final int JAVA_WINOGRAD_MIN_CHANNELS_3D = 24;
    /**
     * Java Winograd with one dimension of kernel 3 (conv1d, 1x3, 3x1): the same, for half the saving (6 products per
     * 4 outputs against 12): 64 channels 1.26, 128 (dilation 4) 1.00-1.25, 256 0.73-0.90.
     */
    public static final int JAVA_WINOGRAD_MIN_CHANNELS_1D = 192;
    /**
     * Java Winograd: the fewest tiles (m or m x m outputs each, all images), so that the products' 16-column tiles are
     * filled and the transformed weights (36 C_out C_in floats) are read for enough outputs: 512 channels on 7x7 (4
     * tiles) took 1.39 of the direct GEMM's time or more; 256 channels on 14x14, batch 2 (32 tiles), 0.50-0.62; batch
     * 1 (16 tiles, one chunk whose stages the threads split) 0.43-0.48 on one thread, 0.45-0.50 on two; 160 into 320
     * channels there 0.46-0.49 and 0.57.
     */
    public static final int JAVA_WINOGRAD_MIN_TILES = 16;
    /**
     * Java Winograd: the most bytes of transformed weights (points x depth taps x C_in x C_out floats; a 3x3's points
     * are 36 with F(4,3), 4x the weights, and 16 with F(2,3)), kept with the weight tensor; larger layers (2304
     * channels in and out) run the direct GEMM, whose packed weights are their own size.
     */
    public static final long JAVA_WINOGRAD_MAX_WEIGHT_BYTES = 256L << 20;
    /**
     * Channel-blocked operands of a dilated 3x3 whose NCHW plan is a Winograd: the fewest input channels x positions per
     * phase plane (the output divided by the dilation) at which the operands are reordered to NCHW for that Winograd
     * rather than run by the blocked direct kernel. The Winograd's saving grows with the channels (its transforms are
     * shared by all of them) and with the phase plane (fewer partial tiles), the reorders' cost does not; the boundary
     * is measured (docs/performance.md, "Channel-blocked tensors").
     */
    public static final long JAVA_BLOCKED_DILATED_WINOGRAD_MIN = 1L << 16;
    /**
     * The blocked depthwise kernel: about how many output positions a task takes (whole rows, at least one), so that a
     * narrow plane's rows share one call of the epilogue and one task's set-up.
     */
    public static final int JAVA_BLOCKED_DEPTHWISE_TASK_POSITIONS = 128;
    /**
     * Java: the most output positions per image for which the channel-vector GEMM (output channels along the vectors,
     * positions of all images as tile rows) is chosen over the GEMMs with positions along the vectors, whose 16-column
     * tiles such layers leave mostly empty. Per call interleaved in one JVM, median of 6 rounds' best, ms, other plan /
     * channel-vector: fully connected 2048 -> 1000 batch 1 0.87/0.32 (1 thread), 0.72/0.32 (2), batch 8 12.4/1.25,
     * 3.64/0.97; 1024 -> 1000 batch 8 3.46/0.56, 1.72/0.44; 3x3 512 -> 512 on 2x2 1.39/0.61. From 9 positions on it is
     * no faster: 3x3 on 3x3 1.61/1.66, 1x1 on 4x4 0.30/0.56, 3x3 on 7x7 4.13/4.40.
     */
    public static final int JAVA_CHANNEL_GEMM_MAX_POSITIONS = 4;
    /**
     * Java: a pointwise layer takes the channel-vector GEMM also where its positions per image, rounded up to the
     * 8-column tiles that end the pointwise GEMM's rows, are at least this many eighths padding (7x7: 49 of 56). The
     * plans per call interleaved in one JVM, median of 9 rounds' best (5 at batch 8), channel-vector / pointwise, one
     * and two threads: 832 -> 256 at 7x7 0.93, 0.77; 832 -> 128 0.92, 0.90; 2048 -> 512 0.90, 0.89; 512 -> 2048 0.96,
     * 0.97; 1024 -> 2048 0.95, 0.91; 832 -> 48 0.94, 1.07; batch 8: 832 -> 256 0.84, 0.85; 2048 -> 512 0.84, 0.99;
     * 512 -> 2048 1.00, 0.97. At 14x14 (196 of 200) the pointwise GEMM stays: 528 -> 128 1.01, 1.24. A strided 1x1
     * layer without padding (ResNet's downsample into 7x7) counts its output positions the same way and runs on its
     * gathered input: 1024 -> 2048 from 14x14, stride 2, two threads, 1.76 -> 1.29 ms at batch 1, 13.05 -> 8.79 at 8.
     */
    public static final int JAVA_CHANNEL_GEMM_MIN_PADDED_EIGHTHS = 1;
    /** Java: the fewest input channels of a pointwise layer that the channel-vector GEMM reads in place (see Planner). */
    public static final int JAVA_CHANNEL_GEMM_IN_PLACE_MIN_REDUCTION = 480;
    /**
     * Java: the most output positions (all images) of a reducing pointwise layer that the channel-vector GEMM reads in
     * place: 28x28 at batch 1 (at batch 8 ResNet-50 and GoogLeNet ran slower with it, docs/performance.md).
     */
    public static final int JAVA_CHANNEL_GEMM_IN_PLACE_MAX_POSITIONS = 28 * 28;
    /**
     * Java row tiles: the most floats (rows x output rows x width) one epilogue call of a task finishes at once (32
     * KiB): enough output rows per call that short rows cost few calls and vector tails, few enough that the block the
     * tiles just wrote is still in L1 when the epilogue reads it again.
     */
    public static final int JAVA_EPILOGUE_BLOCK_FLOATS = 8 * 1024;
    /** Java transposed: output channels handled by one task. */
    public static final int JAVA_TRANSPOSED_CHANNEL_BLOCK = 16;

    /** OpenCL implicit GEMM pays off from this many multiply-adds per output (C_in/g * taps). */
    public static final int CL_GEMM_MIN_REDUCTION = 16;
    /** OpenCL implicit GEMM needs at least this many output channels per group to fill a tile. */
    public static final int CL_GEMM_MIN_OUT_PER_GROUP = 8;
    /** Tensor cores: at least two k8 steps of reduction per output (C_in * taps, per residue class when transposed). */
    public static final int CL_MMA_MIN_REDUCTION = 16;
    /** Tensor cores: at least one m16 fragment of output channels. */
    public static final int CL_MMA_MIN_OUT_CHANNELS = 16;

    /**
     * OpenCL Winograd: the most bytes of one scratch buffer (transformed input or products of a chunk of tiles).
     * GPUs: large chunks keep the matrix products wide. CPUs: small chunks keep the three phases in cache.
     */
    public static final long CL_WINOGRAD_GPU_SCRATCH_BYTES = 256L << 20;
    public static final long CL_WINOGRAD_CPU_SCRATCH_BYTES = 4L << 20;
    /**
     * OpenCL cpu depthwise: the work one work-item takes at least, in FLOPs (several planes when one is less): PoCL's
     * cost per work-group is microseconds, a 56x56 3x3 plane 56 KFLOP.
     */
    public static final long CL_CPU_DEPTHWISE_FLOPS_PER_ITEM = 1 << 19;
}
