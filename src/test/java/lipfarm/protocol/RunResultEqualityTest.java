package lipfarm.protocol;

import static lipfarm.reporting.ScriptedResults.result;
import static org.assertj.core.api.Assertions.assertThat;

import lipfarm.config.RunConfig;
import org.junit.jupiter.api.Test;

/** Results compare by every component but the wall times, doubles as {@link Double#compare}. */
class RunResultEqualityTest {
  private static final RunConfig CONFIG =
      new RunConfig(
          "sphere", "random", 100, 20, 10, 2, "relu", true, "adam", 0.01, 1000, 0.01, 1, 1);

  @Test
  void wallTimesDoNotCount() {
    RunResult r = result(CONFIG, "converged", 4.0, 6.0);
    RunResult timed = r.withTimes(12.5, 3.0);
    assertThat(timed.trainSeconds()).isEqualTo(12.5);
    assertThat(timed.estimateSeconds()).isEqualTo(3.0);
    assertThat(timed.lipUpper()).isEqualTo(6.0);
    assertThat(timed).isEqualTo(r);
    assertThat(timed.hashCode()).isEqualTo(r.hashCode());
  }

  @Test
  void everyOtherComponentCounts() {
    RunResult r = result(CONFIG, "converged", 4.0, 6.0);
    assertThat(result(CONFIG, "converged", 4.5, 6.0)).isNotEqualTo(r);
    assertThat(result(CONFIG, "diverged", 4.0, 6.0)).isNotEqualTo(r);
    assertThat(result(CONFIG.withObjective(RunConfig.MIN_LIPSCHITZ), "converged", 4.0, 6.0))
        .isNotEqualTo(r);
  }

  @Test
  void doublesCompareAsDoubleCompare() {
    assertThat(result(CONFIG, "failed", Double.NaN, 6.0))
        .as("NaN equals NaN")
        .isEqualTo(result(CONFIG, "failed", Double.NaN, 6.0));
    assertThat(result(CONFIG, "converged", 0.0, 6.0))
        .as("0.0 and -0.0 differ")
        .isNotEqualTo(result(CONFIG, "converged", -0.0, 6.0));
  }
}
