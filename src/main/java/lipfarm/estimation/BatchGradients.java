package lipfarm.estimation;

/**
 * Batched input-gradient norms of a two-layer scalar net f(x) = Σ_j a_j σ(w_j·x + b_j) + c on float
 * arrays: for a batch X (B×d) it computes Z = XWᵀ + b (B×k), the gated coefficients U_ij = a_j
 * σ'(Z_ij), G = UW (B×d) and ‖G_i‖ — about 4·d·k floating-point operations per point, as two
 * gemm-shaped products.
 *
 * <p>Why this shape: the JIT vectorises only simple unit-stride loops of the form y[j] += s·x[j]
 * (float reductions are not vectorised, because reassociation changes the result). Both products
 * are therefore written as rank-one updates over the contiguous dimension, and {@value #ROWS}
 * points are processed together so each row of W (or Wᵀ) loaded from cache feeds {@value #ROWS}
 * accumulators. Single precision halves the memory traffic and doubles the SIMD width; the norms
 * are used for throughput and screening, while certified values are recomputed in double by {@link
 * Mlp}.
 */
public final class BatchGradients {
  /** Points processed together per pass over the weights. */
  static final int ROWS = 4;

  private final int d;
  private final int k;
  private final float[] w; // k×d
  private final float[] wt; // d×k
  private final float[] b; // k
  private final float[] a; // k
  private final HiddenActivation act;
  private final float[] z;
  private final float[] g;

  /**
   * @param w first-layer weights, row-major k×d
   * @param b biases (length k) or null
   * @param a output weights (length k)
   * @param activation hidden activation name (relu, leaky-relu:α, tanh, softplus, linear)
   */
  public BatchGradients(int d, int k, double[] w, double[] b, double[] a, String activation) {
    this.d = d;
    this.k = k;
    this.w = new float[k * d];
    this.wt = new float[d * k];
    for (int j = 0; j < k; j++) {
      for (int c = 0; c < d; c++) {
        this.w[j * d + c] = (float) w[j * d + c];
        this.wt[c * k + j] = (float) w[j * d + c];
      }
    }
    this.b = new float[k];
    this.a = new float[k];
    for (int j = 0; j < k; j++) {
      this.b[j] = b == null ? 0 : (float) b[j];
      this.a[j] = (float) a[j];
    }
    this.act = HiddenActivation.parse(activation);
    z = new float[ROWS * k];
    g = new float[ROWS * d];
  }

  /**
   * Writes ‖∇f(x_i)‖ for the n points of x (row-major n×d) into out[0..n).
   *
   * @param x the batch, row-major
   * @param n number of points
   * @param out receives the gradient norms
   */
  public void norms(float[] x, int n, float[] out) {
    int i = 0;
    for (; i + ROWS <= n; i += ROWS) {
      block4(x, i, out);
    }
    for (; i < n; i++) {
      single(x, i, out);
    }
  }

  private void block4(float[] x, int i, float[] out) {
    final int k = this.k;
    final int d = this.d;
    final float[] z = this.z;
    final float[] wt = this.wt;
    for (int j = 0; j < k; j++) {
      z[j] = b[j];
      z[k + j] = b[j];
      z[2 * k + j] = b[j];
      z[3 * k + j] = b[j];
    }
    int o0 = i * d;
    for (int c = 0; c < d; c++) {
      float x0 = x[o0 + c];
      float x1 = x[o0 + d + c];
      float x2 = x[o0 + 2 * d + c];
      float x3 = x[o0 + 3 * d + c];
      int oc = c * k;
      for (int j = 0; j < k; j++) {
        float wv = wt[oc + j];
        z[j] += x0 * wv;
        z[k + j] += x1 * wv;
        z[2 * k + j] += x2 * wv;
        z[3 * k + j] += x3 * wv;
      }
    }
    gate(z, 4 * k);
    final float[] g = this.g;
    java.util.Arrays.fill(g, 0f);
    final float[] w = this.w;
    for (int j = 0; j < k; j++) {
      float u0 = z[j];
      float u1 = z[k + j];
      float u2 = z[2 * k + j];
      float u3 = z[3 * k + j];
      int oj = j * d;
      for (int c = 0; c < d; c++) {
        float wv = w[oj + c];
        g[c] += u0 * wv;
        g[d + c] += u1 * wv;
        g[2 * d + c] += u2 * wv;
        g[3 * d + c] += u3 * wv;
      }
    }
    for (int r = 0; r < ROWS; r++) {
      double s = 0;
      for (int c = 0; c < d; c++) {
        float v = g[r * d + c];
        s += v * v;
      }
      out[i + r] = (float) Math.sqrt(s);
    }
  }

  /** Replaces pre-activations by a_j·σ'(z) in place (rows of length k). */
  private void gate(float[] zz, int len) {
    for (int o = 0; o < len; o += k) {
      if (act.kind == HiddenActivation.Kind.RELU) {
        for (int j = 0; j < k; j++) {
          zz[o + j] = zz[o + j] > 0 ? a[j] : 0f;
        }
      } else {
        for (int j = 0; j < k; j++) {
          zz[o + j] = (float) (a[j] * act.derivative(zz[o + j]));
        }
      }
    }
  }

  private void single(float[] x, int i, float[] out) {
    float[] zz = new float[k];
    for (int j = 0; j < k; j++) {
      float s = b[j];
      for (int c = 0; c < d; c++) {
        s += w[j * d + c] * x[i * d + c];
      }
      zz[j] = s;
    }
    gate(zz, k);
    double[] gg = new double[d];
    for (int j = 0; j < k; j++) {
      for (int c = 0; c < d; c++) {
        gg[c] += zz[j] * w[j * d + c];
      }
    }
    out[i] = (float) Mlp.norm(gg, d);
  }
}
