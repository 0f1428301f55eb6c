package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

/**
 * Adversarial rounding: bias-free ReLU nets f(x) = a₁relu(w₁x) + a₂relu(w₂x) on d = 1 whose output
 * weights are near 2⁴⁰ and whose products a₁w₁ + a₂w₂ nearly cancel, so every floating-point
 * gradient is off by ~10⁻⁴. The exact constant is computed here with BigDecimal (exact products and
 * sums of the stored doubles), independently of the estimators: on x > 0 the gradient is the sum of
 * a_j w_j over w_j > 0, on x < 0 over w_j < 0. Every certified number must be on its safe side.
 */
class CancellationNetsTest {
  private static final double TWO_40 = 0x1.0p40;

  /** A net whose x > 0 gradient a₁w₁ + a₂w₂ is about {@code target} though each term is ~2⁴⁰. */
  static NetworkSnapshot cancellationNet(SplittableRandom rng, double target) {
    double w1 = 0.5 + rng.nextDouble();
    double w2 = 0.5 + rng.nextDouble();
    double a1 = TWO_40 * (1 + rng.nextDouble());
    double a2 = -(a1 * w1 - target) / w2; // rounded: the exact sum is only near target
    return new NetworkSnapshot(
        "relu",
        List.of(
            new NetworkSnapshot.Layer(2, 1, new double[] {w1, w2}, null),
            new NetworkSnapshot.Layer(1, 2, new double[] {a1, a2}, null)));
  }

  /** The exact Lipschitz constant of a d = 1, bias-free two-layer ReLU net, in exact decimals. */
  static BigDecimal exact(NetworkSnapshot net) {
    double[] w = net.layers().get(0).weights();
    double[] a = net.layers().get(1).weights();
    BigDecimal pos = BigDecimal.ZERO;
    BigDecimal neg = BigDecimal.ZERO;
    for (int j = 0; j < w.length; j++) {
      BigDecimal t = new BigDecimal(a[j]).multiply(new BigDecimal(w[j]));
      if (w[j] > 0) {
        pos = pos.add(t);
      } else if (w[j] < 0) {
        neg = neg.add(t);
      }
    }
    return pos.abs().max(neg.abs());
  }

  private static final Dataset DATA =
      new Dataset(
          new double[][] {{1.0}, {-1.0}, {0.5}, {-0.25}, {0.75}}, new double[] {1, -1, 1, -1, -1});

  @Test
  void theCancellationReallyBreaksPlainFloatingPoint() {
    // Guard: the nets are adversarial, i.e. a plain double gradient misses the exact value.
    int off = 0;
    SplittableRandom rng = new SplittableRandom(7);
    for (int i = 0; i < 20; i++) {
      NetworkSnapshot net = cancellationNet(rng, 1.68);
      double plain = NetworkMath.gradientNorm(net, new double[] {1.0});
      if (new BigDecimal(plain).compareTo(exact(net)) != 0) {
        off++;
      }
    }
    assertThat(off).isGreaterThan(10);
  }

  @Test
  void everyCertifiedNumberIsOnItsSafeSide() {
    SplittableRandom rng = new SplittableRandom(2026);
    for (int i = 0; i < 40; i++) {
      NetworkSnapshot net = cancellationNet(rng, i % 2 == 0 ? 1.68 : 0.88);
      BigDecimal exact = exact(net);
      LipschitzSandwich s = new LipschitzSandwich(net, DATA, i, 3000);
      while (s.step(500)) {
        // run to the end of the budget
      }
      for (Bound b : s.bounds()) {
        BigDecimal v = new BigDecimal(b.value());
        switch (b.kind()) {
          case CERTIFIED_LOWER -> assertThat(v).as("net %d %s", i, b).isLessThanOrEqualTo(exact);
          case CERTIFIED_UPPER -> assertThat(v).as("net %d %s", i, b).isGreaterThanOrEqualTo(exact);
          case ESTIMATOR_ERROR -> throw new AssertionError("net " + i + ": " + b);
          default -> {}
        }
      }
      // The sandwich is still useful: the rounding allowance is a few ulps of 2⁴⁰, not more.
      assertThat(s.upper() - s.lower()).as("net %d", i).isLessThan(1e-2);
    }
  }

