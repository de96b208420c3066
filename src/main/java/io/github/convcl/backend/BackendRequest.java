// What the user asked for: a backend kind (or auto) and optionally a device by index or name.
package io.github.convcl.backend;

import java.util.Locale;

/**
 * A backend choice: {@code auto}, or a kind with an optional device, written {@code kind[:device]} where
 * device is an index among that kind's devices or a case-insensitive part of the device name,
 * for example {@code opencl-gpu}, {@code opencl-gpu:1}, {@code opencl-cpu:pthread}, {@code java}.
 */
public record BackendRequest(BackendKind kind, String device) {
    /** System property consulted by {@link #fromEnvironment()}. */
    public static final String PROPERTY = "convcl.backend";
    /** Environment variable consulted when the property is not set. */
    public static final String ENVIRONMENT = "CONVCL_BACKEND";

    public static final BackendRequest AUTO = new BackendRequest(null, null);

    public boolean isAuto() {
        return kind == null;
    }

    /** Parses {@code auto} or {@code kind[:device]}. */
    public static BackendRequest parse(String text) {
        if (text == null || text.isBlank() || text.trim().equalsIgnoreCase("auto")) {
            return AUTO;
        }
        String t = text.trim();
        int colon = t.indexOf(':');
        String kindPart = colon < 0 ? t : t.substring(0, colon);
        String devicePart = colon < 0 ? null : t.substring(colon + 1).trim();
        return new BackendRequest(BackendKind.parse(kindPart.toLowerCase(Locale.ROOT)),
                devicePart == null || devicePart.isEmpty() ? null : devicePart);
    }

    /** The property {@code convcl.backend}, else the variable {@code CONVCL_BACKEND}, else auto. */
    public static BackendRequest fromEnvironment() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return parse(p);
        }
        return parse(System.getenv(ENVIRONMENT));
    }

    /** Where this request came from, for the log line. */
    public static String source() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return "system property " + PROPERTY + "=" + p;
        }
        String e = System.getenv(ENVIRONMENT);
        return e != null && !e.isBlank() ? "environment " + ENVIRONMENT + "=" + e : "automatic choice";
    }

    @Override
    public String toString() {
        return isAuto() ? "auto" : kind.id() + (device == null ? "" : ":" + device);
    }
}
