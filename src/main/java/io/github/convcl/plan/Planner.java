// The planner: a pure function from (spec, device facts) to a plan.
package io.github.convcl.plan;

import io.github.convcl.spec.Adjoint;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Pass;
import io.github.convcl.spec.PaddingMode;
import io.github.convcl.spec.PhasePlanes;
import io.github.convcl.spec.Precision;

/** Maps a convolution and a device to the algorithm and tile parameters that run it. Pure: no I/O, no state. */
public final class Planner {
    /**
     * Default tiles for GPUs and for CPU OpenCL devices. GPU_TILES: 128 work-items, the tiling with the least time summed
     * over the dense class's layers on the H100 (`convcl tune`, docs/performance.md).
     */
    public static final Tuning GPU_TILES = new Tuning(64, 64, 16, 8, 4);
    public static final Tuning CPU_TILES = new Tuning(32, 64, 16, 4, 8);
    /**
     * Few output channels per group (grouped layers such as ResNeXt's, 8 per group): a 16-row tile wastes 2x on 8
     * rows where the 64-row one wastes 8x.
     */
    public static final Tuning GPU_NARROW_TILES = new Tuning(16, 64, 16, 2, 4);
    /** Implicit-GEMM tilings `convcl tune` searches on GPUs (and the tests run on every OpenCL device). */
    public static final java.util.List<Tuning> GEMM_TILE_CANDIDATES = java.util.List.of(GPU_TILES, CPU_TILES,
            new Tuning(128, 64, 8, 8, 4), new Tuning(64, 128, 8, 4, 8), new Tuning(128, 128, 8, 8, 8), GPU_NARROW_TILES,
            new Tuning(128, 128, 16, 8, 8), new Tuning(128, 64, 16, 8, 8), new Tuning(64, 64, 16, 4, 4), new Tuning(64, 128, 16, 8, 8),
            // Few output channels: 256 work-items on 32 rows (32 output channels in work-groups of 64 leave a large
            // GPU's compute units mostly idle), and 8 rows for 8 channels per group.
            new Tuning(32, 64, 16, 2, 4), new Tuning(8, 64, 8, 2, 4));
    /**
     * Tensor-core tilings (tm x tn work-group tile, tk reduction step, wm x wn warp tile): MMA_TILES is the
     * default, 4 warps of 32x32 (2x4 m16n8k8 products each), the tensor-core tiling with the least time over the dense
     * class on the H100 (`convcl tune --precision tf32`).
     */
    public static final Tuning MMA_TILES = new Tuning(64, 64, 16, 32, 32);
    public static final java.util.List<Tuning> MMA_TILE_CANDIDATES = java.util.List.of(MMA_TILES,
            new Tuning(128, 64, 16, 64, 32), new Tuning(128, 128, 16, 64, 64), new Tuning(128, 128, 32, 32, 64),
            new Tuning(256, 128, 16, 64, 64), new Tuning(128, 128, 16, 32, 64), new Tuning(128, 64, 16, 32, 32),
            // 32 output channels: 4 warps of 16x32.
            new Tuning(32, 64, 16, 16, 32));
    /**
     * The CPU tile kernels: {@code tm} output channels per work-item (CO), {@code tn} positions (VN = tn/8).
     */
    public static final Tuning CPU_TILE_8 = new Tuning(8, 8, 1, 8, 8);
    public static final Tuning CPU_TILE_4 = new Tuning(4, 8, 1, 4, 8);
    public static final Tuning CPU_TILE_1 = new Tuning(1, 8, 1, 1, 8);
    /**
     * Six output channels x 16 positions (two float8): twelve accumulators, the shape of the Java 6x16 tile, which
     * fits the sixteen vector registers of AVX2 with room for the loads.
     */
    public static final Tuning CPU_TILE_6x16 = new Tuning(6, 16, 1, 6, 8);
    public static final Tuning CPU_TILE_4x16 = new Tuning(4, 16, 1, 4, 8);
    /** The transposed CPU kernel with six output channels (it takes 8 positions whatever VN). */
    public static final Tuning CPU_TILE_TRANSPOSED_6 = new Tuning(6, 8, 1, 6, 8);
    /** The CPU tile kernels tests and `tune` try for convolution (transposed: those with 8 positions). */
    public static final java.util.List<Tuning> CPU_TILE_CANDIDATES = java.util.List.of(CPU_TILE_6x16, CPU_TILE_8, CPU_TILE_4x16, CPU_TILE_4,
            CPU_TILE_1);

    private Planner() {
    }

    public static Plan plan(ConvSpec spec, DeviceFacts device) {
        Plan p = device.kind() == BackendKind.JAVA ? Plan.of(javaAlgorithm(spec, device)) : openClPlan(spec, tuningClasses(spec), device);
        return p.with(variant(spec, device, p.algorithm(), p.tuning()));
    }

    /**
     * The plan for {@code pass} of {@code spec}: the forward plan; for backward-data the forward plan of the adjoint
     * ({@link Adjoint#dataSpec}) marked with its pass, tuned under the layer's backward-data keys first, then the
     * adjoint's own; for backward-weight one of the weight-gradient algorithms.
     */
    public static Plan plan(ConvSpec spec, Pass pass, DeviceFacts device) {
        return switch (pass) {
            case FORWARD -> plan(spec, device);
            case BACKWARD_DATA -> {
                ConvSpec a = Adjoint.dataSpec(spec);
                java.util.List<String> keys = new java.util.ArrayList<>(tuningClasses(spec, pass));
                keys.addAll(tuningClasses(a));
                Plan p = device.kind() == BackendKind.JAVA ? Plan.of(javaAlgorithm(a, device)) : openClPlan(a, keys, device);
                yield p.with(variant(a, device, p.algorithm(), p.tuning())).forPass(pass);
            }
            case BACKWARD_WEIGHT -> {
                java.util.List<Plan> plans = weightPlans(spec, device);
                for (String key : tuningClasses(spec, pass)) {
                    Plan tuned = device.tuned().get(key);
                    for (Plan p : plans) {
                        if (tuned != null && p.algorithm() == tuned.algorithm()) {
                            yield p;
                        }
                    }
                }
                yield plans.get(0);
            }
        };
    }

