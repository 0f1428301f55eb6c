package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A wider sweep of {@link ExactOracleTest}: many seeded nets (biases, k &gt; d, depth 2 and 3, d ∈
 * {1, 2, 3}, ReLU and leaky ReLU), every certified number of the sandwich against the independent
 * exact oracle. Slow: run with {@code mvn -B test -Pslow -Dgroups=slow}.
 */
@Tag("slow")
class ExactOracleSweepTest {
  @Test
  void everyCertifiedNumberOfManyNetsIsOnItsSafeSide() {
    SplittableRandom rng = new SplittableRandom(4242);
    int[][] shapes = {
      {1, 6, 1}, {1, 5, 5, 1}, {2, 8, 1}, {2, 4, 4, 1}, {2, 6, 5, 1}, {3, 6, 1}, {3, 5, 4, 1}
    };
    for (int rep = 0; rep < 3; rep++) {
      for (int[] shape : shapes) {
        NetworkSnapshot relu = TestNets.random(rng, true, shape);
        NetworkSnapshot net =
            rep == 2 ? new NetworkSnapshot("leaky-relu:0.2", relu.layers()) : relu;
        Dataset data = DataModels.sphereRandomLabels(15, shape[0], rng.nextLong());
        LipschitzSandwich s = new LipschitzSandwich(net, data, rep, 10_000);
        while (s.step(1000)) {
          // to the end of the budget
        }
        ExactOracle.Result exact = ExactOracle.lipschitz(net, s.domainRadius());
        String name = java.util.Arrays.toString(shape) + " rep " + rep;
        for (Bound b : s.bounds()) {
          switch (b.kind()) {
            case CERTIFIED_LOWER ->
                assertThat(
                        b.globalOnly()
                            ? exact.globalAtLeast(b.value())
                            : exact.localAtLeast(b.value()))
                    .as("%s %s", name, b)
                    .isTrue();
            case CERTIFIED_UPPER ->
                assertThat(
                        b.localOnly()
                            ? exact.localAtMost(b.value())
                            : exact.globalAtMost(b.value()))
                    .as("%s %s", name, b)
                    .isTrue();
            case ESTIMATOR_ERROR -> throw new AssertionError(name + ": " + b);
            default -> {}
          }
        }
      }
    }
  }
}
