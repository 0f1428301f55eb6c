package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

/** Branch and bound: an anytime pair that brackets known answers and closes in. */
class BranchAndBoundTest {
  /** The LipSDP reference network's global constant (data/README.md). */
  private static final double LIPSDP_TRUE = 36.482;

  @Test
  void bracketsTheLipSdpNetworkAndTightens() throws Exception {
    NetworkSnapshot net = TestNets.lipsdp();
    // Bias-free: any box around 0 gives the global constant.
    BranchAndBound bb = BranchAndBound.cube(net, 1.0);
    double u0 = bb.upper();
    double l0 = bb.lower();
    assertThat(u0).isGreaterThanOrEqualTo(LIPSDP_TRUE - 1e-3);
    for (int round = 0; round < 20; round++) {
      double u = bb.upper();
      double l = bb.lower();
      bb.step(100, 1e-4);
      assertThat(bb.upper()).isLessThanOrEqualTo(u);
      assertThat(bb.lower()).isGreaterThanOrEqualTo(l);
      assertThat(bb.lower()).isLessThanOrEqualTo(36.483);
      assertThat(bb.upper()).isGreaterThanOrEqualTo(36.481);
    }
    assertThat(bb.upper()).isLessThanOrEqualTo(u0);
    assertThat(bb.lower()).isGreaterThanOrEqualTo(l0);
    assertThat(bb.lower()).isGreaterThan(36.0);
    assertThat((bb.upper() - bb.lower()) / bb.upper())
        .as("the pair meets")
        .isLessThanOrEqualTo(1e-4);
  }

  /** Two-layer ReLU with k ≤ d, bias-free: the pair meets the enumerated exact value. */
  @Test
  void meetsTheExactValueOfASmallNet() {
    int d = 3;
    int k = 3;
    NetworkSnapshot net = TestNets.random(new SplittableRandom(8), false, d, k, 1);
    double[] w = net.layers().get(0).weights();
    double[] a = net.layers().get(1).weights();
    // Exact: max over gate patterns s of ‖Wᵀ diag(s) a‖.
    double exact = 0;
    for (int s = 0; s < 1 << k; s++) {
      double[] g = new double[d];
      for (int j = 0; j < k; j++) {
        if ((s >> j & 1) == 1) {
          for (int c = 0; c < d; c++) {
            g[c] += a[j] * w[j * d + c];
          }
        }
      }
      exact = Math.max(exact, Math.sqrt(java.util.Arrays.stream(g).map(v -> v * v).sum()));
    }
    BranchAndBound bb = BranchAndBound.cube(net, 1.0);
    bb.step(20_000, 1e-6);
    assertThat(bb.lower()).isLessThanOrEqualTo(exact * (1 + 1e-9));
    assertThat(bb.upper()).isGreaterThanOrEqualTo(exact * (1 - 1e-9));
    assertThat(bb.lower()).isCloseTo(exact, within(1e-6 * exact));
    assertThat(bb.upper()).isCloseTo(exact, within(1e-6 * exact));
  }

  @Test
  void refusesSmoothActivations() {
    NetworkSnapshot net =
        new NetworkSnapshot(
            "tanh",
            List.of(
                new NetworkSnapshot.Layer(2, 2, new double[] {1, 0, 0, 1}, null),
                new NetworkSnapshot.Layer(1, 2, new double[] {1, 1}, null)));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> BranchAndBound.cube(net, 1))
        .hasMessageContaining("ReLU");
  }

  /**
   * Branch and bound counts its boxes against the evaluation budget: a bias-free 4→64→64→1 net
   * (where it runs inside the sandwich) spends at most the budget, counted, not timed.
   */
  @Test
  void staysWithinTheEvaluationBudget() {
    NetworkSnapshot net = TestNets.random(new SplittableRandom(13), false, 4, 64, 64, 1);
    lipfarm.data.Dataset data = lipfarm.data.DataModels.sphereRandomLabels(20, 4, 3);
    for (long budget : new long[] {1000, 5000}) {
      LipschitzSandwich s = new LipschitzSandwich(net, data, 1, budget);
      int steps = 0;
      while (s.step(1000)) {
        steps++;
        assertThat(steps).as("the sandwich stops once the budget is spent").isLessThan(1000);
      }
      assertThat(s.evaluations()).as("budget %d", budget).isLessThanOrEqualTo(budget);
      assertThat(s.bounds()).anyMatch(b -> b.method().equals("branch-and-bound"));
    }
    // Standalone: stepWithin never spends more than its allowance.
    BranchAndBound bb = BranchAndBound.cube(net, 1.0);
    long before = bb.evaluations();
    long spent = bb.stepWithin(700, 0);
    assertThat(spent).isLessThanOrEqualTo(700).isEqualTo(bb.evaluations() - before);
    assertThat(spent).isGreaterThan(0);
  }
}
