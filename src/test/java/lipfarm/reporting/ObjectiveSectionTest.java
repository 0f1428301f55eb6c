package lipfarm.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.ObjectiveFinished;
import lipfarm.protocol.FarmEvent.ObjectivePoint;
import lipfarm.protocol.RunResult;
import org.junit.jupiter.api.Test;

/**
 * The report's min-lipschitz section: absent without the objective, and with both objectives their
 * slopes side by side, each fitted on its own runs. The results are synthetic with known exponents
 * (Lip upper = C·(n/k)^β per objective, with seeded multiplicative noise), so each column's slope
 * must come out near its own β and not near the other's.
 */
class ObjectiveSectionTest {
  static final double PLAIN_EXPONENT = 0.1;
  static final double SMOOTH_EXPONENT = 0.5;

  /** Noise of ±2% on each value: slopes land well within this of their exponent. */
  static final double SLOPE_TOLERANCE = 0.05;

  static List<RunResult> results(boolean withObjective) {
    String grid =
        "grid { n = [100, 200, 400], k = [10, 20, 40], seed = [1, 2, 3]"
            + (withObjective ? ", objective = [fit, min-lipschitz]" : "")
            + " }";
    List<RunConfig> configs = FarmDefinition.parse("farm { " + grid + " }").expand();
    SplittableRandom rng = new SplittableRandom(42);
    List<RunResult> out = new ArrayList<>();
    for (RunConfig c : configs) {
      double beta = c.minimisesLipschitz() ? SMOOTH_EXPONENT : PLAIN_EXPONENT;
      double upper =
          3.0 * Math.pow((double) c.n() / c.k(), beta) * (1 + 0.02 * (2 * rng.nextDouble() - 1));
      out.add(
          new RunResult(
              c.id(),
              c,
              "converged",
              100,
              1e-4,
              0.04,
              1.0,
              upper / 2,
              "grad@data",
              upper,
              "path-norm",
              1000,
              List.of(),
              null,
              null));
    }
    return out;
  }

  @Test
  void absentWithoutTheObjective() throws Exception {
    Map<String, byte[]> files = new ReportWriter().render("plain", results(false), List.of());
    String md = new String(files.get("report.md"), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(md).doesNotContain(ObjectiveSection.HEADING);
    assertThat(files).doesNotContainKey("plots/" + ObjectiveSection.PLOT_NAME + ".png");
  }

  @Test
  void bothObjectivesSideBySideWithTheirOwnSlopes() throws Exception {
    List<RunResult> results = results(true);
    List<FarmEvent> events = new ArrayList<>();
    for (RunResult r : results) {
      if (r.config().minimisesLipschitz()) {
        events.add(
            new ObjectiveFinished(
                r.runId(),
                "path-norm",
                80,
                20,
                1,
                2 * r.lipUpper(),
                1.5 * r.lipUpper(),
                r.lipLower(),
                "grad@data",
                1.2 * r.lipUpper(),
                "path-norm",
                r.lipLower(),
                r.lipUpper(),
                false,
                List.of(
                    new ObjectivePoint(0, 1e-3, 2 * r.lipUpper(), 2 * r.lipUpper()),
                    new ObjectivePoint(20, 2e-3, 1.5 * r.lipUpper(), 1.5 * r.lipUpper()))));
      }
    }
    Map<String, byte[]> files = new ReportWriter().render("both", results, events);
    String md = new String(files.get("report.md"), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(md).contains("## " + ObjectiveSection.HEADING);
    assertThat(md).contains("### " + ObjectiveSection.SIDE_BY_SIDE);
    assertThat(files).containsKey("plots/" + ObjectiveSection.PLOT_NAME + ".png");
    // The start-vs-end table: end / start = 1/1.2 for every run.
    assertThat(md).contains(String.format(Locale.ROOT, "%.3f", 1 / 1.2));

    String row =
        md.lines()
            .filter(l -> l.contains("certified upper bound on Lip") && l.contains("| n/k |"))
            .filter(l -> l.split("\\|").length > 6 && l.contains("["))
            .filter(l -> l.contains("n/k"))
            .reduce((a, b) -> b)
            .orElseThrow();
    String[] cells = row.split("\\|");
    // | quantity | against | model | plain [CI] | smooth [CI] | predicted |
    double plain = Double.parseDouble(cells[4].trim().split(" ")[0]);
    double smooth = Double.parseDouble(cells[5].trim().split(" ")[0]);
    assertThat(plain)
        .isCloseTo(PLAIN_EXPONENT, org.assertj.core.api.Assertions.within(SLOPE_TOLERANCE));
    assertThat(smooth)
        .isCloseTo(SMOOTH_EXPONENT, org.assertj.core.api.Assertions.within(SLOPE_TOLERANCE));
    assertThat(cells[4]).contains("[");
    assertThat(cells[5]).contains("[");
  }

  @Test
  void theMainScalingFitsUseThePlainFitsWhenBothObjectivesArePresent() {
    List<RunResult> results = results(true);
    assertThat(ReportWriter.mixedObjectives(results)).isTrue();
    double slope =
        ReportWriter.scaling(results).fits().stream()
            .filter(
                f ->
                    f.quantity() == lipfarm.analysis.ScalingAnalysis.Quantity.UPPER
                        && f.axis() == lipfarm.analysis.ScalingAnalysis.Axis.N_OVER_K)
            .findFirst()
            .orElseThrow()
            .slope();
    // Pooled with the smoothest interpolants it would land between the two exponents.
    assertThat(slope)
        .isCloseTo(PLAIN_EXPONENT, org.assertj.core.api.Assertions.within(SLOPE_TOLERANCE));
    assertThat(ReportWriter.answerLines(results)).anyMatch(l -> l.contains("objective = fit"));
  }
}
