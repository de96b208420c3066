// Which pass of a convolution a plan computes: forward, or one of the gradients training needs.
package io.github.convcl.spec;

/**
 * The propagation a plan computes for a {@link ConvSpec}, as oneDNN's propagation kinds and cuDNN's forward,
 * backward-data and backward-filter: the output, grad_input from grad_output, or grad_weight from the input and
 * grad_output. (grad_bias is a plain reduction and takes no plan.)
 */
public enum Pass {
    FORWARD("forward"),
    BACKWARD_DATA("backward-data"),
    BACKWARD_WEIGHT("backward-weight");

    private final String id;

    Pass(String id) {
        this.id = id;
    }

    /** The name the CLI, the tuning file and the benchmark scripts use: forward, backward-data, backward-weight. */
    public String id() {
        return id;
    }

    /** @throws IllegalArgumentException naming the value and the accepted ones */
    public static Pass parse(String text) {
        for (Pass p : values()) {
            if (p.id.equals(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException("pass '" + text + "' is not one of forward, backward-data, backward-weight");
    }
}
