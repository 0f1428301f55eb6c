package lipfarm.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import lipfarm.farm.Faults;
import lipfarm.farm.RunChildren;
import lipfarm.http.FarmService;
import lipfarm.http.ServiceConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Mixin ServiceOptions service = new ServiceOptions();

  @Option(
      names = "--compute-threads",
      description =
          "threads shared by all farms' runs, 0 = one per core (default: ${DEFAULT-VALUE})",
      defaultValue = "0")
  int computeThreads;

  ServeCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    if (computeThreads < 0) {
      err.println("lipfarm: --compute-threads must be ≥ 0");
      return Main.EXIT_USAGE;
    }
    ServiceConfig.TokenDecision decision =
        service.decide(
            computeThreads == 0 ? Runtime.getRuntime().availableProcessors() : computeThreads, err);
    if (decision == null) {
      return Main.EXIT_USAGE;
    }
    Faults faults = Faults.parse(System.getProperty("lipfarm.faults"));
    FarmService running;
    try {
      running =
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
            + running.baseUri()
            + "  (results under "
            + service.outputDir.toAbsolutePath()
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
    running.whenTerminated().toCompletableFuture().join();
    if (!signalled.get()) {
      err.println("lipfarm serve: the service stopped after a fatal error; see the log");
      return Main.EXIT_FAILED;
    }
    return 0;
  }
}
