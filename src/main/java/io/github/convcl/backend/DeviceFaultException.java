// A device failed while running work that was valid: a build failure, out of resources, a failed allocation.
package io.github.convcl.backend;

/**
 * The device could not run valid work (kernel build failure, CL_OUT_OF_RESOURCES, an allocation failing at
 * first use). The runtime's fault policy decides whether the call completes on the Java backend.
 */
public class DeviceFaultException extends RuntimeException {
    public DeviceFaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
