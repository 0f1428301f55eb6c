package lipfarm.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.estimation.NetworkMath;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

class TwoLayerTrainerTest {
  /** Central differences in double precision agree with backprop to about 1e-7 relative. */
  private static final double GRAD_TOL = 1e-6;

  private static final double FD_STEP = 1e-6;

  /** Backprop matches central finite differences of the loss in every coordinate. */
  @Test
  void gradientMatchesFiniteDifferences() {
    for (boolean bias : new boolean[] {true, false}) {
      Dataset data = DataModels.sphereRandomLabels(30, 5, 11);
      TwoLayerTrainer t = new TwoLayerTrainer(data, 7, bias, 0.01, 12);
      // A few steps move the weights away from the symmetric initialisation (zero biases).
      for (int i = 0; i < 5; i++) {
        t.step(0.0);
      }
      double[] p = t.parameters();
      double[] lg = t.lossAndGradient();
      for (int i = 0; i < p.length; i++) {
        if (!bias && (i >= 35 && i < 42 || i == p.length - 1)) {
          continue; // biases are not parameters of a bias-free net
        }
        double[] q = p.clone();
        q[i] = p[i] + FD_STEP;
        t.setParameters(q);
        double up = t.lossAndGradient()[0];
        q[i] = p[i] - FD_STEP;
        t.setParameters(q);
        double down = t.lossAndGradient()[0];
        double fd = (up - down) / (2 * FD_STEP);
        assertThat(lg[i + 1]).as("coordinate %d (bias=%s)", i, bias).isCloseTo(fd, within(GRAD_TOL * Math.max(1, Math.abs(fd))));
      }
      t.setParameters(p);
    }
  }

  /** The snapshot computes the same function as the trainer's forward pass. */
  @Test
  void snapshotReproducesTrainedFunction() {
    Dataset data = DataModels.sphereRandomLabels(40, 6, 3);
    TwoLayerTrainer t = new TwoLayerTrainer(data, 9, true, 0.01, 4);
    for (int i = 0; i < 20; i++) {
      t.step(0.0);
    }
    double loss = 2 * t.lossAndGradient()[0];
    NetworkSnapshot net = t.snapshot();
    double sum = 0;
    for (int i = 0; i < data.n(); i++) {
      double r = NetworkMath.value(net, data.x()[i]) - data.y()[i];
      sum += r * r;
    }
    assertThat(sum / data.n()).isCloseTo(loss, within(1e-12));
    assertThat(net.parameterCount()).isEqualTo(9L * 6 + 9 + 9 + 1);
  }

  /** Over-parametrised nets (k·d well above n) interpolate random labels. */
  @Test
  void interpolatesWhenWideEnough() {
    Dataset data = DataModels.sphereRandomLabels(100, 20, 5);
    TwoLayerTrainer t = new TwoLayerTrainer(data, 20, true, 0.01, 6);
    EpochStats s = null;
    for (int i = 0; i < 20_000; i++) {
      s = t.step(0.05);
      if (s.maxError() <= 0.05) {
        break;
      }
    }
    assertThat(s.maxError()).isLessThanOrEqualTo(0.05);
    assertThat(s.signFit()).isEqualTo(1.0);
  }

  /** Same seed, same data: bit-identical weights. */
  @Test
  void deterministicInTheSeed() {
    Dataset data = DataModels.sphereRandomLabels(50, 8, 5);
    TwoLayerTrainer t1 = new TwoLayerTrainer(data, 6, true, 0.01, 99);
    TwoLayerTrainer t2 = new TwoLayerTrainer(data, 6, true, 0.01, 99);
    for (int i = 0; i < 50; i++) {
      t1.step(0.0);
      t2.step(0.0);
    }
    assertThat(t1.parameters()).isEqualTo(t2.parameters());
  }
}
