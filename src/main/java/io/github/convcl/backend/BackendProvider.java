// A source of backend candidates, found with ServiceLoader.
package io.github.convcl.backend;

import java.util.List;

/** Offers the backends of one technology (OpenCL, Java); registered in META-INF/services. */
public interface BackendProvider {
    /** Every candidate this provider knows of, available or not, in preference order within each kind. */
    List<Candidate> candidates();
}
