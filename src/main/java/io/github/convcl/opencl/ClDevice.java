// The facts of one OpenCL device that ConvCL uses and the devices command prints.
package io.github.convcl.opencl;

import io.github.convcl.plan.BackendKind;
import io.github.convcl.plan.DeviceFacts;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** One OpenCL device with its platform, read once through clGetDeviceInfo. */
public record ClDevice(
        int platformIndex, String platformName, String platformVendor, String platformVersion,
        int deviceIndex, String name, String vendor, String deviceVersion, String driverVersion, String openClCVersion,
        String type, int computeUnits, int maxClockMHz, long globalMemoryBytes, long maxAllocationBytes,
        long localMemoryBytes, long maxWorkGroupSize, boolean fp64, boolean fp16, boolean subGroups,
        Boolean kernelExecTimeout, String nvidiaComputeCapability, String extensions,
        cl_platform_id platform, cl_device_id id) {

    /** GPUs and accelerators are {@code opencl-gpu}; everything else {@code opencl-cpu}. */
    public BackendKind kind() {
        return type.contains("GPU") || type.contains("ACCELERATOR") ? BackendKind.OPENCL_GPU : BackendKind.OPENCL_CPU;
    }

    public boolean isNvidia() {
        return vendor.toUpperCase(java.util.Locale.ROOT).contains("NVIDIA");
    }

    /** "name (platform)" for logs. */
    public String label() {
        return name + " (" + platformName + ", platform " + platformIndex + ")";
    }

    /** The planner's view of this device, without tuned plans, with the default tensor-core setting. */
    public DeviceFacts facts() {
        return facts("auto");
    }

    /** The planner's view of this device, without tuned plans; {@code tensorCores} as {@link #tensorCores(String)}. */
    public DeviceFacts facts(String tensorCores) {
        return new DeviceFacts(kind(), vendor, name, computeUnits, localMemoryBytes, (int) Math.min(Integer.MAX_VALUE, maxWorkGroupSize),
                computeCapability(), tensorCores(tensorCores), java.util.Map.of());
    }

    /** NVIDIA's compute capability as major*10 + minor (90 for the H100); 0 when the device does not report one. */
    public int computeCapability() {
        if (nvidiaComputeCapability == null) {
            return 0;
        }
        String[] parts = nvidiaComputeCapability.trim().split("\\.");
        try {
            return Integer.parseInt(parts[0]) * 10 + (parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Native tensor cores on NVIDIA GPUs of compute capability 8.0 or later; the emulated kernels (for tests) on CPU
     * devices; none elsewhere, for the setting {@code auto}. {@code off} turns both off; {@code native} claims native
     * tensor cores on any device (to check that a compiler refusing the PTX falls back).
     */
    public DeviceFacts.TensorCores tensorCores(String setting) {
        if ("off".equalsIgnoreCase(setting)) {
            return DeviceFacts.TensorCores.NONE;
        }
        if ("native".equalsIgnoreCase(setting)) {
            return DeviceFacts.TensorCores.NATIVE;
        }
        if (isNvidia() && kind() == BackendKind.OPENCL_GPU && computeCapability() >= 80) {
            return DeviceFacts.TensorCores.NATIVE;
        }
        return kind() == BackendKind.OPENCL_CPU ? DeviceFacts.TensorCores.EMULATED : DeviceFacts.TensorCores.NONE;
    }

    /**
     * Theoretical FP32 GFLOP/s where the lanes per compute unit are known: NVIDIA 128 per SM (sm_80+ has 64 on
     * A100 only, so the figure is an upper bound there), AMD 64 per CU, CPUs 16 (AVX2 with two FMA units).
     * Empty when unknown.
     */
    public java.util.OptionalDouble peakGflops() {
        int lanes;
        if (isNvidia()) {
            lanes = 128;
        } else if (vendor.toUpperCase(java.util.Locale.ROOT).contains("AMD") && kind() == BackendKind.OPENCL_GPU) {
            lanes = 64;
        } else if (kind() == BackendKind.OPENCL_CPU) {
            lanes = 16;
        } else {
            return java.util.OptionalDouble.empty();
        }
        return java.util.OptionalDouble.of((double) computeUnits * lanes * 2 * maxClockMHz / 1000.0);
    }
}
