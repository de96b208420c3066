// What the user asked for: a backend kind (or auto) and optionally a device by index or name.
package io.github.convcl.backend;

import io.github.convcl.plan.BackendKind;

import java.util.Locale;

/**
 * A backend choice: {@code auto}, or a kind with an optional device, written {@code kind[:device]} where
 * device is an index among that kind's devices or a case-insensitive part of the device name,
 * for example {@code opencl-gpu}, {@code opencl-gpu:1}, {@code opencl-cpu:pthread}, {@code java}.
 */
public record BackendRequest(BackendKind kind, String device) {
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

    @Override
    public String toString() {
        return isAuto() ? "auto" : kind.id() + (device == null ? "" : ":" + device);
    }
}
