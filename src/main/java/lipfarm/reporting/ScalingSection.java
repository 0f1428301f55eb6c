package lipfarm.reporting;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import lipfarm.analysis.ClusterBootstrap;
import lipfarm.analysis.ConsistencyChecks;
import lipfarm.analysis.ConsistencyChecks.Kind;
import lipfarm.analysis.ScalingAnalysis;
import lipfarm.analysis.ScalingAnalysis.Axis;
import lipfarm.analysis.ScalingAnalysis.AxisFit;
import lipfarm.analysis.ScalingAnalysis.Quantity;
import lipfarm.protocol.RunResult;

/**
 * The report's answer and its scaling-fit section, both read from one {@link ScalingAnalysis}: the
 * opening counts and slope sentences (also printed at the end of {@code lipfarm run} through {@link
 * #answerLines}), the caveats that limit them, and the table of every fitted slope. Kept apart from
 * the per-run tables because it is the part of the report that says what the farm found.
 */
final class ScalingSection {
  private ScalingSection() {}

  /** "The answer": the counts, the slopes, and what limits them. */
  static void answer(
      ReportDocument doc,
      List<RunResult> results,
      ScalingAnalysis.Result s,
      Map<String, List<ConsistencyChecks.Result>> checks,
      boolean finished) {
    doc.heading(2, "The answer");
    doc.paragraph(
        counts(s)
            + (finished
                ? ""
                : " **The farm did not finish** (no FarmFinished event): this report covers the runs that did."));
    doc.bullets(slopeSentences(s));
    List<String> caveats = new ArrayList<>();
    caveats.add(
        "Only the **certified lower bound** tests the conjecture: it is a gradient norm the network attains. The certified "
            + "upper bound is a norm bound, and the proved weak form of the conjecture (F3) already says such bounds grow "
            + "like √(n/k), so a slope of ½ in the upper bound is expected whatever the true constant does.");
    if (s.seedGroups() == 1) {
      caveats.add(
          "Only one seed group: the bootstrap resamples whole seeds, so no interval can be given.");
    } else if (s.seedGroups() > 1 && s.seedGroups() < 10) {
      caveats.add(
          String.format(
              Locale.ROOT,
              "Only %d seed groups: the bootstrap resamples whole seeds, so the interval can take few distinct values and is "
                  + "narrower than a 95%% interval should be; treat it as indicative. Run about 10 or more seeds for intervals "
                  + "near their nominal coverage.",
              s.seedGroups()));
    }
    if (s.outsideRegime() > 0) {
      caveats.add(
          String.format(
              Locale.ROOT,
              "%d of the %d interpolating runs have k outside n/d ≤ k ≤ n, the range where the conjecture predicts −½ in k "
                  + "(above n it predicts a plateau); they are in the fits.",
              s.outsideRegime(),
              s.interpolating()));
    }
    long certified = countViolations(checks, Kind.CERTIFIED);
    long probable = countViolations(checks, Kind.HIGH_PROBABILITY);
    caveats.add(
        certified == 0 && probable == 0
            ? String.format(
                Locale.ROOT,
                "Consistency checks: no violation in the %d that apply (F10 ≤ lower ≤ upper ≤ F11; F2, F3, F8 floors on the "
                    + "weight norms); the table below says which could not be checked.",
                checks.values().stream()
                    .flatMap(List::stream)
                    .filter(c -> c.outcome() != ConsistencyChecks.Outcome.NOT_APPLICABLE)
                    .count())
            : String.format(
                Locale.ROOT,
                "Consistency checks: **%d violation%s of certified inequalities** (estimator or bound errors) and %d of "
                    + "high-probability floors; see the table below.",
                certified,
                certified == 1 ? "" : "s",
                probable));
    doc.bullets(caveats);
  }

  /** The answer's first sentence: how many runs, how many in the fits, how many seed groups. */
  static String counts(ScalingAnalysis.Result s) {
    return String.format(
        Locale.ROOT,
        "%d configurations, %d interpolated; %d did not interpolate and are excluded from every fit. %d seed group%s.",
        s.runs(),
        s.interpolating(),
        s.notInterpolating(),
        s.seedGroups(),
        s.seedGroups() == 1 ? "" : "s");
  }

  /** The answer's slopes: against n/k where fitted, else against every varying axis. */
  static List<String> slopeSentences(ScalingAnalysis.Result s) {
    List<String> lines = new ArrayList<>();
    for (Quantity q : List.of(Quantity.LOWER, Quantity.UPPER)) {
      Optional<AxisFit> ratio = s.fit(q, Axis.N_OVER_K);
      if (ratio.isPresent()) {
        lines.add(sentence(ratio.get()));
      } else {
        s.fits(q).forEach(f -> lines.add(sentence(f)));
      }
    }
    if (lines.isEmpty()) {
      lines.add(
          "No slope could be fitted: fewer than two values of any grid axis among the interpolating runs.");
    }
    return lines;
  }

  /**
   * The first lines of report.md's answer as plain text for a terminal, none longer than 80
   * columns: the counts, then one bullet per fitted slope with its 95% interval and whether the
   * predicted slope lies inside. Same analysis, same numbers as the report.
   */
  public static List<String> answerLines(List<RunResult> results) {
    ScalingAnalysis.Result s = scaling(results);
    List<String> lines = new ArrayList<>(PlainText.wrap(counts(s), "", ""));
    if (mixedObjectives(results)) {
      lines.addAll(
          PlainText.wrap(
              "(the objective = fit runs; the min-lipschitz runs' slopes are in the report)",
              "",
              ""));
    }
    for (String sentence : slopeSentences(s)) {
      lines.addAll(PlainText.wrap(sentence, "- ", "  "));
    }
    return lines;
  }

