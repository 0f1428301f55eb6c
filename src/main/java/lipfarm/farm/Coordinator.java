package lipfarm.farm;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import lipfarm.config.RunConfig;
import lipfarm.farm.durable.DurableFarm;
import lipfarm.farm.durable.FarmJournal;
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
 * Runs a farm: at most {@code maxConcurrentRuns} configurations at once, each with one trainer and
 * one estimator child, and every fact forwarded to the reporter. Owns the run states; a
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

  // Durable farms (see DurableFarm): the journal's acknowledgements, retries and time budgets.
  private record ResultRecorded(RunResult result, Throwable error) implements Command {}

  private record FailureRecorded(RunConfig config, String reason, int failures, Throwable error)
      implements Command {}

  private record Requeue(RunConfig config) implements Command {}

  private record AttemptTimedOut(String runId, long attempt) implements Command {}

  /** Per-run state while a configuration is active. */
  private static final class ActiveRun {
    final RunConfig config;
    final ActorRef<Trainer.Command> trainer;
    final ActorRef<Estimator.Command> estimator;
    TrainingOutcome outcome;
    boolean trainerDone;
    long attempt; // which start of this run (time budgets of earlier attempts are ignored)
    final long startNanos = System.nanoTime(); // wall times in RunResult
    long trainedNanos; // when the trainer reported its outcome (0: not yet)

    ActiveRun(
        RunConfig config,
        ActorRef<Trainer.Command> trainer,
        ActorRef<Estimator.Command> estimator) {
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
  private final DurableFarm
      durable; // null: nothing persisted, no retries (tests, lipfarm estimate)
  private int recording; // results and failures sent to the journal, not yet acknowledged
  private int retrying; // failed runs waiting for their backoff
  private long attempts;

  /**
   * @param farm farm name
   * @param runs the expanded grid; duplicate ids are run once
   * @param maxConcurrent how many configurations may be active at once (≥ 1)
   * @param children factory of the per-run trainer and estimator
   * @param reporter receives every event, in order
   */
  public static Behavior<Command> create(
      String farm,
      List<RunConfig> runs,
      int maxConcurrent,
      RunChildren children,
      ActorRef<Reporter.Command> reporter) {
    return Behaviors.setup(
        ctx -> new Coordinator(ctx, farm, runs, maxConcurrent, children, reporter, null));
  }

  /**
   * A durable farm: runs with a result in {@code durable.state()} are not repeated, every result
   * and failure is persisted before it is published, failed runs are retried with backoff and every
   * attempt has a time budget.
   */
  public static Behavior<Command> create(
      String farm,
      List<RunConfig> runs,
      int maxConcurrent,
      RunChildren children,
      ActorRef<Reporter.Command> reporter,
      DurableFarm durable) {
    return Behaviors.setup(
        ctx -> new Coordinator(ctx, farm, runs, maxConcurrent, children, reporter, durable));
  }

  private Coordinator(
      ActorContext<Command> context,
      String farm,
      List<RunConfig> runs,
      int maxConcurrent,
      RunChildren children,
      ActorRef<Reporter.Command> reporter,
      DurableFarm durable) {
    super(context);
    this.durable = durable;
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("maxConcurrent must be ≥ 1, got " + maxConcurrent);
    }
    this.farm = farm;
    this.maxConcurrent = maxConcurrent;
    this.children = children;
    this.reporter = reporter;
    this.trainerAdapter = context.messageAdapter(Trainer.Reply.class, WrappedTrainerReply::new);
    this.estimatorAdapter =
        context.messageAdapter(Estimator.Reply.class, WrappedEstimatorReply::new);
    for (RunConfig rc : runs) {
      if (seen.add(rc.id())) {
        RunResult done = durable == null ? null : durable.state().results().get(rc.id());
        if (done == null) {
          pending.add(rc);
        } else {
          finished++; // finished in an earlier session of this farm: never run twice
          failed += "failed".equals(done.outcome()) ? 1 : 0;
        }
      }
    }
    publish(new FarmStarted(farm, seen.size(), maxConcurrent));
    if (durable != null) {
      durable.unlogged().forEach(r -> publish(new RunFinished(r.runId(), r)));
    }
    startRuns();
    if (durable != null) {
      checkFarmDone();
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(WrappedTrainerReply.class, this::onTrainerReply)
        .onMessage(WrappedEstimatorReply.class, this::onEstimatorReply)
        .onMessage(ChildStopped.class, this::onChildStopped)
        .onMessageEquals(Cancel.INSTANCE, this::onCancel)
        .onMessage(ResultRecorded.class, this::onResultRecorded)
        .onMessage(FailureRecorded.class, this::onFailureRecorded)
        .onMessage(Requeue.class, this::onRequeue)
        .onMessage(AttemptTimedOut.class, this::onAttemptTimedOut)
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
      ActorRef<Trainer.Command> trainer =
          getContext().spawn(children.trainer(), "trainer-" + id, compute);
      ActorRef<Estimator.Command> estimator =
          getContext().spawn(children.estimator(), "estimator-" + id, compute);
      getContext().watchWith(trainer, new ChildStopped(id, "trainer"));
      getContext().watchWith(estimator, new ChildStopped(id, "estimator"));
      ActiveRun started = new ActiveRun(rc, trainer, estimator);
      started.attempt = ++attempts;
      active.put(id, started);
      if (durable != null && durable.runTimeoutMillis() > 0) {
        getContext()
            .scheduleOnce(
                java.time.Duration.ofMillis(durable.runTimeoutMillis()),
                getContext().getSelf(),
                new AttemptTimedOut(id, started.attempt));
      }
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
      run.trainedNanos = System.nanoTime();
      publish(e.outcome());
      if (e.weights() == null || e.outcome() instanceof Diverged && !finiteWeights(e)) {
        return finish(run, resultWithoutEstimate(run, null));
      }
      run.estimator.tell(
          new Estimator.Estimate(run.config, e.weights(), e.outcome().epochs(), estimatorAdapter));
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
    if (!Double.isFinite(e.lower()) || !Double.isFinite(e.upper())) {
      failed++;
      return finish(
          run,
          resultWithoutEstimate(
              run,
              "estimator produced a NaN/Inf bound (lower "
                  + e.lower()
                  + ", upper "
                  + e.upper()
                  + ")"));
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
            null,
            trainSeconds(run),
            (System.nanoTime() - run.trainedNanos) / 1e9);
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
    publish(
        new FarmCancelled(
            farm, finished, failed, cancelled, (System.nanoTime() - startNanos) / 1_000_000));
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
        error,
        trainSeconds(run),
        run.trainedNanos == 0 ? 0 : (System.nanoTime() - run.trainedNanos) / 1e9);
  }

  /** Wall seconds of training, or until now if the trainer has not finished. */
  private static double trainSeconds(ActiveRun run) {
    return ((run.trainedNanos == 0 ? System.nanoTime() : run.trainedNanos) - run.startNanos) / 1e9;
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
    if (durable != null) {
      return record(run.config, result);
    }
    finished++;
    publish(new RunFinished(run.config.id(), result));
    startRuns();
    if (active.isEmpty() && pending.isEmpty()) {
      publish(
          new FarmFinished(farm, finished, failed, (System.nanoTime() - startNanos) / 1_000_000));
      return Behaviors.stopped();
    }
    return this;
  }

  // ---- durable farms ----------------------------------------------------------------------------

  /**
   * Persists a failure (to retry) or a final result; publishes nothing until the journal has it.
   */
  private Behavior<Command> record(RunConfig config, RunResult result) {
    String id = config.id();
    recording++;
    java.time.Duration timeout = java.time.Duration.ofSeconds(60);
    if ("failed".equals(result.outcome())
        && durable.state().failuresOf(id) + retriesSoFar(id) < durable.maxRetries()) {
      failed--; // not final: it will be retried
      getContext()
          .ask(
              FarmJournal.Recorded.class,
              durable.journal(),
              timeout,
              replyTo -> new FarmJournal.RecordFailure(id, result.error(), replyTo),
              (rec, err) ->
                  new FailureRecorded(
                      config, result.error(), rec == null ? -1 : rec.failures(), err));
    } else {
      RunResult last = result;
      if ("failed".equals(result.outcome())) {
        int attempts = durable.state().failuresOf(id) + retriesSoFar(id) + 1;
        last =
            withError(
                result,
                result.error()
                    + " (final after "
                    + attempts
                    + " attempt"
                    + (attempts == 1 ? "" : "s")
                    + ")");
      }
      RunResult finalResult = last;
      getContext()
          .ask(
              FarmJournal.Recorded.class,
              durable.journal(),
              timeout,
              replyTo -> new FarmJournal.RecordResult(finalResult, replyTo),
              (rec, err) -> new ResultRecorded(finalResult, err));
    }
    startRuns();
    return this;
  }

  private static RunResult withError(RunResult r, String error) {
    return new RunResult(
        r.runId(),
        r.config(),
        r.outcome(),
        r.epochs(),
        r.loss(),
        r.maxError(),
        r.signFit(),
        r.lipLower(),
        r.lipLowerMethod(),
        r.lipUpper(),
        r.lipUpperMethod(),
        r.evaluations(),
        r.bounds(),
        r.measures(),
        error,
        r.trainSeconds(),
        r.estimateSeconds());
  }

  private final Map<String, Integer> retriesThisSession = new java.util.HashMap<>();

  private int retriesSoFar(String id) {
    return retriesThisSession.getOrDefault(id, 0);
  }

  private Behavior<Command> onResultRecorded(ResultRecorded msg) {
    recording--;
    if (msg.error() != null) {
      getContext()
          .getLog()
          .error(
              "the journal did not record the result of {}; stopping the farm",
              msg.result().runId(),
              msg.error());
      throw new IllegalStateException(
          "journal write failed: " + msg.error().getMessage(), msg.error());
    }
    finished++;
    publish(new RunFinished(msg.result().runId(), msg.result()));
    if (durable.checkpoints() != null) {
      durable.checkpoints().delete(msg.result().runId());
    }
    startRuns();
    return checkFarmDone();
  }

  private Behavior<Command> onFailureRecorded(FailureRecorded msg) {
    recording--;
    if (msg.error() != null) {
      getContext()
          .getLog()
          .error(
              "the journal did not record a failure of {}; stopping the farm",
              msg.config().id(),
              msg.error());
      throw new IllegalStateException(
          "journal write failed: " + msg.error().getMessage(), msg.error());
    }
    retriesThisSession.merge(msg.config().id(), 1, Integer::sum);
    long wait = durable.backoffMillis(msg.failures());
    getContext()
        .getLog()
        .warn(
            "run {} failed (attempt {}): {}; retrying in {} ms",
            msg.config().id(),
            msg.failures(),
            msg.reason(),
            wait);
    retrying++;
    getContext()
        .scheduleOnce(
            java.time.Duration.ofMillis(wait), getContext().getSelf(), new Requeue(msg.config()));
    return this;
  }

  private Behavior<Command> onRequeue(Requeue msg) {
    retrying--;
    pending.add(msg.config());
    startRuns();
    return this;
  }

  private Behavior<Command> onAttemptTimedOut(AttemptTimedOut msg) {
    ActiveRun run = active.get(msg.runId());
    if (run == null || run.attempt != msg.attempt()) {
      return this;
    }
    failed++;
    return finish(
        run,
        resultWithoutEstimate(
            run, "exceeded its time budget of " + durable.runTimeoutMillis() + " ms"));
  }

  private Behavior<Command> checkFarmDone() {
    if (active.isEmpty() && pending.isEmpty() && recording == 0 && retrying == 0) {
      publish(
          new FarmFinished(farm, finished, failed, (System.nanoTime() - startNanos) / 1_000_000));
      return Behaviors.stopped();
    }
    return this;
  }
}
