// What the runtime does when a device fails on valid work.
package io.github.convcl;

/**
 * The runtime's answer to a device fault (a kernel build failure, CL_OUT_OF_RESOURCES on enqueue, an
 * allocation failing at first use): either finish the call on the Java backend with one WARN naming the cause
 * (the default), or throw a {@link io.github.convcl.backend.DeviceFaultException}. Either way the runtime stays usable.
 */
public enum FaultPolicy {
    FALLBACK_TO_JAVA,
    FAIL
}
