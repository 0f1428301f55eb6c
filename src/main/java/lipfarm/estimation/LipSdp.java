package lipfarm.estimation;

import static lipfarm.estimation.NetworkMath.U;

/**
 * ECLipsE-Fast and LipSDP-Neuron upper bounds without an SDP solver, for activations
 * slope-restricted in [0, 1].
 *
 * <p><b>The LMI.</b> For f = W_H σ(W_{H−1} ⋯ σ(W_0 x)) with hidden widths n_1..n_H and diagonal
 * multipliers T_i = diag(t_i) ⪰ 0, LipSDP-Neuron (Fazlyab et al. 2019, slope bounds α = 0, β = 1)
 * certifies L ≤ √ρ whenever the block tri-diagonal matrix
 *
 * <pre>
 *   A(ρ, T) = [ ρI        −W_0ᵀT_1                              ]
 *             [ −T_1W_0   2T_1       −W_1ᵀT_2                   ]
 *             [           −T_2W_1    2T_2     ⋱                 ]
 *             [                      ⋱        2T_H − W_HᵀW_H    ]
 * </pre>
 *
 * is positive semidefinite. Eliminating blocks from the last one: Y_H = 2T_H − W_HᵀW_H, Y_i = 2T_i
 * − W_iᵀT_{i+1}Y_{i+1}⁻¹T_{i+1}W_i, and A ⪰ 0 iff every Y_i ≻ 0 and ρ ≥ ρ(T) = λ_max(W_0ᵀ T_1 Y_1⁻¹
 * T_1 W_0). (One hidden layer, scalar output: ρ(t) = λ_max(Wᵀ T (2T − aaᵀ)⁻¹ T W), as in
 * docs/estimators.md.)
 *
 * <p><b>Gradient.</b> For the top eigenvector v of that matrix, with q_0 = v, e_i = W_{i−1}q_{i−1},
 * q_i = Y_i⁻¹(t_i ∘ e_i): ∂ρ/∂t_i = 2 q_i ∘ (e_i − q_i). The optimiser runs gradient steps on log t
 * of a soft maximum of the top eigenvalues (the exact λ_max is not smooth where it is multiple),
 * with backtracking that rejects infeasible steps.
 *
 * <p><b>ECLipsE-Fast</b> (Xu & Sivaranjani 2024) is the feasible point T_i = c·τ_i·I of the same
 * LMI obtained by eliminating forwards with X_0 = I: τ_i = 1/λ_max(W_{i−1}X_{i−1}⁻¹W_{i−1}ᵀ), X_i =
 * 2τ_iI − τ_i²W_{i−1}X_{i−1}⁻¹W_{i−1}ᵀ, c = λ_max(W_H X_H⁻¹ W_Hᵀ), L ≤ √c.
 *
 * <p><b>Certificate.</b> A value is reported only after {@link #certify} proved A(ρ', T) ≻ 0 for
 * the rounded ρ' = ρ(1 + δ) by a shifted floating-point Cholesky with Demmel's backward-error bound
 * (see there), so neither the optimiser's accuracy nor rounding can make a reported bound invalid.
 */
final class LipSdp {
  /** Largest LMI dimension d + Σ n_i attempted (dense O(N³) Cholesky per certificate). */
  static final int MAX_DIM = 1200;

  /** Optimiser iterations before stopping. */
  static final int MAX_ITERATIONS = 400;

  /** Accepted steps between two certificates. */
  private static final int CERTIFY_EVERY = 20;

  /** Relative inflations of ρ tried, smallest first, until the LMI check passes. */
  private static final double[] INFLATIONS = {1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 5e-2};

  /** Eigenpairs entering the soft maximum. */
  private static final int RITZ = 6;

  private final Mlp m;
  private final int hidden;
  private final int[] n;
  private final double[] lastGram; // W_HᵀW_H
  private final double[] lastGramAbs; // |W_H|ᵀ|W_H|, for rounding allowances

  private double[][] s; // log t per hidden layer
  private Eval cur;
  private double[][] curGrad;
  private double eta = 0.1;
  private double tau = 0.02;
  private int iterations;
  private int accepted;
  private boolean done;
  private double best = Double.POSITIVE_INFINITY;
  private double eclipse = Double.NaN;
  private double[][] eclipseT;
  private double eclipseRho;

