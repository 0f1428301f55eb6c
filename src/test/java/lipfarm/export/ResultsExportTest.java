package lipfarm.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lipfarm.cli.Main;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.ReportWriter;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lipfarm export: the merged table read back equals the union of the farms' results.json. */
class ResultsExportTest {
  @TempDir Path tmp;

  private static RunResult result(RunConfig c, int i) {
    boolean failed = i == 2;
    return new RunResult(
        c.id(),
        c,
        failed ? "failed" : "converged",
        100 + i,
        failed ? Double.NaN : 1e-4 * (i + 1),
        failed ? Double.NaN : 0.009,
        1.0,
        failed ? Double.NaN : 2.5 + i,
        failed ? null : "grad@data",
        failed ? Double.NaN : 7.25 + i,
        failed ? null : "spectral",
        1000,
        List.of(),
        failed ? null : new NetworkMeasures(100, 9.0, 5.0, 7.0, 6.0, 1.2, 0.5),
        failed ? "trainer failed: \"boom\", twice" : null,
        1.5 + i,
        0.125 * i);
  }

  /** A farm directory with only its results.json, as ReportWriter writes it. */
  private Path farm(String name, String grid) throws Exception {
    List<RunConfig> configs =
        FarmDefinition.parse("farm { name = " + name + "\n grid { " + grid + " } }").expand();
    List<RunResult> results = new ArrayList<>();
    for (int i = 0; i < configs.size(); i++) {
      results.add(result(configs.get(i), i));
    }
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.writeString(dir.resolve("results.json"), new ReportWriter().json(name, results));
    return dir;
  }

  private static int cli(String... args) {
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return Main.run(args, sink, sink);
  }

