package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import lipfarm.training.MlpTrainer;
import lipfarm.training.TrainingSpec;
import org.junit.jupiter.api.Test;

/**
 * Every certified sandwich contains the exact constant, computed by the independent {@link
 * ExactOracle} (exhaustive region enumeration in exact rationals) on farm-like nets: biases, k &gt;
 * d, depth 2 and 3, d ∈ {1, 2, 3}, leaky ReLU, nets trained by {@link MlpTrainer}; local (data
 * ball) and global.
 */
class ExactOracleTest {
  /** The search must get this close to the exact local constant (it is not a certificate). */
  private static final double SEARCH_FLOOR = 0.75;

  /** Grid spacing of the oracle's self-check, and how close the grid maximum must come. */
  private static final int GRID = 200;

  private static final double GRID_FLOOR = 0.97;

  private record Case(String name, NetworkSnapshot net, Dataset data) {}

  private static List<Case> cases() {
    List<Case> out = new ArrayList<>();
    SplittableRandom rng = new SplittableRandom(2024);
    int[][] shapes = {{1, 8, 1}, {2, 6, 1}, {3, 7, 1}, {1, 4, 4, 1}, {2, 5, 4, 1}, {3, 4, 3, 1}};
    for (int[] shape : shapes) {
      int d = shape[0];
      out.add(
          new Case(
              java.util.Arrays.toString(shape),
              TestNets.random(rng, true, shape),
              DataModels.sphereRandomLabels(12, d, rng.nextLong())));
    }
    NetworkSnapshot relu = TestNets.random(rng, true, 2, 5, 4, 1);
    out.add(
        new Case(
            "leaky 2-5-4-1",
            new NetworkSnapshot("leaky-relu:0.1", relu.layers()),
            DataModels.sphereRandomLabels(12, 2, 5)));
    out.add(trained(List.of(8), 2, 21));
    out.add(trained(List.of(5, 4), 3, 22));
    return out;
  }

  /** A net trained by the farm's trainer on random sphere labels (biases, Adam, squared loss). */
  private static Case trained(List<Integer> hidden, int d, long seed) {
    Dataset data = DataModels.sphereRandomLabels(10, d, seed);
    TrainingSpec base = TrainingSpec.twoLayerRelu(hidden.get(0), true, 0.02, 0.05, 400);
    TrainingSpec spec =
        new TrainingSpec(
            hidden,
            1,
            true,
            base.activation(),
            base.leakySlope(),
            base.loss(),
            base.fit(),
            base.optimizer(),
            base.bound(),
            base.maxEpochs());
    MlpTrainer t = new MlpTrainer(data, spec, seed);
    for (int i = 0; i < 400; i++) {
      t.step();
    }
    return new Case("trained " + d + "-" + hidden + "-1", t.snapshot(), data);
  }

  @Test
  void oracleAgreesWithADenseGridOnTwoDimensionalNets() {
    SplittableRandom rng = new SplittableRandom(77);
    for (int[] shape : new int[][] {{2, 6, 1}, {2, 5, 4, 1}}) {
      NetworkSnapshot net = TestNets.random(rng, true, shape);
      double b = 3.0;
      double exact = Math.sqrt(ExactOracle.onBoxSquared(net, b).toDouble());
      // Central differences of f on a grid of the box: every one is ≤ the constant.
      double h = 1e-6;
      double best = 0;
      for (int i = 0; i <= GRID; i++) {
        for (int j = 0; j <= GRID; j++) {
          double x = -b + 2 * b * i / GRID;
          double y = -b + 2 * b * j / GRID;
          double gx =
              (NetworkMath.value(net, new double[] {x + h, y})
                      - NetworkMath.value(net, new double[] {x - h, y}))
                  / (2 * h);
          double gy =
              (NetworkMath.value(net, new double[] {x, y + h})
                      - NetworkMath.value(net, new double[] {x, y - h}))
                  / (2 * h);
          best = Math.max(best, Math.hypot(gx, gy));
        }
      }
      assertThat(best).as("%s", java.util.Arrays.toString(shape)).isLessThan(exact * 1.0001);
      assertThat(best).isGreaterThan(exact * GRID_FLOOR);
    }
  }

