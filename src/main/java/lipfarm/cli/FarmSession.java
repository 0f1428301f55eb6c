package lipfarm.cli;

import com.typesafe.config.ConfigFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import lipfarm.config.Durability;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.farm.FarmManager;
import lipfarm.farm.FarmRuntime;
import lipfarm.farm.FarmSpec;
import lipfarm.farm.FarmState;
import lipfarm.farm.Faults;
import lipfarm.farm.JournalDatabase;
import lipfarm.farm.RunChildren;
import lipfarm.farm.RunPolicy;
import lipfarm.http.FarmService;
import lipfarm.http.ServiceConfig;
import lipfarm.http.WatchServer;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.ReportOrder;
import lipfarm.reporting.ReportWriter;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * One session of a farm in its stable directory {@code ROOT/<name>/}: a new farm there, or the
 * resumption of the one already there. Ctrl-C or SIGTERM stops it gracefully (exit 0, partial
 * report, resume later); a second one exits at once.
 */
final class FarmSession {
  private FarmSession() {}

  /** Holds the farm's persistence id; the journal may be shared (PostgreSQL) by many farms. */
  static final String ID_FILE = FarmManager.ID_FILE;

  /**
   * @param root the results root; the farm lives in {@code root/<id>/}
   * @param id the farm's id: its directory's name (its name for CLI farms, {@code <name>-<n>} for a
   *     service's farm resumed from the CLI)
   * @param httpPort serve the read-only API on 127.0.0.1 at this port while the farm runs; null: no
   *     server
   */
  static int run(
      FarmDefinition def,
      List<RunConfig> runs,
      Path root,
      String id,
      boolean newFarm,
      boolean noProgress,
      Integer httpPort,
      PrintStream out,
      PrintStream err) {
    Durability durability = Durability.of(def);
    Path dir = root.resolve(id).toAbsolutePath().normalize();
    String persistenceId;
    try {
      if (newFarm && Files.exists(dir)) {
        String stamp =
            ZonedDateTime.now(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
        Path kept = root.resolve(id + "." + stamp);
        Files.move(dir, kept);
        out.println("previous farm kept in " + kept);
      }
      Files.createDirectories(dir);
      persistenceId =
          FarmRuntime.stableId(
              dir.resolve(ID_FILE), "lipfarm|" + def.name() + "|" + UUID.randomUUID());
    } catch (IOException e) {
      err.println("lipfarm: cannot create " + dir + ": " + e.getMessage());
      return Main.EXIT_FAILED;
    }
    JournalDatabase db;
    try {
      db = JournalDatabase.of(durability, dir, System.getenv());
    } catch (IllegalArgumentException e) {
      err.println("lipfarm: invalid farm definition: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    ServiceConfig http = null;
    if (httpPort != null) {
      try {
        // The same rules as lipfarm serve: loopback, and the token from LIPFARM_TOKEN if set.
        http =
            ServiceConfig.defaults()
                .withPort(httpPort)
                .withToken(System.getenv("LIPFARM_TOKEN"))
                .withOutputRoot(root)
                .withTokenPolicy(new SecureRandom())
                .config();
      } catch (IllegalArgumentException e) {
        err.println("lipfarm: LIPFARM_TOKEN: " + e.getMessage());
        return Main.EXIT_USAGE;
      }
    }
    out.printf(
        Locale.ROOT,
        "farm %s: %d configurations, %d at a time -> %s (journal: %s)%n",
        id,
        runs.size(),
        def.maxConcurrentRuns(),
        dir,
        durability.journal());
    boolean interactive = !noProgress && System.console() != null && out == System.out;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Faults faults = Faults.parse(System.getProperty("lipfarm.faults"));
    FarmSpec spec =
        new FarmSpec(
            id,
            def.name(),
            dir.toString(),
            persistenceId,
            runs,
            def.maxConcurrentRuns(),
            RunPolicy.of(durability),
            FarmSpec.farmFile(def.source()),
            true);
    try (ConsoleProgress progress = new ConsoleProgress(out, interactive)) {
      FarmRuntime runtime;
      try {
        runtime =
            FarmRuntime.start(
                new FarmRuntime.Settings(
                    root,
                    db,
                    def.maxConcurrentRuns(),
                    registry,
                    RunChildren.real(faults),
                    faults,
                    progress,
                    null,
                    100_000,
                    http == null ? ConfigFactory.empty() : FarmService.systemConfig(http)));
      } catch (SQLException e) {
        err.println(
            "lipfarm: cannot open the farm's journal (" + db.describe() + "): " + e.getMessage());
        return Main.EXIT_FAILED;
      }
      try {
        return session(runtime, spec, runs.size(), http, registry, out, err);
      } finally {
        runtime.close();
      }
    }
  }

  private static int session(
      FarmRuntime runtime,
      FarmSpec spec,
      int total,
      ServiceConfig http,
      PrometheusMeterRegistry registry,
      PrintStream out,
      PrintStream err) {
    Path dir = Path.of(spec.dir());
    try {
      FarmManager.Opened opened = runtime.open(spec).toCompletableFuture().get();
      if (opened.error() != null) {
        err.println("lipfarm: " + opened.error());
        return Main.EXIT_USAGE;
      }
      if (opened.finishedBefore() >= 0) { // the journal knew the farm: a resumption
        out.printf(
            Locale.ROOT,
            "resuming farm %s: %d of %d finished, %d to run%n",
            spec.id(),
            opened.finishedBefore(),
            opened.status().totalRuns(),
            opened.status().totalRuns() - opened.finishedBefore());
      }
      if (http != null) {
        ServerBinding binding = WatchServer.start(runtime, registry, http);
        out.println(
            "watch this farm: http://127.0.0.1:"
                + binding.localAddress().getPort()
                + "/metrics, /events, /farms/"
                + spec.id());
      }
      CompletableFuture<Void> stop = new CompletableFuture<>();
      FarmManager.Lookup end;
      try (Signals signals = Signals.install(() -> stop.complete(null), err)) {
        CompletableFuture<FarmManager.Lookup> ended = runtime.awaitEnd(spec.id());
        CompletableFuture.anyOf(ended, stop).get();
        if (!ended.isDone()) {
          return stopGracefully(runtime, spec, total, out);
        }
        end = ended.get();
      }
      FarmState state = runtime.journalState(spec.id()).toCompletableFuture().get();
      List<RunResult> results = new java.util.ArrayList<>(state.resultList());
      results.sort(ReportOrder.BY_PARAMETERS);
      if (end.status() == null || "failed".equals(end.status().state())) {
        String why = end.status() == null ? "unknown farm" : end.status().error();
        err.println("lipfarm: farm failed: " + why + "; resume it with: lipfarm resume " + dir);
        return Main.EXIT_FAILED;
      }
      out.print(RunCommand.Summary.render(results));
      out.print(FarmAnswer.render(results));
      out.println("results: " + dir);
      long violations = results.stream().filter(ReportWriter::certifiedViolation).count();
      if (violations > 0) {
        err.println(
            "lipfarm: " + violations + " run(s) violate an estimator invariant; see report.md");
      }
      return 0;
    } catch (ExecutionException e) {
      err.println(
          "lipfarm: farm failed: "
              + e.getCause().getMessage()
              + "; resume it with: lipfarm resume "
              + dir);
      return Main.EXIT_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Main.EXIT_FAILED;
    }
  }

  /** Ctrl-C: no new work, active trainers checkpoint, a partial report from the journal. */
  private static int stopGracefully(FarmRuntime runtime, FarmSpec spec, int total, PrintStream out)
      throws ExecutionException, InterruptedException {
    runtime.stopFarms().toCompletableFuture().get();
    FarmState state = runtime.journalState(spec.id()).toCompletableFuture().get();
    List<RunResult> results = new java.util.ArrayList<>(state.resultList());
    results.sort(ReportOrder.BY_PARAMETERS);
    Path dir = Path.of(spec.dir());
    try {
      new ReportWriter().write(dir, spec.id(), results);
    } catch (IOException e) {
      out.println("lipfarm: could not write the partial report: " + e.getMessage());
    }
    out.printf(
        Locale.ROOT,
        "farm %s stopped: %d of %d configurations finished; partial report in %s%n",
        spec.id(),
        results.size(),
        total,
        dir);
    out.println("resume with: lipfarm resume " + dir);
    return 0;
  }

  /**
   * SIGINT/SIGTERM while a session runs: the first stops it gracefully, the second halts the JVM at
   * once (the journal, the event log and the checkpoints are crash-safe, so nothing is corrupted).
   * The previous handlers are restored on close.
   */
  @SuppressWarnings("restriction")
  static final class Signals implements AutoCloseable {
    private final List<sun.misc.Signal> signals = new java.util.ArrayList<>();
    private final List<sun.misc.SignalHandler> previous = new java.util.ArrayList<>();

    static Signals install(Runnable gracefulStop, PrintStream err) {
      Signals s = new Signals();
      AtomicInteger count = new AtomicInteger();
      sun.misc.SignalHandler handler =
          sig -> {
            if (count.incrementAndGet() == 1) {
              err.println(
                  "lipfarm: stopping (checkpointing active runs, writing a partial report); press Ctrl-C again to exit at once");
              gracefulStop.run();
            } else {
              err.println("lipfarm: exiting at once");
              Runtime.getRuntime().halt(130);
            }
          };
      for (String name : List.of("INT", "TERM")) {
        try {
          sun.misc.Signal sig = new sun.misc.Signal(name);
          s.previous.add(sun.misc.Signal.handle(sig, handler));
          s.signals.add(sig);
        } catch (IllegalArgumentException e) {
          // the signal is not available (for example -Xrs): the JVM's default applies
        }
      }
      return s;
    }

    @Override
    public void close() {
      for (int i = 0; i < signals.size(); i++) {
        sun.misc.Signal.handle(signals.get(i), previous.get(i));
      }
    }
  }
}