  /** Every run of every results.json: column → its JSON value. */
  private static List<Map<String, JsonNode>> union(Path... dirs) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<Map<String, JsonNode>> rows = new ArrayList<>();
    for (Path d : dirs) {
      JsonNode root = mapper.readTree(d.resolve("results.json").toFile());
      for (JsonNode run : root.get("runs")) {
        Map<String, JsonNode> row = new LinkedHashMap<>();
        row.put("farm", root.get("farm"));
        row.put("run_id", run.get("runId"));
        row.put("outcome", run.get("outcome"));
        row.put("epochs", run.get("epochs"));
        row.put("loss", run.get("loss"));
        row.put("lip_lower_certified", run.get("lipLower"));
        row.put("lip_lower_method", run.get("lipLowerMethod"));
        row.put("lip_upper_certified", run.get("lipUpper"));
        row.put("estimator_evaluations", run.get("evaluations"));
        row.put("error", run.get("error"));
        row.put("train_seconds", run.get("trainSeconds"));
        row.put("estimate_seconds", run.get("estimateSeconds"));
        // Every configuration parameter: farm key learning-rate is JSON learningRate and column
        // learning_rate; the loss parameter's column is loss_function.
        run.get("config")
            .fields()
            .forEachRemaining(
                e -> {
                  String snake = e.getKey().replaceAll("([A-Z])", "_$1").toLowerCase();
                  row.put(snake.equals("loss") ? "loss_function" : snake, e.getValue());
                });
        rows.add(row);
      }
    }
    return rows;
  }

  /** Compares one exported cell (CSV text or a Parquet value) with its JSON value. */
  private static void assertCell(String column, Object cell, JsonNode json) {
    String what = column + " = " + cell + " vs " + json;
    if (json == null || json.isNull() || json.isTextual() && json.asText().equals("NaN")) {
      assertThat(cell == null || cell.equals("")).as(what).isTrue();
    } else if (json.isNumber()) {
      assertThat(cell instanceof Number n ? n.doubleValue() : Double.parseDouble((String) cell))
          .as(what)
          .isEqualTo(json.asDouble());
    } else if (json.isBoolean()) {
      assertThat((Boolean) (cell instanceof Boolean b ? b : Boolean.parseBoolean((String) cell)))
          .as(what)
          .isEqualTo(json.asBoolean());
    } else {
      assertThat(cell).as(what).isEqualTo(json.asText());
    }
  }

  @Test
  void csvAndParquetExportsEqualTheUnionOfResultsJson() throws Exception {
    Path a = farm("alpha", "n = [100, 200], learning-rate = [0.01]");
    Path b =
        farm(
            "beta",
            "n = [100], depth = [3], hidden-widths = [\"40,20\"], learning-rate = [0.003, 0.001]");
    List<Map<String, JsonNode>> want = union(a, b);
    assertThat(want).hasSize(4);
    assertThat(want.get(0).keySet()).hasSizeGreaterThan(50);

    Path csv = tmp.resolve("out/all.csv");
    assertThat(cli("export", a.toString(), b.toString(), "--format", "csv", "-o", csv.toString()))
        .isZero();
    List<Map<String, String>> gotCsv = new ArrayList<>();
    try (CSVParser p =
        CSVParser.parse(
            csv,
            StandardCharsets.UTF_8,
            CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get())) {
      assertThat(p.getHeaderNames()).isEqualTo(ResultsExport.columns());
      for (CSVRecord r : p) {
        gotCsv.add(r.toMap());
      }
    }
    assertThat(gotCsv).hasSize(want.size());
    for (int i = 0; i < want.size(); i++) {
      for (Map.Entry<String, JsonNode> e : want.get(i).entrySet()) {
        assertThat(gotCsv.get(i)).containsKey(e.getKey());
        assertCell(e.getKey(), gotCsv.get(i).get(e.getKey()), e.getValue());
      }
    }

    Path parquet = tmp.resolve("all.parquet");
    assertThat(
            cli(
                "export",
                a.toString(),
                b.toString(),
                "--format",
                "parquet",
                "-o",
                parquet.toString()))
        .isZero();
    List<Map<String, Object>> gotParquet = new ArrayList<>();
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = db.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT * FROM read_parquet(" + ParquetExport.quote(parquet.toString()) + ")")) {
      ResultSetMetaData md = rs.getMetaData();
      List<String> names = new ArrayList<>();
      for (int c = 1; c <= md.getColumnCount(); c++) {
        names.add(md.getColumnName(c));
      }
      assertThat(names).isEqualTo(ResultsExport.columns());
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int c = 1; c <= names.size(); c++) {
          row.put(names.get(c - 1), rs.getObject(c));
        }
        gotParquet.add(row);
      }
    }
    assertThat(gotParquet).hasSize(want.size());
    for (int i = 0; i < want.size(); i++) {
      for (Map.Entry<String, JsonNode> e : want.get(i).entrySet()) {
        assertCell(e.getKey(), gotParquet.get(i).get(e.getKey()), e.getValue());
      }
    }
    // Typed columns: integers, booleans, and a bound empty in every row is still a number column.
    assertThat(gotParquet.get(0).get("n")).isInstanceOf(Long.class);
    assertThat(gotParquet.get(0).get("bias")).isInstanceOf(Boolean.class);
    assertThat(gotParquet.get(0).get("hidden_widths")).isEqualTo("");
  }

  @Test
  void unreadableFarmsWriteNothingAndExitTwo() throws Exception {
    Path a = farm("alpha", "n = [100]");
    Path out = tmp.resolve("x.csv");
    assertThat(cli("export", a.toString(), tmp.resolve("nope").toString(), "-o", out.toString()))
        .isEqualTo(2);
    Path bad = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(bad.resolve("results.json"), "{\"runs\": 3}");
    assertThat(cli("export", bad.toString(), "-o", out.toString())).isEqualTo(2);
    assertThat(cli("export", a.toString(), "--format", "xlsx", "-o", out.toString())).isEqualTo(2);
    assertThat(out).doesNotExist();
  }
}
