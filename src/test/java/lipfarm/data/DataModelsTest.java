package lipfarm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Moments of each point model, checked against their formulas within Z_SIGMAS standard errors. */
class DataModelsTest {
  /** Statistical checks allow this many standard errors: a false alarm has probability < 1e-6. */
  private static final double Z_SIGMAS = 5.0;

  /** Floating-point slack for quantities that are exact in real arithmetic. */
  private static final double EXACT = 1e-12;

  private static final int SAMPLES = 4000;

  /**
   * sphereRandomLabels and its helpers must keep producing the data every earlier farm ran on. The
   * fingerprint was computed with the code of commit 0f71ace, before this package grew.
   */
  @Test
  void sphereRandomLabelsIsUnchangedBitForBit() {
    Dataset ds = DataModels.sphereRandomLabels(50, 7, 42);
    long h = 17;
    for (int i = 0; i < ds.n(); i++) {
      for (double v : ds.x()[i]) {
        h = 31 * h + Double.doubleToLongBits(v);
      }
      h = 31 * h + Double.doubleToLongBits(ds.y()[i]);
    }
    assertThat(h).isEqualTo(856280751002824797L);
    assertThat(ds.x()[0][0]).isEqualTo(0.13180205144165943);
  }

  @Test
  void spherePointsHaveUnitNormAndIsotropicSecondMoment() {
    int d = 8;
    SplittableRandom rng = new SplittableRandom(1);
    double[] coordSq = new double[d];
    for (int i = 0; i < SAMPLES; i++) {
      double[] x = DataModels.uniformSpherePoint(d, rng);
      assertThat(norm2(x)).isCloseTo(1.0, within(EXACT));
      for (int c = 0; c < d; c++) {
        coordSq[c] += x[c] * x[c] / SAMPLES;
      }
    }
    // x_c² ~ Beta(1/2, (d−1)/2): mean 1/d, variance 2(d−1)/(d²(d+2)).
    double se = Math.sqrt(2.0 * (d - 1) / (d * d * (d + 2.0)) / SAMPLES);
    for (int c = 0; c < d; c++) {
      assertThat(coordSq[c]).as("E x_%d²", c).isCloseTo(1.0 / d, within(Z_SIGMAS * se));
    }
  }

  @Test
  void standardGaussianHasMeanZeroVarianceOne() {
    SplittableRandom rng = new SplittableRandom(2);
    int m = 20_000;
    double s1 = 0;
    double s2 = 0;
    for (int i = 0; i < m; i++) {
      double g = DataModels.gaussian(rng);
      s1 += g / m;
      s2 += g * g / m;
    }
    assertThat(s1).isCloseTo(0.0, within(Z_SIGMAS / Math.sqrt(m)));
    // Var(g²) = 2.
    assertThat(s2).isCloseTo(1.0, within(Z_SIGMAS * Math.sqrt(2.0 / m)));
  }

  /** N(0, I/d): ‖x‖²·d ~ χ²_d, so E‖x‖² = 1 and E‖x‖⁴ = 1 + 2/d. */
  @Test
  void gaussianPointsHaveUnitMeanSquaredNorm() {
    int d = 10;
    SplittableRandom rng = new SplittableRandom(3);
    double m1 = 0;
    double m2 = 0;
    for (int i = 0; i < SAMPLES; i++) {
      double r2 = norm2sq(DataModels.gaussianPoint(d, rng));
      m1 += r2 / SAMPLES;
      m2 += r2 * r2 / SAMPLES;
    }
    assertThat(m1).isCloseTo(1.0, within(Z_SIGMAS * Math.sqrt(2.0 / d / SAMPLES)));
    // Var(‖x‖⁴) for χ²_d/d: E r⁸ − (E r⁴)² = [d(d+2)(d+4)(d+6) − (d(d+2))²] / d⁴.
    double e4 = d * (d + 2.0) / (d * d);
    double e8 = d * (d + 2.0) * (d + 4.0) * (d + 6.0) / Math.pow(d, 4);
    assertThat(m2).isCloseTo(1.0 + 2.0 / d, within(Z_SIGMAS * Math.sqrt((e8 - e4 * e4) / SAMPLES)));
  }

