package lipfarm.training;

/**
 * A differentiable upper bound U(θ) on the (ℓ2 → ℓ2) Lipschitz constant of the network with flat
 * parameters θ (the trainer's layout: per layer W_l row-major, then b_l), and its gradient. Every
 * hidden activation here is 1-Lipschitz (ReLU, leaky ReLU with slope in [0, 1], tanh, softplus), so
 * the Jacobian at any point is W_L D_{L−1} W_{L−1} ⋯ D_1 W_1 with diagonal D_l in [0, 1]:
 *
 * <ul>
 *   <li><b>two layers, one output, d ≤ {@link SdpBound#MAX_INPUT_DIM}</b>: also LipSDP-Neuron's
 *       bound at a diagonal multiplier T improved by a few gradient steps per call ({@link
 *       SdpBound}), the tightest here (the estimator's usual best upper bound on such nets);
 *   <li><b>two layers, one output, larger d</b>: instead the Gram bound. The gradient is Wᵀ D a
 *       with D = diag(s), s ∈ [0, 1]^k; writing s = (1 + t)/2 with t ∈ [−1, 1]^k and homogenising
 *       with a sign t₀, ‖Wᵀ D a‖ = ‖M̃ t̃‖ for the d × (k + 1) matrix M̃ = ½ [Σ_j a_j w_j, a_1 w_1,
 *       …, a_k w_k] and t̃ ∈ [−1, 1]^{k+1}, and ‖M̃ t̃‖² = Σ_ij t̃_i t̃_j G_ij ≤ Σ_ij |G_ij| with G
 *       = M̃ᵀM̃. It is never above the path bound, and on wide nets fitted to random labels about
 *       1.5× LipSDP where the spectral product is about 2× (their units point in many directions,
 *       so most Gram entries are small). It costs (k + 1)² d per call, so it is skipped above
 *       {@link #GRAM_MAX_WIDTH} units;
 *   <li><b>two layers</b>: the smaller of the path bound Σ_j ‖A_{:,j}‖₂ ‖W_{j,:}‖₂ (A the output
 *       weights, W the hidden weights without bias), since ‖A D W‖ ≤ Σ_j |D_jj| ‖A_{:,j}‖
 *       ‖W_{j,:}‖, and the spectral product ‖A‖₂‖W‖₂. Biases do not enter: they do not change the
 *       Lipschitz constant;
 *   <li><b>deeper nets</b>: the spectral product Π_l σ_max(W_l), σ_max by power iteration
 *       warm-started from the previous call (its value converges from below, so U here is an
 *       estimate of that certified bound; the estimator certifies the final network).
 * </ul>
 *
 * Not thread-safe (the power vectors are state).
 */
final class LipschitzBound {
  /** Which family of bounds: two layers (several, the smallest wins) or the spectral product. */
  enum Kind {
    TWO_LAYER,
    SPECTRAL_PRODUCT
  }

  /** Power iteration: stop when σ changes by less than this, relatively. */
  static final double POWER_TOLERANCE = 1e-9;

  static final int POWER_MAX_ITERATIONS = 100;

  /** Widest net given the Gram bound: above it, (k + 1)² d per step outweighs a training epoch. */
  static final int GRAM_MAX_WIDTH = 2048;

  private final int[] sizes;
  private final int[] offsets; // offset of W_l in θ
  private final Kind kind;
  private final double[][] right; // power iteration's right singular vector per layer
  private final double[][] left;
  private double[] spectralGrad; // two layers: the spectral product's gradient, before the choice
  private double[] gramGrad;
  private final SdpBound sdp; // null unless one output and d ≤ SdpBound.MAX_INPUT_DIM
  private final boolean useGram;
  private double[] sdpGrad;
  private double[][] columns; // Gram bound: the columns of M̃, then their gradients
  private double[][] columnGrads;

  /**
   * @param sizes layer sizes: d, the hidden widths, the output size
   */
  LipschitzBound(int[] sizes) {
    this.sizes = sizes.clone();
    int layers = sizes.length - 1;
    this.offsets = new int[layers];
    int off = 0;
    for (int l = 0; l < layers; l++) {
      offsets[l] = off;
      off += sizes[l + 1] * sizes[l] + sizes[l + 1];
    }
    this.kind = layers == 2 ? Kind.TWO_LAYER : Kind.SPECTRAL_PRODUCT;
    boolean scalar = layers == 2 && sizes[2] == 1;
    this.sdp =
        scalar && sizes[0] <= SdpBound.MAX_INPUT_DIM ? new SdpBound(sizes[0], sizes[1]) : null;
    // LipSDP is the tighter relaxation of the same problem and cheaper (k d² against k² d).
    this.useGram = scalar && sdp == null && sizes[1] <= GRAM_MAX_WIDTH;
    this.right = new double[layers][];
    this.left = new double[layers][];
  }

