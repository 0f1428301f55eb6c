package lipfarm.cli;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import lipfarm.config.ConfigException;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.data.DataException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lipfarm resume FARM}: continues a stopped or crashed farm from its journal. */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description =
        "Resume a farm: finished runs are kept, runs in flight continue from their last checkpoint.")
final class ResumeCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;

  @Parameters(
      index = "0",
      paramLabel = "FARM",
      description = "the farm's directory (OUTPUT/<name>), or its name under runs/")
  String farm;

  @Option(names = "--no-progress", description = "plain line-per-run output even on a terminal")
  boolean noProgress;

  ResumeCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    Path dir = Path.of(farm);
    if (!Files.isDirectory(dir)
        && !farm.contains("/")
        && Files.isDirectory(Path.of("runs", farm))) {
      dir = Path.of("runs", farm);
    }
    Path conf = dir.resolve("farm.conf");
    if (!Files.isRegularFile(conf) || !Files.isRegularFile(dir.resolve(FarmSession.ID_FILE))) {
      err.println(
          "lipfarm: no farm to resume in "
              + dir
              + " (expected farm.conf and "
              + FarmSession.ID_FILE
              + " written by lipfarm run)");
      return Main.EXIT_USAGE;
    }
    FarmDefinition def;
    List<RunConfig> runs;
    try {
      def = FarmDefinition.load(new File(conf.toString()));
      runs = def.expand();
      RunCommand.preflightDataFiles(runs);
    } catch (ConfigException e) {
      err.println("lipfarm: invalid farm definition " + conf + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    } catch (DataException e) {
      err.println("lipfarm: bad data for farm " + conf + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    Path abs = dir.toAbsolutePath().normalize();
    // The directory's name is the farm's id: its name for a CLI farm, <name>-<n> for a service's.
    return FarmSession.run(
        def,
        runs,
        abs.getParent(),
        abs.getFileName().toString(),
        false,
        noProgress,
        null,
        out,
        err);
  }
}
