package lipfarm.training;

import java.util.List;

/**
 * Everything the trainer needs besides the data and the seed.
 *
 * @param hidden widths of the hidden layers (depth = hidden.size() + 1)
 * @param outputDim output size (1 for the scalar nets of the law of robustness)
 * @param bias whether every layer has a bias
 * @param activation hidden activation
 * @param leakySlope negative-side slope of leaky ReLU, in [0, 1]
 */
public record TrainingSpec(
    List<Integer> hidden,
    int outputDim,
    boolean bias,
    Activation activation,
    double leakySlope,
    Loss loss,
    FitCriterion fit,
    Optimizer optimizer,
    WeightBound bound,
    int maxEpochs) {

  public TrainingSpec {
    hidden = List.copyOf(hidden);
    if (hidden.isEmpty()) {
      throw new IllegalArgumentException("a network needs at least one hidden layer");
    }
    if (outputDim != 1 && loss != Loss.SQUARED) {
      throw new IllegalArgumentException("hinge and logistic losses need a scalar output");
    }
    if (bound.kind() == WeightBound.Kind.PATH && hidden.size() != 1) {
      throw new IllegalArgumentException(
          "the path-norm bound is defined for two-layer networks only");
    }
  }

  /** The farm's original model: two-layer ReLU with biases, full-batch Adam, exact fit. */
  public static TrainingSpec twoLayerRelu(
      int k, boolean bias, double lr, double tol, int maxEpochs) {
    return new TrainingSpec(
        List.of(k),
        1,
        bias,
        Activation.RELU,
        0.0,
        Loss.SQUARED,
        FitCriterion.exact(tol),
        Optimizer.adam(lr),
        WeightBound.none(),
        maxEpochs);
  }

  public int depth() {
    return hidden.size() + 1;
  }
}
