// The planner's answer: an algorithm, the tiles it is built with, and its family's parameters.
package io.github.convcl.plan;

import io.github.convcl.spec.Pass;

/**
 * An algorithm with its tuned tiles ({@code tuning}: {@link Tuning#NONE} for algorithms that take none), its
 * family's parameters ({@code variant}: {@link Variant#DEFAULT} for families that take none) and the {@link Pass} it
 * computes. Every decision that changes what runs is in here: the launchers and kernels execute a plan and decide
 * nothing. A backward-data plan is a forward plan of the adjoint convolution ({@link io.github.convcl.spec.Adjoint}),
 * marked with its pass; a backward-weight plan names one of the weight-gradient algorithms.
 */
public record Plan(Algorithm algorithm, Tuning tuning, Variant variant, Pass pass) {
    public Plan(Algorithm algorithm, Tuning tuning, Variant variant) {
        this(algorithm, tuning, variant, algorithm.family().pass());
    }

    public Plan(Algorithm algorithm, Tuning tuning) {
        this(algorithm, tuning, Variant.DEFAULT);
    }

    public static Plan of(Algorithm a) {
        return new Plan(a, Tuning.NONE);
    }

    /** This plan with another variant. */
    public Plan with(Variant v) {
        return new Plan(algorithm, tuning, v, pass);
    }

    /** This plan computing {@code p}: how a forward plan of the adjoint becomes a backward-data plan, and back. */
    public Plan forPass(Pass p) {
        return new Plan(algorithm, tuning, variant, p);
    }

    /** The algorithm and tiles alone, as the tuning file keeps a plan (the planner gives it its variant). */
    public Plan tiles() {
        return new Plan(algorithm, tuning, Variant.DEFAULT, pass);
    }

    /** What forcing this plan names: the pass, the algorithm, the tiles and the variant's choice without derived sizes. */
    public Plan choice() {
        return new Plan(algorithm, tuning, variant.choice(), pass);
    }

    @Override
    public String toString() {
        String s = tuning == Tuning.NONE ? algorithm.label() : algorithm.label() + " " + tuning;
        String v = variant.toString();
        String plan = v.isEmpty() ? s : s + " [" + v + "]";
        return pass == Pass.BACKWARD_DATA ? "grad_input: " + plan : plan;
    }
}
