// What the planner needs to know about a device: the pure inputs of its decision.
package io.github.convcl.plan;

import io.github.convcl.backend.BackendKind;

/** The facts about a device the planner decides on, with the plans `convcl tune` measured best for it, per layer class. */
public record DeviceFacts(BackendKind kind, String vendor, String name, int computeUnits, long localMemoryBytes, int maxWorkGroupSize,
                          java.util.Map<String, Plan> tuned) {

    public DeviceFacts(BackendKind kind, String vendor, String name, int computeUnits, long localMemoryBytes, int maxWorkGroupSize) {
        this(kind, vendor, name, computeUnits, localMemoryBytes, maxWorkGroupSize, java.util.Map.of());
    }

    /** The facts of the pure-Java backend on this JVM. */
    public static DeviceFacts java() {
        return new DeviceFacts(BackendKind.JAVA, "JVM", "java", Runtime.getRuntime().availableProcessors(), 0, 1);
    }

    /** The same device with tuned plans per layer class (see {@link Planner#layerClass}). */
    public DeviceFacts withTuned(java.util.Map<String, Plan> plans) {
        return new DeviceFacts(kind, vendor, name, computeUnits, localMemoryBytes, maxWorkGroupSize, java.util.Map.copyOf(plans));
    }
}
