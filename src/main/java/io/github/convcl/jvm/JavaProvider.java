// Offers the pure-Java backend, which is always available.
package io.github.convcl.jvm;

import io.github.convcl.backend.BackendProvider;
import io.github.convcl.backend.Candidate;
import java.util.List;

/** The pure-Java backend as a candidate. */
public final class JavaProvider implements BackendProvider {
    @Override
    public List<Candidate> candidates() {
        return List.of(Candidate.java("Java " + Runtime.version().feature() + ", " + Runtime.getRuntime().availableProcessors() + " cores"
                + (Gemm.VECTOR ? "" : ", portable kernels"), JavaBackend::new, Gemm.VECTOR));
    }
}
