package lipfarm.data;

import java.util.SplittableRandom;

/**
 * Synthetic data models of the law-of-robustness papers: point distributions and label rules.
 * Everything is deterministic in the generator passed in (or the seed); {@link DataSets} derives
 * one generator per part of a dataset with {@link Seeds}.
 */
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

  /**
   * A point of the Gaussian N(0, I_d/d): coordinates i.i.d. N(0, 1/d), so E‖x‖² = 1 and ‖x‖²·d is
   * χ²_d (Var ‖x‖² = 2/d). Unbounded, but concentrated on the unit sphere for large d.
   */
  public static double[] gaussianPoint(int d, SplittableRandom rng) {
    double[] v = new double[d];
    double sd = 1.0 / Math.sqrt(d);
    for (int c = 0; c < d; c++) {
      v[c] = sd * gaussian(rng);
    }
    return v;
  }

  /**
   * A point uniform on the cube [−1, 1]^d: coordinates i.i.d. uniform on [−1, 1], so E x_c = 0, E
   * x_c² = 1/3, E‖x‖² = d/3 and ‖x‖ ≤ √d (the radius R of the theory is √d, not 1).
   */
  public static double[] cubePoint(int d, SplittableRandom rng) {
    double[] v = new double[d];
    for (int c = 0; c < d; c++) {
      v[c] = rng.nextDouble(-1.0, 1.0);
    }
    return v;
  }

  /**
   * Centres of a Gaussian mixture: {@code components} points uniform on the sphere of radius {@code
   * separation} in R^d.
   */
  public static double[][] mixtureCentres(
      int components, int d, double separation, SplittableRandom rng) {
    double[][] centres = new double[components][];
    for (int j = 0; j < components; j++) {
      double[] u = uniformSpherePoint(d, rng);
      for (int c = 0; c < d; c++) {
        u[c] *= separation;
      }
      centres[j] = u;
    }
    return centres;
  }

  /**
   * A point of component {@code j} of the mixture: {@code centres[j] + N(0, I_d/d)}. With centres
   * of norm s this gives E‖x‖² = s² + 1.
   */
  public static double[] mixturePoint(double[][] centres, int j, SplittableRandom rng) {
    double[] v = gaussianPoint(centres[j].length, rng);
    for (int c = 0; c < v.length; c++) {
      v[c] += centres[j][c];
    }
    return v;
  }

  /** n independent uniform ±1 labels. */
  public static double[] randomLabels(int n, SplittableRandom rng) {
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = rng.nextBoolean() ? 1.0 : -1.0;
    }
    return y;
  }

  /**
   * A copy of {@code y} with each label negated independently with probability {@code p} (one
   * uniform draw per label, whatever p is, so the flip pattern of a seed is monotone in p: a label
   * flipped at rate p is also flipped at every rate above p).
   */
  public static double[] flipLabels(double[] y, double p, SplittableRandom rng) {
    double[] out = y.clone();
    for (int i = 0; i < out.length; i++) {
      if (rng.nextDouble() < p) {
        out[i] = -out[i];
      }
    }
    return out;
  }
}
