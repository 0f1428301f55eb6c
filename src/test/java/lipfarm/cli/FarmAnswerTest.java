package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.ReportWriter;
import lipfarm.reporting.ScriptedResults;
import org.junit.jupiter.api.Test;

/** The farm's answer under the CLI table: the report's slopes, in 80 ASCII columns. */
class FarmAnswerTest {
  private static final Pattern SLOPE =
      Pattern.compile(
          "- Slope of log (.+) vs log\\(n/k\\): (-?\\d+\\.\\d{3}), 95% CI \\[(-?\\d+\\.\\d{3}), "
              + "(-?\\d+\\.\\d{3})\\]; the predicted \\+1/2 lies (inside|outside) \\((\\d+) runs, "
              + "n/k model\\)\\.");

  /**
   * lower ≈ 2·(n/k)^½ and upper ≈ 3·(n/k)^0.9, with seeded noise; k = 2 does not interpolate. The
   * upper slope is far from the predicted ½, so its interval must exclude it.
   */
  private static List<RunResult> farm() {
    List<RunConfig> configs =
        FarmDefinition.parse(
                "farm { grid { n = [100, 400, 1600], k = [2, 10, 40], seed = [1, 2, 3, 4, 5] } }")
            .expand();
    Random rng = new Random(11);
    List<RunResult> out = new ArrayList<>();
    for (RunConfig c : configs) {
      double nk = (double) c.n() / c.k();
      double lower = 2 * Math.pow(nk, 0.5) * Math.exp(0.05 * rng.nextGaussian());
      double upper = 3 * Math.pow(nk, 0.9) * Math.exp(0.05 * rng.nextGaussian());
      out.add(
          ScriptedResults.result(
              c, c.k() == 2 ? "did-not-interpolate" : "converged", lower, upper));
    }
    return out;
  }

  /** Least-squares slope of log y on log(n/k) over the interpolating runs, written out here. */
  private static double olsSlope(List<RunResult> runs, boolean upper) {
    List<double[]> xy = new ArrayList<>();
    for (RunResult r : runs) {
      if (r.interpolated()) {
        xy.add(
            new double[] {
              Math.log((double) r.config().n() / r.config().k()),
              Math.log(upper ? r.lipUpper() : r.lipLower())
            });
      }
    }
    double mx = xy.stream().mapToDouble(p -> p[0]).average().orElseThrow();
    double my = xy.stream().mapToDouble(p -> p[1]).average().orElseThrow();
    double sxy = 0;
    double sxx = 0;
    for (double[] p : xy) {
      sxy += (p[0] - mx) * (p[1] - my);
      sxx += (p[0] - mx) * (p[0] - mx);
    }
    return sxy / sxx;
  }

  @Test
  void answerGivesEachSlopeWithItsIntervalAndWhetherThePredictionLiesInside() {
    List<RunResult> runs = farm();
    String answer = FarmAnswer.render(runs);

    assertThat(answer).endsWith("\n");
    List<String> lines = answer.lines().toList();
    for (String l : lines) {
      assertThat(l.length()).as(l).isLessThanOrEqualTo(80);
      assertThat(l.chars().allMatch(ch -> ch < 128)).as(l).isTrue();
    }
    assertThat(lines.get(0)).isEqualTo("The farm's answer (caveats and checks in report.md):");
    String text = String.join(" ", lines.subList(1, lines.size()));
    assertThat(text)
        .startsWith(
            "45 configurations, 30 interpolated; 15 did not interpolate and are excluded from"
                + " every fit. 5 seed groups. - Slope");

    List<String> bullets = bullets(lines);
    assertThat(bullets).hasSize(2);
    String[] quantities = {
      "certified lower bound on Lip (local: the data ball)", "certified upper bound on Lip"
    };
    for (int q = 0; q < 2; q++) {
      Matcher m = SLOPE.matcher(bullets.get(q));
      assertThat(m.matches()).as(bullets.get(q)).isTrue();
      assertThat(m.group(1)).isEqualTo(quantities[q]);
      assertThat(m.group(2)).isEqualTo(String.format(Locale.ROOT, "%.3f", olsSlope(runs, q == 1)));
      double slope = Double.parseDouble(m.group(2));
      double low = Double.parseDouble(m.group(3));
      double high = Double.parseDouble(m.group(4));
      assertThat(low).isLessThanOrEqualTo(slope);
      assertThat(high).isGreaterThanOrEqualTo(slope);
      assertThat(m.group(5)).isEqualTo(low <= 0.5 && 0.5 <= high ? "inside" : "outside");
      assertThat(m.group(6)).isEqualTo("30");
    }
    assertThat(bullets.get(1)).contains("lies outside");
  }

  @Test
  void answerSaysTheSameAsTheReport() {
    List<RunResult> runs = farm();
    String md = new ReportWriter().markdown("scripted", runs);
    List<String> reportBullets =
        md.substring(md.indexOf("## The answer"))
            .lines()
            .dropWhile(l -> !l.startsWith("- "))
            .takeWhile(l -> l.startsWith("- "))
            .map(l -> l.replace("**", "").replace("½", "1/2").replace('−', '-'))
            .toList();
    assertThat(bullets(FarmAnswer.render(runs).lines().toList())).isEqualTo(reportBullets);
  }

  @Test
  void withoutAVaryingAxisItSaysNoSlopeCouldBeFitted() {
    List<RunResult> one = farm().subList(0, 1);
    String answer = FarmAnswer.render(one);
    assertThat(answer).contains("- No slope could be fitted");
    assertThat(answer.lines()).allMatch(l -> l.length() <= 80);
  }

  /** The bullets, each continuation line (" " indent) joined back onto its bullet. */
  private static List<String> bullets(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      if (l.startsWith("- ")) {
        out.add(l);
      } else if (l.startsWith("  ") && !out.isEmpty()) {
        out.set(out.size() - 1, out.get(out.size() - 1) + " " + l.substring(2));
      }
    }
    return out;
  }
}
