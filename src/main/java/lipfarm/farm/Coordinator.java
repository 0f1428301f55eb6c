package lipfarm.farm;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.RunResult;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Runs a farm's queue: at most {@code maxConcurrentRuns} configurations at once, each under its own
 * {@link RunSupervisor}; a configuration id is never run twice and runs with a result in the
 * recovered state are not run again. Every fact goes to the farm's {@link FarmJournal}, which
 * persists (and so publishes) it; the next run starts as soon as a run has ended (its result is
 * still being persisted: until it is, its checkpoint is kept, so a crash re-runs it from there),
 * and the farm finishes once every result is durable. Stops itself after its last event ({@link
 * FarmFinished} or {@link FarmCancelled}) or on {@link Stop}.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

  /** Compute-heavy children run here, never on the default dispatcher. */
  public static final String COMPUTE_DISPATCHER = "lipfarm.compute-dispatcher";

  public sealed interface Command extends LipfarmSerializable {}

  /**
   * Cancel the farm: active runs stop, pending ones never start, and {@link FarmCancelled} is
   * published as the farm's last event. Runs finished so far keep their {@code RunFinished}.
   */
  public enum Cancel implements Command {
    INSTANCE
  }

  /** Stop without a farm event (graceful shutdown): active trainers checkpoint; resume later. */
  public enum Stop implements Command {
    INSTANCE
  }

  private record FromRun(RunSupervisor.Report report) implements Command {
    String runId() {
      return report instanceof RunSupervisor.Ended e
          ? e.result().runId()
          : ((RunSupervisor.Publish) report).event().runId();
    }
  }

  private record ResultPersisted(RunResult result, Throwable error) implements Command {}

  private final String farm;
  private final int maxConcurrent;
  private final RunLauncher launcher;
  private final CheckpointStore checkpoints;
  private final RunPolicy policy;
  private final FarmState recovered;
  private final ActorRef<FarmJournal.Command> journal;
  // One adapter for every run (adapters are per message class): reports name their run.
  private final ActorRef<RunSupervisor.Report> fromRuns;
  private final Queue<RunConfig> pending = new ArrayDeque<>();
  private final Map<String, ActorRef<?>> active = new LinkedHashMap<>();
  private final long startNanos = System.nanoTime();
  private boolean ended;
  private int finished;
  private int failed;
  private int persisting;
  // Failed results among those being persisted: a cancel counts them, their RunFinished is ahead.
  private int persistingFailed;

  /**
   * @param farm the farm's id (events name it)
   * @param recovered the farm's state from its journal: the grid, results, failure counts
   * @param maxConcurrent how many configurations may be active at once (≥ 1)
   */
  public static Behavior<Command> create(
      String farm,
      FarmState recovered,
      int maxConcurrent,
      RunChildren children,
      CheckpointStore checkpoints,
      RunPolicy policy,
      ActorRef<FarmJournal.Command> journal) {
    return create(
        farm, recovered, maxConcurrent, RunLauncher.local(children), checkpoints, policy, journal);
  }

  /** A coordinator whose runs are made by {@code launcher} (a cluster's places them elsewhere). */
  public static Behavior<Command> create(
      String farm,
      FarmState recovered,
      int maxConcurrent,
      RunLauncher launcher,
      CheckpointStore checkpoints,
      RunPolicy policy,
      ActorRef<FarmJournal.Command> journal) {
    return Behaviors.setup(
        ctx ->
            new Coordinator(
                ctx, farm, recovered, maxConcurrent, launcher, checkpoints, policy, journal));
  }

  private Coordinator(
      ActorContext<Command> context,
      String farm,
      FarmState recovered,
      int maxConcurrent,
      RunLauncher launcher,
      CheckpointStore checkpoints,
      RunPolicy policy,
      ActorRef<FarmJournal.Command> journal) {
    super(context);
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("maxConcurrent must be ≥ 1, got " + maxConcurrent);
    }
    this.farm = farm;
    this.maxConcurrent = maxConcurrent;
    this.launcher = launcher;
    this.checkpoints = checkpoints;
    this.policy = policy;
    this.recovered = recovered;
    this.journal = journal;
    this.fromRuns = context.messageAdapter(RunSupervisor.Report.class, FromRun::new);
    Set<String> seen = new HashSet<>();
    for (RunConfig rc : recovered.runs()) {
      if (seen.add(rc.id())) {
        RunResult done = recovered.results().get(rc.id());
        if (done == null) {
          pending.add(rc);
        } else {
          finished++; // finished in an earlier session of this farm: never run twice
          failed += "failed".equals(done.outcome()) ? 1 : 0;
        }
      }
    }
    publish(new FarmStarted(farm, seen.size(), maxConcurrent, finished));
    startRuns();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FromRun.class, this::onFromRun)
        .onMessage(ResultPersisted.class, this::onResultPersisted)
        .onMessageEquals(Cancel.INSTANCE, this::onCancel)
        .onMessageEquals(Stop.INSTANCE, this::onStop)
        .build();
  }

  private void publish(FarmEvent event) {
    journal.tell(new FarmJournal.Publish(event, null));
  }

  private void startRuns() {
    while (active.size() < maxConcurrent && !pending.isEmpty()) {
      RunConfig rc = pending.poll();
      String id = rc.id();
      ActorRef<?> run =
          spawnRun(
              launcher.run(
                  farm, rc, recovered.failuresOf(id), checkpoints, policy, journal, fromRuns),
              "run-" + id);
      active.put(id, run);
    }
    if (active.isEmpty() && pending.isEmpty() && persisting == 0 && !ended) {
      ended = true;
      publish(
          new FarmFinished(farm, finished, failed, (System.nanoTime() - startNanos) / 1_000_000));
      getContext().getSelf().tell(Stop.INSTANCE);
    }
  }

  private <T> ActorRef<T> spawnRun(Behavior<T> behavior, String name) {
    return getContext().spawn(behavior, name);
  }

  private Behavior<Command> onFromRun(FromRun m) {
    if (!active.containsKey(m.runId())) {
      return this;
    }
    if (m.report() instanceof RunSupervisor.Publish p) {
      publish(p.event());
    } else if (m.report() instanceof RunSupervisor.Ended e) {
      active.remove(m.runId());
      persisting++;
      RunResult result = e.result();
      persistingFailed += "failed".equals(result.outcome()) ? 1 : 0;
      getContext()
          .ask(
              FarmJournal.Recorded.class,
              journal,
              FarmJournal.WAIT,
              replyTo -> new FarmJournal.Publish(new RunFinished(result.runId(), result), replyTo),
              (rec, err) -> new ResultPersisted(result, err));
      // Its slot is free now: waiting for the journal's commit would idle a core for every run.
      startRuns();
    }
    return this;
  }

  private Behavior<Command> onResultPersisted(ResultPersisted m) {
    persisting--;
    persistingFailed -= "failed".equals(m.result().outcome()) ? 1 : 0;
    if (m.error() != null) {
      throw new IllegalStateException(
          "the journal did not record the result of "
              + m.result().runId()
              + ": "
              + m.error().getMessage(),
          m.error());
    }
    finished++;
    failed += "failed".equals(m.result().outcome()) ? 1 : 0;
    if (checkpoints != null) {
      checkpoints.delete(m.result().runId());
    }
    startRuns();
    return this;
  }

  private Behavior<Command> onCancel() {
    if (ended) {
      return this;
    }
    int cancelled = active.size() + pending.size();
    active.values().forEach(r -> getContext().stop(r));
    active.clear();
    pending.clear();
    ended = true;
    // Results still being persisted count as finished: their RunFinished precedes this event.
    publish(
        new FarmCancelled(
            farm,
            finished + persisting,
            failed + persistingFailed,
            cancelled,
            (System.nanoTime() - startNanos) / 1_000_000));
    return Behaviors.stopped();
  }

  private Behavior<Command> onStop() {
    return Behaviors.stopped();
  }
}