  /** Cube coordinates are uniform on [−1, 1]: in range, 10 equal bins equally full, E u² = 1/3. */
  @Test
  void cubeCoordinatesAreUniform() {
    int d = 10;
    SplittableRandom rng = new SplittableRandom(4);
    int bins = 10;
    long[] count = new long[bins];
    double sumSq = 0;
    double sumNormSq = 0;
    for (int i = 0; i < SAMPLES; i++) {
      double[] x = DataModels.cubePoint(d, rng);
      sumNormSq += norm2sq(x) / SAMPLES;
      for (double u : x) {
        assertThat(u).isBetween(-1.0, 1.0);
        count[Math.min(bins - 1, (int) ((u + 1) / 2 * bins))]++;
        sumSq += u * u;
      }
    }
    long m = (long) SAMPLES * d;
    double p = 1.0 / bins;
    for (int b = 0; b < bins; b++) {
      assertThat((double) count[b])
          .as("bin %d", b)
          .isCloseTo(m * p, within(Z_SIGMAS * Math.sqrt(m * p * (1 - p))));
    }
    // Var(u²) = E u⁴ − (E u²)² = 1/5 − 1/9 = 4/45.
    assertThat(sumSq / m).isCloseTo(1.0 / 3, within(Z_SIGMAS * Math.sqrt(4.0 / 45 / m)));
    assertThat(sumNormSq).isCloseTo(d / 3.0, within(Z_SIGMAS * Math.sqrt(d * 4.0 / 45 / SAMPLES)));
  }

  /** Centres lie on the sphere of radius s; a point is centre + N(0, I/d), so E‖x‖² = s² + 1. */
  @Test
  void mixturePointsHaveTheirMoments() {
    int d = 10;
    double s = 2.0;
    SplittableRandom rng = new SplittableRandom(5);
    double[][] centres = DataModels.mixtureCentres(3, d, s, rng);
    for (double[] c : centres) {
      assertThat(norm2(c)).isCloseTo(s, within(EXACT));
    }
    double m1 = 0;
    double[] offsetMean = new double[d];
    for (int i = 0; i < SAMPLES; i++) {
      int j = i % 3;
      double[] x = DataModels.mixturePoint(centres, j, rng);
      m1 += norm2sq(x) / SAMPLES;
      for (int c = 0; c < d; c++) {
        offsetMean[c] += (x[c] - centres[j][c]) / SAMPLES;
      }
    }
    // ‖μ + z‖² = s² + 2μ·z + ‖z‖²: variance 4s²/d + 2/d.
    assertThat(m1)
        .isCloseTo(s * s + 1, within(Z_SIGMAS * Math.sqrt((4 * s * s + 2) / d / SAMPLES)));
    for (int c = 0; c < d; c++) {
      assertThat(offsetMean[c]).isCloseTo(0.0, within(Z_SIGMAS * Math.sqrt(1.0 / d / SAMPLES)));
    }
  }

  /** Each label flips with probability p: the flip count is Binomial(n, p). */
  @Test
  void flipLabelsFlipsAtTheRequestedRate() {
    int n = 20_000;
    double[] y = DataModels.randomLabels(n, new SplittableRandom(6));
    for (double p : new double[] {0.0, 0.1, 0.5}) {
      double[] z = DataModels.flipLabels(y, p, new SplittableRandom(7));
      int flips = 0;
      for (int i = 0; i < n; i++) {
        assertThat(Math.abs(z[i])).isEqualTo(1.0);
        flips += z[i] != y[i] ? 1 : 0;
      }
      assertThat((double) flips)
          .as("p = %s", p)
          .isCloseTo(n * p, within(Z_SIGMAS * Math.sqrt(n * p * (1 - p)) + EXACT));
    }
  }

  static double norm2sq(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v * v;
    }
    return s;
  }

  static double norm2(double[] x) {
    return Math.sqrt(norm2sq(x));
  }
}