  @Test
  void branchAndBoundIsSafeOnCancellationNets() {
    SplittableRandom rng = new SplittableRandom(99);
    for (int i = 0; i < 40; i++) {
      NetworkSnapshot net = cancellationNet(rng, 0.88);
      BigDecimal exact = exact(net);
      BranchAndBound bb = BranchAndBound.cube(net, 1.0);
      bb.step(200, 1e-12);
      assertThat(new BigDecimal(bb.upper())).as("net %d", i).isGreaterThanOrEqualTo(exact);
      assertThat(new BigDecimal(bb.lower())).as("net %d", i).isLessThanOrEqualTo(exact);
    }
  }

  @Test
  void differenceQuotientsAreSafe() {
    SplittableRandom rng = new SplittableRandom(5);
    for (int i = 0; i < 40; i++) {
      NetworkSnapshot net = cancellationNet(rng, 1.68);
      BigDecimal exact = exact(net);
      double q = DifferenceQuotients.best(new Mlp(net), DATA, new SplittableRandom(1), 100).value();
      assertThat(new BigDecimal(q)).as("net %d", i).isLessThanOrEqualTo(exact);
    }
  }

  /**
   * Vector output: two output rows, each nearly cancelling; d = 1, so the Jacobian on x > 0 is the
   * column (g₁, g₂) with g_r = Σ_{w_j > 0} a_rj w_j and its spectral norm is √(g₁² + g₂²), compared
   * exactly through squares.
   */
  @Test
  void vectorOutputsAreSafeToo() {
    SplittableRandom rng = new SplittableRandom(17);
    for (int i = 0; i < 20; i++) {
      NetworkSnapshot a = cancellationNet(rng, 1.2);
      NetworkSnapshot b = cancellationNet(rng, 0.7);
      double[] w = a.layers().get(0).weights();
      double[] top = new double[] {a.layers().get(1).w(0, 0), a.layers().get(1).w(0, 1)};
      // Second row: the second net's output weights rescaled to the first net's hidden weights.
      double[] bot =
          new double[] {
            b.layers().get(1).w(0, 0), -(b.layers().get(1).w(0, 0) * w[0] - 0.7) / w[1]
          };
      NetworkSnapshot net =
          new NetworkSnapshot(
              "relu",
              List.of(
                  new NetworkSnapshot.Layer(2, 1, w, null),
                  new NetworkSnapshot.Layer(
                      2, 2, new double[] {top[0], top[1], bot[0], bot[1]}, null)));
      BigDecimal g1 =
          new BigDecimal(top[0])
              .multiply(new BigDecimal(w[0]))
              .add(new BigDecimal(top[1]).multiply(new BigDecimal(w[1])));
      BigDecimal g2 =
          new BigDecimal(bot[0])
              .multiply(new BigDecimal(w[0]))
              .add(new BigDecimal(bot[1]).multiply(new BigDecimal(w[1])));
      BigDecimal exact2 = g1.multiply(g1).add(g2.multiply(g2)); // both w_j > 0: x < 0 gives 0
      LipschitzSandwich s = new LipschitzSandwich(net, DATA, i, 2000);
      while (s.step(500)) {
        // run to the end of the budget
      }
      for (Bound bd : s.bounds()) {
        BigDecimal v = new BigDecimal(bd.value());
        BigDecimal v2 = v.multiply(v);
        switch (bd.kind()) {
          case CERTIFIED_LOWER -> assertThat(v2).as("net %d %s", i, bd).isLessThanOrEqualTo(exact2);
          case CERTIFIED_UPPER ->
              assertThat(v2).as("net %d %s", i, bd).isGreaterThanOrEqualTo(exact2);
          case ESTIMATOR_ERROR -> throw new AssertionError("net " + i + ": " + bd);
          default -> {}
        }
      }
      assertThat(s.lower()).as("net %d", i).isPositive();
    }
  }
}