  LipSdp(Mlp m) {
    this.m = m;
    this.hidden = m.depth - 1;
    this.n = m.width;
    int h = hidden;
    int rows = n[h + 1];
    int cols = n[h];
    lastGram = new double[cols * cols];
    lastGramAbs = new double[cols * cols];
    double[] w = m.w[h];
    for (int a = 0; a < cols; a++) {
      for (int b = 0; b < cols; b++) {
        double sum = 0;
        double abs = 0;
        for (int r = 0; r < rows; r++) {
          sum += w[r * cols + a] * w[r * cols + b];
          abs += Math.abs(w[r * cols + a] * w[r * cols + b]);
        }
        lastGram[a * cols + b] = sum;
        lastGramAbs[a * cols + b] = abs;
      }
    }
    done = !applicable(m);
  }

  /** Needs at least one hidden layer and an LMI small enough for dense factorisations. */
  static boolean applicable(Mlp m) {
    if (m.depth < 2 || m.linear) {
      return false;
    }
    long dim = 0;
    for (int l = 0; l < m.depth; l++) {
      dim += m.width[l];
    }
    return dim <= MAX_DIM;
  }

  /** Certified ECLipsE-Fast bound, NaN if not applicable or not certifiable. */
  double eclipseFast() {
    if (!applicable(m)) {
      return Double.NaN;
    }
    double[] lx = identityFactor(n[0]);
    double[] tau = new double[hidden];
    for (int i = 1; i <= hidden; i++) {
      double[] wt = Dense.transpose(m.w[i - 1], n[i], n[i - 1]);
      double[] a = Dense.congruenceInverse(lx, n[i - 1], wt, n[i]);
      double lam = Dense.lambdaMax(a, n[i]);
      if (!(lam > 0) || !Double.isFinite(lam)) {
        return Double.NaN;
      }
      tau[i - 1] = 1 / lam;
      double t = tau[i - 1];
      double[] x = new double[n[i] * n[i]];
      for (int p = 0; p < x.length; p++) {
        x[p] = -t * t * a[p];
      }
      for (int p = 0; p < n[i]; p++) {
        x[p * n[i] + p] += 2 * t;
      }
      lx = Dense.cholesky(x, n[i]);
      if (lx == null) {
        return Double.NaN;
      }
    }
    double[] wt = Dense.transpose(m.w[hidden], n[hidden + 1], n[hidden]);
    double c =
        Dense.lambdaMax(Dense.congruenceInverse(lx, n[hidden], wt, n[hidden + 1]), n[hidden + 1]);
    double[][] t = new double[hidden][];
    for (int i = 0; i < hidden; i++) {
      t[i] = new double[n[i + 1]];
      java.util.Arrays.fill(t[i], c * tau[i]);
    }
    eclipseT = t;
    eclipseRho = c;
    eclipse = certify(t, c);
    return eclipse;
  }

  private static double[] identityFactor(int d) {
    double[] l = new double[d * d];
    for (int i = 0; i < d; i++) {
      l[i * d + i] = 1;
    }
    return l;
  }

  /** Best certified LipSDP-Neuron bound so far (+∞ before the first certificate). */
  double best() {
    return best;
  }

  boolean done() {
    return done;
  }

  int iterations() {
    return iterations;
  }

  /** The factorised elimination for one T: Cholesky factors of Y_1..Y_H and the top eigenpairs. */
  record Eval(double[][] t, double[][] chol, double[] values, double[] vectors) {
    double top() {
      return values[0];
    }
  }

  /** Backward elimination for multipliers t; null when some Y_i is not positive definite. */
  Eval evaluate(double[][] t, double[] warm) {
    double[][] chol = new double[hidden][];
    double[] y = null;
    for (int i = hidden; i >= 1; i--) {
      int ni = n[i];
      double[] ti = t[i - 1];
      if (i == hidden) {
        y = new double[ni * ni];
        for (int p = 0; p < y.length; p++) {
          y[p] = -lastGram[p];
        }
      } else {
        double[] tw = scaledRows(t[i], m.w[i], n[i + 1], ni);
        double[] c = Dense.congruenceInverse(chol[i], n[i + 1], tw, ni);
        y = new double[ni * ni];
        for (int p = 0; p < y.length; p++) {
          y[p] = -c[p];
        }
      }
      for (int p = 0; p < ni; p++) {
        y[p * ni + p] += 2 * ti[p];
      }
      chol[i - 1] = Dense.cholesky(y, ni);
      if (chol[i - 1] == null) {
        return null;
      }
    }
    double[] tw = scaledRows(t[0], m.w[0], n[1], n[0]);
    double[] g = Dense.congruenceInverse(chol[0], n[1], tw, n[0]);
    double[][] e = Dense.topEigen(g, n[0], RITZ, warm, warm == null ? 60 : 12);
    return new Eval(t, chol, e[0], e[1]);
  }

