package lipfarm.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.estimation.NetworkMath;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Projection onto weight-bounded classes, checked independently on the snapshots. */
class WeightBoundTest {
  /** The tolerance: the bound holds within 1e-6 relative after every step. */
  private static final double BOUND_TOL = 1e-6;

  private static final double LIMIT = 0.8;

  private static WeightBound bound(WeightBound.Kind kind) {
    return new WeightBound(kind, LIMIT, LIMIT, LIMIT);
  }

  private static TrainingSpec spec(WeightBound.Kind kind, List<Integer> hidden) {
    // A large step size pushes the weights against the constraint at every step.
    return MlpTrainerTest.spec(
        hidden, 1, true, Activation.RELU, Loss.SQUARED, Optimizer.adam(0.2), bound(kind));
  }

  /** The constrained quantity, computed from the snapshot (independently of the trainer). */
  static double measured(WeightBound.Kind kind, NetworkSnapshot net) {
    double m = 0;
    List<NetworkSnapshot.Layer> layers = net.layers();
    switch (kind) {
      case PER_NEURON -> {
        for (int l = 0; l < layers.size() - 1; l++) {
          NetworkSnapshot.Layer layer = layers.get(l);
          for (int j = 0; j < layer.rows(); j++) {
            m = Math.max(m, Math.sqrt(rowNorm2(layer, j)));
          }
        }
        for (double a : layers.get(layers.size() - 1).weights()) {
          m = Math.max(m, Math.abs(a));
        }
      }
      case FROBENIUS -> {
        for (NetworkSnapshot.Layer layer : layers) {
          double s = 0;
          for (double v : layer.weights()) {
            s += v * v;
          }
          m = Math.max(m, Math.sqrt(s));
        }
      }
      case SPECTRAL -> {
        for (NetworkSnapshot.Layer layer : layers) {
          m =
              Math.max(
                  m, NetworkMath.spectralNormUpper(layer.rows(), layer.cols(), layer.weights()));
        }
      }
      case PATH -> {
        NetworkSnapshot.Layer w = layers.get(0);
        double[] a = layers.get(1).weights();
        for (int j = 0; j < w.rows(); j++) {
          m += Math.abs(a[j]) * Math.sqrt(rowNorm2(w, j));
        }
      }
      case NONE -> m = Double.NaN;
    }
    return m;
  }

  private static double rowNorm2(NetworkSnapshot.Layer layer, int j) {
    double s = 0;
    for (int c = 0; c < layer.cols(); c++) {
      s += layer.w(j, c) * layer.w(j, c);
    }
    if (layer.bias() != null) {
      s += layer.bias()[j] * layer.bias()[j];
    }
    return s;
  }

  @ParameterizedTest
  @EnumSource(
      value = WeightBound.Kind.class,
      names = {"PER_NEURON", "FROBENIUS", "SPECTRAL", "PATH"})
  void boundHoldsAfterEveryStep(WeightBound.Kind kind) {
    Dataset data = DataModels.sphereRandomLabels(60, 8, 31);
    List<List<Integer>> shapes =
        kind == WeightBound.Kind.PATH ? List.of(List.of(16)) : List.of(List.of(16), List.of(12, 8));
    for (List<Integer> hidden : shapes) {
      MlpTrainer t = new MlpTrainer(data, spec(kind, hidden), 5);
      boolean touched = false;
      for (int i = 0; i < 40; i++) {
        t.step();
        double m = measured(kind, t.snapshot());
        assertThat(m)
            .as("%s %s after step %d", kind, hidden, i)
            .isLessThanOrEqualTo(LIMIT * (1 + BOUND_TOL));
        assertThat(t.evaluate().constraint()).isLessThanOrEqualTo(LIMIT * (1 + BOUND_TOL));
        touched |= m > LIMIT * 0.99;
      }
      assertThat(touched).as("the constraint was active at some step").isTrue();
    }
  }

  /** Weights already inside the set are left bit-for-bit unchanged. */
  @ParameterizedTest
  @EnumSource(
      value = WeightBound.Kind.class,
      names = {"PER_NEURON", "FROBENIUS", "SPECTRAL", "PATH"})
  void projectionIsIdentityInside(WeightBound.Kind kind) {
    Dataset data = DataModels.sphereRandomLabels(30, 6, 3);
    MlpTrainer t = new MlpTrainer(data, spec(kind, List.of(10)), 8);
    double[] p = t.parameters();
    for (int i = 0; i < p.length; i++) {
      p[i] *= 0.01; // well inside every set
    }
    t.setParameters(p);
    t.project();
    assertThat(t.parameters()).isEqualTo(p);
  }

  /**
   * With per-neuron bounds α = β = 0.1 and k = 20, |f(x) − c| ≤ k·α·β·√2 ≈ 0.28 on the unit sphere,
   * far below what ±1 labels need: the run cannot interpolate. Without the bound it does.
   */
  @Test
  void tightBoundCannotInterpolateButFreeNetCan() {
    Dataset data = DataModels.sphereRandomLabels(100, 20, 7);
    FitCriterion fit = FitCriterion.exact(0.01);
    TrainingSpec bounded =
        new TrainingSpec(
            List.of(20),
            1,
            true,
            Activation.RELU,
            0,
            Loss.SQUARED,
            fit,
            Optimizer.adam(0.01),
            new WeightBound(WeightBound.Kind.PER_NEURON, 0.1, 0.1, 0),
            3000);
    TrainingSpec free =
        new TrainingSpec(
            List.of(20),
            1,
            true,
            Activation.RELU,
            0,
            Loss.SQUARED,
            fit,
            Optimizer.adam(0.01),
            WeightBound.none(),
            3000);
    assertThat(train(data, bounded)).isFalse();
    assertThat(train(data, free)).isTrue();
  }

  private static boolean train(Dataset data, TrainingSpec spec) {
    MlpTrainer t = new MlpTrainer(data, spec, 9);
    for (int i = 0; i < spec.maxEpochs(); i++) {
      if (spec.fit().fitted(t.step())) {
        return true;
      }
    }
    return false;
  }
}
