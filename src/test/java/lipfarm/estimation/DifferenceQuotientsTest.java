package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

/** The difference-quotient lower bound always contains the closest differently labelled pair. */
class DifferenceQuotientsTest {
  /** Rounding allowance between the safe quotient and the test's plain one. */
  private static final double ROUNDING = 1e-12;

  @Test
  void closestOppositePairIsAlwaysACandidate() {
    // n²d = 6.25·10⁷ > ALL_PAIRS_WORK: only random pairs plus the closest opposite pair.
    int n = 2500;
    int d = 10;
    assertThat((long) n * n * d).isGreaterThan(DifferenceQuotients.ALL_PAIRS_WORK);
    Dataset data = DataModels.sphereRandomLabels(n, d, 4);
    NetworkSnapshot net = TestNets.random(new SplittableRandom(3), true, d, 16, 1);
    // The closest differently labelled pair, found here by brute force.
    int bi = -1;
    int bj = -1;
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (data.y()[i] != data.y()[j]) {
          double s = 0;
          for (int c = 0; c < d; c++) {
            double t = data.x()[i][c] - data.x()[j][c];
            s += t * t;
          }
          if (s < best) {
            best = s;
            bi = i;
            bj = j;
          }
        }
      }
    }
    double q =
        Math.abs(NetworkMath.value(net, data.x()[bi]) - NetworkMath.value(net, data.x()[bj]))
            / Math.sqrt(best);
    // A seed for which the random pairs alone would not reach the closest pair's quotient is not
    // needed: the assertion is that the pair is always among the candidates.
    for (long seed = 0; seed < 3; seed++) {
      double got =
          DifferenceQuotients.best(new Mlp(net), data, new SplittableRandom(seed), Long.MAX_VALUE)
              .value();
      assertThat(got).isGreaterThanOrEqualTo(q * (1 - ROUNDING));
    }
    // With a budget below n forward passes, only that pair is used.
    double two = DifferenceQuotients.best(new Mlp(net), data, new SplittableRandom(0), 2).value();
    assertThat(two).isCloseTo(q, org.assertj.core.api.Assertions.within(q * ROUNDING));
  }
}
