package lipfarm.estimation;

/**
 * Cyclic Jacobi eigen-decomposition of a small dense symmetric matrix. Jacobi is slow for large n
 * but backward stable with high relative accuracy, which is what certified norm bounds need.
 */
final class SymmetricEigen {
  private static final int MAX_SWEEPS = 60;
  private static final double EPS = 0x1.0p-53;

  /** The rotated (almost diagonal) matrix, eigenvectors as columns (or null), sweeps used. */
  record Result(int n, double[] rotated, double[] vectors, int sweeps) {
    double value(int i) {
      return rotated[i * n + i];
    }

    /** Index of the largest diagonal entry of the rotated matrix. */
    int argMax() {
      int best = 0;
      for (int i = 1; i < n; i++) {
        if (value(i) > value(best)) {
          best = i;
        }
      }
      return best;
    }

    double maxValue() {
      return value(argMax());
    }

    /**
     * Gershgorin bound max_i (r_ii + Σ_{j≠i} |r_ij|) on the rotated matrix: an upper bound on its
     * largest eigenvalue even when Jacobi stopped before the off-diagonal part vanished.
     */
    double gershgorinMax() {
      double best = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        double s = rotated[i * n + i];
        for (int j = 0; j < n; j++) {
          if (j != i) {
            s += Math.abs(rotated[i * n + j]);
          }
        }
        best = Math.max(best, s);
      }
      return best;
    }

    /** Column i of the eigenvector matrix. */
    double[] vector(int i) {
      double[] v = new double[n];
      for (int r = 0; r < n; r++) {
        v[r] = vectors[r * n + i];
      }
      return v;
    }
  }

  private SymmetricEigen() {}

  /**
   * Diagonalises the symmetric row-major {@code n×n} matrix {@code a} (copied, not modified) by
   * cyclic Jacobi rotations A ← JᵀAJ until every off-diagonal entry is negligible against its
   * diagonal pair.
   */
  static Result decompose(double[] a, int n, boolean wantVectors) {
    double[] m = a.clone();
    double[] v = null;
    if (wantVectors) {
      v = new double[n * n];
      for (int i = 0; i < n; i++) {
        v[i * n + i] = 1;
      }
    }
    double frob = 0;
    for (double x : m) {
      frob += x * x;
    }
    // Below this an entry is numerically zero compared to the whole matrix.
    double floor = Math.sqrt(frob) * 1e-18 + Double.MIN_NORMAL;
    int sweep = 0;
    for (; sweep < MAX_SWEEPS; sweep++) {
      boolean rotated = false;
      for (int p = 0; p < n - 1; p++) {
        for (int q = p + 1; q < n; q++) {
          double apq = m[p * n + q];
          double app = m[p * n + p];
          double aqq = m[q * n + q];
          if (Math.abs(apq) <= floor || Math.abs(apq) <= EPS * Math.sqrt(Math.abs(app * aqq))) {
            continue;
          }
          rotated = true;
          double theta = (aqq - app) / (2 * apq);
          double t;
          if (Math.abs(theta) > 1e150) {
            t = 0.5 / theta;
          } else {
            // Smaller root of t² + 2tθ − 1 = 0: rotation angle ≤ π/4, which keeps Jacobi stable.
            t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          }
          double c = 1 / Math.sqrt(t * t + 1);
          double s = t * c;
          for (int k = 0; k < n; k++) {
            double akp = m[k * n + p];
            double akq = m[k * n + q];
            m[k * n + p] = c * akp - s * akq;
            m[k * n + q] = s * akp + c * akq;
          }
          for (int k = 0; k < n; k++) {
            double apk = m[p * n + k];
            double aqk = m[q * n + k];
            m[p * n + k] = c * apk - s * aqk;
            m[q * n + k] = s * apk + c * aqk;
          }
          if (v != null) {
            for (int k = 0; k < n; k++) {
              double vkp = v[k * n + p];
              double vkq = v[k * n + q];
              v[k * n + p] = c * vkp - s * vkq;
              v[k * n + q] = s * vkp + c * vkq;
            }
          }
        }
      }
      if (!rotated) {
        break;
      }
    }
    return new Result(n, m, v, sweep + 1);
  }
}
