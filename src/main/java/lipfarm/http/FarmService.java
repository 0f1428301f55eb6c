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
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import lipfarm.farm.EventJournal;
import lipfarm.farm.FarmManager;
import lipfarm.farm.RunChildren;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * {@code lipfarm serve}: one long-lived actor system with a {@link FarmManager}, the {@link
 * EventJournal}, a Prometheus registry and the HTTP API bound to {@link ServiceConfig#host()}.
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

  private record Refs(
      ActorRef<FarmManager.Command> manager, ActorRef<EventJournal.Command> eventLog) {}

  /**
   * Starts the service; completes once the port is bound. {@code config} is used as given: apply
   * {@link ServiceConfig#withTokenPolicy} first.
   */
  public static CompletionStage<FarmService> start(ServiceConfig config, RunChildren children) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);

    CompletableFuture<Refs> refs = new CompletableFuture<>();
    Behavior<Void> guardian =
        Behaviors.setup(
            ctx -> {
              ActorRef<EventJournal.Command> log =
                  ctx.spawn(
                      EventJournal.create(config.eventLogCapacity(), Duration.ofSeconds(10)),
                      "event-journal");
              ActorRef<FarmManager.Command> manager =
                  ctx.spawn(
                      Behaviors.supervise(
                              FarmManager.create(config.outputRoot(), registry, log, children))
                          .onFailure(SupervisorStrategy.resume()),
                      "farms");
              refs.complete(new Refs(manager, log));
              return Behaviors.empty();
            });
    ActorSystem<Void> system = ActorSystem.create(guardian, "lipfarm", systemConfig(config));
    return refs.thenCompose(
            r -> {
              HttpApi api = new HttpApi(system, r.manager(), r.eventLog(), registry, config);
              return Http.get(system)
                  .newServerAt(config.host(), config.port())
                  .bind(new RouteGuard().wrap(api.routes()));
            })
        .handle(
            (b, e) -> {
              if (e != null) {
                system.terminate();
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

  static Config systemConfig(ServiceConfig config) {
    return ConfigFactory.parseString(
            "lipfarm.compute-dispatcher.thread-pool-executor.fixed-pool-size = "
                + Math.max(1, config.computeThreads())
                + "\npekko.http.server.parsing.max-content-length = "
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
                + "\npekko.jvm-exit-on-fatal-error = off")
        .withFallback(ConfigFactory.load());
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
