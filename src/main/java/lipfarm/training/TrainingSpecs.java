package lipfarm.training;

import lipfarm.config.RunConfig;

/** Builds the trainer's settings from a configuration of the grid. */
public final class TrainingSpecs {
  private TrainingSpecs() {}

  public static TrainingSpec of(RunConfig c) {
    FitCriterion fit =
        new FitCriterion(FitCriterion.Kind.of(c.fit()), c.tol(), c.margin(), c.mseEpsilon());
    Optimizer opt =
        new Optimizer(
            Optimizer.Kind.of(c.optimizer()),
            c.learningRate(),
            c.momentum(),
            c.batchSize(),
            Optimizer.Schedule.of(c.lrSchedule()),
            c.lrDecayFactor(),
            c.lrDecayEvery());
    WeightBound bound =
        new WeightBound(
            WeightBound.Kind.of(c.weightBound()), c.boundAlpha(), c.boundBeta(), c.boundValue());
    return new TrainingSpec(
        c.hiddenLayerWidths(),
        c.outputDim(),
        c.bias(),
        Activation.of(c.activation()),
        c.leakySlope(),
        Loss.of(c.loss()),
        fit,
        opt,
        bound,
        c.maxEpochs());
  }
}
