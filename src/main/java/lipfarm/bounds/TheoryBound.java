package lipfarm.bounds;

/**
 * One evaluated formula of theory.md section 6.
 *
 * @param id "F0" … "F11" (variants get a suffix, e.g. "F6b")
 * @param name short name
 * @param status provenance label
 * @param kind what the value bounds, e.g. "lower bound on Lip", "shape only (c=1)"
 * @param assumptions the conditions under which the value means what kind says
 * @param applicable false when a precondition fails
 * @param value the number; NaN when not applicable
 * @param notApplicableReason why not applicable, or "" when applicable
 */
public record TheoryBound(
    String id,
    String name,
    Status status,
    String kind,
    String assumptions,
    boolean applicable,
    double value,
    String notApplicableReason) {

  static TheoryBound of(
      String id, String name, Status status, String kind, String assumptions, double value) {
    return new TheoryBound(id, name, status, kind, assumptions, true, value, "");
  }

  static TheoryBound notApplicable(
      String id, String name, Status status, String kind, String assumptions, String reason) {
    return new TheoryBound(id, name, status, kind, assumptions, false, Double.NaN, reason);
  }
}
