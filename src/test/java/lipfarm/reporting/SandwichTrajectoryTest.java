package lipfarm.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.SandwichTrajectory.Point;
import lipfarm.reporting.SandwichTrajectory.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandwich against the epoch from scripted estimate events: the right point per snapshot, the
 * report section and its plot, byte-identical output, and old farms with one snapshot per run.
 */
class SandwichTrajectoryTest {
  @TempDir Path tmp;

  /** Snapshots every 500 epochs; every run's final network is at epoch 2000. */
  private static final int[] SNAPSHOTS = {500, 1000, 1500, 2000};

  private static final int FINAL_EPOCH = 2000;

  /**
   * The scripted complete sandwich of run {@code i} at {@code epoch}: it widens as the net fits.
   */
  private static double lower(int i, int epoch) {
    return (1 + i) * (1 + epoch / 1000.0);
  }

  private static double upper(int i, int epoch) {
    return 4 * lower(i, epoch) * (1 + 250.0 / epoch);
  }

  private static List<RunConfig> configs() {
    List<RunConfig> configs =
        new ArrayList<>(
            FarmDefinition.parse("farm { grid { n = [100, 400], k = [10], seed = [1, 2] } }")
                .expand());
    configs.sort((a, b) -> a.n() != b.n() ? Integer.compare(a.n(), b.n()) : a.seed() - b.seed());
    return configs;
  }

  private static LipschitzEstimate estimate(
      String run, int epoch, double lower, double upper, boolean complete) {
    return new LipschitzEstimate(
        run,
        epoch,
        lower,
        "grad@data",
        upper,
        "spectral",
        100,
        5,
        complete,
        List.of(),
        complete && epoch == FINAL_EPOCH ? measures() : null);
  }

  private static NetworkMeasures measures() {
    return new NetworkMeasures(100, 9.0, 5.0, 7.0, 6.0, 1.2, 0.5);
  }

  private static RunResult result(RunConfig c, int i) {
    return new RunResult(
        c.id(),
        c,
        "converged",
        FINAL_EPOCH,
        1e-4,
        0.009,
        1.0,
        lower(i, FINAL_EPOCH),
        "grad@data",
        upper(i, FINAL_EPOCH),
        "spectral",
        1000,
        List.of(),
        measures(),
        null);
  }

  /**
   * Runs 0..2 finish; run 3 is stopped while its second snapshot is bounded. Every snapshot gets a
   * partial estimate (a looser sandwich) before its complete one; run 0's snapshot 1000 is bounded
   * again after its complete estimate (a resumed run) and that partial must not replace it.
   */
  private static List<FarmEvent> events(List<RunConfig> configs, List<RunResult> results) {
    List<FarmEvent> events = new ArrayList<>();
    events.add(new FarmStarted("scripted", configs.size(), 4));
    for (int i = 0; i < configs.size(); i++) {
      events.add(new RunStarted(configs.get(i).id(), configs.get(i)));
    }
    for (int i = 0; i < configs.size(); i++) {
      String id = configs.get(i).id();
      for (int epoch : SNAPSHOTS) {
        if (i == 3 && epoch > 1000) {
          break;
        }
        events.add(estimate(id, epoch, lower(i, epoch) / 2, upper(i, epoch) * 3, false));
        if (i == 3 && epoch == 1000) {
          break; // stopped before this snapshot's estimate completed
        }
        events.add(estimate(id, epoch, lower(i, epoch), upper(i, epoch), true));
        if (i == 0 && epoch == 1000) {
          events.add(estimate(id, epoch, 0.1, 1e6, false));
        }
      }
    }
    for (RunResult r : results) {
      events.add(new RunFinished(r.runId(), r));
    }
    events.add(new FarmFinished("scripted", results.size(), 0, 10));
    return events;
  }

