package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import lipfarm.config.Durability;
import lipfarm.config.FarmDefinition;
import lipfarm.farm.FarmManager;
import lipfarm.farm.FarmRuntime;
import lipfarm.farm.FarmSpec;
import lipfarm.farm.FarmState;
import lipfarm.farm.Faults;
import lipfarm.farm.JournalDatabase;
import lipfarm.farm.RunChildren;
import lipfarm.farm.RunPolicy;
import lipfarm.protocol.RunResult;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lipfarm reestimate} on a small real farm: the run's budget reproduces the run's bounds; a
 * much larger one never loosens a certified bound and tightens some; the new events follow the old
 * ones (unchanged) with gap-free seq; the rebuilt reports and the journal carry the new values.
 */
class ReestimateCommandTest {
  @TempDir Path tmp;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Tanh nets keep an open gap at 1000 evaluations; ReLU ones here close or keep theirs. */
  private Path farm() throws Exception {
    Path f = tmp.resolve("re.conf");
    Files.writeString(
        f,
        "farm {\n name = re\n max-concurrent-runs = 2\n output-dir = \""
            + tmp.resolve("runs")
            + "\"\n"
            + " defaults { d = 10, n = 20, max-epochs = 1500, estimator-budget = 1000, tol = 0.01 }\n"
            + " grid { k = [8, 16], activation = [tanh, relu] }\n}\n");
    MainTest.Result r = MainTest.run("run", "--no-progress", f.toString());
    assertThat(r.code()).as(r.err()).isZero();
    return tmp.resolve("runs").resolve("re");
  }

  /** results.csv by run id: lower and upper certified bound. */
  private static Map<String, double[]> csvBounds(Path dir) throws Exception {
    Map<String, double[]> out = new HashMap<>();
    try (Reader in = Files.newBufferedReader(dir.resolve("results.csv"))) {
      for (CSVRecord row :
          CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
        out.put(
            row.get("run_id"),
            new double[] {
              Double.parseDouble(row.get("lip_lower_certified")),
              Double.parseDouble(row.get("lip_upper_certified"))
            });
      }
    }
    return out;
  }

