package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import lipfarm.config.Durability;
import lipfarm.config.FarmDefinition;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.ObjectiveFinished;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.EventLog;
import lipfarm.training.LipschitzObjectiveTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A farm with both objectives through the real runtime (FarmRuntime, journal, supervisors,
 * estimator, reporter), on two data files with a known smoothest interpolant: two points, and
 * points on a line in d = 1. The files' features are already in [0, 1] with 0 and 1 in every
 * column, so the CSV loader's min-max scaling leaves them as written and centring only shifts them:
 * the known minimum, which depends on differences only, is computed here from the written values.
 */
class ObjectiveFarmTest {
  @TempDir Path tmp;

  static final double TOL = 0.05;

  /** The certified upper bound lands within this factor of the known minimum. */
  static final double KNOWN_MINIMUM_FACTOR = 1.10;

  /** Two points (opposite labels): their features after scaling are these. */
  static final double[][] TWO = {{1, 0, 1}, {0, 1, 0}};

  static final double[] TWO_LABELS = {1, -1};

  /** Points on a line, −1 left of a gap and +1 right of it. */
  static final double[] LINE = {0.0, 0.1, 0.2, 0.3, 0.7, 0.8, 0.9, 1.0};

  static final double[] LINE_LABELS = {-1, -1, -1, -1, 1, 1, 1, 1};

  static Path csv(Path file, double[][] x, double[] y) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < x.length; i++) {
      for (double v : x[i]) {
        sb.append(v).append(',');
      }
      sb.append((int) y[i]).append('\n');
    }
    return Files.writeString(file, sb.toString());
  }

  @Test
  void bothObjectivesSideBySide() throws Exception {
    double[][] line = new double[LINE.length][];
    for (int i = 0; i < LINE.length; i++) {
      line[i] = new double[] {LINE[i]};
    }
    // A fixed relative path: the file's name is a parameter, so it fixes the ids and seeds.
    Path data = Path.of("target", "objective-farm-test");
    Files.createDirectories(data);
    Path two = csv(data.resolve("two.csv"), TWO, TWO_LABELS);
    Path onLine = csv(data.resolve("line.csv"), line, LINE_LABELS);
    Map<String, Double> known =
        Map.of(
            two.toString(), LipschitzObjectiveTest.knownMinimum(TWO, TWO_LABELS, TOL),
            onLine.toString(), LipschitzObjectiveTest.knownMinimum(line, LINE_LABELS, TOL));
    FarmDefinition def =
        FarmDefinition.parse(
            "farm { name = objectives, max-concurrent-runs = 2, snapshot-every = 250\n"
                + " defaults { data = csv, labels = noisy, d = 0, normalize = false,"
                + " k = 24, tol = "
                + TOL
                + ", learning-rate = 0.03, max-epochs = 1500, estimator-budget = 2000 }\n"
                + " zip { file = [\""
                + two
                + "\", \""
                + onLine
                + "\"], n = [2, 8] }\n"
                + " grid { objective = [fit, min-lipschitz] } }");
    Path root = tmp.resolve("runs");
    Path dir = root.resolve(def.name());
    Files.createDirectories(dir);
    List<RunResult> results;
    try (FarmRuntime rt =
        DurableFarmTest.runtime(dir, Durability.of(def), RunChildren.real(), e -> {})) {
      FarmManager.Opened opened =
          rt.open(DurableFarmTest.spec(def, dir)).toCompletableFuture().get(1, TimeUnit.MINUTES);
      assertThat(opened.error()).isNull();
      FarmManager.Lookup end = rt.awaitEnd(def.name()).get(3, TimeUnit.MINUTES);
      assertThat(end.status().state()).isEqualTo("finished");
      results = DurableFarmTest.results(rt, def.name());
    }
    assertThat(results).hasSize(4).allMatch(r -> "converged".equals(r.outcome()));
    EventLog log = EventLog.read(dir);
    Map<String, ObjectiveFinished> objectives =
        log.events().stream()
            .filter(e -> e instanceof ObjectiveFinished)
            .map(e -> (ObjectiveFinished) e)
            .collect(Collectors.toMap(FarmEvent::runId, e -> e));
    for (RunResult r : results) {
      if (!r.config().minimisesLipschitz()) {
        assertThat(objectives).doesNotContainKey(r.runId());
        continue;
      }
      ObjectiveFinished o = objectives.get(r.runId());
      assertThat(o).as("ObjectiveFinished of %s", r.runId()).isNotNull();
      // The fit still holds, and the result is certified at least as smooth as its start.
      assertThat(r.maxError()).isLessThanOrEqualTo(TOL);
      assertThat(r.lipUpper()).isLessThanOrEqualTo(o.startUpper());
      assertThat(o.steps()).isPositive();
      assertThat(o.path()).isNotEmpty().hasSizeLessThanOrEqualTo(64);
      double min = known.get(r.config().file());
      assertThat(r.lipUpper()).isBetween(min * (1 - 1e-9), KNOWN_MINIMUM_FACTOR * min);
      // Its fit twin trained the same data from the same weights: the objective started where the
      // twin ended.
      RunResult twin =
          results.stream()
              .filter(
                  t ->
                      !t.config().minimisesLipschitz()
                          && t.config().file().equals(r.config().file()))
              .findFirst()
              .orElseThrow();
      assertThat(o.startEpoch()).isEqualTo(twin.epochs());
      assertThat(r.epochs()).isEqualTo(o.keptStart() ? o.startEpoch() : o.startEpoch() + o.steps());
    }
    assertThat(objectives).hasSize(2);
    // Two points: the plain fit is far from the smoothest interpolant; the objective closes it.
    RunResult twoMin =
        results.stream()
            .filter(r -> r.config().minimisesLipschitz() && r.config().n() == 2)
            .findFirst()
            .orElseThrow();
    assertThat(objectives.get(twoMin.runId()).startUpper())
        .isGreaterThan(KNOWN_MINIMUM_FACTOR * known.get(two.toString()));

    String report = Files.readString(dir.resolve("report.md"));
    assertThat(report)
        .contains("## The smoothest interpolant (objective = min-lipschitz)")
        .contains("### Plain fit and smoothest interpolant side by side")
        .contains("bound start → end");
    assertThat(dir.resolve("plots/objective_path.png")).isRegularFile();
    assertThat(Files.readString(dir.resolve("results.csv"))).contains("min-lipschitz");
  }
}
