// Thrown when a backend that was asked for by name cannot run.
package io.github.convcl.backend;

/** A requested backend cannot run here; the message says why. */
public class BackendUnavailableException extends IllegalStateException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
