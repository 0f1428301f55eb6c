package lipfarm.estimation;

import java.util.List;
import lipfarm.protocol.NetworkSnapshot;

/**
 * Allocation-free evaluator of one network: forward pass with any {@link HiddenActivation}, exact
 * input gradients / Jacobians, and the smoothed surrogate used for gradient ascent. Buffers are
 * reused between calls, so an instance is not thread-safe.
 *
 * <p>Layer l maps h_l (width[l]) to z_l = W_l h_l + b_l (width[l+1]); hidden layers apply σ.
 */
final class Mlp {
  final int depth;
  final int[] width;
  final double[][] w;
  final double[][] b;

  /** The hidden activation (the identity for a single-layer net). */
  final HiddenActivation act;

  /** True when f is affine: identity activation or a single layer. */
  final boolean linear;

  private final double[][] z;
  private final double[][] h;
  private final double[][] dz;
  private final double[][] dh;
  // Surrogate buffers: softplus pre-activations, gates σ'(z)=sigmoid(βz), curvatures σ''(z).
  private final double[][] gate;
  private final double[][] curv;
  private final double[][] zdot;
  private final double[][] hdot;
  private final double[][] rdz;
  private final double[][] rdh;
  private final double[] jac;
  private final double[] seed;
  private final double[] sur = new double[3];
  private boolean kink;

  Mlp(NetworkSnapshot net) {
    List<NetworkSnapshot.Layer> layers = net.layers();
    depth = layers.size();
    act = activationOf(net);
    linear = act.kind == HiddenActivation.Kind.LINEAR;
    width = new int[depth + 1];
    w = new double[depth][];
    b = new double[depth][];
    width[0] = net.inputDim();
    for (int l = 0; l < depth; l++) {
      NetworkSnapshot.Layer layer = layers.get(l);
      width[l + 1] = layer.rows();
      w[l] = layer.weights();
      b[l] = layer.bias();
    }
    z = new double[depth][];
    dz = new double[depth][];
    gate = new double[depth][];
    curv = new double[depth][];
    zdot = new double[depth][];
    rdz = new double[depth][];
    h = new double[depth][];
    dh = new double[depth][];
    hdot = new double[depth][];
    rdh = new double[depth][];
    for (int l = 0; l < depth; l++) {
      z[l] = new double[width[l + 1]];
      dz[l] = new double[width[l + 1]];
      gate[l] = new double[width[l + 1]];
      curv[l] = new double[width[l + 1]];
      zdot[l] = new double[width[l + 1]];
      rdz[l] = new double[width[l + 1]];
      h[l] = new double[width[l]];
      dh[l] = new double[width[l]];
      hdot[l] = new double[width[l]];
      rdh[l] = new double[width[l]];
    }
    jac = new double[outDim() * inDim()];
    seed = new double[outDim()];
  }

  /**
   * The hidden activation of a snapshot; a single-layer net has none, so its name is irrelevant.
   *
   * @throws IllegalArgumentException for an unknown activation name
   */
  static HiddenActivation activationOf(NetworkSnapshot net) {
    if (net.layers().size() == 1) {
      return HiddenActivation.LINEAR;
    }
    return HiddenActivation.parse(net.activation());
  }

  int inDim() {
    return width[0];
  }

  int outDim() {
    return width[depth];
  }

  /**
   * Whether the last exact forward pass met a hidden pre-activation exactly at the kink of a
   * (leaky) ReLU, where f need not be differentiable.
   */
  boolean kink() {
    return kink;
  }

  /** Exact forward pass; returns the output vector (a live buffer). */
  double[] forward(double[] x) {
    System.arraycopy(x, 0, h[0], 0, width[0]);
    kink = false;
    for (int l = 0; l < depth; l++) {
      affine(l, h[l], z[l]);
      if (l < depth - 1) {
        double[] zl = z[l];
        double[] next = h[l + 1];
        boolean pl = act.piecewiseLinear();
        for (int i = 0; i < zl.length; i++) {
          if (pl && zl[i] == 0) {
            kink = true;
          }
          next[i] = act.value(zl[i]);
        }
      }
    }
    return z[depth - 1];
  }

