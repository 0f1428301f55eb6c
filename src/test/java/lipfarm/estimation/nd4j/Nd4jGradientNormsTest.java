package lipfarm.estimation.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import lipfarm.estimation.NetworkMath;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

/** The batched single-precision kernel agrees with the double-precision evaluator. */
class Nd4jGradientNormsTest {
  /** float32 accumulation over d·k terms: about 1e-6 relative, checked at 1e-4. */
  private static final double FLOAT_TOL = 1e-4;

  @Test
  void matchesDoublePrecisionGradientsForEveryActivation() {
    int d = 7;
    int k = 13;
    int n = 50;
    SplittableRandom rng = new SplittableRandom(77);
    double[] w = new double[k * d];
    double[] b = new double[k];
    double[] a = new double[k];
    for (int i = 0; i < w.length; i++) {
      w[i] = rng.nextGaussian();
    }
    for (int j = 0; j < k; j++) {
      b[j] = rng.nextGaussian();
      a[j] = rng.nextGaussian();
    }
    float[] xs = new float[n * d];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) rng.nextGaussian();
    }
    for (String act : List.of("relu", "leaky-relu:0.1", "tanh", "softplus")) {
      NetworkSnapshot net =
          new NetworkSnapshot(
              act,
              List.of(
                  new NetworkSnapshot.Layer(k, d, w, b),
                  new NetworkSnapshot.Layer(1, k, a, new double[] {0.3})));
      Nd4jGradientNorms kernel = new Nd4jGradientNorms(d, k, w, b, a, act);
      float[] norms = kernel.norms(xs, n);
      float[] again = kernel.norms(xs, n); // buffers are reused
      for (int i = 0; i < n; i++) {
        double[] x = new double[d];
        for (int c = 0; c < d; c++) {
          x[c] = xs[i * d + c];
        }
        double expected = NetworkMath.gradientNorm(net, x);
        assertThat((double) norms[i])
            .as("%s point %d", act, i)
            .isCloseTo(expected, within(FLOAT_TOL * Math.max(1, expected)));
        assertThat(again[i]).isEqualTo(norms[i]);
      }
    }
  }

  /** Batches larger than one row block (wide nets): every block's norms are right. */
  @Test
  void manyRowBlocks() {
    int d = 5;
    int k = 700; // about 94 rows per block
    int n = 250;
    SplittableRandom rng = new SplittableRandom(78);
    double[] w = new double[k * d];
    double[] b = new double[k];
    double[] a = new double[k];
    for (int i = 0; i < w.length; i++) {
      w[i] = rng.nextGaussian();
    }
    for (int j = 0; j < k; j++) {
      b[j] = rng.nextGaussian();
      a[j] = rng.nextGaussian() / Math.sqrt(k);
    }
    float[] xs = new float[n * d];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) rng.nextGaussian();
    }
    NetworkSnapshot net =
        new NetworkSnapshot(
            "relu",
            List.of(
                new NetworkSnapshot.Layer(k, d, w, b),
                new NetworkSnapshot.Layer(1, k, a, new double[] {0})));
    float[] norms = new Nd4jGradientNorms(d, k, w, b, a, "relu").norms(xs, n);
    for (int i = 0; i < n; i++) {
      double[] x = new double[d];
      for (int c = 0; c < d; c++) {
        x[c] = xs[i * d + c];
      }
      double expected = NetworkMath.gradientNorm(net, x);
      assertThat((double) norms[i])
          .as("point %d", i)
          .isCloseTo(expected, within(FLOAT_TOL * Math.max(1, expected)));
    }
  }

  /**
   * Screening returns sphere points, best first, whose exact gradient norms are the largest seen.
   */
  @Test
  void screeningFindsLargeGradientsOnTheSphere() {
    SplittableRandom rng = new SplittableRandom(5);
    int d = 6;
    int k = 9;
    double[] w = new double[k * d];
    double[] a = new double[k];
    for (int i = 0; i < w.length; i++) {
      w[i] = rng.nextGaussian();
    }
    for (int j = 0; j < k; j++) {
      a[j] = rng.nextGaussian();
    }
    NetworkSnapshot net =
        new NetworkSnapshot(
            "relu",
            List.of(
                new NetworkSnapshot.Layer(k, d, w, null),
                new NetworkSnapshot.Layer(1, k, a, null)));
    double[][] top = Screening.topSpherePoints(net, 2.0, 5000, 8, 1);
    assertThat(top.length).isEqualTo(8);
    double prev = Double.POSITIVE_INFINITY;
    for (double[] x : top) {
      double norm = Math.sqrt(java.util.Arrays.stream(x).map(v -> v * v).sum());
      assertThat(norm).isLessThanOrEqualTo(2.0).isCloseTo(2.0, within(1e-9));
      double g = NetworkMath.gradientNorm(net, x);
      assertThat(g).isLessThanOrEqualTo(prev * (1 + FLOAT_TOL));
      prev = g;
    }
    // The best screened point beats the median random point.
    double[] random = new double[201];
    for (int i = 0; i < random.length; i++) {
      double[] x = new double[d];
      double s = 0;
      for (int c = 0; c < d; c++) {
        x[c] = rng.nextGaussian();
        s += x[c] * x[c];
      }
      for (int c = 0; c < d; c++) {
        x[c] *= 2.0 / Math.sqrt(s);
      }
      random[i] = NetworkMath.gradientNorm(net, x);
    }
    java.util.Arrays.sort(random);
    assertThat(NetworkMath.gradientNorm(net, top[0])).isGreaterThanOrEqualTo(random[100]);
    assertThat(
            Screening.topSpherePoints(
                    new NetworkSnapshot(
                        "relu",
                        List.of(
                            new NetworkSnapshot.Layer(1, d, java.util.Arrays.copyOf(w, d), null))),
                    1,
                    10,
                    2,
                    1)
                .length)
        .isZero();
  }
}
