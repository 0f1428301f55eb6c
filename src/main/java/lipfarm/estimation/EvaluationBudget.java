package lipfarm.estimation;

/**
 * The gradient evaluations one {@link LipschitzSandwich} may spend, and has spent. The upper-bound
 * refinements (branch and bound), the probes and the ascent all charge the same counter, so it is
 * one small shared object rather than a field each part would have to hand back. Spending may
 * overshoot the total by a few evaluations: a step finishes the probe it started.
 */
final class EvaluationBudget {
  private final long total;
  private long spent;

  EvaluationBudget(long total) {
    this.total = total;
  }

  /** The evaluations allowed in all. */
  long total() {
    return total;
  }

  /** The evaluations spent so far. */
  long spent() {
    return spent;
  }

  /** total − spent; negative after an overshoot. */
  long left() {
    return total - spent;
  }

  /** Whether some budget is left. */
  boolean open() {
    return spent < total;
  }

  void charge(long evaluations) {
    spent += evaluations;
  }

  /** Marks the budget spent: further probes cannot help (an affine net has one gradient). */
  void exhaust() {
    spent = total;
  }
}
