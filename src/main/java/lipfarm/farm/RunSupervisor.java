package lipfarm.farm;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import lipfarm.config.RunConfig;
import lipfarm.estimation.LipschitzSandwich;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.Diverged;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.RunResumed;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.FarmEvent.TrainingOutcome;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.NetworkSnapshot;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.NetworkFiles;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Supervises one configuration from its first attempt to its one final result, in the style of a
 * short-lived per-request actor: it owns the run's trainer and estimator, hands the estimator
 * snapshots while training goes on (within the policy's share of the run's time), enforces the
 * attempt's time budget, records failed attempts in the farm's journal and retries them after a
 * backoff, and finally tells its parent {@link Ended} and stops. Every fact goes to the parent as
 * {@link Publish}, in order.
 */
public final class RunSupervisor extends AbstractBehavior<RunSupervisor.Command> {

  public sealed interface Command extends LipfarmSerializable {}

  private record WrappedTrainerReply(Trainer.Reply reply) implements Command {}

  private record WrappedEstimatorReply(Estimator.Reply reply) implements Command {}

  private record ChildStopped(long attempt, String role) implements Command {}

  private record AttemptTimedOut(long attempt) implements Command {}

  private record FailureRecorded(String reason, FarmJournal.Recorded recorded, Throwable error)
      implements Command {}

  private enum Retry implements Command {
    INSTANCE
  }

  /** What the supervisor tells its parent. */
  public sealed interface Report extends LipfarmSerializable {}

  /** Publish this fact of the run. */
  public record Publish(FarmEvent event) implements Report {}

  /** The run's final result (converged, did-not-interpolate, diverged or failed). */
  public record Ended(RunResult result) implements Report {}

  private final RunConfig config;
  private final RunChildren children;
  private final CheckpointStore checkpoints;
  private final RunPolicy policy;
  private final ActorRef<FarmJournal.Command> journal;
  private final ActorRef<Report> parent;
  private final TimerScheduler<Command> timers;
  private final ActorRef<Trainer.Reply> trainerAdapter;
  private final ActorRef<Estimator.Reply> estimatorAdapter;
  private int failures; // failed attempts so far, this session's and earlier ones
  private long attempt;
  private ActorRef<Trainer.Command> trainer;
  private ActorRef<Estimator.Command> estimator;
  private TrainingOutcome outcome;
  private boolean trainerDone;
  private int estimatingEpoch = -1; // snapshot the estimator works on; -1: idle
  private boolean estimatingIntermediate; // whether that is an intermediate snapshot's estimate
  private long trainingStartNanos;
  private long trainedNanos; // when the trainer reported its outcome (0: not yet)
  private NetworkSnapshot finalWeights;
  private long intermediateMillis; // estimator time spent on intermediate snapshots
  private int intermediateEstimates; // intermediate snapshots sent to the estimator
  private ObjectiveTrack objective; // min-lipschitz, once the trainer says the net fits

  /** Intermediate snapshots estimated whatever their cost (if the run offers that many). */
  static final int MIN_SNAPSHOTS = 2;

  private boolean waiting; // recording a failure or waiting for the retry

