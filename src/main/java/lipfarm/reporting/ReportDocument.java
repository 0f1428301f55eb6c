package lipfarm.reporting;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The report as a list of blocks, rendered to Markdown ({@code report.md}, images linked from
 * {@code plots/}) and to a self-contained HTML page ({@code report.html}, images embedded as base64
 * data URIs). One model for both keeps the two reports saying the same thing.
 *
 * <p>Text may use {@code **bold**}; everything else is literal (escaped for HTML).
 */
final class ReportDocument {
  sealed interface Block {}

  record Heading(int level, String text) implements Block {}

  record Paragraph(String text) implements Block {}

  record Bullets(List<String> items) implements Block {}

  /**
   * @param rightAligned per column: numbers are right-aligned
   */
  record Table(List<String> header, List<Boolean> rightAligned, List<List<String>> rows)
      implements Block {}

  record Image(Plots.Plot plot) implements Block {}

  private final String title;
  private final List<Block> blocks = new ArrayList<>();

  ReportDocument(String title) {
    this.title = title;
  }

  ReportDocument heading(int level, String text) {
    blocks.add(new Heading(level, text));
    return this;
  }

  ReportDocument paragraph(String text) {
    blocks.add(new Paragraph(text));
    return this;
  }

  ReportDocument bullets(List<String> items) {
    if (!items.isEmpty()) {
      blocks.add(new Bullets(List.copyOf(items)));
    }
    return this;
  }

  ReportDocument table(List<String> header, List<Boolean> rightAligned, List<List<String>> rows) {
    blocks.add(new Table(List.copyOf(header), List.copyOf(rightAligned), List.copyOf(rows)));
    return this;
  }

  ReportDocument image(Plots.Plot plot) {
    blocks.add(new Image(plot));
    return this;
  }

  String markdown() {
    StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
    for (Block b : blocks) {
      if (b instanceof Heading h) {
        sb.append("#".repeat(h.level())).append(' ').append(h.text()).append("\n\n");
      } else if (b instanceof Paragraph p) {
        sb.append(p.text()).append("\n\n");
      } else if (b instanceof Bullets l) {
        l.items().forEach(i -> sb.append("- ").append(i).append('\n'));
        sb.append('\n');
      } else if (b instanceof Table t) {
        sb.append("| ")
            .append(String.join(" | ", t.header().stream().map(ReportDocument::mdCell).toList()))
            .append(" |\n|");
        t.rightAligned().forEach(r -> sb.append(r ? "---:|" : "---|"));
        sb.append('\n');
        for (List<String> row : t.rows()) {
          sb.append("| ")
              .append(String.join(" | ", row.stream().map(ReportDocument::mdCell).toList()))
              .append(" |\n");
        }
        sb.append('\n');
      } else if (b instanceof Image i) {
        Plots.Plot p = i.plot();
        sb.append("![").append(p.title()).append("](plots/").append(p.name()).append(".png)\n\n");
        sb.append("*")
            .append(p.caption())
            .append("* (SVG: [plots/")
            .append(p.name())
            .append(".svg](plots/")
            .append(p.name())
            .append(".svg))\n\n");
      }
    }
    return sb.toString();
  }

  String html() {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
        .append(esc(title))
        .append("</title>\n");
    sb.append("<style>\n")
        .append(
            "body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n")
        .append("table{border-collapse:collapse;margin:1em 0;font-size:0.85em}\n")
        .append("th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top}\n")
        .append("th{background:#f3f3f3}\n")
        .append("td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
        .append(".scroll{overflow-x:auto}\n")
        .append("figure{margin:1.5em 0}img{max-width:100%;height:auto;border:1px solid #eee}\n")
        .append("figcaption{font-size:0.9em;color:#444}\n")
        .append("</style>\n</head>\n<body>\n");
    sb.append("<h1>").append(esc(title)).append("</h1>\n");
    for (Block b : blocks) {
      if (b instanceof Heading h) {
        sb.append("<h")
            .append(h.level())
            .append('>')
            .append(inline(h.text()))
            .append("</h")
            .append(h.level())
            .append(">\n");
      } else if (b instanceof Paragraph p) {
        sb.append("<p>").append(inline(p.text())).append("</p>\n");
      } else if (b instanceof Bullets l) {
        sb.append("<ul>\n");
        l.items().forEach(i -> sb.append("<li>").append(inline(i)).append("</li>\n"));
        sb.append("</ul>\n");
      } else if (b instanceof Table t) {
        sb.append("<div class=\"scroll\"><table>\n<thead><tr>");
        t.header().forEach(h -> sb.append("<th>").append(inline(h)).append("</th>"));
        sb.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : t.rows()) {
          sb.append("<tr>");
          for (int c = 0; c < row.size(); c++) {
            boolean num = c < t.rightAligned().size() && t.rightAligned().get(c);
            sb.append(num ? "<td class=\"num\">" : "<td>")
                .append(inline(row.get(c)))
                .append("</td>");
          }
          sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table></div>\n");
      } else if (b instanceof Image i) {
        Plots.Plot p = i.plot();
        sb.append("<figure>\n<img alt=\"")
            .append(esc(p.title()))
            .append("\" src=\"data:image/png;base64,")
            .append(Base64.getEncoder().encodeToString(p.png()))
            .append("\">\n<figcaption>")
            .append(inline(p.caption()))
            .append("</figcaption>\n</figure>\n");
      }
    }
    sb.append("</body>\n</html>\n");
    return sb.toString();
  }

  private static String mdCell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }

  private static final Pattern BOLD = Pattern.compile("\\*\\*(.+?)\\*\\*");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  /** Escapes HTML, then turns {@code **x**} into bold and {@code `x`} into code. */
  static String inline(String s) {
    String e = esc(s);
    Matcher m = BOLD.matcher(e);
    e = m.replaceAll("<strong>$1</strong>");
    return CODE.matcher(e).replaceAll("<code>$1</code>");
  }

  static String esc(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
