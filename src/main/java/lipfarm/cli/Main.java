package lipfarm.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lipfarm}: entry point. {@link #run} is the testable form of {@link #main}. */
@Command(
    name = "lipfarm",
    mixinStandardHelpOptions = true,
    version = "lipfarm 0.1.0",
    description = "An experiment farm that tests the law of robustness for neural networks.",
    subcommands = {
      RunCommand.class,
      ResumeCommand.class,
      ReportCommand.class,
      EstimateCommand.class,
      ReestimateCommand.class,
      ServeCommand.class,
      NodeCommand.class,
      ExportCommand.class
    })
public final class Main implements Runnable {

  /** Exit code for bad usage or an invalid farm definition: nothing was run or written. */
  public static final int EXIT_USAGE = 2;

  /** Exit code for a farm that started but could not finish. */
  public static final int EXIT_FAILED = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing command; try: lipfarm run [FILE]");
  }

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    System.exit(code);
  }

  /** Runs the CLI and returns its exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(new Main(), new Factory(out, err));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExitCodeExceptionMapper(t -> EXIT_USAGE);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          err.println("lipfarm: " + ex.getMessage());
          err.println(
              "Usage: lipfarm run [--dry-run] [FILE] | lipfarm resume FARM_DIR | lipfarm report RUN_DIR | lipfarm estimate FILE | lipfarm reestimate RUN_DIR | lipfarm export DIR... -o FILE   (lipfarm --help for more)");
          return EXIT_USAGE;
        });
    return cl.execute(args);
  }

  /** Gives subcommands the streams of this invocation instead of System.out/err. */
  private record Factory(PrintStream out, PrintStream err) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      if (cls == RunCommand.class) {
        return cls.cast(new RunCommand(out, err));
      }
      if (cls == ResumeCommand.class) {
        return cls.cast(new ResumeCommand(out, err));
      }
      if (cls == ReportCommand.class) {
        return cls.cast(new ReportCommand(out, err));
      }
      if (cls == ReestimateCommand.class) {
        return cls.cast(new ReestimateCommand(out, err));
      }
      if (cls == EstimateCommand.class) {
        return cls.cast(new EstimateCommand(out, err));
      }
      if (cls == ExportCommand.class) {
        return cls.cast(new ExportCommand(out, err));
      }
      if (cls == ServeCommand.class) {
        return cls.cast(new ServeCommand(out, err));
      }
      if (cls == NodeCommand.class) {
        return cls.cast(new NodeCommand(out, err));
      }
      return CommandLine.defaultFactory().create(cls);
    }
  }
}
