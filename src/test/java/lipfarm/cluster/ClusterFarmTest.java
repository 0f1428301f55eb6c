package lipfarm.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import lipfarm.config.FarmDefinition;
import lipfarm.farm.FarmManager;
import lipfarm.farm.JournalDatabase;
import lipfarm.http.NodeService;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.EventLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three cluster nodes (three actor systems in this JVM on 127.0.0.1, each with its HTTP API) share
 * one journal and one results root and run a farm submitted to one of them; one node leaves
 * mid-farm (the one hosting the farm's coordinator, unless that is the first node, which hosts the
 * directory). Every configuration ends exactly once, with the result a single-node runtime computes
 * for the same seeds, and every remaining node shows the farm, its results and its events.
 */
class ClusterFarmTest {
  @TempDir Path tmp;

  private final List<NodeService> nodes = new ArrayList<>();

  static {
    if (System.getenv("LIPFARM_DEBUG") != null) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("lipfarm"))
          .setLevel(ch.qos.logback.classic.Level.DEBUG);
    }
  }

  @AfterEach
  void stop() {
    // One by one: nodes leaving all at once wait for each other until their leave times out.
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }

  static final String FARM =
      "name = spread\n max-concurrent-runs = 4\n checkpoint-every = 100\n retry-backoff = 100\n"
          + " defaults { d = 5, n = 60, max-epochs = 20000, tol = 1e-9, estimator-budget = 1500 }\n"
          + " grid { k = [4, 12], seed = [1, 2] }";

  @Test
  void aFarmSurvivesTheLossOfANodeWithEveryResultOnceAndAsOnOneNode() throws Exception {
    FarmDefinition def = FarmDefinition.parse("farm {\n" + FARM + "\n}");
    long t0 = System.nanoTime();
    List<RunResult> want = ClusterTestNodes.reference(def, tmp.resolve("reference/spread"));
    assertThat(want).hasSize(4);

    System.err.printf("reference %.1f s%n", (System.nanoTime() - t0) / 1e9);
    Path root = tmp.resolve("cluster");
    JournalDatabase db = JournalDatabase.h2(tmp.resolve("shared-journal"));
    int seed = ClusterTestNodes.freePort();
    nodes.add(ClusterTestNodes.service(seed, seed, 1, root, db));
    for (int i = 0; i < 2; i++) {
      nodes.add(ClusterTestNodes.service(ClusterTestNodes.freePort(), seed, 1, root, db));
    }
    ClusterTestNodes.awaitUp(nodes.stream().map(NodeService::node).toList(), 3);

    System.err.printf("cluster up %.1f s%n", (System.nanoTime() - t0) / 1e9);
    String id = http(nodes.get(1)).submit("farm {\n" + FARM + "\n}");
    for (NodeService n : nodes) {
      JsonNode farms = http(n).get("/farms").get("farms");
      assertThat(farms).as("/farms on %s", n.baseUri()).hasSize(1);
      assertThat(farms.get(0).get("id").asText()).isEqualTo(id);
    }
    Path dir = Path.of(http(nodes.get(0)).get("/farms/" + id).get("dir").asText());

    // Mid-farm: the farm's coordinator on a node other than the first (which hosts the
    // directory), or a run executing on one; that node leaves.
    NodeService victim = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (victim == null && System.nanoTime() < deadline) {
      victim = victim(dir);
      Thread.sleep(20);
    }
    assertThat(victim).as("a node other than the first hosts the farm or a run").isNotNull();
    assertThat(http(nodes.get(0)).get("/farms/" + id).get("state").asText()).isEqualTo("running");
    nodes.remove(victim);
    victim.close();

    FarmManager.Lookup end =
        ClusterTestNodes.ask(
            nodes.get(nodes.size() - 1).node(),
            r -> new FarmManager.AwaitEnd(id, r),
            Duration.ofMinutes(4));
    assertThat(end.status().state()).isEqualTo("finished");
    System.err.printf("farm ended %.1f s%n", (System.nanoTime() - t0) / 1e9);

    EventLog events = EventLog.read(dir);
    Map<String, Long> finished =
        events.events().stream()
            .filter(e -> e instanceof FarmEvent.RunFinished)
            .collect(Collectors.groupingBy(FarmEvent::runId, Collectors.counting()));
    assertThat(finished).hasSize(4);
    assertThat(finished.values()).as("each configuration finished once").allMatch(c -> c == 1);
    Map<String, RunResult> got =
        events.results().stream().collect(Collectors.toMap(RunResult::runId, r -> r));
    for (RunResult w : want) {
      assertThat(got.get(w.runId())).as("result of %s", w.runId()).isEqualTo(w);
    }
    assertThat(dir.resolve("report.md")).exists();

    // One view: every remaining node lists the farm, its results and every one of its events.
    for (NodeService n : nodes) {
      NodeHttp api = http(n);
      JsonNode results = api.get("/farms/" + id + "/results");
      assertThat(results.get("farm").get("state").asText()).isEqualTo("finished");
      Map<String, Double> upper = new java.util.HashMap<>();
      results
          .get("runs")
          .forEach(r -> upper.put(r.get("runId").asText(), r.get("lipUpper").asDouble()));
      assertThat(upper).as("results on %s", n.baseUri()).hasSize(4);
      for (RunResult w : want) {
        assertThat(upper.get(w.runId())).isEqualTo(w.lipUpper());
      }
      assertThat(api.text("/farms/" + id + "/report")).contains(id);
      List<JsonNode> streamed =
          api.events("/events?farm=" + id + "&type=RunFinished&lastEventId=0", 4, 60);
      assertThat(streamed.stream().map(e -> e.get("runId").asText()).collect(Collectors.toSet()))
          .as("RunFinished events on %s", n.baseUri())
          .isEqualTo(finished.keySet())
          .hasSize(streamed.size());
    }
  }

  private static NodeHttp http(NodeService n) {
    return new NodeHttp(n.baseUri(), null);
  }

  /** The node (not the first) hosting the farm, else one executing a run, else null. */
  private NodeService victim(Path dir) throws java.io.IOException {
    Path hostFile = dir.resolve(FarmEntity.HOST_FILE);
    String host = Files.exists(hostFile) ? Files.readString(hostFile).strip() : "";
    for (NodeService n : nodes.subList(1, nodes.size())) {
      if (n.node().address().equals(host)) {
        return n;
      }
    }
    for (NodeService n : nodes.subList(1, nodes.size())) {
      var g = n.node().meters().find("lipfarm.cluster.slots.free").gauge();
      if (g != null && g.value() == 0) {
        return n;
      }
    }
    return null;
  }
}
