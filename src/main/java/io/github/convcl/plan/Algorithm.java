// Every way ConvCL can compute a convolution; the planner picks one per shape and device.
package io.github.convcl.plan;

/** The algorithms, by backend. */
public enum Algorithm {
    /** Java: im2col of a column tile, then a blocked matrix product. Handles every convolution. */
    JAVA_IM2COL_GEMM("im2col+gemm"),
    /**
     * Java: the input copied once with its padding; the unfolded rows read in place (stride 1) or gathered
     * through a table of output positions (strided), per 16-column panel, no im2col.
     */
    JAVA_DIRECT_GEMM("direct gemm"),
    /** Java: 1x1, stride 1, no padding: the input is already the right-hand matrix. */
    JAVA_POINTWISE_GEMM("pointwise gemm"),
    /** Java: one filter per input channel (depthwise, with channel multiplier), direct loops. */
    JAVA_DEPTHWISE("depthwise direct"),
    /** Java: transposed convolution as W^T x X then col2im, split by output channels so writes never conflict. */
    JAVA_TRANSPOSED_GEMM("gemm+col2im"),
    /** OpenCL: one work-item per output element; handles every convolution and padding mode. */
    CL_DIRECT("direct"),
    /** OpenCL: transposed convolution as a gather per output element, no atomics. */
    CL_TRANSPOSED_GATHER("transposed gather"),
    /** OpenCL: implicit GEMM with register and local-memory tiles. */
    CL_IMPLICIT_GEMM("implicit gemm"),
    /** OpenCL on CPUs: padded input, each work-item CO output channels x 8 positions in float8 registers. */
    CL_CPU_TILE("cpu tile"),
    /** OpenCL on CPUs: transposed convolution by output residue class, float8 x CO register tiles, no atomics. */
    CL_CPU_TILE_TRANSPOSED("cpu tile transposed"),
    /** OpenCL: depthwise direct kernel, each work-item a row segment of one channel. */
    CL_DEPTHWISE("depthwise");

    private final String label;

    Algorithm(String label) {
        this.label = label;
    }

    /** A short name for tables. */
    public String label() {
        return label;
    }
}
