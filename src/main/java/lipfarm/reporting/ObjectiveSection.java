package lipfarm.reporting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import lipfarm.analysis.ScalingAnalysis;
import lipfarm.analysis.ScalingAnalysis.AxisFit;
import lipfarm.analysis.ScalingAnalysis.Quantity;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.ObjectiveFinished;
import lipfarm.protocol.FarmEvent.ObjectivePoint;
import lipfarm.protocol.RunResult;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's section on the {@code min-lipschitz} objective, present only when a farm has such
 * runs: the path each run followed (its minimised bound against the objective's steps, with the
 * certified upper bounds at start and end), a start-vs-end table from the runs' {@code
 * ObjectiveFinished} events, and, when the farm has both objectives, their scaling slopes side by
 * side (each objective's runs fitted on their own by {@link ScalingAnalysis}).
 *
 * @param objectives each min-lipschitz run's ObjectiveFinished, in the results' order
 * @param plot null when no run has a path
 */
record ObjectiveSection(
    List<RunResult> results,
    Map<String, ObjectiveFinished> objectives,
    boolean present,
    Plots.Plot plot) {
  static final String HEADING = "The smoothest interpolant (objective = min-lipschitz)";
  static final String SIDE_BY_SIDE = "Plain fit and smoothest interpolant side by side";
  static final String PLOT_NAME = "objective_path";

  static ObjectiveSection of(List<RunResult> results, List<FarmEvent> events) {
    Map<String, ObjectiveFinished> byRun = new LinkedHashMap<>();
    for (FarmEvent e : events) {
      if (e instanceof ObjectiveFinished o && o.runId() != null) {
        byRun.put(o.runId(), o); // a retried run's later account replaces the earlier one
      }
    }
    Map<String, ObjectiveFinished> ordered = new LinkedHashMap<>();
    for (RunResult r : results) {
      ObjectiveFinished o = byRun.get(r.runId());
      if (o != null) {
        ordered.put(r.runId(), o);
      }
    }
    boolean present = !ordered.isEmpty() || results.stream().anyMatch(r -> minimises(r.config()));
    return new ObjectiveSection(results, ordered, present, present ? plot(results, ordered) : null);
  }

  static boolean minimises(RunConfig c) {
    return c != null && c.minimisesLipschitz();
  }

  void addFiles(Map<String, byte[]> files) {
    if (plot != null) {
      files.put("plots/" + plot.name() + ".png", plot.png());
      files.put("plots/" + plot.name() + ".svg", ReportDocument.utf8(plot.svg()));
    }
  }

  void write(ReportDocument doc) {
    if (!present) {
      return; // farms without the objective: the report is as it always was
    }
    doc.heading(2, HEADING);
    doc.paragraph(
        "A min-lipschitz run trains until its fit criterion holds, then keeps it holding while it minimises a "
            + "differentiable certified upper bound on its Lipschitz constant (for "
            + "two-layer nets the smaller of the path norm Σ_j ‖a_j‖‖w_j‖ and ‖a‖‖W‖, for deeper ones the product of the layers' spectral norms for deeper ones): a penalty λ·bound whose "
            + "weight λ grows while the fit holds with room to spare, with steps that would break the fit undone "
            + "(docs/training.md). The start is the network that first fitted, estimated with the full budget; the "
            + "end is the fitting network with the lowest bound. Its certified sandwich (the run's result) comes from "
            + "the same estimator as every run's; when it is above the start's, the run keeps the start (kept "
            + "start = yes).");
    if (plot != null) {
      doc.image(plot);
    }
    List<List<String>> rows = new ArrayList<>();
    for (RunResult r : results) {
      ObjectiveFinished o = objectives.get(r.runId());
      if (o == null) {
        continue;
      }
      rows.add(
          List.of(
              r.runId(),
              r.config().label(),
              o.boundMethod(),
              Integer.toString(o.startEpoch()),
              Integer.toString(o.steps()),
              Integer.toString(o.backtracks()),
              ReportWriter.fmt(o.startBound()) + " → " + ReportWriter.fmt(o.endBound()),
              ReportWriter.fmt(o.startUpper()),
              ReportWriter.fmt(r.lipUpper()),
              ratio(r.lipUpper(), o.startUpper()),
              ReportWriter.fmt(o.startLower()),
              ReportWriter.fmt(r.lipLower()),
              ReportWriter.fmt(r.maxError()),
              o.keptStart() ? "yes" : "no"));
    }
    if (rows.isEmpty()) {
      doc.paragraph("No min-lipschitz run has finished its objective yet.");
    } else {
      doc.table(
          List.of(
              "run",
              "configuration",
              "bound minimised",
              "fit epoch",
              "steps",
              "backtracks",
              "bound start → end",
              "Lip upper (start)",
              "Lip upper (end)",
              "end / start",
              "Lip lower (start)",
              "Lip lower (end)",
              "max error (end)",
              "kept start"),
          List.of(
              false, false, false, true, true, true, true, true, true, true, true, true, true,
              false),
          rows);
    }
    long unfit =
        results.stream()
            .filter(r -> minimises(r.config()) && !objectives.containsKey(r.runId()))
            .count();
    if (unfit > 0) {
      doc.paragraph(
          unfit
              + " min-lipschitz run"
              + (unfit == 1 ? "" : "s")
              + " never fitted (or failed), so had no objective phase; "
              + (unfit == 1 ? "it is" : "they are")
              + " in the tables above as any run.");
    }
    sideBySide(doc);
  }

  /** Both objectives in one farm: each one's slopes, fitted on its own runs. */
  private void sideBySide(ReportDocument doc) {
    List<RunResult> plain = results.stream().filter(r -> !minimises(r.config())).toList();
    List<RunResult> smooth = results.stream().filter(r -> minimises(r.config())).toList();
    if (plain.isEmpty() || smooth.isEmpty()) {
      return;
    }
    doc.heading(3, SIDE_BY_SIDE);
    ScalingAnalysis.Result a = ScalingAnalysis.analyse(plain);
    ScalingAnalysis.Result b = ScalingAnalysis.analyse(smooth);
    List<List<String>> rows = new ArrayList<>();
    for (Quantity q : List.of(Quantity.UPPER, Quantity.LOWER)) {
      for (AxisFit f : a.fits(q)) {
        Optional<AxisFit> g =
            b.fits(q).stream()
                .filter(x -> x.axis() == f.axis() && x.model().equals(f.model()))
                .findFirst();
        rows.add(row(q, f, g.orElse(null)));
      }
      for (AxisFit g : b.fits(q)) {
        boolean paired =
            a.fits(q).stream().anyMatch(x -> x.axis() == g.axis() && x.model().equals(g.model()));
        if (!paired) {
          rows.add(row(q, null, g));
        }
      }
    }
    doc.paragraph(
        String.format(
            Locale.ROOT,
            "Each objective's runs fitted on their own, as in the scaling section (which pools both objectives): "
                + "%d plain-fit runs (%d interpolating) and %d min-lipschitz runs (%d interpolating). The law of "
                + "robustness is about the smoothest interpolant, so its slopes are the min-lipschitz column; the "
                + "plain fit's show what the optimiser alone finds. 95%% intervals: seed-group bootstrap.",
            a.runs(),
            a.interpolating(),
            b.runs(),
            b.interpolating()));
    if (rows.isEmpty()) {
      doc.paragraph("No slopes: no grid axis takes two values among either objective's runs.");
      return;
    }
    doc.table(
        List.of(
            "measured quantity",
            "against",
            "model",
            "slope, plain fit [95% CI]",
            "slope, smoothest interpolant [95% CI]",
            "predicted"),
        List.of(false, false, false, true, true, true),
        rows);
  }

  private static List<String> row(Quantity q, AxisFit plain, AxisFit smooth) {
    AxisFit any = plain != null ? plain : smooth;
    double p = any.axis().predicted();
    return List.of(
        q.label(),
        any.axis().label(),
        any.model(),
        slope(plain),
        slope(smooth),
        Double.isNaN(p) ? "none" : String.format(Locale.ROOT, "%+.2f", p));
  }

  static String slope(AxisFit f) {
    if (f == null) {
      return "–";
    }
    return f.hasInterval()
        ? String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", f.slope(), f.low(), f.high())
        : String.format(Locale.ROOT, "%.3f", f.slope());
  }

  private static String ratio(double end, double start) {
    return Double.isFinite(end) && Double.isFinite(start) && start > 0
        ? String.format(Locale.ROOT, "%.3f", end / start)
        : "–";
  }

  /**
   * The paths: each run's minimised bound (current weights) against the objective's step, relative
   * to the bound at its start, with its certified upper bound at start and end relative to the same
   * start bound (marks), so runs of different scales share one axis.
   */
  private static Plots.Plot plot(List<RunResult> results, Map<String, ObjectiveFinished> runs) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYSeriesCollection marks = new XYSeriesCollection();
    for (RunResult r : results) {
      ObjectiveFinished o = runs.get(r.runId());
      if (o == null || !(o.startBound() > 0) || o.path() == null || o.path().isEmpty()) {
        continue;
      }
      String label =
          r.config().label() + " (" + r.runId().substring(0, Math.min(6, r.runId().length())) + ")";
      XYSeries s = new XYSeries(label, true, false);
      for (ObjectivePoint p : o.path()) {
        if (Double.isFinite(p.bound()) && p.bound() > 0) {
          s.addOrUpdate(p.step(), p.bound() / o.startBound());
        }
      }
      data.addSeries(s);
      XYSeries m = new XYSeries(label + " certified upper", true, false);
      if (Double.isFinite(o.startUpper())) {
        m.addOrUpdate(0, o.startUpper() / o.startBound());
      }
      if (Double.isFinite(r.lipUpper())) {
        m.addOrUpdate(o.steps(), r.lipUpper() / o.startBound());
      }
      marks.addSeries(m);
    }
    if (data.getSeriesCount() == 0) {
      return null;
    }
    XYPlot plot = new XYPlot();
    plot.setDomainAxis(ChartStyle.countAxis("objective step"));
    plot.setRangeAxis(ChartStyle.logAxis("bound / bound at the start (log scale)"));
    XYLineAndShapeRenderer lines = ChartStyle.runLines(data.getSeriesCount());
    XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
    for (int i = 0; i < data.getSeriesCount(); i++) {
      // Each run's marks in its line's colour.
      dots.setSeriesPaint(i, ChartStyle.runColor(i, data.getSeriesCount()));
      dots.setSeriesVisibleInLegend(i, false);
    }
    plot.setDataset(0, data);
    plot.setRenderer(0, lines);
    plot.setDataset(1, marks);
    plot.setRenderer(1, dots);
    boolean legend = data.getSeriesCount() <= ChartStyle.MAX_LEGEND_RUNS;
    String title = "min-lipschitz: the bound minimised along the objective";
    JFreeChart chart = ChartStyle.chart(title, plot, legend);
    String caption =
        String.format(
            Locale.ROOT,
            "For %d run%s: the differentiable certified bound the objective minimises (the smaller of the path norm "
                + "and the spectral product for two layers, the spectral product deeper) at the current weights against the objective's step, divided by its value at the start "
                + "(at most %d points per run, from the ObjectiveFinished events). Dots: the estimator's certified "
                + "upper bound of the start network (step 0) and of the run's final network (last step), on the "
                + "same scale%s.",
            data.getSeriesCount(),
            data.getSeriesCount() == 1 ? "" : "s",
            64,
            legend ? "" : "; legend omitted, colours follow the table order");
    return ChartStyle.render(PLOT_NAME, title, caption, chart);
  }
}
