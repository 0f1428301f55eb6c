package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

/**
 * {@code lipfarm.cli.Main} in a JVM of its own (the test's class path, so the real jar's classes),
 * with stdout and stderr in files, plus readers for what a farm leaves on disk. Used by the slow
 * end-to-end tests that kill, fault-inject and watch farms.
 */
final class LipfarmJvm {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The small farm of the end-to-end tests: 4 configurations, one of them trains 3000 epochs. */
  static String smallFarm(String name, int concurrent) {
    return "farm {\n name = "
        + name
        + "\n max-concurrent-runs = "
        + concurrent
        + "\n checkpoint-every = 250\n retry-backoff = 100\n"
        + " defaults { d = 5, n = 40, max-epochs = 3000, estimator-budget = 4000 }\n"
        + " grid { k = [10, 20], seed = [1, 2] }\n}\n";
  }

  /** Every JVM started and not yet reaped, so a failed test leaves no farm or service running. */
  private static final List<Process> STARTED = new java.util.concurrent.CopyOnWriteArrayList<>();

  final Process process;
  final Path out;
  final Path err;

  private LipfarmJvm(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /**
   * @param logs directory for {@code <tag>.out} and {@code <tag>.err} (appended)
   * @param jvmOptions e.g. {@code -Dlipfarm.faults=...}
   */
  static LipfarmJvm start(Path logs, String tag, List<String> jvmOptions, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("lipfarm.cli.Main");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().remove("LIPFARM_TOKEN");
    pb.environment().remove("LIPFARM_JOURNAL_URL");
    Files.createDirectories(logs);
    Path out = logs.resolve(tag + ".out");
    Path err = logs.resolve(tag + ".err");
    Files.writeString(out, "", StandardCharsets.UTF_8);
    Files.writeString(err, "", StandardCharsets.UTF_8);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(new File(out.toString())));
    pb.redirectError(ProcessBuilder.Redirect.appendTo(new File(err.toString())));
    Process p = pb.start();
    STARTED.add(p);
    return new LipfarmJvm(p, out, err);
  }

  /** Waits for the exit and returns its status; fails (killing the JVM) after the timeout. */
  int exit(long seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("lipfarm did not exit within " + seconds + " s\n" + logs());
    }
    return process.exitValue();
  }

  /** Kills (SIGKILL) every JVM this class started that still runs; for {@code @AfterEach}. */
  static void killAll() throws InterruptedException {
    for (Process p : STARTED) {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor();
      }
      STARTED.remove(p);
    }
  }

  /** SIGKILL, and wait until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  String logs() {
    return "--- stdout\n" + read(out) + "--- stderr\n" + read(err);
  }

  /** Waits until {@code file} has a line matching {@code regex}; its match. */
  Matcher awaitLine(Path file, String regex, long seconds) throws InterruptedException {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      for (String line : read(file).split("\n")) {
        Matcher m = p.matcher(line);
        if (m.find()) {
          return m;
        }
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no line matching " + regex + " in " + file + "\n" + logs());
  }

  static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * The complete JSON lines of {@code dir/events.ndjson} (a line torn by a kill, which does not
   * parse, is left out).
   */
  static List<String> eventLines(Path dir) throws IOException {
    List<String> lines = new ArrayList<>();
    Path file = dir.resolve("events.ndjson");
    if (!Files.exists(file)) {
      return lines;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      try {
        JsonNode n = JSON.readTree(line);
        if (n != null && n.isObject() && n.has("seq")) {
          lines.add(line);
        }
      } catch (IOException torn) {
        // torn by the kill: not an event
      }
    }
    return lines;
  }

  static List<JsonNode> events(Path dir) throws IOException {
    List<JsonNode> events = new ArrayList<>();
    for (String line : eventLines(dir)) {
      events.add(JSON.readTree(line));
    }
    return events;
  }

  static List<Long> seqs(List<JsonNode> events) {
    return events.stream().map(e -> e.get("seq").asLong()).toList();
  }

  /** How many events of {@code type} each run has. */
  static Map<String, Integer> countPerRun(List<JsonNode> events, String type) {
    Map<String, Integer> m = new HashMap<>();
    for (JsonNode e : events) {
      if (type.equals(e.get("type").asText())) {
        m.merge(e.get("runId").asText(), 1, Integer::sum);
      }
    }
    return m;
  }

  /** The runs of {@code dir/results.json} by run id (the farm's name is not compared). */
  static Map<String, JsonNode> results(Path dir) throws IOException {
    JsonNode root = JSON.readTree(dir.resolve("results.json").toFile());
    Map<String, JsonNode> m = new LinkedHashMap<>();
    // Wall times differ between any two runs; everything else must be bit-identical.
    root.get("runs")
        .forEach(
            r -> {
              ((com.fasterxml.jackson.databind.node.ObjectNode) r)
                  .remove(List.of("trainSeconds", "estimateSeconds"));
              m.put(r.get("runId").asText(), r);
            });
    return m;
  }

  /** Every configuration finished once, seq 1..N without gaps, results as in the reference. */
  static void assertFarmComplete(Path dir, Path refDir, int configs) throws IOException {
    List<JsonNode> events = LipfarmJvm.events(dir);
    assertThat(LipfarmJvm.seqs(events))
        .as("seq of %s is 1..N, unique, without gaps", dir)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
    Map<String, Integer> finished = LipfarmJvm.countPerRun(events, "RunFinished");
    assertThat(finished).as("configurations finished").hasSize(configs);
    assertThat(finished.values()).as("each configuration finished exactly once").containsOnly(1);
    Map<String, JsonNode> want = LipfarmJvm.results(refDir);
    Map<String, JsonNode> got = LipfarmJvm.results(dir);
    assertThat(got.keySet()).isEqualTo(want.keySet());
    for (String run : want.keySet()) {
      assertThat(got.get(run)).as("result of %s in %s", run, dir).isEqualTo(want.get(run));
    }
  }
}
