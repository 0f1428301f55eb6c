package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

class BatchGradientsTest {
  /** Float accumulation over d + k terms: agreement with the double evaluator, relative. */
  private static final double FLOAT_TOL = 1e-4;

  @Test
  void batchedNormsMatchTheExactEvaluator() {
    SplittableRandom rng = new SplittableRandom(6);
    for (String act : new String[] {"relu", "leaky-relu:0.1", "tanh", "softplus"}) {
      int d = 9;
      int k = 23;
      NetworkSnapshot net = new NetworkSnapshot(act, TestNets.random(rng, true, d, k, 1).layers());
      double[] w = net.layers().get(0).weights();
      BatchGradients bg =
          new BatchGradients(
              d, k, w, net.layers().get(0).bias(), net.layers().get(1).weights(), act);
      int n = 11; // not a multiple of the 4-row block: exercises the tail
      float[] x = new float[n * d];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rng.nextGaussian();
      }
      float[] out = new float[n];
      bg.norms(x, n, out);
      for (int i = 0; i < n; i++) {
        double[] xi = new double[d];
        for (int c = 0; c < d; c++) {
          xi[c] = x[i * d + c];
        }
        double exact = NetworkMath.gradientNorm(net, xi);
        assertThat((double) out[i])
            .as("%s point %d", act, i)
            .isCloseTo(exact, within(FLOAT_TOL * exact));
      }
    }
  }
}
