// The planner's answer: an algorithm and, for OpenCL, the tile parameters it is built with.
package io.github.convcl.plan;

/** An algorithm with its tuned parameters; {@code tuning} is empty for algorithms that take none. */
public record Plan(Algorithm algorithm, Tuning tuning) {
    public static Plan of(Algorithm a) {
        return new Plan(a, Tuning.NONE);
    }

    @Override
    public String toString() {
        return tuning == Tuning.NONE ? algorithm.label() : algorithm.label() + " " + tuning;
    }
}