    /** The weight-gradient plans of {@code s} on {@code device}, the planner's choice first. */
    private static java.util.List<Plan> weightPlans(ConvSpec s, DeviceFacts device) {
        if (device.kind() != BackendKind.JAVA) {
            Plan direct = Plan.of(Algorithm.CL_WEIGHT_DIRECT);
            if (!clWeightGemmShaped(s)) {
                return java.util.List.of(direct);
            }
            Plan gemm = Plan.of(Algorithm.CL_WEIGHT_GEMM).with(ClWeightSplit.choose(s, device.computeUnits()));
            return s.outPerGroup() >= Thresholds.CL_WEIGHT_GEMM_MIN_OUT_CHANNELS ? java.util.List.of(gemm, direct) : java.util.List.of(direct, gemm);
        }
        Plan dots = Plan.of(Algorithm.JAVA_WEIGHT_DOTS);
        Plan gemm = Plan.of(Algorithm.JAVA_WEIGHT_GEMM);
        Plan taps = Plan.of(Algorithm.JAVA_WEIGHT_TAPS);
        if (javaWeightTapsShaped(s)) {
            // the tap tiles' channels are the weight convolution's outputs (a transposed layer's inputs)
            ConvSpec w = s.transposed() ? Adjoint.weightSpec(s) : s;
            return w.outPerGroup() <= Thresholds.JAVA_WEIGHT_DOTS_MAX_OUT_CHANNELS ? java.util.List.of(dots, taps, gemm)
                    : java.util.List.of(taps, gemm, dots);
        }
        boolean few = s.outPerGroup() <= Thresholds.JAVA_WEIGHT_DOTS_MAX_OUT_CHANNELS
                || (s.groups() > 1 && s.outPerGroup() <= Thresholds.JAVA_WEIGHT_DOTS_MAX_GROUP_OUT_CHANNELS);
        return few ? java.util.List.of(dots, gemm) : java.util.List.of(gemm, dots);
    }

    /**
     * Whether the Java tap tiles compute {@code s}'s weight gradient: they hold one image's input as phase planes
     * ({@link PhasePlanes}; of the adjoint's grad_output for a transposed layer, {@link Adjoint#weightSpec}), which must
     * fit the padded-copy bound, and index the flat positions of one image's planes with ints.
     */
    static boolean javaWeightTapsShaped(ConvSpec s) {
        ConvSpec w = s.transposed() ? Adjoint.weightSpec(s) : s;
        PhasePlanes ph = PhasePlanes.of(w);
        long planes = (long) ph.plane() * w.inChannels();
        // grad_output's panels: each group's channels rounded up to two 16-lane vectors, on one phase plane's positions
        long panels = (long) w.groups() * ((w.outPerGroup() + 31) / 32 * 32) * ph.phaseVol();
        return copyFits(w, planes) && planes < Integer.MAX_VALUE / 2 && panels < Integer.MAX_VALUE / 2;
    }

    /**
     * Whether the OpenCL grad_weight GEMM computes {@code s}: a convolution, or a transposed one whose weight gradient
     * is its adjoint convolution's with input and grad_output swapped and nothing to embed ({@link Adjoint#weightSpec}),
     * with the reduction (batch times positions) and the partial sums addressable by 32-bit integers.
     */
    static boolean clWeightGemmShaped(ConvSpec s) {
        ConvSpec w = s.transposed() ? Adjoint.weightSpec(s) : s;
        if (s.transposed() && !java.util.Arrays.equals(w.outputShape(), s.inputShape())) {
            return false;
        }
        // the reduction's index k = n * positions + p, and one split past it, stay below 2^31
        return w.outputElements() / Math.max(1, w.outChannels()) < Integer.MAX_VALUE / 2;
    }

    /** Every plan that computes {@code pass} of {@code s} on {@code device}, the planner's choice among them. */
    public static java.util.List<Plan> applicable(ConvSpec s, Pass pass, DeviceFacts device) {
        return switch (pass) {
            case FORWARD -> applicable(s, device);
            case BACKWARD_DATA -> applicable(Adjoint.dataSpec(s), device).stream().map(p -> p.forPass(pass)).toList();
            case BACKWARD_WEIGHT -> weightPlans(s, device);
        };
    }

    /**
     * The plan that runs a forced {@code plan} for {@code pass} of {@code s} (see {@link #requireApplicable(ConvSpec,
     * DeviceFacts, Plan)}); a plan of another pass is refused, naming both.
     */
    public static Plan requireApplicable(ConvSpec s, Pass pass, DeviceFacts device, Plan plan) {
        java.util.Objects.requireNonNull(plan, "plan");
        if (plan.pass() != pass) {
            throw new IllegalArgumentException("plan=" + plan + " computes " + plan.pass().id() + ", not " + pass.id() + " of " + s
                    + "; applicable: " + applicable(s, pass, device));
        }
        return switch (pass) {
            case FORWARD -> requireApplicable(s, device, plan);
            case BACKWARD_DATA -> requireApplicable(Adjoint.dataSpec(s), device, plan.forPass(Pass.FORWARD)).forPass(pass);
            case BACKWARD_WEIGHT -> {
                for (Plan p : weightPlans(s, device)) {
                    if (p.algorithm() == plan.algorithm() && p.tuning().equals(plan.tuning())) {
                        yield p;
                    }
                }
                throw new IllegalArgumentException("plan=" + plan + " does not apply to " + pass.id() + " of " + s + " on " + device.name()
                        + "; applicable: " + weightPlans(s, device));
            }
        };
    }

    /**
     * The parameters the planner gives {@code a} with tiles {@code t} for {@code s}: the Java direct GEMM's strategy
     * and task sizes (also for the Java Winograd, which runs the direct GEMM on inputs or weights that are not all
     * finite: its transforms would spread one infinity or NaN over a whole tile), the Java depthwise kernel's padding,
     * the OpenCL implicit GEMM's table layout; none for the others.
     */
    static Variant variant(ConvSpec s, DeviceFacts device, Algorithm a, Tuning t) {
        return switch (a) {
            case JAVA_DIRECT_GEMM, JAVA_WINOGRAD, JAVA_WINOGRAD_F2, JAVA_WINOGRAD_CHANNELS, JAVA_WINOGRAD_F2_CHANNELS ->
                    JavaDirect.choose(s, device.computeUnits(), device.javaChoices());
            case JAVA_DEPTHWISE -> JavaDepthwise.choose(s, device.vectorLanes(), device.javaChoices().depthwiseUnpadded());
            default -> a.implicitGemm() ? ClGemm.choose(s, t, device.gemmChoices()) : Variant.DEFAULT;
        };
    }

    /** Every variant of {@code a} with tiles {@code t} that computes {@code s}, the planner's choice first. */
    private static java.util.List<Variant> variants(ConvSpec s, DeviceFacts device, Algorithm a, Tuning t) {
        java.util.List<Variant> all = new java.util.ArrayList<>();
        all.add(variant(s, device, a, t));
        java.util.List<? extends Variant> options = switch (a) {
            case JAVA_DIRECT_GEMM -> JavaDirect.options(s, device.computeUnits());
            case JAVA_DEPTHWISE -> JavaDepthwise.options(s, device.vectorLanes());
            default -> a.implicitGemm() ? ClGemm.options(s, t) : java.util.List.of();
        };
        for (Variant v : options) {
            if (!all.contains(v)) {
                all.add(v);
            }
        }
        return all;
    }

