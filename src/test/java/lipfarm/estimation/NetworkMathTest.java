package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

class NetworkMathTest {
  /** Step of the central differences; f is piecewise linear so only rounding limits accuracy. */
  private static final double FD_STEP = 1e-6;

  /** Agreement of analytic and finite-difference derivatives (absolute, for O(1) values). */
  private static final double FD_TOL = 1e-7;

  /** Relative slack the certified spectral bound may add (documented as ≈ 1e-9). */
  private static final double UPPER_SLACK = 1e-8;

  private static final int[][] SHAPES = {{5, 1}, {5, 7, 1}, {5, 7, 6, 1}, {4, 6, 5, 3}};

  @Test
  void gradientMatchesCentralDifferencesForOneTwoThreeLayers() {
    SplittableRandom rng = new SplittableRandom(1234);
    for (int[] shape : SHAPES) {
      for (boolean bias : new boolean[] {false, true}) {
        NetworkSnapshot net = TestNets.random(rng, bias, shape);
        for (int trial = 0; trial < 10; trial++) {
          double[] x = DataModels.uniformSpherePoint(shape[0], rng);
          double[] g = NetworkMath.inputGradient(net, x);
          for (int c = 0; c < x.length; c++) {
            double[] xp = x.clone();
            double[] xm = x.clone();
            xp[c] += FD_STEP;
            xm[c] -= FD_STEP;
            double fd = (NetworkMath.value(net, xp) - NetworkMath.value(net, xm)) / (2 * FD_STEP);
            assertThat(g[c])
                .as("shape %s bias %s coord %d", shape.length, bias, c)
                .isCloseTo(fd, within(FD_TOL));
          }
        }
      }
    }
  }

  private static final String[] ACTIVATIONS = {"tanh", "softplus", "leaky-relu:0.2", "linear"};

  @Test
  void everyActivationHasGradientsMatchingCentralDifferences() {
    SplittableRandom rng = new SplittableRandom(4242);
    for (String act : ACTIVATIONS) {
      for (int[] shape : new int[][] {{5, 7, 1}, {4, 6, 5, 3}}) {
        NetworkSnapshot net = new NetworkSnapshot(act, TestNets.random(rng, true, shape).layers());
        double[] x = DataModels.uniformSpherePoint(shape[0], rng);
        double[] jac = NetworkMath.jacobian(net, x);
        int m = shape[shape.length - 1];
        Mlp mlp = new Mlp(net);
        for (int c = 0; c < shape[0]; c++) {
          double[] xp = x.clone();
          double[] xm = x.clone();
          xp[c] += FD_STEP;
          xm[c] -= FD_STEP;
          double[] fp = mlp.forward(xp).clone();
          double[] fm = mlp.forward(xm).clone();
          for (int r = 0; r < m; r++) {
            assertThat(jac[r * shape[0] + c])
                .as("%s shape %d output %d coord %d", act, shape.length, r, c)
                .isCloseTo((fp[r] - fm[r]) / (2 * FD_STEP), within(FD_TOL));
          }
        }
      }
    }
  }

