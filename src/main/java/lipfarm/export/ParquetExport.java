package lipfarm.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lipfarm.config.RunConfig;
import lipfarm.export.ResultsExport.FarmResults;

/**
 * The merged results table as a Parquet file, written by an in-memory DuckDB ({@code COPY ... TO
 * ... (FORMAT PARQUET)}) from the CSV form. Every column has a declared type, so a column that is
 * empty in every row (a bound that never applies) is still a nullable DOUBLE, not text.
 */
public final class ParquetExport {
  private ParquetExport() {}

  private static final Set<String> TEXT =
      Set.of("farm", "run_id", "outcome", "lip_lower_method", "lip_upper_method", "error");
  private static final Set<String> INTEGER =
      Set.of("n", "d", "k", "depth", "seed", "parameters", "epochs", "estimator_evaluations");
  private static final Set<String> BOOLEAN =
      Set.of(
          "fitted",
          "F10_le_lower",
          "lower_le_upper",
          "upper_le_F11",
          "path_norm_ge_F2",
          "spectral_proxy_ge_F3",
          "frobenius_product_ge_F8",
          "estimator_self_check");

  /** DuckDB type of every column of {@link ResultsExport#columns()}. */
  static Map<String, String> types() {
    Map<String, String> parameterTypes = new LinkedHashMap<>();
    new RunConfig("sphere", "random", 1, 1, 1, 2, "relu", true, "adam", 0.01, 1, 0.01, 1, 1)
        .asMap()
        .forEach(
            (key, v) ->
                parameterTypes.put(
                    key.equals("loss") ? "loss_function" : key.replace('-', '_'),
                    v instanceof Integer
                        ? "BIGINT"
                        : v instanceof Double
                            ? "DOUBLE"
                            : v instanceof Boolean ? "BOOLEAN" : "VARCHAR"));
    Map<String, String> types = new LinkedHashMap<>();
    for (String c : ResultsExport.columns()) {
      types.put(
          c,
          parameterTypes.containsKey(c)
              ? parameterTypes.get(c)
              : TEXT.contains(c)
                  ? "VARCHAR"
                  : INTEGER.contains(c) ? "BIGINT" : BOOLEAN.contains(c) ? "BOOLEAN" : "DOUBLE");
    }
    return types;
  }

  /** Writes the table to {@code out} (temporary files, then rename). */
  public static void write(List<FarmResults> farms, Path out) throws IOException {
    Path csv = ResultsExport.temporary(out);
    Path parquet = ResultsExport.temporary(out);
    try {
      Files.writeString(csv, ResultsExport.csv(farms), StandardCharsets.UTF_8);
      Files.delete(parquet); // DuckDB creates it
      StringBuilder columns = new StringBuilder("{");
      types()
          .forEach((c, t) -> columns.append(quote(c)).append(": ").append(quote(t)).append(", "));
      columns.setLength(columns.length() - 2);
      columns.append('}');
      // Text parameters keep "" (hidden-widths, file, ...); other empty cells are NULL.
      List<String> keepEmpty =
          types().entrySet().stream()
              .filter(e -> e.getValue().equals("VARCHAR") && !TEXT.contains(e.getKey()))
              .map(e -> quote(e.getKey()))
              .toList();
      try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
          Statement st = db.createStatement()) {
        st.execute(
            "COPY (SELECT * FROM read_csv("
                + quote(csv.toString())
                + ", header = true, delim = ',', quote = '\"', escape = '\"', nullstr = '',"
                + " auto_detect = false, columns = "
                + columns
                + ", force_not_null = ["
                + String.join(", ", keepEmpty)
                + "])) TO "
                + quote(parquet.toString())
                + " (FORMAT PARQUET)");
      } catch (SQLException e) {
        throw new IOException("DuckDB could not write Parquet: " + e.getMessage(), e);
      }
      Files.move(parquet, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(csv);
      Files.deleteIfExists(parquet);
    }
  }

  /** A SQL string literal. */
  static String quote(String s) {
    return "'" + s.replace("'", "''") + "'";
  }
}
