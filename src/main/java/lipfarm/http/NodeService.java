package lipfarm.http;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import lipfarm.cluster.ClusterNode;
import lipfarm.farm.Faults;
import lipfarm.farm.JournalDatabase;
import lipfarm.farm.RunChildren;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * {@code lipfarm node}: a {@link ClusterNode} (package {@code lipfarm.cluster}) with the HTTP API
 * of {@code lipfarm serve} (same routes, token rules and limits) and a Prometheus registry, bound
 * to {@link ServiceConfig#host()}.
 */
public final class NodeService implements AutoCloseable {

  /**
   * Where the node is in the cluster.
   *
   * @param host the address other nodes reach this one at
   * @param port Artery's port
   * @param bindHost the interface Artery binds ("": the canonical host)
   * @param seeds {@code host:port} of the seed nodes (empty: a cluster of this node alone)
   * @param slots compute slots
   */
  public record Membership(String host, int port, String bindHost, List<String> seeds, int slots) {}

  private final ClusterNode node;
  private final ServerBinding binding;
  private final ServiceConfig config;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;

  private NodeService(
      ClusterNode node,
      ServerBinding binding,
      ServiceConfig config,
      PrometheusMeterRegistry registry,
      JvmGcMetrics gc) {
    this.node = node;
    this.binding = binding;
    this.config = config;
    this.registry = registry;
    this.gc = gc;
  }

  /**
   * Starts the node and binds its HTTP API; {@code config} is used as given (apply {@link
   * ServiceConfig#withTokenPolicy} first). Blocks until the port is bound.
   */
  public static NodeService start(
      Membership m,
      JournalDatabase database,
      ServiceConfig config,
      RunChildren children,
      Faults faults)
      throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    Path root = config.outputRoot().toAbsolutePath().normalize();
    Files.createDirectories(root);
    ClusterNode node =
        ClusterNode.start(
            new ClusterNode.Settings(
                m.host(),
                m.port(),
                m.bindHost(),
                m.seeds(),
                m.slots(),
                root,
                database,
                registry,
                children,
                faults,
                config.eventLogCapacity(),
                FarmService.systemConfig(config)));
    CompletionStage<ServerBinding> bound =
        FarmService.bindApi(node.system(), node.front(), node.eventLog(), registry, config);
    try {
      return new NodeService(node, bound.toCompletableFuture().get(), config, registry, gc);
    } catch (java.util.concurrent.ExecutionException e) {
      node.close();
      gc.close();
      Throwable cause = e.getCause();
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      throw new IllegalStateException(
          "cannot bind " + config.host() + ":" + config.port() + ": " + cause.getMessage(), e);
    }
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  public String baseUri() {
    String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return "http://" + h + ":" + port();
  }

  public ClusterNode node() {
    return node;
  }

  public CompletionStage<?> whenTerminated() {
    return node.system().getWhenTerminated();
  }

  /** Unbinds, leaves the cluster and stops. */
  @Override
  public void close() {
    binding.unbind().toCompletableFuture().join();
    node.close();
    gc.close();
    registry.close();
  }
}
