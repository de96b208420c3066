// The scalars of one Adam update, with PyTorch's torch.optim.Adam semantics.
package io.github.convcl.spec;

/**
 * One step of Adam (Kingma and Ba), as {@code torch.optim.Adam} without amsgrad: with {@code g = grad + weightDecay *
 * param}, {@code m = beta1 m + (1 - beta1) g}, {@code v = beta2 v + (1 - beta2) g^2}, then {@code param -= lr / (1 -
 * beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)}, for step number {@code t} counted from 1.
 *
 * @param step the step number t, from 1
 */
public record AdamStep(double lr, double beta1, double beta2, double eps, double weightDecay, long step) {
    /** @throws IllegalArgumentException naming the hyper-parameter and its value for anything PyTorch refuses */
    public AdamStep {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("Invalid learning rate: " + lr);
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("Invalid epsilon value: " + eps);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("Invalid beta parameter at index 0: " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Invalid beta parameter at index 1: " + beta2);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("Invalid weight_decay value: " + weightDecay);
        }
        if (step < 1) {
            throw new IllegalArgumentException("Adam step " + step + " must count from 1");
        }
    }

    /** PyTorch's defaults (betas 0.9, 0.999, eps 1e-8, no weight decay) at learning rate {@code lr}, step 1. */
    public static AdamStep defaults(double lr) {
        return new AdamStep(lr, 0.9, 0.999, 1e-8, 0, 1);
    }

    /** The same hyper-parameters at step {@code t}. */
    public AdamStep at(long t) {
        return new AdamStep(lr, beta1, beta2, eps, weightDecay, t);
    }

    /** {@code lr / (1 - beta1^t)}: the step size of the bias-corrected first moment. */
    public double stepSize() {
        return lr / (1 - Math.pow(beta1, step));
    }

    /** {@code sqrt(1 - beta2^t)}: the second moment's bias correction, under the square root. */
    public double secondCorrection() {
        return Math.sqrt(1 - Math.pow(beta2, step));
    }
}
