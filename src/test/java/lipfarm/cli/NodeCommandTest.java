package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code lipfarm node} refuses what cannot form a sound cluster before starting anything. */
class NodeCommandTest {

  private record Ran(int code, String out, String err) {}

  private static Ran run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Ran(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void severalNodesWithoutASharedJournalAreRefused() {
    Assumptions.assumeTrue(
        System.getenv("LIPFARM_JOURNAL_URL") == null, "a journal is configured in this shell");
    Ran r =
        run(
            "node",
            "--cluster-port",
            "25521",
            "--seed-nodes",
            "127.0.0.1:25521,127.0.0.1:25522",
            "--port",
            "0");
    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("shared journal").contains("LIPFARM_JOURNAL_URL");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void malformedSeedsAndPortsAreRefused() {
    assertThat(run("node", "--seed-nodes", "localhost", "--port", "0").code())
        .isEqualTo(Main.EXIT_USAGE);
    Ran r = run("node", "--cluster-port", "70000");
    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("--cluster-port");
  }

  @Test
  void helpNamesTheClusterOptions() {
    Ran r = run("node", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("--cluster-host")
        .contains("--cluster-port")
        .contains("--seed-nodes")
        .contains("--slots")
        .contains("--token");
  }
}
