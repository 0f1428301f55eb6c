package lipfarm.training;

/**
 * The LipSDP-Neuron bound of a two-layer net f(x) = Σ_j a_j σ(w_j·x + b_j) with one output and
 * slope-restricted σ (σ′ ∈ [0, 1]), in a form gradient descent can follow. For every diagonal T ⪰ 0
 * with c = Σ_j a_j² / (2 t_j) < 1, the LipSDP-Neuron matrix inequality [[−ρI, WᵀT], [TW, −2T +
 * aaᵀ]] ⪯ 0 holds, by its Schur complement (Sherman–Morrison on 2T − aaᵀ), exactly when
 *
 * <pre>ρ ≥ λ_max(S),  S = ½ Wᵀ T W + u uᵀ / (4(1 − c)),  u = Wᵀa,</pre>
 *
 * so √λ_max(S) bounds the Lipschitz constant for every such T, and its minimum over T is LipSDP-
 * Neuron's value. T is kept feasible by construction: t_j = a_j² / (2 c π_j) with π = softmax(ζ)
 * and c = sigmoid(γ), so S = (1/4c) Σ_j (a_j²/π_j) w_j w_jᵀ + u uᵀ / (4(1 − c)), a d × d matrix (k
 * d² to form). Each call takes a few gradient steps on (ζ, γ) at the given weights, warm-started
 * from the previous call, then returns the bound and its gradient in the weights at that T (a valid
 * bound at any T; at the optimal T its gradient is the minimum's, by the envelope theorem). λ_max
 * comes from power iteration warm-started from the previous call, which converges from below: like
 * the spectral product, the value is an estimate of a certified bound, and the estimator certifies
 * the final network.
 *
 * <p>Not thread-safe (T and the power vector are state).
 */
final class SdpBound {
  /** Widest input given this bound: S is d × d and formed in k d² per inner step. */
  static final int MAX_INPUT_DIM = 128;

  /** Inner steps on T per call, and on the first call (T starts far from its optimum). */
  static final int INNER_STEPS = 3;

  static final int FIRST_INNER_STEPS = 300;

  /** Adam's step size on (ζ, γ) (they are logits: a step changes t_j by a few percent). */
  static final double INNER_RATE = 0.05;

  /** Smallest initial share of a unit, relative to the largest. */
  static final double PI_FLOOR = 1e-6;

  /** Smallest share any unit gets; its square is still a normal double. */
  static final double MIN_SHARE = 1e-150;

  static final int POWER_MAX_ITERATIONS = 200;
  static final double POWER_TOLERANCE = 1e-10;

  private final int d;
  private final int k;
  private final int wOff;
  private final int aOff;
  private final double[] zeta;
  private double gamma;
  private final double[] mz;
  private final double[] vz;
  private double mg;
  private double vg;
  private int innerT;
  private boolean started;
  private final double[] v; // top eigenvector of S, warm start
  private final double[] pi;
  private final double[] gradPi;
  private final double[] p;
  private final double[] u;
  private final double[] s; // d × d, row-major
  private final double[] tmp;

  SdpBound(int d, int k) {
    this.d = d;
    this.k = k;
    this.wOff = 0;
    this.aOff = k * d + k;
    this.zeta = new double[k];
    this.mz = new double[k];
    this.vz = new double[k];
    this.v = new double[d];
    for (int i = 0; i < d; i++) {
      v[i] = 1.0 + 0.01 * i;
    }
    LipschitzBound.normalise(v);
    this.pi = new double[k];
    this.gradPi = new double[k];
    this.p = new double[k];
    this.u = new double[d];
    this.s = new double[d * d];
    this.tmp = new double[d];
  }

  /**
   * The bound at the weights θ after improving T; ∇ in the weights into {@code grad} if not null.
   */
  double value(double[] theta, double[] grad) {
    if (!started) {
      // π ∝ the units' path contributions |a_j|‖w_j‖, c = ½: then λ_max(S) ≤ (path bound)². A
      // floor relative to the largest keeps dead units' logits where the inner steps can move them.
      double largest = 0;
      for (int j = 0; j < k; j++) {
        double nw = 0;
        for (int i = 0; i < d; i++) {
          double x = theta[wOff + j * d + i];
          nw += x * x;
        }
        zeta[j] = Math.abs(theta[aOff + j]) * Math.sqrt(nw);
        largest = Math.max(largest, zeta[j]);
      }
      for (int j = 0; j < k; j++) {
        zeta[j] = Math.log(Math.max(zeta[j], PI_FLOOR * largest) + Double.MIN_NORMAL);
      }
      gamma = 0;
      started = true;
      for (int it = 0; it < FIRST_INNER_STEPS; it++) {
        innerStep(theta);
      }
    } else {
      for (int it = 0; it < INNER_STEPS; it++) {
        innerStep(theta);
      }
    }
    return valueAtT(theta, grad);
  }

