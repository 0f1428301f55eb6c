package lipfarm.estimation;

import static lipfarm.estimation.NetworkMath.SAFETY;
import static lipfarm.estimation.NetworkMath.TINY;
import static lipfarm.estimation.NetworkMath.U;

/**
 * Certified upper bounds (and the two-layer exact value) for the global ℓ2 Lipschitz constant of a
 * network whose hidden activation is slope-restricted in [0, 1] (ReLU, leaky ReLU, tanh, softplus,
 * linear): every Jacobian is W_L D_{L−1} W_{L−1} ⋯ D_1 W_1 with diagonal 0 ⪯ D_l ⪯ I. Biases never
 * enter: they only select the activation pattern, and every bound here holds for all patterns. Each
 * floating-point result is rounded upwards by an explicit error allowance.
 */
final class UpperBounds {
  /** Largest hidden width for which the 2^k pattern enumeration is attempted. */
  static final int MAX_ENUMERATION_UNITS = 20;

  /** Deepest net for which the 2^{L−1}-term Combettes–Pesquet sum is formed. */
  static final int MAX_CP_DEPTH = 16;

  /** Relative eigenvalue floor below which the rows w_j count as linearly dependent. */
  static final double RANK_TOLERANCE = 1e-10;

  private UpperBounds() {}

  /** Π_l σ_max(W_l): the Jacobian is W_L D_{L−1} W_{L−1} ⋯ D_1 W_1 with ‖D_l‖ ≤ 1 (slopes ≤ 1). */
  static double spectralProduct(Mlp m) {
    double p = 1;
    for (int l = 0; l < m.depth; l++) {
      p *= NetworkMath.spectralNormUpper(m.width[l + 1], m.width[l], m.w[l]);
    }
    // One rounding per factor; the per-factor SAFETY margin dwarfs it, but stay explicit.
    return p * (1 + 2 * m.depth * U);
  }

  /**
   * Two-layer path bound Σ_j ‖A_{:,j}‖₂‖w_j‖₂ (for a scalar output Σ_j |a_j|‖w_j‖₂): the Jacobian
   * Σ_j s_j A_{:,j} w_jᵀ with s_j ∈ [0,1] is a sum of rank-one terms. NaN unless depth = 2.
   */
  static double pathNorm(Mlp m) {
    if (m.depth != 2) {
      return Double.NaN;
    }
    int d = m.width[0];
    int k = m.width[1];
    int out = m.width[2];
    double sum = 0;
    for (int j = 0; j < k; j++) {
      double wn = 0;
      for (int c = 0; c < d; c++) {
        double v = m.w[0][j * d + c];
        wn += v * v;
      }
      double an = 0;
      for (int r = 0; r < out; r++) {
        double v = m.w[1][r * k + j];
        an += v * v;
      }
      sum += Math.sqrt(an) * Math.sqrt(wn);
    }
    return sum * (1 + (2 * (d + k + out) + 8) * U) + TINY;
  }

  /**
   * Combettes–Pesquet bound. Writing each gate D_l = ½(I + E_l) with ‖E_l‖ ≤ 1 (valid for slopes in
   * [0, 1]) expands the Jacobian into 2^{L−1} terms: CP = 2^{−(L−1)} Σ_{S ⊆ {1..L−1}} Π_{blocks of
   * S} ‖W_j ⋯ W_i‖, where S are the cut positions and each block is the product of consecutive
   * layers between cuts. One hidden layer, scalar output: CP = ½(‖Wᵀa‖ + ‖a‖·σ_max(W)). NaN when L
   * > {@value #MAX_CP_DEPTH}.
   */
  static double combettesPesquet(Mlp m) {
    int L = m.depth;
    if (L > MAX_CP_DEPTH) {
      return Double.NaN;
    }
    // blockNorm[i][j] bounds ‖W_{j−1} ⋯ W_i‖ for 0 ≤ i < j ≤ L.
    double[][] blockNorm = new double[L + 1][L + 1];
    for (int i = 0; i < L; i++) {
      double[] p = m.w[i];
      int rows = m.width[i + 1];
      int cols = m.width[i];
      double err = 0;
      blockNorm[i][i + 1] = NetworkMath.spectralNormUpper(rows, cols, p);
      for (int j = i + 2; j <= L; j++) {
        double[] wl = m.w[j - 1];
        int newRows = m.width[j];
        int inner = rows;
        double[] q = new double[newRows * cols];
        double absProdFrob2 = multiply(wl, newRows, inner, p, cols, q);
        // ‖Δ(W·P̂)‖ ≤ γ_inner ‖|W||P̂|‖_F, plus the propagated error ‖W‖·‖ΔP̂‖.
        double gamma = 1.01 * (inner + 1) * U;
        err = blockNorm[j - 1][j] * err + gamma * Math.sqrt(absProdFrob2) * (1 + 4 * U);
        p = q;
        rows = newRows;
        blockNorm[i][j] = NetworkMath.spectralNormUpper(rows, cols, p) + err * (1 + SAFETY);
      }
    }
    double sum = 0;
    int subsets = 1 << (L - 1);
    for (int mask = 0; mask < subsets; mask++) {
      double term = 1;
      int start = 0;
      for (int cut = 1; cut < L; cut++) {
        if ((mask & (1 << (cut - 1))) != 0) {
          term *= blockNorm[start][cut];
          start = cut;
        }
      }
      term *= blockNorm[start][L];
      sum += term;
    }
    return Math.scalb(sum, -(L - 1)) * (1 + (2.0 * subsets + 2 * L + 4) * U) + TINY;
  }

