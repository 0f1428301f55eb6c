package lipfarm.cli;

import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import lipfarm.config.ConfigException;
import lipfarm.config.Durability;
import lipfarm.config.FarmDefinition;
import lipfarm.data.DataSets;
import lipfarm.estimation.LipschitzSandwich;
import lipfarm.farm.FarmJournal;
import lipfarm.farm.FarmManager;
import lipfarm.farm.FarmRuntime;
import lipfarm.farm.FarmSpec;
import lipfarm.farm.FarmState;
import lipfarm.farm.Faults;
import lipfarm.farm.JournalDatabase;
import lipfarm.farm.Reestimation;
import lipfarm.farm.RunChildren;
import lipfarm.farm.RunPolicy;
import lipfarm.protocol.FarmEvent.RunReestimated;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.EventFile;
import lipfarm.reporting.EventLog;
import lipfarm.reporting.NetworkFiles;
import lipfarm.reporting.ReportWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lipfarm reestimate RUN_DIR}: the Lipschitz sandwich of every saved network of a farm again
 * (another budget, the run's seed), without retraining. The farm is opened on its journal without
 * running it; each new estimate is published there as a {@code RunReestimated} event, so it gets
 * the next {@code seq} and reaches {@code events.ndjson} through the projection like every other
 * event; then the reports are rebuilt from {@code events.ndjson}.
 */
@Command(
    name = "reestimate",
    mixinStandardHelpOptions = true,
    description = {
      "Estimate the Lipschitz constant of every saved network of a farm (networks/<run-id>.json)"
          + " again, with the run's estimator seed and the given budget, without retraining.",
      "No certified bound gets worse: each run keeps the larger lower and the smaller upper bound"
          + " of its old and new estimates. The new estimates are appended to the farm's journal"
          + " and events.ndjson as RunReestimated events, and the reports are rebuilt.",
      "Exit code 2 if RUN_DIR is not a farm or has no saved networks; do not run it on a farm that"
          + " is running."
    })
final class ReestimateCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;

  @Parameters(
      index = "0",
      paramLabel = "RUN_DIR",
      description = "the farm's directory (OUTPUT/<name>), or its name under runs/")
  String farm;

  @Option(
      names = "--budget",
      paramLabel = "N",
      description = "gradient evaluations per network (default: each run's estimator-budget)")
  Long budget;

  @Option(names = "--no-progress", description = "plain line-per-run output even on a terminal")
  boolean noProgress;

  ReestimateCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** A run to estimate again: its result and its saved network's file. */
  private record Job(RunResult previous, Path network) {}

  @Override
  public Integer call() {
    if (budget != null && budget <= 0) {
      err.println("lipfarm: --budget must be positive, got " + budget);
      return Main.EXIT_USAGE;
    }
    Path dir = Path.of(farm);
    if (!Files.isDirectory(dir)
        && !farm.contains("/")
        && Files.isDirectory(Path.of("runs", farm))) {
      dir = Path.of("runs", farm);
    }
    dir = dir.toAbsolutePath().normalize();
    String missing = missingFarmFiles(dir);
    if (missing != null) {
      err.println("lipfarm: " + dir + " is not a farm: " + missing);
      return Main.EXIT_USAGE;
    }
    if (!hasSavedNetworks(dir)) {
      err.println(
          "lipfarm: no saved networks in "
              + dir.resolve(NetworkFiles.DIR)
              + " (networks/<run-id>.json, written when a run finishes): nothing to re-estimate");
      return Main.EXIT_USAGE;
    }
    FarmDefinition def;
    String persistenceId;
    JournalDatabase db;
    try {
      def = FarmDefinition.load(new File(dir.resolve("farm.conf").toString()));
      persistenceId =
          Files.readString(dir.resolve(FarmSession.ID_FILE), StandardCharsets.UTF_8).strip();
      db = JournalDatabase.of(Durability.of(def), dir, System.getenv());
    } catch (ConfigException | IllegalArgumentException e) {
      err.println("lipfarm: invalid farm definition " + dir.resolve("farm.conf") + ": " + e);
      return Main.EXIT_USAGE;
    } catch (IOException e) {
      err.println("lipfarm: cannot read " + dir.resolve(FarmSession.ID_FILE) + ": " + e);
      return Main.EXIT_USAGE;
    }
    String noJournal = missingH2Journal(db, dir);
    if (noJournal != null) {
      err.println("lipfarm: " + dir + " is not a farm: " + noJournal);
      return Main.EXIT_USAGE;
    }
    String id = dir.getFileName().toString();
    FarmSpec spec =
        new FarmSpec(
            id,
            def.name(),
            dir.toString(),
            persistenceId,
            List.of(),
            def.maxConcurrentRuns(),
            RunPolicy.of(Durability.of(def)),
            "",
            false);
    int code;
    FarmRuntime runtime;
    try {
      runtime =
          FarmRuntime.start(
              new FarmRuntime.Settings(
                  dir.getParent(),
                  db,
                  1,
                  new SimpleMeterRegistry(),
                  RunChildren.real(Faults.none()),
                  Faults.none(),
                  e -> {},
                  null,
                  1_000,
                  ConfigFactory.empty()));
    } catch (SQLException e) {
      err.println(
          "lipfarm: cannot open the farm's journal ("
              + db.describe()
              + "; is the farm running?): "
              + e.getMessage());
      return Main.EXIT_FAILED;
    }
    try {
      code = session(runtime, spec, dir, Math.max(1, def.maxConcurrentRuns()));
    } catch (ExecutionException e) {
      err.println("lipfarm: re-estimation failed: " + e.getCause().getMessage());
      return Main.EXIT_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Main.EXIT_FAILED;
    } finally {
      runtime.close();
    }
    if (code == Main.EXIT_USAGE) {
      return code;
    }
    try {
      ReportWriter.rebuild(dir);
    } catch (EventLog.BadEventLog | IOException e) {
      err.println("lipfarm: cannot rebuild the reports of " + dir + ": " + e.getMessage());
      return Main.EXIT_FAILED;
    }
    out.println("reports rebuilt: " + dir.resolve("report.md") + ", results.csv, results.json");
    return code;
  }

  /** What a farm directory lacks (farm.conf, farm.id), or null. */
  static String missingFarmFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return "no such directory";
    }
    List<String> missing = new ArrayList<>();
    for (String f : List.of("farm.conf", FarmSession.ID_FILE)) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        missing.add(f);
      }
    }
    return missing.isEmpty()
        ? null
        : "no " + String.join(" and no ", missing) + " (written by lipfarm run)";
  }

  /** The farm's H2 journal file when it is missing (opening it would create an empty one). */
  private static String missingH2Journal(JournalDatabase db, Path dir) {
    if (!"h2".equals(db.kind())) {
      return null;
    }
    try {
      Path file = Path.of(JournalDatabase.h2BaseOf(dir) + ".mv.db");
      return Files.isRegularFile(file) ? null : "its journal " + file + " does not exist";
    } catch (IOException e) {
      return "cannot read " + dir.resolve(JournalDatabase.LOCATION_FILE) + ": " + e.getMessage();
    }
  }

  private static boolean hasSavedNetworks(Path dir) {
    Path networks = dir.resolve(NetworkFiles.DIR);
    if (!Files.isDirectory(networks)) {
      return false;
    }
    try (Stream<Path> files = Files.list(networks)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith(".json"));
    } catch (IOException e) {
      return false;
    }
  }

  private int session(FarmRuntime runtime, FarmSpec spec, Path dir, int threads)
      throws ExecutionException, InterruptedException {
    FarmManager.Opened opened = runtime.openIdle(spec).toCompletableFuture().get();
    if (opened.error() != null) {
      err.println("lipfarm: cannot open farm " + spec.id() + ": " + opened.error());
      return Main.EXIT_USAGE;
    }
    FarmState state = runtime.journalState(spec.id()).toCompletableFuture().get();
    List<Job> jobs = new ArrayList<>();
    int skipped = 0;
    for (RunResult r : state.resultList()) {
      Path file = NetworkFiles.path(dir, r.runId());
      if (Files.isRegularFile(file) && !"failed".equals(r.outcome())) {
        jobs.add(new Job(r, file));
      } else {
        skipped++;
      }
    }
    if (jobs.isEmpty()) {
      err.println(
          "lipfarm: none of the "
              + state.resultList().size()
              + " finished runs of farm "
              + spec.id()
              + " has a saved network in "
              + dir.resolve(NetworkFiles.DIR)
              + " (failed runs have none): nothing to re-estimate");
      return Main.EXIT_USAGE;
    }
    out.printf(
        Locale.ROOT,
        "farm %s: re-estimating %d run(s) from their saved networks (budget %s, %d at a time)%s%n",
        spec.id(),
        jobs.size(),
        budget == null ? "each run's estimator-budget" : budget.toString(),
        threads,
        skipped == 0 ? "" : "; " + skipped + " finished run(s) without a saved network skipped");
    boolean interactive = !noProgress && System.console() != null && out == System.out;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    int failed = 0;
    int raised = 0;
    int lowered = 0;
    long firstSeq = state.lastSeq() + 1;
    long lastSeq = state.lastSeq();
    try {
      List<CompletableFuture<RunReestimated>> estimates = new ArrayList<>();
      for (Job j : jobs) {
        estimates.add(CompletableFuture.supplyAsync(() -> reestimate(j), pool));
      }
      // Published in grid order, each as soon as it and the ones before it are done.
      for (int i = 0; i < jobs.size(); i++) {
        Job j = jobs.get(i);
        if (interactive) {
          out.printf(
              Locale.ROOT,
              "\r  estimating %d of %d: %s ...\033[K",
              i + 1,
              jobs.size(),
              j.previous().config().label());
          out.flush();
        }
        RunReestimated event;
        try {
          event = estimates.get(i).get();
        } catch (ExecutionException e) {
          if (interactive) {
            out.print("\r\033[K");
          }
          err.println(
              "lipfarm: run "
                  + j.previous().runId()
                  + " ("
                  + j.previous().config().label()
                  + "): "
                  + e.getCause().getMessage());
          failed++;
          continue;
        }
        FarmJournal.Recorded rec = runtime.publish(spec.id(), event).toCompletableFuture().get();
        if (rec.seq() != lastSeq + 1) {
          throw new ExecutionException(
              new IllegalStateException(
                  "the journal did not record the estimate of run "
                      + event.runId()
                      + " (latest seq "
                      + rec.seq()
                      + ", expected "
                      + (lastSeq + 1)
                      + ")"));
        }
        lastSeq = rec.seq();
        RunResult before = j.previous();
        RunResult after = event.result();
        raised += Double.compare(after.lipLower(), before.lipLower()) != 0 ? 1 : 0;
        lowered += Double.compare(after.lipUpper(), before.lipUpper()) != 0 ? 1 : 0;
        if (interactive) {
          out.print("\r\033[K");
        }
        out.println(line(before, after, event));
      }
    } finally {
      pool.shutdownNow();
    }
    if (lastSeq >= firstSeq) {
      runtime.awaitProjected(spec.id(), lastSeq).toCompletableFuture().get();
      long logged = loggedSeq(dir);
      if (logged < lastSeq) {
        err.println(
            "lipfarm: "
                + dir.resolve(EventLog.FILE)
                + " ends at seq "
                + logged
                + " but the journal at "
                + lastSeq
                + "; it was written by another version of lipfarm or edited");
        return Main.EXIT_FAILED;
      }
    }
    out.printf(
        Locale.ROOT,
        "re-estimated %d run(s): %d certified lower bound(s) raised, %d certified upper bound(s)"
            + " lowered; events seq %d..%d appended to %s%n",
        jobs.size() - failed,
        raised,
        lowered,
        firstSeq,
        lastSeq,
        dir.resolve(EventLog.FILE));
    return failed == 0 ? 0 : Main.EXIT_FAILED;
  }

  private RunReestimated reestimate(Job j) {
    NetworkFiles.Saved saved;
    try {
      saved = NetworkFiles.read(j.network());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read its saved network " + j.network() + ": " + e, e);
    }
    RunResult previous = j.previous();
    if (saved.config() != null && !previous.runId().equals(saved.config().id())) {
      throw new IllegalStateException(
          j.network() + " holds the network of run " + saved.config().id() + ", not this run's");
    }
    long full =
        budget != null
            ? budget
            : previous.config().estimatorBudget() > 0
                ? previous.config().estimatorBudget()
                : LipschitzSandwich.DEFAULT_BUDGET;
    var data = DataSets.create(previous.config().dataSpec(), previous.config().dataSeed());
    return Reestimation.of(previous, saved.network(), data, full);
  }

  private static String line(RunResult before, RunResult after, RunReestimated e) {
    return String.format(
        Locale.ROOT,
        "  %s  %s: lower %.6g -> %.6g%s, upper %.6g -> %.6g%s (%d evaluations, %d ms)",
        before.runId(),
        before.config().label(),
        before.lipLower(),
        after.lipLower(),
        Double.compare(after.lipLower(), before.lipLower()) != 0 ? " (raised)" : "",
        before.lipUpper(),
        after.lipUpper(),
        Double.compare(after.lipUpper(), before.lipUpper()) != 0 ? " (lowered)" : "",
        e.estimate().evaluations(),
        e.estimate().elapsedMillis());
  }

  private static long loggedSeq(Path dir) {
    try {
      return EventFile.read(dir.resolve(EventLog.FILE)).lastSeq();
    } catch (IOException e) {
      return -1;
    }
  }
}
