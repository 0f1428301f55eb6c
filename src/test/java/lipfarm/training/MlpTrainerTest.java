package lipfarm.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.estimation.NetworkMath;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MlpTrainerTest {
  /** Central differences in double precision agree with backprop to about 1e-8 relative. */
  private static final double GRAD_TOL = 1e-6;

  private static final double FD_STEP = 1e-6;

  static TrainingSpec spec(
      List<Integer> hidden,
      int out,
      boolean bias,
      Activation act,
      Loss loss,
      Optimizer opt,
      WeightBound wb) {
    return new TrainingSpec(
        hidden, out, bias, act, 0.1, loss, FitCriterion.exact(0.0), opt, wb, 1000);
  }

  /** Backprop of the loss matches central finite differences in every parameter coordinate. */
  private static void checkGradient(Dataset data, double[][] targets, TrainingSpec spec) {
    MlpTrainer t =
        targets == null ? new MlpTrainer(data, spec, 12) : new MlpTrainer(data, targets, spec, 12);
    // Random, non-symmetric weights, biases included; ReLU kinks are hit with probability 0.
    SplittableRandom rng = new SplittableRandom(99);
    double[] p = t.parameters();
    for (int i = 0; i < p.length; i++) {
      p[i] = 0.7 * DataModels.gaussian(rng);
    }
    t.setParameters(p);
    double[] lg = t.lossAndGradient();
    boolean[] isBias = biasMask(data.d(), spec);
    for (int i = 0; i < p.length; i++) {
      if (!spec.bias() && isBias[i]) {
        assertThat(lg[i + 1]).isZero(); // not a parameter of a bias-free net
        continue;
      }
      double[] q = p.clone();
      q[i] = p[i] + FD_STEP;
      t.setParameters(q);
      double up = t.lossAndGradient()[0];
      q[i] = p[i] - FD_STEP;
      t.setParameters(q);
      double down = t.lossAndGradient()[0];
      double fd = (up - down) / (2 * FD_STEP);
      assertThat(lg[i + 1])
          .as("coordinate %d of %s", i, spec)
          .isCloseTo(fd, within(GRAD_TOL * Math.max(1, Math.abs(fd))));
    }
    t.setParameters(p);
  }

  static boolean[] biasMask(int d, TrainingSpec spec) {
    int[] sizes = new int[spec.depth() + 1];
    sizes[0] = d;
    for (int l = 0; l < spec.hidden().size(); l++) {
      sizes[l + 1] = spec.hidden().get(l);
    }
    sizes[spec.depth()] = spec.outputDim();
    int total = 0;
    for (int l = 0; l < spec.depth(); l++) {
      total += sizes[l + 1] * sizes[l] + sizes[l + 1];
    }
    boolean[] mask = new boolean[total];
    int off = 0;
    for (int l = 0; l < spec.depth(); l++) {
      off += sizes[l + 1] * sizes[l];
      for (int j = 0; j < sizes[l + 1]; j++) {
        mask[off + j] = true;
      }
      off += sizes[l + 1];
    }
    return mask;
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void gradientEveryActivationDepthAndBias(Activation act) {
    Dataset data = DataModels.sphereRandomLabels(12, 4, 11);
    for (boolean bias : new boolean[] {true, false}) {
      checkGradient(
          data,
          null,
          spec(List.of(5), 1, bias, act, Loss.SQUARED, Optimizer.adam(0.01), WeightBound.none()));
      checkGradient(
          data,
          null,
          spec(
              List.of(5, 3), 1, bias, act, Loss.SQUARED, Optimizer.adam(0.01), WeightBound.none()));
      checkGradient(
          data,
          null,
          spec(
              List.of(4, 3, 3),
              1,
              bias,
              act,
              Loss.SQUARED,
              Optimizer.adam(0.01),
              WeightBound.none()));
    }
  }

  @ParameterizedTest
  @EnumSource(Loss.class)
  void gradientEveryLoss(Loss loss) {
    Dataset data = DataModels.sphereRandomLabels(12, 4, 13);
    checkGradient(
        data,
        null,
        spec(
            List.of(6),
            1,
            true,
            Activation.SOFTPLUS,
            loss,
            Optimizer.adam(0.01),
            WeightBound.none()));
    checkGradient(
        data,
        null,
        spec(
            List.of(6, 4),
            1,
            false,
            Activation.TANH,
            loss,
            Optimizer.adam(0.01),
            WeightBound.none()));
    checkGradient(
        data,
        null,
        spec(List.of(6), 1, true, Activation.RELU, loss, Optimizer.adam(0.01), WeightBound.none()));
  }

  @Test
  void gradientVectorOutput() {
    Dataset data = DataModels.sphereRandomLabels(10, 4, 17);
    SplittableRandom rng = new SplittableRandom(3);
    double[][] targets = new double[10][3];
    for (double[] row : targets) {
      for (int o = 0; o < 3; o++) {
        row[o] = DataModels.gaussian(rng);
      }
    }
    for (boolean bias : new boolean[] {true, false}) {
      checkGradient(
          data,
          targets,
          spec(
              List.of(5, 4),
              3,
              bias,
              Activation.TANH,
              Loss.SQUARED,
              Optimizer.adam(0.01),
              WeightBound.none()));
      checkGradient(
          data,
          targets,
          spec(
              List.of(5),
              3,
              bias,
              Activation.RELU,
              Loss.SQUARED,
              Optimizer.adam(0.01),
              WeightBound.none()));
    }
  }

  /**
   * The snapshot computes the same function as the trainer (checked through the estimator's forward
   * pass).
   */
  @Test
  void snapshotReproducesTrainedFunction() {
    Dataset data = DataModels.sphereRandomLabels(40, 6, 3);
    MlpTrainer t = new MlpTrainer(data, TrainingSpec.twoLayerRelu(9, true, 0.01, 0.0, 100), 4);
    for (int i = 0; i < 20; i++) {
      t.step();
    }
    double mse = t.evaluate().loss();
    NetworkSnapshot net = t.snapshot();
    double sum = 0;
    for (int i = 0; i < data.n(); i++) {
      double r = NetworkMath.value(net, data.x()[i]) - data.y()[i];
      sum += r * r;
    }
    assertThat(sum / data.n()).isCloseTo(mse, within(1e-12));
    assertThat(net.parameterCount()).isEqualTo(9L * 6 + 9 + 9 + 1);
  }

  /** Over-parametrised nets (k·d well above n) interpolate random labels. */
  @Test
  void interpolatesWhenWideEnough() {
    Dataset data = DataModels.sphereRandomLabels(100, 20, 5);
    MlpTrainer t = new MlpTrainer(data, TrainingSpec.twoLayerRelu(20, true, 0.01, 0.05, 20_000), 6);
    EpochStats s = null;
    for (int i = 0; i < 20_000; i++) {
      s = t.step();
      if (s.maxError() <= 0.05) {
        break;
      }
    }
    assertThat(s.maxError()).isLessThanOrEqualTo(0.05);
    assertThat(s.signFit()).isEqualTo(1.0);
  }

  /** Every optimiser and schedule reduces the loss on an easy problem. */
  @Test
  void everyOptimizerLearns() {
    Dataset data = DataModels.sphereRandomLabels(64, 8, 21);
    List<Optimizer> opts =
        List.of(
            new Optimizer(Optimizer.Kind.GD, 0.5, 0, 0, Optimizer.Schedule.CONSTANT, 1, 1),
            new Optimizer(Optimizer.Kind.SGD, 0.05, 0.9, 16, Optimizer.Schedule.STEP, 0.5, 100),
            new Optimizer(Optimizer.Kind.ADAM, 0.01, 0, 16, Optimizer.Schedule.COSINE, 1, 1),
            Optimizer.adam(0.01));
    for (Optimizer opt : opts) {
      MlpTrainer t =
          new MlpTrainer(
              data,
              spec(List.of(32), 1, true, Activation.RELU, Loss.SQUARED, opt, WeightBound.none()),
              7);
      double before = t.evaluate().loss();
      for (int i = 0; i < 200; i++) {
        t.step();
      }
      assertThat(t.evaluate().loss()).as("%s", opt).isLessThan(0.5 * before);
    }
  }

  /** Same seed, same data: bit-identical weights, with minibatch shuffling too. */
  @Test
  void deterministicInTheSeed() {
    Dataset data = DataModels.sphereRandomLabels(50, 8, 5);
    TrainingSpec s =
        spec(
            List.of(6, 4),
            1,
            true,
            Activation.TANH,
            Loss.SQUARED,
            new Optimizer(Optimizer.Kind.SGD, 0.05, 0.9, 8, Optimizer.Schedule.CONSTANT, 1, 1),
            WeightBound.none());
    MlpTrainer t1 = new MlpTrainer(data, s, 99);
    MlpTrainer t2 = new MlpTrainer(data, s, 99);
    for (int i = 0; i < 30; i++) {
      t1.step();
      t2.step();
    }
    assertThat(t1.parameters()).isEqualTo(t2.parameters());
    assertThat(new MlpTrainer(data, s, 100).parameters())
        .isNotEqualTo(new MlpTrainer(data, s, 99).parameters());
  }
}