  private void affine(int l, double[] in, double[] out) {
    double[] wl = w[l];
    double[] bl = b[l];
    int cols = width[l];
    for (int r = 0; r < out.length; r++) {
      double s = bl == null ? 0 : bl[r];
      int off = r * cols;
      for (int c = 0; c < cols; c++) {
        s += wl[off + c] * in[c];
      }
      out[r] = s;
    }
  }

  private void transposeTimes(int l, double[] in, double[] out) {
    double[] wl = w[l];
    int cols = width[l];
    java.util.Arrays.fill(out, 0);
    for (int r = 0; r < in.length; r++) {
      double g = in[r];
      if (g == 0) {
        continue;
      }
      int off = r * cols;
      for (int c = 0; c < cols; c++) {
        out[c] += wl[off + c] * g;
      }
    }
  }

  /**
   * Backpropagates {@code seed} (a covector on the outputs) through the last forward pass with the
   * exact gates σ'(z) (for (leaky) ReLU σ'(0) := α, the left slope); writes ∇_x (seedᵀ f) into out.
   */
  void backward(double[] seedVec, double[] out) {
    System.arraycopy(seedVec, 0, dz[depth - 1], 0, outDim());
    for (int l = depth - 1; l >= 0; l--) {
      transposeTimes(l, dz[l], dh[l]);
      if (l >= 1) {
        double[] zp = z[l - 1];
        double[] d = dz[l - 1];
        double[] g = dh[l];
        for (int i = 0; i < d.length; i++) {
          d[i] = linear ? g[i] : act.derivative(zp[i]) * g[i];
        }
      }
    }
    System.arraycopy(dh[0], 0, out, 0, width[0]);
  }

  /**
   * Exact local Lipschitz norm at x: ‖∇f(x)‖₂ for one output, else σ_max of the Jacobian (computed,
   * not inflated: this is a value the network attains). Check {@link #kink()} afterwards.
   */
  double gradientNorm(double[] x, double[] gradOut) {
    forward(x);
    int m = outDim();
    int d = inDim();
    if (m == 1) {
      seed[0] = 1;
      backward(seed, gradOut);
      return norm(gradOut, d);
    }
    jacobianAfterForward(gradOut);
    return Math.sqrt(Math.max(0, topGram(jac, m, d, null)));
  }

  /** Fills {@link #jac} (m×d row-major) from the last exact forward pass. */
  private void jacobianAfterForward(double[] scratch) {
    int m = outDim();
    int d = inDim();
    for (int r = 0; r < m; r++) {
      java.util.Arrays.fill(seed, 0);
      seed[r] = 1;
      backward(seed, scratch);
      System.arraycopy(scratch, 0, jac, r * d, d);
    }
  }

  /** Copy of the Jacobian (m×d row-major) at x. */
  double[] jacobian(double[] x) {
    forward(x);
    jacobianAfterForward(new double[inDim()]);
    return jac.clone();
  }

