package lipfarm.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import lipfarm.farm.FarmRuntime;
import lipfarm.farm.Faults;
import lipfarm.farm.JournalDatabase;
import lipfarm.farm.RunChildren;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * {@code lipfarm serve}: the {@link FarmRuntime} with its service registry, a Prometheus registry
 * and the HTTP API bound to {@link ServiceConfig#host()}.
 */
public final class FarmService implements AutoCloseable {
  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final ServiceConfig config;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;

  private FarmService(
      ActorSystem<Void> system,
      ServerBinding binding,
      ServiceConfig config,
      PrometheusMeterRegistry registry,
      JvmGcMetrics gc) {
    this.system = system;
    this.binding = binding;
    this.config = config;
    this.registry = registry;
    this.gc = gc;
  }

  /**
   * Starts the service; completes once the port is bound. {@code config} is used as given: apply
   * {@link ServiceConfig#withTokenPolicy} first. The service's farms share one journal: an H2 file
   * {@code journal.mv.db} in the output root, or PostgreSQL when {@code LIPFARM_JOURNAL_URL} is
   * set; every farm recorded there is recovered on start.
   */
  public static CompletionStage<FarmService> start(ServiceConfig config, RunChildren children) {
    return start(config, children, Faults.none());
  }

  public static CompletionStage<FarmService> start(
      ServiceConfig config, RunChildren children, Faults faults) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    FarmRuntime runtime;
    try {
      Path root = config.outputRoot().toAbsolutePath().normalize();
      Files.createDirectories(root);
      runtime =
          FarmRuntime.start(
              new FarmRuntime.Settings(
                  root,
                  JournalDatabase.forService(root, System.getenv()),
                  config.computeThreads(),
                  registry,
                  children,
                  faults,
                  e -> {},
                  "lipfarm-service|" + serviceId(root),
                  config.eventLogCapacity(),
                  systemConfig(config)));
    } catch (Exception e) {
      gc.close();
      return CompletableFuture.failedFuture(
          new IllegalStateException("cannot open the service's journal: " + e.getMessage(), e));
    }
    ActorSystem<Void> system = runtime.system();
    HttpApi api = new HttpApi(system, runtime.manager(), runtime.eventLog(), registry, config);
    return Http.get(system)
        .newServerAt(config.host(), config.port())
        .bind(new RouteGuard().wrap(api.routes()))
        .handle(
            (b, e) -> {
              if (e != null) {
                runtime.close();
                gc.close();
                Throwable root = e;
                while (root.getCause() != null) {
                  root = root.getCause();
                }
                throw new IllegalStateException(
                    "cannot bind " + config.host() + ":" + config.port() + ": " + root.getMessage(),
                    e);
              }
              return new FarmService(system, b, config, registry, gc);
            });
  }

  /**
   * Binds the HTTP API (the same routes, token rules and limits as {@code lipfarm serve}) in front
   * of any actor answering the farm manager's protocol, e.g. a cluster node's; completes once
   * bound.
   */
  static CompletionStage<ServerBinding> bindApi(
      ActorSystem<?> system,
      org.apache.pekko.actor.typed.ActorRef<lipfarm.farm.FarmManager.Command> farms,
      org.apache.pekko.actor.typed.ActorRef<lipfarm.farm.EventJournal.Command> eventLog,
      PrometheusMeterRegistry registry,
      ServiceConfig config) {
    HttpApi api = new HttpApi(system, farms, eventLog, registry, config);
    return Http.get(system)
        .newServerAt(config.host(), config.port())
        .bind(new RouteGuard().wrap(api.routes()));
  }

  /** The service's stable identity under {@code root} (its registry's persistence id). */
  static String serviceId(Path root) throws IOException {
    return FarmRuntime.stableId(root.resolve("service.id"), UUID.randomUUID().toString());
  }

  public static Config systemConfig(ServiceConfig config) {
    return ConfigFactory.parseString(
        "pekko.http.server.parsing.max-content-length = "
            + SafeBody.discardLimit(config.maxBodyBytes())
            + "\npekko.http.server.remote-address-attribute = on"
            // Longer than HttpApi's longest wait (a cancellation, 30 s), so that wait's own
            // answer (202) is given rather than the timeout's 503.
            + "\npekko.http.server.request-timeout = 40s"
            // Requests too malformed to reach the routes are answered in JSON as well.
            + "\npekko.http.server.parsing.error-handler = \""
            + JsonParsingErrors.class.getName()
            + "\""
            // A fatal error is not a reason to exit the JVM under the running farms; request
            // handling cannot raise one (see SubmitCheck), the rest is logged and shut down.
            + "\npekko.jvm-exit-on-fatal-error = off");
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return binding.localAddress().getPort();
  }

  public String baseUri() {
    String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return "http://" + h + ":" + port();
  }

  public ServiceConfig config() {
    return config;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Completes when the actor system has terminated (after {@link #close} or a shutdown hook). */
  public CompletionStage<?> whenTerminated() {
    return system.getWhenTerminated();
  }

  /** Unbinds, stops every farm and terminates the actor system. */
  @Override
  public void close() {
    binding.unbind().toCompletableFuture().join();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    gc.close();
    registry.close();
  }
}