  private static long countViolations(
      Map<String, List<ConsistencyChecks.Result>> checks, Kind kind) {
    return checks.values().stream()
        .flatMap(List::stream)
        .filter(c -> c.violated() && c.check().kind() == kind)
        .count();
  }

  /**
   * "slope of log Lip (certified lower bound) vs log(n/k): 0.41, 95% CI [0.33, 0.49]; the
   * conjectured ½ lies outside".
   */
  static String sentence(AxisFit f) {
    String what =
        String.format(
            Locale.ROOT,
            "Slope of log %s vs %s: **%.3f**",
            f.quantity().label(),
            f.axis().covariate(),
            f.slope());
    String ci =
        f.hasInterval()
            ? String.format(Locale.ROOT, ", 95%% CI [%.3f, %.3f]", f.low(), f.high())
            : " (no interval)";
    String pred;
    if (Double.isNaN(f.axis().predicted())) {
      pred = "; theory predicts no slope here";
    } else if (f.containsPrediction() == null) {
      pred = "; predicted " + slopeText(f.axis().predicted());
    } else {
      pred =
          "; the predicted "
              + slopeText(f.axis().predicted())
              + (f.containsPrediction() ? " lies inside" : " lies **outside**");
    }
    return what
        + ci
        + pred
        + String.format(Locale.ROOT, " (%d runs, %s model).", f.fit().observations(), f.model());
  }

  static String slopeText(double p) {
    if (p == 0.5) {
      return "+½";
    } else if (p == -0.5) {
      return "−½";
    }
    return String.format(Locale.ROOT, "%+.2f", p);
  }

  /**
   * The farm's scaling fits: over every run, or over the plain-fit runs alone when the farm has
   * both objectives (a smoothest interpolant and Adam's are different measurements of the same
   * configuration; pooling them would fit neither; the objective section fits each).
   */
  static ScalingAnalysis.Result scaling(List<RunResult> results) {
    return ScalingAnalysis.analyse(mixedObjectives(results) ? plainFits(results) : results);
  }

  static boolean mixedObjectives(List<RunResult> results) {
    boolean smooth = results.stream().anyMatch(r -> r.config().minimisesLipschitz());
    return smooth && results.stream().anyMatch(r -> !r.config().minimisesLipschitz());
  }

  private static List<RunResult> plainFits(List<RunResult> results) {
    return results.stream().filter(r -> !r.config().minimisesLipschitz()).toList();
  }

  /** "Scaling fits": every fitted slope with its interval and the prediction it tests. */
  static void write(ReportDocument doc, ScalingAnalysis.Result s, boolean mixed) {
    doc.heading(2, "Scaling fits");
    if (mixed) {
      doc.paragraph(
          "This farm has both objectives: the fits below are over the `fit` runs only; the "
              + "smoothest interpolants' slopes, side by side with these, are in the objective "
              + "section.");
    }
    doc.paragraph(
        "Least squares of log(measured) on the logs of the grid axes that vary, over the interpolating runs. **joint**: "
            + "all varying axes among n, k, d, depth and the weight bound's bound-value in one regression, so each slope is the elasticity with the other "
            + "axes fixed (on a Cartesian grid this is the average within-group slope). **n/k**: log(n/k) with d and "
            + "depth if they vary, the conjecture's form Lip ≈ C·(n/k)^β. Intervals: 95% percentile bootstrap, "
            + ClusterBootstrap.DEFAULT_RESAMPLES
            + " resamples of whole seed groups (runs sharing a seed share their data points). The weight bound enters "
            + "only when every interpolating run has one.");
    List<List<String>> rows = new ArrayList<>();
    for (AxisFit f : s.fits()) {
      Boolean c = f.containsPrediction();
      rows.add(
          List.of(
              f.quantity().label(),
              f.axis().label(),
              f.model(),
              Integer.toString(f.fit().observations()),
              Integer.toString(f.fit().clusters()),
              String.format(Locale.ROOT, "%.3f", f.slope()),
              f.hasInterval() ? String.format(Locale.ROOT, "[%.3f, %.3f]", f.low(), f.high()) : "–",
              Double.isNaN(f.axis().predicted()) ? "none" : slopeText(f.axis().predicted()),
              c == null ? "–" : c ? "yes" : "**no**",
              f.axis().prediction()));
    }
    if (rows.isEmpty()) {
      doc.paragraph("No fits: no grid axis takes two values among the interpolating runs.");
    } else {
      doc.table(
          List.of(
              "measured quantity",
              "against",
              "model",
              "runs",
              "seed groups",
              "slope (log-log)",
              "95% CI",
              "predicted",
              "CI contains prediction?",
              "prediction and source"),
          List.of(false, false, false, true, true, true, true, true, false, false),
          rows);
    }
    List<String> notes = new ArrayList<>(s.notes());
    for (Quantity q : Quantity.values()) {
      int bad = s.invalid().getOrDefault(q, 0);
      if (bad > 0) {
        notes.add(
            String.format(
                Locale.ROOT,
                "%s: %d interpolating run%s without a positive value left out.",
                q.label(),
                bad,
                bad == 1 ? "" : "s"));
      }
    }
    doc.bullets(notes);
  }
}
