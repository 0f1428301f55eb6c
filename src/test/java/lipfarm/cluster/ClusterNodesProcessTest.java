package lipfarm.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import lipfarm.config.FarmDefinition;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.EventLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code lipfarm node} JVMs on loopback with one PostgreSQL journal run a farm. One node is
 * killed with SIGKILL mid-farm while it executes a run, then started again (it gets work again),
 * then the node hosting the farm's coordinator is killed. The farm ends with every configuration
 * finished exactly once and the results of a single-node run with the same seeds, and every
 * surviving node shows the farm, its results and its events.
 */
@Tag("slow")
class ClusterNodesProcessTest {
  @TempDir Path tmp;

  static final String FARM =
      "farm {\n name = survive\n max-concurrent-runs = 6\n checkpoint-every = 1000\n retry-backoff = 100\n"
          // Nets far too small to fit (k ≪ n / d): every run trains its full 30000 epochs on 4000
          // points (several seconds each on an idle core; tiny nets on few points train 20000
          // epochs in a fraction of a second), long enough that both kills and the rejoin land
          // mid-farm.
          + " defaults { d = 50, n = 4000, max-epochs = 30000, tol = 1e-9, estimator-budget = 2000 }\n"
          + " grid { k = [2, 3, 4, 5], seed = [1, 2, 3] }\n}\n";

  static final String TOKEN = "cluster-test-token";

  /** A node JVM: its ports and process. */
  record Node(int clusterPort, int httpPort, Process process, Path log) {
    NodeHttp http() {
      return new NodeHttp("http://127.0.0.1:" + httpPort, TOKEN);
    }

