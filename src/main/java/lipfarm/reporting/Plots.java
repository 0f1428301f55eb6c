package lipfarm.reporting;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import lipfarm.analysis.ScalingAnalysis;
import lipfarm.analysis.ScalingAnalysis.Axis;
import lipfarm.analysis.ScalingAnalysis.AxisFit;
import lipfarm.analysis.ScalingAnalysis.Quantity;
import lipfarm.bounds.TheoryBound;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.TrainingOutcome;
import lipfarm.protocol.FarmEvent.TrainingProgress;
import lipfarm.protocol.RunResult;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The report's charts (JFreeChart, headless), each rendered to PNG and SVG in the common {@link
 * ChartStyle}:
 *
 * <ul>
 *   <li>log-log certified lower and upper bounds on Lip of every interpolating run against √(n/k)
 *       and against each varying grid axis, the sandwich as a band (geometric means over the runs
 *       at one x), theory curves (F4 = √(n/k) with c = 1, F10, F5: geometric means of the
 *       applicable values at one x), the fitted lines (other axes at their means) and a dashed line
 *       of the predicted slope through the centre of the lower-bound fit;
 *   <li>training loss against epoch per run, from the TrainingProgress events.
 * </ul>
 */
final class Plots {
  static final int WIDTH = ChartStyle.WIDTH;
  static final int HEIGHT = ChartStyle.HEIGHT;

  private Plots() {}

  /** One chart: {@code plots/<name>.png} and {@code plots/<name>.svg}. */
  record Plot(String name, String title, String caption, byte[] png, String svg) {}

  private static final Color LOWER = ChartStyle.LOWER;
  private static final Color UPPER = ChartStyle.UPPER;
  private static final Color BAND = new Color(0x9467bd);
  private static final Color F4 = new Color(0x2ca02c);
  private static final Color F10 = new Color(0x8c564b);
  private static final Color F5 = new Color(0xff7f0e);
  private static final Color PREDICTED = new Color(0x555555);

  static List<Plot> all(
      List<RunResult> results, ScalingAnalysis.Result scaling, List<FarmEvent> events) {
    List<java.util.function.Supplier<Plot>> charts = new ArrayList<>();
    List<RunResult> fitted = results.stream().filter(RunResult::interpolated).toList();
    if (!fitted.isEmpty()) {
      charts.add(
          () ->
              lipChart(
                  fitted,
                  scaling,
                  Axis.N_OVER_K,
                  "sqrt_n_over_k",
                  "√(n/k)",
                  r -> Math.sqrt((double) r.config().n() / r.config().k()),
                  2.0));
      for (Axis a : scaling.varying()) {
        if (a != Axis.N_OVER_K) {
          String name = "lip_vs_" + a.name().toLowerCase(Locale.ROOT);
          charts.add(
              () -> lipChart(fitted, scaling, a, name, a.label(), r -> a.of(r.config()), 1.0));
        }
      }
    }
    charts.add(() -> lossChart(results, events));
    // Each chart is its own object, rendered independently: at the end of a farm the cores are
    // free, and rendering (PNG and SVG) is most of the report's time. The order is kept.
    return charts.parallelStream()
        .map(java.util.function.Supplier::get)
        .filter(java.util.Objects::nonNull)
        .toList();
  }

