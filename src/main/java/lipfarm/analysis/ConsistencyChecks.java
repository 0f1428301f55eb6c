package lipfarm.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import lipfarm.bounds.TheoryBound;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.RunResult;

/**
 * The per-run consistency checks of theory.md section 6: F10 ≤ measured lower ≤ measured upper ≤
 * F11 always, and for interpolating nets the weight norms the theory floors: path norm ≥ F2,
 * ‖a‖₂‖W‖_op ≥ F3 (bias-free two-layer), Π‖W_j‖_F ≥ F8. The first group is certified (a violation
 * is a bug in the estimator or a bound); the floors hold with probability ≥ 1 − δ over random
 * labels, so a rare violation there is possible without a bug, but worth a look. A floor whose
 * theory bound is not applicable (labels not i.i.d. uniform ±1, biases for F8) is not checked.
 */
public final class ConsistencyChecks {
  /**
   * Relative slack of every comparison: the two sides are computed along different code paths (e.g.
   * F11 from the stored norms, the certified upper bound inside the estimator), so equal quantities
   * may differ by rounding.
   */
  public static final double RELATIVE_TOLERANCE = 1e-9;

  private ConsistencyChecks() {}

  public enum Kind {
    CERTIFIED("certified: a violation is an estimator or bound error"),
    HIGH_PROBABILITY("holds with probability ≥ 1 − δ over the random labels");

    private final String meaning;

    Kind(String meaning) {
      this.meaning = meaning;
    }

    public String meaning() {
      return meaning;
    }
  }

  public enum Outcome {
    HOLDS,
    VIOLATED,
    NOT_APPLICABLE
  }

  /**
   * One check "small ≤ large".
   *
   * @param column the results.csv column (true / false / empty when not applicable)
   * @param statement the inequality in words
   */
  public enum Check {
    LOWER_LE_UPPER("lower_le_upper", "certified lower ≤ certified upper", Kind.CERTIFIED),
    F10_LE_LOWER(
        "F10_le_lower",
        "F10 (data lower bound) ≤ certified local lower bound, for interpolating nets (by"
            + " construction: the closest differently labelled pair's difference quotient is"
            + " a lower-bound candidate)",
        Kind.CERTIFIED),
    UPPER_LE_F11(
        "upper_le_F11", "certified upper bound ≤ F11 (norm-product upper bound)", Kind.CERTIFIED),
    PATH_NORM_GE_F2(
        "path_norm_ge_F2",
        "F2 ≤ path norm Σ|a_j|‖w̃_j‖, for interpolating two-layer nets",
        Kind.HIGH_PROBABILITY),
    SPECTRAL_PROXY_GE_F3(
        "spectral_proxy_ge_F3",
        "F3 ≤ ‖a‖₂‖W‖_op, for interpolating bias-free two-layer nets",
        Kind.HIGH_PROBABILITY),
    FROBENIUS_GE_F8(
        "frobenius_product_ge_F8",
        "F8 ≤ Π_j‖W_j‖_F, for interpolating nets",
        Kind.HIGH_PROBABILITY),
    ESTIMATOR_SELF_CHECK(
        "estimator_self_check",
        "the estimator's own invariants: lower ≤ exact ≤ every certified upper bound, F10 ≤ lower (ratio of the two sides shown)",
        Kind.CERTIFIED);

    private final String column;
    private final String statement;
    private final Kind kind;

    Check(String column, String statement, Kind kind) {
      this.column = column;
      this.statement = statement;
      this.kind = kind;
    }

    public String column() {
      return column;
    }

    public String statement() {
      return statement;
    }

    public Kind kind() {
      return kind;
    }
  }

  /**
   * The outcome of one check on one run.
   *
   * @param small the side that must be smaller (for example F10)
   * @param large the side that must be larger (for example the certified lower bound)
   * @param reason why the check does not apply (null otherwise)
   */
  public record Result(Check check, Outcome outcome, double small, double large, String reason) {
    public boolean violated() {
      return outcome == Outcome.VIOLATED;
    }

    /** "true", "false" or "" (not applicable), for results.csv. */
    public String csv() {
      return switch (outcome) {
        case HOLDS -> "true";
        case VIOLATED -> "false";
        case NOT_APPLICABLE -> "";
      };
    }
  }

