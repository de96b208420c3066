package io.github.convcl.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.convcl.ConvCL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How traces of one forward pass combine into a time per kind. */
class TraceTest {
    @Test
    void fastestPerKindSumsEachStepsMinimumUnderItsKind() {
        try (ConvCL cl = ConvCL.open("java")) {
            Trace first = Trace.timing(cl);
            Trace second = Trace.timing(cl);
            for (Trace t : List.of(first, second)) {
                t.step("conv 1x1", "a", () -> { });
                t.step("conv 1x1", "b", () -> { });
                t.step("max-pool", () -> { });
            }
            Map<String, Double> perKind = Trace.fastestPerKind(List.of(first, second));
            assertEquals(List.of("conv 1x1", "max-pool"), List.copyOf(perKind.keySet()));
            Map<String, Double> a = first.stepMillis();
            Map<String, Double> b = second.stepMillis();
            assertEquals(Math.min(a.get("a"), b.get("a")) + Math.min(a.get("b"), b.get("b")), perKind.get("conv 1x1"), 1e-12);
            assertEquals(Math.min(a.get("max-pool"), b.get("max-pool")), perKind.get("max-pool"), 1e-12);
            assertEquals(Map.of("a", "conv 1x1", "b", "conv 1x1", "max-pool", "max-pool"), first.stepKinds());
        }
    }
}
