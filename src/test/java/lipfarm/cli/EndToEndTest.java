package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny farm through the CLI entry point, with the real ND4J trainer and estimator. */
class EndToEndTest {
  @TempDir Path tmp;

  @Test
  void tinyFarmWritesAllFilesAndHonestBounds() throws Exception {
    Path f = tmp.resolve("tiny.conf");
    Files.writeString(
        f,
        "farm {\n name = tiny\n max-concurrent-runs = 2\n output-dir = \""
            + tmp.resolve("runs")
            + "\"\n"
            + " defaults { d = 10, max-epochs = 3000, estimator-budget = 4000, tol = 0.01 }\n"
            + " grid { n = [20, 40], k = [2, 16] }\n}\n");
    MainTest.Result r = MainTest.run("run", "--no-progress", f.toString());
    assertThat(r.code()).as(r.err()).isZero();
    Path dir = tmp.resolve("runs").resolve("tiny"); // the farm's stable directory
    assertThat(dir.resolve("farm.id")).isNotEmptyFile();
    assertThat(dir.resolve("journal.mv.db")).isNotEmptyFile();
    for (String name :
        List.of("farm.conf", "events.ndjson", "results.csv", "results.json", "report.md")) {
      assertThat(dir.resolve(name)).isNotEmptyFile();
    }
    assertThat(r.out()).contains("4 runs").contains("Lip lower");
    String summary =
        r.out().substring(r.out().indexOf("-".repeat(80)), r.out().indexOf("results: "));
    assertThat(summary.lines().filter(l -> l.length() > 80)).as("80-column summary").isEmpty();
    assertThat(summary.lines().count()).isGreaterThanOrEqualTo(4 + 5);

    JsonNode runs = new ObjectMapper().readTree(dir.resolve("results.json").toFile()).get("runs");
    assertThat(runs).hasSize(4);
    for (JsonNode run : runs) {
      int n = run.get("config").get("n").asInt();
      int k = run.get("config").get("k").asInt();
      int d = run.get("config").get("d").asInt();
      double lower = run.get("lipLower").asDouble();
      double upper = run.get("lipUpper").asDouble();
      assertThat(lower).as("lower ≤ upper").isLessThanOrEqualTo(upper);
      assertThat(lower).isPositive();
      if (k >= 2.0 * n / d) {
        assertThat(run.get("outcome").asText())
            .as("k=%d ≥ 2n/d interpolates", k)
            .isEqualTo("converged");
      }
      if (run.get("interpolated").asBoolean()) {
        assertThat(run.get("f10LeLower").asBoolean()).isTrue();
      }
    }
    List<String> events = Files.readAllLines(dir.resolve("events.ndjson"));
    assertThat(events.get(0)).contains("\"type\":\"FarmStarted\"");
    assertThat(events.get(events.size() - 1)).contains("\"type\":\"FarmFinished\"");
    assertThat(events.stream().filter(l -> l.contains("\"type\":\"LipschitzEstimate\"")))
        .isNotEmpty();
  }
}