  /** diag(t)·W for the rows×cols matrix W. */
  private static double[] scaledRows(double[] t, double[] w, int rows, int cols) {
    double[] out = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[r * cols + c] = t[r] * w[r * cols + c];
      }
    }
    return out;
  }

  /** ∂ρ/∂t_i for the unit vector v (see the class comment), added with weight into grad. */
  void addGradient(Eval e, double[] v, double weight, double[][] grad) {
    double[] q = v.clone();
    for (int i = 1; i <= hidden; i++) {
      double[] ei = new double[n[i]];
      Dense.times(m.w[i - 1], n[i], n[i - 1], q, ei);
      double[] qi = new double[n[i]];
      double[] ti = e.t()[i - 1];
      for (int p = 0; p < n[i]; p++) {
        qi[p] = ti[p] * ei[p];
      }
      Dense.solve(e.chol()[i - 1], n[i], qi);
      for (int p = 0; p < n[i]; p++) {
        grad[i - 1][p] += weight * 2 * qi[p] * (ei[p] - qi[p]);
      }
      q = qi;
    }
  }

  /** Soft maximum λ_1 + τλ_1·log Σ_j exp((λ_j − λ_1)/(τλ_1)) with the given scale, and weights. */
  private static double softMax(double[] values, double scale, double[] weightsOut) {
    double top = values[0];
    double z = 0;
    for (int j = 0; j < values.length; j++) {
      double w = Math.exp((values[j] - top) / scale);
      if (weightsOut != null) {
        weightsOut[j] = w;
      }
      z += w;
    }
    if (weightsOut != null) {
      for (int j = 0; j < values.length; j++) {
        weightsOut[j] /= z;
      }
    }
    return top + scale * Math.log(z);
  }

  /**
   * One optimiser iteration (the first call starts from ECLipsE-Fast's multipliers, inflated by 1%
   * so the start is strictly feasible).
   *
   * @return true while the optimiser has more to do
   */
  boolean step() {
    if (done) {
      return false;
    }
    iterations++;
    if (cur == null) {
      if (eclipseT == null && Double.isNaN(eclipseFast())) {
        done = true;
        return false;
      }
      s = new double[hidden][];
      for (int i = 0; i < hidden; i++) {
        s[i] = new double[n[i + 1]];
        java.util.Arrays.fill(s[i], Math.log(1.01 * eclipseT[i][0]));
      }
      cur = evaluate(exp(s), null);
      if (cur == null) {
        done = true;
        return false;
      }
      curGrad = gradient(cur);
      return true;
    }
    double scale = tau * cur.top();
    double fCur = softMax(cur.values(), scale, null);
    double gmax = 0;
    for (double[] g : curGrad) {
      for (double v : g) {
        gmax = Math.max(gmax, Math.abs(v));
      }
    }
    double[][] trial = new double[hidden][];
    for (int i = 0; i < hidden; i++) {
      trial[i] = new double[s[i].length];
      for (int p = 0; p < trial[i].length; p++) {
        trial[i][p] = s[i][p] - (gmax == 0 ? 0 : eta * curGrad[i][p] / gmax);
      }
    }
    Eval next = gmax == 0 ? null : evaluate(exp(trial), cur.vectors());
    if (next != null && softMax(next.values(), scale, null) < fCur) {
      s = trial;
      cur = next;
      curGrad = gradient(cur);
      eta = Math.min(eta * 1.3, 1.0);
      if (++accepted % CERTIFY_EVERY == 0) {
        certifyCurrent();
      }
    } else {
      eta *= 0.5;
      if (eta < 1e-4) {
        certifyCurrent();
        // Converged for this smoothing: sharpen the soft maximum, or stop.
        if (tau < 1e-6) {
          done = true;
        } else {
          tau *= 0.2;
          eta = 0.05;
          curGrad = gradient(cur);
        }
      }
    }
    if (iterations >= MAX_ITERATIONS && !done) {
      certifyCurrent();
      done = true;
    }
    return !done;
  }

  private void certifyCurrent() {
    double v = certify(cur.t(), cur.top());
    if (v < best) {
      best = v;
    }
  }

  /** ∂(log soft-max)/∂(log t) at e. */
  private double[][] gradient(Eval e) {
    double[][] g = new double[hidden][];
    for (int i = 0; i < hidden; i++) {
      g[i] = new double[n[i + 1]];
    }
    double scale = tau * e.top();
    double[] w = new double[e.values().length];
    double f = softMax(e.values(), scale, w);
    int d = n[0];
    for (int j = 0; j < w.length; j++) {
      if (w[j] < 1e-6) {
        continue;
      }
      double[] v = new double[d];
      System.arraycopy(e.vectors(), j * d, v, 0, d);
      addGradient(e, v, w[j], g);
    }
    for (int i = 0; i < hidden; i++) {
      for (int p = 0; p < g[i].length; p++) {
        g[i][p] *= e.t()[i][p] / f;
      }
    }
    return g;
  }

  private static double[][] exp(double[][] s) {
    double[][] t = new double[s.length][];
    for (int i = 0; i < s.length; i++) {
      t[i] = new double[s[i].length];
      for (int p = 0; p < t[i].length; p++) {
        t[i][p] = Math.exp(s[i][p]);
      }
    }
    return t;
  }

  /**
   * Proves A(ρ', T) ≻ 0 for ρ' = ρ(1 + δ), trying the {@link #INFLATIONS} in turn, and returns the
   * certified bound √ρ' rounded up; NaN if no inflation passes.
   *
   * <p>Argument: Â, the computed A, equals A + E with |E| bounded entrywise (one rounding per
   * product t·w, γ_m·(|W_H|ᵀ|W_H|) for the Gram block, one rounding per diagonal sum). If
   * floating-point Cholesky of B = Â − cI succeeds with factor R̂, then R̂ᵀR̂ = B + ΔB with |ΔB| ≤
   * γ_{N+1}|R̂ᵀ||R̂| (Demmel 1989; Higham, Thm 10.3), so λ_min(A) ≥ c − ‖E‖_F − γ_{N+1}‖R̂‖_F² −
   * ‖shift rounding‖, which the check requires to be positive (with a further factor 2 of slack).
   */
  double certify(double[][] t, double rho) {
    if (!(rho > 0) || !Double.isFinite(rho)) {
      return Double.NaN;
    }
    for (double delta : INFLATIONS) {
      double r = rho * (1 + delta);
      if (positiveDefinite(t, r)) {
        return Math.sqrt(r) * (1 + 4 * U);
      }
    }
    return Double.NaN;
  }

  private boolean positiveDefinite(double[][] t, double rho) {
    int[] off = new int[hidden + 2];
    for (int i = 0; i <= hidden; i++) {
      off[i + 1] = off[i] + n[i];
    }
    int dim = off[hidden + 1];
    double[] a = new double[dim * dim];
    double e2 = 0; // ‖E‖_F² (entry rounding allowance)
    for (int p = 0; p < n[0]; p++) {
      a[p * dim + p] = rho;
    }
    for (int i = 1; i <= hidden; i++) {
      double[] ti = t[i - 1];
      double[] w = m.w[i - 1];
      int rows = n[i];
      int cols = n[i - 1];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          double v = -ti[r] * w[r * cols + c];
          a[(off[i] + r) * dim + off[i - 1] + c] = v;
          a[(off[i - 1] + c) * dim + off[i] + r] = v;
          e2 += 2 * sq(U * Math.abs(v));
        }
        a[(off[i] + r) * dim + off[i] + r] = 2 * ti[r];
      }
    }
    int h = off[hidden];
    int nh = n[hidden];
    double gamma = (n[hidden + 1] + 1) * U / (1 - (n[hidden + 1] + 1) * U);
    for (int p = 0; p < nh; p++) {
      for (int q = 0; q < nh; q++) {
        int idx = (h + p) * dim + h + q;
        double v = a[idx] - lastGram[p * nh + q];
        a[idx] = v;
        e2 += sq(gamma * lastGramAbs[p * nh + q] + (p == q ? U * Math.abs(v) : 0));
      }
    }
    double trace = 0;
    for (int p = 0; p < dim; p++) {
      trace += Math.abs(a[p * dim + p]);
    }
    double gammaN = (dim + 1) * U / (1 - (dim + 1) * U);
    double eF = Math.sqrt(e2) * (1 + dim * U);
    double c = 8 * gammaN * trace + 4 * eF;
    for (int p = 0; p < dim; p++) {
      double v = a[p * dim + p] - c;
      a[p * dim + p] = v;
      e2 += sq(U * Math.abs(v));
    }
    eF = Math.sqrt(e2) * (1 + dim * U);
    double[] l = Dense.cholesky(a, dim);
    if (l == null) {
      return false;
    }
    double r2 = 0;
    for (double v : l) {
      r2 += v * v;
    }
    r2 *= 1 + (dim * dim + 2) * U;
    return c > 2 * (eF + gammaN * r2);
  }

  private static double sq(double v) {
    return v * v;
  }
}
