package lipfarm.estimation;

import static lipfarm.estimation.Rounding.U;

import java.util.SplittableRandom;
import lipfarm.data.Dataset;

/**
 * Certified lower bounds max ‖f(x_i) − f(x_j)‖ / ‖x_i − x_j‖ over data pairs (mean value theorem on
 * the segment, which lies in the convex domain). Rounding-safe: f(x_i) comes with the error bound
 * of {@link SafeGradient#forward}, the numerator is bounded below and the denominator above.
 *
 * <p>All pairs are used while n²d ≤ {@value #ALL_PAIRS_WORK}, else random pairs; in both cases the
 * closest differently labelled pair is always among them, so for a net that fits ±1 labels within
 * tol the result is ≥ F10 = (2 − 2·tol)/min_{y_i ≠ y_j}‖x_i − x_j‖ up to rounding, by construction.
 */
final class DifferenceQuotients {
  /** Largest n·n·d for which every pair is visited. */
  static final long ALL_PAIRS_WORK = 50_000_000L;

  /** The best quotient and how many forward passes it took. */
  record Result(double value, int forwardPasses) {}

  private DifferenceQuotients() {}

  /**
   * @param maxForward forward passes allowed; with fewer than n only the closest differently
   *     labelled pair is used (2 passes), with fewer than 2 nothing
   */
  static Result best(Mlp mlp, Dataset data, SplittableRandom rng, long maxForward) {
    int n = data.n();
    if (n > maxForward) {
      int[] pair = maxForward >= 2 ? data.closestOppositePair() : null;
      if (pair == null) {
        return new Result(0, 0);
      }
      Dataset two =
          new Dataset(
              new double[][] {data.x()[pair[0]], data.x()[pair[1]]},
              new double[] {data.y()[pair[0]], data.y()[pair[1]]});
      return best(mlp, two, rng, 2);
    }
    int m = mlp.outDim();
    int dim = data.d();
    SafeGradient safe = new SafeGradient(mlp);
    double[][] f = new double[n][];
    double[][] ef = new double[n][];
    for (int i = 0; i < n; i++) {
      safe.forward(data.x()[i]);
      f[i] = safe.value().clone();
      ef[i] = safe.valueError().clone();
    }
    double[][] x = data.x();
    double best = 0;
    boolean all = (long) n * n * dim <= ALL_PAIRS_WORK;
    if (all) {
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++) {
          best = Math.max(best, quotient(x[i], x[j], f[i], f[j], ef[i], ef[j], dim, m));
        }
      }
    } else {
      long pairs = ALL_PAIRS_WORK / Math.max(1, dim);
      for (long p = 0; p < pairs; p++) {
        int i = rng.nextInt(n);
        int j = rng.nextInt(n);
        if (i != j) {
          best = Math.max(best, quotient(x[i], x[j], f[i], f[j], ef[i], ef[j], dim, m));
        }
      }
      int[] pair = data.closestOppositePair();
      if (pair != null) {
        int i = pair[0];
        int j = pair[1];
        best = Math.max(best, quotient(x[i], x[j], f[i], f[j], ef[i], ef[j], dim, m));
      }
    }
    return new Result(best, n);
  }

  /** A lower bound on the exact ‖f(a) − f(b)‖/‖a − b‖ from enclosed values; 0 if a = b. */
  static double quotient(
      double[] a, double[] b, double[] fa, double[] fb, double[] ea, double[] eb, int d, int m) {
    // |fl(a − b) − (a − b)| ≤ u|fl(a − b)|, so ‖a − b‖ ≤ (1 + u)‖fl(a − b)‖.
    double dx2 = 0;
    for (int c = 0; c < d; c++) {
      double t = a[c] - b[c];
      dx2 += t * t;
    }
    if (!(dx2 > 0)) {
      return 0;
    }
    double den = Rounding.up(Math.sqrt(dx2 * (1 + Rounding.gamma(d + 2))) * (1 + 2 * U));
    // Numerator: ‖Δf‖ ≥ ‖fl(Δf)‖ − ‖e‖ with e_r = e_a + e_b + u|fl(Δf_r)|.
    double df2 = 0;
    double e2 = 0;
    for (int r = 0; r < m; r++) {
      double t = fa[r] - fb[r];
      df2 += t * t;
      double e = (ea[r] + eb[r] + U * Math.abs(t)) * (1 + 4 * U);
      e2 += e * e;
    }
    double g = Rounding.gamma(m + 2);
    double num =
        Rounding.down(Math.sqrt(df2 / (1 + g)))
            - Rounding.up(Math.sqrt(e2 * (1 + g) + Rounding.underflow(m)));
    return num > 0 ? Rounding.down(Rounding.down(num) / den) : 0;
  }
}