  /** The bound at the current T, without changing it; ∇ in the weights into {@code grad}. */
  double valueAtT(double[] theta, double[] grad) {
    double c = sigmoid(gamma);
    double lambda = eigen(theta, c);
    if (!(lambda > 0)) {
      if (grad != null) {
        java.util.Arrays.fill(grad, 0.0);
      }
      return 0;
    }
    double bound = Math.sqrt(lambda);
    if (grad != null) {
      java.util.Arrays.fill(grad, 0.0);
      // F = (1/4c) Σ_j a_j² p_j² / π_j + q² / (4(1 − c)), p_j = w_j·v, q = Σ_j a_j p_j; ∂√F =
      // ∂F/2√F.
      double q = 0;
      for (int j = 0; j < k; j++) {
        q += theta[aOff + j] * p[j];
      }
      double scale = 1 / (2 * bound);
      for (int j = 0; j < k; j++) {
        double a = theta[aOff + j];
        double gw = (a * a * p[j] / (2 * c * pi[j]) + q * a / (2 * (1 - c))) * scale;
        for (int i = 0; i < d; i++) {
          grad[wOff + j * d + i] = gw * v[i];
        }
        grad[aOff + j] = (a * p[j] * p[j] / (2 * c * pi[j]) + q * p[j] / (2 * (1 - c))) * scale;
      }
    }
    return bound;
  }

  /** One Adam step on (ζ, γ) down the gradient of λ_max(S) at fixed weights. */
  private void innerStep(double[] theta) {
    double c = sigmoid(gamma);
    double lambda = eigen(theta, c);
    if (!(lambda > 0)) {
      return;
    }
    double q = 0;
    double sumA = 0;
    for (int j = 0; j < k; j++) {
      double a = theta[aOff + j];
      q += a * p[j];
      sumA += a * a * p[j] * p[j] / pi[j];
    }
    // ∂F/∂π_j = −a_j² p_j² / (4c π_j²); through the softmax ∂F/∂ζ_i = π_i (g_i − Σ_j π_j g_j).
    double mean = 0;
    for (int j = 0; j < k; j++) {
      double a = theta[aOff + j];
      double gj = -a * a * p[j] * p[j] / (4 * c * pi[j] * pi[j]);
      gradPi[j] = gj;
      mean += pi[j] * gj;
    }
    innerT++;
    double b1 = 1 - Math.pow(0.9, innerT);
    double b2 = 1 - Math.pow(0.999, innerT);
    for (int j = 0; j < k; j++) {
      double gz = pi[j] * (gradPi[j] - mean) / lambda; // relative: λ's scale does not matter
      mz[j] = 0.9 * mz[j] + 0.1 * gz;
      vz[j] = 0.999 * vz[j] + 0.001 * gz * gz;
      zeta[j] -= INNER_RATE * (mz[j] / b1) / (Math.sqrt(vz[j] / b2) + 1e-12);
    }
    double gc = (-sumA / (4 * c * c) + q * q / (4 * (1 - c) * (1 - c))) * c * (1 - c) / lambda;
    mg = 0.9 * mg + 0.1 * gc;
    vg = 0.999 * vg + 0.001 * gc * gc;
    gamma -= INNER_RATE * (mg / b1) / (Math.sqrt(vg / b2) + 1e-12);
  }

  /** Forms S for T(ζ, c) and returns λ_max(S), leaving π, the top eigenvector v and p_j = w_j·v. */
  private double eigen(double[] theta, double c) {
    double zmax = Double.NEGATIVE_INFINITY;
    for (double z : zeta) {
      zmax = Math.max(zmax, z);
    }
    double total = 0;
    for (int j = 0; j < k; j++) {
      pi[j] = Math.exp(zeta[j] - zmax);
      total += pi[j];
    }
    java.util.Arrays.fill(s, 0.0);
    java.util.Arrays.fill(u, 0.0);
    for (int j = 0; j < k; j++) {
      // Floored so that no share underflows (1/π and 1/π² stay finite, 0/π stays 0).
      pi[j] = Math.max(pi[j] / total, MIN_SHARE);
      double a = theta[aOff + j];
      if (a == 0) {
        continue;
      }
      double weight = a * a / (4 * c * pi[j]);
      int row = wOff + j * d;
      for (int x = 0; x < d; x++) {
        double wx = theta[row + x];
        u[x] += a * wx;
        double ww = weight * wx;
        for (int y = x; y < d; y++) {
          s[x * d + y] += ww * theta[row + y];
        }
      }
    }
    double cu = 1 / (4 * (1 - c));
    for (int x = 0; x < d; x++) {
      for (int y = x; y < d; y++) {
        s[x * d + y] += cu * u[x] * u[y];
        s[y * d + x] = s[x * d + y];
      }
    }
    double lambda = 0;
    for (int it = 0; it < POWER_MAX_ITERATIONS; it++) {
      for (int x = 0; x < d; x++) {
        double acc = 0;
        for (int y = 0; y < d; y++) {
          acc += s[x * d + y] * v[y];
        }
        tmp[x] = acc;
      }
      double next = 0;
      for (int x = 0; x < d; x++) {
        next += tmp[x] * v[x]; // Rayleigh quotient vᵀSv
      }
      if (LipschitzBound.normalise(tmp) == 0) {
        break;
      }
      System.arraycopy(tmp, 0, v, 0, d);
      boolean stable = Math.abs(next - lambda) <= POWER_TOLERANCE * Math.abs(next);
      lambda = next;
      if (stable) {
        break;
      }
    }
    // The Rayleigh quotient at the final v, with p_j = w_j·v for the gradients.
    for (int x = 0; x < d; x++) {
      double acc = 0;
      for (int y = 0; y < d; y++) {
        acc += s[x * d + y] * v[y];
      }
      tmp[x] = acc;
    }
    lambda = 0;
    for (int x = 0; x < d; x++) {
      lambda += tmp[x] * v[x];
    }
    for (int j = 0; j < k; j++) {
      double acc = 0;
      for (int x = 0; x < d; x++) {
        acc += theta[wOff + j * d + x] * v[x];
      }
      p[j] = acc;
    }
    return lambda;
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }
}
