// Counts of live OpenCL objects, so tests and soak runs can prove that nothing leaks.
package io.github.convcl.opencl;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Live OpenCL objects created by ConvCL, by kind; incremented on create, decremented on release. */
public final class ClCounters {
    /** The kinds of OpenCL object ConvCL owns. */
    public enum Kind { CONTEXT, QUEUE, PROGRAM, KERNEL, BUFFER }

    private static final Map<Kind, AtomicLong> LIVE = new EnumMap<>(Kind.class);

    static {
        for (Kind k : Kind.values()) {
            LIVE.put(k, new AtomicLong());
        }
    }

    private ClCounters() {
    }

    static void created(Kind k) {
        LIVE.get(k).incrementAndGet();
    }

    static void released(Kind k) {
        LIVE.get(k).decrementAndGet();
    }

    public static long live(Kind k) {
        return LIVE.get(k).get();
    }

    /** A snapshot of every counter. */
    public static Map<Kind, Long> snapshot() {
        Map<Kind, Long> m = new EnumMap<>(Kind.class);
        LIVE.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }
}
