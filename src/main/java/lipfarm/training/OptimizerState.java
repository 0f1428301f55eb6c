package lipfarm.training;

import java.nio.Buffer;
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
 *
 * <p>Like {@link FlatParameters}, the state lives in ND4J arrays or, when only the fused kernel
 * updates it, in a heap buffer (then {@link #apply} is not available).
 */
final class OptimizerState {
  private final Optimizer optimizer;
  private final INDArray velocity; // SGD momentum
  private final AdamUpdater adam;
  private final INDArray adamState; // [m | v], the updater's state view
  private final Adam adamConfig;
  private final Buffer heap; // heap storage: [m | v], the velocity, or null (GD)

  /** Zero state for {@code total} parameters, in ND4J arrays. */
  OptimizerState(Optimizer optimizer, DataType dtype, int total) {
    this(optimizer, dtype, total, true);
  }

  /**
   * Zero state for {@code total} parameters.
   *
   * @param nd4j whether to keep it in ND4J arrays (else only the fused kernel may update it)
   */
  OptimizerState(Optimizer optimizer, DataType dtype, int total, boolean nd4j) {
    this.optimizer = optimizer;
    if (!nd4j) {
      velocity = null;
      adam = null;
      adamState = null;
      adamConfig = null;
      heap =
          switch (optimizer.kind()) {
            case GD -> null;
            case SGD -> FlatParameters.heapBuffer(dtype, total);
            case ADAM -> FlatParameters.heapBuffer(dtype, 2 * total);
          };
      return;
    }
    heap = null;
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
    if (!p.nd4j()) {
      throw new IllegalStateException("heap-stored parameters are updated by the fused kernel");
    }
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

  /**
   * The values the fused kernel updates, a DoubleBuffer or FloatBuffer by dtype: Adam's moments,
   * SGD's velocity, or null for GD.
   */
  Buffer buffer() {
    if (heap != null || (adamState == null && velocity == null)) {
      return heap;
    }
    return FlatParameters.nioView(adamState != null ? adamState : velocity);
  }

  /** Adam's state (a copy), or null for other optimisers. */
  double[] adamValues() {
    return optimizer.kind() == Optimizer.Kind.ADAM ? copy() : null;
  }

  /** SGD's velocity (a copy), or null for other optimisers. */
  double[] velocityValues() {
    return optimizer.kind() == Optimizer.Kind.SGD ? copy() : null;
  }

  private double[] copy() {
    Buffer b = buffer();
    double[] v = new double[b.capacity()];
    FlatParameters.copyOut(b, v);
    return v;
  }

  /** Whether a captured state with these two parts (null when absent) fits this optimiser. */
  boolean fits(double[] adamValues, double[] velocityValues) {
    return (optimizer.kind() == Optimizer.Kind.ADAM) == (adamValues != null)
        && (optimizer.kind() == Optimizer.Kind.SGD) == (velocityValues != null);
  }

  /**
   * Restores state captured from an optimiser of the same configuration (see {@link #fits}).
   *
   * @throws IllegalStateException if the state has the wrong size
   */
  void restore(double[] adamValues, double[] velocityValues) {
    double[] v = optimizer.kind() == Optimizer.Kind.ADAM ? adamValues : velocityValues;
    if (v == null) {
      return;
    }
    Buffer b = buffer();
    if (v.length != b.capacity()) {
      throw new IllegalStateException("checkpoint's optimiser state has the wrong size");
    }
    FlatParameters.copyIn(v, b);
  }
}