  /** Every check, in {@link Check} order. */
  public static List<Result> evaluate(RunResult r, List<TheoryBound> bounds) {
    NetworkMeasures m = r.measures();
    boolean fitted = r.interpolated();
    boolean twoLayer = r.config().depth() == 2;
    List<Result> out = new ArrayList<>();
    out.add(compare(Check.LOWER_LE_UPPER, r.lipLower(), r.lipUpper(), null));
    out.add(
        withBound(
            Check.F10_LE_LOWER,
            bounds,
            "F10",
            r.lipLower(),
            true,
            fitted ? null : "did not interpolate"));
    out.add(withBound(Check.UPPER_LE_F11, bounds, "F11", r.lipUpper(), false, null));
    String floorGate = !fitted ? "did not interpolate" : !twoLayer ? "not a two-layer net" : null;
    out.add(
        withBound(
            Check.PATH_NORM_GE_F2,
            bounds,
            "F2",
            m == null ? Double.NaN : m.pathNorm(),
            true,
            floorGate));
    // With biases F3 floors ‖a‖‖[W b]‖_op (bias column included) while the measured proxy is
    // ‖a‖‖W‖_op without it: not the same quantity, so no comparison.
    String proxyGate =
        floorGate != null
            ? floorGate
            : r.config().bias()
                ? "net has biases: F3 then bounds ‖a‖‖[W b]‖_op, the measured proxy excludes b"
                : null;
    out.add(
        withBound(
            Check.SPECTRAL_PROXY_GE_F3,
            bounds,
            "F3",
            m == null ? Double.NaN : m.spectralProxy(),
            true,
            proxyGate));
    out.add(
        withBound(
            Check.FROBENIUS_GE_F8,
            bounds,
            "F8",
            m == null ? Double.NaN : m.frobeniusProduct(),
            true,
            fitted ? null : "did not interpolate"));
    out.add(selfCheck(r));
    return out;
  }

  /**
   * Violated when the estimator reported an ESTIMATOR_ERROR entry (an invariant it found broken).
   */
  private static Result selfCheck(RunResult r) {
    if (r.bounds() == null || r.bounds().isEmpty()) {
      return new Result(
          Check.ESTIMATOR_SELF_CHECK,
          Outcome.NOT_APPLICABLE,
          Double.NaN,
          Double.NaN,
          "no estimate");
    }
    return r.bounds().stream()
        .filter(b -> "ESTIMATOR_ERROR".equals(b.kind()))
        .findFirst()
        .map(
            b ->
                new Result(
                    Check.ESTIMATOR_SELF_CHECK, Outcome.VIOLATED, b.value(), 1.0, b.method()))
        .orElse(
            new Result(Check.ESTIMATOR_SELF_CHECK, Outcome.HOLDS, Double.NaN, Double.NaN, null));
  }

  /** The result of one check. */
  public static Result of(List<Result> results, Check check) {
    return results.stream().filter(x -> x.check() == check).findFirst().orElseThrow();
  }

  public static Optional<TheoryBound> find(List<TheoryBound> bounds, String id) {
    return bounds.stream().filter(b -> b.id().equals(id)).findFirst();
  }

  /**
   * @param boundIsSmall whether the theory bound is the smaller side (a floor) or the larger (a
   *     ceiling)
   */
  private static Result withBound(
      Check c,
      List<TheoryBound> bounds,
      String id,
      double measured,
      boolean boundIsSmall,
      String gate) {
    if (gate != null) {
      return new Result(c, Outcome.NOT_APPLICABLE, Double.NaN, Double.NaN, gate);
    }
    Optional<TheoryBound> b = find(bounds, id);
    if (b.isEmpty()) {
      return new Result(c, Outcome.NOT_APPLICABLE, Double.NaN, Double.NaN, id + " not computed");
    }
    if (!b.get().applicable()) {
      return new Result(
          c,
          Outcome.NOT_APPLICABLE,
          Double.NaN,
          Double.NaN,
          id + " not applicable: " + b.get().notApplicableReason());
    }
    double v = b.get().value();
    return boundIsSmall ? compare(c, v, measured, null) : compare(c, measured, v, null);
  }

  private static Result compare(Check c, double small, double large, String gate) {
    if (gate != null) {
      return new Result(c, Outcome.NOT_APPLICABLE, small, large, gate);
    }
    if (!Double.isFinite(small) || !Double.isFinite(large)) {
      return new Result(c, Outcome.NOT_APPLICABLE, small, large, "a side is missing or not finite");
    }
    boolean holds =
        small <= large + RELATIVE_TOLERANCE * Math.max(Math.abs(small), Math.abs(large));
    return new Result(c, holds ? Outcome.HOLDS : Outcome.VIOLATED, small, large, null);
  }
}
