package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lipfarm estimate}: both input formats, the JSON output, and exit code 2 on bad input. */
class EstimateCommandTest {
  private static final Path LIPSDP =
      Files.isRegularFile(Path.of("..", "shared", "data", "lipsdp-random-net.json"))
          ? Path.of("..", "shared", "data", "lipsdp-random-net.json")
          // A copy ships with the tests so they never skip on a checkout without shared/.
          : Path.of("src", "test", "resources", "reference", "lipsdp-random-net.json");

  @TempDir Path tmp;

  private Path write(String json) throws IOException {
    Path f = tmp.resolve("net.json");
    Files.writeString(f, json);
    return f;
  }

  @Test
  void singleReluUnitInLayersFormatGivesItsExactConstant() throws IOException {
    // f(x) = -2·relu(3x1 + 4x2 + 0.5): L = 2·5 = 10 on the whole plane.
    Path f =
        write(
            "{\"activation\": \"relu\", \"layers\": ["
                + "{\"weights\": [[3, 4]], \"bias\": [0.5]}, {\"weights\": [[-2]]}]}");
    MainTest.Result r = MainTest.run("estimate", "--json", "--budget", "2000", f.toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode o = new ObjectMapper().readTree(r.out());
    assertThat(o.get("lower_global").asDouble())
        .isCloseTo(10, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(o.get("upper").asDouble()).isGreaterThanOrEqualTo(10).isLessThan(10 + 1e-6);
    assertThat(o.get("bounds").findValuesAsText("kind"))
        .contains("CERTIFIED_LOWER", "CERTIFIED_UPPER", "ESTIMATE");
    // Every bound says what it is: which constant, which side, rounding-safe or not a bound.
    for (JsonNode b : o.get("bounds")) {
      String kind = b.get("kind").asText();
      String meaning = b.get("meaning").asText();
      switch (kind) {
        case "CERTIFIED_LOWER" -> assertThat(meaning).startsWith("≤").contains("rounding-safe");
        case "CERTIFIED_UPPER" -> assertThat(meaning).startsWith("≥").contains("rounding-safe");
        case "ESTIMATE" -> assertThat(meaning).contains("no guarantee");
        default -> {}
      }
      if (b.get("method").asText().equals("lower-global")) {
        assertThat(meaning).contains("global constant").doesNotContain("local");
      }
    }
    assertThat(o.get("upper_local").asDouble()).isLessThanOrEqualTo(o.get("upper").asDouble());
  }

  @Test
  void lipsdpWeightsOnlyFormatPrintsTableWithKinds() {
    Assumptions.assumeTrue(Files.exists(LIPSDP), "reference network missing");
    MainTest.Result r = MainTest.run("estimate", "--points", "5", LIPSDP.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("2 → 10 → 30 → 20 → 2")
        .contains("lipsdp-neuron")
        .contains("CERTIFIED_UPPER")
        .contains("clever@ball")
        .contains("ESTIMATE")
        .contains("meaning")
        .contains("≤ L_local ≤")
        .contains("≤ L_global ≤");
  }

  @Test
  void missingFileExitsTwo() {
    MainTest.Result r = MainTest.run("estimate", tmp.resolve("nope.json").toString());
    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("no such file");
  }

  @Test
  void malformedJsonExitsTwo() throws IOException {
    MainTest.Result r = MainTest.run("estimate", write("{\"layers\": [").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("malformed JSON");
  }

  @Test
  void shapeMismatchNamesTheLayer() throws IOException {
    Path f = write("{\"layers\": [{\"weights\": [[1, 2], [3, 4]]}, {\"weights\": [[1, 2, 3]]}]}");
    MainTest.Result r = MainTest.run("estimate", f.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("layers[1]").contains("shape mismatch");
  }

  @Test
  void badFieldsAreNamed() throws IOException {
    MainTest.Result bias =
        MainTest.run(
            "estimate",
            write("{\"layers\": [{\"weights\": [[1, 2]], \"bias\": [1, 2]}]}").toString());
    assertThat(bias.code()).isEqualTo(2);
    assertThat(bias.err()).contains("layers[0].bias");
    MainTest.Result act =
        MainTest.run(
            "estimate",
            write(
                    "{\"activation\": \"swish\", \"layers\": [{\"weights\": [[1]]}, {\"weights\": [[1]]}]}")
                .toString());
    assertThat(act.code()).isEqualTo(2);
    assertThat(act.err()).contains("swish");
    MainTest.Result num =
        MainTest.run("estimate", write("{\"weights\": [[[1, \"x\"]]]}").toString());
    assertThat(num.code()).isEqualTo(2);
    assertThat(num.err()).contains("weights[0][0][1]");
  }
}
