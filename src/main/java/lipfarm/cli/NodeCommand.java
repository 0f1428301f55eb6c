package lipfarm.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import lipfarm.farm.Faults;
import lipfarm.farm.JournalDatabase;
import lipfarm.farm.RunChildren;
import lipfarm.http.NodeService;
import lipfarm.http.ServiceConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lipfarm node}: the farm service as one member of a Pekko cluster; farms and runs are
 * spread over the nodes by free compute slots (docs/cluster.md).
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description =
        "Run one node of a lipfarm cluster: the service's HTTP API on every node, farms and runs spread over the nodes by free compute slots, surviving the loss of a node (see docs/cluster.md).")
final class NodeCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;

  @Mixin ServiceOptions service = new ServiceOptions();

  @Option(
      names = "--cluster-host",
      paramLabel = "HOST",
      description = "address the other nodes reach this node at (default: ${DEFAULT-VALUE})",
      defaultValue = "127.0.0.1")
  String clusterHost;

  @Option(
      names = "--cluster-port",
      paramLabel = "PORT",
      description = "cluster (Artery TCP) port (default: ${DEFAULT-VALUE})",
      defaultValue = "2552")
  int clusterPort;

  @Option(
      names = "--cluster-bind",
      paramLabel = "HOST",
      description =
          "interface the cluster port binds, when it differs from --cluster-host (NAT, containers)",
      defaultValue = "")
  String clusterBind;

  @Option(
      names = "--seed-nodes",
      paramLabel = "HOST:PORT,...",
      description =
          "cluster ports of the seed nodes (the same list on every node); none: this node starts a cluster of its own",
      defaultValue = "")
  String seedNodes;

  @Option(
      names = "--slots",
      paramLabel = "N",
      description = "compute slots: runs executing at once on this node, 0 = one per core",
      defaultValue = "0")
  int slots;

  NodeCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    if (clusterPort < 0 || clusterPort > 65535 || slots < 0) {
      err.println("lipfarm: --cluster-port must be in [0, 65535], --slots ≥ 0");
      return Main.EXIT_USAGE;
    }
    List<String> seeds =
        Arrays.stream(seedNodes.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    for (String s : seeds) {
      if (!s.matches("[^:/\\s]+:\\d{1,5}")) {
        err.println("lipfarm: --seed-nodes: '" + s + "' is not HOST:PORT");
        return Main.EXIT_USAGE;
      }
    }
    String self = clusterHost + ":" + clusterPort;
    boolean alone = seeds.isEmpty() || seeds.equals(List.of(self));
    String url = System.getenv().getOrDefault("LIPFARM_JOURNAL_URL", "");
    if (url.isEmpty() && !alone) {
      err.println(
          "lipfarm node: a cluster of several nodes needs one shared journal: set LIPFARM_JOURNAL_URL"
              + " (with LIPFARM_JOURNAL_USER and LIPFARM_JOURNAL_PASSWORD) to the same PostgreSQL"
              + " database on every node (see docs/cluster.md); without it only a single-node"
              + " cluster runs (no --seed-nodes)");
      return Main.EXIT_USAGE;
    }
    int n = slots == 0 ? Runtime.getRuntime().availableProcessors() : slots;
    ServiceConfig.TokenDecision decision = service.decide(n, err);
    if (decision == null) {
      return Main.EXIT_USAGE;
    }
    Faults faults = Faults.parse(System.getProperty("lipfarm.faults"));
    NodeService node;
    try {
      node =
          NodeService.start(
              new NodeService.Membership(clusterHost, clusterPort, clusterBind, seeds, n),
              JournalDatabase.forService(service.outputDir.toAbsolutePath(), System.getenv()),
              decision.config(),
              RunChildren.real(faults),
              faults);
    } catch (Exception e) {
      err.println("lipfarm node: " + e.getMessage());
      return Main.EXIT_FAILED;
    }
    out.println(
        "lipfarm node: "
            + node.node().address()
            + " with "
            + n
            + " slot"
            + (n == 1 ? "" : "s")
            + ", listening on "
            + node.baseUri()
            + "  (results under "
            + service.outputDir.toAbsolutePath()
            + ")");
    if (decision.generated()) {
      out.println(
          "lipfarm node: generated bearer token (POST and DELETE need 'Authorization: Bearer <token>'): "
              + decision.config().token());
    }
    out.flush();
    java.util.concurrent.atomic.AtomicBoolean signalled =
        new java.util.concurrent.atomic.AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> signalled.set(true)));
    node.whenTerminated().toCompletableFuture().join();
    if (!signalled.get()) {
      err.println("lipfarm node: the node stopped (downed or a fatal error); see the log");
      return Main.EXIT_FAILED;
    }
    return 0;
  }
}