  Kind kind() {
    return kind;
  }

  /** The estimator-style method name of what is minimised, e.g. {@code min(gram, path-norm)}. */
  String method() {
    if (kind == Kind.SPECTRAL_PRODUCT) {
      return "spectral-product";
    }
    return "min("
        + (sdp != null ? "lipsdp-neuron, " : "")
        + (useGram ? "gram, " : "")
        + "path-norm, spectral-product)";
  }

  /** U(θ); when {@code grad} is not null, ∇U(θ) is written into it (zero for the biases). */
  double value(double[] theta, double[] grad) {
    if (grad != null) {
      java.util.Arrays.fill(grad, 0.0);
    }
    if (kind == Kind.SPECTRAL_PRODUCT) {
      return spectralProduct(theta, grad);
    }
    // Two layers: the smaller of the path bound and the spectral product (both certified), with
    // the smaller one's gradient. Wide nets fitted to random labels have a path bound several
    // times their spectral product; a few units aligned with the data have it the other way.
    double[] gs = null;
    if (grad != null) {
      if (spectralGrad == null || spectralGrad.length != grad.length) {
        spectralGrad = new double[grad.length];
      }
      gs = spectralGrad;
      java.util.Arrays.fill(gs, 0.0);
    }
    double s = spectralProduct(theta, gs);
    double p = path(theta, grad);
    if (s < p) {
      if (grad != null) {
        System.arraycopy(gs, 0, grad, 0, grad.length);
      }
      p = s;
    }
    if (sdp != null) {
      double[] gq = null;
      if (grad != null) {
        if (sdpGrad == null || sdpGrad.length != grad.length) {
          sdpGrad = new double[grad.length];
        }
        gq = sdpGrad;
      }
      double q = sdp.value(theta, gq);
      if (q > 0 && q < p) {
        if (grad != null) {
          System.arraycopy(gq, 0, grad, 0, grad.length);
        }
        p = q;
      }
    }
    if (!useGram) {
      return p;
    }
    double[] gg = null;
    if (grad != null) {
      if (gramGrad == null || gramGrad.length != grad.length) {
        gramGrad = new double[grad.length];
      }
      gg = gramGrad;
      java.util.Arrays.fill(gg, 0.0);
    }
    double g = gram(theta, gg);
    if (g < p) {
      if (grad != null) {
        System.arraycopy(gg, 0, grad, 0, grad.length);
      }
      return g;
    }
    return p;
  }

  /** The Gram bound √(Σ_ij |G_ij|) of the class comment, for two layers with one output. */
  double gram(double[] theta, double[] grad) {
    int d = sizes[0];
    int k = sizes[1];
    int w = offsets[0];
    int a = offsets[1];
    if (columns == null) {
      columns = new double[k + 1][d];
      columnGrads = new double[k + 1][d];
    }
    double[][] c = columns;
    java.util.Arrays.fill(c[0], 0.0);
    for (int j = 0; j < k; j++) {
      double half = 0.5 * theta[a + j];
      double[] cj = c[j + 1];
      for (int i = 0; i < d; i++) {
        cj[i] = half * theta[w + j * d + i];
        c[0][i] += cj[i];
      }
    }
    // Σ_ij |G_ij|, and for the gradient H_i = Σ_j sign(G_ij) C_j (∂Σ|G|/∂C_i = 2 H_i).
    double[][] h = columnGrads;
    if (grad != null) {
      for (double[] hi : h) {
        java.util.Arrays.fill(hi, 0.0);
      }
    }
    double total = 0;
    for (int i = 0; i <= k; i++) {
      double[] ci = c[i];
      for (int j = i; j <= k; j++) {
        double[] cj = c[j];
        double g = 0;
        for (int x = 0; x < d; x++) {
          g += ci[x] * cj[x];
        }
        total += i == j ? Math.abs(g) : 2 * Math.abs(g);
        if (grad != null && g != 0) {
          double sg = Math.signum(g);
          double[] hi = h[i];
          for (int x = 0; x < d; x++) {
            hi[x] += sg * cj[x];
          }
          if (i != j) {
            double[] hj = h[j];
            for (int x = 0; x < d; x++) {
              hj[x] += sg * ci[x];
            }
          }
        }
      }
    }
    double u = Math.sqrt(total);
    if (grad != null && u > 0) {
      // ∂U/∂C_i = H_i / U; C_j = ½ a_j w_j also enters C_0 = Σ_j C_j.
      double[] h0 = h[0];
      for (int j = 0; j < k; j++) {
        double[] hj = h[j + 1];
        double aj = theta[a + j];
        double da = 0;
        for (int x = 0; x < d; x++) {
          double gx = 0.5 * (hj[x] + h0[x]) / u;
          grad[w + j * d + x] = aj * gx;
          da += theta[w + j * d + x] * gx;
        }
        grad[a + j] = da;
      }
    }
    return u;
  }