  /**
   * λ_max of the Gram matrix of the smaller side of the m×d matrix a; if uOut is non-null (length
   * m) it receives the top left singular vector.
   */
  static double topGram(double[] a, int m, int d, double[] uOut) {
    boolean left = m <= d || uOut != null;
    int n = left ? m : d;
    double[] g = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        double s = 0;
        if (left) {
          for (int c = 0; c < d; c++) {
            s += a[i * d + c] * a[j * d + c];
          }
        } else {
          for (int r = 0; r < m; r++) {
            s += a[r * d + i] * a[r * d + j];
          }
        }
        g[i * n + j] = s;
        g[j * n + i] = s;
      }
    }
    SymmetricEigen.Result e = SymmetricEigen.decompose(g, n, uOut != null);
    int top = e.argMax();
    if (uOut != null) {
      System.arraycopy(e.vector(top), 0, uOut, 0, m);
    }
    return e.value(top);
  }

  /**
   * Smoothed surrogate for gradient ascent. The network is evaluated with the activation's smooth
   * surrogate (see {@link HiddenActivation#surrogate}: for ReLU softplus_β(z) = log(1 + e^{βz})/β,
   * gate sigmoid(βz), second derivative β·s(1−s); smooth activations are used as they are). With G
   * = J_βᵀu (u the top left singular vector of the smoothed Jacobian J_β) the surrogate is Φ = ‖G‖
   * = σ_max(J_β), and by the envelope theorem ∇Φ = H_{uᵀf_β}(x)·G/‖G‖, computed by a forward
   * tangent pass and a second-order (Pearlmutter R-op) backward pass.
   *
   * @return Φ(x); dirOut receives ∇Φ(x)
   */
  double surrogate(double[] x, double beta, double[] dirOut) {
    int m = outDim();
    int d = inDim();
    // Forward with softplus; remember gates and curvatures.
    System.arraycopy(x, 0, h[0], 0, d);
    for (int l = 0; l < depth; l++) {
      affine(l, h[l], z[l]);
      if (l < depth - 1) {
        double[] zl = z[l];
        for (int i = 0; i < zl.length; i++) {
          act.surrogate(zl[i], beta, sur);
          h[l + 1][i] = sur[0];
          gate[l][i] = sur[1];
          curv[l][i] = sur[2];
        }
      }
    }
    double[] u = new double[m];
    double[] g = new double[d];
    if (m == 1) {
      u[0] = 1;
    } else {
      for (int r = 0; r < m; r++) {
        java.util.Arrays.fill(seed, 0);
        seed[r] = 1;
        softBackward(seed, g);
        System.arraycopy(g, 0, jac, r * d, d);
      }
      topGram(jac, m, d, u);
    }
    softBackward(u, g);
    double phi = norm(g, d);
    if (phi == 0) {
      java.util.Arrays.fill(dirOut, 0, d, 0);
      return 0;
    }
    // Forward tangent along v = G/‖G‖.
    for (int c = 0; c < d; c++) {
      hdot[0][c] = g[c] / phi;
    }
    for (int l = 0; l < depth - 1; l++) {
      double[] zd = zdot[l];
      double[] wl = w[l];
      int cols = width[l];
      for (int r = 0; r < zd.length; r++) {
        double s = 0;
        for (int c = 0; c < cols; c++) {
          s += wl[r * cols + c] * hdot[l][c];
        }
        zd[r] = s;
        hdot[l + 1][r] = gate[l][r] * s;
      }
    }
    // R-op backward: d/dε of the backward pass, with dh from softBackward(u) still in place.
    java.util.Arrays.fill(rdz[depth - 1], 0);
    for (int l = depth - 1; l >= 0; l--) {
      transposeTimes(l, rdz[l], rdh[l]);
      if (l >= 1) {
        double[] out = rdz[l - 1];
        for (int i = 0; i < out.length; i++) {
          out[i] = gate[l - 1][i] * rdh[l][i] + curv[l - 1][i] * zdot[l - 1][i] * dh[l][i];
        }
      }
    }
    System.arraycopy(rdh[0], 0, dirOut, 0, d);
    return phi;
  }

  /** Backward pass with the smooth gates of the last surrogate forward pass. */
  private void softBackward(double[] seedVec, double[] out) {
    System.arraycopy(seedVec, 0, dz[depth - 1], 0, outDim());
    for (int l = depth - 1; l >= 0; l--) {
      transposeTimes(l, dz[l], dh[l]);
      if (l >= 1) {
        double[] d = dz[l - 1];
        for (int i = 0; i < d.length; i++) {
          d[i] = gate[l - 1][i] * dh[l][i];
        }
      }
    }
    System.arraycopy(dh[0], 0, out, 0, width[0]);
  }

  static double norm(double[] v, int len) {
    double s = 0;
    for (int i = 0; i < len; i++) {
      s += v[i] * v[i];
    }
    return Math.sqrt(s);
  }
}
