// Per-kind timing of a network's forward pass.
package io.github.convcl.nn;

import io.github.convcl.ConvCL;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a forward pass reports its steps to: {@link #OFF} runs them back to back; a timing trace waits for the device
 * after each step and adds its time to the step's kind ("conv 1x1", "max-pool", ...), so that a network's time splits by
 * layer kind. Timing serialises the device work, so the whole pass is timed without it.
 */
public class Trace {
    /** Runs every step, measures nothing. */
    public static final Trace OFF = new Trace(null);

    private final ConvCL cl;
    private final Map<String, Long> nanos = new LinkedHashMap<>();
    private final Map<String, Long> steps = new LinkedHashMap<>();
    private final Map<String, String> kinds = new LinkedHashMap<>();

    private Trace(ConvCL cl) {
        this.cl = cl;
    }

    /** A trace that times every step on {@code cl}'s device. */
    public static Trace timing(ConvCL cl) {
        return new Trace(cl);
    }

    /** Runs {@code step}, of kind {@code kind}. */
    public void step(String kind, Runnable step) {
        step(kind, kind, step);
    }

    /** Runs {@code step}, of kind {@code kind}, named {@code name} (a module's name, as torchvision's). */
    public void step(String kind, String name, Runnable step) {
        if (cl == null) {
            step.run();
            return;
        }
        cl.finish();
        long t = System.nanoTime();
        step.run();
        cl.finish();
        long took = System.nanoTime() - t;
        nanos.merge(kind, took, Long::sum);
        steps.merge(name, took, Long::sum);
        kinds.put(name, kind);
    }

    /** Milliseconds per named step ("layer3.2.conv2 (conv 3x3)"), in the order they ran. */
    public Map<String, Double> stepMillis() {
        Map<String, Double> m = new LinkedHashMap<>();
        steps.forEach((k, v) -> m.put(k, v / 1e6));
        return m;
    }

    /** The kind of each named step ({@link #stepMillis}'s keys). */
    public Map<String, String> stepKinds() {
        return new LinkedHashMap<>(kinds);
    }

    /**
     * Milliseconds per kind from each named step's fastest time over {@code traces} of the same forward pass: the sum of
     * minima, which a single pass's time per kind is not on a shared machine (one slow step moves a whole kind).
     */
    public static Map<String, Double> fastestPerKind(Iterable<Trace> traces) {
        Map<String, String> kindOf = new LinkedHashMap<>();
        traces.forEach(t -> kindOf.putAll(t.kinds));
        Map<String, Double> perKind = new LinkedHashMap<>();
        fastestSteps(traces).forEach((name, ms) -> perKind.merge(kindOf.get(name), ms, Double::sum));
        return perKind;
    }

    /** Milliseconds per named step, each step's fastest over {@code traces} of the same forward pass, in the order they ran. */
    public static Map<String, Double> fastestSteps(Iterable<Trace> traces) {
        Map<String, Double> best = new LinkedHashMap<>();
        traces.forEach(t -> t.stepMillis().forEach((name, ms) -> best.merge(name, ms, Math::min)));
        return best;
    }

    /** Milliseconds per kind, in the order the kinds first ran. */
    public Map<String, Double> millis() {
        Map<String, Double> m = new LinkedHashMap<>();
        nanos.forEach((k, v) -> m.put(k, v / 1e6));
        return m;
    }
}
