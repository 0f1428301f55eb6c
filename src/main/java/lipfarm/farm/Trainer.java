package lipfarm.farm;

import java.util.List;
import lipfarm.config.RunConfig;
import lipfarm.data.DataSets;
import lipfarm.data.Dataset;
import lipfarm.protocol.FarmEvent.Converged;
import lipfarm.protocol.FarmEvent.DidNotInterpolate;
import lipfarm.protocol.FarmEvent.Diverged;
import lipfarm.protocol.FarmEvent.ObjectivePoint;
import lipfarm.protocol.FarmEvent.TrainingOutcome;
import lipfarm.protocol.FarmEvent.TrainingProgress;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.NetworkSnapshot;
import lipfarm.training.BatchedRestarts;
import lipfarm.training.EpochStats;
import lipfarm.training.MlpTrainer;
import lipfarm.training.TrainingSpec;
import lipfarm.training.TrainingSpecs;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Trains one configuration. Training is chunked: each {@code TrainChunk} message runs a bounded
 * number of epochs and re-sends itself, so the actor stays responsive to {@link Stop} and never
 * holds its dispatcher thread for long. The {@code min-lipschitz} phase after the first fit is
 * {@link ObjectivePhase}; when the weights so far go to the estimator is {@link SnapshotSchedule}.
 */
public final class Trainer extends AbstractBehavior<Trainer.Command> {

  public sealed interface Command extends LipfarmSerializable {}

  /**
   * Train {@code config} and stream replies to {@code replyTo}; every {@code snapshotEvery} epochs
   * or {@code snapshotSeconds} seconds (whichever comes first; 0 = never) a {@link Snapshot} of the
   * weights so far.
   */
  public record Train(
      RunConfig config, int snapshotEvery, int snapshotSeconds, ActorRef<Reply> replyTo)
      implements Command {

    /** Without intermediate snapshots. */
    public Train(RunConfig config, ActorRef<Reply> replyTo) {
      this(config, 0, 0, replyTo);
    }
  }

  public enum Stop implements Command {
    INSTANCE
  }

  private enum TrainChunk implements Command {
    INSTANCE
  }

  public sealed interface Reply extends LipfarmSerializable {}

  /** Training is still running. */
  public record Progressed(TrainingProgress progress) implements Reply {}

  /** The weights after {@code epoch} epochs, for the estimator, while training goes on. */
  public record Snapshot(String runId, int epoch, NetworkSnapshot weights) implements Reply {}

  /** Training continues from a checkpoint taken after {@code epoch} epochs. */
  public record Resumed(String runId, int epoch) implements Reply {}

  /**
   * Training could not run (for example an unreadable data file); the run fails with {@code
   * reason}.
   */
  public record Failed(String runId, String reason) implements Reply {}

  /**
   * A {@code min-lipschitz} run fits for the first time: {@code start} is that fit, {@code weights}
   * its network; the trainer now minimises the certified bound {@code boundMethod}.
   */
  public record ObjectiveStarted(Converged start, NetworkSnapshot weights, String boundMethod)
      implements Reply {}

  /** The objective's course; sent just before {@link Ended}. */
  public record ObjectiveEnded(
      String runId,
      String boundMethod,
      int startEpoch,
      int steps,
      int backtracks,
      double startBound,
      double endBound,
      List<ObjectivePoint> path)
      implements Reply {}

  /**
   * Training ended; {@code weights} is the final (or, after divergence, the last finite) network.
   */
  public record Ended(TrainingOutcome outcome, NetworkSnapshot weights) implements Reply {}

  /** Epochs per message: ~0.5 ms each at the default sizes, so a chunk is well under a second. */
  static final int CHUNK_EPOCHS = 250;

  /** Loss above this multiple of the initial loss counts as divergence. */
  static final double EXPLOSION_FACTOR = 1e6;

