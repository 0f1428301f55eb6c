package lipfarm.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.RunResult;
import org.junit.jupiter.api.Test;

/**
 * The per-run gauge of the snapshot epoch follows the estimates and goes with the run; a run
 * adopted by a moved coordinator counts as active in the new session.
 */
class FarmMetricsSnapshotEpochTest {

  private static LipschitzEstimate estimate(String run, int epoch, double lower, double upper) {
    return new LipschitzEstimate(
        run, epoch, lower, "grad@data", upper, "spectral", 10, 1, false, List.of(), null);
  }

  @Test
  void gaugeShowsTheSnapshotOfTheSandwichGaugesUntilTheRunFinishes() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    FarmMetrics metrics = new FarmMetrics(registry, "f");
    RunConfig c = FarmDefinition.parse("farm { }").expand().get(0);
    metrics.record(new FarmStarted("f", 1, 1));
    metrics.record(new RunStarted(c.id(), c));
    assertThat(snapshot(registry, c)).isNaN();

    metrics.record(estimate(c.id(), 250, 1.5, 40.0));
    assertThat(snapshot(registry, c)).isEqualTo(250.0);
    metrics.record(estimate(c.id(), 500, 2.5, 30.0));
    assertThat(snapshot(registry, c)).isEqualTo(500.0);
    assertThat(registry.get("lipfarm.run.lipschitz.lower").tag("run", c.id()).gauge().value())
        .isEqualTo(2.5);
    assertThat(registry.get("lipfarm.run.lipschitz.upper").tag("run", c.id()).gauge().value())
        .isEqualTo(30.0);

    RunResult r =
        new RunResult(
            c.id(),
            c,
            "converged",
            500,
            1e-4,
            0.009,
            1.0,
            2.5,
            "grad@data",
            30.0,
            "spectral",
            20,
            List.of(),
            null,
            null);
    metrics.record(new RunFinished(c.id(), r));
    assertThat(registry.find("lipfarm.run.snapshot.epoch").gauges()).isEmpty();
  }

  private static double snapshot(SimpleMeterRegistry registry, RunConfig c) {
    return registry
        .get("lipfarm.run.snapshot.epoch")
        .tag("farm", "f")
        .tag("run", c.id())
        .gauge()
        .value();
  }

  @Test
  void anAdoptedRunIsActiveInTheNewSession() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    FarmMetrics metrics = new FarmMetrics(registry, "f");
    RunConfig c = FarmDefinition.parse("farm { }").expand().get(0);
    metrics.record(new FarmStarted("f", 1, 1));
    metrics.record(new RunStarted(c.id(), c));
    // The coordinator's node is lost; the new coordinator starts a session and adopts the run.
    metrics.record(new FarmStarted("f", 1, 1));
    assertThat(registry.get("lipfarm.runs.active").gauge().value()).isZero();
    metrics.record(new FarmEvent.RunAdopted(c.id(), c, "pekko://lipfarm@127.0.0.1:2552"));
    assertThat(registry.get("lipfarm.runs.active").gauge().value()).isEqualTo(1.0);
    assertThat(
            registry
                .get("lipfarm.farm.runs")
                .tag("farm", "f")
                .tag("state", "active")
                .gauge()
                .value())
        .isEqualTo(1.0);
    assertThat(
            registry
                .get("lipfarm.farm.runs")
                .tag("farm", "f")
                .tag("state", "pending")
                .gauge()
                .value())
        .isZero();
  }
}
