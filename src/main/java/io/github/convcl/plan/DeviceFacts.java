// What the planner needs to know about a device: the pure inputs of its decision.
package io.github.convcl.plan;

import io.github.convcl.config.Settings;

/**
 * The facts about a device the planner decides on, with the plans `convcl tune` measured best for it, per layer
 * class. {@code computeCapability} is NVIDIA's (major*10 + minor, 0 when unknown or not NVIDIA). For the Java
 * backend {@code computeUnits} is its thread count and {@code vectorLanes} the floats of its vectors (0: the portable
 * kernels); {@code javaChoices} and {@code gemmChoices} are the settings' forced choices (see {@link Settings}).
 */
public record DeviceFacts(BackendKind kind, String vendor, String name, int computeUnits, long localMemoryBytes, int maxWorkGroupSize,
                          int computeCapability, TensorCores tensorCores, java.util.Map<String, Plan> tuned, int vectorLanes,
                          Settings.JavaChoices javaChoices, Settings.GemmChoices gemmChoices) {

    /** How a device runs the tensor-core kernels. */
    public enum TensorCores {
        /** Never: the planner offers no tensor-core plan. */
        NONE,
        /**
         * Through OpenCL C that reproduces mma.sync's fragment layout in local memory: offered to tests and
         * {@code verify --all-plans} on CPU devices, never chosen by the planner.
         */
        EMULATED,
        /** Inline PTX mma.sync on an NVIDIA GPU of compute capability 8.0 or later. */
        NATIVE
    }

    public DeviceFacts(BackendKind kind, String vendor, String name, int computeUnits, long localMemoryBytes, int maxWorkGroupSize) {
        this(kind, vendor, name, computeUnits, localMemoryBytes, maxWorkGroupSize, 0, TensorCores.NONE, java.util.Map.of());
    }

    public DeviceFacts(BackendKind kind, String vendor, String name, int computeUnits, long localMemoryBytes, int maxWorkGroupSize,
                       int computeCapability, TensorCores tensorCores, java.util.Map<String, Plan> tuned) {
        this(kind, vendor, name, computeUnits, localMemoryBytes, maxWorkGroupSize, computeCapability, tensorCores, tuned, 0,
                Settings.JavaChoices.PLANNER, Settings.GemmChoices.PLANNER);
    }

    /** The facts of a pure-Java backend with one thread per core and the portable kernels. */
    public static DeviceFacts java() {
        return java(Runtime.getRuntime().availableProcessors(), 0, Settings.JavaChoices.PLANNER);
    }

    /** The facts of a pure-Java backend on {@code threads} threads with vectors of {@code vectorLanes} floats. */
    public static DeviceFacts java(int threads, int vectorLanes, Settings.JavaChoices choices) {
        return new DeviceFacts(BackendKind.JAVA, "JVM", "java", threads, 0, 1, 0, TensorCores.NONE, java.util.Map.of(), vectorLanes,
                choices, Settings.GemmChoices.PLANNER);
    }

    /** The same device with the settings' forced OpenCL GEMM choices. */
    public DeviceFacts withGemm(Settings.GemmChoices choices) {
        return new DeviceFacts(kind, vendor, name, computeUnits, localMemoryBytes, maxWorkGroupSize, computeCapability, tensorCores, tuned,
                vectorLanes, javaChoices, choices);
    }

    /** The same device with tuned plans per layer class (see {@link Planner#layerClass}). */
    public DeviceFacts withTuned(java.util.Map<String, Plan> plans) {
        return new DeviceFacts(kind, vendor, name, computeUnits, localMemoryBytes, maxWorkGroupSize, computeCapability, tensorCores,
                java.util.Map.copyOf(plans), vectorLanes, javaChoices, gemmChoices);
    }

    /** The same device with another tensor-core support (a refused PTX build turns NATIVE into NONE). */
    public DeviceFacts withTensorCores(TensorCores t) {
        return new DeviceFacts(kind, vendor, name, computeUnits, localMemoryBytes, maxWorkGroupSize, computeCapability, t, tuned,
                vectorLanes, javaChoices, gemmChoices);
    }

    /** An NVIDIA GPU's facts with its compute capability, tensor cores from 8.0 on. */
    public static DeviceFacts nvidia(String name, int computeUnits, long localMemoryBytes, int maxWorkGroupSize, int computeCapability) {
        return new DeviceFacts(BackendKind.OPENCL_GPU, "NVIDIA Corporation", name, computeUnits, localMemoryBytes, maxWorkGroupSize,
                computeCapability, computeCapability >= 80 ? TensorCores.NATIVE : TensorCores.NONE, java.util.Map.of());
    }
}
