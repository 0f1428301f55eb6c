package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class LipSdpTest {
  /** Published LipSDP-Neuron value of the reference network. */
  private static final double LIPSDP_REFERENCE = 36.482;

  /** The issue asks for LipSDP-Neuron within 1% of the published value. */
  private static final double LIPSDP_TOL = 0.01;

  /** Finite-difference step (relative, on t) and agreement for ∂ρ/∂t. */
  private static final double FD_STEP = 1e-6;

  private static final double FD_TOL = 1e-5;

  private static LipSdp runToEnd(NetworkSnapshot net) {
    LipSdp sdp = new LipSdp(new Mlp(net));
    sdp.eclipseFast();
    while (sdp.step()) {
      // optimise until converged or out of iterations
    }
    return sdp;
  }

  @Test
  void referenceNetworkLandsWithinOnePercentOfPublishedValue() throws IOException {
    NetworkSnapshot net = TestNets.lipsdp();
    Assumptions.assumeTrue(net != null, "reference file " + TestNets.LIPSDP + " missing");
    LipSdp sdp = runToEnd(net);
    assertThat(sdp.best())
        .isGreaterThanOrEqualTo(36.481)
        .isCloseTo(LIPSDP_REFERENCE, within(LIPSDP_TOL * LIPSDP_REFERENCE));
    double eclipse = new LipSdp(new Mlp(net)).eclipseFast();
    // ECLipsE-Fast is a feasible point of the same LMI: valid, but no tighter than the optimum,
    // and never worse than the spectral product 43.306.
    assertThat(eclipse).isGreaterThanOrEqualTo(sdp.best()).isLessThanOrEqualTo(43.306);
  }

  @Test
  void singleUnitIsExact() {
    // f(x) = a·relu(w·x): L = |a|·‖w‖, and LipSDP-Neuron is exact for one unit.
    double[] w = {0.6, -1.2, 2.0};
    double a = -1.7;
    NetworkSnapshot net =
        new NetworkSnapshot(
            "relu",
            List.of(
                new NetworkSnapshot.Layer(1, 3, w, null),
                new NetworkSnapshot.Layer(1, 1, new double[] {a}, null)));
    double exact = Math.abs(a) * TestNets.norm(w);
    LipSdp sdp = runToEnd(net);
    assertThat(sdp.best()).isGreaterThanOrEqualTo(exact).isCloseTo(exact, within(1e-6 * exact));
  }

  @Test
  void gradientOfRhoMatchesFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(17);
    for (int[] shape : new int[][] {{3, 5, 1}, {3, 4, 5, 2}}) {
      Mlp m = new Mlp(TestNets.random(rng, false, shape));
      LipSdp sdp = new LipSdp(m);
      int hidden = shape.length - 2;
      double[][] t = new double[hidden][];
      for (int i = 0; i < hidden; i++) {
        t[i] = new double[shape[i + 1]];
        for (int p = 0; p < t[i].length; p++) {
          // Large multipliers keep every Y_i positive definite.
          t[i][p] = 20 + 10 * rng.nextDouble();
        }
      }
      LipSdp.Eval e = sdp.evaluate(t, null);
      assertThat(e).isNotNull();
      double[] v = java.util.Arrays.copyOf(e.vectors(), shape[0]);
      double[][] grad = new double[hidden][];
      for (int i = 0; i < hidden; i++) {
        grad[i] = new double[t[i].length];
      }
      sdp.addGradient(e, v, 1, grad);
      for (int i = 0; i < hidden; i++) {
        for (int p = 0; p < t[i].length; p++) {
          double h = FD_STEP * t[i][p];
          double keep = t[i][p];
          t[i][p] = keep + h;
          double up = sdp.evaluate(t, null).top();
          t[i][p] = keep - h;
          double down = sdp.evaluate(t, null).top();
          t[i][p] = keep;
          double fd = (up - down) / (2 * h);
          assertThat(grad[i][p])
              .as("layer %d unit %d", i, p)
              .isCloseTo(fd, within(FD_TOL * Math.max(1, Math.abs(fd))));
        }
      }
    }
  }

  @Test
  void certificateRejectsTooSmallRho() {
    SplittableRandom rng = new SplittableRandom(3);
    Mlp m = new Mlp(TestNets.random(rng, false, 4, 6, 1));
    LipSdp sdp = new LipSdp(m);
    double[][] t = {new double[6]};
    java.util.Arrays.fill(t[0], 5.0);
    LipSdp.Eval e = sdp.evaluate(t, null);
    assertThat(e).isNotNull();
    double rho = e.top();
    assertThat(sdp.certify(t, rho)).isGreaterThanOrEqualTo(Math.sqrt(rho));
    // 10% below the minimal ρ for this T the LMI fails; the largest inflation tried is 5%.
    assertThat(sdp.certify(t, 0.9 * rho)).isNaN();
  }

  @Test
  void everyActivationGetsValidUpperBounds() {
    SplittableRandom rng = new SplittableRandom(8);
    for (String act : new String[] {"relu", "tanh", "softplus", "leaky-relu:0.1"}) {
      NetworkSnapshot base = TestNets.random(rng, true, 4, 7, 5, 1);
      NetworkSnapshot net = new NetworkSnapshot(act, base.layers());
      LipschitzSandwich s =
          new LipschitzSandwich(net, DataModels.sphereRandomLabels(30, 4, 1), 5, 3000);
      while (s.step(500)) {
        // run to the end
      }
      assertThat(s.bounds())
          .filteredOn(b -> b.kind() == BoundKind.CERTIFIED_UPPER)
          .extracting(Bound::method)
          .contains("eclipse-fast", "lipsdp-neuron");
      for (Bound b : s.bounds()) {
        if (b.kind() == BoundKind.CERTIFIED_UPPER) {
          assertThat(b.value()).as(act + " " + b.method()).isGreaterThanOrEqualTo(s.lowerGlobal());
        }
      }
      assertThat(s.violations(Double.NaN)).as(act).isEmpty();
    }
  }
}
