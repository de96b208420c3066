// The library version, part of every program-cache key.
package io.github.convcl;

/** ConvCL's version. */
public final class Version {
    /** Kept in step with the pom's version. */
    public static final String VERSION = "0.1.0";

    private Version() {
    }
}
