// Where a network's parameters come from, by torchvision's module names.
package io.github.convcl.nn;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A network's parameters by name: {@code <module>.weight}, and for a convolution with a folded batch norm
 * {@code <module>.scale} and {@code <module>.shift} (torchvision's module names, as in {@code shared/golden-blocks}).
 */
public interface Weights {
    /**
     * The values of parameter {@code name}, of {@code shape}.
     *
     * @throws IllegalArgumentException when there is no such parameter or its size does not fit the shape
     */
    float[] get(String name, int... shape);

    /** The given arrays; their sizes are checked against the shapes asked for. */
    static Weights of(Map<String, float[]> arrays) {
        return (name, shape) -> {
            float[] a = arrays.get(name);
            if (a == null) {
                throw new IllegalArgumentException("no parameter " + name + " (shape " + Arrays.toString(shape) + ")");
            }
            long n = io.github.convcl.spec.Shapes.elements(name, shape);
            if (a.length != n) {
                throw new IllegalArgumentException("parameter " + name + " has " + a.length + " values, shape " + Arrays.toString(shape) + " needs " + n);
            }
            return a;
        };
    }

    /**
     * Random parameters, the same for the same seed and name: weights from He's normal distribution over the fan-in
     * (activations keep their scale through the layers), a folded batch norm's scale near 1 and shift near 0, biases
     * near 0. For timing and for comparing backends, not for predictions.
     */
    static Weights random(long seed) {
        return (name, shape) -> {
            int n = Math.toIntExact(io.github.convcl.spec.Shapes.elements(name, shape));
            SplittableRandom r = new SplittableRandom(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L);
            float[] a = new float[n];
            if (name.endsWith(".weight")) {
                long fanIn = n / Math.max(1, shape[0]);
                double std = Math.sqrt(2.0 / Math.max(1, fanIn));
                for (int i = 0; i < n; i++) {
                    a[i] = (float) (gaussian(r) * std);
                }
            } else if (name.endsWith(".scale")) {
                for (int i = 0; i < n; i++) {
                    a[i] = (float) (0.5 + 0.25 * r.nextDouble());
                }
            } else {
                for (int i = 0; i < n; i++) {
                    a[i] = (float) (0.1 * (r.nextDouble() - 0.5));
                }
            }
            return a;
        };
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller: SplittableRandom has no nextGaussian on Java 17
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
