// The planner: a pure function from (spec, device facts) to a plan.
package io.github.convcl.plan;

import io.github.convcl.backend.BackendKind;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.PaddingMode;

/** Maps a convolution and a device to the algorithm and tile parameters that run it. Pure: no I/O, no state. */
public final class Planner {
    /** Default tiles for GPUs and for CPU OpenCL devices. */
    public static final Tuning GPU_TILES = new Tuning(64, 64, 16, 4, 4);
    public static final Tuning CPU_TILES = new Tuning(32, 64, 16, 4, 8);
    /** Implicit-GEMM tilings `convcl tune` searches on GPUs (and the tests run on every OpenCL device). */
    public static final java.util.List<Tuning> GEMM_TILE_CANDIDATES = java.util.List.of(GPU_TILES, CPU_TILES,
            new Tuning(128, 64, 8, 8, 4), new Tuning(64, 128, 8, 4, 8), new Tuning(128, 128, 8, 8, 8));
    /**
     * The CPU tile kernels: {@code tm} output channels per work-item (CO), {@code tn} positions (VN = tn/8).
     * Measured on PoCL 3.1 (2 EPYC cores): VN=2 ran slower than VN=1 (resnet3x3 19.4 against 29.0 GFLOP/s),
     * so the defaults take one float8 per work-item.
     */
    public static final Tuning CPU_TILE_8 = new Tuning(8, 8, 1, 8, 8);
    public static final Tuning CPU_TILE_4 = new Tuning(4, 8, 1, 4, 8);
    public static final Tuning CPU_TILE_1 = new Tuning(1, 8, 1, 1, 8);

    private Planner() {
    }

    public static Plan plan(ConvSpec spec, DeviceFacts device) {
        if (device.kind() == BackendKind.JAVA) {
            return Plan.of(javaAlgorithm(spec));
        }
        return openClPlan(spec, device);
    }

    /**
     * Every plan that can run {@code spec} correctly on {@code device}, whether or not it is the fastest:
     * what tests force and what a tuner searches (Arm Compute Library's validate(), as a list).
     */
    public static java.util.List<Plan> applicable(ConvSpec s, DeviceFacts device) {
        java.util.List<Plan> plans = new java.util.ArrayList<>();
        boolean depthwiseShaped = !s.transposed() && s.inPerGroup() == 1 && s.paddingMode() == PaddingMode.ZEROS;
        if (device.kind() == BackendKind.JAVA) {
            if (s.transposed()) {
                plans.add(Plan.of(Algorithm.JAVA_TRANSPOSED_GEMM));
                return plans;
            }
            plans.add(Plan.of(Algorithm.JAVA_IM2COL_GEMM));
            plans.add(Plan.of(Algorithm.JAVA_DIRECT_GEMM));
            if (s.isPointwise()) {
                plans.add(Plan.of(Algorithm.JAVA_POINTWISE_GEMM));
            }
            if (depthwiseShaped) {
                plans.add(Plan.of(Algorithm.JAVA_DEPTHWISE));
            }
            return plans;
        }
        if (s.transposed()) {
            plans.add(Plan.of(Algorithm.CL_TRANSPOSED_GATHER));
            for (Tuning t : java.util.List.of(CPU_TILE_8, CPU_TILE_4, CPU_TILE_1)) {
                plans.add(new Plan(Algorithm.CL_CPU_TILE_TRANSPOSED, t));
            }
            return plans;
        }
        plans.add(Plan.of(Algorithm.CL_DIRECT));
        plans.add(new Plan(Algorithm.CL_CPU_TILE, CPU_TILE_8));
        plans.add(new Plan(Algorithm.CL_CPU_TILE, CPU_TILE_4));
        plans.add(new Plan(Algorithm.CL_CPU_TILE, CPU_TILE_1));
        for (Tuning t : GEMM_TILE_CANDIDATES) {
            if (t.isValidGemmTiling() && t.workGroupSize() <= device.maxWorkGroupSize()) {
                plans.add(new Plan(Algorithm.CL_IMPLICIT_GEMM, t));
            }
        }
        if (depthwiseShaped) {
            plans.add(Plan.of(Algorithm.CL_DEPTHWISE));
        }
        return plans;
    }

    private static Algorithm javaAlgorithm(ConvSpec s) {
        if (s.transposed()) {
            return Algorithm.JAVA_TRANSPOSED_GEMM;
        }
        if (s.inPerGroup() == 1 && s.paddingMode() == PaddingMode.ZEROS && s.kernelVolume() > 1) {
            return Algorithm.JAVA_DEPTHWISE;
        }
        if (s.isPointwise()) {
            return Algorithm.JAVA_POINTWISE_GEMM;
        }
        return Algorithm.JAVA_DIRECT_GEMM;
    }

    private static Tuning cpuTile(ConvSpec s) {
        return s.outPerGroup() >= 8 ? CPU_TILE_8 : s.outPerGroup() >= 4 ? CPU_TILE_4 : CPU_TILE_1;
    }

    /** The layer classes tuning is stored by: transposed, depthwise, grouped, pointwise, dense. */
    public static String layerClass(ConvSpec s) {
        if (s.transposed()) {
            return "transposed";
        }
        if (s.inPerGroup() == 1) {
            return "depthwise";
        }
        if (s.groups() > 1) {
            return "grouped";
        }
        return s.isPointwise() ? "pointwise" : "dense";
    }

    private static Plan openClPlan(ConvSpec s, DeviceFacts device) {
        Plan tuned = device.tuned().get(layerClass(s));
        if (tuned != null && applicable(s, device).contains(tuned)) {
            return tuned;
        }
        return defaultOpenClPlan(s, device);
    }

    private static Plan defaultOpenClPlan(ConvSpec s, DeviceFacts device) {
        if (s.transposed() && device.kind() == BackendKind.OPENCL_CPU) {
            return new Plan(Algorithm.CL_CPU_TILE_TRANSPOSED, cpuTile(s));
        }
        if (s.transposed()) {
            return Plan.of(Algorithm.CL_TRANSPOSED_GATHER);
        }
        if (device.kind() == BackendKind.OPENCL_CPU) {
            return new Plan(Algorithm.CL_CPU_TILE, cpuTile(s));
        }
        if (s.inPerGroup() == 1 && s.paddingMode() == PaddingMode.ZEROS) {
            return Plan.of(Algorithm.CL_DEPTHWISE);
        }
        int reduction = s.inPerGroup() * s.kernelVolume();
        if (reduction >= Thresholds.CL_GEMM_MIN_REDUCTION && s.outPerGroup() >= Thresholds.CL_GEMM_MIN_OUT_PER_GROUP) {
            Tuning t = device.kind() == BackendKind.OPENCL_GPU ? GPU_TILES : CPU_TILES;
            if (t.workGroupSize() <= device.maxWorkGroupSize()) {
                return new Plan(Algorithm.CL_IMPLICIT_GEMM, t);
            }
        }
        return Plan.of(Algorithm.CL_DIRECT);
    }
}
