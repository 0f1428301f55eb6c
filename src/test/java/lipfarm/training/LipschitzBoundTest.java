package lipfarm.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.estimation.LipschitzSandwich;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

/**
 * The Gram bound of {@link LipschitzBound}: certified, never above the path bound, exact where
 * known.
 */
class LipschitzBoundTest {
  /** Relative slack for comparing a bound with the quantity it bounds (rounding only). */
  static final double ROUNDING = 1e-12;

  /** Central finite differences against the analytic gradient. */
  static final double FD_STEP = 1e-6;

  static final double FD_TOLERANCE = 1e-5;

  private static double[] randomTheta(int d, int k, SplittableRandom rng) {
    double[] theta = new double[k * d + k + k + 1];
    for (int i = 0; i < theta.length; i++) {
      theta[i] = DataModels.gaussian(rng);
    }
    return theta;
  }

  /** max over activation patterns s ∈ {0, 1}^k of ‖Σ_j s_j a_j w_j‖, by enumeration. */
  private static double maxOverPatterns(double[] theta, int d, int k) {
    int a = k * d + k;
    double best = 0;
    for (int mask = 0; mask < 1 << k; mask++) {
      double[] g = new double[d];
      for (int j = 0; j < k; j++) {
        if ((mask >> j & 1) == 1) {
          for (int i = 0; i < d; i++) {
            g[i] += theta[a + j] * theta[j * d + i];
          }
        }
      }
      double s = 0;
      for (double v : g) {
        s += v * v;
      }
      best = Math.max(best, Math.sqrt(s));
    }
    return best;
  }

  private static double pathBound(double[] theta, int d, int k) {
    int a = k * d + k;
    double p = 0;
    for (int j = 0; j < k; j++) {
      double s = 0;
      for (int i = 0; i < d; i++) {
        s += theta[j * d + i] * theta[j * d + i];
      }
      p += Math.abs(theta[a + j]) * Math.sqrt(s);
    }
    return p;
  }

  @Test
  void gramBoundsEveryActivationPatternAndNeverExceedsThePathBound() {
    SplittableRandom rng = new SplittableRandom(5);
    for (int trial = 0; trial < 20; trial++) {
      int d = 2 + trial % 4;
      int k = 3 + trial % 8;
      double[] theta = randomTheta(d, k, rng);
      double gram = new LipschitzBound(new int[] {d, k, 1}).gram(theta, null);
      double patterns = maxOverPatterns(theta, d, k);
      assertThat(gram).as("trial %d", trial).isGreaterThanOrEqualTo(patterns * (1 - ROUNDING));
      assertThat(gram).as("trial %d", trial).isLessThanOrEqualTo(pathBound(theta, d, k));
    }
  }

  /**
   * Orthogonal unit neurons with ±1 output weights: the gradient with every unit on has norm √k.
   */
  @Test
  void orthogonalUnitsGiveTheExactConstant() {
    int k = 6;
    int d = 6;
    double[] theta = new double[k * d + k + k + 1];
    for (int j = 0; j < k; j++) {
      theta[j * d + j] = 1;
      theta[k * d + k + j] = j % 2 == 0 ? 1 : -1;
    }
    LipschitzBound bound = new LipschitzBound(new int[] {d, k, 1});
    assertThat(bound.gram(theta, null)).isCloseTo(Math.sqrt(k), within(ROUNDING));
    assertThat(bound.value(theta, null)).isCloseTo(Math.sqrt(k), within(ROUNDING));
  }