  /**
   * @param priorFailures failed attempts the journal already holds for this run
   */
  public static Behavior<Command> create(
      RunConfig config,
      int priorFailures,
      RunChildren children,
      CheckpointStore checkpoints,
      RunPolicy policy,
      ActorRef<FarmJournal.Command> journal,
      ActorRef<Report> parent) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new RunSupervisor(
                        ctx,
                        timers,
                        config,
                        priorFailures,
                        children,
                        checkpoints,
                        policy,
                        journal,
                        parent)));
  }

  private RunSupervisor(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      RunConfig config,
      int priorFailures,
      RunChildren children,
      CheckpointStore checkpoints,
      RunPolicy policy,
      ActorRef<FarmJournal.Command> journal,
      ActorRef<Report> parent) {
    super(ctx);
    this.timers = timers;
    this.config = config;
    this.failures = priorFailures;
    this.children = children;
    this.checkpoints = checkpoints;
    this.policy = policy;
    this.journal = journal;
    this.parent = parent;
    this.trainerAdapter = ctx.messageAdapter(Trainer.Reply.class, WrappedTrainerReply::new);
    this.estimatorAdapter = ctx.messageAdapter(Estimator.Reply.class, WrappedEstimatorReply::new);
    startAttempt();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(WrappedTrainerReply.class, m -> onTrainerReply(m.reply()))
        .onMessage(WrappedEstimatorReply.class, m -> onEstimatorReply(m.reply()))
        .onMessage(ChildStopped.class, this::onChildStopped)
        .onMessage(AttemptTimedOut.class, this::onTimedOut)
        .onMessage(FailureRecorded.class, this::onFailureRecorded)
        .onMessageEquals(Retry.INSTANCE, this::onRetry)
        .build();
  }

  private void publish(FarmEvent e) {
    parent.tell(new Publish(e));
  }

  private void startAttempt() {
    attempt++;
    outcome = null;
    trainerDone = false;
    estimatingEpoch = -1;
    intermediateMillis = 0;
    intermediateEstimates = 0;
    waiting = false;
    trainedNanos = 0;
    finalWeights = null;
    objective = null;
    DispatcherSelector compute = DispatcherSelector.fromConfig(Coordinator.COMPUTE_DISPATCHER);
    trainer =
        getContext()
            .spawn(
                children.trainer(checkpoints, policy.checkpointEvery()),
                "trainer-" + attempt,
                compute);
    estimator = getContext().spawn(children.estimator(), "estimator-" + attempt, compute);
    getContext().watchWith(trainer, new ChildStopped(attempt, "trainer"));
    getContext().watchWith(estimator, new ChildStopped(attempt, "estimator"));
    if (policy.runTimeoutMillis() > 0) {
      timers.startSingleTimer(
          new AttemptTimedOut(attempt), Duration.ofMillis(policy.runTimeoutMillis()));
    }
    publish(new RunStarted(config.id(), config));
    trainingStartNanos = System.nanoTime();
    trainer.tell(
        new Trainer.Train(
            config, policy.snapshotEvery(), policy.snapshotSeconds(), trainerAdapter));
  }

  private Behavior<Command> onTrainerReply(Trainer.Reply reply) {
    if (waiting) {
      return this;
    }
    if (reply instanceof Trainer.Progressed p) {
      publish(p.progress());
    } else if (reply instanceof Trainer.Resumed r) {
      publish(new RunResumed(r.runId(), r.epoch()));
    } else if (reply instanceof Trainer.Snapshot s) {
      onSnapshot(s);
    } else if (reply instanceof Trainer.ObjectiveStarted s) {
      // The plain fit gets the full budget, preempting any intermediate snapshot's estimate.
      objective = new ObjectiveTrack(s);
      estimatingEpoch = s.start().epochs();
      estimatingIntermediate = false;
      estimator.tell(
          new Estimator.Estimate(config, s.weights(), s.start().epochs(), estimatorAdapter));
    } else if (reply instanceof Trainer.ObjectiveEnded e) {
      if (objective != null) {
        objective.ended = e;
      }
    } else if (reply instanceof Trainer.Failed f) {
      trainerDone = true;
      return attemptFailed("trainer failed: " + f.reason());
    } else if (reply instanceof Trainer.Ended e) {
      if (outcome != null) {
        return this;
      }
      outcome = e.outcome();
      trainerDone = true;
      trainedNanos = System.nanoTime();
      finalWeights = e.weights();
      publish(e.outcome());
      if (e.weights() == null || e.outcome() instanceof Diverged && !finite(e.weights())) {
        return end(resultWithoutEstimate(null));
      }
      if (objective == null || objective.startEstimate != null) {
        estimateFinal();
      } // else: once the start's estimate is complete
    }
    return this;
  }

  private void estimateFinal() {
    estimatingEpoch = outcome.epochs();
    estimatingIntermediate = false;
    estimator.tell(
        new Estimator.Estimate(config, finalWeights, outcome.epochs(), estimatorAdapter));
  }

  /**
   * An intermediate snapshot is estimated only when the estimator is idle and the time spent on
   * intermediate snapshots stays within the policy's share of the training time so far.
   */
  private void onSnapshot(Trainer.Snapshot s) {
    if (estimatingEpoch >= 0 || outcome != null || !finite(s.weights())) {
      return;
    }
    long trainedMillis = (System.nanoTime() - trainingStartNanos) / 1_000_000;
    // The first looks are always taken (their cost is mostly the JVM's warm-up, paid once);
    // after that the time spent on snapshots stays within the share of the training time.
    boolean firstLooks = intermediateEstimates < MIN_SNAPSHOTS;
    if (policy.snapshotShare() <= 0
        || !firstLooks && intermediateMillis > policy.snapshotShare() * trainedMillis) {
      return;
    }
    intermediateEstimates++;
    long full =
        config.estimatorBudget() > 0 ? config.estimatorBudget() : LipschitzSandwich.DEFAULT_BUDGET;
    // A coarse look while training: a quarter of the share of the final budget, so that several
    // snapshots fit in the share of the run's time.
    long budget = Math.max(250, (long) Math.ceil(full * policy.snapshotShare() / 4));
    estimatingEpoch = s.epoch();
    estimatingIntermediate = true;
    estimator.tell(
        new Estimator.Estimate(config, s.weights(), s.epoch(), budget, true, estimatorAdapter));
  }

  private Behavior<Command> onEstimatorReply(Estimator.Reply reply) {
    if (waiting || !(reply instanceof Estimator.Estimated est)) {
      return this;
    }
    LipschitzEstimate e = est.estimate();
    if (e.snapshotEpoch() != estimatingEpoch || est.intermediate() != estimatingIntermediate) {
      return this; // a superseded snapshot's late step
    }
    publish(e);
    if (!e.complete()) {
      return this;
    }
    if (objective != null && objective.startEstimate == null) {
      if (!Double.isFinite(e.lower()) || !Double.isFinite(e.upper())) {
        return attemptFailed("estimator produced a NaN/Inf bound for the plain fit");
      }
      objective.startEstimate = e;
      estimatingEpoch = -1;
      if (outcome != null) {
        estimateFinal();
      }
      return this;
    }
    if (outcome == null) {
      intermediateMillis += e.elapsedMillis();
      estimatingEpoch = -1; // idle: ready for the next snapshot
      return this;
    }
    if (!Double.isFinite(e.lower()) || !Double.isFinite(e.upper())) {
      return attemptFailed(
          "estimator produced a NaN/Inf bound (lower " + e.lower() + ", upper " + e.upper() + ")");
    }
    TrainingOutcome o = outcome;
    if (objective != null && objective.ended != null) {
      publish(objective.finished(e));
      if (e.upper() > objective.startEstimate.upper()) {
        // The objective's end is certified less smooth than the plain fit: keep the fit.
        o = objective.started.start();
        e = objective.startEstimate;
        finalWeights = objective.started.weights();
      }
    }
    return end(
        new RunResult(
            config.id(),
            config,
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
            null));
  }

  private Behavior<Command> onChildStopped(ChildStopped m) {
    if (m.attempt() != attempt || waiting) {
      return this;
    }
    if ("trainer".equals(m.role()) && trainerDone) {
      return this; // a trainer stops by itself once it has reported its outcome
    }
    return attemptFailed(m.role() + " stopped unexpectedly (see log)");
  }

  private Behavior<Command> onTimedOut(AttemptTimedOut m) {
    if (m.attempt() != attempt || waiting) {
      return this;
    }
    return attemptFailed("exceeded its time budget of " + policy.runTimeoutMillis() + " ms");
  }

  /** Stops the attempt's children; retries (after recording the failure) or fails for good. */
  private Behavior<Command> attemptFailed(String reason) {
    stopChildren();
    timers.cancelAll();
    waiting = true;
    if (failures < policy.maxRetries()) {
      getContext()
          .ask(
              FarmJournal.Recorded.class,
              journal,
              FarmJournal.WAIT,
              replyTo -> new FarmJournal.RecordFailure(config.id(), reason, replyTo),
              (rec, err) -> new FailureRecorded(reason, rec, err));
      return this;
    }
    int attempts = failures + 1;
    return end(
        resultWithoutEstimate(
            reason + " (final after " + attempts + " attempt" + (attempts == 1 ? "" : "s") + ")"));
  }

  private Behavior<Command> onFailureRecorded(FailureRecorded m) {
    if (m.error() != null) {
      throw new IllegalStateException(
          "the journal did not record a failure of " + config.id() + ": " + m.error().getMessage(),
          m.error());
    }
    failures = m.recorded().failures();
    long wait = policy.backoffMillis(failures);
    getContext()
        .getLog()
        .warn(
            "run {} failed (attempt {}): {}; retrying in {} ms",
            config.id(),
            failures,
            m.reason(),
            wait);
    timers.startSingleTimer(Retry.INSTANCE, Duration.ofMillis(wait));
    return this;
  }

  private Behavior<Command> onRetry() {
    startAttempt();
    return this;
  }

  private void stopChildren() {
    for (ActorRef<?> child : List.of(trainer, estimator)) {
      getContext().unwatch(child);
      getContext().stop(child);
    }
  }

  private Behavior<Command> end(RunResult result) {
    stopChildren();
    long now = System.nanoTime();
    long trained = trainedNanos == 0 ? now : trainedNanos;
    RunResult timed =
        result.withTimes(
            (trained - trainingStartNanos) / 1e9, trainedNanos == 0 ? 0 : (now - trained) / 1e9);
    saveNetwork(timed);
    parent.tell(new Ended(timed));
    return Behaviors.stopped();
  }

  /**
   * The final network goes to {@code networks/<run-id>.json} before the result is persisted, so
   * results.json can list it and {@code lipfarm estimate} or {@code reestimate} can read it again.
   */
  private void saveNetwork(RunResult result) {
    if (checkpoints == null || finalWeights == null || !finite(finalWeights)) {
      return;
    }
    try {
      NetworkFiles.write(checkpoints.dir().getParent(), config, finalWeights);
    } catch (java.io.IOException e) {
      getContext().getLog().warn("run {}: could not save its network", result.runId(), e);
    }
  }

  private RunResult resultWithoutEstimate(String error) {
    TrainingOutcome o = outcome;
    String name = error != null ? "failed" : outcomeName(o);
    return new RunResult(
        config.id(),
        config,
        name,
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

  private static boolean finite(NetworkSnapshot net) {
    return net.layers().stream()
        .allMatch(l -> Arrays.stream(l.weights()).allMatch(Double::isFinite));
  }

  /** A min-lipschitz run's objective: its start, the start's estimate and the trainer's account. */
  private static final class ObjectiveTrack {
    final Trainer.ObjectiveStarted started;
    LipschitzEstimate startEstimate;
    Trainer.ObjectiveEnded ended;

    ObjectiveTrack(Trainer.ObjectiveStarted started) {
      this.started = started;
    }

    FarmEvent.ObjectiveFinished finished(LipschitzEstimate end) {
      LipschitzEstimate s = startEstimate;
      return new FarmEvent.ObjectiveFinished(
          ended.runId(),
          ended.boundMethod(),
          ended.startEpoch(),
          ended.steps(),
          ended.backtracks(),
          ended.startBound(),
          ended.endBound(),
          s.lower(),
          s.lowerMethod(),
          s.upper(),
          s.upperMethod(),
          end.lower(),
          end.upper(),
          end.upper() > s.upper(),
          ended.path());
    }
  }
}
