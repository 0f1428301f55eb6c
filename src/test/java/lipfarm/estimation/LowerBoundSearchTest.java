package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

/** The estimator = "lower" search: certified against exact constants, and its probes' coverage. */
class LowerBoundSearchTest {
  /** The certified lower end of a norm lies this close below the floating-point one. */
  private static final double ROUNDING = 1e-9;

  /**
   * In d ≤ 3 the search finds the local maximum to within this factor (it finds it exactly on six
   * of the eight cases; 97.5% and 95.9% on the others, where the largest region barely meets the
   * ball).
   */
  private static final double FOUND_SHARE = 0.95;

  private record Case(String name, NetworkSnapshot net, Dataset data) {}

  private static List<Case> smallCases() {
    List<Case> out = new ArrayList<>();
    for (int seed = 1; seed <= 4; seed++) {
      int d = 2 + seed % 2;
      SplittableRandom rng = new SplittableRandom(seed);
      NetworkSnapshot relu = TestNets.random(rng, true, d, 6 + seed, 1);
      out.add(new Case("relu seed " + seed, relu, DataModels.sphereRandomLabels(20, d, seed)));
      NetworkSnapshot leaky =
          new NetworkSnapshot("leaky-relu:0.1", TestNets.random(rng, true, d, 5, 1).layers());
      out.add(new Case("leaky seed " + seed, leaky, DataModels.sphereRandomLabels(15, d, seed)));
    }
    return out;
  }

  @Test
  void boundsAreCertifiedAgainstTheExactConstantsAndTheLowerOneIsFound() {
    for (Case c : smallCases()) {
      LowerBoundSearch s = new LowerBoundSearch(c.net, c.data, 7, 6000, false).run();
      ExactOracle.Result exact = ExactOracle.lipschitz(c.net, radius(c.data));
      for (Bound b : s.bounds(Double.NaN)) {
        switch (b.kind()) {
          case CERTIFIED_LOWER ->
              assertThat(exact.localAtLeast(b.value())).as("%s %s", c.name, b).isTrue();
          case CERTIFIED_UPPER ->
              assertThat(exact.globalAtMost(b.value())).as("%s %s", c.name, b).isTrue();
          default -> throw new AssertionError(c.name + ": unexpected " + b);
        }
      }
      assertThat(s.lower()).as(c.name).isGreaterThan(FOUND_SHARE * exact.local());
      assertThat(s.evaluations()).as(c.name).isLessThanOrEqualTo(6000);
    }
  }

  @Test
  void lowerBoundCoversEveryDataPointAndTheClosestOppositePair() {
    SplittableRandom rng = new SplittableRandom(11);
    int d = 30;
    int k = 60;
    NetworkSnapshot net = TestNets.random(rng, true, d, k, 1);
    Dataset data = DataModels.sphereRandomLabels(150, d, 11);
    LowerBoundSearch s = new LowerBoundSearch(net, data, 3, 20_000, false).run();
    double bestData = 0;
    for (double[] x : data.x()) {
      bestData = Math.max(bestData, gradientNorm(net, x));
    }
    assertThat(s.lower()).isGreaterThanOrEqualTo(bestData * (1 - ROUNDING));
    // the quotient of the closest oppositely labelled pair, computed here independently
    double best = Double.POSITIVE_INFINITY;
    double quotient = 0;
    for (int i = 0; i < data.n(); i++) {
      for (int j = 0; j < i; j++) {
        if (data.y()[i] == data.y()[j]) {
          continue;
        }
        double dist = TestNets.norm(minus(data.x()[i], data.x()[j]));
        if (dist < best) {
          best = dist;
          quotient = Math.abs(value(net, data.x()[i]) - value(net, data.x()[j])) / dist;
        }
      }
    }
    assertThat(s.lower()).isGreaterThanOrEqualTo(quotient * (1 - ROUNDING));
    assertThat(s.lower()).isLessThanOrEqualTo(s.upper());
    assertThat(s.evaluations()).isBetween(19_000L, 20_000L);
    LowerBoundSearch again = new LowerBoundSearch(net, data, 3, 20_000, false).run();
    assertThat(again.lower()).isEqualTo(s.lower());
    assertThat(again.bounds(Double.NaN)).isEqualTo(s.bounds(Double.NaN));
  }

  @Test
  void otherNetsRunTheQuickSandwichToTheBudget() {
    SplittableRandom rng = new SplittableRandom(5);
    NetworkSnapshot tanh =
        new NetworkSnapshot("tanh", TestNets.random(rng, true, 4, 8, 1).layers());
    Dataset data = DataModels.sphereRandomLabels(30, 4, 5);
    assertThat(LowerBoundSearch.batched(tanh, false)).isFalse();
    LowerBoundSearch s = new LowerBoundSearch(tanh, data, 9, 3000, false).run();
    LipschitzSandwich quick = LipschitzSandwich.quick(tanh, data, 9, 3000, false);
    while (quick.step(2_000)) {
      // to the budget
    }
    assertThat(s.lower()).isEqualTo(quick.lower());
    assertThat(s.upper()).isEqualTo(quick.upper());
  }

  private static double radius(Dataset data) {
    double r = 0;
    for (double[] x : data.x()) {
      r = Math.max(r, Rounding.normUp(x, x.length));
    }
    return Math.max(1.0, r);
  }

  private static double[] minus(double[] x, double[] y) {
    double[] out = new double[x.length];
    for (int c = 0; c < x.length; c++) {
      out[c] = x[c] - y[c];
    }
    return out;
  }

  /** f(x) of a scalar two-layer ReLU net, by plain loops. */
  private static double value(NetworkSnapshot net, double[] x) {
    NetworkSnapshot.Layer first = net.layers().get(0);
    NetworkSnapshot.Layer second = net.layers().get(1);
    double f = second.bias() == null ? 0 : second.bias()[0];
    for (int j = 0; j < first.rows(); j++) {
      double z = first.bias() == null ? 0 : first.bias()[j];
      for (int c = 0; c < first.cols(); c++) {
        z += first.w(j, c) * x[c];
      }
      f += second.w(0, j) * Math.max(0, z);
    }
    return f;
  }

  /** ‖∇f(x)‖ = ‖Σ_{j active} a_j w_j‖ of a scalar two-layer ReLU net, by plain loops. */
  private static double gradientNorm(NetworkSnapshot net, double[] x) {
    NetworkSnapshot.Layer first = net.layers().get(0);
    NetworkSnapshot.Layer second = net.layers().get(1);
    double[] g = new double[first.cols()];
    for (int j = 0; j < first.rows(); j++) {
      double z = first.bias() == null ? 0 : first.bias()[j];
      for (int c = 0; c < first.cols(); c++) {
        z += first.w(j, c) * x[c];
      }
      if (z > 0) {
        for (int c = 0; c < first.cols(); c++) {
          g[c] += second.w(0, j) * first.w(j, c);
        }
      }
    }
    return TestNets.norm(g);
  }
}
