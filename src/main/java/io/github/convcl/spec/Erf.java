// The error function, which Java's Math lacks: GELU's exact form needs it.
package io.github.convcl.spec;

/** {@code erf(x)} in float64, to about 1e-14 absolute. */
final class Erf {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private Erf() {
    }

    /**
     * The Maclaurin series below |x| = 3 (its largest term is under e^9 there, so it loses at most four of the sixteen
     * digits to cancellation); above, erfc's continued fraction, which converges fast once x is that large.
     */
    static double erf(double x) {
        if (x != x) {
            return x;
        }
        double a = Math.abs(x);
        if (a < 3) {
            double x2 = x * x;
            double term = x;
            double sum = x;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            return TWO_OVER_SQRT_PI * sum;
        }
        if (a > 6) {
            return Math.signum(x);
        }
        // erfc(a) = exp(-a^2) / sqrt(pi) / (a + (1/2) / (a + 1 / (a + (3/2) / (a + 2 / (a + ...))))), evaluated bottom up
        double f = a;
        for (int k = 60; k >= 1; k--) {
            f = a + (k / 2.0) / f;
        }
        double erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
        return Math.signum(x) * (1 - erfc);
    }
}
