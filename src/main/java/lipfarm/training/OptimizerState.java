package lipfarm.training;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The update rule of an {@link MlpTrainer}'s {@link Optimizer} over the flat parameter vector, and
 * its state: SGD's heavy-ball velocity or Adam's moments {@code [m | v]}, each one flat buffer so
 * an update is one or two native ops. It exists apart from the trainer because that state is what a
 * checkpoint must carry besides the weights, and the fused kernel updates the same buffer.
 */
final class OptimizerState {
  private final Optimizer optimizer;
  private final DataType dtype;
  private final INDArray velocity; // SGD momentum
  private final AdamUpdater adam;
  private final INDArray adamState; // [m | v], the updater's state view
  private final Adam adamConfig;

  /** Zero state for {@code total} parameters. */
  OptimizerState(Optimizer optimizer, DataType dtype, int total) {
    this.optimizer = optimizer;
    this.dtype = dtype;
    velocity = optimizer.kind() == Optimizer.Kind.SGD ? Nd4j.zeros(dtype, 1, total) : null;
    if (optimizer.kind() == Optimizer.Kind.ADAM) {
      adamConfig = new Adam(optimizer.learningRate());
      adam = new AdamUpdater(adamConfig);
      adamState = Nd4j.zeros(dtype, 1, 2L * total);
      adam.setStateViewArray(adamState, new long[] {1, total}, 'c', true);
    } else {
      adamConfig = null;
      adam = null;
      adamState = null;
    }
  }

  /**
   * One step at rate {@code lr} from the gradient in {@code p.grad} (which it may overwrite).
   *
   * @param updates the step count, Adam's bias-correction counter
   */
  void apply(FlatParameters p, double lr, int updates, int epoch) {
    INDArray theta = p.theta;
    INDArray grad = p.grad;
    switch (optimizer.kind()) {
      case GD -> theta.subi(grad.muli(lr));
      case SGD -> {
        velocity.muli(optimizer.momentum()).addi(grad);
        Nd4j.getBlasWrapper().level1().axpy(theta.length(), -lr, velocity, theta);
      }
      case ADAM -> {
        adamConfig.setLearningRate(lr);
        adam.applyUpdater(grad, updates, epoch);
        theta.subi(grad);
      }
    }
  }

  /** The buffer the fused kernel updates: Adam's moments, SGD's velocity, or null for GD. */
  INDArray buffer() {
    return adam != null ? adamState : velocity;
  }

  /** Adam's state (a copy), or null for other optimisers. */
  double[] adamValues() {
    return adamState == null ? null : adamState.dup().data().asDouble();
  }

  /** SGD's velocity (a copy), or null for other optimisers. */
  double[] velocityValues() {
    return velocity == null ? null : velocity.dup().data().asDouble();
  }

  /** Whether a captured state with these two parts (null when absent) fits this optimiser. */
  boolean fits(double[] adamValues, double[] velocityValues) {
    return (adamState == null) == (adamValues == null)
        && (velocity == null) == (velocityValues == null);
  }

  /**
   * Restores state captured from an optimiser of the same configuration (see {@link #fits}).
   *
   * @throws IllegalStateException if Adam's state has the wrong size
   */
  void restore(double[] adamValues, double[] velocityValues) {
    if (adamState != null) {
      if (adamValues.length != adamState.length()) {
        throw new IllegalStateException("checkpoint's Adam state has the wrong size");
      }
      adamState.assign(
          Nd4j.create(adamValues, new long[] {1, adamValues.length}, 'c').castTo(dtype));
    }
    if (velocity != null) {
      velocity.assign(
          Nd4j.create(velocityValues, new long[] {1, velocityValues.length}, 'c').castTo(dtype));
    }
  }
}
