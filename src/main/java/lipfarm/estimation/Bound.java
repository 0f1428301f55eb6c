package lipfarm.estimation;

/**
 * One Lipschitz number with its provenance.
 *
 * @param method short machine-friendly name, e.g. "grad@data" or "spectral-product"; a lower bound
 *     whose method ends in "@global" (and "lower-global") was found outside the local domain and
 *     bounds only the global constant; an upper bound whose method ends in "@ball" or "@box" (and
 *     "upper-local") bounds only the local constant
 * @param kind what the number certifies
 * @param value the number
 */
public record Bound(String method, BoundKind kind, double value) {
  /** Whether this lower bound holds only for the global constant (found outside the domain). */
  public boolean globalOnly() {
    return method.equals("lower-global") || method.endsWith("@global");
  }

  /**
   * Whether this upper bound holds only for the local constant (branch and bound on the domain of a
   * net with biases, and the local summary).
   */
  public boolean localOnly() {
    return method.equals("upper-local") || method.endsWith("@ball") || method.endsWith("@box");
  }

  /** What the number is, in words (for tables and JSON). */
  public String meaning() {
    return switch (kind) {
      case CERTIFIED_LOWER ->
          globalOnly()
              ? "≤ global constant (sup over R^d), rounding-safe"
              : "≤ local constant (sup over the domain) ≤ global, rounding-safe";
      case CERTIFIED_UPPER ->
          localOnly()
              ? "≥ local constant (sup over the domain) only, rounding-safe"
              : "≥ global constant ≥ local, rounding-safe";
      case EXACT ->
          "global constant computed in floating point (not a bound: the certified pair of the"
              + " same method encloses the exact value)";
      case ESTIMATE -> "estimate, no guarantee in either direction";
      case ESTIMATOR_ERROR -> "invariant failed: ratio left side / right side";
    };
  }
}
