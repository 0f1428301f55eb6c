package lipfarm.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import lipfarm.farm.Faults;
import lipfarm.farm.RunChildren;
import lipfarm.http.FarmService;
import lipfarm.http.ServiceConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lipfarm serve}: runs farms submitted over HTTP until stopped (Ctrl-C, SIGTERM). */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Run the farm service: an HTTP API to submit, watch and cancel farms, an event stream and Prometheus metrics.")
final class ServeCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;

  @Option(
      names = "--bind",
      paramLabel = "HOST",
      description =
          "address to listen on (default: ${DEFAULT-VALUE}); any non-loopback address requires a token",
      defaultValue = "127.0.0.1")
  String bind;

  @Option(
      names = "--port",
      description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE})",
      defaultValue = "8080")
  int port;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "bearer token for POST and DELETE (default: env LIPFARM_TOKEN; generated and printed if unset on a non-loopback address)")
  String token;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description = "results root; farm ID writes to DIR/NAME/ID (default: ${DEFAULT-VALUE})",
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
      names = "--compute-threads",
      description =
          "threads shared by all farms' runs, 0 = one per core (default: ${DEFAULT-VALUE})",
      defaultValue = "0")
  int computeThreads;

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
  java.util.List<Path> dataDirs = new java.util.ArrayList<>();

  ServeCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    if (port < 0
        || port > 65535
        || maxBodyBytes < 1
        || heartbeatSeconds < 1
        || eventLogCapacity < 1
        || computeThreads < 0
        || maxConfigurations < 1
        || maxRunCells < 1) {
      err.println(
          "lipfarm: --port must be in [0, 65535]; --max-body-bytes, --heartbeat-seconds, --event-log-capacity, --max-configurations and --max-run-cells must be positive");
      return Main.EXIT_USAGE;
    }
    for (Path d : dataDirs) {
      if (!java.nio.file.Files.isDirectory(d)) {
        err.println("lipfarm: --data-dir " + d + " is not a directory");
        return Main.EXIT_USAGE;
      }
    }
    String tok = token != null ? token : System.getenv("LIPFARM_TOKEN");
    ServiceConfig.TokenDecision decision;
    try {
      decision =
          ServiceConfig.defaults()
              .withHost(bind)
              .withPort(port)
              .withToken(tok)
              .withOutputRoot(outputDir)
              .withMaxBodyBytes(maxBodyBytes)
              .withHeartbeat(Duration.ofSeconds(heartbeatSeconds))
              .withEventLogCapacity(eventLogCapacity)
              .withComputeThreads(
                  computeThreads == 0 ? Runtime.getRuntime().availableProcessors() : computeThreads)
              .withMaxConfigurations(maxConfigurations)
              .withMaxRunCells(maxRunCells)
              .withDataDirs(dataDirs)
              .withTokenPolicy(new SecureRandom());
    } catch (IllegalArgumentException e) {
      // A token with spaces could never match a request: refused here rather than ignored there.
      err.println(
          "lipfarm: " + (token != null ? "--token" : "LIPFARM_TOKEN") + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    Faults faults = Faults.parse(System.getProperty("lipfarm.faults"));
    FarmService service;
    try {
      service =
          FarmService.start(decision.config(), RunChildren.real(faults), faults)
              .toCompletableFuture()
              .get();
    } catch (ExecutionException e) {
      err.println("lipfarm: " + e.getCause().getMessage());
      return Main.EXIT_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Main.EXIT_FAILED;
    }
    out.println(
        "lipfarm serve: listening on "
            + service.baseUri()
            + "  (results under "
            + outputDir.toAbsolutePath()
            + ")");
    if (decision.generated()) {
      out.println(
          "lipfarm serve: generated bearer token (POST and DELETE need 'Authorization: Bearer <token>'): "
              + decision.config().token());
    } else if (decision.config().token() != null) {
      out.println(
          "lipfarm serve: POST and DELETE need 'Authorization: Bearer <token>' (the configured token)");
    }
    out.flush();
    // Stopped by a signal, the JVM is shutting down; otherwise the actor system ended on its own
    // (a fatal error: pekko.jvm-exit-on-fatal-error is off), which is a failure.
    java.util.concurrent.atomic.AtomicBoolean signalled =
        new java.util.concurrent.atomic.AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> signalled.set(true)));
    service.whenTerminated().toCompletableFuture().join();
    if (!signalled.get()) {
      err.println("lipfarm serve: the service stopped after a fatal error; see the log");
      return Main.EXIT_FAILED;
    }
    return 0;
  }
}
