package lipfarm.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The slope fitter on synthetic farms whose true log-log slope is known. */
class ClusterBootstrapTest {
  private static final double TRUE_SLOPE = 0.5;
  private static final double TRUE_INTERCEPT = 0.3;
  private static final int[] N_LEVELS = {100, 200, 400, 800, 1600};

  /** Seed-level random effects: shared by all runs of a seed, as shared data points would be. */
  private static final double SEED_OFFSET_SD = 0.1;

  private static final double SEED_SLOPE_SD = 0.04;
  private static final double RUN_NOISE_SD = 0.05;

  /** One synthetic farm: log Lip = 0.3 + 0.5·log n + seed effects + noise. */
  private static List<Observation> farm(Random rng, int seeds) {
    List<Observation> rows = new ArrayList<>();
    for (int s = 0; s < seeds; s++) {
      double offset = SEED_OFFSET_SD * rng.nextGaussian();
      double slope = TRUE_SLOPE + SEED_SLOPE_SD * rng.nextGaussian();
      for (int n : N_LEVELS) {
        double x = Math.log(n);
        rows.add(
            new Observation(
                "seed" + s,
                new double[] {x},
                TRUE_INTERCEPT + offset + slope * x + RUN_NOISE_SD * rng.nextGaussian()));
      }
    }
    return rows;
  }

  @Test
  void recoversAKnownSlopeFromNoisyData() {
    RegressionFit fit =
        ClusterBootstrap.fit(List.of("log n"), farm(new Random(11), 30), 1000, 1, 0.95);
    // 30 seeds: the standard error of the slope is about SEED_SLOPE_SD/√30 ≈ 0.008.
    double tolerance = 0.04;
    assertThat(fit.slope("log n")).isCloseTo(TRUE_SLOPE, within(tolerance));
    assertThat(fit.low("log n")).isLessThan(fit.slope("log n"));
    assertThat(fit.high("log n")).isGreaterThan(fit.slope("log n"));
    assertThat(fit.clusters()).isEqualTo(30);
    assertThat(fit.observations()).isEqualTo(150);
    assertThat(fit.resamplesUsed()).isEqualTo(1000);
  }

  @Test
  void intervalCoversTheTrueSlopeAtAboutTheNominalRate() {
    int draws = 200;
    double nominal = 0.95;
    Random rng = new Random(2024);
    int covered = 0;
    for (int i = 0; i < draws; i++) {
      RegressionFit fit = ClusterBootstrap.fit(List.of("log n"), farm(rng, 30), 1000, i, nominal);
      if (fit.low("log n") <= TRUE_SLOPE && TRUE_SLOPE <= fit.high("log n")) {
        covered++;
      }
    }
    // Binomial(200, 0.95): standard deviation √(0.95·0.05/200) ≈ 0.015; allow three of them.
    double tolerance = 3 * Math.sqrt(nominal * (1 - nominal) / draws);
    assertThat(covered / (double) draws).isCloseTo(nominal, within(tolerance));
  }

  @Test
  void jointFitSeparatesTwoAxes() {
    // log Lip = 0.5·log n − 0.5·log k on a full n × k grid with seeds: the joint fit returns both.
    Random rng = new Random(5);
    List<Observation> rows = new ArrayList<>();
    for (int s = 0; s < 20; s++) {
      double offset = SEED_OFFSET_SD * rng.nextGaussian();
      for (int n : N_LEVELS) {
        for (int k : new int[] {5, 10, 20, 40}) {
          double y =
              offset + 0.5 * Math.log(n) - 0.5 * Math.log(k) + RUN_NOISE_SD * rng.nextGaussian();
          rows.add(new Observation("s" + s, new double[] {Math.log(n), Math.log(k)}, y));
        }
      }
    }
    RegressionFit fit = ClusterBootstrap.fit(List.of("log n", "log k"), rows, 500, 3, 0.95);
    double tolerance = 0.03;
    assertThat(fit.slope("log n")).isCloseTo(0.5, within(tolerance));
    assertThat(fit.slope("log k")).isCloseTo(-0.5, within(tolerance));
    assertThat(fit.low("log k")).isLessThan(-0.5 + tolerance);
    // The partial line at the mean of log k passes through the centre of the data.
    double meanY = rows.stream().mapToDouble(Observation::response).average().orElseThrow();
    assertThat(fit.partialPrediction("log n", fit.means()[0])).isCloseTo(meanY, within(1e-9));
  }

  @Test
  void oneSeedGroupGivesNoInterval() {
    RegressionFit fit =
        ClusterBootstrap.fit(List.of("log n"), farm(new Random(3), 1), 100, 1, 0.95);
    assertThat(fit.slope("log n")).isFinite();
    assertThat(fit.low("log n")).isNaN();
    assertThat(fit.high("log n")).isNaN();
    assertThat(fit.resamplesUsed()).isZero();
  }

  @Test
  void sameInputSameInterval() {
    List<Observation> rows = farm(new Random(9), 5);
    RegressionFit a = ClusterBootstrap.fit(List.of("log n"), rows, 300, 42, 0.95);
    List<Observation> reversed = new ArrayList<>(rows);
    java.util.Collections.reverse(reversed);
    RegressionFit b = ClusterBootstrap.fit(List.of("log n"), reversed, 300, 42, 0.95);
    assertThat(a.low("log n")).isEqualTo(b.low("log n"));
    assertThat(a.high("log n")).isEqualTo(b.high("log n"));
  }
}
