package lipfarm.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The fused two-layer kernel against ND4J's ops (the independent reference: ND4J's gemm,
 * activations and AdamUpdater), step by step, in both precisions.
 */
class TwoLayerKernelTest {
  /** Double trajectories differ only by summation order: 25 steps stay within 1e-9. */
  private static final double DOUBLE_TOL = 1e-9;

  /** Float trajectories (ND4J rounds every op, the kernel fewer): within 1e-4 after 25 steps. */
  private static final double FLOAT_TOL = 1e-4;

  private static final int STEPS = 25;

  private static final Dataset DATA = DataModels.sphereRandomLabels(30, 5, 8);

  private static TrainingSpec spec(Activation act, Loss loss, Optimizer opt, WeightBound wb) {
    return new TrainingSpec(
        List.of(7), 1, true, act, 0.1, loss, FitCriterion.exact(0.0), opt, wb, 1000);
  }

  private static MlpTrainer trainer(TrainingSpec s, DataType dtype, boolean fused) {
    return new MlpTrainer(DATA, MlpTrainer.targetsFromLabels(DATA.y(), 1), s, 5, dtype, fused);
  }

  private static void assertSameTrajectory(TrainingSpec s, DataType dtype, double tol) {
    MlpTrainer fused = trainer(s, dtype, true);
    MlpTrainer reference = trainer(s, dtype, false);
    for (int i = 0; i < STEPS; i++) {
      EpochStats a = fused.step();
      EpochStats b = reference.step();
      assertThat(a.maxError())
          .as("%s %s step %d", s, dtype, i)
          .isCloseTo(b.maxError(), within(tol));
      assertThat(a.loss()).isCloseTo(b.loss(), within(tol));
    }
    double[] p = fused.parameters();
    double[] q = reference.parameters();
    for (int i = 0; i < p.length; i++) {
      assertThat(p[i]).as("%s %s parameter %d", s, dtype, i).isCloseTo(q[i], within(tol));
    }
    assertThat(fused.epoch()).isEqualTo(reference.epoch());
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void followsTheNd4jStepForEveryActivationLossAndOptimizer(Activation act) {
    List<Optimizer> opts =
        List.of(
            Optimizer.adam(0.02),
            new Optimizer(Optimizer.Kind.ADAM, 0.05, 0, 0, Optimizer.Schedule.COSINE, 1, 1),
            new Optimizer(Optimizer.Kind.GD, 0.3, 0, 0, Optimizer.Schedule.CONSTANT, 1, 1),
            new Optimizer(Optimizer.Kind.SGD, 0.1, 0.9, 0, Optimizer.Schedule.STEP, 0.5, 5));
    for (Loss loss : Loss.values()) {
      for (Optimizer opt : opts) {
        assertSameTrajectory(spec(act, loss, opt, WeightBound.none()), DataType.DOUBLE, DOUBLE_TOL);
      }
    }
    assertSameTrajectory(
        spec(act, Loss.SQUARED, Optimizer.adam(0.02), WeightBound.none()),
        DataType.FLOAT,
        FLOAT_TOL);
  }

  /**
   * Without a weight bound the fused trainer keeps its parameters and optimiser state on the heap,
   * so a farm of two-layer nets never starts ND4J's native backend (the trajectories above compare
   * that storage with ND4J's ops); the projections need ND4J views, the ND4J path its arrays.
   */
  @Test
  void fusedTrainerWithoutWeightBoundKeepsItsParametersOffNd4j() {
    TrainingSpec free =
        spec(Activation.RELU, Loss.SQUARED, Optimizer.adam(0.05), WeightBound.none());
    TrainingSpec bounded =
        spec(
            Activation.RELU,
            Loss.SQUARED,
            Optimizer.adam(0.05),
            new WeightBound(WeightBound.Kind.PER_NEURON, 0.4, 0.3, 0));
    for (DataType dtype : List.of(DataType.DOUBLE, DataType.FLOAT)) {
      assertThat(trainer(free, dtype, true).parametersOnNd4j()).as("%s", dtype).isFalse();
      assertThat(trainer(bounded, dtype, true).parametersOnNd4j()).isTrue();
      assertThat(trainer(free, dtype, false).parametersOnNd4j()).isTrue();
    }
    // A heap-stored trainer restores its own checkpoint and continues bit-identically.
    MlpTrainer a = trainer(free, DataType.DOUBLE, true);
    for (int i = 0; i < 5; i++) {
      a.step();
    }
    MlpTrainer b = trainer(free, DataType.DOUBLE, true);
    b.restore(a.capture());
    for (int i = 0; i < 5; i++) {
      assertThat(b.step()).isEqualTo(a.step());
    }
    assertThat(b.parameters()).containsExactly(a.parameters());
  }

  /** Weight bounds still project the kernel's parameters (they share the trainer's buffers). */
  @Test
  void projectionsApplyToTheKernelsParameters() {
    for (WeightBound wb :
        List.of(
            new WeightBound(WeightBound.Kind.PER_NEURON, 0.4, 0.3, 0),
            new WeightBound(WeightBound.Kind.SPECTRAL, 1, 1, 0.5),
            new WeightBound(WeightBound.Kind.PATH, 1, 1, 0.8))) {
      assertSameTrajectory(
          spec(Activation.RELU, Loss.SQUARED, Optimizer.adam(0.05), wb),
          DataType.DOUBLE,
          DOUBLE_TOL);
    }
  }

  /** Several row blocks (n > block): their gradients add up to the full-batch gradient. */
  @Test
  void rowBlocksAddUpToTheFullBatchGradient() {
    Dataset data = DataModels.sphereRandomLabels(200, 5, 9);
    TrainingSpec s =
        new TrainingSpec(
            List.of(450),
            1,
            true,
            Activation.RELU,
            0,
            Loss.SQUARED,
            FitCriterion.exact(0.0),
            Optimizer.adam(0.01),
            WeightBound.none(),
            100);
    assertThat(TwoLayerKernel.blockRows(200, 450)).isLessThan(100); // at least three blocks
    double[][] t = MlpTrainer.targetsFromLabels(data.y(), 1);
    MlpTrainer fused = new MlpTrainer(data, t, s, 3, DataType.DOUBLE, true);
    MlpTrainer reference = new MlpTrainer(data, t, s, 3, DataType.DOUBLE, false);
    double[] gf = fused.lossAndGradient();
    double[] gr = reference.lossAndGradient();
    for (int i = 0; i < gf.length; i++) {
      assertThat(gf[i]).as("entry %d", i).isCloseTo(gr[i], within(DOUBLE_TOL));
    }
  }

  /** The float kernel's gradient is the double kernel's, rounded: same parameters, both paths. */
  @Test
  void floatGradientAgreesWithDouble() {
    TrainingSpec s = spec(Activation.RELU, Loss.SQUARED, Optimizer.adam(0.01), WeightBound.none());
    MlpTrainer f = trainer(s, DataType.FLOAT, true);
    MlpTrainer d = trainer(s, DataType.DOUBLE, true);
    SplittableRandom rng = new SplittableRandom(4);
    double[] p = d.parameters();
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) (0.7 * DataModels.gaussian(rng)); // exactly representable in both
    }
    f.setParameters(p);
    d.setParameters(p);
    double[] gf = f.lossAndGradient();
    double[] gd = d.lossAndGradient();
    for (int i = 0; i < gd.length; i++) {
      assertThat(gf[i]).as("entry %d", i).isCloseTo(gd[i], within(FLOAT_TOL));
    }
  }

  @Test
  void nativeLibrariesRunOneThreadPerCall() {
    Nd4jRuntime.ThreadCounts t = Nd4jRuntime.threadCounts();
    assertThat(t.openBlas()).isEqualTo(1);
    assertThat(t.openMp()).isEqualTo(1);
  }
}
