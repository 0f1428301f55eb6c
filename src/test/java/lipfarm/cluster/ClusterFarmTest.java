package lipfarm.cluster;

import static org.assertj.core.api.Assertions.assertThat;

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
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.EventLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three cluster nodes (three actor systems in this JVM on 127.0.0.1) share one journal and one
 * results root and run a farm; one node is stopped mid-farm (the one hosting the farm's
 * coordinator, unless that is the first node, which hosts the directory). Every configuration ends
 * exactly once, with the result a single-node runtime computes for the same seeds.
 */
class ClusterFarmTest {
  @TempDir Path tmp;

  private final List<ClusterNode> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    for (ClusterNode n : nodes) {
      n.system().terminate();
    }
    for (ClusterNode n : nodes) {
      n.system().getWhenTerminated().toCompletableFuture().join();
    }
  }

  static final String FARM =
      "name = spread\n max-concurrent-runs = 6\n checkpoint-every = 100\n retry-backoff = 100\n"
          + " defaults { d = 5, n = 30, max-epochs = 4000, tol = 1e-9, estimator-budget = 1500 }\n"
          + " grid { k = [4, 12, 24], seed = [1, 2] }";

  static {
    if (System.getenv("LIPFARM_DEBUG") != null) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("lipfarm"))
          .setLevel(ch.qos.logback.classic.Level.DEBUG);
    }
  }

  @Test
  void aFarmSurvivesTheLossOfANodeWithEveryResultOnceAndAsOnOneNode() throws Exception {
    FarmDefinition def = FarmDefinition.parse("farm {\n" + FARM + "\n}");
    List<RunResult> want = ClusterTestNodes.reference(def, tmp.resolve("reference/spread"));
    assertThat(want).hasSize(6);

    Path root = tmp.resolve("cluster");
    JournalDatabase db = JournalDatabase.h2(tmp.resolve("shared-journal"));
    int seed = ClusterTestNodes.freePort();
    nodes.add(ClusterTestNodes.node(seed, seed, 1, root, db));
    for (int i = 0; i < 2; i++) {
      nodes.add(ClusterTestNodes.node(ClusterTestNodes.freePort(), seed, 1, root, db));
    }
    ClusterTestNodes.awaitUp(nodes, 3);

    ClusterNode first = nodes.get(0);
    FarmManager.Submitted submitted =
        ClusterTestNodes.ask(
            first, r -> new FarmManager.Submit(def, def.expand(), null, r), Duration.ofSeconds(60));
    assertThat(submitted.error()).isNull();
    String id = submitted.status().id();
    Path dir = Path.of(submitted.status().dir());

    // Mid-farm: some runs executing on every node, none finished yet or only a few.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && !executingEverywhere()) {
      Thread.sleep(50);
    }
    assertThat(executingEverywhere())
        .as(
            "a run executes on every node; status %s; events: %s",
            ClusterTestNodes.<FarmManager.Lookup>ask(
                first, r -> new FarmManager.GetFarm(id, r), Duration.ofSeconds(30)),
            Files.exists(dir.resolve("events.ndjson"))
                ? Files.readString(dir.resolve("events.ndjson"))
                : "none")
        .isTrue();
    String host = Files.readString(dir.resolve(FarmEntity.HOST_FILE)).strip();
    ClusterNode victim =
        nodes.stream()
            .skip(1)
            .filter(n -> n.address().equals(host))
            .findFirst()
            .orElse(nodes.get(2));
    nodes.remove(victim);
    victim.close();

    FarmManager.Lookup end =
        ClusterTestNodes.ask(
            nodes.get(nodes.size() - 1),
            r -> new FarmManager.AwaitEnd(id, r),
            Duration.ofMinutes(4));
    assertThat(end.status().state()).isEqualTo("finished");
    FarmManager.Results results =
        ClusterTestNodes.ask(first, r -> new FarmManager.GetResults(id, r), Duration.ofSeconds(30));
    assertThat(results.runs()).hasSize(6);
    Map<String, RunResult> got =
        results.runs().stream().collect(Collectors.toMap(RunResult::runId, r -> r));
    for (RunResult w : want) {
      assertThat(got.get(w.runId())).as("result of %s", w.runId()).isEqualTo(w);
    }
    EventLog events = EventLog.read(dir);
    Map<String, Long> finished =
        events.events().stream()
            .filter(e -> e instanceof FarmEvent.RunFinished)
            .collect(Collectors.groupingBy(FarmEvent::runId, Collectors.counting()));
    assertThat(finished).hasSize(6);
    assertThat(finished.values()).as("each configuration finished once").allMatch(c -> c == 1);
    assertThat(dir.resolve("report.md")).exists();
  }

  /** Every node's slot is held by a run. */
  private boolean executingEverywhere() {
    return nodes.stream()
        .allMatch(
            n -> {
              var g = n.meters().find("lipfarm.cluster.slots.free").gauge();
              return g != null && g.value() == 0;
            });
  }
}