  private double path(double[] theta, double[] grad) {
    int d = sizes[0];
    int k = sizes[1];
    int m = sizes[2];
    int w = offsets[0];
    int a = offsets[1];
    double u = 0;
    for (int j = 0; j < k; j++) {
      double nw = 0;
      for (int i = 0; i < d; i++) {
        double v = theta[w + j * d + i];
        nw += v * v;
      }
      double na = 0;
      for (int o = 0; o < m; o++) {
        double v = theta[a + o * k + j];
        na += v * v;
      }
      nw = Math.sqrt(nw);
      na = Math.sqrt(na);
      u += nw * na;
      if (grad != null && nw > 0 && na > 0) {
        // ∂(‖w‖‖a‖)/∂w = ‖a‖ w/‖w‖ and symmetrically; 0 is a subgradient at the kink.
        double sw = na / nw;
        for (int i = 0; i < d; i++) {
          grad[w + j * d + i] = sw * theta[w + j * d + i];
        }
        double sa = nw / na;
        for (int o = 0; o < m; o++) {
          grad[a + o * k + j] = sa * theta[a + o * k + j];
        }
      }
    }
    return u;
  }

  private double spectralProduct(double[] theta, double[] grad) {
    int layers = sizes.length - 1;
    double[] sigma = new double[layers];
    double product = 1;
    for (int l = 0; l < layers; l++) {
      sigma[l] = sigma(theta, l);
      product *= sigma[l];
    }
    if (grad != null && product > 0) {
      // ∂σ_l/∂W_l = u_l v_lᵀ, so ∂Π/∂W_l = (Π/σ_l) u_l v_lᵀ.
      for (int l = 0; l < layers; l++) {
        int out = sizes[l + 1];
        int in = sizes[l];
        double c = product / sigma[l];
        for (int r = 0; r < out; r++) {
          double ur = c * left[l][r];
          for (int i = 0; i < in; i++) {
            grad[offsets[l] + r * in + i] = ur * right[l][i];
          }
        }
      }
    }
    return product;
  }

  /** σ_max(W_l) by power iteration on WᵀW, leaving the singular vectors in right/left. */
  private double sigma(double[] theta, int l) {
    int out = sizes[l + 1];
    int in = sizes[l];
    int off = offsets[l];
    double[] v = right[l];
    if (v == null) {
      v = new double[in];
      // A fixed, generic start: not orthogonal to the top singular vector for any real matrix.
      for (int i = 0; i < in; i++) {
        v[i] = 1.0 + 0.01 * i;
      }
      normalise(v);
      right[l] = v;
      left[l] = new double[out];
    }
    double[] u = left[l];
    double s = 0;
    for (int it = 0; it < POWER_MAX_ITERATIONS; it++) {
      for (int r = 0; r < out; r++) {
        double acc = 0;
        for (int i = 0; i < in; i++) {
          acc += theta[off + r * in + i] * v[i];
        }
        u[r] = acc;
      }
      double su = normalise(u);
      if (su == 0) {
        return 0;
      }
      java.util.Arrays.fill(v, 0.0);
      for (int r = 0; r < out; r++) {
        double ur = u[r];
        for (int i = 0; i < in; i++) {
          v[i] += theta[off + r * in + i] * ur;
        }
      }
      double next = normalise(v); // = uᵀ W v = σ estimate
      boolean stable = Math.abs(next - s) <= POWER_TOLERANCE * next;
      s = next;
      if (stable) {
        break;
      }
    }
    return s;
  }

  private static double normalise(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v * v;
    }
    s = Math.sqrt(s);
    if (s > 0) {
      for (int i = 0; i < x.length; i++) {
        x[i] /= s;
      }
    }
    return s;
  }
}
