package lipfarm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TransformsTest {
  private static final double EXACT = 1e-12;

  private static final double Z_SIGMAS = 5.0;

  @Test
  void centerRemovesTheMeanAndNormalizeGivesUnitNormsExceptZero() {
    double[][] x = {{1, 2}, {3, 2}, {2, 2}};
    double[][] c = Transforms.center(x);
    assertThat(c).isDeepEqualTo(new double[][] {{-1, 0}, {1, 0}, {0, 0}});
    double[][] u = Transforms.normalize(c);
    assertThat(u).isDeepEqualTo(new double[][] {{-1, 0}, {1, 0}, {0, 0}});
    assertThat(Transforms.normalize(new double[][] {{3, 4}})[0])
        .containsExactly(new double[] {0.6, 0.8}, within(EXACT));
    assertThat(x[0]).containsExactly(1, 2); // inputs are not modified
  }

  /** Rows have norm √(D/d), and E‖Px‖² = ‖x‖² over the draw of P. */
  @Test
  void projectionPreservesSquaredNormInExpectation() {
    int bigD = 50;
    int d = 5;
    double[] x = DataModels.uniformSpherePoint(bigD, new SplittableRandom(1));
    SplittableRandom rng = new SplittableRandom(2);
    int trials = 4000;
    double mean = 0;
    for (int t = 0; t < trials; t++) {
      double[][] p = Transforms.projectionMatrix(d, bigD, rng);
      for (double[] row : p) {
        assertThat(DataModelsTest.norm2(row))
            .isCloseTo(Math.sqrt((double) bigD / d), within(EXACT));
      }
      mean += DataModelsTest.norm2sq(Transforms.project(new double[][] {x}, p)[0]) / trials;
    }
    // Each (p·x)² is (D/d)·Beta(1/2, (D−1)/2) for unit x: variance (D/d)²·2(D−1)/(D²(D+2)); d are
    // independent.
    double var = d * Math.pow((double) bigD / d, 2) * 2 * (bigD - 1) / (bigD * bigD * (bigD + 2.0));
    assertThat(mean).isCloseTo(1.0, within(Z_SIGMAS * Math.sqrt(var / trials)));
  }
}