  private MlpTrainer trainer;
  private BatchedRestarts batched; // set instead of trainer when the configuration has restarts
  private TrainingSpec spec;
  private RunConfig config;
  private ActorRef<Reply> replyTo;
  private double initialLoss = Double.NaN;
  private NetworkSnapshot lastFinite;
  private final CheckpointStore checkpoints; // null: no checkpoints
  private final int checkpointEvery;
  private int lastCheckpointEpoch;
  private boolean ended; // outcome reported or failed: nothing left to checkpoint
  private final Faults faults;
  private SnapshotSchedule snapshots;
  private ObjectivePhase objective; // min-lipschitz, once the net fits

  public static Behavior<Command> create() {
    return Behaviors.setup(ctx -> new Trainer(ctx, null, 0, Faults.none()));
  }

  /**
   * A trainer that resumes from {@code checkpoints} when its run has a checkpoint, writes one every
   * {@code checkpointEvery} epochs (at chunk ends; 0: only when stopped) and one when it is stopped
   * before its run ended (a shutdown, a timeout), so a re-queued run continues bit-identically.
   */
  public static Behavior<Command> create(
      CheckpointStore checkpoints, int checkpointEvery, Faults faults) {
    return Behaviors.setup(ctx -> new Trainer(ctx, checkpoints, checkpointEvery, faults));
  }

