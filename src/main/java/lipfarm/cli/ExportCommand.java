package lipfarm.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import lipfarm.export.ParquetExport;
import lipfarm.export.ResultsExport;
import lipfarm.export.ResultsExport.FarmResults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lipfarm export DIR... --format csv|parquet -o FILE}: one table of several farms. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Merge the results of farms (each DIR's results.json) into one table: a farm column, every"
          + " configuration parameter, outcome, Lipschitz bounds, theory bounds, checks and the"
          + " wall seconds of each run (the columns of results.csv).",
      "Exit code 2 and nothing written if a DIR has no readable results.json."
    })
final class ExportCommand implements Callable<Integer> {
  enum Format {
    csv,
    parquet
  }

  private final PrintStream out;
  private final PrintStream err;

  @Parameters(arity = "1..*", paramLabel = "DIR", description = "farm results directories")
  List<Path> dirs;

  @Option(
      names = "--format",
      defaultValue = "csv",
      description = "csv or parquet (default: ${DEFAULT-VALUE})")
  Format format;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "the table to write (replaced whole)")
  Path output;

  ExportCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    List<FarmResults> farms;
    try {
      farms = ResultsExport.readAll(dirs);
    } catch (ResultsExport.BadInput e) {
      err.println("lipfarm: cannot export: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    try {
      if (format == Format.parquet) {
        ParquetExport.write(farms, output);
      } else {
        ResultsExport.writeCsv(farms, output);
      }
    } catch (IOException e) {
      err.println("lipfarm: cannot write " + output + ": " + e.getMessage());
      return Main.EXIT_FAILED;
    }
    int rows = farms.stream().mapToInt(f -> f.runs().size()).sum();
    out.println(
        output
            + ": "
            + rows
            + " runs of "
            + farms.size()
            + " farm"
            + (farms.size() == 1 ? "" : "s"));
    return 0;
  }
}
