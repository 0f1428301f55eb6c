package lipfarm.data;

import java.util.SplittableRandom;

/** Synthetic data models of the law-of-robustness papers. Deterministic in the seed. */
public final class DataModels {
  private DataModels() {}

  /**
   * n points uniform on the unit sphere S^{d-1} (normalised Gaussians) with independent uniform ±1
   * labels: the "generic dataset" of Bubeck, Li and Nagaraj.
   */
  public static Dataset sphereRandomLabels(int n, int d, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] x = new double[n][];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = uniformSpherePoint(d, rng);
      y[i] = rng.nextBoolean() ? 1.0 : -1.0;
    }
    return new Dataset(x, y);
  }

  /** A point uniform on S^{d-1}. */
  public static double[] uniformSpherePoint(int d, SplittableRandom rng) {
    double[] v = new double[d];
    double norm;
    do {
      double s = 0;
      for (int c = 0; c < d; c++) {
        v[c] = gaussian(rng);
        s += v[c] * v[c];
      }
      norm = Math.sqrt(s);
    } while (norm < 1e-12);
    for (int c = 0; c < d; c++) {
      v[c] /= norm;
    }
    return v;
  }

  /** Standard normal by Box-Muller; SplittableRandom has no nextGaussian on Java 17. */
  public static double gaussian(SplittableRandom rng) {
    double u1;
    do {
      u1 = rng.nextDouble();
    } while (u1 <= 0);
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
