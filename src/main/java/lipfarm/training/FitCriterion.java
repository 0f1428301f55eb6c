package lipfarm.training;

/**
 * When a network counts as having fitted the data (theory.md, Lemma A):
 *
 * <ul>
 *   <li>EXACT: max_i |f(x_i) − y_i| ≤ tol (interpolation)
 *   <li>MARGIN: y_i f(x_i) ≥ γ for all i
 *   <li>MSE: (1/n) Σ (f(x_i) − y_i)² ≤ 1 − ε (below the noise level of ±1 labels)
 * </ul>
 *
 * @param kind which criterion
 * @param tol interpolation tolerance (EXACT)
 * @param gamma margin (MARGIN)
 * @param epsilon MSE gap below 1 (MSE)
 */
public record FitCriterion(Kind kind, double tol, double gamma, double epsilon) {
  public enum Kind implements Keyed {
    EXACT("exact"),
    MARGIN("margin"),
    MSE("mse");

    private final String key;

    Kind(String key) {
      this.key = key;
    }

    @Override
    public String key() {
      return key;
    }

    public static Kind of(String key) {
      return Keyed.of(Kind.class, key, "fit criterion");
    }
  }

  public static FitCriterion exact(double tol) {
    return new FitCriterion(Kind.EXACT, tol, 1.0, 1.0);
  }

  /** Whether the measured fit satisfies this criterion. */
  public boolean fitted(EpochStats s) {
    return switch (kind) {
      case EXACT -> s.maxError() <= tol;
      case MARGIN -> s.minMargin() >= gamma;
      case MSE -> s.loss() <= 1 - epsilon;
    };
  }
}
