package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CLI exit codes and messages. Invalid farms must write nothing. */
class MainTest {
  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path farm(String body) throws IOException {
    Path f = tmp.resolve("farm.conf");
    Files.writeString(
        f, "farm {\n output-dir = \"" + tmp.resolve("runs") + "\"\n" + body + "\n}\n");
    return f;
  }

  private boolean nothingWritten() throws IOException {
    Path runs = tmp.resolve("runs");
    if (!Files.exists(runs)) {
      return true;
    }
    try (Stream<Path> s = Files.walk(runs)) {
      return s.allMatch(Files::isDirectory);
    }
  }

  @Test
  void dryRunListsConfigurationsAndCount() throws IOException {
    Result r = run("run", "--dry-run", farm("grid { n = [100, 200], k = [5, 10, 20] }").toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("6 configurations").contains("n=200;").contains("k=20;");
    assertThat(r.out().lines().filter(l -> l.matches("[0-9a-f]{16}  .*"))).hasSize(6);
    assertThat(nothingWritten()).isTrue();
  }

  @Test
  void defaultFileIsTheEmbeddedFarm() {
    Result r = run("run", "--dry-run");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("farm default: 36 configurations");
  }

  @Test
  void unknownKeyExitsTwoAndNamesKey() throws IOException {
    Result r = run("run", farm("defaults { nn = 3 }").toString());
    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("farm.defaults.nn").contains("allowed keys");
    assertThat(nothingWritten()).isTrue();
  }

  @Test
  void wrongTypeExitsTwo() throws IOException {
    Result r = run("run", farm("grid { k = [5, \"ten\"] }").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("farm.grid.k[1]").contains("integer");
    assertThat(nothingWritten()).isTrue();
  }

  @Test
  void nonPositiveNAndKExitTwo() throws IOException {
    Result n = run("run", farm("defaults { n = 0 }").toString());
    assertThat(n.code()).isEqualTo(2);
    assertThat(n.err()).contains("farm.defaults.n").contains("[1, ");
    Result k = run("run", farm("grid { k = [-3] }").toString());
    assertThat(k.code()).isEqualTo(2);
    assertThat(k.err()).contains("farm.grid.k");
    assertThat(nothingWritten()).isTrue();
  }

  @Test
  void emptyGridExitsTwo() throws IOException {
    Result r = run("run", farm("grid { n = [] }").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("farm.grid.n").contains("empty");
    assertThat(nothingWritten()).isTrue();
  }

  @Test
  void missingFileAndBadUsageExitTwo() {
    Result missing = run("run", tmp.resolve("nope.conf").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("no such farm file");
    Result badOption = run("run", "--frobnicate");
    assertThat(badOption.code()).isEqualTo(2);
    assertThat(badOption.err()).contains("--frobnicate");
    Result noCommand = run();
    assertThat(noCommand.code()).isEqualTo(2);
    assertThat(run("--help").code()).isZero();
  }
}
