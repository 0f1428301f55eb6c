package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The grid language through the CLI: --dry-run shows the result; errors exit 2, write nothing. */
class GridLanguageCliTest {
  @TempDir Path tmp;

  private Path farm(String body) throws IOException {
    Path f = tmp.resolve("farm.conf");
    Files.writeString(
        f, "farm {\n output-dir = \"" + tmp.resolve("runs") + "\"\n" + body + "\n}\n");
    return f;
  }

  @Test
  void dryRunShowsConstrainedGrid() throws IOException {
    MainTest.Result r =
        MainTest.run(
            "run",
            "--dry-run",
            farm("defaults { d = 20 }\ngrid { n = [100, 400], k = [5, 10, 20, 40] }\n"
                    + "where = [\"k * d >= 2 * n\"]")
                .toString());
    assertThat(r.code()).isZero();
    // n = 100: k ≥ 10 (3 values); n = 400: k ≥ 40 (1 value).
    assertThat(r.out()).contains("4 configurations").contains("n=400;d=20;k=40;");
    assertThat(r.out()).doesNotContain("n=400;d=20;k=20;");
    assertThat(Files.exists(tmp.resolve("runs"))).isFalse();
  }

  @Test
  void badExpressionExitsTwoNamingKeyExpressionAndPosition() throws IOException {
    MainTest.Result r = MainTest.run("run", farm("derive { k = \"n / (d - \" }").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("farm.derive.k").contains("'n / (d - '").contains("position 10");
    assertThat(Files.exists(tmp.resolve("runs"))).isFalse();
  }
}
