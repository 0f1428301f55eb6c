package lipfarm.estimation;

import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;

/**
 * The local domain of a {@link LipschitzSandwich}: the ball ‖x‖ ≤ R, R = max(1, max_i ‖x_i‖)
 * rounded up, or the box [−b, b]^d. It exists so that every membership test and projection the
 * probes rely on is exact (a lower bound is local only if its point lies in the domain, not just up
 * to rounding), and so that random domain points are drawn in one place. Shares the sandwich's
 * random stream: draws happen in the same order as the probes ask for them.
 */
final class SandwichDomain {
  /** Relative margin by which points are pulled inside the ball: far above any rounding. */
  private static final double INSIDE_MARGIN = 1e-12;

  private final int dim;
  private final double radius;

  /** Half-width b of the box domain [−b, b]^d; NaN when the domain is the ball. */
  private final double boxHalfWidth;

  private final SplittableRandom rng;

  SandwichDomain(Dataset data, boolean boxDomain, SplittableRandom rng) {
    this.dim = data.d();
    this.rng = rng;
    // An upper bound on the exact max‖x_i‖, so every data point lies in the domain ball exactly.
    double maxNorm = 0;
    for (double[] x : data.x()) {
      maxNorm = Math.max(maxNorm, Rounding.normUp(x, x.length));
    }
    this.radius = Math.max(1.0, maxNorm);
    double maxAbs = 0;
    for (double[] x : data.x()) {
      for (double v : x) {
        maxAbs = Math.max(maxAbs, Math.abs(v));
      }
    }
    this.boxHalfWidth = boxDomain ? Math.max(1.0, maxAbs) : Double.NaN;
  }

  int dim() {
    return dim;
  }

  double radius() {
    return radius;
  }

  double boxHalfWidth() {
    return boxHalfWidth;
  }

  /** Whether the local domain is a box rather than the ball. */
  boolean box() {
    return !Double.isNaN(boxHalfWidth);
  }

  /**
   * Moves x into the local domain so that it lies there exactly, not just up to rounding: clamping
   * to the box is exact; for the ball, a point whose norm is not certainly ≤ R is scaled to radius
   * R·(1 − {@value #INSIDE_MARGIN}).
   */
  void intoDomain(double[] x) {
    if (box()) {
      for (int c = 0; c < dim; c++) {
        x[c] = Math.max(-boxHalfWidth, Math.min(boxHalfWidth, x[c]));
      }
      return;
    }
    double n = Rounding.normUp(x, dim);
    if (n > radius) {
      double s = radius * (1 - INSIDE_MARGIN) / n;
      for (int c = 0; c < dim; c++) {
        x[c] *= s;
      }
    }
  }

  /** Whether x lies in the local domain exactly (the ball test is rounding-safe). */
  boolean inDomain(double[] x) {
    if (box()) {
      for (int c = 0; c < dim; c++) {
        if (!(Math.abs(x[c]) <= boxHalfWidth)) {
          return false;
        }
      }
      return true;
    }
    return Rounding.normUp(x, dim) <= radius;
  }

  /**
   * Rejects an externally chosen point outside the domain (beyond a relative 1e-12, which {@link
   * #intoDomain} then removes).
   *
   * @throws IllegalArgumentException naming the domain
   */
  void checkCandidate(double[] x) {
    if (x.length != dim) {
      throw new IllegalArgumentException(
          "a candidate has " + x.length + " coordinates, the net takes " + dim);
    }
    double norm2 = 0;
    for (double v : x) {
      norm2 += v * v;
    }
    if (box()) {
      for (double v : x) {
        if (Math.abs(v) > boxHalfWidth * (1 + 1e-12)) {
          throw new IllegalArgumentException(
              "a candidate lies outside the domain box [−"
                  + boxHalfWidth
                  + ", "
                  + boxHalfWidth
                  + "]^d");
        }
      }
    } else if (Math.sqrt(norm2) > radius * (1 + 1e-12)) {
      throw new IllegalArgumentException(
          "a candidate lies outside the domain ball of radius " + radius);
    }
  }

  /**
   * A random point of the domain: on the sphere of radius R for the ball; for the box, uniform in
   * [−b, b]^d with one random coordinate pushed to a face half of the time (a piecewise-linear f
   * takes its largest gradients anywhere, faces and corners included).
   */
  void randomPoint(double[] out) {
    if (!box()) {
      randomSpherePoint(out);
      return;
    }
    for (int c = 0; c < dim; c++) {
      out[c] = boxHalfWidth * (2 * rng.nextDouble() - 1);
    }
    if (rng.nextBoolean()) {
      out[rng.nextInt(dim)] = rng.nextBoolean() ? boxHalfWidth : -boxHalfWidth;
    }
  }

  /** A uniformly random point of the sphere ‖x‖ = R. */
  void randomSpherePoint(double[] out) {
    double s;
    do {
      s = 0;
      for (int c = 0; c < dim; c++) {
        out[c] = gaussian();
        s += out[c] * out[c];
      }
    } while (s < 1e-24);
    double scale = radius / Math.sqrt(s);
    for (int c = 0; c < dim; c++) {
      out[c] *= scale;
    }
  }

  double gaussian() {
    return DataModels.gaussian(rng);
  }
}
