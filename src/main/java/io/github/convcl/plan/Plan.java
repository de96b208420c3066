// The planner's answer: an algorithm, the tiles it is built with, and its family's parameters.
package io.github.convcl.plan;

/**
 * An algorithm with its tuned tiles ({@code tuning}: {@link Tuning#NONE} for algorithms that take none) and its
 * family's parameters ({@code variant}: {@link Variant#DEFAULT} for families that take none). Every decision that
 * changes what runs is in here: the launchers and kernels execute a plan and decide nothing.
 */
public record Plan(Algorithm algorithm, Tuning tuning, Variant variant) {
    public Plan(Algorithm algorithm, Tuning tuning) {
        this(algorithm, tuning, Variant.DEFAULT);
    }

    public static Plan of(Algorithm a) {
        return new Plan(a, Tuning.NONE);
    }

    /** This plan with another variant. */
    public Plan with(Variant v) {
        return new Plan(algorithm, tuning, v);
    }

    /** The algorithm and tiles alone, as the tuning file keeps a plan (the planner gives it its variant). */
    public Plan tiles() {
        return new Plan(algorithm, tuning);
    }

    /** What forcing this plan names: the algorithm, the tiles and the variant's choice without derived sizes. */
    public Plan choice() {
        return new Plan(algorithm, tuning, variant.choice());
    }

    @Override
    public String toString() {
        String s = tuning == Tuning.NONE ? algorithm.label() : algorithm.label() + " " + tuning;
        String v = variant.toString();
        return v.isEmpty() ? s : s + " [" + v + "]";
    }
}
