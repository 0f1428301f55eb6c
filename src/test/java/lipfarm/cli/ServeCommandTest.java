package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lipfarm serve} exit codes for bad options and an address already in use. */
class ServeCommandTest {
  @Test
  void badOptionsExitTwo() {
    MainTest.Result r = MainTest.run("serve", "--port", "-1");
    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("--port");
    assertThat(MainTest.run("serve", "--frobnicate").code()).isEqualTo(Main.EXIT_USAGE);
    MainTest.Result help = MainTest.run("serve", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("--bind").contains("--token").contains("--max-body-bytes");
  }

  /** A token that could never match a request, and limits that make no sense, stop the start. */
  @Test
  void badTokenAndLimitsExitTwo() {
    MainTest.Result spaced = MainTest.run("serve", "--port", "0", "--token", "two words");
    assertThat(spaced.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(spaced.err()).contains("--token").contains("without spaces");
    MainTest.Result trailing = MainTest.run("serve", "--port", "0", "--token", "secret ");
    assertThat(trailing.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(MainTest.run("serve", "--max-configurations", "0").code())
        .isEqualTo(Main.EXIT_USAGE);
    MainTest.Result noDir = MainTest.run("serve", "--data-dir", "does/not/exist");
    assertThat(noDir.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(noDir.err()).contains("--data-dir");
    assertThat(MainTest.run("serve", "--help").out())
        .contains("--max-configurations")
        .contains("--data-dir");
  }

  @Test
  void portInUseExitsOneWithAPlainMessage(@TempDir Path out) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // Its own output directory: the service opens its journal there before it binds.
      MainTest.Result r =
          MainTest.run(
              "serve",
              "--port",
              String.valueOf(taken.getLocalPort()),
              "--output-dir",
              out.toString());
      assertThat(r.code()).isEqualTo(Main.EXIT_FAILED);
      assertThat(r.err())
          .contains("cannot bind 127.0.0.1:" + taken.getLocalPort())
          .contains("Address already in use");
    }
  }
}
