package lipfarm.farm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import lipfarm.protocol.FarmEvent;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The one farm runtime behind {@code lipfarm run}, {@code lipfarm resume} and {@code lipfarm
 * serve}: an actor system whose persistence plugins point at one journal database, a {@link
 * FarmManager} hosting the farms, the {@link EventJournal} for event streams, and the projection
 * from the journal. The front ends only open or submit farms, watch them and stop the runtime; a
 * tool may open a farm idle and publish into its journal ({@code lipfarm reestimate}).
 */
public final class FarmRuntime implements AutoCloseable {

  /**
   * @param root the results root (the service's output directory; the CLI farm's parent)
   * @param database the journal database every farm of this runtime uses
   * @param computeThreads threads shared by every run's trainer and estimator
   * @param listener called for every new event of every farm (the CLI display); must be quick
   * @param registryId the service registry's persistence id, or null (the CLI: no registry)
   * @param eventLogCapacity newest events kept for event streams
   * @param extra further actor-system settings (e.g. the HTTP server's), or an empty config
   */
  public record Settings(
      Path root,
      JournalDatabase database,
      int computeThreads,
      MeterRegistry registry,
      RunChildren children,
      Faults faults,
      Consumer<FarmEvent> listener,
      String registryId,
      int eventLogCapacity,
      Config extra) {}

  private record Refs(
      ActorRef<FarmManager.Command> manager, ActorRef<EventJournal.Command> eventLog) {}

  /** How long a query of the runtime waits for the manager. */
  public static final Duration ASK = Duration.ofSeconds(30);

  private final ActorSystem<Void> system;
  private final Refs refs;

  private FarmRuntime(ActorSystem<Void> system, Refs refs) {
    this.system = system;
    this.refs = refs;
  }

  /**
   * Creates the journal's tables if missing and starts the actor system.
   *
   * @throws SQLException if the journal's database cannot be opened
   */
  public static FarmRuntime start(Settings s) throws SQLException {
    s.database().createSchemaIfMissing();
    CompletableFuture<Refs> refs = new CompletableFuture<>();
    Behavior<Void> guardian =
        Behaviors.setup(
            ctx -> {
              ActorRef<EventJournal.Command> log =
                  ctx.spawn(
                      EventJournal.create(s.eventLogCapacity(), Duration.ofSeconds(10)),
                      "event-journal");
              ActorRef<FarmManager.Command> manager =
                  ctx.spawn(
                      Behaviors.supervise(
                              FarmManager.create(
                                  new FarmManager.Settings(
                                      s.root(),
                                      s.registry(),
                                      log,
                                      s.children(),
                                      s.faults(),
                                      s.listener(),
                                      s.registryId())))
                          .onFailure(SupervisorStrategy.resume()),
                      "farms");
              refs.complete(new Refs(manager, log));
              return Behaviors.empty();
            });
    ActorSystem<Void> system = ActorSystem.create(guardian, "lipfarm", config(s));
    return new FarmRuntime(system, refs.join());
  }

  /** The actor system's settings for {@code s}: compute pool, journal plugins, then defaults. */
  public static Config config(Settings s) {
    return s.extra()
        .withFallback(
            ConfigFactory.parseString(
                String.join(
                    "\n",
                    "lipfarm.compute-dispatcher.thread-pool-executor.fixed-pool-size = "
                        + Math.max(1, s.computeThreads()),
                    // The projection follows the journal closely: events reach files and streams
                    // within a fraction of a second.
                    "jdbc-read-journal.refresh-interval = 100ms",
                    "jdbc-read-journal.journal-sequence-retrieval.query-delay = 100ms",
                    // Pekko's list without its Scala module: every message lipfarm serializes
                    // is a Java record, and the module loads about 300 classes at start-up.
                    "pekko.serialization.jackson.jackson-modules = ["
                        + "\"org.apache.pekko.serialization.jackson.PekkoJacksonModule\", "
                        + "\"org.apache.pekko.serialization.jackson.PekkoTypedJacksonModule\", "
                        + "\"org.apache.pekko.serialization.jackson.PekkoStreamJacksonModule\", "
                        + "\"com.fasterxml.jackson.module.paramnames.ParameterNamesModule\", "
                        + "\"com.fasterxml.jackson.datatype.jdk8.Jdk8Module\", "
                        + "\"com.fasterxml.jackson.datatype.jsr310.JavaTimeModule\"]")))
        .withFallback(s.database().config())
        .withFallback(ConfigFactory.load());
  }