  /**
   * σ_max(W_L ⋯ W_1) of an affine net, the constant itself.
   *
   * @param value computed in floating point (neither rounded up nor down: the EXACT entry)
   * @param upper certified upper bound (product and norm rounding included)
   */
  record Linear(double value, double upper) {}

  /** The affine net's constant, as computed value and certified upper bound. */
  static Linear linear(Mlp m) {
    double[] p = m.w[0];
    int rows = m.width[1];
    int cols = m.width[0];
    for (int j = 1; j < m.depth; j++) {
      double[] q = new double[m.width[j + 1] * cols];
      multiply(m.w[j], m.width[j + 1], rows, p, cols, q);
      p = q;
      rows = m.width[j + 1];
    }
    double value = Math.sqrt(Math.max(0, Mlp.topGram(p, rows, cols, null)));
    return new Linear(value, linearProduct(m));
  }

  /**
   * For a linear (identity-activation) net, an upper bound on L = σ_max(W_L ⋯ W_1): the product is
   * formed with an error bound, whose norm is added to the certified σ_max of the computed product.
   */
  static double linearProduct(Mlp m) {
    double[] p = m.w[0];
    int rows = m.width[1];
    int cols = m.width[0];
    double err = 0;
    for (int j = 1; j < m.depth; j++) {
      double[] wl = m.w[j];
      int newRows = m.width[j + 1];
      double[] q = new double[newRows * cols];
      double absProdFrob2 = multiply(wl, newRows, rows, p, cols, q);
      double gamma = 1.01 * (rows + 1) * U;
      err =
          NetworkMath.spectralNormUpper(newRows, rows, wl) * err
              + gamma * Math.sqrt(absProdFrob2) * (1 + 4 * U);
      p = q;
      rows = newRows;
    }
    return NetworkMath.spectralNormUpper(rows, cols, p) + err * (1 + SAFETY);
  }

  /**
   * Result of the activation-pattern enumeration.
   *
   * @param value ‖Σ_j s_j a_j w_j‖ of the best pattern s, computed in floating point
   * @param exact whether the maximum over patterns is the Lipschitz constant (every pattern is
   *     realised: (leaky) ReLU with linearly independent w_j)
   * @param lower a certified lower bound on the exact norm of the best pattern's gradient (a lower
   *     bound on the constant when {@code exact})
   * @param upper a certified upper bound on the exact maximum over all patterns
   */
  record Enumeration(double value, boolean exact, double lower, double upper) {}

