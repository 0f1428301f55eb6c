package lipfarm.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reader of labelled CSV files: one point per line, {@code feature_1, ..., feature_D, label},
 * comma-separated, UTF-8, parsed by Apache Commons CSV (RFC 4180: quoted fields with commas,
 * doubled quotes or line breaks; CRLF or LF line ends; a leading byte-order mark is dropped). Blank
 * lines and lines starting with {@code #} are skipped. The first remaining line is a header, and
 * skipped, when none of its feature fields is a number, so a data line with a typo is reported as a
 * bad number rather than silently taken as a header. The label is any non-empty text (a class name
 * or number); {@link #canonicalClass} makes "1", "1.0" and "+1" the same class. Features must be
 * finite numbers. Every problem is a {@link DataException} naming the file, the line (1-based) and,
 * for a bad number, the column (1-based).
 */
public final class Csv {
  private Csv() {}

  /**
   * The rows of a CSV file as read: unscaled features and canonical class labels.
   *
   * @param header column names, or null when the file has no header line
   * @param features {@code features[i]} has length D ≥ 1
   * @param labels canonical class of each row
   */
  public record Table(List<String> header, double[][] features, String[] labels) {
    public int rows() {
      return features.length;
    }

    public int dim() {
      return features[0].length;
    }
  }

  /** Reads and checks a whole CSV file. */
  public static Table read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new DataException(file + ": no such file", e);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new DataException(file + ": cannot read as UTF-8 text: " + e, e);
    } catch (IOException e) {
      throw new DataException(file + ": cannot read: " + e, e);
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1); // a byte-order mark, as spreadsheets write
    }
    List<String> header = null;
    List<double[]> features = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    int columns = -1;
    long firstLine = -1;
    CSVFormat format =
        CSVFormat.RFC4180
            .builder()
            .setCommentMarker('#')
            .setIgnoreEmptyLines(true)
            .setTrim(true)
            .get();
    try (CSVParser parser = CSVParser.parse(text, format)) {
      Iterator<CSVRecord> records = parser.iterator();
      while (true) {
        CSVRecord record;
        try {
          if (!records.hasNext()) {
            break;
          }
          record = records.next();
        } catch (UncheckedIOException | IllegalStateException e) {
          throw new DataException(
              file
                  + " line "
                  + (parser.getCurrentLineNumber() + 1)
                  + ": not valid CSV: "
                  + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()),
              e);
        }
        String[] fields = record.values();
        long lineNo = startLine(parser.getCurrentLineNumber(), fields, text);
        if (fields.length == 1 && fields[0].isEmpty()) {
          continue; // a line of spaces
        }
        if (columns < 0) {
          if (fields.length < 2) {
            throw new DataException(
                file
                    + " line "
                    + lineNo
                    + ": found "
                    + fields.length
                    + " column; a row needs at least one feature and a label");
          }
          columns = fields.length;
          firstLine = lineNo;
          if (isHeader(fields)) {
            header = List.of(stripAll(fields));
            continue;
          }
        }
        if (fields.length != columns) {
          throw new DataException(
              file
                  + " line "
                  + lineNo
                  + ": expected "
                  + columns
                  + " columns ("
                  + (columns - 1)
                  + " features and a label, as on line "
                  + firstLine
                  + "), found "
                  + fields.length);
        }
        double[] v = new double[columns - 1];
        for (int c = 0; c < columns - 1; c++) {
          String f = fields[c].strip();
          double x;
          try {
            x = Double.parseDouble(f);
          } catch (NumberFormatException e) {
            throw new DataException(
                file + " line " + lineNo + ", column " + (c + 1) + ": '" + f + "' is not a number");
          }
          if (!Double.isFinite(x)) {
            throw new DataException(
                file
                    + " line "
                    + lineNo
                    + ", column "
                    + (c + 1)
                    + ": '"
                    + f
                    + "' is not a finite number");
          }
          v[c] = x;
        }
        String label = fields[columns - 1].strip();
        if (label.isEmpty()) {
          throw new DataException(
              file + " line " + lineNo + ", column " + columns + ": the label is empty");
        }
        features.add(v);
        labels.add(canonicalClass(label));
      }
    } catch (IOException e) {
      throw new DataException(file + ": cannot read: " + e, e);
    }
    if (features.isEmpty()) {
      throw new DataException(
          file
              + (header == null
                  ? ": empty file: no data rows"
                  : ": no data rows after the header on line " + firstLine));
    }
    return new Table(header, features.toArray(new double[0][]), labels.toArray(new String[0]));
  }

  /**
   * The canonical name of a class: an integral number is written as a plain integer ("1.0", "+1"
   * and "1" are all "1"), anything else is the stripped text.
   */
  public static String canonicalClass(String label) {
    String s = label.strip();
    try {
      double v = Double.parseDouble(s);
      if (Double.isFinite(v) && v == Math.rint(v) && Math.abs(v) < 1e15) {
        return Long.toString((long) v);
      }
    } catch (NumberFormatException e) {
      // not a number: a class name
    }
    return s;
  }

  /**
   * The 1-based line a record starts on, from the parser's line count after it: a quoted field with
   * line breaks makes a record span several lines.
   */
  private static long startLine(long linesAfter, String[] fields, String text) {
    long breaks = 0;
    for (String f : fields) {
      breaks += f.chars().filter(ch -> ch == '\n').count();
    }
    return linesAfter - breaks + (linesAfter == 0 ? 1 : 0);
  }

  private static boolean isHeader(String[] fields) {
    for (int c = 0; c < fields.length - 1; c++) {
      try {
        Double.parseDouble(fields[c].strip());
        return false;
      } catch (NumberFormatException e) {
        // keep looking
      }
    }
    return true;
  }

  private static String[] stripAll(String[] fields) {
    String[] out = new String[fields.length];
    for (int i = 0; i < fields.length; i++) {
      out[i] = fields[i].strip();
    }
    return out;
  }
}
