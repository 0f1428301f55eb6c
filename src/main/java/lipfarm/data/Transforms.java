package lipfarm.data;

import java.util.SplittableRandom;

/** Preprocessing of real data: centring, random projection and normalisation to the unit sphere. */
public final class Transforms {
  private Transforms() {}

  /** The points minus their mean, so Σ_i x_i = 0. */
  public static double[][] center(double[][] x) {
    int d = x[0].length;
    double[] mean = new double[d];
    for (double[] row : x) {
      for (int c = 0; c < d; c++) {
        mean[c] += row[c] / x.length;
      }
    }
    double[][] out = new double[x.length][d];
    for (int i = 0; i < x.length; i++) {
      for (int c = 0; c < d; c++) {
        out[i][c] = x[i][c] - mean[c];
      }
    }
    return out;
  }

  /**
   * Each point divided by its Euclidean norm, so ‖x_i‖ = 1. A zero point (possible only after
   * centring, when it equals the mean) stays zero: it still satisfies ‖x‖ ≤ 1 and has no direction
   * to keep.
   */
  public static double[][] normalize(double[][] x) {
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      double s = 0;
      for (double v : x[i]) {
        s += v * v;
      }
      double norm = Math.sqrt(s);
      out[i] = x[i].clone();
      if (norm > 0) {
        for (int c = 0; c < out[i].length; c++) {
          out[i][c] /= norm;
        }
      }
    }
    return out;
  }

  /**
   * A random projection R^{D} → R^{d}: d rows with i.i.d. N(0, 1) entries, each row scaled to norm
   * √(D/d). Unit rows make every output coordinate the same scale; the factor √(D/d) keeps E‖Px‖² =
   * ‖x‖² (for rows uniform on the sphere, E (p·x)² = ‖x‖²/D), so unnormalised data keep their
   * scale.
   */
  public static double[][] projectionMatrix(int d, int bigD, SplittableRandom rng) {
    double[][] p = new double[d][];
    double scale = Math.sqrt((double) bigD / d);
    for (int r = 0; r < d; r++) {
      p[r] = DataModels.uniformSpherePoint(bigD, rng);
      for (int c = 0; c < bigD; c++) {
        p[r][c] *= scale;
      }
    }
    return p;
  }

  /** P x_i for every point. */
  public static double[][] project(double[][] x, double[][] p) {
    double[][] out = new double[x.length][p.length];
    for (int i = 0; i < x.length; i++) {
      for (int r = 0; r < p.length; r++) {
        double s = 0;
        for (int c = 0; c < x[i].length; c++) {
          s += p[r][c] * x[i][c];
        }
        out[i][r] = s;
      }
    }
    return out;
  }
}
