package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.MeasuredBound;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunReestimated;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.EventJson;
import lipfarm.reporting.EventLog;
import org.junit.jupiter.api.Test;

/** Combining a run's result with a new estimate never loosens a bound; the latest one is used. */
class ReestimationTest {
  static final RunConfig C =
      FarmDefinition.parse("farm { defaults { d = 10, n = 20 } }").expand().get(0);
  static final NetworkMeasures M = new NetworkMeasures(100, 9.0, 3.0, 7.0, 6.0, 1.2, 0.5);

  static RunResult result(double lower, String lm, double upper, String um, MeasuredBound... b) {
    return new RunResult(
        C.id(),
        C,
        "converged",
        300,
        1e-4,
        0.009,
        1.0,
        lower,
        lm,
        upper,
        um,
        1000,
        List.of(b),
        M,
        null,
        2.5,
        0.75);
  }

  static LipschitzEstimate estimate(
      double lower, String lm, double upper, String um, MeasuredBound... b) {
    return new LipschitzEstimate(
        C.id(), 300, lower, lm, upper, um, 50_000, 10, true, List.of(b), M);
  }

  static MeasuredBound lo(String method, double v) {
    return new MeasuredBound(method, "CERTIFIED_LOWER", v);
  }

  static MeasuredBound up(String method, double v) {
    return new MeasuredBound(method, "CERTIFIED_UPPER", v);
  }

  @Test
  void keepsTheTighterBoundOfEachSideAndNamesWhereItCameFrom() {
    RunResult old =
        result(
            4.0,
            "grad@data",
            6.0,
            "lipsdp",
            lo("grad@data", 4.0),
            up("lipsdp", 6.0),
            up("path-norm", 9.0),
            new MeasuredBound("clever@ball", "ESTIMATE", 4.4),
            lo("lower-local", 4.0),
            lo("lower-global", 4.1),
            up("upper-global", 6.0));
    LipschitzEstimate e =
        estimate(
            4.5,
            "ascent",
            6.5,
            "lipsdp",
            lo("grad@data", 3.9),
            lo("ascent", 4.5),
            up("lipsdp", 6.5),
            up("path-norm", 8.0),
            new MeasuredBound("clever@ball", "ESTIMATE", 4.6),
            lo("lower-local", 4.5),
            lo("lower-global", 4.0),
            up("upper-global", 6.5));
    RunResult r = Reestimation.combine(old, e);
    assertThat(r.lipLower()).isEqualTo(4.5);
    assertThat(r.lipLowerMethod()).isEqualTo("reestimated:ascent");
    assertThat(r.lipUpper()).isEqualTo(6.0); // the new upper is looser: kept
    assertThat(r.lipUpperMethod()).isEqualTo("lipsdp");
    assertThat(r.bounds())
        .containsExactly(
            lo("grad@data", 4.0),
            up("lipsdp", 6.0),
            up("path-norm", 8.0),
            new MeasuredBound("clever@ball", "ESTIMATE", 4.4), // not a bound: the run's kept
            lo("lower-local", 4.5),
            lo("lower-global", 4.1),
            up("upper-global", 6.0),
            lo("ascent", 4.5));
    // Every other field is the run's.
    assertThat(r.withTimes(0, 0))
        .usingRecursiveComparison()
        .ignoringFields(
            "lipLower",
            "lipLowerMethod",
            "lipUpper",
            "lipUpperMethod",
            "bounds",
            "trainSeconds",
            "estimateSeconds")
        .isEqualTo(old);
    assertThat(r.trainSeconds()).isEqualTo(2.5);
    assertThat(r.estimateSeconds()).isEqualTo(0.75);
    assertThat(r.evaluations()).isEqualTo(1000);
  }

  @Test
  void aLooserOrMissingEstimateChangesNothingAndAMissingBoundIsFilled() {
    RunResult old = result(4.0, "grad@data", 6.0, "lipsdp", lo("grad@data", 4.0));
    RunResult same = Reestimation.combine(old, estimate(3.0, "a", 7.0, "b", lo("grad@data", 3.0)));
    assertThat(same).isEqualTo(old);
    assertThat(Reestimation.combine(old, estimate(Double.NaN, null, Double.NaN, null)))
        .isEqualTo(old);
    RunResult none = result(Double.NaN, null, Double.NaN, null);
    RunResult filled = Reestimation.combine(none, estimate(3.0, "a", 7.0, "b"));
    assertThat(filled.lipLower()).isEqualTo(3.0);
    assertThat(filled.lipUpper()).isEqualTo(7.0);
    assertThat(filled.lipUpperMethod()).isEqualTo("reestimated:b");
  }

  @Test
  void reportsAndTheJournalStateUseTheLatestEstimateOfARun() throws Exception {
    RunResult first = result(4.0, "grad@data", 6.0, "lipsdp");
    RunResult second = Reestimation.combine(first, estimate(4.5, "ascent", 7.0, "x"));
    RunResult third = Reestimation.combine(second, estimate(4.2, "ascent", 5.5, "lipsdp"));
    List<FarmEvent> events =
        List.of(
            new FarmStarted("f", 1, 1),
            new RunFinished(C.id(), first),
            new FarmFinished("f", 1, 0, 5),
            new RunReestimated(C.id(), 50_000, estimate(4.5, "ascent", 7.0, "x"), second),
            new RunReestimated(C.id(), 90_000, estimate(4.2, "ascent", 5.5, "lipsdp"), third));
    List<String> lines = new java.util.ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      lines.add(EventJson.line(EventJson.newMapper(), "f", i + 1, Instant.now(), events.get(i)));
    }
    EventLog log = EventLog.parse("events.ndjson", lines);
    assertThat(log.results()).containsExactly(third);
    assertThat(third.lipLower()).isEqualTo(4.5);
    assertThat(third.lipUpper()).isEqualTo(5.5);
    assertThat(log.finished()).isTrue();

    FarmState s = FarmState.empty().withRuns(List.of(C));
    for (int i = 0; i < events.size(); i++) {
      // The journal's event handler, as recovery runs it.
      s = FarmJournal.apply(s, new FarmJournal.Published(i + 1, Instant.now(), events.get(i)));
    }
    assertThat(s.resultList()).containsExactly(third);
    assertThat(s.lastSeq()).isEqualTo(5);
    assertThat(s.ended()).isEqualTo("finished"); // a re-estimation does not reopen the farm
  }
}
