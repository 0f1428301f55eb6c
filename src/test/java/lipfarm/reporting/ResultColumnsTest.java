package lipfarm.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.RunResult;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/** results.csv and results.json carry every parameter and the wall seconds of each run. */
class ResultColumnsTest {

  private static final RunConfig CONFIG =
      FarmDefinition.parse(
              "farm { defaults { depth = 3, hidden-widths = \"40,20\", loss = hinge, learning-rate ="
                  + " 0.003, weight-bound = spectral, bound-value = 2.5, label-noise = 0.1 } }")
          .expand()
          .get(0);

  private static RunResult result() {
    return new RunResult(
        CONFIG.id(),
        CONFIG,
        "converged",
        10,
        0.01,
        0.009,
        1.0,
        2.0,
        "grad@data",
        3.0,
        "spectral",
        100,
        List.of(),
        null,
        null,
        12.5,
        0.75);
  }

  @Test
  void csvHasEveryParameterAndWallSeconds() throws Exception {
    String csv = new ReportWriter().csv(List.of(result()));
    List<CSVRecord> records =
        CSVFormat.RFC4180
            .builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .get()
            .parse(new StringReader(csv))
            .getRecords();
    Map<String, String> row = records.get(0).toMap();
    for (Map.Entry<String, Object> p : CONFIG.asMap().entrySet()) {
      String column = p.getKey().equals("loss") ? "loss_function" : p.getKey().replace('-', '_');
      assertThat(row).as(column).containsEntry(column, String.valueOf(p.getValue()));
    }
    assertThat(row).containsEntry("hidden_widths", "40,20").containsEntry("loss_function", "hinge");
    assertThat(row).containsEntry("loss", "0.01"); // the training loss keeps its column
    assertThat(row)
        .containsEntry("train_seconds", "12.5")
        .containsEntry("estimate_seconds", "0.75");
    assertThat(ReportWriter.csvColumns()).doesNotHaveDuplicates();
  }

  @Test
  void jsonHasEveryParameterAndWallSeconds() throws Exception {
    ObjectMapper mapper = EventJson.newMapper();
    var run = mapper.readTree(new ReportWriter().json("f", List.of(result()))).get("runs").get(0);
    assertThat(run.get("trainSeconds").asDouble()).isEqualTo(12.5);
    assertThat(run.get("estimateSeconds").asDouble()).isEqualTo(0.75);
    assertThat(run.get("config").get("learningRate").asDouble()).isEqualTo(0.003);
    assertThat(run.get("config").size()).isEqualTo(CONFIG.asMap().size());
  }

  /** Events written before the wall times existed still read: the times are 0. */
  @Test
  void oldEventsWithoutWallTimesRead() throws Exception {
    ObjectMapper mapper = EventJson.newMapper();
    String line =
        EventJson.line(mapper, "f", 7, Instant.EPOCH, new RunFinished(CONFIG.id(), result()));
    ObjectNode old = (ObjectNode) mapper.readTree(line);
    ((ObjectNode) old.get("result")).remove(List.of("trainSeconds", "estimateSeconds"));
    FarmEvent back = EventJson.parse(mapper, old.toString());
    RunResult r = ((RunFinished) back).result();
    assertThat(r.trainSeconds()).isZero();
    assertThat(r.estimateSeconds()).isZero();
    assertThat(r.lipUpper()).isEqualTo(3.0);
    // Equality is the result's, whatever the wall times.
    assertThat(r).isEqualTo(result()).hasSameHashCodeAs(result());
    assertThat(r.withTimes(1, 2).trainSeconds()).isEqualTo(1.0);
  }
}
