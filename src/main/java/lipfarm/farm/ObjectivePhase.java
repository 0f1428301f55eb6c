package lipfarm.farm;

import java.util.List;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent.Converged;
import lipfarm.protocol.FarmEvent.ObjectivePoint;
import lipfarm.protocol.FarmEvent.TrainingProgress;
import lipfarm.training.EpochStats;
import lipfarm.training.LipschitzObjective;
import lipfarm.training.MlpTrainer;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The second phase of a {@code min-lipschitz} run inside a {@link Trainer}: once the net fits, it
 * minimises the certified Lipschitz bound while keeping the fit. A plain helper, not an actor: the
 * trainer drives it chunk by chunk with its own {@code TrainChunk} messages, so the protocol does
 * not change. Its epochs continue the training's: epoch = fit epoch + objective steps.
 */
final class ObjectivePhase {

  private final String runId;
  private final MlpTrainer trainer;
  private final LipschitzObjective objective;
  private final int startEpoch;
  private final ActorRef<Trainer.Reply> replyTo;

  private ObjectivePhase(
      String runId,
      MlpTrainer trainer,
      LipschitzObjective objective,
      int startEpoch,
      ActorRef<Trainer.Reply> replyTo) {
    this.runId = runId;
    this.trainer = trainer;
    this.objective = objective;
    this.startEpoch = startEpoch;
    this.replyTo = replyTo;
  }

  /**
   * Starts the objective from {@code trainer}'s weights, which fit for the first time ({@code fit}
   * is their evaluation), and sends {@link Trainer.ObjectiveStarted}.
   */
  static ObjectivePhase start(
      RunConfig config, MlpTrainer trainer, EpochStats fit, ActorRef<Trainer.Reply> replyTo) {
    Converged start =
        new Converged(
            config.id(),
            fit.epoch(),
            fit.loss(),
            fit.maxError(),
            fit.signFit(),
            fit.normW(),
            fit.normA());
    LipschitzObjective objective =
        new LipschitzObjective(trainer, config.maxEpochs(), config.learningRate());
    ObjectivePhase phase =
        new ObjectivePhase(config.id(), trainer, objective, fit.epoch(), replyTo);
    replyTo.tell(new Trainer.ObjectiveStarted(start, trainer.snapshot(), objective.boundMethod()));
    return phase;
  }

  /**
   * One chunk of at most {@code steps} objective steps. Returns true when the objective ended,
   * after sending {@link Trainer.ObjectiveEnded} and then {@link Trainer.Ended}; otherwise sends
   * progress (and a snapshot when due) showing the best fitting weights so far.
   */
  boolean runChunk(int steps, SnapshotSchedule snapshots) {
    for (int i = 0; i < steps; i++) {
      if (!objective.step()) {
        end();
        return true;
      }
    }
    EpochStats b = objective.bestStats();
    int epoch = startEpoch + objective.steps();
    replyTo.tell(
        new Trainer.Progressed(
            new TrainingProgress(
                runId,
                epoch,
                b.loss(),
                b.maxError(),
                b.signFit(),
                Double.NaN,
                Double.NaN,
                b.minMargin(),
                Double.NaN)));
    snapshots.maybeSend(epoch, objective::bestSnapshot);
    return false;
  }

  private void end() {
    EpochStats f = trainer.evaluate(); // the trainer now holds the best fitting weights
    List<ObjectivePoint> path =
        objective.path().stream()
            .map(p -> new ObjectivePoint(p.step(), p.lambda(), p.bound(), p.best()))
            .toList();
    replyTo.tell(
        new Trainer.ObjectiveEnded(
            runId,
            objective.boundMethod(),
            startEpoch,
            objective.steps(),
            objective.backtracks(),
            objective.startBound(),
            objective.bestBound(),
            path));
    replyTo.tell(
        new Trainer.Ended(
            new Converged(
                runId,
                startEpoch + objective.steps(),
                f.loss(),
                f.maxError(),
                f.signFit(),
                f.normW(),
                f.normA()),
            trainer.snapshot()));
  }
}
