// The parameters a plan's family takes beyond the tile sizes: one typed record per family.
package io.github.convcl.plan;

/**
 * What a plan fixes beyond its algorithm and {@link Tuning}: {@link JavaDirect} for the Java direct GEMM,
 * {@link JavaDepthwise} for the Java depthwise kernel, {@link ClGemm} for OpenCL's implicit GEMM, {@link ClWeightSplit}
 * for OpenCL's grad_weight GEMM, and {@link #DEFAULT}
 * for the families that take nothing more. A plan handed to the planner with {@code DEFAULT} where its family takes
 * parameters asks the planner to choose them.
 */
public sealed interface Variant permits Variant.Default, JavaDirect, JavaDepthwise, ClGemm, ClWeightSplit {
    /** No parameters, or: the planner chooses them. */
    Default DEFAULT = new Default();

    /** The choice this variant makes, without the sizes the planner derives from it (what forcing a plan names). */
    Variant choice();

    /** See {@link #DEFAULT}. */
    record Default() implements Variant {
        @Override
        public Variant choice() {
            return this;
        }

        @Override
        public String toString() {
            return "";
        }
    }
}
