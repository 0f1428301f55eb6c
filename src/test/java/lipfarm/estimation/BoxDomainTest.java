package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

/**
 * The local constant on a box domain. f(x) = relu(x₂) + 10·relu(5x₁ − 6): on the box [−1, 1]^d the
 * second unit never activates (5x₁ − 6 ≤ −1), so Lip_box = 1; outside the box, on a ball that holds
 * the same data, it does, and ‖∇f‖ reaches √(1 + 50²).
 */
class BoxDomainTest {
  private static final double TOL = 1e-9;

  private static NetworkSnapshot net(int d) {
    double[] w = new double[2 * d];
    w[1] = 1; // unit 0: x₂
    w[d] = 5; // unit 1: 5·x₁
    return new NetworkSnapshot(
        "relu",
        List.of(
            new NetworkSnapshot.Layer(2, d, w, new double[] {0, -6}),
            new NetworkSnapshot.Layer(1, 2, new double[] {1, 10}, null)));
  }

  private static Dataset cubeData(int n, int d) {
    SplittableRandom rng = new SplittableRandom(3);
    double[][] x = new double[n][];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = DataModels.cubePoint(d, rng);
      y[i] = rng.nextBoolean() ? 1 : -1;
    }
    return new Dataset(x, y);
  }

  @Test
  void localConstantStaysInTheBox() {
    int d = 4;
    Dataset data = cubeData(60, d);
    LipschitzSandwich box = new LipschitzSandwich(net(d), data, 5, 20_000, true);
    while (box.step(2000)) {
      // run to the end of the budget
    }
    assertThat(box.boxDomain()).isTrue();
    assertThat(box.boxHalfWidth()).isEqualTo(1.0);
    assertThat(box.lower())
        .as("local lower bound on the box")
        .isLessThanOrEqualTo(1 + TOL)
        .isGreaterThan(0.999);
    assertThat(box.lowerGlobal()).as("the global search leaves the box").isGreaterThan(40);

    LipschitzSandwich ball = new LipschitzSandwich(net(d), data, 5, 20_000, false);
    while (ball.step(2000)) {
      // run to the end of the budget
    }
    // The ball of radius max‖x_i‖ > 1.2 reaches the second unit's region.
    assertThat(ball.domainRadius()).isGreaterThan(1.2);
    assertThat(ball.lower()).isGreaterThan(40);
  }

  @Test
  void candidatesOutsideTheBoxAreRefused() {
    int d = 3;
    LipschitzSandwich box = new LipschitzSandwich(net(d), cubeData(10, d), 1, 1000, true);
    assertThatThrownBy(() -> box.probeCandidates(new double[][] {{1.5, 0, 0}}, "t"))
        .hasMessageContaining("box");
    box.probeCandidates(new double[][] {{1, 1, -1}}, "t");
    assertThat(box.lower()).isGreaterThan(0.999);
  }
}
