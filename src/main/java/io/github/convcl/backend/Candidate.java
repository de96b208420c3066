// One backend the runtime could use, whether it can run, and if not, why.
package io.github.convcl.backend;

import io.github.convcl.plan.BackendKind;

import io.github.convcl.config.Settings;
import java.util.function.Function;

/**
 * A backend on offer: its kind, the device it would run on, and either a way to open it or the reason it
 * cannot run ({@code unavailabilityCause}, like Netty's {@code OpenSsl.unavailabilityCause()}).
 */
public record Candidate(BackendKind kind, String device, String unavailabilityCause, Function<Settings, Backend> opener, boolean vectorKernels) {

    public static Candidate available(BackendKind kind, String device, Function<Settings, Backend> opener) {
        return new Candidate(kind, device, null, opener, false);
    }

    /**
     * The Java backend as a candidate; {@code vectorKernels} when its Vector API kernels run in this JVM (then it is
     * preferred to an OpenCL CPU device, see {@link BackendSelector}).
     */
    public static Candidate java(String device, Function<Settings, Backend> opener, boolean vectorKernels) {
        return new Candidate(BackendKind.JAVA, device, null, opener, vectorKernels);
    }

    public static Candidate unavailable(BackendKind kind, String cause) {
        return new Candidate(kind, "none", cause, null, false);
    }

    public boolean isAvailable() {
        return unavailabilityCause == null;
    }

    /** Opens the backend with {@code settings}; only for available candidates. */
    public Backend open(Settings settings) {
        if (!isAvailable()) {
            throw new BackendUnavailableException(kind.id() + " is unavailable: " + unavailabilityCause);
        }
        return opener.apply(settings);
    }

    @Override
    public String toString() {
        return kind.id() + " (" + (isAvailable() ? device : "unavailable: " + unavailabilityCause) + ")";
    }
}
