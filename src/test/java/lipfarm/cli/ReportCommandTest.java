package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import lipfarm.analysis.ConsistencyChecks;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.reporting.EventJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lipfarm report RUN_DIR} on a real tiny farm: the rebuilt files equal the farm's own, the
 * HTML's images decode, and bad input exits 2 without writing anything.
 */
class ReportCommandTest {
  @TempDir static Path shared;
  @TempDir Path tmp;

  static Path farmDir;

  /** A picture is non-trivial when more than this fraction of its pixels are not background. */
  private static final double MIN_INK = 0.01;

  @BeforeAll
  static void runTinyFarm() throws IOException {
    Path f = shared.resolve("tiny.conf");
    Files.writeString(
        f,
        "farm {\n name = tiny\n max-concurrent-runs = 2\n output-dir = \""
            + shared.resolve("runs")
            + "\"\n"
            + " defaults { d = 10, max-epochs = 3000, estimator-budget = 4000, tol = 0.01 }\n"
            + " grid { n = [20, 40], k = [8, 16], seed = [1, 2] }\n}\n");
    MainTest.Result r = MainTest.run("run", "--no-progress", f.toString());
    assertThat(r.code()).as(r.err()).isZero();
    farmDir = shared.resolve("runs").resolve("tiny"); // the farm's stable directory
  }

