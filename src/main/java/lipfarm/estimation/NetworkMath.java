package lipfarm.estimation;

import lipfarm.protocol.NetworkSnapshot;

/**
 * Forward pass and exact input gradients of a {@link NetworkSnapshot}, f(x) = L_m σ(… σ(L_1 x)),
 * with σ = ReLU (or the identity when the activation is "linear"/"identity", or the net has a
 * single layer). At a ReLU kink the convention relu'(0) := 0 is used.
 *
 * <p>Every method allocates a fresh evaluator; callers evaluating many points should use {@link
 * LipschitzSandwich}, which reuses buffers.
 */
public final class NetworkMath {
  /** Unit roundoff of double precision. */
  static final double U = 0x1.0p-53;

  /** Relative inflation making computed norms safe upper bounds. */
  static final double SAFETY = 1e-9;

  /** Absolute inflation, so that even a zero matrix gets a strictly positive bound. */
  static final double TINY = 1e-300;

  private NetworkMath() {}

  /** The first output f_1(x). */
  public static double value(NetworkSnapshot net, double[] x) {
    checkInput(net, x);
    return new Mlp(net).forward(x)[0];
  }

  /** The first output at every row of {@code xs}: one copy of the weights for all of them. */
  public static double[] values(NetworkSnapshot net, double[][] xs) {
    Mlp mlp = new Mlp(net);
    double[] out = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      checkInput(net, xs[i]);
      out[i] = mlp.forward(xs[i])[0];
    }
    return out;
  }

  /** ∇_x f_1(x), the gradient of the first output, by backpropagation with relu'(0) := 0. */
  public static double[] inputGradient(NetworkSnapshot net, double[] x) {
    checkInput(net, x);
    Mlp mlp = new Mlp(net);
    mlp.forward(x);
    double[] seed = new double[mlp.outDim()];
    seed[0] = 1;
    double[] g = new double[mlp.inDim()];
    mlp.backward(seed, g);
    return g;
  }

  /**
   * The local Lipschitz norm at x: ‖∇f(x)‖₂ for a scalar output, σ_max(J_f(x)) (spectral norm of
   * the Jacobian) for a vector output.
   */
  public static double gradientNorm(NetworkSnapshot net, double[] x) {
    checkInput(net, x);
    Mlp mlp = new Mlp(net);
    return mlp.gradientNorm(x, new double[mlp.inDim()]);
  }

  /** The Jacobian ∂f_r/∂x_c at x, row-major {@code outputs × inputs}. */
  public static double[] jacobian(NetworkSnapshot net, double[] x) {
    checkInput(net, x);
    return new Mlp(net).jacobian(x);
  }

  /**
   * A certified upper bound on σ_max(A) for the row-major {@code rows × cols} matrix A.
   *
   * <p>Method: scale A by s = max|a_ij| (no overflow), form the Gram matrix G of the smaller side
   * (AAᵀ or AᵀA, so λ_max(G) = σ_max²), diagonalise it by cyclic Jacobi, and take the Gershgorin
   * bound of the rotated matrix. Rounding in the Gram product (≤ γ_inner·‖A‖_F²) and in the
   * rotations (≤ c·sweeps·n·u·‖G‖_F) is added explicitly, then the result is inflated by a relative
   * 1e-9 and an absolute 1e-300, so the bound is never below the true value: σ ≤ s·√((λ_G + err)(1
   * + 1e-9)).
   *
   * @return the bound; NaN if A contains NaN, +∞ if A contains an infinite entry
   */
  public static double spectralNormUpper(int rows, int cols, double[] rowMajor) {
    if (rows <= 0 || cols <= 0 || rowMajor.length != rows * cols) {
      throw new IllegalArgumentException(
          "need a " + rows + "x" + cols + " matrix, got length " + rowMajor.length);
    }
    double scale = 0;
    for (double v : rowMajor) {
      if (Double.isNaN(v)) {
        return Double.NaN;
      }
      scale = Math.max(scale, Math.abs(v));
    }
    if (Double.isInfinite(scale)) {
      return Double.POSITIVE_INFINITY;
    }
    if (scale == 0) {
      return TINY;
    }
    boolean left = rows <= cols;
    int n = left ? rows : cols;
    int inner = left ? cols : rows;
    double[] g = new double[n * n];
    double frob2 = 0;
    for (double v : rowMajor) {
      double t = v / scale;
      frob2 += t * t;
    }
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        double s = 0;
        for (int k = 0; k < inner; k++) {
          double a = left ? rowMajor[i * cols + k] : rowMajor[k * cols + i];
          double bb = left ? rowMajor[j * cols + k] : rowMajor[k * cols + j];
          s += (a / scale) * (bb / scale);
        }
        g[i * n + j] = s;
        g[j * n + i] = s;
      }
    }
    SymmetricEigen.Result e = SymmetricEigen.decompose(g, n, false);
    // Generous rounding allowance: Gram accumulation plus all Jacobi rotations, times 2.
    double err = 2 * (inner + 2 + 16.0 * n * (e.sweeps() + 1)) * U * frob2;
    double lambda = Math.max(0, e.gershgorinMax()) + err;
    double sigma = Math.sqrt(lambda * (1 + SAFETY));
    return scale * sigma * (1 + 4 * U) + TINY;
  }

  private static void checkInput(NetworkSnapshot net, double[] x) {
    if (x.length != net.inputDim()) {
      throw new IllegalArgumentException(
          "input has length " + x.length + " but the network expects " + net.inputDim());
    }
  }
}
