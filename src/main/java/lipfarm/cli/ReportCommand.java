package lipfarm.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import lipfarm.reporting.EventLog;
import lipfarm.reporting.ReportWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code lipfarm report RUN_DIR}: rebuilds results.csv, results.json, report.md, report.html and
 * the plots of a finished (or interrupted) farm from its events.ndjson alone, without retraining.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Rebuild a farm's reports (results.csv, results.json, report.md, report.html, plots/) from the "
          + "events.ndjson in RUN_DIR alone; nothing is retrained.",
      "Exit code 2 and nothing written if RUN_DIR, its events.ndjson or any line of it is unusable."
    })
final class ReportCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;

  @Parameters(
      index = "0",
      paramLabel = "RUN_DIR",
      description = "a farm's results directory, runs/<farm>/<timestamp>")
  Path dir;

  ReportCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    List<String> written;
    try {
      written = ReportWriter.rebuild(dir);
    } catch (EventLog.BadEventLog e) {
      err.println("lipfarm: cannot report: " + e.getMessage());
      return Main.EXIT_USAGE;
    } catch (IOException e) {
      err.println("lipfarm: cannot write the report into " + dir + ": " + e.getMessage());
      return Main.EXIT_FAILED;
    }
    out.println("report rebuilt from " + dir.resolve(EventLog.FILE) + ":");
    for (String f : written) {
      out.println("  " + dir.resolve(f));
    }
    return 0;
  }
}