  private Trainer(
      ActorContext<Command> context,
      CheckpointStore checkpoints,
      int checkpointEvery,
      Faults faults) {
    super(context);
    this.checkpoints = checkpoints;
    this.checkpointEvery = checkpointEvery;
    this.faults = faults;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(
            Train.class, msg -> failSafe(msg.config().id(), msg.replyTo(), () -> onTrain(msg)))
        .onMessageEquals(
            TrainChunk.INSTANCE, () -> failSafe(config.id(), replyTo, this::onTrainChunk))
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  /** Stopped between two chunks before the run ended: keep the work done so far. */
  private Behavior<Command> onPostStop() {
    // The objective phase is not checkpointed: a resumed run starts it again from the fit's
    // checkpoint (it is deterministic), and the trainer's weights are the objective's by now.
    if (checkpoints != null
        && trainer != null
        && objective == null
        && !ended
        && trainer.epoch() > lastCheckpointEpoch) {
      try {
        checkpoint();
      } catch (RuntimeException e) {
        getContext().getLog().warn("run {}: could not checkpoint on stop", config.id(), e);
      }
    }
    return this;
  }

  private void checkpoint() {
    checkpoints.save(config.id(), new CheckpointStore.Checkpoint(initialLoss, trainer.capture()));
    lastCheckpointEpoch = trainer.epoch();
    faults.checkpointWritten(config.id(), lastCheckpointEpoch);
  }

  /**
   * Runs a handler; an exception becomes a {@link Failed} reply and stops this trainer, so the
   * coordinator learns why and the farm goes on.
   */
  private Behavior<Command> failSafe(
      String runId, ActorRef<Reply> to, java.util.function.Supplier<Behavior<Command>> handler) {
    try {
      return handler.get();
    } catch (RuntimeException e) {
      getContext().getLog().warn("run {} failed", runId, e);
      ended = true; // the state may be half-updated: never checkpoint it
      to.tell(new Failed(runId, e.getClass().getSimpleName() + ": " + e.getMessage()));
      return Behaviors.stopped();
    }
  }

  private Behavior<Command> onTrain(Train msg) {
    if (trainer != null) {
      getContext().getLog().warn("ignoring a second Train for {}", msg.config().id());
      return this;
    }
    config = msg.config();
    replyTo = msg.replyTo();
    snapshots =
        new SnapshotSchedule(config.id(), msg.snapshotEvery(), msg.snapshotSeconds(), replyTo);
    spec = TrainingSpecs.of(config);
    if (config.restarts() > 1) {
      // Restarts are trained as one computation and not checkpointed: a re-queued run trains
      // them again from the start, which gives the same result (the seeds are fixed).
      Dataset data = DataSets.create(config.dataSpec(), config.dataSeed());
      long[] seeds = new long[config.restarts()];
      for (int r = 0; r < seeds.length; r++) {
        seeds[r] = config.restartSeed(r);
      }
      batched = new BatchedRestarts(data, spec, seeds, dtype());
      getContext().getSelf().tell(TrainChunk.INSTANCE);
      return this;
    }
    trainer = newTrainer();
    if (checkpoints != null) {
      checkpoints.load(config.id()).ifPresent(this::resume);
    }
    getContext().getSelf().tell(TrainChunk.INSTANCE);
    return this;
  }

  private void resume(CheckpointStore.Checkpoint c) {
    try {
      trainer.restore(c.state());
    } catch (IllegalStateException e) {
      // Not this run's state (or a changed trainer): start over rather than train on garbage.
      getContext().getLog().warn("run {}: ignoring checkpoint: {}", config.id(), e.getMessage());
      trainer = newTrainer();
      return;
    }
    initialLoss = c.initialLoss();
    lastFinite = trainer.snapshot();
    lastCheckpointEpoch = trainer.epoch();
    snapshots.resumedAt(trainer.epoch());
    replyTo.tell(new Resumed(config.id(), trainer.epoch()));
  }

  private MlpTrainer newTrainer() {
    Dataset data = DataSets.create(config.dataSpec(), config.dataSeed());
    return new MlpTrainer(
        data,
        MlpTrainer.targetsFromLabels(data.y(), spec.outputDim()),
        spec,
        config.initSeed(),
        dtype());
  }

  private DataType dtype() {
    return "float".equals(config.precision()) ? DataType.FLOAT : DataType.DOUBLE;
  }

  /**
   * One chunk of batched restarts. The run's outcome is that of the first restart to fit (the
   * lowest index on a tie); if none fits within max-epochs, the restart with the lowest loss.
   */
  private Behavior<Command> onBatchedChunk() {
    String id = config.id();
    for (int i = 0; i < CHUNK_EPOCHS; i++) {
      List<BatchedRestarts.RestartStats> all = batched.step();
      if (Double.isNaN(initialLoss)) {
        initialLoss = all.stream().mapToDouble(r -> r.stats().loss()).min().orElse(Double.NaN);
      }
      for (BatchedRestarts.RestartStats r : all) {
        EpochStats s = r.stats();
        if (!s.finite() || s.loss() > EXPLOSION_FACTOR * Math.max(initialLoss, 1e-12)) {
          String reason =
              "restart "
                  + r.restart()
                  + ": "
                  + (!s.finite()
                      ? "loss or outputs became NaN/Inf"
                      : "loss exploded above 1e6 × initial");
          ended = true;
          replyTo.tell(
              new Ended(
                  new Diverged(id, s.epoch(), s.loss(), s.maxError(), s.signFit(), reason),
                  lastFinite));
          return Behaviors.stopped();
        }
      }
      for (BatchedRestarts.RestartStats r : all) {
        if (spec.fit().fitted(r.stats())) {
          EpochStats s = r.stats();
          NetworkSnapshot net = batched.snapshot(r.restart());
          ended = true;
          replyTo.tell(
              new Ended(
                  new Converged(
                      id,
                      s.epoch(),
                      s.loss(),
                      s.maxError(),
                      s.signFit(),
                      norm(net, 0),
                      norm(net, 1)),
                  net));
          return Behaviors.stopped();
        }
      }
      if (batched.epoch() >= config.maxEpochs()) {
        BatchedRestarts.RestartStats best = bestByLoss(batched.evaluate());
        EpochStats s = best.stats();
        NetworkSnapshot net = batched.snapshot(best.restart());
        ended = true;
        replyTo.tell(
            new Ended(
                new DidNotInterpolate(
                    id, s.epoch(), s.loss(), s.maxError(), s.signFit(), norm(net, 0), norm(net, 1)),
                net));
        return Behaviors.stopped();
      }
    }
    BatchedRestarts.RestartStats best = bestByLoss(batched.evaluate());
    EpochStats s = best.stats();
    lastFinite = batched.snapshot(best.restart());
    replyTo.tell(
        new Progressed(
            new TrainingProgress(
                id,
                s.epoch(),
                s.loss(),
                s.maxError(),
                s.signFit(),
                norm(lastFinite, 0),
                norm(lastFinite, 1),
                s.minMargin(),
                Double.NaN)));
    snapshots.maybeSend(batched.epoch(), lastFinite);
    getContext().getSelf().tell(TrainChunk.INSTANCE);
    return this;
  }

  private static BatchedRestarts.RestartStats bestByLoss(List<BatchedRestarts.RestartStats> all) {
    return all.stream()
        .min(java.util.Comparator.comparingDouble(r -> r.stats().loss()))
        .orElseThrow();
  }

  /** Frobenius norm of a layer's weights (layer 0: ‖W‖_F; layer 1: ‖a‖₂). */
  private static double norm(NetworkSnapshot net, int layer) {
    double s = 0;
    for (double v : net.layers().get(layer).weights()) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  private Behavior<Command> onTrainChunk() {
    if (batched != null) {
      return onBatchedChunk();
    }
    if (objective != null) {
      return onObjectiveChunk();
    }
    String id = config.id();
    for (int i = 0; i < CHUNK_EPOCHS; i++) {
      EpochStats s = trainer.step();
      if (Double.isNaN(initialLoss)) {
        initialLoss = s.loss();
      }
      if (!s.finite() || s.loss() > EXPLOSION_FACTOR * Math.max(initialLoss, 1e-12)) {
        String reason =
            !s.finite() ? "loss or outputs became NaN/Inf" : "loss exploded above 1e6 × initial";
        Diverged d = new Diverged(id, s.epoch(), s.loss(), s.maxError(), s.signFit(), reason);
        ended = true;
        replyTo.tell(new Ended(d, lastFinite));
        return Behaviors.stopped();
      }
      if (spec.fit().fitted(s) && config.minimisesLipschitz()) {
        startObjective();
        getContext().getSelf().tell(TrainChunk.INSTANCE);
        return this;
      }
      if (spec.fit().fitted(s)) {
        EpochStats f = trainer.evaluate(); // the same weights, with their norms
        ended = true;
        replyTo.tell(
            new Ended(
                new Converged(
                    id, f.epoch(), f.loss(), f.maxError(), f.signFit(), f.normW(), f.normA()),
                trainer.snapshot()));
        return Behaviors.stopped();
      }
      if (trainer.epoch() >= config.maxEpochs()) {
        EpochStats f = trainer.evaluate(); // the weights after the last step
        ended = true;
        replyTo.tell(
            new Ended(
                new DidNotInterpolate(
                    id, f.epoch(), f.loss(), f.maxError(), f.signFit(), f.normW(), f.normA()),
                trainer.snapshot()));
        return Behaviors.stopped();
      }
    }
    EpochStats last = trainer.evaluate();
    lastFinite = trainer.snapshot();
    replyTo.tell(
        new Progressed(
            new TrainingProgress(
                id,
                last.epoch(),
                last.loss(),
                last.maxError(),
                last.signFit(),
                last.normW(),
                last.normA(),
                last.minMargin(),
                last.constraint())));
    if (checkpoints != null
        && checkpointEvery > 0
        && trainer.epoch() - lastCheckpointEpoch >= checkpointEvery) {
      checkpoint();
    }
    snapshots.maybeSend(trainer.epoch(), lastFinite);
    getContext().getSelf().tell(TrainChunk.INSTANCE);
    return this;
  }

  /**
   * min-lipschitz: the net fits for the first time. Checkpointed here, so a resumed run starts the
   * objective from this very network; the supervisor has it estimated with the full budget.
   */
  private void startObjective() {
    EpochStats f = trainer.evaluate();
    if (checkpoints != null && trainer.epoch() > lastCheckpointEpoch) {
      checkpoint();
    }
    objective = ObjectivePhase.start(config, trainer, f, replyTo);
  }

  /** One chunk of the objective (see {@link ObjectivePhase}). */
  private Behavior<Command> onObjectiveChunk() {
    if (objective.runChunk(CHUNK_EPOCHS, snapshots)) {
      ended = true;
      return Behaviors.stopped();
    }
    getContext().getSelf().tell(TrainChunk.INSTANCE);
    return this;
  }
}
