package lipfarm.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LeastSquaresTest {
  private static final double EXACT = 1e-9;

  @Test
  void recoversAnExactPlaneWithTwoCovariates() {
    // y = 1.5 + 0.5·x1 − 2·x2 on a non-orthogonal design, no noise: OLS must return it exactly.
    double[][] x = {{0, 1}, {1, 0}, {2, 3}, {5, 1}, {3, 3}, {4, 7}};
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = 1.5 + 0.5 * x[i][0] - 2 * x[i][1];
    }
    double[] beta = LeastSquares.fit(x, y);
    assertThat(beta).containsExactly(new double[] {1.5, 0.5, -2}, within(EXACT));
  }

  @Test
  void matchesTheClosedFormSimpleRegression() {
    // slope = Σ(x−x̄)(y−ȳ)/Σ(x−x̄)², intercept = ȳ − slope·x̄, computed here independently.
    Random rng = new Random(7);
    int n = 50;
    double[][] x = new double[n][1];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i][0] = Math.log(100 + 50 * i); // large offsets: the intercept column is nearly collinear
      y[i] = 0.3 + 0.5 * x[i][0] + 0.1 * rng.nextGaussian();
    }
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += x[i][0] / n;
      my += y[i] / n;
    }
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < n; i++) {
      sxy += (x[i][0] - mx) * (y[i] - my);
      sxx += (x[i][0] - mx) * (x[i][0] - mx);
    }
    double[] beta = LeastSquares.fit(x, y);
    assertThat(beta[1]).isCloseTo(sxy / sxx, within(EXACT));
    assertThat(beta[0]).isCloseTo(my - sxy / sxx * mx, within(EXACT));
  }

  @Test
  void rankDeficientDesignsGiveNull() {
    double[][] constant = {{2}, {2}, {2}};
    assertThat(LeastSquares.fit(constant, new double[] {1, 2, 3})).isNull();
    // x2 = x1 − 1: log(n/k) next to log n and log k is exactly this situation.
    double[][] collinear = {{1, 0}, {2, 1}, {3, 2}, {4, 3}};
    assertThat(LeastSquares.fit(collinear, new double[] {1, 2, 2, 5})).isNull();
    assertThat(LeastSquares.fit(new double[][] {{1}}, new double[] {1}))
        .as("fewer rows than coefficients")
        .isNull();
  }
}