    String address() {
      return "pekko://lipfarm@127.0.0.1:" + clusterPort;
    }
  }

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killAll() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly().waitFor();
    }
  }

  private Map<String, String> env;
  private String seeds;
  private Path root;

  private Node start(int clusterPort, int httpPort, String tag) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.add("-Dpekko.cluster.split-brain-resolver.stable-after=5s");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("lipfarm.cli.Main");
    cmd.addAll(
        List.of(
            "node",
            "--cluster-port",
            String.valueOf(clusterPort),
            "--seed-nodes",
            seeds,
            "--slots",
            "1",
            "--port",
            String.valueOf(httpPort),
            "--token",
            TOKEN,
            "--output-dir",
            root.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().remove("LIPFARM_TOKEN");
    pb.environment().putAll(env);
    Path log = tmp.resolve(tag + ".log");
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(new File(log.toString())));
    Process p = pb.start();
    started.add(p);
    Node node = new Node(clusterPort, httpPort, p, log);
    await(() -> read(log).contains("listening on"), 90, "node " + tag + " started:\n" + read(log));
    return node;
  }

  @Test
  void aFarmSurvivesKilledNodesAndTheNodeHostingItsCoordinator() throws Exception {
    String url = System.getenv("LIPFARM_TEST_PG_URL");
    if (url == null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI must provide PostgreSQL: LIPFARM_TEST_PG_URL is not set");
      }
      Assumptions.abort("no PostgreSQL: run under .ci/with-postgres");
    }
    env =
        Map.of(
            "LIPFARM_JOURNAL_URL", url,
            "LIPFARM_JOURNAL_USER", System.getenv().getOrDefault("LIPFARM_TEST_PG_USER", ""),
            "LIPFARM_JOURNAL_PASSWORD",
                System.getenv().getOrDefault("LIPFARM_TEST_PG_PASSWORD", ""));
    FarmDefinition def = FarmDefinition.parse(FARM);
    List<RunResult> want = ClusterTestNodes.reference(def, tmp.resolve("reference/survive"));
    assertThat(want).hasSize(12);

    root = tmp.resolve("shared");
    int[] cluster = {
      ClusterTestNodes.freePort(), ClusterTestNodes.freePort(), ClusterTestNodes.freePort()
    };
    seeds =
        java.util.Arrays.stream(cluster)
            .mapToObj(p -> "127.0.0.1:" + p)
            .collect(Collectors.joining(","));
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(start(cluster[i], ClusterTestNodes.freePort(), "node" + i));
    }
    // Every node Up first: a node still Joining does not count for the Split Brain Resolver, and
    // with two Up members one lost is a tie that keeps the lowest address, possibly the lost one.
    for (Node n : nodes) {
      await(() -> membersUp(n) == 3, 120, "node " + n.address() + " sees three members Up");
    }
    String id = nodes.get(0).http().submit(FARM);
    Path dir = Path.of(nodes.get(0).http().get("/farms/" + id).get("dir").asText());

    // 1. SIGKILL a node that executes a run and does not host the farm.
    Node[] victim = {null};
    await(
        () -> {
          String host = host(dir);
          for (Node n : nodes) {
            if (!n.address().equals(host) && freeSlots(n) == 0) {
              victim[0] = n;
              return true;
            }
          }
          return false;
        },
        120,
        "a node other than the farm's host executes a run");
    Node first = victim[0];
    first.process().destroyForcibly().waitFor();
    nodes.remove(first);
    assertThat(state(nodes.get(0), id)).isEqualTo("running");

    // 2. Started again (after its old self was downed), it gets work again.
    Thread.sleep(12_000);
    Node back = start(first.clusterPort(), first.httpPort(), "rejoined");
    nodes.add(back);
    await(() -> freeSlots(back) == 0, 120, "the rejoined node executes a run");
    assertThat(state(nodes.get(0), id)).as("mid-farm").isEqualTo("running");

    // 3. SIGKILL the node hosting the farm's coordinator.
    String host = host(dir);
    Node hostNode = nodes.stream().filter(n -> n.address().equals(host)).findFirst().orElseThrow();
    hostNode.process().destroyForcibly().waitFor();
    nodes.remove(hostNode);

    Node survivor = nodes.get(0);
    await(() -> "finished".equals(state(survivor, id)), 600, "the farm finished");
    assertThat(host(dir)).as("the farm moved").isNotEqualTo(host);

    EventLog events = EventLog.read(dir);
    Map<String, Long> finished =
        events.events().stream()
            .filter(e -> e instanceof FarmEvent.RunFinished)
            .collect(Collectors.groupingBy(FarmEvent::runId, Collectors.counting()));
    assertThat(finished).hasSize(12);
    assertThat(finished.values()).as("each configuration finished once").allMatch(c -> c == 1);
    assertThat(events.events())
        .as("a run lost with its node resumed from its checkpoint elsewhere")
        .anyMatch(e -> e instanceof FarmEvent.RunResumed);
    Map<String, RunResult> got =
        events.results().stream().collect(Collectors.toMap(RunResult::runId, r -> r));
    for (RunResult w : want) {
      assertThat(got.get(w.runId())).as("result of %s", w.runId()).isEqualTo(w);
    }
    for (Node n : nodes) {
      JsonNode results = n.http().get("/farms/" + id + "/results");
      Map<String, Double> upper = new HashMap<>();
      results
          .get("runs")
          .forEach(r -> upper.put(r.get("runId").asText(), r.get("lipUpper").asDouble()));
      assertThat(upper).as("results on node %s", n.address()).hasSize(12);
      List<JsonNode> streamed =
          n.http().events("/events?farm=" + id + "&type=RunFinished&lastEventId=0", 12, 60);
      assertThat(streamed.stream().map(e -> e.get("runId").asText()).collect(Collectors.toSet()))
          .as("RunFinished events on %s", n.address())
          .isEqualTo(finished.keySet());
    }
  }

  private static String host(Path dir) {
    return read(dir.resolve(FarmEntity.HOST_FILE)).strip();
  }

  private static String state(Node n, String id) {
    try {
      return n.http().get("/farms/" + id).get("state").asText();
    } catch (Exception | AssertionError e) {
      return "no answer (failing over): " + e.getMessage(); // asked again
    }
  }

  private static final Pattern FREE =
      Pattern.compile("^lipfarm_cluster_slots_free\\S*\\s+([0-9.]+)", Pattern.MULTILINE);

  private static final Pattern UP =
      Pattern.compile("^lipfarm_cluster_members_up\\S*\\s+([0-9.]+)", Pattern.MULTILINE);

  /** The node's free compute slots from its /metrics, -1 if it does not answer. */
  private static int freeSlots(Node n) {
    return gauge(n, FREE);
  }

  /** The members the node sees Up, from its /metrics, -1 if it does not answer. */
  private static int membersUp(Node n) {
    return gauge(n, UP);
  }

  private static int gauge(Node n, Pattern p) {
    try {
      Matcher m = p.matcher(n.http().text("/metrics"));
      return m.find() ? (int) Double.parseDouble(m.group(1)) : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  interface Check {
    boolean ok() throws Exception;
  }

  private static void await(Check check, long seconds, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (check.ok()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out waiting for: " + what);
  }

  static String read(Path f) {
    try {
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
