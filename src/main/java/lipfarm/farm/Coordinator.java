package lipfarm.farm;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.Diverged;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.FarmEvent.TrainingOutcome;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.Reporter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Runs a farm: at most {@code maxConcurrentRuns} configurations at once, each with one trainer
 * and one estimator child, and every fact forwarded to the reporter. Owns the run states; a
 * configuration id is never run twice. Stops itself after {@link FarmFinished}.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

  /** Compute-heavy children run here, never on the default dispatcher. */
  public static final String COMPUTE_DISPATCHER = "lipfarm.compute-dispatcher";

  public sealed interface Command extends LipfarmSerializable {}

  /**
   * Stop the farm: active runs are stopped (their children too), pending ones never start, and
   * {@link FarmCancelled} is published as the farm's last event. Runs finished so far keep their
   * {@code RunFinished}. Ignored by a farm that has already finished (it has stopped).
   */
  public enum Cancel implements Command {
    INSTANCE
  }

  private record WrappedTrainerReply(Trainer.Reply reply) implements Command {}

  private record WrappedEstimatorReply(Estimator.Reply reply) implements Command {}

  private record ChildStopped(String runId, String role) implements Command {}

  /** Per-run state while a configuration is active. */
  private static final class ActiveRun {
    final RunConfig config;
    final ActorRef<Trainer.Command> trainer;
    final ActorRef<Estimator.Command> estimator;
    TrainingOutcome outcome;
    boolean trainerDone;

    ActiveRun(RunConfig config, ActorRef<Trainer.Command> trainer, ActorRef<Estimator.Command> estimator) {
      this.config = config;
      this.trainer = trainer;
      this.estimator = estimator;
    }
  }

  private final String farm;
  private final int maxConcurrent;
  private final RunChildren children;
  private final ActorRef<Reporter.Command> reporter;
  private final ActorRef<Trainer.Reply> trainerAdapter;
  private final ActorRef<Estimator.Reply> estimatorAdapter;
  private final Queue<RunConfig> pending = new ArrayDeque<>();
  private final Set<String> seen = new HashSet<>();
  private final Map<String, ActiveRun> active = new LinkedHashMap<>();
  private final long startNanos = System.nanoTime();
  private int finished;
  private int failed;

  /**
   * @param farm farm name
   * @param runs the expanded grid; duplicate ids are run once
   * @param maxConcurrent how many configurations may be active at once (≥ 1)
   * @param children factory of the per-run trainer and estimator
   * @param reporter receives every event, in order
   */
  public static Behavior<Command> create(
      String farm, List<RunConfig> runs, int maxConcurrent, RunChildren children, ActorRef<Reporter.Command> reporter) {
    return Behaviors.setup(ctx -> new Coordinator(ctx, farm, runs, maxConcurrent, children, reporter));
  }

  private Coordinator(
      ActorContext<Command> context,
      String farm,
      List<RunConfig> runs,
      int maxConcurrent,
      RunChildren children,
      ActorRef<Reporter.Command> reporter) {
    super(context);
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("maxConcurrent must be ≥ 1, got " + maxConcurrent);
    }
    this.farm = farm;
    this.maxConcurrent = maxConcurrent;
    this.children = children;
    this.reporter = reporter;
    this.trainerAdapter = context.messageAdapter(Trainer.Reply.class, WrappedTrainerReply::new);
    this.estimatorAdapter = context.messageAdapter(Estimator.Reply.class, WrappedEstimatorReply::new);
    for (RunConfig rc : runs) {
      if (seen.add(rc.id())) {
        pending.add(rc);
      }
    }
    publish(new FarmStarted(farm, pending.size(), maxConcurrent));
    startRuns();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(WrappedTrainerReply.class, this::onTrainerReply)
        .onMessage(WrappedEstimatorReply.class, this::onEstimatorReply)
        .onMessage(ChildStopped.class, this::onChildStopped)
        .onMessageEquals(Cancel.INSTANCE, this::onCancel)
        .build();
  }

  private void publish(FarmEvent event) {
    reporter.tell(new Reporter.Publish(event));
  }

  private void startRuns() {
    while (active.size() < maxConcurrent && !pending.isEmpty()) {
      RunConfig rc = pending.poll();
      String id = rc.id();
      DispatcherSelector compute = DispatcherSelector.fromConfig(COMPUTE_DISPATCHER);
      ActorRef<Trainer.Command> trainer = getContext().spawn(children.trainer(), "trainer-" + id, compute);
      ActorRef<Estimator.Command> estimator = getContext().spawn(children.estimator(), "estimator-" + id, compute);
      getContext().watchWith(trainer, new ChildStopped(id, "trainer"));
      getContext().watchWith(estimator, new ChildStopped(id, "estimator"));
      active.put(id, new ActiveRun(rc, trainer, estimator));
      publish(new RunStarted(id, rc));
      trainer.tell(new Trainer.Train(rc, trainerAdapter));
    }
  }

  private Behavior<Command> onTrainerReply(WrappedTrainerReply msg) {
    if (msg.reply() instanceof Trainer.Progressed p) {
      if (active.containsKey(p.progress().runId())) {
        publish(p.progress());
      }
    } else if (msg.reply() instanceof Trainer.Failed f) {
      ActiveRun run = active.get(f.runId());
      if (run != null && run.outcome == null) {
        run.trainerDone = true;
        failed++;
        return finish(run, resultWithoutEstimate(run, "trainer failed: " + f.reason()));
      }
    } else if (msg.reply() instanceof Trainer.Ended e) {
      ActiveRun run = active.get(e.outcome().runId());
      if (run == null || run.outcome != null) {
        return this;
      }
      run.outcome = e.outcome();
      run.trainerDone = true;
      publish(e.outcome());
      if (e.weights() == null || e.outcome() instanceof Diverged && !finiteWeights(e)) {
        return finish(run, resultWithoutEstimate(run, null));
      }
      run.estimator.tell(new Estimator.Estimate(run.config, e.weights(), e.outcome().epochs(), estimatorAdapter));
    }
    return this;
  }

  private static boolean finiteWeights(Trainer.Ended e) {
    return e.weights().layers().stream()
        .allMatch(l -> java.util.Arrays.stream(l.weights()).allMatch(Double::isFinite));
  }

  private Behavior<Command> onEstimatorReply(WrappedEstimatorReply msg) {
    if (!(msg.reply() instanceof Estimator.Estimated est)) {
      return this;
    }
    LipschitzEstimate e = est.estimate();
    ActiveRun run = active.get(e.runId());
    if (run == null) {
      return this;
    }
    publish(e);
    if (!e.complete() || run.outcome == null) {
      return this;
    }
    TrainingOutcome o = run.outcome;
    RunResult result =
        new RunResult(
            run.config.id(),
            run.config,
            outcomeName(o),
            o.epochs(),
            o.loss(),
            o.maxError(),
            o.signFit(),
            e.lower(),
            e.lowerMethod(),
            e.upper(),
            e.upperMethod(),
            e.evaluations(),
            e.bounds(),
            e.measures(),
            null);
    return finish(run, result);
  }

  private Behavior<Command> onChildStopped(ChildStopped msg) {
    ActiveRun run = active.get(msg.runId());
    if (run == null) {
      return this;
    }
    if ("trainer".equals(msg.role()) && run.trainerDone) {
      return this; // a trainer stops by itself once it has reported its outcome
    }
    // A child failed (threw) before the run completed: the run fails, the farm goes on.
    failed++;
    return finish(run, resultWithoutEstimate(run, msg.role() + " stopped unexpectedly (see log)"));
  }

  private Behavior<Command> onCancel() {
    int cancelled = active.size() + pending.size();
    for (ActiveRun run : active.values()) {
      getContext().unwatch(run.trainer);
      getContext().unwatch(run.estimator);
      getContext().stop(run.trainer);
      getContext().stop(run.estimator);
    }
    active.clear();
    pending.clear();
    publish(new FarmCancelled(farm, finished, failed, cancelled, (System.nanoTime() - startNanos) / 1_000_000));
    return Behaviors.stopped();
  }

  private RunResult resultWithoutEstimate(ActiveRun run, String error) {
    TrainingOutcome o = run.outcome;
    String outcome = error != null ? "failed" : outcomeName(o);
    return new RunResult(
        run.config.id(),
        run.config,
        outcome,
        o == null ? 0 : o.epochs(),
        o == null ? Double.NaN : o.loss(),
        o == null ? Double.NaN : o.maxError(),
        o == null ? Double.NaN : o.signFit(),
        Double.NaN,
        null,
        Double.NaN,
        null,
        0,
        List.of(),
        null,
        error);
  }

  static String outcomeName(TrainingOutcome o) {
    if (o instanceof FarmEvent.Converged) {
      return "converged";
    } else if (o instanceof FarmEvent.DidNotInterpolate) {
      return "did-not-interpolate";
    }
    return "diverged";
  }

  private Behavior<Command> finish(ActiveRun run, RunResult result) {
    active.remove(run.config.id());
    getContext().unwatch(run.trainer);
    getContext().unwatch(run.estimator);
    getContext().stop(run.trainer);
    getContext().stop(run.estimator);
    finished++;
    publish(new RunFinished(run.config.id(), result));
    startRuns();
    if (active.isEmpty() && pending.isEmpty()) {
      publish(new FarmFinished(farm, finished, failed, (System.nanoTime() - startNanos) / 1_000_000));
      return Behaviors.stopped();
    }
    return this;
  }
}
