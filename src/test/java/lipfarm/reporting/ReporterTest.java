package lipfarm.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.Converged;
import lipfarm.protocol.FarmEvent.DidNotInterpolate;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.MeasuredBound;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.FarmEvent.TrainingProgress;
import lipfarm.protocol.RunResult;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reporter's files and meters from a scripted event sequence. */
class ReporterTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path tmp;

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  private static final double MIN_DIST = ScriptedResults.MIN_DIST;

  private static RunResult result(RunConfig c, String outcome, double lower, double upper) {
    return ScriptedResults.result(
        c,
        outcome,
        lower,
        upper,
        "spectral-product",
        List.of(new MeasuredBound("path-norm", "CERTIFIED_UPPER", 9.0)));
  }

  @Test
  void writesEventsResultsAndReport() throws Exception {
    List<RunConfig> runs =
        FarmDefinition.parse("farm { defaults { d = 20 }\n grid { k = [10, 5] } }").expand();
    RunConfig a = runs.get(0); // k = 5 sorts first in the files
    RunConfig b = runs.get(1);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<FarmEvent> seen = new ArrayList<>();
    TestProbe<Reporter.Written> done = testKit.createTestProbe();
    var reporter =
        testKit.spawn(
            Reporter.create(
                "scripted",
                tmp,
                new FarmMetrics(registry, "scripted"),
                seen::add,
                done.ref(),
                null,
                null));

    RunResult ra = result(a, "converged", 4.0, 6.0);
    RunResult rb = result(b, "did-not-interpolate", 1.0, 2.0);
    List<FarmEvent> script =
        List.of(
            new FarmStarted("scripted", 2, 2),
            new RunStarted(a.id(), a),
            new RunStarted(b.id(), b),
            new TrainingProgress(a.id(), 250, 0.3, 0.9, 0.8, 3.0, 2.0),
            new Converged(a.id(), 300, 1e-4, 0.009, 1.0, 3.0, 2.0),
            new LipschitzEstimate(
                a.id(),
                300,
                4.0,
                "grad@data",
                6.0,
                "spectral-product",
                1000,
                5,
                true,
                List.of(),
                null),
            new DidNotInterpolate(b.id(), 8000, 0.5, 1.5, 0.7, 2.0, 1.0),
            new RunFinished(a.id(), ra),
            new RunFinished(b.id(), rb),
            new FarmFinished("scripted", 2, 0, 1234));
    script.forEach(e -> reporter.tell(new Reporter.Publish(e)));
    Reporter.Written w = done.receiveMessage(java.time.Duration.ofSeconds(60));

    assertThat(seen).containsExactlyElementsOf(script);
    // events.ndjson: one line per event, in order, with increasing sequence numbers, parseable
    // back.
    List<String> lines = Files.readAllLines(tmp.resolve("events.ndjson"));
    assertThat(lines).hasSize(script.size());
    var mapper = EventJson.newMapper();
    for (int i = 0; i < lines.size(); i++) {
      assertThat(mapper.readTree(lines.get(i)).get("seq").asLong()).isEqualTo(i + 1);
      assertThat(EventJson.parse(mapper, lines.get(i))).isEqualTo(script.get(i));
    }
    assertThat(mapper.readTree(lines.get(4)).get("type").asText()).isEqualTo("Converged");

    // results.csv: header + one row per configuration, sorted by parameters (k=5 before k=10).
    List<String> csv = Files.readAllLines(tmp.resolve("results.csv"));
    assertThat(csv).hasSize(3);
    assertThat(csv.get(0)).startsWith("run_id,n,d,k");
    assertThat(csv.get(1)).startsWith(b.id() + ",100,20,5,");
    assertThat(csv.get(2)).startsWith(a.id() + ",100,20,10,");
    // F10 = (2 − 2·tol)/min distance, computed by hand.
    double f10 = (2 - 2 * a.tol()) / MIN_DIST;
    assertThat(csv.get(2)).contains("," + f10 + ",");
    assertThat(csv.get(2)).contains(",true,true,"); // F10 ≤ lower and lower ≤ upper

    String json = Files.readString(tmp.resolve("results.json"));
    assertThat(mapper.readTree(json).get("runs")).hasSize(2);
    assertThat(json).contains("\"theoryBounds\"").contains("F5").contains("claim withdrawn");

    String md = Files.readString(tmp.resolve("report.md"));
    assertThat(md)
        .contains("| " + a.id() + " | 100 | 20 | 10 |")
        .contains("Lip lower (measured, certified)")
        .contains("F3 (theory")
        .contains("F5")
        .contains("F10")
        .contains("n/a");
    assertThat(w.results()).extracting(RunResult::runId).containsExactly(b.id(), a.id());

    // Meters: finished runs by outcome, per-run gauges removed once runs finish.
    assertThat(registry.get("lipfarm.runs.finished").tag("outcome", "converged").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("lipfarm.runs.active").gauge().value()).isZero();
    assertThat(registry.find("lipfarm.run.loss").gauges()).isEmpty();
    assertThat(registry.get("lipfarm.training.epochs").counter().count()).isEqualTo(8300.0);
  }

  /** An F10 above the certified lower bound is flagged as an invariant violation. */
  @Test
  void flagsF10Violation() {
    RunConfig c = FarmDefinition.parse("farm { }").expand().get(0);
    RunResult bad = result(c, "converged", 1.0, 6.0); // F10 = (2 − 2·tol)/0.5 ≈ 3.96 > 1
    assertThat(ReportWriter.f10Holds(bad)).isFalse();
    assertThat(new ReportWriter().markdown("x", List.of(bad))).contains("VIOLATION F10 > lower");
    RunResult notFitted = result(c, "did-not-interpolate", 1.0, 6.0);
    assertThat(ReportWriter.f10Holds(notFitted)).isTrue();
  }
}
