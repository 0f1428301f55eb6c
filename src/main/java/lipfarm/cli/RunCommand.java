package lipfarm.cli;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import lipfarm.config.ConfigException;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.data.DataException;
import lipfarm.data.DataSets;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.ReportWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lipfarm run [FILE]}: expands the grid, trains and estimates every configuration. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Run a farm: train every configuration of the grid and bound its Lipschitz constant.")
final class RunCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "FILE",
      description = "farm definition (HOCON); default: ${DEFAULT-VALUE}",
      defaultValue = "conf/application.conf")
  File file;

  @Option(
      names = "--dry-run",
      description =
          "print the expanded configurations and their count; train nothing, write nothing")
  boolean dryRun;

  @Option(
      names = "--output-dir",
      paramLabel = "DIR",
      description = "results root (overrides farm.output-dir)")
  Path outputDir;

  @Option(names = "--no-progress", description = "plain line-per-run output even on a terminal")
  boolean noProgress;

  @Option(
      names = "--new-farm",
      description =
          "start a new farm even if OUTPUT/<name>/ holds one (it is kept, renamed to <name>.<UTC time>)")
  boolean newFarm;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description =
          "while the farm runs, serve its read-only API (/metrics, /events, /farms, /health) on 127.0.0.1:PORT (0: any free port)")
  Integer httpPort;

  RunCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    FarmDefinition def;
    List<RunConfig> runs;
    try {
      def = FarmDefinition.load(file);
      runs = def.expand();
      preflightDataFiles(runs);
    } catch (ConfigException e) {
      err.println("lipfarm: invalid farm definition " + file + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    } catch (DataException e) {
      err.println("lipfarm: bad data for farm " + file + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    if (dryRun) {
      out.printf(
          Locale.ROOT,
          "farm %s: %d configurations (max %d concurrent)%n",
          def.name(),
          runs.size(),
          def.maxConcurrentRuns());
      for (RunConfig rc : runs) {
        out.println(rc.id() + "  " + rc.canonical());
      }
      out.println(runs.size() + " configurations");
      return 0;
    }
    Path root = outputDir != null ? outputDir : Path.of(def.outputDir());
    if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
      err.println("lipfarm: --http-port must be in [0, 65535], got " + httpPort);
      return Main.EXIT_USAGE;
    }
    return FarmSession.run(def, runs, root, def.name(), newFarm, noProgress, httpPort, out, err);
  }

  /** Reads every distinct data file set once, so a bad file stops the farm before any training. */
  static void preflightDataFiles(List<RunConfig> runs) {
    java.util.Set<Long> seen = new java.util.HashSet<>();
    for (RunConfig rc : runs) {
      if (rc.dataSpec().isFile() && seen.add(rc.dataSeed())) {
        DataSets.create(rc.dataSpec(), rc.dataSeed());
      }
    }
  }

  /** The 80-column end-of-farm table. */
  static final class Summary {
    private Summary() {}

    static String render(List<RunResult> results) {
      StringBuilder sb = new StringBuilder();
      String rule = "-".repeat(80) + "\n";
      sb.append(rule);
      sb.append(
          String.format(
              Locale.ROOT,
              "%-8s %5s %3s %4s %4s %-4s %6s %10s %10s %9s %7s%n",
              "run",
              "n",
              "d",
              "k",
              "seed",
              "fit",
              "epochs",
              "Lip lower",
              "Lip upper",
              "sqrt(n/k)",
              "F10"));
      sb.append(rule);
      for (RunResult r : results) {
        RunConfig c = r.config();
        double f10 =
            ReportWriter.bounds(r).stream()
                .filter(b -> b.id().equals("F10"))
                .findFirst()
                .map(b -> b.applicable() ? b.value() : Double.NaN)
                .orElse(Double.NaN);
        sb.append(
            String.format(
                Locale.ROOT,
                "%-8s %5d %3d %4d %4d %-4s %6d %10.4g %10.4g %9.3f %7.4g%n",
                r.runId().substring(0, Math.min(8, r.runId().length())),
                c.n(),
                c.d(),
                c.k(),
                c.seed(),
                fitted(r),
                r.epochs(),
                r.lipLower(),
                r.lipUpper(),
                Math.sqrt((double) c.n() / c.k()),
                f10));
      }
      sb.append(rule);
      long fitted = results.stream().filter(RunResult::interpolated).count();
      sb.append(
          String.format(
              Locale.ROOT,
              "%d runs, %d interpolated. run: configuration id (prefix, as in report.md).%n",
              results.size(),
              fitted));
      sb.append("Lip lower/upper: certified bounds on the local Lipschitz constant (data ball);\n");
      sb.append("F10: rigorous data lower bound (theory, derived). fit: yes/no/div/fail.\n");
      return sb.toString();
    }

    private static String fitted(RunResult r) {
      return switch (r.outcome()) {
        case "converged" -> "yes";
        case "did-not-interpolate" -> "no";
        case "diverged" -> "div";
        default -> "fail";
      };
    }
  }
}
