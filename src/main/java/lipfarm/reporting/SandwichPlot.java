package lipfarm.reporting;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import lipfarm.config.RunConfig;
import lipfarm.reporting.SandwichTrajectory.Point;
import lipfarm.reporting.SandwichTrajectory.Run;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * The plot of the sandwich against the epoch: small multiples, one panel per configuration without
 * its seed (the seeds of a configuration share a panel), so a farm of 36 runs stays readable. Every
 * panel has the same log y range, so panels compare at a glance. Each panel is a JFreeChart drawn
 * into its cell of one image (PNG) and one SVG document.
 */
final class SandwichPlot {
  static final String NAME = "sandwich_trajectory";

  static final int WIDTH = ChartStyle.WIDTH;
  private static final int HEADER = 58;

  private static final Color LOWER = ChartStyle.LOWER;
  private static final Color UPPER = ChartStyle.UPPER;
  private static final Font TITLE = ChartStyle.TITLE;
  private static final Font PANEL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 11);
  private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
  private static final Font LEGEND = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
  private static final Shape DOT = ChartStyle.lowerMark();
  private static final Shape SQUARE = ChartStyle.upperMark();

  private SandwichPlot() {}

  /** The chart, or null when no run has two snapshots (nothing moves against the epoch). */
  static Plots.Plot render(SandwichTrajectory trajectory) {
    if (!trajectory.hasTrajectory()) {
      return null;
    }
    List<Run> runs = trajectory.runs();
    Map<String, List<Run>> panels = new LinkedHashMap<>();
    for (Run r : runs) {
      panels.computeIfAbsent(groupKey(r), k -> new ArrayList<>()).add(r);
    }
    double[] range = yRange(runs);
    List<JFreeChart> charts = new ArrayList<>();
    List<String> titles = panelTitles(panels);
    int i = 0;
    for (List<Run> group : panels.values()) {
      charts.add(panel(titles.get(i++), group, range));
    }
    int cols = charts.size() == 1 ? 1 : charts.size() <= 4 ? 2 : 3;
    int rows = (charts.size() + cols - 1) / cols;
    int cellH = cols == 1 ? ChartStyle.HEIGHT - HEADER : cols == 2 ? 300 : 240;
    int height = HEADER + rows * cellH;
    String title =
        String.format(
            Locale.ROOT,
            "Lipschitz sandwich against training epoch (%d run%s, log scale)",
            runs.size(),
            runs.size() == 1 ? "" : "s");

    BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    draw(g, title, charts, cols, cellH, height);
    g.dispose();
    byte[] png = ChartStyle.png(img);
    SVGGraphics2D svg = ChartStyle.svg(NAME, WIDTH, height);
    draw(svg, title, charts, cols, cellH, height);
    String caption =
        String.format(
            Locale.ROOT,
            "Certified lower (blue) and upper (red) bound on Lip of each network snapshot against the epoch it was "
                + "taken at, one pair of lines per run, one panel per configuration with its seeds together (%d "
                + "panel%s); the y axis (log) is the same in every panel. Marks: each run's last snapshot, its final "
                + "network once the run finished; hollow if its estimate never completed. Per snapshot the complete estimate, or the last partial one "
                + "if it never completed; values that are not positive and finite are left out.",
            charts.size(),
            charts.size() == 1 ? "" : "s");
    return new Plots.Plot(NAME, title, caption, png, svg.getSVGDocument());
  }

  private static void draw(
      Graphics2D g, String title, List<JFreeChart> charts, int cols, int cellH, int height) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setPaint(Color.WHITE);
    g.fill(new Rectangle2D.Double(0, 0, WIDTH, height));
    g.setPaint(Color.BLACK);
    g.setFont(TITLE);
    int tw = g.getFontMetrics().stringWidth(title);
    g.drawString(title, (WIDTH - tw) / 2f, 22f);
    legend(g, 42f);
    int cellW = WIDTH / cols;
    for (int i = 0; i < charts.size(); i++) {
      int x = (i % cols) * cellW;
      int y = HEADER + (i / cols) * cellH;
      charts.get(i).draw(g, new Rectangle2D.Double(x, y, cellW, cellH));
    }
  }

  /** One legend line for every panel: drawn once in the header instead of in each panel. */
  private static void legend(Graphics2D g, float baseline) {
    g.setFont(LEGEND);
    String[] labels = {
      "certified lower bound", "certified upper bound", "last snapshot (final network)"
    };
    float[] widths = new float[labels.length];
    float total = 0;
    for (int i = 0; i < labels.length; i++) {
      widths[i] = 34 + g.getFontMetrics().stringWidth(labels[i]) + 24;
      total += widths[i];
    }
    float x = (WIDTH - total) / 2f;
    for (int i = 0; i < labels.length; i++) {
      float mid = baseline - 4;
      if (i < 2) {
        g.setPaint(i == 0 ? LOWER : UPPER);
        g.setStroke(new BasicStroke(2f));
        g.draw(new Line2D.Double(x, mid, x + 26, mid));
      } else {
        g.setPaint(LOWER);
        g.fill(new Ellipse2D.Double(x + 4, mid - 3.5, 7, 7));
        g.setPaint(UPPER);
        g.fill(new Rectangle2D.Double(x + 15, mid - 3.5, 7, 7));
      }
      g.setPaint(Color.BLACK);
      g.drawString(labels[i], x + 34, baseline);
      x += widths[i];
    }
  }

  private static JFreeChart panel(String title, List<Run> group, double[] range) {
    XYSeriesCollection lines = new XYSeriesCollection();
    XYSeries lastLower = new XYSeries("last lower", true, true);
    XYSeries lastUpper = new XYSeries("last upper", true, true);
    XYSeries partialLower = new XYSeries("last lower, partial", true, true);
    XYSeries partialUpper = new XYSeries("last upper, partial", true, true);
    for (Run r : group) {
      XYSeries lower = new XYSeries(r.runId() + " lower", true, false);
      XYSeries upper = new XYSeries(r.runId() + " upper", true, false);
      for (Point p : r.points()) {
        add(lower, p.epoch(), p.lower());
        add(upper, p.epoch(), p.upper());
      }
      lines.addSeries(lower);
      lines.addSeries(upper);
      // A last snapshot whose estimate never completed is drawn hollow.
      add(r.last().complete() ? lastLower : partialLower, r.last().epoch(), r.last().lower());
      add(r.last().complete() ? lastUpper : partialUpper, r.last().epoch(), r.last().upper());
    }
    XYPlot plot = new XYPlot();
    NumberAxis epochs = ChartStyle.countAxis("epoch");
    // Whole epochs, formatted the same whatever the JVM's default locale.
    epochs.setStandardTickUnits(NumberAxis.createIntegerTickUnits(Locale.ROOT));
    epochs.setLabelFont(SMALL);
    epochs.setTickLabelFont(SMALL);
    plot.setDomainAxis(epochs);
    LogAxis lip = ChartStyle.logAxis("Lip");
    lip.setLabelFont(SMALL);
    lip.setTickLabelFont(SMALL);
    lip.setRange(range[0], range[1]);
    plot.setRangeAxis(lip);
    XYLineAndShapeRenderer lineRenderer = new XYLineAndShapeRenderer(true, false);
    for (int s = 0; s < lines.getSeriesCount(); s++) {
      lineRenderer.setSeriesPaint(s, s % 2 == 0 ? LOWER : UPPER);
      lineRenderer.setSeriesStroke(s, new BasicStroke(1.3f));
    }
    XYSeriesCollection marks = new XYSeriesCollection();
    marks.addSeries(lastLower);
    marks.addSeries(lastUpper);
    marks.addSeries(partialLower);
    marks.addSeries(partialUpper);
    XYLineAndShapeRenderer markRenderer = new XYLineAndShapeRenderer(false, true);
    markRenderer.setUseOutlinePaint(false);
    for (int s = 0; s < 4; s++) {
      markRenderer.setSeriesPaint(s, s % 2 == 0 ? LOWER : UPPER);
      markRenderer.setSeriesShape(s, s % 2 == 0 ? DOT : SQUARE);
      markRenderer.setSeriesShapesFilled(s, s < 2);
      markRenderer.setSeriesStroke(s, new BasicStroke(1.3f));
    }
    plot.setDataset(0, marks);
    plot.setRenderer(0, markRenderer);
    plot.setDataset(1, lines);
    plot.setRenderer(1, lineRenderer);
    ChartStyle.style(plot);
    JFreeChart chart = new JFreeChart(null, PANEL_TITLE, plot, false);
    chart.setTitle(new TextTitle(title, PANEL_TITLE));
    chart.setBackgroundPaint(Color.WHITE);
    // Room on the right for the last epoch's tick label.
    chart.setPadding(new RectangleInsets(4, 4, 4, 14));
    return chart;
  }

  private static void add(XYSeries s, double x, double y) {
    if (y > 0 && Double.isFinite(y)) {
      s.add(x, y);
    }
  }

  /** [min, max] of every plotted value, widened a little; [0.1, 10] if there is none. */
  private static double[] yRange(List<Run> runs) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = 0;
    for (Run r : runs) {
      for (Point p : r.points()) {
        for (double v : new double[] {p.lower(), p.upper()}) {
          if (v > 0 && Double.isFinite(v)) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
        }
      }
    }
    if (hi == 0) {
      return new double[] {0.1, 10};
    }
    // At least a factor 4 between the ends, so a flat sandwich still gets tick labels.
    double pad = Math.max(1.15, Math.sqrt(4 * lo / hi));
    return new double[] {lo / pad, hi * pad};
  }

  /** The configuration without its seed; a run without one is a panel of its own. */
  private static String groupKey(Run r) {
    if (r.config() == null) {
      return "run " + r.runId();
    }
    StringBuilder sb = new StringBuilder();
    r.config()
        .asMap()
        .forEach(
            (k, v) -> {
              if (!"seed".equals(k)) {
                sb.append(k).append('=').append(v).append(';');
              }
            });
    return sb.toString();
  }

  /** Each panel's title: the parameters that differ between panels, seeds listed. */
  private static List<String> panelTitles(Map<String, List<Run>> panels) {
    List<RunConfig> reps = new ArrayList<>();
    for (List<Run> group : panels.values()) {
      reps.add(group.get(0).config());
    }
    List<String> varying = new ArrayList<>();
    RunConfig some = reps.stream().filter(Objects::nonNull).findFirst().orElse(null);
    if (some != null) {
      for (String key : some.asMap().keySet()) {
        if (!"seed".equals(key)
            && reps.stream()
                    .filter(Objects::nonNull)
                    .map(c -> String.valueOf(c.asMap().get(key)))
                    .distinct()
                    .count()
                > 1) {
          varying.add(key);
        }
      }
    }
    List<String> titles = new ArrayList<>();
    for (List<Run> group : panels.values()) {
      RunConfig c = group.get(0).config();
      String what;
      if (c == null) {
        what = "run " + group.get(0).runId();
      } else if (varying.isEmpty()) {
        what = c.label().replaceAll(" seed=-?\\d+$", "");
      } else {
        List<String> parts = new ArrayList<>();
        for (String key : varying) {
          parts.add(key + "=" + c.asMap().get(key));
        }
        what = String.join(" ", parts);
      }
      if (c != null) {
        what +=
            group.size() == 1
                ? ", seed " + c.seed()
                : ", seeds "
                    + String.join(
                        " ",
                        group.stream()
                            .map(
                                r -> r.config() == null ? "?" : Integer.toString(r.config().seed()))
                            .toList());
      }
      titles.add(what);
    }
    return titles;
  }
}
