// The three kinds of device a plan is made for, and the names users give their backends.
package io.github.convcl.plan;

import java.util.Locale;

/** The kinds of backend, in the order the runtime prefers them. */
public enum BackendKind {
    OPENCL_GPU("opencl-gpu"),
    OPENCL_CPU("opencl-cpu"),
    JAVA("java");

    private final String id;

    BackendKind(String id) {
        this.id = id;
    }

    /** The name used by {@code convcl.backend}, {@code CONVCL_BACKEND} and {@code --backend}. */
    public String id() {
        return id;
    }

    public boolean isOpenCl() {
        return this != JAVA;
    }

    /** Parses {@code opencl-gpu}, {@code opencl-cpu} or {@code java}. */
    public static BackendKind parse(String id) {
        String t = id.trim().toLowerCase(Locale.ROOT);
        for (BackendKind k : values()) {
            if (k.id.equals(t)) {
                return k;
            }
        }
        throw new IllegalArgumentException("backend=" + id + " is not one of opencl-gpu, opencl-cpu, java");
    }
}
