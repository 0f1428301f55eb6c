package lipfarm.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import lipfarm.http.ServiceConfig;
import picocli.CommandLine.Option;

/**
 * The HTTP service's options, shared by {@code lipfarm serve} and {@code lipfarm node} (a picocli
 * mixin): address, token, results root and the limits on what a request may ask for.
 */
final class ServiceOptions {

  @Option(
      names = "--bind",
      paramLabel = "HOST",
      description =
          "HTTP address to listen on (default: ${DEFAULT-VALUE}); any non-loopback address requires a token",
      defaultValue = "127.0.0.1")
  String bind;

  @Option(
      names = "--port",
      description = "HTTP port, 0 for any free one (default: ${DEFAULT-VALUE})",
      defaultValue = "8080")
  int port;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "bearer token for POST and DELETE (default: env LIPFARM_TOKEN; generated and printed if unset on a non-loopback address; a cluster's nodes share one)")
  String token;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description =
          "results root; farm ID writes to DIR/NAME/ID (a cluster: the same shared directory on every node) (default: ${DEFAULT-VALUE})",
      defaultValue = "runs")
  Path outputDir;

  @Option(
      names = "--max-body-bytes",
      description = "largest accepted request body (default: ${DEFAULT-VALUE})",
      defaultValue = "65536")
  long maxBodyBytes;

  @Option(
      names = "--heartbeat-seconds",
      description =
          "idle seconds before an event stream sends a heartbeat (default: ${DEFAULT-VALUE})",
      defaultValue = "15")
  int heartbeatSeconds;

  @Option(
      names = "--event-log-capacity",
      description =
          "newest events kept for streams and Last-Event-ID resume (default: ${DEFAULT-VALUE})",
      defaultValue = "200000")
  int eventLogCapacity;

  @Option(
      names = "--max-configurations",
      paramLabel = "N",
      description =
          "most configurations one submitted farm's grid may span; larger grids are refused with 413 before anything starts (default: ${DEFAULT-VALUE})",
      defaultValue = "100000")
  long maxConfigurations;

  @Option(
      names = "--max-run-cells",
      paramLabel = "N",
      description =
          "most numbers one run of a submitted farm may hold at once (data, activations, weights; 8 bytes each); larger runs are refused with 413 (default: ${DEFAULT-VALUE})",
      defaultValue = "50000000")
  long maxRunCells;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "a directory whose files submitted farms may read (file, label-file), besides the working directory; repeatable")
  List<Path> dataDirs = new ArrayList<>();

  /**
   * The service's configuration with {@code computeThreads}, or null after printing to {@code err}
   * what is wrong (the caller exits with {@link Main#EXIT_USAGE}).
   */
  ServiceConfig.TokenDecision decide(int computeThreads, PrintStream err) {
    if (port < 0
        || port > 65535
        || maxBodyBytes < 1
        || heartbeatSeconds < 1
        || eventLogCapacity < 1
        || maxConfigurations < 1
        || maxRunCells < 1) {
      err.println(
          "lipfarm: --port must be in [0, 65535]; --max-body-bytes, --heartbeat-seconds, --event-log-capacity, --max-configurations and --max-run-cells must be positive");
      return null;
    }
    for (Path d : dataDirs) {
      if (!Files.isDirectory(d)) {
        err.println("lipfarm: --data-dir " + d + " is not a directory");
        return null;
      }
    }
    String tok = token != null ? token : System.getenv("LIPFARM_TOKEN");
    try {
      return ServiceConfig.defaults()
          .withHost(bind)
          .withPort(port)
          .withToken(tok)
          .withOutputRoot(outputDir)
          .withMaxBodyBytes(maxBodyBytes)
          .withHeartbeat(Duration.ofSeconds(heartbeatSeconds))
          .withEventLogCapacity(eventLogCapacity)
          .withComputeThreads(computeThreads)
          .withMaxConfigurations(maxConfigurations)
          .withMaxRunCells(maxRunCells)
          .withDataDirs(dataDirs)
          .withTokenPolicy(new SecureRandom());
    } catch (IllegalArgumentException e) {
      // A token with spaces could never match a request: refused here rather than ignored there.
      err.println(
          "lipfarm: " + (token != null ? "--token" : "LIPFARM_TOKEN") + ": " + e.getMessage());
      return null;
    }
  }
}
