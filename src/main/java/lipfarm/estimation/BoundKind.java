package lipfarm.estimation;

/** What a reported Lipschitz number certifies about the true global constant L. */
public enum BoundKind {
  /** A value ‖∇f(x)‖ attained at a point of differentiability: L ≥ value. */
  CERTIFIED_LOWER,
  /** A provable bound, rounded upwards: L ≤ value. */
  CERTIFIED_UPPER,
  /** The constant itself (up to floating-point rounding). */
  EXACT,
  /** A score with no guarantee in either direction. */
  ESTIMATE,
  /**
   * Not a Lipschitz number: the estimator's own invariant check failed (method names the broken
   * inequality, value is the ratio of its two sides).
   */
  ESTIMATOR_ERROR
}
