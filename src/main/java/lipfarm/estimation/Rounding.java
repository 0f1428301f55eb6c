package lipfarm.estimation;

/**
 * The floating-point error model every certified number uses (docs/estimation.md, "Rounding").
 *
 * <p>Double precision, round to nearest, unit roundoff u = 2⁻⁵³. A sum of n products computed in
 * any order satisfies |fl(Σ a_i b_i) − Σ a_i b_i| ≤ γ_n Σ|a_i b_i| with γ_n = nu/(1 − nu) (Higham,
 * Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5), plus at most n·2⁻¹⁰⁷⁴ from
 * products that underflow. The error terms themselves are sums of non-negative floating-point
 * numbers, so they carry a relative error of at most γ_{n}; {@link #gamma} includes a factor 1.01
 * that covers it (and the error of evaluating γ) for every n below 10¹².
 */
final class Rounding {
  /** Unit roundoff of double precision. */
  static final double U = 0x1.0p-53;

  private Rounding() {}

  /** 1.01·γ_n = 1.01·nu/(1 − nu): the relative error allowance of an n-term dot product. */
  static double gamma(long n) {
    double nu = n * U;
    return 1.01 * nu / (1 - nu);
  }

  /** Absolute allowance for n products that may underflow to subnormals. */
  static double underflow(long n) {
    return (n + 2) * Double.MIN_VALUE;
  }

  /**
   * A lower bound on the exact ‖v‖₂ of the exact vector whose computed value is {@code v} with
   * componentwise error at most {@code err}: ‖v_exact‖ ≥ ‖ṽ‖ − ‖e‖ (triangle inequality), each norm
   * rounded to the safe side.
   */
  static double normLower(double[] v, double[] err, int len) {
    return down(normDown(v, len) - normUp(err, len));
  }

  /** A lower bound on the exact ‖v‖₂ of the computed (exact) floating-point vector v. */
  static double normDown(double[] v, int len) {
    double s = 0;
    for (int i = 0; i < len; i++) {
      s += v[i] * v[i];
    }
    // fl(Σv²) ≤ (1 + γ_len)Σv², and sqrt adds one rounding.
    return Math.max(0, down(Math.sqrt(s / (1 + gamma(len + 2)))));
  }

  /** An upper bound on the exact ‖v‖₂ of the floating-point vector v. */
  static double normUp(double[] v, int len) {
    double s = 0;
    for (int i = 0; i < len; i++) {
      s += v[i] * v[i];
    }
    return up(Math.sqrt(s * (1 + gamma(len + 2)) + underflow(len)));
  }

  /** The next double below x (towards −∞): a safe lower end after one rounding to nearest. */
  static double down(double x) {
    return Math.nextDown(x);
  }

  /** The next double above x: a safe upper end after one rounding to nearest. */
  static double up(double x) {
    return Math.nextUp(x);
  }
}
