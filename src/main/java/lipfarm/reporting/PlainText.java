package lipfarm.reporting;

import java.util.ArrayList;
import java.util.List;

/**
 * Report text for a terminal: Markdown bold dropped, the few non-ASCII signs the report's sentences
 * use spelled in ASCII (the CLI's tables are ASCII too), words wrapped to {@link #COLUMNS}.
 */
final class PlainText {
  /** Width of the CLI's tables. */
  static final int COLUMNS = 80;

  private PlainText() {}

  /** {@code **x**} to {@code x}; ½ and the minus sign to ASCII. */
  static String plain(String markdown) {
    return markdown
        .replace("**", "")
        .replace("½", "1/2")
        .replace('\u2212', '-')
        .replace('\u2013', '-');
  }

  /**
   * The plain form of {@code markdown} in lines of at most {@link #COLUMNS} characters, the first
   * starting with {@code first}, the others with {@code rest} (a hanging indent). A word longer
   * than a line is cut.
   */
  static List<String> wrap(String markdown, String first, String rest) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder(first);
    boolean empty = true;
    for (String word : plain(markdown).trim().split("\\s+")) {
      String w = word;
      if (!empty && line.length() + 1 + w.length() > COLUMNS) {
        lines.add(line.toString());
        line = new StringBuilder(rest);
        empty = true;
      }
      while (line.length() + w.length() > COLUMNS) {
        int room = COLUMNS - line.length() - (empty ? 0 : 1);
        if (!empty) {
          line.append(' ');
        }
        line.append(w, 0, room);
        lines.add(line.toString());
        w = w.substring(room);
        line = new StringBuilder(rest);
        empty = true;
      }
      if (!empty) {
        line.append(' ');
      }
      line.append(w);
      empty = false;
    }
    lines.add(line.toString());
    return lines;
  }
}
