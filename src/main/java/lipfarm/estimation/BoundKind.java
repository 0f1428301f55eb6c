package lipfarm.estimation;

/** What a reported Lipschitz number certifies about the true global constant L. */
public enum BoundKind {
  /**
   * L ≥ value: a gradient norm at a point of differentiability or a difference quotient, bounded
   * below by its floating-point error bound (docs/estimation.md, "Rounding").
   */
  CERTIFIED_LOWER,
  /** L ≤ value: a provable bound whose floating-point errors are bounded and added. */
  CERTIFIED_UPPER,
  /**
   * The formula for the constant itself evaluated in floating point: not a bound (it may be off by
   * rounding); the certified lower and upper entries of the same method enclose the exact value.
   */
  EXACT,
  /** A score with no guarantee in either direction. */
  ESTIMATE,
  /**
   * Not a Lipschitz number: the estimator's own invariant check failed (method names the broken
   * inequality, value is the ratio of its two sides).
   */
  ESTIMATOR_ERROR
}