  private static List<JsonNode> lines(Path dir) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve("events.ndjson"))) {
      out.add(JSON.readTree(l));
    }
    return out;
  }

  /** {@code lipfarm estimate --json} on a saved network: the independent path to its sandwich. */
  private static JsonNode estimate(Path network, long budget) throws Exception {
    MainTest.Result r =
        MainTest.run("estimate", "--json", "--budget", Long.toString(budget), network.toString());
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out().strip());
  }

  @Test
  void largerBudgetNeverLoosensABoundTightensSomeAndRebuildsReportsAndJournal() throws Exception {
    Path dir = farm();
    Path events = dir.resolve("events.ndjson");
    Map<String, double[]> trained = csvBounds(dir);
    assertThat(trained).hasSize(4);

    // The run's own budget and seed reproduce the run's bounds: nothing changes.
    MainTest.Result same = MainTest.run("reestimate", "--no-progress", dir.toString());
    assertThat(same.code()).as(same.err()).isZero();
    assertThat(same.out()).contains("0 certified lower bound(s) raised");
    List<JsonNode> afterSame = lines(dir);
    for (JsonNode e : afterSame) {
      if ("RunReestimated".equals(e.get("type").asText())) {
        double[] old = trained.get(e.get("runId").asText());
        assertThat(e.get("budget").asLong()).isEqualTo(1000);
        assertThat(e.get("estimate").get("lower").asDouble()).isEqualTo(old[0]);
        assertThat(e.get("estimate").get("upper").asDouble()).isEqualTo(old[1]);
      }
    }
    assertThat(csvBounds(dir)).containsOnlyKeys(trained.keySet());
    csvBounds(dir).forEach((id, b) -> assertThat(b).containsExactly(trained.get(id)));

    byte[] before = Files.readAllBytes(events);
    int oldLines = afterSame.size();
    MainTest.Result more =
        MainTest.run("reestimate", "--no-progress", "--budget", "50000", dir.toString());
    assertThat(more.code()).as(more.err()).isZero();

    byte[] after = Files.readAllBytes(events);
    assertThat(after.length).isGreaterThan(before.length);
    assertThat(java.util.Arrays.copyOf(after, before.length))
        .as("earlier events unchanged")
        .isEqualTo(before);
    List<JsonNode> all = lines(dir);
    for (int i = 0; i < all.size(); i++) {
      assertThat(all.get(i).get("seq").asLong()).as("gap-free seq").isEqualTo(i + 1);
    }
    List<JsonNode> fresh = all.subList(oldLines, all.size());
    assertThat(fresh)
        .hasSize(4)
        .allSatisfy(e -> assertThat(e.get("type").asText()).isEqualTo("RunReestimated"));

    Map<String, double[]> expected = new HashMap<>();
    int tightened = 0;
    for (JsonNode e : fresh) {
      String id = e.get("runId").asText();
      double[] old = trained.get(id);
      // The new sandwich is the one `lipfarm estimate` gives the saved network with this budget.
      JsonNode independent = estimate(dir.resolve("networks").resolve(id + ".json"), 50_000);
      double lower = independent.get("lower_local").asDouble();
      double upper = independent.get("upper").asDouble();
      assertThat(e.get("estimate").get("lower").asDouble()).isEqualTo(lower);
      assertThat(e.get("estimate").get("upper").asDouble()).isEqualTo(upper);
      double[] combined = {Math.max(old[0], lower), Math.min(old[1], upper)};
      expected.put(id, combined);
      JsonNode result = e.get("result");
      assertThat(result.get("lipLower").asDouble())
          .isEqualTo(combined[0])
          .isGreaterThanOrEqualTo(old[0]);
      assertThat(result.get("lipUpper").asDouble())
          .isEqualTo(combined[1])
          .isLessThanOrEqualTo(old[1]);
      if (combined[0] > old[0]) {
        tightened++;
        assertThat(result.get("lipLowerMethod").asText()).startsWith("reestimated:");
      }
      if (combined[1] < old[1]) {
        tightened++;
        assertThat(result.get("lipUpperMethod").asText()).startsWith("reestimated:");
      }
    }
    assertThat(tightened).as("bounds tightened by the larger budget").isPositive();

    // The rebuilt reports use the new values.
    Map<String, double[]> rebuilt = csvBounds(dir);
    expected.forEach((id, b) -> assertThat(rebuilt.get(id)).as(id).containsExactly(b));
    String report = Files.readString(dir.resolve("report.md"), StandardCharsets.UTF_8);
    expected.forEach(
        (id, b) -> {
          if (b[0] > trained.get(id)[0]) {
            assertThat(report).contains(String.format(Locale.ROOT, "%.4g (reestimated:", b[0]));
          }
        });
    assertThat(MainTest.run("report", dir.toString()).code()).isZero();
    Map<String, double[]> reported = csvBounds(dir);
    expected.forEach((id, b) -> assertThat(reported.get(id)).containsExactly(b));

    // The journal's state has the new results too (what resume and the service see).
    for (RunResult r : journalResults(dir)) {
      assertThat(new double[] {r.lipLower(), r.lipUpper()})
          .as(r.runId())
          .containsExactly(expected.get(r.runId()));
    }
  }

  private static List<RunResult> journalResults(Path dir) throws Exception {
    FarmDefinition def = FarmDefinition.load(dir.resolve("farm.conf").toFile());
    String pid = Files.readString(dir.resolve("farm.id")).strip();
    try (FarmRuntime rt =
        FarmRuntime.start(
            new FarmRuntime.Settings(
                dir.getParent(),
                JournalDatabase.of(Durability.of(def), dir, Map.of()),
                1,
                new SimpleMeterRegistry(),
                RunChildren.real(),
                Faults.none(),
                e -> {},
                null,
                1000,
                com.typesafe.config.ConfigFactory.empty()))) {
      FarmSpec spec =
          new FarmSpec(
              "re",
              "re",
              dir.toString(),
              pid,
              List.of(),
              1,
              RunPolicy.of(Durability.of(def)),
              "",
              false);
      FarmManager.Opened opened = rt.openIdle(spec).toCompletableFuture().get(1, TimeUnit.MINUTES);
      assertThat(opened.error()).isNull();
      FarmState state = rt.journalState("re").toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(state.resultList()).hasSize(4);
      return state.resultList();
    }
  }

  @Test
  void notAFarmOrNoSavedNetworksExitsTwoNamingWhatIsMissing() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    MainTest.Result r = MainTest.run("reestimate", empty.toString());
    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("is not a farm").contains("farm.conf").contains("farm.id");

    MainTest.Result none = MainTest.run("reestimate", tmp.resolve("nowhere").toString());
    assertThat(none.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(none.err()).contains("no such directory");

    Path farm = Files.createDirectories(tmp.resolve("farm"));
    Files.writeString(farm.resolve("farm.conf"), "farm { name = farm }\n");
    Files.writeString(farm.resolve("farm.id"), "lipfarm|farm|x\n");
    MainTest.Result noNets = MainTest.run("reestimate", farm.toString());
    assertThat(noNets.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(noNets.err()).contains("no saved networks").contains("networks");

    Files.createDirectories(farm.resolve("networks"));
    Files.writeString(farm.resolve("networks").resolve("0123456789abcdef.json"), "{}\n");
    MainTest.Result noJournal = MainTest.run("reestimate", farm.toString());
    assertThat(noJournal.code()).as(noJournal.err()).isEqualTo(Main.EXIT_USAGE);
    assertThat(noJournal.err()).contains("journal.mv.db").contains("does not exist");
    assertThat(farm.resolve("journal.mv.db")).doesNotExist();

    MainTest.Result badBudget = MainTest.run("reestimate", "--budget", "0", farm.toString());
    assertThat(badBudget.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(badBudget.err()).contains("--budget");
    assertThat(farm.resolve("events.ndjson")).doesNotExist();
  }
}
