package lipfarm.estimation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The certified lower bounds of a {@link LipschitzSandwich}: the best value of each probe family,
 * the best local bound (attained in the domain) and the best global one (attained anywhere), with
 * their methods. Kept apart from the search that produces them so that the rule for what a value
 * may bound lives in one place: only rounding-safe values are offered here, and a value raises the
 * local bound only when its caller has established that it was attained in the domain.
 */
final class CertifiedLowerBounds {
  /** Best value per method, in the order the methods first produced a positive bound. */
  private final Map<String, Double> best = new LinkedHashMap<>();

  private double lower;
  private String lowerMethod = "none";
  private double lowerGlobal;
  private String lowerGlobalMethod = "none";

  /** The point where {@link #lowerGlobal} was certified (null when it came from no point). */
  private double[] lowerGlobalPoint;

  /**
   * Offers a certified value of {@code method}; values ≤ 0 (or NaN) certify nothing.
   *
   * @param local whether it was attained in the local domain, so also bounds the local constant
   * @return whether it raised the global bound (the caller then records the point, if any)
   */
  boolean offer(String method, double value, boolean local) {
    if (!(value > 0)) {
      return false;
    }
    best.merge(method, value, Math::max);
    if (local && value > lower) {
      lower = value;
      lowerMethod = method;
    }
    if (value > lowerGlobal) {
      lowerGlobal = value;
      lowerGlobalMethod = method;
      return true;
    }
    return false;
  }

  /** Sets the point where the current global bound was attained. */
  void globalPoint(double[] x) {
    lowerGlobalPoint = x;
  }

  /** The point of the global bound, or null. */
  double[] globalPoint() {
    return lowerGlobalPoint;
  }

  /** Best value of {@code method} so far, 0 when none. */
  double best(String method) {
    return best.getOrDefault(method, 0.0);
  }

  /** Every method's best value, in first-seen order. */
  Map<String, Double> byMethod() {
    return best;
  }

  double lower() {
    return lower;
  }

  String lowerMethod() {
    return lowerMethod;
  }

  /** The best value attained anywhere, as recorded: may be below {@link #lower()}. */
  double globalOnly() {
    return lowerGlobal;
  }

  /** Best bound on the global constant: the larger of the global and the local bound. */
  double lowerGlobal() {
    return Math.max(lowerGlobal, lower);
  }

  /** Method of {@link #lowerGlobal()}. */
  String lowerGlobalMethod() {
    return lowerGlobal > lower ? lowerGlobalMethod : lowerMethod;
  }
}