    /**
     * Every plan that can run {@code spec} correctly on {@code device}, whether or not it is the fastest:
     * what tests force and what a tuner searches (Arm Compute Library's validate(), as a list).
     */
    public static java.util.List<Plan> applicable(ConvSpec s, DeviceFacts device) {
        java.util.List<Plan> plans = new java.util.ArrayList<>();
        boolean gemmVariants = true;
        for (Plan p : families(s, device)) {
            // Every variant of the Java kernels; the OpenCL GEMM's other table layouts on its first FMA plan only, where
            // they are checked without multiplying the tilings a test or tuner builds (forcing takes them on any).
            boolean all = device.kind() == BackendKind.JAVA || (p.algorithm() == Algorithm.CL_IMPLICIT_GEMM && gemmVariants);
            gemmVariants &= p.algorithm() != Algorithm.CL_IMPLICIT_GEMM;
            java.util.List<Variant> vs = variants(s, device, p.algorithm(), p.tuning());
            for (Variant v : all ? vs : vs.subList(0, 1)) {
                plans.add(p.with(v));
            }
        }
        return plans;
    }

    /** The algorithms and tilings that compute {@code s} on {@code device}, each with the default variant. */
    private static java.util.List<Plan> families(ConvSpec s, DeviceFacts device) {
        java.util.List<Plan> plans = new java.util.ArrayList<>();
        boolean depthwiseShaped = depthwiseShaped(s);
        if (device.kind() == BackendKind.JAVA) {
            if (s.transposed()) {
                plans.add(Plan.of(Algorithm.JAVA_TRANSPOSED_GEMM));
                plans.add(Plan.of(Algorithm.JAVA_TRANSPOSED_DIRECT));
                return plans;
            }
            plans.add(Plan.of(Algorithm.JAVA_IM2COL_GEMM));
            plans.add(Plan.of(Algorithm.JAVA_CHANNEL_GEMM));
            boolean copyFits = copyFits(s, paddedImageFloats(s));
            if (copyFits) {
                plans.add(Plan.of(Algorithm.JAVA_DIRECT_GEMM));
            }
            if (s.isPointwise() || stridedPointwise(s)) {
                plans.add(Plan.of(Algorithm.JAVA_POINTWISE_GEMM));
            }
            if (depthwiseShaped && copyFits) {
                plans.add(Plan.of(Algorithm.JAVA_DEPTHWISE));
            }
            if (javaWinogradShaped(s) && copyFits(s, javaWinogradImageFloats(s, 4))) {
                plans.add(Plan.of(Algorithm.JAVA_WINOGRAD));
            }
            if ((javaWinogradShaped(s) || javaWinogradStrided(s)) && copyFits(s, javaWinogradImageFloats(s, 2))) {
                plans.add(Plan.of(Algorithm.JAVA_WINOGRAD_F2));
            }
            if (javaWinogradChannels(s, device)) {
                plans.add(Plan.of(Algorithm.JAVA_WINOGRAD_CHANNELS));
                plans.add(Plan.of(Algorithm.JAVA_WINOGRAD_F2_CHANNELS));
            }
            return plans;
        }
        if (s.transposed()) {
            plans.add(Plan.of(Algorithm.CL_TRANSPOSED_GATHER));
            for (Tuning t : java.util.List.of(CPU_TILE_TRANSPOSED_6, CPU_TILE_8, CPU_TILE_4, CPU_TILE_1)) {
                plans.add(new Plan(Algorithm.CL_CPU_TILE_TRANSPOSED, t));
            }
        } else {
            plans.add(Plan.of(Algorithm.CL_DIRECT));
            if (clCpuTileFits(s)) {
                for (Tuning t : CPU_TILE_CANDIDATES) {
                    plans.add(new Plan(Algorithm.CL_CPU_TILE, t));
                }
            }
        }
        for (Tuning t : GEMM_TILE_CANDIDATES) {
            if (t.isValidGemmTiling() && t.workGroupSize() <= device.maxWorkGroupSize()) {
                plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM, t));
            }
        }
        if (device.tensorCores() != DeviceFacts.TensorCores.NONE) {
            // cp.async arrived with the TF32 tensor cores (sm_80): the FMA kernel with cp.async stages, for the
            // tilings with 16-step reductions (an A/B beside the register-staged kernel; fewer to tune).
            for (Tuning t : GEMM_TILE_CANDIDATES) {
                if (t.tk() == 16 && t.isValidGemmAsyncTiling() && t.workGroupSize() <= device.maxWorkGroupSize()) {
                    plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_ASYNC, t));
                }
            }
            for (Tuning t : MMA_TILE_CANDIDATES) {
                if (t.mmaWorkGroupSize() > device.maxWorkGroupSize()) {
                    continue;
                }
                boolean tf32 = s.precision() == Precision.TF32;
                boolean x3 = t.fitsThreeProducts();
                if (t.isValidMmaTiling()) {
                    if (x3) {
                        plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32, t));
                    }
                    if (tf32) {
                        plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32, t));
                    }
                }
                if (x3 && t.isValidMmaFragmentTiling(3)) {
                    plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32_FRAG, t));
                }
                if (tf32 && t.isValidMmaFragmentTiling(1)) {
                    plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32_FRAG, t));
                }
                if (t.isValidMmaAsyncTiling()) {
                    if (x3) {
                        plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_3XTF32_ASYNC, t));
                    }
                    if (tf32) {
                        plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32_ASYNC, t));
                    }
                }
            }
        }
        if (depthwiseShaped) {
            plans.add(Plan.of(Algorithm.CL_DEPTHWISE));
            plans.add(Plan.of(Algorithm.CL_CPU_DEPTHWISE));
            if (s.kernel().length <= 2) {
                plans.add(Plan.of(Algorithm.CL_DEPTHWISE_ROWS));
            }
        }
        for (int m : new int[] {2, 4}) {
            if (!winogradShaped(s, m)) {
                continue;
            }
            Algorithm fma = m == 2 ? Algorithm.CL_WINOGRAD_F2 : Algorithm.CL_WINOGRAD_F4;
            for (Tuning t : WINOGRAD_PRODUCT_TILES) {
                if (t.tk() == 1 || t.workGroupSize() <= device.maxWorkGroupSize()) {
                    plans.add(new Plan(fma, t));
                }
            }
            if (device.tensorCores() != DeviceFacts.TensorCores.NONE) {
                for (Tuning t : WINOGRAD_MMA_TILES) {
                    if (t.mmaWorkGroupSize() <= device.maxWorkGroupSize()) {
                        plans.add(new Plan(m == 2 ? Algorithm.CL_WINOGRAD_F2_3XTF32 : Algorithm.CL_WINOGRAD_F4_3XTF32, t));
                    }
                }
            }
        }
        return plans;
    }

    /**
     * The tilings of a Winograd plan's matrix products (one per transformed point and group, each a 1x1 convolution):
     * implicit-GEMM tiles, or CPU tiles (tk = 1); and on tensor cores the MMA tiles.
     */
    public static final java.util.List<Tuning> WINOGRAD_PRODUCT_TILES = java.util.List.of(GPU_TILES, new Tuning(128, 64, 8, 8, 4),
            new Tuning(64, 128, 8, 4, 8), CPU_TILE_6x16, CPU_TILE_8);
    public static final java.util.List<Tuning> WINOGRAD_MMA_TILES = java.util.List.of(MMA_TILES, new Tuning(128, 64, 16, 64, 32));

    /**
     * True when Winograd F(m, 3) computes {@code s}: a convolution (not transposed) with zero padding, stride 1, a
     * kernel of 3 or 1 along every dimension (at least one 3; for F(4,3) at most two, whose 6x6 tile is the most
     * registers one work-item holds), at least two input channels per group (depthwise has its own kernel), and a
     * dilation no larger than the output along each kernel-3 dimension: the tiles cover {@code d} interleaved grids
     * of whole tiles, so a wider dilation computes mostly positions past the output.
     */
    public static boolean winogradShaped(ConvSpec s, int m) {
        if (s.transposed() || s.paddingMode() != PaddingMode.ZEROS || s.inPerGroup() < 2) {
            return false;
        }
        int threes = 0;
        for (int i = 0; i < s.rank(); i++) {
            if (s.stride()[i] != 1 || (s.kernel()[i] != 1 && s.kernel()[i] != 3)) {
                return false;
            }
            if (s.kernel()[i] == 3 && (s.dilation()[i] > s.outputSize()[i] || !readsInput(s, i))) {
                return false;
            }
            threes += s.kernel()[i] == 3 ? 1 : 0;
        }
        return threes >= 1 && (m == 2 || threes <= 2);
    }

    /**
     * What the Java Winograd F(4,3) and F(2,3) compute at stride 1: a convolution (not transposed) with stride 1,
     * kernel 3 or 1 along height and width and at least one 3, kernel 1 or 3 along depth (depth taps add their planes'
     * products, as more rows of the reduction); any dilation, groups and padding mode (the Java kernel pads its own
     * copy of the input). F(2,3) at stride 2: {@link #javaWinogradStrided}.
     */
    public static boolean javaWinogradShaped(ConvSpec s) {
        if (s.transposed()) {
            return false;
        }
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        for (int i = 0; i < s.rank(); i++) {
            if (s.stride()[i] != 1 || (s.kernel()[i] == 3 && !readsInput(s, i))) {
                return false;
            }
        }
        return (k[0] == 1 || k[0] == 3) && (k[1] == 1 || k[1] == 3) && (k[2] == 1 || k[2] == 3) && (k[1] == 3 || k[2] == 3);
    }

    /**
     * What the Java Winograd F(2,3) computes at stride 2 (ResNet's downsampling 3x3 layers): a convolution (not
     * transposed) whose height and width have kernel 3 and stride 1 or 2, or kernel 1 and stride 1, with no dilation
     * where the stride is 2 and at least one stride 2; depth kernel 1 or 3 at stride 1. A tile of two outputs reads five
     * inputs along a strided dimension (see {@code jvm.JavaWinograd}).
     */
    public static boolean javaWinogradStrided(ConvSpec s) {
        if (s.transposed()) {
            return false;
        }
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        int[] d = ConvSpec.to3d(s.dilation(), 1);
        if ((k[0] != 1 && k[0] != 3) || st[0] != 1 || (k[1] != 3 && k[2] != 3)) {
            return false;
        }
        boolean strided = false;
        for (int i = 1; i < 3; i++) {
            if (k[i] == 1 ? st[i] != 1 : k[i] != 3 || st[i] > 2 || (st[i] == 2 && d[i] != 1)) {
                return false;
            }
            strided |= st[i] == 2;
        }
        for (int i = 0; i < s.rank(); i++) {
            if (s.kernel()[i] == 3 && !readsInput(s, i)) {
                return false;
            }
        }
        return strided;
    }

    /**
     * Whether every output reads at least one input position along dimension {@code i} (padding on each side at most
     * the dilated kernel's reach): Winograd requires it along its transformed (kernel 3) dimensions. An output wholly in
     * the padding is exactly its bias on the direct kernels, where Winograd's output transform would leave rounding from
     * the tile's neighbours that read the input.
     */
    static boolean readsInput(ConvSpec s, int i) {
        long reach = (long) s.dilation()[i] * (s.kernel()[i] - 1);
        return s.padBefore()[i] <= reach && s.padAfter()[i] <= reach;
    }

    /** What the depthwise kernels compute: a convolution with one input channel per group and zero padding. */
    static boolean depthwiseShaped(ConvSpec s) {
        return !s.transposed() && s.inPerGroup() == 1 && s.paddingMode() == PaddingMode.ZEROS;
    }

    /**
     * The plan a Winograd plan runs its matrix products {@code products} (a grouped 1x1 convolution) with: tensor cores,
     * a CPU tile (tk = 1) or implicit GEMM, with the planner's variant.
     */
    public static Plan winogradProduct(Plan winograd, ConvSpec products, DeviceFacts device) {
        Algorithm a = winogradProductAlgorithm(winograd);
        return new Plan(a, winograd.tuning(), variant(products, device, a, winograd.tuning()));
    }

    /** The algorithm of a Winograd plan's products: tensor cores, a CPU tile (tk = 1) or implicit GEMM. */
    public static Algorithm winogradProductAlgorithm(Plan winograd) {
        return winograd.algorithm().isTensorCore() ? Algorithm.CL_IMPLICIT_GEMM_3XTF32
                : winograd.tuning().tk() == 1 ? Algorithm.CL_CPU_TILE : Algorithm.CL_IMPLICIT_GEMM;
    }

    /**
     * The plan that runs a forced {@code plan}: the plan with its algorithm, tiles and variant choice (any variant of an
     * applicable algorithm and tiling, including those {@link #applicable} lists on one tiling only), with
     * the sizes derived for {@code device} now (a variant of {@link Variant#DEFAULT} takes the planner's choice).
     * Refuses a plan the device cannot run for {@code s} (a forced plan that the planner would never offer computes
     * garbage or fails on the device), naming the plan, the layer and what would run.
     */
    public static Plan requireApplicable(ConvSpec s, DeviceFacts device, Plan plan) {
        java.util.Objects.requireNonNull(plan, "plan");
        for (Plan p : families(s, device)) {
            if (p.algorithm() != plan.algorithm() || !p.tuning().equals(plan.tuning())) {
                continue;
            }
            java.util.List<Variant> vs = variants(s, device, p.algorithm(), p.tuning());
            if (plan.variant() == Variant.DEFAULT) {
                return p.with(vs.get(0));
            }
            for (Variant v : vs) {
                if (v.choice().equals(plan.variant().choice())) {
                    return p.with(v);
                }
            }
        }
        throw new IllegalArgumentException("plan=" + plan + " does not apply to " + s + " on " + device.name() + "; applicable: "
                + applicable(s, device));
    }

    private static Algorithm javaAlgorithm(ConvSpec s, DeviceFacts device) {
        if (s.transposed()) {
            // Per residue where the residues are uneven (GEMM + col2im would do zero taps' work) and each residue's GEMM
            // has a row panel of output channels, or where both channel counts are too small for either GEMM to
            // have a shape: then the direct GEMM's reduction over taps is the longer one.
            int panel = Thresholds.JAVA_TRANSPOSED_DIRECT_MIN_OUT_CHANNELS;
            boolean direct = (unevenResidues(s) && s.outPerGroup() >= panel) || (s.inPerGroup() < panel && s.outPerGroup() < panel);
            return direct ? Algorithm.JAVA_TRANSPOSED_DIRECT : Algorithm.JAVA_TRANSPOSED_GEMM;
        }
        boolean copyFits = copyFits(s, paddedImageFloats(s));
        if (depthwiseShaped(s) && s.kernelVolume() > 1 && copyFits) {
            return Algorithm.JAVA_DEPTHWISE;
        }
        if (outputPositions(s) <= Thresholds.JAVA_CHANNEL_GEMM_MAX_POSITIONS || ((s.isPointwise() || stridedPointwise(s)) && paddedEighths(outputPositions(s))
                >= Thresholds.JAVA_CHANNEL_GEMM_MIN_PADDED_EIGHTHS)) {
            return Algorithm.JAVA_CHANNEL_GEMM;
        }
        if (channelsInPlace(s)) {
            return Algorithm.JAVA_CHANNEL_GEMM;
        }
        if (s.isPointwise() || stridedPointwise(s)) {
            return Algorithm.JAVA_POINTWISE_GEMM;
        }
        if (!copyFits) {
            return Algorithm.JAVA_IM2COL_GEMM;
        }
        int m = javaWinogradTile(s);
        if (m == 0 || !copyFits(s, javaWinogradImageFloats(s, m))) {
            return Algorithm.JAVA_DIRECT_GEMM;
        }
        if (javaWinogradStrided(s)
                && s.batch() * outputPositions(s) <= Thresholds.JAVA_WINOGRAD_STRIDED_MAX_CHANNEL_GEMM_POSITIONS) {
            // One slice of 16 tiles streams all 16 transformed weight matrices for itself; the channel GEMM reads the
            // weights once for all of the call's positions (its 6-row tiles cover 49 with 54 rows).
            return Algorithm.JAVA_CHANNEL_GEMM;
        }
        if (javaWinogradChannels(s, device) && outputPositions(s) <= Thresholds.JAVA_WINOGRAD_CHANNELS_MAX_POSITIONS) {
            return m == 4 ? Algorithm.JAVA_WINOGRAD_CHANNELS : Algorithm.JAVA_WINOGRAD_F2_CHANNELS;
        }
        return m == 4 ? Algorithm.JAVA_WINOGRAD : Algorithm.JAVA_WINOGRAD_F2;
    }

    /**
     * What the Java Winograd along channels computes ({@code jvm.ChannelWinograd}): a 2D 3x3 convolution, stride 1, no
     * dilation, zero padding, one group, input and output channels in multiples of 16, on 512-bit vectors, its
     * transformed weights (36 per pair of channels, the output channels padded to 32s) within
     * {@link Thresholds#JAVA_WINOGRAD_MAX_WEIGHT_BYTES}, and its padded input within the direct GEMM's bound (the direct
     * GEMM runs inputs that are not all finite).
     */
    public static boolean javaWinogradChannels(ConvSpec s, DeviceFacts device) {
        if (s.transposed() || s.rank() != 2 || device.vectorLanes() != 16 || s.groups() != 1
                || s.paddingMode() != io.github.convcl.spec.PaddingMode.ZEROS) {
            return false;
        }
        for (int i = 0; i < 2; i++) {
            if (s.kernel()[i] != 3 || s.stride()[i] != 1 || s.dilation()[i] != 1) {
                return false;
            }
        }
        return s.inChannels() % 16 == 0 && s.outChannels() % 16 == 0
                && 36L * s.inChannels() * (s.outChannels() + 16) * Float.BYTES <= Thresholds.JAVA_WINOGRAD_MAX_WEIGHT_BYTES
                && copyFits(s, paddedImageFloats(s));
    }

    /**
     * The Java kernel for {@code s} when its input, output and residual are channel-blocked (NCHW16c): with 512-bit
     * vectors, a 2D depthwise layer with as many outputs as inputs and zero padding runs {@link BlockedKernel#DEPTHWISE};
     * a 2D convolution (not transposed) of one group, channels in 16s and zero padding, an unpadded pointwise
     * layer runs {@link BlockedKernel#POINTWISE}, a layer the Winograd along channels takes runs it in the tile size the
     * NCHW planner would give ({@link #javaWinogradChannels}), and any other one {@link BlockedKernel#DIRECT} while
     * its packed weights stay within the Winograd's bound, unless it is a dilated layer the NCHW Winograd runs faster
     * even with the reorders ({@link #dilatedWinogradWins}); everything else {@link BlockedKernel#REORDER}.
     */
    public static BlockedKernel javaBlocked(ConvSpec s, DeviceFacts device) {
        if (device.vectorLanes() != 16 || s.transposed() || s.rank() != 2 || s.inChannels() % 16 != 0 || s.outChannels() % 16 != 0
                || s.paddingMode() != io.github.convcl.spec.PaddingMode.ZEROS) {
            return BlockedKernel.REORDER;
        }
        if (s.groups() == s.inChannels() && s.outChannels() == s.inChannels()) {
            return BlockedKernel.DEPTHWISE;
        }
        if (s.groups() != 1
                || s.weightElements() / s.outChannels() * (s.outChannels() + 16L) * Float.BYTES > Thresholds.JAVA_WINOGRAD_MAX_WEIGHT_BYTES) {
            return BlockedKernel.REORDER;
        }
        if (s.kernel()[0] == 1 && s.kernel()[1] == 1 && s.padBefore()[0] == 0 && s.padBefore()[1] == 0 && s.padAfter()[0] == 0
                && s.padAfter()[1] == 0) {
            return BlockedKernel.POINTWISE;
        }
        if (javaWinogradChannels(s, device)) {
            Algorithm a = plan(s, device).algorithm();
            return a == Algorithm.JAVA_WINOGRAD_F2 || a == Algorithm.JAVA_WINOGRAD_F2_CHANNELS ? BlockedKernel.WINOGRAD_F2
                    : BlockedKernel.WINOGRAD_F4;
        }
        return dilatedWinogradWins(s, device) ? BlockedKernel.REORDER : BlockedKernel.DIRECT;
    }

    /**
     * A dilated layer whose NCHW plan is a Winograd (over the phase planes the dilation splits the output into, which
     * the blocked kernels do not take) with at least {@link Thresholds#JAVA_BLOCKED_DILATED_WINOGRAD_MIN} input
     * channels x positions per phase plane: the Winograd's fewer multiplications then outweigh reordering the operands
     * to NCHW and back, where with fewer channels or smaller phase planes the blocked direct kernel is faster.
     */
    static boolean dilatedWinogradWins(ConvSpec s, DeviceFacts device) {
        int[] d = s.dilation();
        if (d[0] == 1 && d[1] == 1 || plan(s, device).algorithm().family() != Algorithm.Family.JAVA_WINOGRAD) {
            return false;
        }
        int[] out = s.outputSize();
        long phase = (long) ((out[0] + d[0] - 1) / d[0]) * ((out[1] + d[1] - 1) / d[1]);
        return s.inPerGroup() * phase >= Thresholds.JAVA_BLOCKED_DILATED_WINOGRAD_MIN;
    }

    /**
     * A pointwise layer that reduces channels (at least twice as many in as out, and at least
     * {@link Thresholds#JAVA_CHANNEL_GEMM_IN_PLACE_MIN_REDUCTION} in) with at most
     * {@link Thresholds#JAVA_CHANNEL_GEMM_IN_PLACE_MAX_POSITIONS} output positions in all: the channel-vector GEMM reads
     * its input in place and stores the output transposed (out x positions scalar stores), where the pointwise GEMM packs
     * the input (in x positions); with more channels in than out the store is the smaller of the two. With more
     * positions the pointwise GEMM's wider column tiles win back what its pack costs.
     */
    static boolean channelsInPlace(ConvSpec s) {
        return s.isPointwise() && s.groups() == 1 && s.inChannels() >= 2 * s.outChannels()
                && s.inChannels() >= Thresholds.JAVA_CHANNEL_GEMM_IN_PLACE_MIN_REDUCTION
                && s.batch() * outputPositions(s) <= Thresholds.JAVA_CHANNEL_GEMM_IN_PLACE_MAX_POSITIONS;
    }

    /**
     * A 1x1 convolution with no padding and a stride above 1 (ResNet's downsample shortcuts): the Java pointwise GEMM
     * runs it on the input's strided positions, gathered into a plane of the output's size first, a plain matrix product
     * then.
     */
    public static boolean stridedPointwise(ConvSpec s) {
        if (s.transposed() || s.isPointwise()) {
            return false;
        }
        int[] k = s.kernel();
        int[] pb = s.padBefore();
        int[] pa = s.padAfter();
        for (int i = 0; i < k.length; i++) {
            if (k[i] != 1 || pb[i] != 0 || pa[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whole eighths of {@code positions} rounded up to a multiple of 8 that are padding (49 of 56: 1; 196 of 200: 0). */
    static long paddedEighths(long positions) {
        long padded = (positions + 7) / 8 * 8;
        return 8 * (padded - positions) / padded;
    }

    /** Output positions of one image (the product of the output's spatial sizes). */
    static long outputPositions(ConvSpec s) {
        long n = 1;
        for (int d : s.outputSize()) {
            n *= d;
        }
        return n;
    }

    /**
     * Floats of one image's input as the Java direct GEMM and depthwise kernels and the OpenCL CPU tile copy it: padded,
     * each dimension rounded up to whole strides (the stride's phase planes). Saturates at {@code Long.MAX_VALUE}.
     */
    static long paddedImageFloats(ConvSpec s) {
        int[] padded = s.paddedInputSize();
        int[] st = s.stride();
        long v = s.inChannels();
        for (int i = 0; i < padded.length; i++) {
            v = saturatedProduct(v, ((long) padded[i] + st[i] - 1) / st[i] * st[i]);
        }
        return v;
    }

    /**
     * Floats of one image's input as the Java Winograd F(m,3) copies it: each dimension of kernel 3 padded to whole
     * tiles of m outputs, {@code d} apart under dilation d (rows to {@code d * (m * tiles + 2)}, columns to whole md
     * phases).
     */
    static long javaWinogradImageFloats(ConvSpec s, int m) {
        int[] paddedSize = ConvSpec.to3d(s.paddedInputSize(), 1);
        int[] out = ConvSpec.to3d(s.outputSize(), 1);
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] d = ConvSpec.to3d(s.dilation(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        long v = s.inChannels();
        for (int i = 0; i < 3; i++) {
            long padded = paddedSize[i];
            if (i > 0 && k[i] == 3) {
                long tiles = ((out[i] + (long) d[i] - 1) / d[i] + m - 1) / m;
                long step = (long) m * st[i] * d[i];
                padded = Math.max(padded + step, d[i] * ((tiles - 1) * m * st[i] + javaWinogradPoints(m, st[i]))) + step;
            }
            v = saturatedProduct(v, padded);
        }
        return v;
    }

    /** Whether a kernel whose padded copy takes {@code copyFloats} floats per image applies (see {@link Thresholds}). */
    public static boolean copyFits(ConvSpec s, long copyFloats) {
        long image = s.inChannels();
        for (int v : s.inputSize()) {
            image *= v;
        }
        return copyFloats <= Math.min(Thresholds.JAVA_MAX_PADDED_COPY_FLOATS,
                Thresholds.JAVA_PADDED_COPY_GROWTH * image + Thresholds.JAVA_PADDED_COPY_SLACK_FLOATS);
    }

    /**
     * Whether the OpenCL CPU tile applies: it copies the whole batch padded into phase planes, which must fit the
     * padded-copy bound per image and, for the batch, the int range its kernels index with.
     */
    static boolean clCpuTileFits(ConvSpec s) {
        long image = paddedImageFloats(s);
        return copyFits(s, image) && saturatedProduct(Math.max(1, s.batch()), image) <= Integer.MAX_VALUE / 2;
    }

    private static long saturatedProduct(long a, long b) {
        long r = a * b;
        return Math.multiplyHigh(a, b) != 0 || r < 0 ? Long.MAX_VALUE : r;
    }

    /**
     * The Java Winograd tile that beats the direct GEMM for {@code s}, 4 (F(4,3)) or 2 (F(2,3); the only one at stride
     * 2), or 0 for none. A tile size applies with enough channels per group (harmonic mean of the reduction, depth taps
     * x in, and out: {@link Thresholds#JAVA_WINOGRAD_MIN_CHANNELS_2D} for a 3x3 ({@code _F2_2D} with F(2,3), whose
     * products save less against its transforms, {@code _STRIDED_2D} at stride 2), {@code _3D} for a 3x3x3, {@code _1D}
     * where one dimension of height and width has kernel 3), enough tiles ({@link Thresholds#JAVA_WINOGRAD_MIN_TILES})
     * and transformed weights of at most {@link Thresholds#JAVA_WINOGRAD_MAX_WEIGHT_BYTES}; of the two, the one whose
     * products are fewer: transformed points per tile times the tiles rounded up to the products' 16-column slices (a
     * 7x7 plane is 4 tiles of F(4,3), a slice three quarters empty, or one full slice of F(2,3)'s 16).
     */
    static int javaWinogradTile(ConvSpec s) {
        boolean strided = javaWinogradStrided(s);
        if (!javaWinogradShaped(s) && !strided) {
            return 0;
        }
        int best = 0;
        long fewest = Long.MAX_VALUE;
        for (int m : strided ? new int[] {2} : new int[] {4, 2}) {
            long products = javaWinogradProducts(s, m);
            if (products < fewest && javaWinogradPays(s, m)) {
                best = m;
                fewest = products;
            }
        }
        return best;
    }

    /** The multiplications of the Java Winograd F(m,3)'s products per pair of channels, its columns padded to slices. */
    private static long javaWinogradProducts(ConvSpec s, int m) {
        long points = javaWinogradPoints(s, m) * ConvSpec.to3d(s.kernel(), 1)[0];
        long slice = JavaDirect.PANEL_COLUMNS;
        return points * ((javaWinogradTiles(s, m) + slice - 1) / slice * slice);
    }

    /** The Java Winograd F(m,3)'s tiles over all images: m (or m x m) outputs each. */
    private static long javaWinogradTiles(ConvSpec s, int m) {
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] out = ConvSpec.to3d(s.outputSize(), 1);
        return (long) s.batch() * out[0] * (k[1] == 3 ? (out[1] + m - 1) / m : out[1]) * (k[2] == 3 ? (out[2] + m - 1) / m : out[2]);
    }

    /**
     * Transformed points per tile of the Java Winograd F(m,3) along a dimension whose kernel is 3: m + 2 at stride 1 (6
     * for F(4,3), 4 for F(2,3)); 2m + 1 at stride 2, whose tile of m outputs reads that many inputs (F(2,3): p0 to p4,
     * output 0 taps p0 to p2 and output 1 p2 to p4).
     */
    public static int javaWinogradPoints(int m, int stride) {
        return stride == 2 ? 2 * m + 1 : m + 2;
    }

    /** Transformed points per tile of the Java Winograd F(m,3) over height and width. */
    private static long javaWinogradPoints(ConvSpec s, int m) {
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        int[] st = ConvSpec.to3d(s.stride(), 1);
        return (k[1] == 3 ? javaWinogradPoints(m, st[1]) : 1L) * (k[2] == 3 ? javaWinogradPoints(m, st[2]) : 1L);
    }

    /** Whether F(m,3) has the channels, tiles and weight size {@link #javaWinogradTile} asks of it. */
    private static boolean javaWinogradPays(ConvSpec s, int m) {
        int[] k = ConvSpec.to3d(s.kernel(), 1);
        boolean twoDims = k[1] == 3 && k[2] == 3;
        double harmonic = 2.0 / (1.0 / (k[0] * s.inPerGroup()) + 1.0 / s.outPerGroup());
        int least = !twoDims ? Thresholds.JAVA_WINOGRAD_MIN_CHANNELS_1D
                : javaWinogradStrided(s) ? Thresholds.JAVA_WINOGRAD_STRIDED_MIN_CHANNELS_2D
                : k[0] == 3 ? Thresholds.JAVA_WINOGRAD_MIN_CHANNELS_3D
                : m == 4 ? Thresholds.JAVA_WINOGRAD_MIN_CHANNELS_2D : Thresholds.JAVA_WINOGRAD_F2_MIN_CHANNELS_2D;
        // distinct transformed weights: a strided dimension's 5 points hold 4 (points 3 and 4 share tap 1)
        int[] st = ConvSpec.to3d(s.stride(), 1);
        long distinct = (k[1] == 3 ? (st[1] == 2 ? 2L * m : m + 2L) : 1L) * (k[2] == 3 ? (st[2] == 2 ? 2L * m : m + 2L) : 1L);
        long weightBytes = distinct * k[0] * s.inPerGroup() * s.outChannels() * Float.BYTES;
        return harmonic >= least && javaWinogradTiles(s, m) >= Thresholds.JAVA_WINOGRAD_MIN_TILES
                && weightBytes <= Thresholds.JAVA_WINOGRAD_MAX_WEIGHT_BYTES;
    }

    /**
     * True when the residue classes of a transposed convolution take different numbers of taps (kernel size not a
     * multiple of the stride): there GEMM + col2im multiplies by the taps a class lacks and the per-class direct GEMM
     * does not; where every class takes the same taps, col2im's one GEMM over all taps is the larger product and wins.
     * False where a stride exceeds the dilated kernel: then most classes take no tap.
     */
    static boolean unevenResidues(ConvSpec s) {
        int[] k = s.kernel();
        int[] st = s.stride();
        int[] extent = s.effectiveKernel();
        for (int i = 0; i < k.length; i++) {
            if (st[i] > extent[i]) {
                // Most of the s^rank classes take no tap at all: GEMM + col2im does the taps' work and no more.
                return false;
            }
        }
        for (int i = 0; i < k.length; i++) {
            if (st[i] > 1 && k[i] % st[i] != 0) {
                return true;
            }
        }
        return false;
    }

    /** The CPU tile by output channels per group: 6x16 (the transposed kernel: 6 x 8) from 6 channels, else 4 or 1. */
    private static Tuning cpuTile(ConvSpec s) {
        if (s.outPerGroup() >= 6) {
            return s.transposed() ? CPU_TILE_TRANSPOSED_6 : CPU_TILE_6x16;
        }
        return s.outPerGroup() >= 4 ? CPU_TILE_4 : CPU_TILE_1;
    }

    /**
     * The layer classes tuning is stored by: transposed, depthwise, grouped, pointwise, dense-k3 (dense, stride 1,
     * kernel 3 or 1 per dimension with at most two 3s: what Winograd F(4,3) computes), dense; with {@code :tf32}
     * appended for TF32 precision, whose best plan may differ.
     */
    public static String layerClass(ConvSpec s) {
        return s.precision() == Precision.TF32 ? shapeClass(s) + ":tf32" : shapeClass(s);
    }

    /**
     * The tuning key of exactly this layer (shape, batch included, and every parameter but the precision), with
     * {@code :tf32} appended for TF32 like {@link #layerClass}: what `convcl tune` measured best on this very layer
     * serves it before its class's plan, which must serve all the class's layers.
     */
    public static String layerKey(ConvSpec s) {
        return s.precision() == Precision.TF32 ? layerShape(s) + ":tf32" : layerShape(s);
    }

    /** "layer " and the spec as it prints, without its precision. */
    private static String layerShape(ConvSpec s) {
        return "layer " + s.shapeKey();
    }

    /**
     * The keys whose tuned plan serves {@code s}, most specific first: the layer itself ({@link #layerKey}, its epilogue
     * included), then the same layer without its epilogue, then its class, then for TF32 the FP32 entries (an FP32 plan is exact enough for a TF32 call), then for dense-k3 the
     * dense class (tuning files from before it).
     */
    public static java.util.List<String> tuningClasses(ConvSpec s) {
        String shape = shapeClass(s);
        java.util.List<String> shapes = shape.equals(DENSE_K3) ? java.util.List.of(shape, "dense") : java.util.List.of(shape);
        java.util.List<String> classes = new java.util.ArrayList<>();
        if (s.precision() == Precision.TF32) {
            classes.add(layerKey(s));
        }
        classes.add(layerShape(s));
        if (!s.epilogue().isNone()) {
            // the epilogue changes the stores only: the bare layer's tuned plan serves it next
            classes.add(layerShape(s.withEpilogue(io.github.convcl.spec.Epilogue.NONE)));
        }
        for (String c : shapes) {
            if (s.precision() == Precision.TF32) {
                classes.add(c + ":tf32");
            }
            classes.add(c);
        }
        return classes;
    }

    /** {@link #tuningClasses(ConvSpec)} of a backward pass: each key with the pass appended (":backward-data"). */
    public static java.util.List<String> tuningClasses(ConvSpec s, Pass pass) {
        return pass == Pass.FORWARD ? tuningClasses(s) : tuningClasses(s).stream().map(k -> k + ":" + pass.id()).toList();
    }

    /** {@link #layerClass(ConvSpec)} of a pass: backward passes append it (":backward-weight"). */
    public static String layerClass(ConvSpec s, Pass pass) {
        return pass == Pass.FORWARD ? layerClass(s) : layerClass(s) + ":" + pass.id();
    }

    /** {@link #layerKey(ConvSpec)} of a pass: backward passes append it. */
    public static String layerKey(ConvSpec s, Pass pass) {
        return pass == Pass.FORWARD ? layerKey(s) : layerKey(s) + ":" + pass.id();
    }

    private static final String DENSE_K3 = "dense-k3";

    /** The layer class without the precision: transposed, depthwise, grouped, pointwise, dense-k3 or dense. */
    private static String shapeClass(ConvSpec s) {
        if (s.transposed()) {
            return "transposed";
        }
        if (s.inPerGroup() == 1) {
            return "depthwise";
        }
        if (s.groups() > 1) {
            return "grouped";
        }
        if (s.isPointwise()) {
            return "pointwise";
        }
        return winogradShaped(s, 4) ? DENSE_K3 : "dense";
    }

    /** Multiply-adds per output of one implicit-GEMM column: per residue class for a transposed layer. */
    static int gemmReduction(ConvSpec s) {
        long r = (long) s.inPerGroup() * s.kernelVolume();
        if (s.transposed()) {
            for (int st : s.stride()) {
                r /= st;
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, r);
    }

    /** The plan of the first of {@code keys} with a tuned plan that applies to {@code s}, else the default. */
    private static Plan openClPlan(ConvSpec s, java.util.List<String> keys, DeviceFacts device) {
        for (String c : keys) {
            Plan tuned = device.tuned().get(c);
            if (tuned != null) {
                boolean applies = applicable(s, device).stream().anyMatch(p -> p.algorithm() == tuned.algorithm() && p.tuning().equals(tuned.tuning()));
                return applies ? new Plan(tuned.algorithm(), tuned.tuning()) : defaultOpenClPlan(s, device);
            }
        }
        return defaultOpenClPlan(s, device);
    }

    private static Plan defaultOpenClPlan(ConvSpec s, DeviceFacts device) {
        if (s.transposed() && device.kind() == BackendKind.OPENCL_CPU) {
            return new Plan(Algorithm.CL_CPU_TILE_TRANSPOSED, cpuTile(s));
        }
        boolean depthwiseShaped = depthwiseShaped(s);
        if (device.kind() == BackendKind.OPENCL_CPU) {
            return depthwiseShaped ? Plan.of(Algorithm.CL_CPU_DEPTHWISE)
                    : clCpuTileFits(s) ? new Plan(Algorithm.CL_CPU_TILE, cpuTile(s)) : Plan.of(Algorithm.CL_DIRECT);
        }
        if (depthwiseShaped) {
            return Plan.of(Algorithm.CL_DEPTHWISE);
        }
        int reduction = gemmReduction(s);
        // Tensor cores by default only for TF32 calls: on the H100 the 3xTF32 kernels lost to the FMA ones in FP32
        // (docs/performance.md); `convcl tune` still offers them.
        if (device.tensorCores() == DeviceFacts.TensorCores.NATIVE && s.precision() == Precision.TF32 && s.groups() == 1
                && reduction >= Thresholds.CL_MMA_MIN_REDUCTION && s.outPerGroup() >= Thresholds.CL_MMA_MIN_OUT_CHANNELS
                && MMA_TILES.mmaWorkGroupSize() <= device.maxWorkGroupSize()) {
            return new Plan(Algorithm.CL_IMPLICIT_GEMM_TF32, MMA_TILES);
        }
        if (reduction >= Thresholds.CL_GEMM_MIN_REDUCTION && s.outPerGroup() >= Thresholds.CL_GEMM_MIN_OUT_PER_GROUP) {
            Tuning t = device.kind() != BackendKind.OPENCL_GPU ? CPU_TILES
                    : s.outPerGroup() <= GPU_NARROW_TILES.tm() ? GPU_NARROW_TILES : GPU_TILES;
            if (t.workGroupSize() <= device.maxWorkGroupSize()) {
                return new Plan(Algorithm.CL_IMPLICIT_GEMM, t);
            }
        }
        return Plan.of(s.transposed() ? Algorithm.CL_TRANSPOSED_GATHER : Algorithm.CL_DIRECT);
    }
}
