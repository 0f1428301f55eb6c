package lipfarm.farm.durable;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.EventLog;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A farm killed with SIGKILL at seeded random moments and restarted each time ends with exactly the
 * results of an uninterrupted run of the same farm: the same configuration ids, each once.
 */
@Tag("slow")
class CrashRecoveryTest {
  @TempDir Path tmp;

  static String farm(String name, String extra) {
    return "farm {\n name = "
        + name
        + "\n max-concurrent-runs = 2\n checkpoint-every = 250\n retry-backoff = 100\n"
        + extra
        // Long enough (runs that never fit, 4000 epochs each on 1000-2000 points: a second or more
        // each) that several kills land mid-farm; tiny nets on few points would finish between two.
        + " defaults { d = 50, max-epochs = 4000, tol = 1e-9, estimator-budget = 2000 }\n"
        + " grid { n = [1000, 2000], k = [2, 8, 16], seed = [1, 2] }\n}\n";
  }

  @Test
  void killedH2FarmEndsWithTheUninterruptedResults() throws Exception {
    crashLoop("crash", "", Map.of(), 11);
  }

  /** The same against PostgreSQL: .ci/run starts a private cluster and sets LIPFARM_TEST_PG_URL. */
  @Test
  void killedPostgresFarmEndsWithTheUninterruptedResults() throws Exception {
    String url = System.getenv("LIPFARM_TEST_PG_URL");
    if (url == null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(
            "CI must provide PostgreSQL: LIPFARM_TEST_PG_URL is not set (see .ci/run)");
      }
      Assumptions.abort(
          "no PostgreSQL: set LIPFARM_TEST_PG_URL (and LIPFARM_TEST_PG_USER/_PASSWORD)");
    }
    String user = System.getenv().getOrDefault("LIPFARM_TEST_PG_USER", "");
    String password = System.getenv().getOrDefault("LIPFARM_TEST_PG_PASSWORD", "");
    Map<String, String> env =
        Map.of(
            "LIPFARM_JOURNAL_URL",
            url,
            "LIPFARM_JOURNAL_USER",
            user,
            "LIPFARM_JOURNAL_PASSWORD",
            password);
    crashLoop("pgcrash", " journal = postgres\n", env, 23);
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement st = c.createStatement()) {
      var rs =
          st.executeQuery(
              "select count(*) from event_journal where persistence_id = '"
                  + Files.readString(tmp.resolve("crashed/pgcrash/farm.id")).strip()
                  + "'");
      rs.next();
      assertThat(rs.getLong(1))
          .as("events in PostgreSQL")
          .isGreaterThanOrEqualTo(13); // defined + 12 results
    }
  }

  private void crashLoop(String name, String extra, Map<String, String> env, long seed)
      throws Exception {
    Path conf = tmp.resolve(name + ".conf");
    Files.writeString(conf, farm(name, extra));
    Path log = tmp.resolve("farm.log");

    Path reference = tmp.resolve("reference");
    Process ref =
        FarmProcess.start(
            log,
            env,
            "run",
            "--no-progress",
            "--output-dir",
            reference.toString(),
            conf.toString());
    assertThat(ref.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(ref.exitValue()).as(Files.readString(log)).isZero();

    Path crashed = tmp.resolve("crashed");
    Random rnd = new Random(seed);
    int kills = 0;
    for (int attempt = 0; attempt < 8; attempt++) {
      Process p =
          FarmProcess.start(
              log,
              env,
              "run",
              "--no-progress",
              "--output-dir",
              crashed.toString(),
              conf.toString());
      // The kill lands a seeded random time after this attempt's farm has started (published an
      // event): with the journal's start-up, a fixed delay from JVM start could kill every attempt
      // before the farm exists, and recovery would never be exercised.
      Path events = crashed.resolve(name).resolve("events.ndjson");
      long linesBefore = lines(events);
      long startDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (p.isAlive() && lines(events) <= linesBefore && System.nanoTime() < startDeadline) {
        Thread.sleep(20);
      }
      long wait = 200 + rnd.nextInt(1500);
      if (p.waitFor(wait, TimeUnit.MILLISECONDS)) {
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        break; // finished before this kill
      }
      p.destroyForcibly().waitFor(); // SIGKILL
      kills++;
    }
    Process last =
        FarmProcess.start(log, env, "resume", "--no-progress", crashed.resolve(name).toString());
    assertThat(last.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(last.exitValue()).as(Files.readString(log)).isZero();
    assertThat(kills).as("the farm was killed at least twice").isGreaterThanOrEqualTo(2);

    EventLog expected = EventLog.read(reference.resolve(name));
    EventLog actual = EventLog.read(crashed.resolve(name));
    assertThat(expected.results()).hasSize(12);
    Map<String, Long> finishedPerId =
        actual.events().stream()
            .filter(e -> e instanceof FarmEvent.RunFinished)
            .collect(Collectors.groupingBy(FarmEvent::runId, Collectors.counting()));
    assertThat(finishedPerId.values())
        .as("each configuration finished exactly once")
        .allMatch(c -> c == 1);
    Map<String, RunResult> want = byId(expected.results());
    Map<String, RunResult> got = byId(actual.results());
    assertThat(got.keySet()).isEqualTo(want.keySet());
    for (String id : want.keySet()) {
      assertThat(got.get(id)).as("result of %s", id).isEqualTo(want.get(id));
    }
    assertThat(withoutWallTimes(crashed.resolve(name).resolve("results.csv")))
        .isEqualTo(withoutWallTimes(reference.resolve(name).resolve("results.csv")));
  }

  /**
   * SIGTERM stops the farm gracefully: exit 0, a partial report, checkpoints; resume finishes it.
   */
  @Test
  void sigtermStopsGracefullyAndResumeFinishes() throws Exception {
    Path conf = tmp.resolve("term.conf");
    Files.writeString(conf, farm("term", "").replace("max-epochs = 20000", "max-epochs = 100000"));
    Path log = tmp.resolve("term.log");
    Path out = tmp.resolve("out");
    Process p =
        FarmProcess.start(
            log, Map.of(), "run", "--no-progress", "--output-dir", out.toString(), conf.toString());
    Path events = out.resolve("term/events.ndjson");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (p.isAlive()
        && System.nanoTime() < deadline
        && (!Files.exists(events)
            || Files.readAllLines(events).stream()
                    .filter(l -> l.contains("TrainingProgress"))
                    .count()
                < 6)) {
      Thread.sleep(100);
    }
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isZero();
    assertThat(Files.readString(log)).contains("stopped").contains("resume with: lipfarm resume");
    assertThat(out.resolve("term/report.md")).exists();
    try (var files = Files.list(out.resolve("term/checkpoints"))) {
      assertThat(files.filter(f -> f.toString().endsWith(".ckpt")).count())
          .as("runs in flight checkpointed")
          .isGreaterThanOrEqualTo(1);
    }
    EventLog partial = EventLog.read(out.resolve("term"));
    assertThat(partial.finished()).isFalse();
  }

  /** The rows of a results.csv without its wall-time columns (they differ between machines). */
  private static List<List<String>> withoutWallTimes(Path csv) throws java.io.IOException {
    try (var parser =
        org.apache.commons.csv.CSVParser.parse(
            csv,
            java.nio.charset.StandardCharsets.UTF_8,
            org.apache.commons.csv.CSVFormat.RFC4180)) {
      List<List<String>> rows = new java.util.ArrayList<>();
      List<String> header = null;
      for (var record : parser) {
        List<String> row = record.toList();
        header = header == null ? row : header;
        List<String> h = header;
        rows.add(
            java.util.stream.IntStream.range(0, row.size())
                .filter(i -> !h.get(i).endsWith("_seconds"))
                .mapToObj(row::get)
                .toList());
      }
      return rows;
    }
  }

  private static long lines(Path file) throws java.io.IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    long n = 0;
    for (byte b : Files.readAllBytes(file)) {
      n += b == '\n' ? 1 : 0;
    }
    return n;
  }

  private static Map<String, RunResult> byId(List<RunResult> results) {
    Map<String, RunResult> m = new HashMap<>();
    results.forEach(r -> m.put(r.runId(), r));
    return m;
  }
}
