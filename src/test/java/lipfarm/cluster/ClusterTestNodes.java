package lipfarm.cluster;

import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
import lipfarm.reporting.ReportOrder;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/** Cluster nodes in this JVM on 127.0.0.1, and the single-node reference run of a farm. */
final class ClusterTestNodes {
  private ClusterTestNodes() {}

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A node with its HTTP API on a free loopback port (no token). */
  static lipfarm.http.NodeService service(
      int port, int seedPort, int slots, Path root, JournalDatabase db) throws Exception {
    return lipfarm.http.NodeService.start(
        new lipfarm.http.NodeService.Membership(
            "127.0.0.1", port, "", List.of("127.0.0.1:" + seedPort), slots),
        db,
        lipfarm.http.ServiceConfig.defaults()
            .withHost("127.0.0.1")
            .withPort(0)
            .withOutputRoot(root)
            .withComputeThreads(slots)
            .withTokenPolicy(new java.security.SecureRandom())
            .config(),
        RunChildren.real(),
        Faults.none());
  }

  static ClusterNode node(int port, int seedPort, int slots, Path root, JournalDatabase db)
      throws Exception {
    return ClusterNode.start(
        new ClusterNode.Settings(
            "127.0.0.1",
            port,
            "",
            List.of("127.0.0.1:" + seedPort),
            slots,
            root,
            db,
            new SimpleMeterRegistry(),
            RunChildren.real(),
            Faults.none(),
            10_000,
            ConfigFactory.parseString(
                // Quicker than production: the test's nodes leave gracefully.
                "pekko.cluster.split-brain-resolver.stable-after = 5s\n"
                    + System.getProperty("lipfarm.test.pekko", ""))));
  }

  /** Waits until every node sees {@code n} members up. */
  static void awaitUp(List<ClusterNode> nodes, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      boolean all =
          nodes.stream()
              .allMatch(
                  node -> {
                    int up = 0;
                    for (var m : Cluster.get(node.system()).state().getMembers()) {
                      up += m.status() == MemberStatus.up() ? 1 : 0;
                    }
                    return up == n;
                  });
      if (all) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the cluster did not form with " + n + " nodes");
  }

  static <T> T ask(
      ClusterNode node,
      org.apache.pekko.japi.function.Function<
              org.apache.pekko.actor.typed.ActorRef<T>, FarmManager.Command>
          msg,
      Duration timeout)
      throws Exception {
    return AskPattern.ask(node.front(), msg, timeout, node.system().scheduler())
        .toCompletableFuture()
        .get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
  }

  /** The farm's results from a single-node runtime ({@code lipfarm run}'s), sorted. */
  static List<RunResult> reference(FarmDefinition def, Path dir) throws Exception {
    try (FarmRuntime rt =
        FarmRuntime.start(
            new FarmRuntime.Settings(
                dir.getParent(),
                JournalDatabase.h2(dir.resolve("journal")),
                2,
                new SimpleMeterRegistry(),
                RunChildren.real(),
                Faults.none(),
                e -> {},
                null,
                10_000,
                ConfigFactory.empty()))) {
      FarmManager.Opened opened =
          rt.open(
                  new FarmSpec(
                      def.name(),
                      def.name(),
                      dir.toString(),
                      "reference|" + def.name(),
                      def.expand(),
                      def.maxConcurrentRuns(),
                      RunPolicy.of(Durability.of(def)),
                      FarmSpec.farmFile(def.source()),
                      true))
              .toCompletableFuture()
              .get(1, TimeUnit.MINUTES);
      if (opened.error() != null) {
        throw new AssertionError(opened.error());
      }
      rt.awaitEnd(def.name()).get(5, TimeUnit.MINUTES);
      FarmState state = rt.journalState(def.name()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      List<RunResult> r = new java.util.ArrayList<>(state.resultList());
      r.sort(ReportOrder.BY_PARAMETERS);
      return r;
    }
  }
}