  @Test
  void gramGradientMatchesFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(23);
    int d = 4;
    int k = 6;
    double[] theta = randomTheta(d, k, rng);
    LipschitzBound bound = new LipschitzBound(new int[] {d, k, 1});
    double[] grad = new double[theta.length];
    bound.gram(theta, grad);
    assertMatchesFiniteDifferences(grad, theta, q -> bound.gram(q, null));
  }

  /** Each coordinate of {@code grad} against a central difference of {@code f} at θ. */
  static void assertMatchesFiniteDifferences(
      double[] grad, double[] theta, java.util.function.ToDoubleFunction<double[]> f) {
    for (int i = 0; i < theta.length; i++) {
      double[] q = theta.clone();
      q[i] += FD_STEP;
      double up = f.applyAsDouble(q);
      q[i] -= 2 * FD_STEP;
      double down = f.applyAsDouble(q);
      double fd = (up - down) / (2 * FD_STEP);
      assertThat(grad[i])
          .as("coordinate %d", i)
          .isCloseTo(fd, within(FD_TOLERANCE * (1 + Math.abs(fd))));
    }
  }

  /** One output and two layers: the objective minimises the smallest of the three bounds. */
  @Test
  void valueIsTheSmallestBound() {
    SplittableRandom rng = new SplittableRandom(41);
    int d = 3;
    int k = 12;
    double[] theta = randomTheta(d, k, rng);
    LipschitzBound bound = new LipschitzBound(new int[] {d, k, 1});
    assertThat(bound.method()).isEqualTo("min(lipsdp-neuron, path-norm, spectral-product)");
    double value = bound.value(theta, new double[theta.length]);
    assertThat(value).isLessThanOrEqualTo(pathBound(theta, d, k));
    assertThat(new LipschitzBound(new int[] {200, k, 1}).method())
        .isEqualTo("min(gram, path-norm, spectral-product)");
    assertThat(new LipschitzBound(new int[] {d, k, 2}).method())
        .isEqualTo("min(path-norm, spectral-product)");
  }

  @Test
  void sdpBoundsEveryActivationPattern() {
    SplittableRandom rng = new SplittableRandom(7);
    for (int trial = 0; trial < 20; trial++) {
      int d = 2 + trial % 4;
      int k = 3 + trial % 8;
      double[] theta = randomTheta(d, k, rng);
      SdpBound sdp = new SdpBound(d, k);
      double patterns = maxOverPatterns(theta, d, k);
      for (int call = 0; call < 5; call++) {
        assertThat(sdp.value(theta, null))
            .as("trial %d call %d", trial, call)
            .isGreaterThanOrEqualTo(patterns * (1 - POWER_SLACK));
      }
    }
  }

  /** One unit: LipSDP is exact, |a|‖w‖. */
  @Test
  void sdpIsExactForOneUnit() {
    double[] theta = {3, 4, 0.5, -2, 0.1}; // w = (3, 4), b, a = −2, output bias
    assertThat(new SdpBound(2, 1).value(theta, null)).isCloseTo(10, within(1e-9));
  }

  /** Relative slack for a λ_max by power iteration (converges from below). */
  static final double POWER_SLACK = 1e-8;

  /** How close the objective's LipSDP gets to the estimator's after a few hundred steps on T. */
  static final double SDP_AGREEMENT = 0.01;

  @Test
  void sdpAgreesWithTheEstimatorsLipSdp() {
    SplittableRandom rng = new SplittableRandom(31);
    int d = 5;
    int k = 12;
    double[] theta = randomTheta(d, k, rng);
    SdpBound sdp = new SdpBound(d, k);
    double ours = 0;
    for (int call = 0; call < 100; call++) {
      ours = sdp.value(theta, null);
    }
    double[] w = java.util.Arrays.copyOfRange(theta, 0, k * d);
    double[] b = java.util.Arrays.copyOfRange(theta, k * d, k * d + k);
    double[] a = java.util.Arrays.copyOfRange(theta, k * d + k, k * d + 2 * k);
    NetworkSnapshot net =
        new NetworkSnapshot(
            "relu",
            java.util.List.of(
                new NetworkSnapshot.Layer(k, d, w, b),
                new NetworkSnapshot.Layer(1, k, a, new double[] {theta[theta.length - 1]})));
    LipschitzSandwich s =
        new LipschitzSandwich(net, DataModels.sphereRandomLabels(20, d, 3), 5, 5_000);
    while (s.step(1_000)) {
      // spend the budget
    }
    double estimator =
        s.bounds().stream()
            .filter(x -> x.method().equals("lipsdp-neuron"))
            .findFirst()
            .orElseThrow()
            .value();
    assertThat(ours).isCloseTo(estimator, within(SDP_AGREEMENT * estimator));
  }

  @Test
  void sdpGradientMatchesFiniteDifferencesAtFixedT() {
    SplittableRandom rng = new SplittableRandom(29);
    int d = 4;
    int k = 6;
    double[] theta = randomTheta(d, k, rng);
    SdpBound sdp = new SdpBound(d, k);
    sdp.value(theta, null); // T moved to near its optimum, then held
    double[] grad = new double[theta.length];
    sdp.valueAtT(theta, grad);
    assertMatchesFiniteDifferences(grad, theta, q -> sdp.valueAtT(q, null));
  }

  /** Dead units (w_j = 0, or a_j = 0) neither break the bound nor its gradient. */
  @Test
  void sdpToleratesDeadUnits() {
    SplittableRandom rng = new SplittableRandom(37);
    int d = 3;
    int k = 6;
    double[] theta = randomTheta(d, k, rng);
    java.util.Arrays.fill(theta, 0, d, 0.0); // unit 0: w = 0
    theta[k * d + k + 1] = 0; // unit 1: a = 0
    SdpBound sdp = new SdpBound(d, k);
    double[] grad = new double[theta.length];
    for (int call = 0; call < 20; call++) {
      double v = sdp.value(theta, grad);
      assertThat(v)
          .isFinite()
          .isGreaterThanOrEqualTo(maxOverPatterns(theta, d, k) * (1 - POWER_SLACK));
      assertThat(java.util.Arrays.stream(grad).allMatch(Double::isFinite)).isTrue();
    }
  }
}
