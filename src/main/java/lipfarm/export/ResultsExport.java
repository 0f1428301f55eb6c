package lipfarm.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.EventJson;
import lipfarm.reporting.ReportWriter;

/**
 * Merges the results of several farms into one table: a {@code farm} column followed by the columns
 * of {@code results.csv} (every configuration parameter, the outcome, the Lipschitz sandwich, the
 * theory bounds and checks, and the wall seconds of each run). Each farm is read from its {@code
 * results.json}; the table is written as CSV or, through DuckDB, as Parquet.
 */
public final class ResultsExport {
  private ResultsExport() {}

  /** A directory or file that cannot be exported; nothing was written. */
  public static final class BadInput extends Exception {
    public BadInput(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The results of one farm directory. */
  public record FarmResults(String farm, Path dir, List<RunResult> runs) {}

  /** The table's columns, in order. */
  public static List<String> columns() {
    List<String> c = new ArrayList<>();
    c.add("farm");
    c.addAll(ReportWriter.csvColumns());
    return c;
  }

  /** Reads {@code DIR/results.json}. */
  public static FarmResults read(Path dir) throws BadInput {
    Path file = dir.resolve("results.json");
    if (!Files.isRegularFile(file)) {
      throw new BadInput(
          file + ": no such file (is " + dir + " a farm's results directory, runs/<name>?)", null);
    }
    ObjectMapper mapper = EventJson.newMapper();
    try {
      JsonNode root = mapper.readTree(file.toFile());
      JsonNode runs = root == null ? null : root.get("runs");
      if (runs == null || !runs.isArray() || !root.path("farm").isTextual()) {
        throw new BadInput(file + ": not a lipfarm results.json (no \"farm\" and \"runs\")", null);
      }
      List<RunResult> out = new ArrayList<>();
      for (int i = 0; i < runs.size(); i++) {
        try {
          out.add(mapper.treeToValue(runs.get(i), RunResult.class));
        } catch (IOException | IllegalArgumentException e) {
          throw new BadInput(file + ": run " + i + " is unreadable: " + e.getMessage(), e);
        }
      }
      return new FarmResults(root.get("farm").asText(), dir, List.copyOf(out));
    } catch (IOException e) {
      throw new BadInput(file + ": not valid JSON: " + e.getMessage(), e);
    }
  }

  /** Reads every directory first, so a bad one stops the export before anything is written. */
  public static List<FarmResults> readAll(List<Path> dirs) throws BadInput {
    List<FarmResults> farms = new ArrayList<>();
    for (Path d : dirs) {
      farms.add(read(d));
    }
    return farms;
  }

  /** The merged table as CSV text (RFC 4180, LF line ends). */
  public static String csv(List<FarmResults> farms) {
    StringBuilder sb = new StringBuilder(String.join(",", columns())).append('\n');
    for (FarmResults f : farms) {
      String farmCell = csvCell(f.farm());
      for (RunResult r : f.runs()) {
        sb.append(farmCell).append(',').append(ReportWriter.csvRow(r)).append('\n');
      }
    }
    return sb.toString();
  }

  /** Writes the CSV table to {@code out} (temporary file, then rename). */
  public static void writeCsv(List<FarmResults> farms, Path out) throws IOException {
    Path tmp = temporary(out);
    try {
      Files.writeString(tmp, csv(farms), StandardCharsets.UTF_8);
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static Path temporary(Path out) throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    return Files.createTempFile(parent, "." + out.getFileName(), ".tmp");
  }

  private static String csvCell(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
