package lipfarm.reporting;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.svg.SVGGraphics2D;

/**
 * The look every report chart shares (size, colours, axes, plot background, title) and its export
 * to PNG and SVG. One place, so the charts of {@link Plots}, {@link ObjectiveSection} and {@link
 * SandwichPlot} look alike and a change of style is made once.
 */
final class ChartStyle {
  static final int WIDTH = 900;
  static final int HEIGHT = 560;

  /** Legends with more entries than this crowd the chart; the caption says so instead. */
  static final int MAX_LEGEND_RUNS = 16;

  /** The certified lower bound on Lip, in every chart. */
  static final Color LOWER = new Color(0x1f77b4);

  /** The certified upper bound on Lip, in every chart. */
  static final Color UPPER = new Color(0xd62728);

  static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);

  private static final Color GRID = new Color(0xdddddd);

  static {
    // Charts are drawn off-screen on servers and in CI; never touch a display.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private ChartStyle() {}

  /** The mark of a lower bound (a circle); a new shape per call, as each renderer owns its own. */
  static Shape lowerMark() {
    return new Ellipse2D.Double(-3.5, -3.5, 7, 7);
  }

  /** The mark of an upper bound (a square). */
  static Shape upperMark() {
    return new Rectangle2D.Double(-3.5, -3.5, 7, 7);
  }

  /** The i-th of n runs' colours: evenly spaced hues, in the results table's order. */
  static Color runColor(int i, int n) {
    return Color.getHSBColor((float) i / n, 0.75f, 0.8f);
  }

  /** A line per run, each in its {@link #runColor}. */
  static XYLineAndShapeRenderer runLines(int runs) {
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < runs; i++) {
      r.setSeriesPaint(i, runColor(i, runs));
      r.setSeriesStroke(i, new BasicStroke(1.4f));
    }
    return r;
  }

  /** White background, light grid lines, grey outline. */
  static void style(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(GRID);
    plot.setRangeGridlinePaint(GRID);
    plot.setOutlinePaint(Color.GRAY);
  }

  /** A log axis down to 1e-12 with {@link ShortNumberFormat} ticks (values span many decades). */
  static LogAxis logAxis(String label) {
    LogAxis a = new LogAxis(label);
    a.setSmallestValue(1e-12);
    a.setNumberFormatOverride(new ShortNumberFormat());
    return a;
  }

  /** A linear axis from zero, for epochs and steps. */
  static NumberAxis countAxis(String label) {
    NumberAxis a = new NumberAxis(label);
    a.setAutoRangeIncludesZero(true);
    return a;
  }

  /** Styles {@code plot} and wraps it in a chart with the report's title font on white. */
  static JFreeChart chart(String title, XYPlot plot, boolean legend) {
    style(plot);
    JFreeChart chart = new JFreeChart(title, TITLE, plot, legend);
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  /** The chart as {@code plots/<name>.png} and {@code plots/<name>.svg}, {@link #WIDTH} wide. */
  static Plots.Plot render(String name, String title, String caption, JFreeChart chart) {
    byte[] png = png(chart.createBufferedImage(WIDTH, HEIGHT));
    SVGGraphics2D g2 = svg(name, WIDTH, HEIGHT);
    chart.draw(g2, new Rectangle(WIDTH, HEIGHT));
    return new Plots.Plot(name, title, caption, png, g2.getSVGDocument());
  }

  /** The image as PNG bytes. */
  static byte[] png(BufferedImage img) {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ChartUtils.writeBufferedImageAsPNG(png, img);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return png.toByteArray();
  }

  /** An SVG canvas whose ids depend on the plot's name only. */
  static SVGGraphics2D svg(String name, int width, int height) {
    SVGGraphics2D g2 = new SVGGraphics2D(width, height);
    // The default prefix contains System.nanoTime(): fix it so the same data give the same file.
    g2.setDefsKeyPrefix("lipfarm-" + name + "-");
    return g2;
  }

  /** Three significant digits, plain or in e-notation (log axes span many decades). */
  static final class ShortNumberFormat extends NumberFormat {
    @Override
    public StringBuffer format(double v, StringBuffer to, FieldPosition pos) {
      String s = String.format(Locale.ROOT, "%.3g", v);
      // "1.00e-05" -> "1e-05", "2.50" -> "2.5"
      int e = s.indexOf('e');
      String mantissa = e < 0 ? s : s.substring(0, e);
      if (mantissa.contains(".")) {
        mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
      }
      return to.append(mantissa).append(e < 0 ? "" : s.substring(e));
    }

    @Override
    public StringBuffer format(long v, StringBuffer to, FieldPosition pos) {
      return format((double) v, to, pos);
    }

    @Override
    public Number parse(String source, ParsePosition pos) {
      throw new UnsupportedOperationException("display only");
    }
  }
}
