package lipfarm.analysis;

/**
 * Ordinary least squares with an intercept, y ≈ β₀ + Σ_j β_j x_j, minimising Σ_i (y_i − β₀ − Σ_j
 * β_j x_ij)². Solved by Householder QR of the design [1 | X] rather than the normal equations, so
 * the condition number is not squared (log-axes of a grid are strongly correlated with the
 * intercept when the levels are far from 1).
 */
public final class LeastSquares {
  /**
   * A column whose remaining norm after orthogonalisation is below this fraction of its original
   * norm is treated as linearly dependent on the earlier columns (the design is rank deficient).
   */
  static final double RANK_TOLERANCE = 1e-10;

  private LeastSquares() {}

  /**
   * @param x rows are observations, columns covariates (may have zero columns)
   * @param y responses, one per row
   * @return {β₀, β₁, …, β_p}, or null when fewer rows than coefficients or the design [1 | X] is
   *     rank deficient (a covariate is constant or a combination of the others)
   */
  public static double[] fit(double[][] x, double[] y) {
    int n = y.length;
    int p = (n == 0 ? 0 : x[0].length) + 1;
    if (n < p) {
      return null;
    }
    // Column-major copy of the design, with the intercept column first.
    double[][] a = new double[p][n];
    for (int i = 0; i < n; i++) {
      a[0][i] = 1.0;
      for (int j = 1; j < p; j++) {
        a[j][i] = x[i][j - 1];
      }
    }
    double[] b = y.clone();
    double[] diag = new double[p];
    for (int j = 0; j < p; j++) {
      double original = norm(a[j], 0);
      double alpha = norm(a[j], j);
      if (original == 0 || alpha <= RANK_TOLERANCE * original) {
        return null;
      }
      // Householder reflector v = a_j[j:] + sign(a_jj)·‖a_j[j:]‖·e_1 zeroes the column below j.
      if (a[j][j] > 0) {
        alpha = -alpha;
      }
      double[] v = new double[n];
      for (int i = j; i < n; i++) {
        v[i] = a[j][i];
      }
      v[j] -= alpha;
      double vv = 0;
      for (int i = j; i < n; i++) {
        vv += v[i] * v[i];
      }
      for (int c = j; c < p; c++) {
        reflect(v, vv, a[c], j);
      }
      reflect(v, vv, b, j);
      diag[j] = a[j][j];
    }
    // Back substitution R β = Qᵀ y.
    double[] beta = new double[p];
    for (int j = p - 1; j >= 0; j--) {
      double s = b[j];
      for (int c = j + 1; c < p; c++) {
        s -= a[c][j] * beta[c];
      }
      beta[j] = s / diag[j];
    }
    return beta;
  }

  private static void reflect(double[] v, double vv, double[] col, int from) {
    double dot = 0;
    for (int i = from; i < col.length; i++) {
      dot += v[i] * col[i];
    }
    double f = 2 * dot / vv;
    for (int i = from; i < col.length; i++) {
      col[i] -= f * v[i];
    }
  }

  private static double norm(double[] col, int from) {
    double s = 0;
    for (int i = from; i < col.length; i++) {
      s += col[i] * col[i];
    }
    return Math.sqrt(s);
  }
}
