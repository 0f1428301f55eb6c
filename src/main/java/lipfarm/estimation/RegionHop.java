package lipfarm.estimation;

/**
 * Moves between neighbouring activation regions of a two-layer scalar (leaky) ReLU net f(x) = Σ_j
 * a_j σ(w_j·x + b_j) + c, whose gradient on the region with pattern s ∈ {α, 1}^k is Σ_j s_j a_j
 * w_j; flipping unit j changes it by ±(1 − α)·a_j w_j.
 */
final class RegionHop {
  /** Candidate flips tried per hop, best predicted first. */
  static final int MAX_TRIES = 8;

  /** How far past the hyperplane a crossing lands, relative to ‖w_j‖. */
  private static final double MARGIN = 1e-7;

  private final Mlp m;
  private final int d;
  private final int k;
  private final double[] a;
  private final double[] wNorm2;
  // Columns of the pseudo-inverse Wᵀ(WWᵀ)⁻¹ (k×d, row j = column j) when the w_j are independent:
  // moving along row j changes z_j alone.
  private final double[] pinv;
  private final double[] z;
  private final double r;

  RegionHop(Mlp m) {
    this.m = m;
    r = 1 - m.act.slopeLow;
    d = m.width[0];
    k = m.width[1];
    a = m.w[1];
    wNorm2 = new double[k];
    for (int j = 0; j < k; j++) {
      double s = 0;
      for (int c = 0; c < d; c++) {
        s += m.w[0][j * d + c] * m.w[0][j * d + c];
      }
      wNorm2[j] = s;
    }
    pinv = k <= d && UpperBounds.rowsIndependent(m.w[0], k, d) ? pseudoInverseRows() : null;
    z = new double[k];
  }

  /** Rows of (WWᵀ)⁻¹W via the eigen-decomposition of the k×k Gram matrix. */
  private double[] pseudoInverseRows() {
    double[] w = m.w[0];
    double[] g = new double[k * k];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        double s = 0;
        for (int c = 0; c < d; c++) {
          s += w[i * d + c] * w[j * d + c];
        }
        g[i * k + j] = s;
      }
    }
    SymmetricEigen.Result e = SymmetricEigen.decompose(g, k, true);
    double[] inv = new double[k * k];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        double s = 0;
        for (int t = 0; t < k; t++) {
          s += e.vectors()[i * k + t] * e.vectors()[j * k + t] / e.value(t);
        }
        inv[i * k + j] = s;
      }
    }
    double[] p = new double[k * d];
    for (int j = 0; j < k; j++) {
      for (int c = 0; c < d; c++) {
        double s = 0;
        for (int i = 0; i < k; i++) {
          s += inv[j * k + i] * w[i * d + c];
        }
        p[j * d + c] = s;
      }
    }
    return p;
  }

  /**
   * Up to {@value #MAX_TRIES} units whose single flip is predicted to raise ‖g‖ (‖g ∓ (1 − α)·a_j
   * w_j‖ > current, minus when unit j is active), best first. Also fills the pre-activations of x.
   */
  int[] candidates(double[] x, double[] g, double current) {
    double[] w = m.w[0];
    double[] b = m.b[0];
    double g2 = current * current;
    double[] gain = new double[k];
    int count = 0;
    for (int j = 0; j < k; j++) {
      double zj = b == null ? 0 : b[j];
      double gw = 0;
      for (int c = 0; c < d; c++) {
        zj += w[j * d + c] * x[c];
        gw += w[j * d + c] * g[c];
      }
      z[j] = zj;
      double sign = zj > 0 ? -1 : 1;
      double ra = r * a[j];
      double pred = g2 + 2 * sign * ra * gw + ra * ra * wNorm2[j];
      gain[j] = pred - g2;
      if (gain[j] > 1e-12 * g2) {
        count++;
      }
    }
    // Partial selection of the MAX_TRIES largest gains: k may be thousands, tries are few.
    int[] out = new int[Math.min(count, MAX_TRIES)];
    double[] outGain = new double[out.length];
    int filled = 0;
    for (int j = 0; j < k; j++) {
      if (!(gain[j] > 1e-12 * g2) || (filled == out.length && gain[j] <= outGain[filled - 1])) {
        continue;
      }
      int pos = filled < out.length ? filled++ : filled - 1;
      while (pos > 0 && outGain[pos - 1] < gain[j]) {
        out[pos] = out[pos - 1];
        outGain[pos] = outGain[pos - 1];
        pos--;
      }
      out[pos] = j;
      outGain[pos] = gain[j];
    }
    return out;
  }

  /** Writes into out the point x moved just across hyperplane j (z_j changes sign). */
  void cross(double[] x, int j, double[] out) {
    double target = (z[j] > 0 ? -1 : 1) * MARGIN * Math.sqrt(wNorm2[j]);
    double delta = target - z[j];
    for (int c = 0; c < d; c++) {
      double dir = pinv != null ? pinv[j * d + c] : m.w[0][j * d + c] / wNorm2[j];
      out[c] = x[c] + delta * dir;
    }
  }
}