  @Test
  void activationValuesMatchTheirDefinitions() {
    HiddenActivation leaky = HiddenActivation.parse("leaky-relu:0.01");
    assertThat(leaky.value(-2)).isEqualTo(-0.02);
    assertThat(leaky.value(3)).isEqualTo(3);
    assertThat(leaky.slopeLow).isEqualTo(0.01);
    assertThat(HiddenActivation.parse("softplus").value(0)).isCloseTo(Math.log(2), within(1e-15));
    assertThat(HiddenActivation.parse("tanh").derivative(0)).isEqualTo(1);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> HiddenActivation.parse("sigmoid"))
        .hasMessageContaining("sigmoid");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> HiddenActivation.parse("leaky-relu:2"))
        .hasMessageContaining("[0, 1]");
  }

  @Test
  void valueMatchesHandComputedTwoLayerNet() {
    // f(x) = 2·relu(x1 − x2 + 0.5) − 3·relu(x1 + x2 − 1) + 0.25
    NetworkSnapshot net =
        new NetworkSnapshot(
            "relu",
            List.of(
                new NetworkSnapshot.Layer(2, 2, new double[] {1, -1, 1, 1}, new double[] {0.5, -1}),
                new NetworkSnapshot.Layer(1, 2, new double[] {2, -3}, new double[] {0.25})));
    double[] x = {0.9, 0.4};
    double expected = 2 * Math.max(0, 0.9 - 0.4 + 0.5) - 3 * Math.max(0, 0.9 + 0.4 - 1) + 0.25;
    assertThat(NetworkMath.value(net, x)).isCloseTo(expected, within(1e-15));
    // Both units active: ∇f = 2·(1, −1) − 3·(1, 1).
    assertThat(NetworkMath.inputGradient(net, x)).containsExactly(-1.0, -5.0);
    assertThat(NetworkMath.gradientNorm(net, x)).isCloseTo(Math.sqrt(26), within(1e-15));
  }

  @Test
  void reluDerivativeAtZeroIsZero() {
    // Pre-activation x1 − x2 is exactly 0 at (0.5, 0.5).
    NetworkSnapshot net =
        new NetworkSnapshot(
            "relu",
            List.of(
                new NetworkSnapshot.Layer(1, 2, new double[] {1, -1}, null),
                new NetworkSnapshot.Layer(1, 1, new double[] {4}, null)));
    assertThat(NetworkMath.inputGradient(net, new double[] {0.5, 0.5})).containsExactly(0.0, 0.0);
    assertThat(NetworkMath.inputGradient(net, new double[] {0.6, 0.5})).containsExactly(4.0, -4.0);
  }

  @Test
  void linearActivationIsIdentity() {
    SplittableRandom rng = new SplittableRandom(99);
    NetworkSnapshot relu = TestNets.random(rng, true, 3, 4, 1);
    NetworkSnapshot linear = new NetworkSnapshot("linear", relu.layers());
    NetworkSnapshot.Layer l1 = relu.layers().get(0);
    NetworkSnapshot.Layer l2 = relu.layers().get(1);
    double[] x = {-0.3, 0.8, 0.1};
    double expected = l2.bias()[0];
    for (int j = 0; j < 4; j++) {
      double zj = l1.bias()[j];
      for (int c = 0; c < 3; c++) {
        zj += l1.w(j, c) * x[c];
      }
      expected += l2.w(0, j) * zj;
    }
    assertThat(NetworkMath.value(linear, x)).isCloseTo(expected, within(1e-14));
  }

  @Test
  void vectorOutputGradientNormIsJacobianSpectralNorm() {
    SplittableRandom rng = new SplittableRandom(4321);
    NetworkSnapshot net = TestNets.random(rng, true, 4, 6, 5, 3);
    for (int trial = 0; trial < 5; trial++) {
      double[] x = DataModels.uniformSpherePoint(4, rng);
      // Jacobian by central differences of every output.
      double[] jac = new double[3 * 4];
      Mlp mlp = new Mlp(net);
      for (int c = 0; c < 4; c++) {
        double[] xp = x.clone();
        double[] xm = x.clone();
        xp[c] += FD_STEP;
        xm[c] -= FD_STEP;
        double[] fp = mlp.forward(xp).clone();
        double[] fm = mlp.forward(xm).clone();
        for (int r = 0; r < 3; r++) {
          jac[r * 4 + c] = (fp[r] - fm[r]) / (2 * FD_STEP);
        }
      }
      double sigma = TestNets.powerIteration(3, 4, jac, rng);
      assertThat(NetworkMath.gradientNorm(net, x)).isCloseTo(sigma, within(FD_TOL));
      assertThat(NetworkMath.jacobian(net, x)).containsExactly(jac, within(FD_TOL));
    }
  }

  @Test
  void surrogateGradientMatchesFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(5);
    double beta = 3;
    String[] acts = {"relu", "leaky-relu:0.1", "tanh", "softplus"};
    int[][] shapes = {{6, 5, 1}, {6, 5, 4, 1}, {6, 5, 4, 3}};
    for (int trial = 0; trial < 12; trial++) {
      int[] shape = shapes[trial % 3];
      String act = acts[trial / 3];
      Mlp m = new Mlp(new NetworkSnapshot(act, TestNets.random(rng, true, shape).layers()));
      double[] x = DataModels.uniformSpherePoint(6, rng);
      double[] dir = new double[6];
      double[] scratch = new double[6];
      m.surrogate(x, beta, dir);
      for (int c = 0; c < 6; c++) {
        double[] xp = x.clone();
        double[] xm = x.clone();
        xp[c] += FD_STEP;
        xm[c] -= FD_STEP;
        double fd =
            (m.surrogate(xp, beta, scratch) - m.surrogate(xm, beta, scratch)) / (2 * FD_STEP);
        assertThat(dir[c]).isCloseTo(fd, within(FD_TOL));
      }
    }
  }

  @Test
  void spectralNormUpperOfDiagonalMatrix() {
    double[] diag = {3, 0, 0, 0, -5, 0, 0, 0, 2};
    double bound = NetworkMath.spectralNormUpper(3, 3, diag);
    assertThat(bound).isGreaterThanOrEqualTo(5).isLessThanOrEqualTo(5 * (1 + UPPER_SLACK));
  }

  @Test
  void spectralNormUpperOfOrthogonalConstruction() {
    SplittableRandom rng = new SplittableRandom(1234);
    int[][] shapes = {{7, 4}, {4, 7}, {6, 6}, {1, 9}, {9, 1}};
    for (int[] s : shapes) {
      int r = Math.min(s[0], s[1]);
      double[] sigma = new double[r];
      for (int i = 0; i < r; i++) {
        sigma[i] = 0.5 + rng.nextDouble() * 3;
      }
      double max = 0;
      for (double v : sigma) {
        max = Math.max(max, v);
      }
      double[] a = TestNets.withSingularValues(s[0], s[1], sigma, rng);
      double bound = NetworkMath.spectralNormUpper(s[0], s[1], a);
      assertThat(bound)
          .as("shape %dx%d", s[0], s[1])
          .isGreaterThanOrEqualTo(max * (1 - 1e-14))
          .isLessThanOrEqualTo(max * (1 + UPPER_SLACK));
    }
  }

  @Test
  void spectralNormUpperIsAbovePowerIteration() {
    SplittableRandom rng = new SplittableRandom(77);
    for (int trial = 0; trial < 30; trial++) {
      int rows = 1 + rng.nextInt(12);
      int cols = 1 + rng.nextInt(12);
      double[] a = new double[rows * cols];
      for (int i = 0; i < a.length; i++) {
        a[i] = DataModels.gaussian(rng);
      }
      double power = TestNets.powerIteration(rows, cols, a, rng);
      double bound = NetworkMath.spectralNormUpper(rows, cols, a);
      assertThat(bound).isGreaterThanOrEqualTo(power);
      // Power iteration from a random start converges to σ_max, so the bound is also tight.
      assertThat(bound).isLessThanOrEqualTo(power * (1 + 1e-6));
    }
  }

  @Test
  void spectralNormUpperHandlesScaleZeroAndNaN() {
    // Rank one u vᵀ: σ = ‖u‖‖v‖ = 5·√2, at a scale where squaring would overflow.
    double big = 1e200;
    double[] a = {3 * big, 3 * big, 4 * big, 4 * big};
    double bound = NetworkMath.spectralNormUpper(2, 2, a);
    assertThat(bound / big)
        .isGreaterThanOrEqualTo(5 * Math.sqrt(2))
        .isLessThanOrEqualTo(5 * Math.sqrt(2) * (1 + UPPER_SLACK));
    assertThat(NetworkMath.spectralNormUpper(2, 3, new double[6])).isPositive().isLessThan(1e-299);
    assertThat(NetworkMath.spectralNormUpper(1, 2, new double[] {1, Double.NaN})).isNaN();
  }
}