  @Test
  void rebuildsIdenticalFilesFromEventsAlone() throws IOException {
    Path copy = tmp.resolve("copy");
    Files.createDirectories(copy);
    Files.copy(farmDir.resolve("events.ndjson"), copy.resolve("events.ndjson"));
    // The saved networks are listed in results.json when they are there.
    Files.createDirectories(copy.resolve("networks"));
    try (var nets = Files.list(farmDir.resolve("networks"))) {
      for (Path n : nets.toList()) {
        Files.copy(n, copy.resolve("networks").resolve(n.getFileName()));
      }
    }

    MainTest.Result r = MainTest.run("report", copy.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("report.html").contains("results.csv");
    for (String name : List.of("results.csv", "results.json", "report.md", "report.html")) {
      assertThat(Files.readAllBytes(copy.resolve(name)))
          .as(name)
          .isEqualTo(Files.readAllBytes(farmDir.resolve(name)));
    }
    try (Stream<Path> s = Files.list(farmDir.resolve("plots"))) {
      for (Path p : s.toList()) {
        assertThat(Files.readAllBytes(copy.resolve("plots").resolve(p.getFileName())))
            .as(p.toString())
            .isEqualTo(Files.readAllBytes(p));
      }
    }
  }

  @Test
  void everyEmbeddedImageDecodesToANonTrivialPicture() throws IOException {
    String html = Files.readString(farmDir.resolve("report.html"));
    Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
    List<BufferedImage> images = new ArrayList<>();
    while (m.find()) {
      images.add(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1)))));
    }
    long pngFiles;
    try (Stream<Path> s = Files.list(farmDir.resolve("plots"))) {
      pngFiles = s.filter(p -> p.toString().endsWith(".png")).count();
    }
    // √(n/k), n, k and the loss curves.
    assertThat(images).hasSize((int) pngFiles).hasSizeGreaterThanOrEqualTo(4);
    assertThat(html).doesNotContain("src=\"plots/").doesNotContain("src=\"http");
    for (BufferedImage img : images) {
      assertThat(img).isNotNull();
      assertThat(img.getWidth()).isGreaterThanOrEqualTo(400);
      int background = img.getRGB(0, 0);
      Set<Integer> colours = new HashSet<>();
      long ink = 0;
      for (int y = 0; y < img.getHeight(); y += 2) {
        for (int x = 0; x < img.getWidth(); x += 2) {
          int c = img.getRGB(x, y);
          colours.add(c);
          if (c != background) {
            ink++;
          }
        }
      }
      assertThat(colours.size()).as("distinct colours").isGreaterThan(10);
      assertThat(ink / (img.getWidth() * img.getHeight() / 4.0)).isGreaterThan(MIN_INK);
    }
    try (Stream<Path> s = Files.list(farmDir.resolve("plots"))) {
      for (Path svg : s.filter(p -> p.toString().endsWith(".svg")).toList()) {
        assertThat(Files.readString(svg)).contains("<svg").contains("</svg>");
      }
    }
  }

  @Test
  void everyBoundIsInEveryFileWithItsStatus() throws IOException {
    JsonNode runs =
        new ObjectMapper().readTree(farmDir.resolve("results.json").toFile()).get("runs");
    List<String> csv = Files.readAllLines(farmDir.resolve("results.csv"));
    List<String> header = List.of(csv.get(0).split(",", -1));
    String md = Files.readString(farmDir.resolve("report.md"));
    String definitions = md.substring(md.indexOf("## Bound definitions"));
    assertThat(md.indexOf("## The answer")).isLessThan(md.indexOf("## Scaling fits"));
    assertThat(md.indexOf("## Scaling fits")).isLessThan(md.indexOf("## Plots"));
    assertThat(md.indexOf("## Plots")).isLessThan(md.indexOf("## Bound definitions"));
    assertThat(md).contains("vs log(n/k): **");
    for (int i = 0; i < runs.size(); i++) {
      JsonNode run = runs.get(i);
      List<String> row = List.of(csv.get(i + 1).split(",", -1));
      assertThat(row.get(0)).isEqualTo(run.get("runId").asText());
      assertThat(run.get("theoryBounds")).isNotEmpty();
      for (JsonNode b : run.get("theoryBounds")) {
        String id = b.get("id").asText();
        assertThat(definitions)
            .contains(
                "**"
                    + id
                    + "** "
                    + b.get("name").asText()
                    + " — status: **"
                    + b.get("statusLabel").asText()
                    + "**");
        String cell = row.get(header.indexOf("theory_" + id));
        if (b.get("applicable").asBoolean()) {
          assertThat(Double.parseDouble(cell)).as(id).isEqualTo(b.get("value").asDouble());
        } else {
          assertThat(cell).as("%s not applicable", id).isEmpty();
          assertThat(md).contains(" n/a ");
        }
      }
      assertThat(run.get("checks")).hasSize(ConsistencyChecks.Check.values().length);
    }
  }

  @Test
  void missingDirectoryExitsTwo() {
    Path missing = tmp.resolve("nope");
    MainTest.Result r = MainTest.run("report", missing.toString());
    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains(missing.toString()).contains("no such directory");
    assertThat(missing).doesNotExist();
  }

  @Test
  void directoryWithoutEventsExitsTwoAndWritesNothing() throws IOException {
    MainTest.Result r = MainTest.run("report", tmp.toString());
    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("events.ndjson");
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s).isEmpty();
    }
    assertThat(MainTest.run("report").code()).as("no RUN_DIR").isEqualTo(Main.EXIT_USAGE);
  }

  @Test
  void corruptLineExitsTwoNamingTheLineAndWritesNothing() throws IOException {
    String good =
        EventJson.line(EventJson.newMapper(), "x", 1, Instant.EPOCH, new FarmStarted("x", 1, 1));
    for (List<String> lines :
        List.of(
            List.of(good, "{\"seq\":2, truncated"),
            List.of(good, good, "{\"seq\":3,\"type\":\"NoSuchEvent\"}"))) {
      Path dir = Files.createTempDirectory(tmp, "bad");
      Files.write(dir.resolve("events.ndjson"), lines);
      MainTest.Result r = MainTest.run("report", dir.toString());
      assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
      assertThat(r.err()).contains(dir.resolve("events.ndjson") + " line " + lines.size());
      try (Stream<Path> s = Files.list(dir)) {
        assertThat(s).containsExactly(dir.resolve("events.ndjson"));
      }
    }
  }
}
