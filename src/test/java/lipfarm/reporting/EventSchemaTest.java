package lipfarm.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.Converged;
import lipfarm.protocol.FarmEvent.DidNotInterpolate;
import lipfarm.protocol.FarmEvent.Diverged;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.MeasuredBound;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunReestimated;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.FarmEvent.TrainingProgress;
import lipfarm.protocol.RunResult;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every event type, as the reporter writes it, conforms to docs/events.schema.json. */
class EventSchemaTest {
  static final ActorTestKit testKit = ActorTestKit.create();
  final EventSchema schema = new EventSchema();

  @TempDir Path tmp;

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  @Test
  void schemaDescribesEveryEventType() throws Exception {
    Set<String> types =
        Arrays.stream(FarmEvent.class.getPermittedSubclasses())
            .flatMap(
                c -> c.isInterface() ? Arrays.stream(c.getPermittedSubclasses()) : Stream.of(c))
            .map(Class::getSimpleName)
            .collect(Collectors.toSet());
    JsonNode json = new ObjectMapper().readTree(EventSchema.FILE.toFile());
    Set<String> documented = new java.util.HashSet<>(json.get("oneOf").findValuesAsText("title"));
    assertThat(documented).isEqualTo(types).hasSize(14);
    String md = Files.readString(Path.of("docs/events.md"));
    for (String t : types) {
      assertThat(md).as("docs/events.md documents %s", t).contains("`" + t + "`");
    }
  }

  @Test
  void everyWrittenEventConformsAndBrokenOnesDoNot() throws Exception {
    List<RunConfig> runs =
        FarmDefinition.parse("farm { defaults { d = 20 }\n grid { k = [10, 5, 3] } }").expand();
    RunConfig a = runs.get(0);
    RunConfig b = runs.get(1);
    RunConfig c = runs.get(2);
    NetworkMeasures m = new NetworkMeasures(100, 9.0, Double.NaN, 7.0, 6.0, 1.2, 0.5);
    List<MeasuredBound> bounds = List.of(new MeasuredBound("path-norm", "CERTIFIED_UPPER", 9.0));
    RunResult ra =
        new RunResult(
            a.id(),
            a,
            "converged",
            50,
            1e-4,
            0.009,
            1.0,
            4.0,
            "grad@data",
            6.0,
            "spectral-product",
            1000,
            bounds,
            m,
            null);
    RunResult rb =
        new RunResult(
            b.id(),
            b,
            "failed",
            0,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            null,
            Double.NaN,
            null,
            0,
            List.of(),
            null,
            "trainer stopped");
    // lipfarm reestimate: a new sandwich of a's network, with an invariant failure to show its
    // kind.
    List<MeasuredBound> againBounds =
        List.of(
            new MeasuredBound("path-norm", "CERTIFIED_UPPER", 8.0),
            new MeasuredBound("invariant:lower<=path-norm", "ESTIMATOR_ERROR", 1.01));
    LipschitzEstimate again =
        new LipschitzEstimate(
            a.id(), 50, 4.5, "ascent", 8.0, "path-norm", 50_000, 70, true, againBounds, m);
    RunResult reestimated = lipfarm.farm.Reestimation.combine(ra, again);
    List<FarmEvent> script =
        List.of(
            new FarmStarted("s", 3, 2),
            new RunStarted(a.id(), a),
            new RunStarted(b.id(), b),
            new TrainingProgress(a.id(), 250, 0.3, 0.9, 0.8, 3.0, 2.0),
            new FarmEvent.RunAdopted(b.id(), b, "pekko://lipfarm@127.0.0.1:25521"),
            new Converged(a.id(), 300, 1e-4, 0.009, 1.0, 3.0, 2.0),
            new LipschitzEstimate(
                a.id(), 300, 3.0, "grad@data", 7.0, "path-norm", 500, 5, false, List.of(), null),
            new LipschitzEstimate(
                a.id(), 300, 4.0, "grad@data", 6.0, "spectral-product", 1000, 5, true, bounds, m),
            new FarmEvent.ObjectiveFinished(
                a.id(),
                "path-norm",
                250,
                50,
                3,
                9.0,
                7.0,
                3.5,
                "grad@data",
                8.0,
                "path-norm",
                4.0,
                6.0,
                false,
                List.of(
                    new FarmEvent.ObjectivePoint(0, 1e-3, 9.0, 9.0),
                    new FarmEvent.ObjectivePoint(50, 2e-3, Double.NaN, 7.0))),
            new RunFinished(a.id(), ra),
            new RunFinished(b.id(), rb),
            new RunReestimated(a.id(), 50_000, again, reestimated),
            new RunStarted(c.id(), c),
            new Diverged(
                c.id(), 10, Double.POSITIVE_INFINITY, Double.NaN, 0.5, "loss is not finite"),
            new DidNotInterpolate(c.id(), 8000, 0.5, 1.5, 0.7, 2.0, 1.0),
            new FarmCancelled("s", 2, 1, 1, 99));
    TestProbe<Reporter.Written> done = testKit.createTestProbe();
    var reporter =
        testKit.spawn(
            Reporter.create(
                "s",
                tmp,
                new FarmMetrics(new SimpleMeterRegistry(), "s"),
                e -> {},
                done.ref(),
                null,
                null));
    script.forEach(e -> reporter.tell(new Reporter.Publish(e)));
    Reporter.Written w = done.receiveMessage(java.time.Duration.ofSeconds(60));
    assertThat(w.results()).hasSize(2); // cancelled farms still write the results so far
    assertThat(w.results()).contains(reestimated); // a run's latest estimate wins
    assertThat(tmp.resolve("report.md")).isRegularFile();

    List<String> lines = Files.readAllLines(tmp.resolve("events.ndjson"));
    assertThat(lines).hasSize(script.size());
    for (String line : lines) {
      assertThat(schema.errors(line)).as(line).isEmpty();
    }
    // A FarmFinished too (the cancelled farm above ends with FarmCancelled).
    String finished =
        EventJson.line(
            EventJson.newMapper(),
            "s",
            14,
            java.time.Instant.now(),
            new FarmFinished("s", 3, 0, 5));
    assertThat(schema.errors(finished)).isEmpty();

    // The schema is strict enough to catch drift: a missing field, a wrong type, an unknown type.
    ObjectMapper mapper = new ObjectMapper();
    List<String> broken = new ArrayList<>();
    ObjectNode missing = (ObjectNode) mapper.readTree(lines.get(3));
    missing.remove("loss");
    broken.add(missing.toString());
    ObjectNode wrongType = (ObjectNode) mapper.readTree(lines.get(0));
    wrongType.put("totalRuns", "three");
    broken.add(wrongType.toString());
    ObjectNode unknown = (ObjectNode) mapper.readTree(lines.get(0));
    unknown.put("type", "FarmExploded");
    broken.add(unknown.toString());
    ObjectNode extra = (ObjectNode) mapper.readTree(lines.get(1));
    extra.put("surprise", 1);
    broken.add(extra.toString());
    for (String line : broken) {
      assertThat(schema.errors(line)).as(line).isNotEmpty();
    }
  }
}
