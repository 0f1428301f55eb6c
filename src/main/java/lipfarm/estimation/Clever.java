package lipfarm.estimation;

import java.util.SplittableRandom;

/**
 * CLEVER score (Weng et al., ICLR 2018; as {@code clever_u} of IBM's adversarial-robustness-
 * toolbox): draw {@code batches} batches of {@code batchSize} points uniformly in the ball ‖x‖ ≤ R,
 * take each batch's largest gradient norm y_b, fit a reverse Weibull distribution (upper endpoint
 * μ, y = μ − z with z ~ Weibull(shape c, scale λ)) to the maxima by maximum likelihood, and report
 * μ̂. It is an extreme-value ESTIMATE of the local Lipschitz constant, never a bound: it can fall
 * below the best certified lower bound or above the true constant.
 *
 * <p>The fit profiles the likelihood: for fixed μ and c, λ^c = mean(z^c) in closed form; c is then
 * maximised by golden section on [1, 200] (c &lt; 1 makes the likelihood unbounded as μ → max y),
 * and μ by golden section on log(μ − max y) over (0, 10·range].
 */
final class Clever {
  private Clever() {}

  static double estimate(Mlp mlp, double radius, int batches, int batchSize, SplittableRandom rng) {
    int d = mlp.inDim();
    double[] x = new double[d];
    double[] g = new double[d];
    double[] maxima = new double[batches];
    for (int b = 0; b < batches; b++) {
      double best = 0;
      for (int i = 0; i < batchSize; i++) {
        double s = 0;
        for (int c = 0; c < d; c++) {
          double u1 = Math.max(rng.nextDouble(), 1e-300);
          x[c] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng.nextDouble());
          s += x[c] * x[c];
        }
        double r = radius * Math.pow(rng.nextDouble(), 1.0 / d) / Math.sqrt(Math.max(s, 1e-300));
        for (int c = 0; c < d; c++) {
          x[c] *= r;
        }
        double v = mlp.gradientNorm(x, g);
        if (!mlp.kink() && Double.isFinite(v)) {
          best = Math.max(best, v);
        }
      }
      maxima[b] = best;
    }
    return fitLocation(maxima);
  }

  /** MLE of the upper endpoint μ of a reverse Weibull distribution fitted to the sample y. */
  static double fitLocation(double[] y) {
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    for (double v : y) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    double range = max - min;
    if (!(range > 0)) {
      return max; // all maxima equal (e.g. an affine net): that value is the only sensible score
    }
    final double top = max;
    // Golden section on u = log(μ − max) ∈ [log(1e-9·range), log(10·range)].
    double lo = Math.log(1e-9 * range);
    double hi = Math.log(10 * range);
    double u = golden(lo, hi, v -> profile(y, top + Math.exp(v)), 80);
    return top + Math.exp(u);
  }

  /** Profile log-likelihood at μ, maximised over the shape c (λ in closed form). */
  private static double profile(double[] y, double mu) {
    int n = y.length;
    double[] logz = new double[n];
    double sumLog = 0;
    for (int i = 0; i < n; i++) {
      logz[i] = Math.log(mu - y[i]);
      sumLog += logz[i];
    }
    final double sl = sumLog;
    java.util.function.DoubleUnaryOperator ll =
        c -> {
          // log mean(z^c), computed stably around the largest log z.
          double m = Double.NEGATIVE_INFINITY;
          for (double lz : logz) {
            m = Math.max(m, c * lz);
          }
          double sum = 0;
          for (double lz : logz) {
            sum += Math.exp(c * lz - m);
          }
          double logS = m + Math.log(sum / n);
          return n * Math.log(c) - n * logS + (c - 1) * sl - n;
        };
    double c = Math.exp(golden(0, Math.log(200), v -> ll.applyAsDouble(Math.exp(v)), 60));
    return ll.applyAsDouble(c);
  }

  /** Maximiser of a unimodal function on [a, b] by golden-section search. */
  private static double golden(
      double a, double b, java.util.function.DoubleUnaryOperator f, int iterations) {
    double phi = (Math.sqrt(5) - 1) / 2;
    double x1 = b - phi * (b - a);
    double x2 = a + phi * (b - a);
    double f1 = f.applyAsDouble(x1);
    double f2 = f.applyAsDouble(x2);
    for (int i = 0; i < iterations; i++) {
      if (f1 < f2) {
        a = x1;
        x1 = x2;
        f1 = f2;
        x2 = a + phi * (b - a);
        f2 = f.applyAsDouble(x2);
      } else {
        b = x2;
        x2 = x1;
        f2 = f1;
        x1 = b - phi * (b - a);
        f1 = f.applyAsDouble(x1);
      }
    }
    return (a + b) / 2;
  }
}