  /**
   * The stable identity kept in {@code file} (a farm's persistence id, a service's registry id):
   * read, or first written as {@code fresh} (atomically, so a kill never leaves half an id).
   */
  public static String stableId(Path file, String fresh) throws java.io.IOException {
    if (!java.nio.file.Files.exists(file)) {
      lipfarm.reporting.ReportWriter.atomicWrite(
          file, (fresh + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8).strip();
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public ActorRef<FarmManager.Command> manager() {
    return refs.manager();
  }

  public ActorRef<EventJournal.Command> eventLog() {
    return refs.eventLog();
  }

  /** Opens a farm (the CLI). */
  public CompletionStage<FarmManager.Opened> open(FarmSpec spec) {
    return AskPattern.ask(
        refs.manager(),
        r -> new FarmManager.Open(spec, r),
        Duration.ofMinutes(3),
        system.scheduler());
  }

  /**
   * Opens a farm without running it (see {@link FarmManager.Open}): its journal and projection
   * only, so tools such as {@code lipfarm reestimate} can {@link #publish} into it.
   */
  public CompletionStage<FarmManager.Opened> openIdle(FarmSpec spec) {
    return AskPattern.ask(
        refs.manager(),
        r -> new FarmManager.Open(spec, true, r),
        Duration.ofMinutes(3),
        system.scheduler());
  }

  /**
   * Persists {@code event} in the open farm {@code id}'s journal; completes when it is durable
   * (with the journal's latest seq, -1 if the farm is not open).
   */
  public CompletionStage<FarmJournal.Recorded> publish(String id, FarmEvent event) {
    return AskPattern.ask(
        refs.manager(),
        r -> new FarmManager.Publish(id, event, r),
        FarmJournal.WAIT,
        system.scheduler());
  }

  /**
   * Completes once the farm's projection (events.ndjson) has handled its events up to {@code seq}.
   */
  public CompletionStage<FarmManager.Lookup> awaitProjected(String id, long seq) {
    return AskPattern.ask(
        refs.manager(),
        r -> new FarmManager.AwaitProjected(id, seq, r),
        Duration.ofMinutes(2),
        system.scheduler());
  }

  /**
   * Completes when the farm has ended and its result files are written, or it failed; farms may run
   * for weeks, so the wait is renewed every hour.
   */
  public CompletableFuture<FarmManager.Lookup> awaitEnd(String id) {
    return AskPattern.<FarmManager.Command, FarmManager.Lookup>ask(
            refs.manager(),
            r -> new FarmManager.AwaitEnd(id, r),
            Duration.ofHours(1),
            system.scheduler())
        .toCompletableFuture()
        .handle((l, e) -> l != null ? CompletableFuture.completedFuture(l) : awaitEnd(id))
        .thenCompose(f -> f);
  }

  /** The farm's durable state, from its journal. */
  public CompletionStage<FarmState> journalState(String id) {
    return AskPattern.ask(
        refs.manager(),
        r -> new FarmManager.GetJournalState(id, r),
        FarmJournal.WAIT,
        system.scheduler());
  }

  /** Graceful stop: no new work, every coordinator stopped, its trainers checkpointed. */
  public CompletionStage<Done> stopFarms() {
    return AskPattern.ask(
        refs.manager(), FarmManager.StopAll::new, Duration.ofMinutes(2), system.scheduler());
  }

  /** Completes when the actor system has terminated. */
  public CompletionStage<?> whenTerminated() {
    return system.getWhenTerminated();
  }

  @Override
  public void close() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }
}
