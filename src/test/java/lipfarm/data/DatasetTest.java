package lipfarm.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DatasetTest {
  private static final long SEED = 0xDA7A;

  @Test
  void closestOppositePairIsTheBruteForceMinimum() {
    Random rnd = new Random(SEED);
    for (int trial = 0; trial < 20; trial++) {
      int n = 2 + rnd.nextInt(60);
      int d = 1 + rnd.nextInt(12);
      double[][] x = new double[n][d];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        for (int c = 0; c < d; c++) {
          x[i][c] = rnd.nextGaussian();
        }
        y[i] = rnd.nextBoolean() ? 1 : -1;
      }
      Dataset data = new Dataset(x, y);
      // Independent reference: every ordered opposite pair, both orders.
      double best = Double.POSITIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (y[i] != y[j]) {
            double s = 0;
            for (int c = 0; c < d; c++) {
              s += (x[i][c] - x[j][c]) * (x[i][c] - x[j][c]);
            }
            best = Math.min(best, Math.sqrt(s));
          }
        }
      }
      int[] pair = data.closestOppositePair();
      if (Double.isInfinite(best)) {
        assertThat(pair).isNull();
        assertThat(data.minOppositeLabelDistance()).isEqualTo(Double.POSITIVE_INFINITY);
        continue;
      }
      assertThat(pair[0]).isLessThan(pair[1]);
      assertThat(y[pair[0]]).isNotEqualTo(y[pair[1]]);
      assertThat(data.minOppositeLabelDistance()).isEqualTo(best);
    }
  }

  @Test
  void agreeingLabelsHaveNoOppositePair() {
    Dataset data = new Dataset(new double[][] {{0, 0}, {1, 0}, {0, 1}}, new double[] {1, 1, 1});
    assertThat(data.closestOppositePair()).isNull();
    assertThat(data.minOppositeLabelDistance()).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void aTieKeepsTheFirstPairInRowOrder() {
    Dataset data =
        new Dataset(new double[][] {{0, 0}, {3, 4}, {0, 5}, {10, 10}}, new double[] {1, -1, -1, 1});
    // (0,1) and (0,2) are both at distance 5: the first one found stays.
    assertThat(data.closestOppositePair()).containsExactly(0, 1);
    assertThat(data.minOppositeLabelDistance()).isEqualTo(5.0);
  }
}
