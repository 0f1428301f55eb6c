package lipfarm.farm;

import org.apache.pekko.actor.typed.Behavior;

/** How the coordinator makes the two children of a run; tests substitute probes. */
public interface RunChildren {
  Behavior<Trainer.Command> trainer();

  Behavior<Estimator.Command> estimator();

  /** The real ND4J trainer and estimator. */
  static RunChildren real() {
    return new RunChildren() {
      @Override
      public Behavior<Trainer.Command> trainer() {
        return Trainer.create();
      }

      @Override
      public Behavior<Estimator.Command> estimator() {
        return Estimator.create();
      }
    };
  }

  /**
   * The real trainer (checkpointing into {@code checkpoints} every {@code every} epochs) and
   * estimator.
   */
  static RunChildren real(lipfarm.farm.durable.CheckpointStore checkpoints, int every) {
    return new RunChildren() {
      @Override
      public Behavior<Trainer.Command> trainer() {
        return Trainer.create(checkpoints, every);
      }

      @Override
      public Behavior<Estimator.Command> estimator() {
        return Estimator.create();
      }
    };
  }
}