  @Test
  void everyCertifiedSandwichContainsTheExactConstant() {
    for (Case c : cases()) {
      LipschitzSandwich s = new LipschitzSandwich(c.net, c.data, 3, 6000);
      while (s.step(1000)) {
        // to the end of the budget
      }
      ExactOracle.Result exact = ExactOracle.lipschitz(c.net, s.domainRadius());
      for (Bound b : s.bounds()) {
        switch (b.kind()) {
          case CERTIFIED_LOWER ->
              assertThat(
                      b.globalOnly()
                          ? exact.globalAtLeast(b.value())
                          : exact.localAtLeast(b.value()))
                  .as("%s %s", c.name, b)
                  .isTrue();
          case CERTIFIED_UPPER ->
              assertThat(
                      b.localOnly() ? exact.localAtMost(b.value()) : exact.globalAtMost(b.value()))
                  .as("%s %s", c.name, b)
                  .isTrue();
          case ESTIMATOR_ERROR -> throw new AssertionError(c.name + ": " + b);
          default -> {}
        }
      }
      assertThat(s.lower()).as(c.name).isGreaterThan(SEARCH_FLOOR * exact.local());
    }
  }

  @Test
  void branchAndBoundOnABoxContainsTheExactConstant() {
    SplittableRandom rng = new SplittableRandom(31);
    for (int[] shape : new int[][] {{2, 6, 1}, {2, 5, 4, 1}, {3, 4, 3, 1}}) {
      NetworkSnapshot net = TestNets.random(rng, true, shape);
      double b = 1.5;
      ExactOracle.Q exact = ExactOracle.onBoxSquared(net, b);
      BranchAndBound bb = BranchAndBound.cube(net, b);
      bb.stepWithin(4000, 1e-9);
      ExactOracle.Q lo = ExactOracle.Q.of(bb.lower());
      ExactOracle.Q hi = ExactOracle.Q.of(bb.upper());
      assertThat(lo.mul(lo).compareTo(exact))
          .as("%s", java.util.Arrays.toString(shape))
          .isLessThanOrEqualTo(0);
      assertThat(hi.mul(hi).compareTo(exact)).isGreaterThanOrEqualTo(0);
    }
  }

  /**
   * A biased 2→6→5→1 net whose global constant lives in an unbounded linear region far from the
   * data: the global lower bound must reach it (far-field directions), checked against the oracle.
   * The net's premise is checked: the exact global constant exceeds the exact local one by 30% and
   * equals the far-field value (the exact constant of the same net without biases).
   */
  /** The first seed (from 0) whose 2→6→5→1 net has its global maximum in the far field. */
  private static final long FAR_SEED = 6;

  @Test
  void globalLowerBoundFindsTheFarFieldMaximum() {
    NetworkSnapshot net = TestNets.random(new SplittableRandom(FAR_SEED), true, 2, 6, 5, 1);
    Dataset data = DataModels.sphereRandomLabels(20, 2, FAR_SEED);
    ExactOracle.Result exact = ExactOracle.lipschitz(net, 1.0);
    ExactOracle.Result far = ExactOracle.lipschitz(withoutBiases(net), 1.0);
    // The premise: the maximum is in the far field, well above the local constant.
    assertThat(exact.globalSquared().compareTo(far.globalSquared())).isZero();
    assertThat(exact.global()).isGreaterThan(1.3 * exact.local());
    LipschitzSandwich s = new LipschitzSandwich(net, data, 1, 6000);
    while (s.step(1000)) {
      // to the end of the budget
    }
    ExactOracle.Result atR = ExactOracle.lipschitz(net, s.domainRadius());
    assertThat(atR.globalAtLeast(s.lowerGlobal())).isTrue();
    assertThat(atR.localAtLeast(s.lower())).isTrue();
    assertThat(s.lower()).isLessThan(exact.global() / 1.3);
    assertThat(s.lowerGlobal()).isGreaterThanOrEqualTo(exact.global() * (1 - 1e-9));
    assertThat(s.lowerGlobalMethod()).isEqualTo("far-field@global");
  }

  private static NetworkSnapshot withoutBiases(NetworkSnapshot net) {
    List<NetworkSnapshot.Layer> layers = new ArrayList<>();
    for (NetworkSnapshot.Layer l : net.layers()) {
      layers.add(new NetworkSnapshot.Layer(l.rows(), l.cols(), l.weights(), null));
    }
    return new NetworkSnapshot(net.activation(), layers);
  }
}
