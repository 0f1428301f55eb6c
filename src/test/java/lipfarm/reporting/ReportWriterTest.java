package lipfarm.reporting;

import static lipfarm.reporting.ScriptedResults.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import lipfarm.bounds.TheoryBound;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.TrainingProgress;
import lipfarm.protocol.RunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Report files from scripted results: structure, plumbing of every bound, flagged violations. */
class ReportWriterTest {
  @TempDir Path tmp;

  /** lower ≈ 2·√(n/k) with seed noise; k = 2 does not interpolate. */
  private static List<RunResult> farm() {
    List<RunConfig> configs =
        FarmDefinition.parse(
                "farm { grid { n = [100, 400], k = [2, 10, 40], seed = [1, 2, 3, 4] } }")
            .expand();
    Random rng = new Random(3);
    List<RunResult> out = new ArrayList<>();
    for (RunConfig c : configs) {
      double lower = 2 * Math.sqrt((double) c.n() / c.k()) * Math.exp(0.05 * rng.nextGaussian());
      out.add(result(c, c.k() == 2 ? "did-not-interpolate" : "converged", lower, 1.5 * lower));
    }
    out.sort(ReportOrder.BY_PARAMETERS);
    return out;
  }

  @Test
  void reportOpensWithTheAnswerAndListsEveryBoundWithItsStatus() throws Exception {
    List<RunResult> runs = farm();
    ReportWriter w = new ReportWriter();
    var files = w.render("scripted", runs, List.of());
    String md = new String(files.get("report.md"), StandardCharsets.UTF_8);
    assertThat(md)
        .startsWith(
            "# lipfarm report: scripted\n\n## The answer\n\n24 configurations, 16 interpolated; 8 did not interpolate");
    assertThat(
            md.lines()
                .filter(
                    l ->
                        l.startsWith(
                            "- Slope of log certified lower bound on Lip (local: the data ball) vs log(n/k): **")))
        .hasSize(1);
    assertThat(md).contains("4 seed groups");
    // Every bound the bounds module returns is defined with its status label, whatever its value.
    for (TheoryBound b : ReportWriter.bounds(runs.get(0))) {
      assertThat(md)
          .contains("**" + b.id() + "** " + b.name() + " — status: **" + b.status().label() + "**");
      if (!b.applicable()) {
        assertThat(md).contains("Not applicable in ");
      }
    }
    // Every F column exists in the CSV; a missing or not applicable bound is an empty cell.
    String header =
        new String(files.get("results.csv"), StandardCharsets.UTF_8)
            .lines()
            .findFirst()
            .orElseThrow();
    for (String id : ReportWriter.THEORY_IDS) {
      assertThat(header).contains(",theory_" + id + ",");
    }
    assertThat(files)
        .containsKeys(
            "report.html", "results.json", "plots/sqrt_n_over_k.png", "plots/lip_vs_k.svg");
    assertThat(files).doesNotContainKey("plots/loss_curves.png");
    String html = new String(files.get("report.html"), StandardCharsets.UTF_8);
    assertThat(html)
        .contains("<h2>The answer</h2>")
        .contains("data:image/png;base64,")
        .doesNotContain("**");
  }

  @Test
  void violationsAreFlaggedWithTheirNumbers() {
    RunConfig c = FarmDefinition.parse("farm { }").expand().get(0);
    String md = new ReportWriter().markdown("x", List.of(result(c, "converged", 5.0, 4.0)));
    assertThat(md).contains("VIOLATION lower > upper (5.000 > 4.000)");
    assertThat(md).contains("**1 violation of certified inequalities**");
    assertThat(md)
        .contains(
            "| certified lower ≤ certified upper | certified: a violation is an estimator or bound error | 1 | 0 | **1** |");
  }

  @Test
  void reportersEntryPointReadsLossCurvesFromTheEventsFile() throws Exception {
    List<RunResult> runs = farm();
    var mapper = EventJson.newMapper();
    List<FarmEvent> events = new ArrayList<>();
    events.add(new FarmStarted("scripted", runs.size(), 2));
    for (RunResult r : runs) {
      events.add(new TrainingProgress(r.runId(), 250, 0.5, 0.9, 0.8, 3.0, 2.0));
      events.add(new TrainingProgress(r.runId(), 500, 0.01, 0.2, 1.0, 3.0, 2.0));
      events.add(new RunFinished(r.runId(), r));
    }
    events.add(new FarmFinished("scripted", runs.size(), 0, 10));
    try (BufferedWriter out = Files.newBufferedWriter(tmp.resolve("events.ndjson"))) {
      long seq = 0;
      for (FarmEvent e : events) {
        out.write(EventJson.line(mapper, "scripted", ++seq, Instant.EPOCH, e));
        out.newLine();
      }
    }
    new ReportWriter().write(tmp, "scripted", runs);
    assertThat(tmp.resolve("plots/loss_curves.png")).isNotEmptyFile();
    assertThat(tmp.resolve("plots/loss_curves.svg")).isNotEmptyFile();
    assertThat(tmp.resolve("report.html")).isNotEmptyFile();
    String md = Files.readString(tmp.resolve("report.md"));
    assertThat(md).contains("](plots/loss_curves.png)").doesNotContain("did not finish");
    // The same directory rebuilt from its events gives the same bytes.
    byte[] csv = Files.readAllBytes(tmp.resolve("results.csv"));
    byte[] report = Files.readAllBytes(tmp.resolve("report.md"));
    ReportWriter.rebuild(tmp);
    assertThat(Files.readAllBytes(tmp.resolve("results.csv"))).isEqualTo(csv);
    assertThat(Files.readAllBytes(tmp.resolve("report.md"))).isEqualTo(report);
  }
}
