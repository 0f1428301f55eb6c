package lipfarm.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import lipfarm.analysis.ConsistencyChecks.Check;
import lipfarm.analysis.ConsistencyChecks.Outcome;
import lipfarm.bounds.Status;
import lipfarm.bounds.TheoryBound;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.RunResult;
import org.junit.jupiter.api.Test;

/** The checks on hand-made bounds (not the stub's values): which hold, which are flagged. */
class ConsistencyChecksTest {
  /** Bias-free, so every floor applies (F3's comparison needs a bias-free net). */
  private static final RunConfig CONFIG =
      FarmDefinition.parse("farm { defaults { bias = false } }").expand().get(0);

  private static final RunConfig BIASED = FarmDefinition.parse("farm { }").expand().get(0);
  // path norm 9, ‖a‖‖W‖_op 5, Frobenius product 7, spectral product 6
  private static final NetworkMeasures MEASURES =
      new NetworkMeasures(100, 9.0, 5.0, 7.0, 6.0, 1.2, 0.5);

  private static TheoryBound bound(String id, double value) {
    return new TheoryBound(id, id, Status.DERIVED, "test", "none", true, value, null);
  }

  private static RunResult run(String outcome, double lower, double upper) {
    return run(CONFIG, outcome, lower, upper);
  }

  private static RunResult run(RunConfig config, String outcome, double lower, double upper) {
    return new RunResult(
        "r",
        config,
        outcome,
        1,
        0,
        0,
        1,
        lower,
        "m",
        upper,
        "m",
        1,
        List.of(new FarmEvent.MeasuredBound("grad@data", "CERTIFIED_LOWER", lower)),
        MEASURES,
        null);
  }

  /** An invariant the estimator found broken is a certified violation, shown with its ratio. */
  @Test
  void estimatorErrorIsAViolation() {
    RunResult ok = run("converged", 3.0, 5.5);
    RunResult bad =
        new RunResult(
            "r",
            CONFIG,
            "converged",
            1,
            0,
            0,
            1,
            3.0,
            "m",
            5.5,
            "m",
            1,
            List.of(
                new FarmEvent.MeasuredBound(
                    "invariant:lower<=lipsdp-neuron", "ESTIMATOR_ERROR", 1.02)),
            MEASURES,
            null);
    List<TheoryBound> b = List.of(bound("F10", 2.0), bound("F11", 6.0));
    assertThat(
            ConsistencyChecks.of(ConsistencyChecks.evaluate(ok, b), Check.ESTIMATOR_SELF_CHECK)
                .outcome())
        .isEqualTo(Outcome.HOLDS);
    ConsistencyChecks.Result r =
        ConsistencyChecks.of(ConsistencyChecks.evaluate(bad, b), Check.ESTIMATOR_SELF_CHECK);
    assertThat(r.violated()).isTrue();
    assertThat(r.reason()).isEqualTo("invariant:lower<=lipsdp-neuron");
    assertThat(r.small()).isEqualTo(1.02);
  }

  @Test
  void everyCheckHoldsWhenTheNumbersAreConsistent() {
    List<TheoryBound> b =
        List.of(
            bound("F10", 2.0),
            bound("F11", 6.0),
            bound("F2", 8.0),
            bound("F3", 4.0),
            bound("F8", 6.5));
    var results = ConsistencyChecks.evaluate(run("converged", 3.0, 5.5), b);
    assertThat(results).extracting(ConsistencyChecks.Result::outcome).containsOnly(Outcome.HOLDS);
    assertThat(results).hasSize(Check.values().length);
  }

  @Test
  void violationsAreFlaggedWithTheirNumbers() {
    List<TheoryBound> b =
        List.of(
            bound("F10", 4.0),
            bound("F11", 5.0),
            bound("F2", 10.0),
            bound("F3", 5.5),
            bound("F8", 8.0));
    var results = ConsistencyChecks.evaluate(run("converged", 3.0, 5.5), b);
    assertThat(results)
        .extracting(ConsistencyChecks.Result::outcome)
        .containsExactly(
            Outcome.HOLDS,
            Outcome.VIOLATED,
            Outcome.VIOLATED,
            Outcome.VIOLATED,
            Outcome.VIOLATED,
            Outcome.VIOLATED,
            Outcome.HOLDS);
    var f10 = ConsistencyChecks.of(results, Check.F10_LE_LOWER);
    assertThat(f10.small()).isEqualTo(4.0);
    assertThat(f10.large()).isEqualTo(3.0);
    var f11 = ConsistencyChecks.of(results, Check.UPPER_LE_F11);
    assertThat(f11.small()).isEqualTo(5.5);
    assertThat(f11.large()).isEqualTo(5.0);
    assertThat(f11.csv()).isEqualTo("false");
  }

  @Test
  void floorsApplyOnlyToInterpolatingNetsAndApplicableBounds() {
    TheoryBound f3NotApplicable =
        new TheoryBound(
            "F3", "F3", Status.DERIVED, "t", "bias-free", false, Double.NaN, "net has biases");
    List<TheoryBound> b =
        List.of(bound("F10", 4.0), bound("F11", 6.0), bound("F2", 100.0), f3NotApplicable);
    var notFitted = ConsistencyChecks.evaluate(run("did-not-interpolate", 3.0, 5.5), b);
    assertThat(ConsistencyChecks.of(notFitted, Check.F10_LE_LOWER).outcome())
        .isEqualTo(Outcome.NOT_APPLICABLE);
    assertThat(ConsistencyChecks.of(notFitted, Check.PATH_NORM_GE_F2).reason())
        .isEqualTo("did not interpolate");
    assertThat(ConsistencyChecks.of(notFitted, Check.UPPER_LE_F11).outcome())
        .isEqualTo(Outcome.HOLDS);
    var fitted = ConsistencyChecks.evaluate(run("converged", 4.5, 5.5), b);
    assertThat(ConsistencyChecks.of(fitted, Check.SPECTRAL_PROXY_GE_F3).reason())
        .contains("net has biases");
    assertThat(ConsistencyChecks.of(fitted, Check.FROBENIUS_GE_F8).reason())
        .isEqualTo("F8 not computed");
    assertThat(ConsistencyChecks.of(fitted, Check.PATH_NORM_GE_F2).outcome())
        .isEqualTo(Outcome.VIOLATED);
    assertThat(ConsistencyChecks.of(fitted, Check.PATH_NORM_GE_F2).csv()).isEqualTo("false");
    assertThat(ConsistencyChecks.of(fitted, Check.SPECTRAL_PROXY_GE_F3).csv()).isEmpty();
  }

  /** With biases F3 floors ‖a‖‖[W b]‖_op, not the measured ‖a‖‖W‖_op: no comparison. */
  @Test
  void spectralProxyFloorNeedsABiasFreeNet() {
    assertThat(BIASED.bias()).isTrue();
    List<TheoryBound> b = List.of(bound("F3", 100.0));
    var biased = ConsistencyChecks.evaluate(run(BIASED, "converged", 3.0, 5.5), b);
    var f3 = ConsistencyChecks.of(biased, Check.SPECTRAL_PROXY_GE_F3);
    assertThat(f3.outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
    assertThat(f3.reason()).contains("biases");
    var free = ConsistencyChecks.evaluate(run(CONFIG, "converged", 3.0, 5.5), b);
    assertThat(ConsistencyChecks.of(free, Check.SPECTRAL_PROXY_GE_F3).violated()).isTrue();
  }
}