  /**
   * Two-layer net with scalar output, k ≤ {@value #MAX_ENUMERATION_UNITS} hidden units and an
   * activation slope-restricted in [α, 1]: every gradient is Σ_j s_j a_j w_j with s ∈ [α, 1]^k, and
   * ‖·‖ is convex, so L ≤ max_{s ∈ {α,1}^k} ‖Σ_j s_j a_j w_j‖ (α = 0 for ReLU, tanh, softplus). For
   * (leaky) ReLU with linearly independent w_j equality holds (every pattern is realised on an open
   * set, whatever the biases); for tanh and softplus it is only an upper bound. Patterns are
   * visited in Gray code order, one O(d) update each; the running sum is re-synchronised
   * periodically and the winner recomputed from scratch, so accumulated rounding cannot pick a
   * value that is not attained.
   *
   * @return null when not applicable
   */
  static Enumeration enumerate(Mlp m) {
    if (m.depth != 2 || m.linear || m.width[2] != 1 || m.width[1] > MAX_ENUMERATION_UNITS) {
      return null;
    }
    int d = m.width[0];
    int k = m.width[1];
    double lo = m.act.slopeLow;
    // Pattern s: v = α·Σ_j a_j w_j + (1 − α)·Σ_{s_j = 1} a_j w_j; aw holds the toggled terms.
    double[][] aw = new double[k][d];
    double[] base = new double[d];
    // M_c bounds every partial sum of coordinate c; rounding errors are relative to it.
    double[] mass = new double[d];
    for (int j = 0; j < k; j++) {
      double a = m.w[1][j];
      for (int c = 0; c < d; c++) {
        aw[j][c] = (1 - lo) * a * m.w[0][j * d + c];
        base[c] += lo * a * m.w[0][j * d + c];
        mass[c] += Math.abs(aw[j][c]) + Math.abs(lo * a * m.w[0][j * d + c]);
      }
    }
    double[] v = base.clone();
    double best = Mlp.norm(v, d);
    best *= best;
    long bestCode = 0;
    long total = 1L << k;
    long gray = 0;
    for (long i = 1; i < total; i++) {
      int bit = Long.numberOfTrailingZeros(i);
      gray ^= 1L << bit;
      if ((i & 4095) == 0) {
        // Re-synchronise to stop rounding drift over millions of incremental updates.
        System.arraycopy(base, 0, v, 0, d);
        for (int j = 0; j < k; j++) {
          if ((gray & (1L << j)) != 0) {
            for (int c = 0; c < d; c++) {
              v[c] += aw[j][c];
            }
          }
        }
      } else {
        double sign = (gray & (1L << bit)) != 0 ? 1 : -1;
        double[] row = aw[bit];
        for (int c = 0; c < d; c++) {
          v[c] += sign * row[c];
        }
      }
      double s = 0;
      for (int c = 0; c < d; c++) {
        s += v[c] * v[c];
      }
      if (s > best) {
        best = s;
        bestCode = gray;
      }
    }
    System.arraycopy(base, 0, v, 0, d);
    for (int j = 0; j < k; j++) {
      if ((bestCode & (1L << j)) != 0) {
        for (int c = 0; c < d; c++) {
          v[c] += aw[j][c];
        }
      }
    }
    double value = Mlp.norm(v, d);
    boolean independent = m.act.piecewiseLinear() && k <= d && rowsIndependent(m.w[0], k, d);
    // Every value the loop formed went through at most k + 4096 additions (re-synchronised every
    // 4096 steps) of terms each rounded ≤ 4 times, all partial sums bounded by (1 + …)·M_c.
    double[] err = new double[d];
    double g = Rounding.gamma(k + 4096 + 8);
    for (int c = 0; c < d; c++) {
      err[c] = 2 * g * mass[c] + Rounding.underflow(4L * k + 4096);
    }
    double errNorm = Rounding.normUp(err, d);
    double upper = Rounding.up(Math.sqrt(best * (1 + 2 * Rounding.gamma(d + 2))) + errNorm);
    double lower = Math.max(0, Rounding.normLower(v, err, d));
    return new Enumeration(value, independent, lower, upper);
  }

  /** Whether the k rows of the k×d matrix are numerically linearly independent. */
  static boolean rowsIndependent(double[] w, int k, int d) {
    double[] g = new double[k * k];
    for (int i = 0; i < k; i++) {
      for (int j = i; j < k; j++) {
        double s = 0;
        for (int c = 0; c < d; c++) {
          s += w[i * d + c] * w[j * d + c];
        }
        g[i * k + j] = s;
        g[j * k + i] = s;
      }
    }
    SymmetricEigen.Result e = SymmetricEigen.decompose(g, k, false);
    double max = 0;
    double min = Double.POSITIVE_INFINITY;
    for (int i = 0; i < k; i++) {
      max = Math.max(max, e.value(i));
      min = Math.min(min, e.value(i));
    }
    return max > 0 && min > RANK_TOLERANCE * max;
  }

  /**
   * q = W·P for W (rows × inner) and P (inner × cols), row-major; returns ‖|W||P|‖_F², which bounds
   * the rounding error of the product (the caller scales it by γ_inner).
   */
  private static double multiply(
      double[] w, int rows, int inner, double[] p, int cols, double[] q) {
    double absProdFrob2 = 0;
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double s = 0;
        double sa = 0;
        for (int t = 0; t < inner; t++) {
          double a = w[r * inner + t];
          double bb = p[t * cols + c];
          s += a * bb;
          sa += Math.abs(a * bb);
        }
        q[r * cols + c] = s;
        absProdFrob2 += sa * sa;
      }
    }
    return absProdFrob2;
  }
}
