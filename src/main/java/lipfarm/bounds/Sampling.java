package lipfarm.bounds;

/**
 * How a run's data were drawn: the facts that decide which theory bounds apply (docs/data.md).
 *
 * @param data point model or file format: sphere, gaussian, cube, mixture, csv, idx
 * @param labels label rule: random, teacher, cluster, noisy
 * @param labelNoise flip probability η of teacher, cluster and noisy labels
 * @param components mixture components K (read only for mixture data)
 */
public record Sampling(String data, String labels, double labelNoise, int components) {
  /** Uniform points on the unit sphere with i.i.d. uniform ±1 labels: the theory's setting. */
  public static final Sampling RANDOM_SPHERE = new Sampling("sphere", "random", 0, 1);

  /** K of Bubeck–Sellke's mixture condition: the components for mixture data, else 1. */
  public int mixtureComponents() {
    return "mixture".equals(data) ? Math.max(1, components) : 1;
  }

  /** Labels i.i.d. uniform ±1 independent of x: what the Rademacher bounds F1–F3, F8, F9 need. */
  public boolean randomLabels() {
    return "random".equals(labels);
  }

  /** Why the Rademacher bounds do not apply, or null when they do. */
  public String rademacherGap() {
    if (randomLabels()) {
      return null;
    }
    return "labels = "
        + labels
        + ": the bound needs labels i.i.d. uniform ±1 independent of x ("
        + switch (labels) {
          case "teacher" -> "teacher labels are a function of x, flipped with probability η";
          case "cluster" -> "cluster labels are a function of the component";
          case "noisy" -> "class labels of a file, possibly flipped";
          default -> "not random";
        }
        + ")";
  }

  /**
   * σ² = E Var(y | x) of the label model: 1 for random labels, 4η(1 − η) for teacher labels flipped
   * with probability η; NaN when unknown (cluster labels: depends on how the components overlap;
   * class labels of a file).
   */
  public double conditionalVariance() {
    return switch (labels) {
      case "random" -> 1.0;
      case "teacher" -> 4 * labelNoise * (1 - labelNoise);
      default -> Double.NaN;
    };
  }

  /**
   * The Bubeck–Sellke isoperimetry constant c of one mixture component in d dimensions (P[|f − E f|
   * ≥ t] ≤ 2exp(−dt²/(2cL²))), NaN when none is known:
   *
   * <ul>
   *   <li>sphere S^{d−1}: d/(d − 1) (log-Sobolev constant d − 1 and Herbst's argument);
   *   <li>gaussian N(0, I/d) and each mixture component μ_j + N(0, I/d): 1;
   *   <li>cube, uniform on [−1, 1]^d: 2d/π (the image of N(0, I_d) under g ↦ 2Φ(g) − 1, a map with
   *       Lipschitz constant 2φ(0) = √(2/π), so Gaussian concentration gives exp(−πt²/(4L²)));
   *   <li>files (csv, idx): unknown.
   * </ul>
   */
  public double isoperimetryC(int d) {
    return switch (data) {
      case "sphere" -> d > 1 ? d / (d - 1.0) : Double.NaN;
      case "gaussian", "mixture" -> 1.0;
      case "cube" -> 2.0 * d / Math.PI;
      default -> Double.NaN;
    };
  }
}
