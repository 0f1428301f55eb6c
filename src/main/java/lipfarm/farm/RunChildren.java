package lipfarm.farm;

import org.apache.pekko.actor.typed.Behavior;

/** How a run supervisor makes the two children of a run; tests substitute probes. */
public interface RunChildren {
  /**
   * @param checkpoints the farm's checkpoints (null: none)
   * @param checkpointEvery epochs between checkpoints (0: only when stopped)
   */
  Behavior<Trainer.Command> trainer(CheckpointStore checkpoints, int checkpointEvery);

  Behavior<Estimator.Command> estimator();

  /** The real ND4J trainer and estimator, with the runtime's fault-injection points. */
  static RunChildren real(Faults faults) {
    return new RunChildren() {
      @Override
      public Behavior<Trainer.Command> trainer(CheckpointStore checkpoints, int checkpointEvery) {
        return Trainer.create(checkpoints, checkpointEvery, faults);
      }

      @Override
      public Behavior<Estimator.Command> estimator() {
        return Estimator.create();
      }
    };
  }

  static RunChildren real() {
    return real(Faults.none());
  }
}
