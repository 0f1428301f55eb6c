package lipfarm.estimation;

import java.util.Locale;

/**
 * A hidden activation σ as the estimators need it: value, exact derivative, and a smooth surrogate
 * (value, gate σ'_β, curvature σ''_β) for gradient ascent on ‖∇f‖.
 *
 * <p>Every supported activation is slope-restricted in [{@link #slopeLow}, 1] ⊆ [0, 1], which is
 * what the certified upper bounds (spectral product, path norm, Combettes–Pesquet, ECLipsE-Fast,
 * LipSDP-Neuron, pattern enumeration) assume:
 *
 * <ul>
 *   <li>{@code relu}: σ(z) = max(0, z), σ' ∈ {0, 1}; kink at 0.
 *   <li>{@code leaky-relu:α}: σ(z) = max(αz, z) for 0 ≤ α ≤ 1, σ' ∈ {α, 1}; kink at 0.
 *   <li>{@code tanh}: σ' = 1 − tanh² ∈ (0, 1].
 *   <li>{@code softplus}: σ(z) = log(1 + e^z), σ' = sigmoid(z) ∈ (0, 1).
 *   <li>{@code linear} (also {@code identity}, {@code none}): σ' = 1.
 * </ul>
 */
final class HiddenActivation {
  enum Kind {
    RELU,
    LEAKY_RELU,
    TANH,
    SOFTPLUS,
    LINEAR
  }

  final Kind kind;

  /** Lower end α of the slope range [α, 1]: 0 for ReLU, tanh and softplus, 1 for linear. */
  final double slopeLow;

  private HiddenActivation(Kind kind, double slopeLow) {
    this.kind = kind;
    this.slopeLow = slopeLow;
  }

  static final HiddenActivation LINEAR = new HiddenActivation(Kind.LINEAR, 1);

  /**
   * Parses a snapshot's activation name.
   *
   * @throws IllegalArgumentException naming the activation when it is unknown, or the slope when a
   *     leaky ReLU's slope is not a number in [0, 1]
   */
  static HiddenActivation parse(String name) {
    String a = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    switch (a) {
      case "relu":
        return new HiddenActivation(Kind.RELU, 0);
      case "tanh":
        return new HiddenActivation(Kind.TANH, 0);
      case "softplus":
        return new HiddenActivation(Kind.SOFTPLUS, 0);
      case "linear":
      case "identity":
      case "none":
        return LINEAR;
      default:
        break;
    }
    if (a.startsWith("leaky-relu")) {
      String rest = a.substring("leaky-relu".length());
      double slope = 0.01; // the common default when no slope is given
      if (!rest.isEmpty()) {
        if (rest.charAt(0) != ':') {
          throw new IllegalArgumentException("unsupported activation: " + name);
        }
        try {
          slope = Double.parseDouble(rest.substring(1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "leaky-relu slope is not a number in activation '" + name + "'");
        }
      }
      if (!(slope >= 0 && slope <= 1)) {
        throw new IllegalArgumentException(
            "leaky-relu slope must lie in [0, 1] (got " + slope + ") in activation '" + name + "'");
      }
      return slope == 0
          ? new HiddenActivation(Kind.RELU, 0)
          : slope == 1 ? LINEAR : new HiddenActivation(Kind.LEAKY_RELU, slope);
    }
    throw new IllegalArgumentException(
        "unsupported activation: "
            + name
            + " (expected relu, leaky-relu:<slope>, tanh, softplus or linear)");
  }

  /** Piecewise linear with a kink at 0 (ReLU, leaky ReLU). */
  boolean piecewiseLinear() {
    return kind == Kind.RELU || kind == Kind.LEAKY_RELU;
  }

  /** Smooth activations need no β annealing: their surrogate is the network itself. */
  boolean smooth() {
    return kind == Kind.TANH || kind == Kind.SOFTPLUS || kind == Kind.LINEAR;
  }

  double value(double z) {
    switch (kind) {
      case RELU:
        return z > 0 ? z : 0;
      case LEAKY_RELU:
        return z > 0 ? z : slopeLow * z;
      case TANH:
        return Math.tanh(z);
      case SOFTPLUS:
        return softplus(z);
      default:
        return z;
    }
  }

  /** σ'(z), with σ'(0) := α (the left slope) at a kink; callers detect kinks separately. */
  double derivative(double z) {
    switch (kind) {
      case RELU:
        return z > 0 ? 1 : 0;
      case LEAKY_RELU:
        return z > 0 ? 1 : slopeLow;
      case TANH:
        {
          double t = Math.tanh(z);
          return 1 - t * t;
        }
      case SOFTPLUS:
        return sigmoid(z);
      default:
        return 1;
    }
  }

  /**
   * Smooth surrogate at z with sharpness β; writes {value, gate = derivative, curvature = second
   * derivative} into out. Piecewise linear activations use softplus_β(z) = log(1 + e^{βz})/β for
   * the ReLU part (gate sigmoid(βz)): leaky = αz + (1 − α)·softplus_β(z). Smooth activations are
   * their own surrogate (β is ignored).
   */
  void surrogate(double z, double beta, double[] out) {
    switch (kind) {
      case RELU:
      case LEAKY_RELU:
        {
          double t = beta * z;
          double s = sigmoid(t);
          double sp = (t > 0 ? z : 0) + Math.log1p(Math.exp(-Math.abs(t))) / beta;
          double r = 1 - slopeLow;
          out[0] = slopeLow * z + r * sp;
          out[1] = slopeLow + r * s;
          out[2] = r * beta * s * (1 - s);
          return;
        }
      case TANH:
        {
          double th = Math.tanh(z);
          double g = 1 - th * th;
          out[0] = th;
          out[1] = g;
          out[2] = -2 * th * g;
          return;
        }
      case SOFTPLUS:
        {
          double s = sigmoid(z);
          out[0] = softplus(z);
          out[1] = s;
          out[2] = s * (1 - s);
          return;
        }
      default:
        out[0] = z;
        out[1] = 1;
        out[2] = 0;
    }
  }

  static double sigmoid(double t) {
    if (t >= 0) {
      return 1 / (1 + Math.exp(-t));
    }
    double e = Math.exp(t);
    return e / (1 + e);
  }

  static double softplus(double z) {
    return (z > 0 ? z : 0) + Math.log1p(Math.exp(-Math.abs(z)));
  }

  @Override
  public String toString() {
    return kind == Kind.LEAKY_RELU
        ? "leaky-relu:" + slopeLow
        : kind.name().toLowerCase(Locale.ROOT);
  }
}
