// The self-check of `convcl devices`: small layers of every kind on a backend's plans against the float64 reference.
package io.github.convcl.golden;

import io.github.convcl.backend.Backend;
import io.github.convcl.jvm.Reference;
import io.github.convcl.plan.Plan;
import io.github.convcl.spec.ConvSpec;
import io.github.convcl.spec.Padding;
import io.github.convcl.spec.PaddingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/** Runs {@link #layers()} on the plans a backend offers and compares each with the float64 reference. */
public final class SelfCheck {
    /** Relative tolerance of the check: golden's, for layers this small. */
    private static final double TOLERANCE = 1e-4;

    private SelfCheck() {
    }

    /** One pass/fail line of the check. */
    public record Check(String what, boolean passed, String detail) {
    }

    /** Small layers of every kind the kernels serve. */
    public static List<ConvSpec> layers() {
        return List.of(
                ConvSpec.conv(1).input(2, 3, 17).outChannels(4).kernel(3).padding(1).build(),
                ConvSpec.conv(2).input(2, 8, 9, 11).outChannels(16).kernel(3).padding(1).build(),
                ConvSpec.conv(2).input(1, 16, 8, 8).outChannels(32).kernel(1).bias(false).build(),
                ConvSpec.conv(2).input(1, 8, 13, 13).outChannels(8).kernel(3).stride(2).dilation(2).padding(2).groups(4).build(),
                ConvSpec.conv(2).input(1, 6, 10, 10).outChannels(12).kernel(3).padding(1).groups(6).build(),
                ConvSpec.conv(2).input(1, 3, 8, 8).outChannels(4).kernel(3).padding(Padding.same()).paddingMode(PaddingMode.REFLECT).build(),
                ConvSpec.conv(3).input(1, 4, 5, 6, 7).outChannels(8).kernel(3).padding(1).build(),
                ConvSpec.convTranspose(1).input(1, 4, 9).outChannels(3).kernel(3).stride(2).padding(1).outputPadding(1).build(),
                ConvSpec.convTranspose(2).input(1, 8, 6, 6).outChannels(4).kernel(4).stride(2).padding(1).build(),
                ConvSpec.convTranspose(3).input(1, 4, 3, 4, 5).outChannels(2).kernel(2).stride(2).build());
    }

    /**
     * Each layer on each plan {@code plans} gives for it, on {@code backend}; a plan that throws is a failed line with
     * its message ({@code firstLine} shortens it).
     */
    public static List<Check> run(Backend backend, Function<ConvSpec, List<Plan>> plans, Function<String, String> firstLine) {
        List<Check> checks = new ArrayList<>();
        RandomSpecs data = new RandomSpecs(5, 1);
        for (ConvSpec s : layers()) {
            float[] x = data.data(s.inputElements());
            float[] w = data.data(s.weightElements());
            float[] bias = s.hasBias() ? data.data(s.outChannels()) : null;
            float[] ref = Reference.toFloat(Reference.convolve(s, x, w, bias));
            for (Plan p : plans.apply(s)) {
                String what = s.op() + " " + Arrays.toString(s.kernel()) + (s.groups() > 1 ? " groups=" + s.groups() : "") + " with " + p;
                try {
                    float[] y = backend.convolveArrays(s, p, x, w, bias);
                    GoldenRunner.Result res = GoldenRunner.compare(what, y, ref, TOLERANCE);
                    checks.add(new Check(what, res.passed(), res.detail()));
                } catch (RuntimeException e) {
                    checks.add(new Check(what, false, firstLine.apply(e.getMessage())));
                }
            }
        }
        return checks;
    }
}
