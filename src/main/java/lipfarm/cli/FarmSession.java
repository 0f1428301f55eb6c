package lipfarm.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import lipfarm.config.Durability;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.farm.FarmRunner;
import lipfarm.farm.RunChildren;
import lipfarm.farm.durable.DurableFarmRunner;
import lipfarm.farm.durable.JournalDatabase;
import lipfarm.reporting.ReportWriter;

/**
 * One session of a farm in its stable directory {@code ROOT/<name>/}: a new farm there, or the
 * resumption of the one already there. Ctrl-C or SIGTERM stops it gracefully (exit 0, partial
 * report, resume later); a second one exits at once.
 */
final class FarmSession {
  private FarmSession() {}

  /** Holds the farm's persistence id; the journal may be shared (PostgreSQL) by many farms. */
  static final String ID_FILE = "farm.id";

  static int run(
      FarmDefinition def,
      List<RunConfig> runs,
      Path root,
      boolean newFarm,
      boolean noProgress,
      PrintStream out,
      PrintStream err) {
    Durability durability = Durability.of(def);
    Path dir = root.resolve(def.name());
    JournalDatabase db;
    try {
      db = JournalDatabase.of(durability, dir, System.getenv());
    } catch (IllegalArgumentException e) {
      err.println("lipfarm: invalid farm definition: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    String persistenceId;
    try {
      if (newFarm && Files.exists(dir)) {
        String stamp =
            ZonedDateTime.now(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
        Path kept = root.resolve(def.name() + "." + stamp);
        Files.move(dir, kept);
        out.println("previous farm kept in " + kept);
      }
      Files.createDirectories(dir);
      Path idFile = dir.resolve(ID_FILE);
      if (!Files.exists(idFile)) {
        Path tmp = dir.resolve(ID_FILE + ".tmp");
        Files.writeString(
            tmp, "lipfarm|" + def.name() + "|" + UUID.randomUUID() + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, idFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      persistenceId = Files.readString(idFile, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      err.println("lipfarm: cannot create " + dir + ": " + e.getMessage());
      return Main.EXIT_FAILED;
    }
    out.printf(
        Locale.ROOT,
        "farm %s: %d configurations, %d at a time -> %s (journal: %s)%n",
        def.name(),
        runs.size(),
        def.maxConcurrentRuns(),
        dir,
        durability.journal());
    boolean interactive = !noProgress && System.console() != null && out == System.out;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DurableFarmRunner.Settings settings =
        new DurableFarmRunner.Settings(
            def.name(),
            runs,
            def.maxConcurrentRuns(),
            dir,
            persistenceId,
            db,
            durability.checkpointEvery(),
            durability.maxRetries(),
            durability.retryBackoffMillis(),
            durability.runTimeoutMillis(),
            store -> RunChildren.real(store, durability.checkpointEvery()));
    DurableFarmRunner.Outcome outcome;
    try (ConsoleProgress progress = new ConsoleProgress(out, interactive)) {
      DurableFarmRunner.Running running;
      try {
        running =
            DurableFarmRunner.start(
                settings,
                "farm {\n" + def.source().strip() + "\n}\n",
                FarmRunner.config(def.maxConcurrentRuns()),
                registry,
                progress);
      } catch (SQLException e) {
        err.println(
            "lipfarm: cannot open the farm's journal (" + db.describe() + "): " + e.getMessage());
        return Main.EXIT_FAILED;
      }
      try (Signals signals = Signals.install(running::shutdown, err)) {
        outcome = running.done().get();
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof DurableFarmRunner.DefinitionRefused) {
        err.println("lipfarm: " + cause.getMessage());
        return Main.EXIT_USAGE;
      }
      err.println(
          "lipfarm: farm failed: "
              + cause.getMessage()
              + "; resume it with: lipfarm resume "
              + dir);
      return Main.EXIT_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Main.EXIT_FAILED;
    } catch (IOException e) {
      err.println("lipfarm: " + e.getMessage());
      return Main.EXIT_FAILED;
    }
    if (!outcome.complete()) {
      out.printf(
          Locale.ROOT,
          "farm %s stopped: %d of %d configurations finished; partial report in %s%n",
          def.name(),
          outcome.results().size(),
          runs.size(),
          dir.toAbsolutePath());
      out.println("resume with: lipfarm resume " + dir);
      return 0;
    }
    out.print(RunCommand.Summary.render(outcome.results()));
    out.println("results: " + dir.toAbsolutePath());
    long violations = outcome.results().stream().filter(ReportWriter::certifiedViolation).count();
    if (violations > 0) {
      err.println(
          "lipfarm: " + violations + " run(s) violate an estimator invariant; see report.md");
    }
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
