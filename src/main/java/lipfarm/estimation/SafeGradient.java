package lipfarm.estimation;

import static lipfarm.estimation.Rounding.U;
import static lipfarm.estimation.Rounding.gamma;
import static lipfarm.estimation.Rounding.underflow;

/**
 * Rounding-safe evaluation of one network: forward values with componentwise error bounds, and
 * certified lower bounds on the exact local Lipschitz norm ‖∇f(x)‖ (σ_max of the Jacobian for
 * vector outputs) at a point x. "Exact" means the real-arithmetic function of the stored double
 * weights and of the double x.
 *
 * <p>Error propagation (u = 2⁻⁵³, γ_n from {@link Rounding#gamma}): for z = Wh + b computed from a
 * computed h̃ with |h̃ − h| ≤ e_h, |z̃ − z| ≤ γ_{n+1}(|W||h̃| + |b|) + |W|e_h. A (leaky) ReLU gate
 * is certain when |z̃| > e_z, so the exact z has the same sign and f is differentiable at x with
 * that pattern; if some gate is uncertain the point certifies nothing (NaN). Smooth activations add
 * the documented accuracy of {@link Math#tanh}/{@link Math#exp}/{@link Math#log1p} (a generous
 * 64u·(|σ| + 1)) and their derivative's Lipschitz constant times e_z. The backward pass propagates
 * the same way, and the norm is bounded below by ‖g̃‖ − ‖e_g‖. Not thread-safe.
 */
final class SafeGradient {
  /** Allowance for the library evaluation of tanh/exp/log1p and of σ' from it. */
  private static final double EVAL = 64 * U;

  private final Mlp m;
  private final double[][] z;
  private final double[][] ez;
  private final double[][] h;
  private final double[][] eh;
  private final double[][] gate;
  private final double[][] egate;
  private final double[] out;
  private final double[] eout;
  private final double derivLip;

  SafeGradient(Mlp m) {
    this.m = m;
    int depth = m.depth;
    z = new double[depth][];
    ez = new double[depth][];
    h = new double[depth][];
    eh = new double[depth][];
    gate = new double[depth][];
    egate = new double[depth][];
    for (int l = 0; l < depth; l++) {
      z[l] = new double[m.width[l + 1]];
      ez[l] = new double[m.width[l + 1]];
      gate[l] = new double[m.width[l + 1]];
      egate[l] = new double[m.width[l + 1]];
      h[l] = new double[m.width[l]];
      eh[l] = new double[m.width[l]];
    }
    out = new double[m.outDim()];
    eout = new double[m.outDim()];
    derivLip =
        switch (m.act.kind) {
          case TANH -> 0.7699; // max |tanh''| = 4/(3√3) = 0.76980...
          case SOFTPLUS -> 0.25; // max sigmoid' = 1/4
          default -> 0;
        };
  }

  /**
   * Forward pass with error bounds. Returns false when a (leaky) ReLU gate's sign is not certain
   * (then the gates of that layer are not usable for a gradient, but the values and their errors
   * still are).
   */
  boolean forward(double[] x) {
    int depth = m.depth;
    System.arraycopy(x, 0, h[0], 0, m.width[0]);
    java.util.Arrays.fill(eh[0], 0);
    boolean certain = true;
    boolean pl = m.act.piecewiseLinear();
    for (int l = 0; l < depth; l++) {
      double[] wl = m.w[l];
      double[] bl = m.b[l];
      int cols = m.width[l];
      double g = gamma(cols + 1);
      double[] zl = z[l];
      double[] el = ez[l];
      for (int r = 0; r < zl.length; r++) {
        double s = bl == null ? 0 : bl[r];
        double abs = bl == null ? 0 : Math.abs(bl[r]);
        double prop = 0;
        int off = r * cols;
        for (int c = 0; c < cols; c++) {
          double wv = wl[off + c];
          s += wv * h[l][c];
          abs += Math.abs(wv * h[l][c]);
          prop += Math.abs(wv) * eh[l][c];
        }
        zl[r] = s;
        el[r] = (g * abs + prop * (1 + g) + underflow(cols)) * (1 + 4 * U);
      }
      if (l == depth - 1) {
        break;
      }
      double[] next = h[l + 1];
      double[] enext = eh[l + 1];
      double[] gl = gate[l];
      double[] egl = egate[l];
      for (int i = 0; i < zl.length; i++) {
        double v = m.act.value(zl[i]);
        next[i] = v;
        if (m.linear) {
          enext[i] = el[i];
          gl[i] = 1;
          egl[i] = 0;
        } else if (pl) {
          if (!(Math.abs(zl[i]) > el[i])) {
            certain = false;
          }
          // Same sign as the exact z: h = s·z exactly, one rounding for s = α.
          enext[i] = el[i] + 2 * U * Math.abs(v);
          gl[i] = m.act.derivative(zl[i]);
          egl[i] = 0;
        } else {
          enext[i] = (el[i] + EVAL * (Math.abs(v) + 1)) * (1 + 4 * U);
          gl[i] = m.act.derivative(zl[i]);
          egl[i] = (derivLip * el[i] + EVAL) * (1 + 4 * U);
        }
      }
    }
    System.arraycopy(z[depth - 1], 0, out, 0, out.length);
    System.arraycopy(ez[depth - 1], 0, eout, 0, out.length);
    return certain;
  }

