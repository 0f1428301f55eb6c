package lipfarm.farm;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.FarmMetrics;
import lipfarm.reporting.Reporter;
import org.apache.pekko.actor.ActorPath;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Runs many farms in one long-lived actor system (service mode). Each submitted farm gets an id
 * ({@code <name>-<n>}), a results directory {@code <root>/<name>/<id>/}, and its own reporter and
 * coordinator as children of the manager, exactly as {@link FarmRunner} wires them for the CLI.
 * Every event a reporter records goes through the manager (which keeps the farm's status and
 * results) to the {@link EventJournal}, so per-farm order is kept end to end.
 */
public final class FarmManager extends AbstractBehavior<FarmManager.Command> {

  public sealed interface Command extends LipfarmSerializable {}

  /** Start a validated farm; replies with its status (state {@code running}) or an error. */
  public record Submit(FarmDefinition definition, ActorRef<Submitted> replyTo) implements Command {}

  /** The farm started ({@code status}), or could not ({@code error}, status null). */
  public record Submitted(FarmStatus status, String error) implements LipfarmSerializable {}

  public record ListFarms(ActorRef<FarmList> replyTo) implements Command {}

  /** Replies with the farm's status, or a {@link Lookup} with a null status for an unknown id. */
  public record GetFarm(String id, ActorRef<Lookup> replyTo) implements Command {}

  /**
   * Cancel a running farm. Replies once the farm has ended and its files are written (state {@code
   * cancelled}, or {@code finished} if it finished first); at once for a farm that had already
   * ended, and with a null status for an unknown id.
   */
  public record CancelFarm(String id, ActorRef<Lookup> replyTo) implements Command {}

  /** Replies with the results of the runs finished so far. */
  public record GetResults(String id, ActorRef<Results> replyTo) implements Command {}

  private record WrappedRecorded(Reporter.Recorded recorded) implements Command {}

  private record WrappedWritten(Reporter.Written written) implements Command {}

  private record ChildStopped(String id, String role) implements Command {}

  private record CheckEnded(String id) implements Command {}

  public record FarmList(List<FarmStatus> farms) implements LipfarmSerializable {}

  public record Lookup(FarmStatus status) implements LipfarmSerializable {}

  public record Results(FarmStatus status, List<RunResult> runs) implements LipfarmSerializable {}

  /**
   * A farm as the API shows it.
   *
   * @param state running, cancelling, finished, cancelled or failed
   * @param runsDone runs that finished (failed ones included)
   * @param reportWritten the result files (report.md, results.csv, results.json) are complete
   * @param lastSeq sequence number of the farm's latest event
   */
  public record FarmStatus(
      String id,
      String name,
      String state,
      Instant submitted,
      int totalRuns,
      int runsDone,
      int runsActive,
      int runsFailed,
      int runsCancelled,
      double progress,
      long lastSeq,
      String dir,
      boolean reportWritten,
      String error)
      implements LipfarmSerializable {}

  /** The states a farm can be in, for the {@code lipfarm.farms} gauge. */
  public static final List<String> STATES =
      List.of("running", "cancelling", "finished", "cancelled", "failed");

  private static final class Farm {
    final String id;
    final String name;
    final Instant submitted = Instant.now();
    final Path dir;
    final int totalRuns;
    final ActorRef<Reporter.Command> reporter;
    ActorRef<Coordinator.Command> coordinator;
    final List<RunResult> results = new ArrayList<>();
    final List<ActorRef<Lookup>> cancelWaiters = new ArrayList<>();
    String state = "running";
    int active;
    int failed;
    int cancelled;
    long lastSeq;
    boolean ended;
    boolean written;
    String error;

    Farm(String id, String name, Path dir, int totalRuns, ActorRef<Reporter.Command> reporter) {
      this.id = id;
      this.name = name;
      this.dir = dir;
      this.totalRuns = totalRuns;
      this.reporter = reporter;
    }

    FarmStatus status() {
      int done = results.size();
      return new FarmStatus(
          id,
          name,
          state,
          submitted,
          totalRuns,
          done,
          active,
          failed,
          cancelled,
          totalRuns == 0 ? 1.0 : (double) done / totalRuns,
          lastSeq,
          dir.toString(),
          written,
          error);
    }
  }

