// What the planner needs to know about a device: the pure inputs of its decision.
package io.github.convcl.plan;

import io.github.convcl.backend.BackendKind;

/** The facts about a device the planner decides on. */
public record DeviceFacts(BackendKind kind, String vendor, String name, int computeUnits, long localMemoryBytes, int maxWorkGroupSize) {

    /** The facts of the pure-Java backend on this JVM. */
    public static DeviceFacts java() {
        return new DeviceFacts(BackendKind.JAVA, "JVM", "java", Runtime.getRuntime().availableProcessors(), 0, 1);
    }
}
