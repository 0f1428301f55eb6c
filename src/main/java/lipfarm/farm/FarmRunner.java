package lipfarm.farm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.reporting.Reporter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Runs one farm in its own actor system and completes when the result files are written. The
 * guardian owns nothing but the two long-lived actors: the coordinator and the reporter.
 */
public final class FarmRunner {
  private FarmRunner() {}

  /**
   * @param runs the expanded grid
   * @param dir the results directory of this farm
   * @return completes with the written results, or exceptionally if the farm could not finish
   */
  public static CompletableFuture<Reporter.Written> run(
      String farm,
      List<RunConfig> runs,
      int maxConcurrent,
      Path dir,
      MeterRegistry registry,
      Consumer<FarmEvent> listener,
      RunChildren children) {
    CompletableFuture<Reporter.Written> done = new CompletableFuture<>();
    Behavior<Reporter.Written> guardian =
        Behaviors.setup(
            ctx -> {
              ActorRef<Reporter.Command> reporter =
                  ctx.spawn(
                      Reporter.create(farm, dir, registry, listener, ctx.getSelf()), "reporter");
              ActorRef<Coordinator.Command> coordinator =
                  ctx.spawn(
                      Coordinator.create(farm, runs, maxConcurrent, children, reporter),
                      "coordinator");
              ctx.watch(reporter);
              return Behaviors.receive(Reporter.Written.class)
                  .onMessage(
                      Reporter.Written.class,
                      w -> {
                        done.complete(w);
                        return Behaviors.stopped();
                      })
                  .onSignal(
                      Terminated.class,
                      t -> {
                        done.completeExceptionally(
                            new IllegalStateException(
                                "the reporter stopped before the farm finished; see the log"));
                        return Behaviors.stopped();
                      })
                  .build();
            });
    ActorSystem<Reporter.Written> system =
        ActorSystem.create(guardian, "lipfarm", config(maxConcurrent));
    return done.whenComplete((w, e) -> system.terminate())
        .thenCombine(system.getWhenTerminated().toCompletableFuture(), (w, ignored) -> w);
  }

  /** The application config with the compute pool sized to the farm. */
  public static Config config(int maxConcurrent) {
    return ConfigFactory.parseString(
            "lipfarm.compute-dispatcher.thread-pool-executor.fixed-pool-size = " + maxConcurrent)
        .withFallback(ConfigFactory.load());
  }
}