  /**
   * @param fitScale log-x of the fit = fitScale · log(plotted x): 2 for √(n/k) against a fit in
   *     log(n/k)
   */
  private static Plot lipChart(
      List<RunResult> runs,
      ScalingAnalysis.Result scaling,
      Axis axis,
      String name,
      String xLabel,
      ToDoubleFunction<RunResult> x,
      double fitScale) {
    XYSeries lower = new XYSeries("certified lower bound on Lip", true, true);
    XYSeries upper = new XYSeries("certified upper bound on Lip", true, true);
    Map<Double, List<RunResult>> byX = new TreeMap<>();
    for (RunResult r : runs) {
      double xv = x.applyAsDouble(r);
      addPositive(lower, xv, r.lipLower());
      addPositive(upper, xv, r.lipUpper());
      byX.computeIfAbsent(xv, k -> new ArrayList<>()).add(r);
    }
    YIntervalSeries band = new YIntervalSeries("sandwich (geometric means)");
    XYSeries f4 = new XYSeries("F4 √(n/k), c = 1 (theory shape)");
    XYSeries f10 = new XYSeries("F10 data lower bound (theory)");
    XYSeries f5 = new XYSeries("F5 Bubeck–Sellke lower bound (theory)");
    for (Map.Entry<Double, List<RunResult>> e : byX.entrySet()) {
      double lo = geoMean(e.getValue(), RunResult::lipLower);
      double hi = geoMean(e.getValue(), RunResult::lipUpper);
      if (lo > 0 && hi > 0) {
        band.add(e.getKey(), Math.sqrt(lo * hi), lo, hi);
      }
      addPositive(
          f4,
          e.getKey(),
          geoMean(e.getValue(), r -> Math.sqrt((double) r.config().n() / r.config().k())));
      addPositive(f10, e.getKey(), geoMean(e.getValue(), r -> theory(r, "F10")));
      addPositive(f5, e.getKey(), geoMean(e.getValue(), r -> theory(r, "F5")));
    }
    XYSeriesCollection lines = new XYSeriesCollection();
    double xMin = byX.keySet().stream().mapToDouble(Double::doubleValue).min().orElse(1);
    double xMax = byX.keySet().stream().mapToDouble(Double::doubleValue).max().orElse(1);
    AxisFit lowFit = scaling.fit(Quantity.LOWER, axis).orElse(null);
    AxisFit upFit = scaling.fit(Quantity.UPPER, axis).orElse(null);
    List<Color> lineColors = new ArrayList<>();
    List<Boolean> dashed = new ArrayList<>();
    if (lowFit != null) {
      lines.addSeries(
          fitLine(
              String.format(
                  Locale.ROOT, "fit, lower: slope %.3f in log %s", lowFit.slope(), axis.label()),
              lowFit,
              xMin,
              xMax,
              fitScale,
              lowFit.slope()));
      lineColors.add(LOWER);
      dashed.add(false);
    }
    if (upFit != null) {
      lines.addSeries(
          fitLine(
              String.format(
                  Locale.ROOT, "fit, upper: slope %.3f in log %s", upFit.slope(), axis.label()),
              upFit,
              xMin,
              xMax,
              fitScale,
              upFit.slope()));
      lineColors.add(UPPER);
      dashed.add(false);
    }
    if (lowFit != null && !Double.isNaN(axis.predicted())) {
      lines.addSeries(
          fitLine(
              String.format(
                  Locale.ROOT, "predicted slope %+.1f (through the lower fit)", axis.predicted()),
              lowFit,
              xMin,
              xMax,
              fitScale,
              axis.predicted()));
      lineColors.add(PREDICTED);
      dashed.add(true);
    }
    for (Object[] theory : new Object[][] {{f4, F4}, {f10, F10}, {f5, F5}}) {
      XYSeries s = (XYSeries) theory[0];
      if (s.getItemCount() > 0) {
        lines.addSeries(s);
        lineColors.add((Color) theory[1]);
        dashed.add(true);
      }
    }

    XYPlot plot = new XYPlot();
    plot.setDomainAxis(ChartStyle.logAxis(xLabel + " (log scale)"));
    plot.setRangeAxis(ChartStyle.logAxis("Lipschitz constant (log scale)"));
    XYSeriesCollection points = new XYSeriesCollection();
    points.addSeries(lower);
    points.addSeries(upper);
    XYLineAndShapeRenderer pointRenderer = new XYLineAndShapeRenderer(false, true);
    pointRenderer.setSeriesPaint(0, LOWER);
    pointRenderer.setSeriesPaint(1, UPPER);
    pointRenderer.setSeriesShape(0, ChartStyle.lowerMark());
    pointRenderer.setSeriesShape(1, ChartStyle.upperMark());
    plot.setDataset(0, points);
    plot.setRenderer(0, pointRenderer);
    XYLineAndShapeRenderer lineRenderer = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < lineColors.size(); i++) {
      lineRenderer.setSeriesPaint(i, lineColors.get(i));
      lineRenderer.setSeriesStroke(
          i,
          dashed.get(i)
              ? new BasicStroke(
                  1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)
              : new BasicStroke(2f));
    }
    plot.setDataset(1, lines);
    plot.setRenderer(1, lineRenderer);
    YIntervalSeriesCollection bands = new YIntervalSeriesCollection();
    bands.addSeries(band);
    DeviationRenderer bandRenderer = new DeviationRenderer(true, false);
    bandRenderer.setSeriesPaint(0, BAND);
    bandRenderer.setSeriesFillPaint(0, BAND);
    bandRenderer.setAlpha(0.18f);
    bandRenderer.setSeriesStroke(0, new BasicStroke(0.8f));
    plot.setDataset(2, bands);
    plot.setRenderer(2, bandRenderer);
    String title = "Lipschitz bounds vs " + xLabel + " (interpolating runs, log-log)";
    JFreeChart chart = ChartStyle.chart(title, plot, true);
    String caption =
        String.format(
            Locale.ROOT,
            "Circles: certified lower bound on Lip, squares: certified upper bound, one of each per interpolating run (%d runs); "
                + "shaded: the sandwich between their geometric means at each %s. Solid lines: least-squares fits in log-log "
                + "(%s model; other varying axes at their means). Dashed: the predicted slope through the lower fit, and theory "
                + "bounds (geometric mean of the applicable values at each %s).",
            runs.size(),
            xLabel,
            lowFit == null ? "no" : lowFit.model(),
            xLabel);
    return ChartStyle.render(name, title, caption, chart);
  }

  private static XYSeries fitLine(
      String key, AxisFit fit, double xMin, double xMax, double fitScale, double slope) {
    // Through the fitted point at the centre (geometric mean) of the x range, with the given slope.
    double centre = Math.sqrt(xMin * xMax);
    double yCentre = fit.line(fitScale * Math.log(centre));
    XYSeries s = new XYSeries(key, true, true);
    for (double xv : new double[] {xMin, xMax}) {
      s.add(xv, Math.exp(yCentre + slope * fitScale * (Math.log(xv) - Math.log(centre))));
    }
    return s;
  }

  private static Plot lossChart(List<RunResult> results, List<FarmEvent> events) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (RunResult r : results) {
      labels.put(
          r.runId(),
          r.config().label()
              + " ("
              + r.runId().substring(0, Math.min(6, r.runId().length()))
              + ")");
    }
    Map<String, XYSeries> series = new TreeMap<>();
    for (FarmEvent e : events) {
      String id = e.runId();
      if (id == null || !labels.containsKey(id)) {
        continue;
      }
      if (e instanceof TrainingProgress p) {
        addPositive(
            series.computeIfAbsent(id, k -> new XYSeries(labels.get(k), true, false)),
            p.epoch(),
            p.loss());
      } else if (e instanceof TrainingOutcome o) {
        addPositive(
            series.computeIfAbsent(id, k -> new XYSeries(labels.get(k), true, false)),
            o.epochs(),
            o.loss());
      }
    }
    XYSeriesCollection data = new XYSeriesCollection();
    // In the results' (parameter) order, so colours follow the table.
    for (String id : labels.keySet()) {
      XYSeries s = series.get(id);
      if (s != null && s.getItemCount() > 0) {
        data.addSeries(s);
      }
    }
    if (data.getSeriesCount() == 0) {
      return null;
    }
    XYPlot plot = new XYPlot();
    plot.setDomainAxis(ChartStyle.countAxis("epoch"));
    plot.setRangeAxis(ChartStyle.logAxis("training loss (mean squared error, log scale)"));
    plot.setDataset(data);
    plot.setRenderer(ChartStyle.runLines(data.getSeriesCount()));
    boolean legend = data.getSeriesCount() <= ChartStyle.MAX_LEGEND_RUNS;
    String title = "Training loss per run";
    JFreeChart chart = ChartStyle.chart(title, plot, legend);
    String caption =
        String.format(
            Locale.ROOT,
            "Full-batch training loss against epoch for %d runs, from the TrainingProgress events of events.ndjson "
                + "(one point per chunk, and the final loss)%s.",
            data.getSeriesCount(),
            legend
                ? ""
                : "; legend omitted for more than "
                    + ChartStyle.MAX_LEGEND_RUNS
                    + " runs, colours follow the results table order");
    return ChartStyle.render("loss_curves", title, caption, chart);
  }

  private static void addPositive(XYSeries s, double x, double y) {
    // A resumed run re-trains the epochs since its last checkpoint (bit-identically): once is
    // enough.
    if (x > 0 && y > 0 && Double.isFinite(x) && Double.isFinite(y) && s.indexOf(x) < 0) {
      s.add(x, y);
    }
  }

  /** exp(mean log v) over the runs with a positive finite value; NaN if none. */
  private static double geoMean(List<RunResult> runs, ToDoubleFunction<RunResult> v) {
    double s = 0;
    int n = 0;
    for (RunResult r : runs) {
      double y = v.applyAsDouble(r);
      if (y > 0 && Double.isFinite(y)) {
        s += Math.log(y);
        n++;
      }
    }
    return n == 0 ? Double.NaN : Math.exp(s / n);
  }

  private static double theory(RunResult r, String id) {
    return ReportWriter.bounds(r).stream()
        .filter(b -> b.id().equals(id))
        .findFirst()
        .filter(TheoryBound::applicable)
        .map(TheoryBound::value)
        .orElse(Double.NaN);
  }
}