  private final Path root;
  private final MeterRegistry registry;
  private final ActorRef<EventJournal.Command> eventLog;
  private final RunChildren children;
  private final Map<String, Farm> farms = new LinkedHashMap<>();
  private final Map<Path, String> byDir = new HashMap<>();
  private final Map<String, AtomicInteger> farmsByState = new HashMap<>();
  private final ActorRef<Reporter.Recorded> recordedAdapter;
  private final ActorRef<Reporter.Written> writtenAdapter;
  private long counter;

  /**
   * @param root results root: farm {@code id} writes to {@code root/<name>/<id>/}
   * @param registry where every farm's meters and {@code lipfarm.farms} go
   * @param eventLog receives every recorded event, in order per farm
   * @param children the per-run trainer and estimator (real ones in the service)
   */
  public static Behavior<Command> create(
      Path root,
      MeterRegistry registry,
      ActorRef<EventJournal.Command> eventLog,
      RunChildren children) {
    return Behaviors.setup(ctx -> new FarmManager(ctx, root, registry, eventLog, children));
  }

  private FarmManager(
      ActorContext<Command> context,
      Path root,
      MeterRegistry registry,
      ActorRef<EventJournal.Command> eventLog,
      RunChildren children) {
    super(context);
    this.root = root;
    this.registry = registry;
    this.eventLog = eventLog;
    this.children = children;
    this.recordedAdapter = context.messageAdapter(Reporter.Recorded.class, WrappedRecorded::new);
    this.writtenAdapter = context.messageAdapter(Reporter.Written.class, WrappedWritten::new);
    for (String state : STATES) {
      AtomicInteger v = new AtomicInteger();
      farmsByState.put(state, v);
      Gauge.builder("lipfarm.farms", v, AtomicInteger::get)
          .tag("state", state)
          .description("farms of the service by state")
          .register(registry);
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(
            ListFarms.class,
            m -> {
              m.replyTo().tell(new FarmList(farms.values().stream().map(Farm::status).toList()));
              return this;
            })
        .onMessage(
            GetFarm.class,
            m -> {
              Farm f = farms.get(m.id());
              m.replyTo().tell(new Lookup(f == null ? null : f.status()));
              return this;
            })
        .onMessage(
            GetResults.class,
            m -> {
              Farm f = farms.get(m.id());
              m.replyTo()
                  .tell(
                      f == null
                          ? new Results(null, List.of())
                          : new Results(f.status(), List.copyOf(f.results)));
              return this;
            })
        .onMessage(CancelFarm.class, this::onCancel)
        .onMessage(WrappedRecorded.class, this::onRecorded)
        .onMessage(WrappedWritten.class, this::onWritten)
        .onMessage(ChildStopped.class, this::onChildStopped)
        .onMessage(CheckEnded.class, this::onCheckEnded)
        .build();
  }

  private void setState(Farm f, String state) {
    farmsByState.get(f.state).decrementAndGet();
    f.state = state;
    farmsByState.get(state).incrementAndGet();
  }

  private Behavior<Command> onSubmit(Submit m) {
    FarmDefinition def = m.definition();
    List<RunConfig> runs = def.expand();
    String id = def.name() + "-" + (++counter);
    Path dir = root.resolve(def.name()).resolve(id);
    if (!dir.normalize().startsWith(root.normalize()) || dir.normalize().equals(root.normalize())) {
      m.replyTo()
          .tell(new Submitted(null, "farm name '" + def.name() + "' would leave the results root"));
      return this;
    }
    try {
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve("farm.conf"), "farm " + def.source() + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      getContext().getLog().error("cannot create results directory {}", dir, e);
      m.replyTo().tell(new Submitted(null, "cannot create the results directory of farm " + id));
      return this;
    }
    // The gauge reads the coordinator's mailbox once the coordinator exists (spawned below).
    AtomicReference<ActorPath> coordinatorPath = new AtomicReference<>();
    MailboxBacklog backlog = MailboxBacklog.get(getContext().getSystem());
    FarmMetrics metrics =
        new FarmMetrics(
            registry,
            id,
            () -> {
              ActorPath p = coordinatorPath.get();
              return p == null ? 0 : backlog.backlog(p);
            });
    ActorRef<Reporter.Command> reporter =
        getContext()
            .spawn(
                Reporter.create(id, dir, metrics, e -> {}, writtenAdapter, recordedAdapter),
                "reporter-" + id);
    Farm farm = new Farm(id, def.name(), dir, runs.size(), reporter);
    farms.put(id, farm);
    byDir.put(dir, id);
    farmsByState.get("running").incrementAndGet();
    ActorRef<Coordinator.Command> coordinator =
        getContext()
            .spawn(
                Coordinator.create(id, runs, def.maxConcurrentRuns(), children, reporter),
                "coordinator-" + id,
                MailboxSelector.fromConfig(MailboxBacklog.MAILBOX));
    farm.coordinator = coordinator;
    coordinatorPath.set(coordinator.path());
    getContext().watchWith(reporter, new ChildStopped(id, "reporter"));
    getContext().watchWith(coordinator, new ChildStopped(id, "coordinator"));
    m.replyTo().tell(new Submitted(farm.status(), null));
    return this;
  }

  private Behavior<Command> onCancel(CancelFarm m) {
    Farm f = farms.get(m.id());
    if (f == null) {
      m.replyTo().tell(new Lookup(null));
    } else if (f.written || "failed".equals(f.state)) {
      m.replyTo().tell(new Lookup(f.status()));
    } else {
      f.cancelWaiters.add(m.replyTo());
      if ("running".equals(f.state)) {
        setState(f, "cancelling");
        f.coordinator.tell(Coordinator.Cancel.INSTANCE);
      }
    }
    return this;
  }

  private Behavior<Command> onRecorded(WrappedRecorded w) {
    Reporter.Recorded r = w.recorded();
    Farm f = farms.get(r.farm());
    if (f != null) {
      FarmEvent e = r.event();
      f.lastSeq = r.seq();
      if (e instanceof RunStarted) {
        f.active++;
      } else if (e instanceof RunFinished rf) {
        f.active--;
        f.results.add(rf.result());
        if ("failed".equals(rf.result().outcome())) {
          f.failed++;
        }
      } else if (e instanceof FarmFinished) {
        f.ended = true;
        setState(f, "finished");
      } else if (e instanceof FarmCancelled c) {
        f.ended = true;
        f.active = 0;
        f.cancelled = c.runsCancelled();
        setState(f, "cancelled");
      } else if (e instanceof FarmStarted) {
        // the total is known from the expansion already
      }
    }
    eventLog.tell(new EventJournal.Append(r));
    return this;
  }

  private Behavior<Command> onWritten(WrappedWritten w) {
    String id = byDir.get(w.written().dir());
    Farm f = id == null ? null : farms.get(id);
    if (f == null) {
      return this;
    }
    f.written = true;
    getContext().unwatch(f.reporter);
    getContext().stop(f.reporter);
    f.cancelWaiters.forEach(r -> r.tell(new Lookup(f.status())));
    f.cancelWaiters.clear();
    return this;
  }

  private Behavior<Command> onChildStopped(ChildStopped m) {
    Farm f = farms.get(m.id());
    if (f == null || f.written) {
      return this;
    }
    if ("reporter".equals(m.role())) {
      fail(f, "the reporter stopped before the farm finished (see the service log)");
      getContext().stop(f.coordinator);
    } else if (!f.ended) {
      // The coordinator stops itself right after its last event, which may still be on its way
      // through the reporter: decide a little later.
      getContext()
          .scheduleOnce(Duration.ofSeconds(2), getContext().getSelf(), new CheckEnded(f.id));
    }
    return this;
  }

  private Behavior<Command> onCheckEnded(CheckEnded m) {
    Farm f = farms.get(m.id());
    if (f != null && !f.ended && !"failed".equals(f.state)) {
      fail(f, "the coordinator stopped before the farm finished (see the service log)");
      getContext().stop(f.reporter);
    }
    return this;
  }

  private void fail(Farm f, String error) {
    f.error = error;
    f.active = 0;
    setState(f, "failed");
    f.cancelWaiters.forEach(r -> r.tell(new Lookup(f.status())));
    f.cancelWaiters.clear();
  }
}