  private static List<RunResult> results(List<RunConfig> configs) {
    List<RunResult> results = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      results.add(result(configs.get(i), i));
    }
    return results;
  }

  @Test
  void eachSnapshotIsItsLastCompleteEstimateInResultsOrderThenTheUnfinishedRuns() {
    List<RunConfig> configs = configs();
    List<RunResult> results = results(configs);
    SandwichTrajectory t = SandwichTrajectory.of(results, events(configs, results));

    assertThat(t.hasTrajectory()).isTrue();
    assertThat(t.runs())
        .extracting(Run::runId)
        .containsExactly(ids(configs).toArray(String[]::new));
    for (int i = 0; i < 3; i++) {
      Run run = t.runs().get(i);
      assertThat(run.finished()).isTrue();
      assertThat(run.config()).isEqualTo(configs.get(i));
      List<Point> expected = new ArrayList<>();
      for (int epoch : SNAPSHOTS) {
        expected.add(new Point(epoch, lower(i, epoch), upper(i, epoch), true));
      }
      assertThat(run.points()).containsExactlyElementsOf(expected);
      // The last snapshot is the final network, the sandwich of the run's result.
      assertThat(run.last().lower()).isEqualTo(results.get(i).lipLower());
      assertThat(run.last().upper()).isEqualTo(results.get(i).lipUpper());
    }
    Run stopped = t.runs().get(3);
    assertThat(stopped.finished()).isFalse();
    assertThat(stopped.config()).isEqualTo(configs.get(3));
    assertThat(stopped.points())
        .containsExactly(
            new Point(500, lower(3, 500), upper(3, 500), true),
            new Point(1000, lower(3, 1000) / 2, upper(3, 1000) * 3, false));
  }

  @Test
  void reportSectionHasThePlotAndEachRunsFirstAndLastSnapshot() throws Exception {
    List<RunConfig> configs = configs();
    List<RunResult> results = results(configs);
    List<FarmEvent> events = events(configs, results);
    Map<String, byte[]> files = new ReportWriter().render("scripted", results, events);

    assertThat(files)
        .containsKeys("plots/sandwich_trajectory.png", "plots/sandwich_trajectory.svg");
    String md = new String(files.get("report.md"), StandardCharsets.UTF_8);
    assertThat(md)
        .contains("## The Lipschitz sandwich during training\n")
        .contains("](plots/sandwich_trajectory.png)");
    for (int i = 0; i < 3; i++) {
      RunConfig c = configs.get(i);
      assertThat(md)
          .contains(
              String.format(
                  Locale.ROOT,
                  "| %s | %s | 4 | 500 | %.4g | %.4g | 2000 | %.4g | %.4g |%n",
                  c.id(),
                  c.label(),
                  lower(i, 500),
                  upper(i, 500),
                  lower(i, 2000),
                  upper(i, 2000)));
    }
    assertThat(md)
        .contains(
            String.format(
                Locale.ROOT,
                "| %s | %s (unfinished) | 2 | 500 | %.4g | %.4g | 1000 (partial) | %.4g | %.4g |%n",
                configs.get(3).id(),
                configs.get(3).label(),
                lower(3, 500),
                upper(3, 500),
                lower(3, 1000) / 2,
                upper(3, 1000) * 3));
    String html = new String(files.get("report.html"), StandardCharsets.UTF_8);
    assertThat(html).contains("<h2>The Lipschitz sandwich during training</h2>");
    // One panel per configuration without its seed: n = 100 (seeds 1, 2) and n = 400 (seeds 1, 2).
    String svg = new String(files.get("plots/sandwich_trajectory.svg"), StandardCharsets.UTF_8);
    assertThat(svg).contains("n=100, seeds 1 2").contains("n=400, seeds 1 2");
    BufferedImage png =
        ImageIO.read(new ByteArrayInputStream(files.get("plots/sandwich_trajectory.png")));
    assertThat(png.getWidth()).isEqualTo(Plots.WIDTH);
  }

  @Test
  void sameEventsGiveTheSameBytesAlsoWhenRebuiltFromTheEventsFile() throws Exception {
    List<RunConfig> configs = configs();
    List<RunResult> results = results(configs);
    List<FarmEvent> events = events(configs, results);
    Map<String, byte[]> first = new ReportWriter().render("scripted", results, events);
    Map<String, byte[]> second = new ReportWriter().render("scripted", results, events);
    assertThat(second.keySet()).containsExactlyElementsOf(first.keySet());
    for (String name : first.keySet()) {
      assertThat(second.get(name)).as(name).isEqualTo(first.get(name));
    }

    var mapper = EventJson.newMapper();
    try (BufferedWriter out = Files.newBufferedWriter(tmp.resolve(EventLog.FILE))) {
      long seq = 0;
      for (FarmEvent e : events) {
        out.write(EventJson.line(mapper, "scripted", ++seq, Instant.EPOCH, e));
        out.newLine();
      }
    }
    ReportWriter.rebuild(tmp);
    // The unfinished run's RunStarted and estimates come back from the file too.
    for (String name :
        List.of("report.md", "plots/sandwich_trajectory.png", "plots/sandwich_trajectory.svg")) {
      assertThat(Files.readAllBytes(tmp.resolve(name))).as(name).isEqualTo(first.get(name));
    }
  }

  @Test
  void oldFarmsWithOneSnapshotPerRunSayOneSentenceAndDrawNoPlot() throws Exception {
    List<RunConfig> configs = configs();
    List<RunResult> results = results(configs);
    List<FarmEvent> events = new ArrayList<>();
    events.add(new FarmStarted("old", configs.size(), 4));
    for (int i = 0; i < 3; i++) {
      String id = configs.get(i).id();
      // Before snapshots: every estimate of a run carries the final epoch.
      events.add(estimate(id, FINAL_EPOCH, 1.0, 50.0, false));
      events.add(estimate(id, FINAL_EPOCH, lower(i, FINAL_EPOCH), upper(i, FINAL_EPOCH), true));
      events.add(new RunFinished(id, results.get(i)));
    }
    events.add(new FarmFinished("old", 3, 0, 10));

    SandwichTrajectory t = SandwichTrajectory.of(results, events);
    assertThat(t.runs()).hasSize(3).allMatch(r -> r.points().size() == 1);
    assertThat(t.hasTrajectory()).isFalse();
    Map<String, byte[]> files = new ReportWriter().render("old", results, events);
    assertThat(files).doesNotContainKey("plots/sandwich_trajectory.png");
    String md = new String(files.get("report.md"), StandardCharsets.UTF_8);
    String section =
        md.substring(
            md.indexOf("## The Lipschitz sandwich during training\n"),
            md.indexOf("## Bound definitions"));
    assertThat(section.strip().lines().filter(l -> !l.isBlank()).toList())
        .hasSize(2)
        .element(1)
        .asString()
        .startsWith("No run has estimates of more than one network snapshot");
  }

  private static List<String> ids(List<RunConfig> configs) {
    return configs.stream().map(RunConfig::id).toList();
  }
}