  /** Output of the last {@link #forward} (a live buffer). */
  double[] value() {
    return out;
  }

  /** Componentwise error bound of {@link #value()} (a live buffer). */
  double[] valueError() {
    return eout;
  }

  /**
   * Backward pass for the covector {@code seed} (exact) after {@link #forward}: writes the computed
   * ∇(seedᵀf) into g and its componentwise error bound into eg.
   */
  private void backward(double[] seed, double[] g, double[] eg) {
    int depth = m.depth;
    double[] v = seed.clone();
    double[] ev = new double[v.length];
    for (int l = depth - 1; l >= 0; l--) {
      double[] wl = m.w[l];
      int rows = m.width[l + 1];
      int cols = m.width[l];
      double gm = gamma(rows);
      double[] p = new double[cols];
      double[] abs = new double[cols];
      double[] prop = new double[cols];
      for (int r = 0; r < rows; r++) {
        double vr = v[r];
        double er = ev[r];
        int off = r * cols;
        for (int c = 0; c < cols; c++) {
          double wv = wl[off + c];
          p[c] += wv * vr;
          abs[c] += Math.abs(wv * vr);
          prop[c] += Math.abs(wv) * er;
        }
      }
      double[] ep = new double[cols];
      for (int c = 0; c < cols; c++) {
        ep[c] = (gm * abs[c] + prop[c] * (1 + gm) + underflow(rows)) * (1 + 4 * U);
      }
      if (l == 0) {
        System.arraycopy(p, 0, g, 0, cols);
        System.arraycopy(ep, 0, eg, 0, cols);
        return;
      }
      double[] gt = gate[l - 1];
      double[] egt = egate[l - 1];
      v = new double[cols];
      ev = new double[cols];
      for (int c = 0; c < cols; c++) {
        double t = gt[c] * p[c];
        v[c] = t;
        // |D̃p̃ − Dp| ≤ |D̃|e_p + e_D(|p̃| + e_p), plus one rounding of the product.
        ev[c] =
            (Math.abs(gt[c]) * ep[c] + egt[c] * (Math.abs(p[c]) + ep[c]) + 2 * U * Math.abs(t))
                * (1 + 4 * U);
      }
    }
  }

  /**
   * A certified lower bound on the exact ‖∇f(x)‖₂ (σ_max(J_f(x)) for vector outputs), where f is
   * differentiable at x; NaN when a (leaky) ReLU gate's sign is uncertain at x (x may lie on a kink
   * of f). Never above the exact value.
   */
  double lowerNorm(double[] x) {
    if (!forward(x)) {
      return Double.NaN;
    }
    int d = m.inDim();
    int mo = m.outDim();
    double[] seed = new double[mo];
    double[] g = new double[d];
    double[] eg = new double[d];
    if (mo == 1) {
      seed[0] = 1;
      backward(seed, g, eg);
      return Math.max(0, Rounding.normLower(g, eg, d));
    }
    // σ_max(J) ≥ ‖Jᵀq‖ for any unit q; take q ≈ the top left singular vector of the computed J̃.
    double[] jac = new double[mo * d];
    double[] ejac = new double[mo * d];
    for (int r = 0; r < mo; r++) {
      java.util.Arrays.fill(seed, 0);
      seed[r] = 1;
      backward(seed, g, eg);
      System.arraycopy(g, 0, jac, r * d, d);
      System.arraycopy(eg, 0, ejac, r * d, d);
    }
    double[] q = new double[mo];
    Mlp.topGram(jac, mo, d, q);
    double qn = Rounding.normUp(q, mo);
    if (!(qn > 0)) {
      return 0;
    }
    // y = J̃ᵀq with |fl(y) − J̃ᵀq| ≤ γ_m|J̃|ᵀ|q|; |J − J̃| ≤ E gives ‖(J − J̃)ᵀq‖ ≤ ‖Eᵀ|q|‖.
    double gm = gamma(mo);
    double[] y = new double[d];
    double[] ey = new double[d];
    for (int c = 0; c < d; c++) {
      double s = 0;
      double abs = 0;
      double prop = 0;
      for (int r = 0; r < mo; r++) {
        s += jac[r * d + c] * q[r];
        abs += Math.abs(jac[r * d + c] * q[r]);
        prop += ejac[r * d + c] * Math.abs(q[r]);
      }
      y[c] = s;
      ey[c] = (gm * abs + prop * (1 + gm) + underflow(mo)) * (1 + 4 * U);
    }
    double num = Rounding.normLower(y, ey, d);
    return Math.max(0, Rounding.down(num / qn));
  }
}
