package lipfarm.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.FarmEvent.TrainingOutcome;
import lipfarm.protocol.FarmEvent.TrainingProgress;
import lipfarm.protocol.RunResult;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The CLI's live display: a progress bar for the whole farm and one status line per active run. On
 * a terminal the block is redrawn in place; otherwise (pipes, CI) each finished run prints one
 * line. Called on the reporter's thread; the progress bar renders on its own thread, hence the
 * synchronisation.
 */
final class ConsoleProgress implements Consumer<FarmEvent>, AutoCloseable {
  private final PrintStream out;
  private final boolean interactive;
  private final Map<String, String> status = new LinkedHashMap<>();
  private final Map<String, RunConfig> configs = new LinkedHashMap<>();
  private ProgressBar bar;
  private int total;
  private int done;
  private int drawnLines;

  ConsoleProgress(PrintStream out, boolean interactive) {
    this.out = out;
    this.interactive = interactive;
  }

  @Override
  public synchronized void accept(FarmEvent e) {
    if (e instanceof FarmStarted s) {
      total = s.totalRuns();
      done = s.runsFinished(); // a resumed farm counts on from its finished runs
      if (interactive) {
        bar =
            new ProgressBarBuilder()
                .setTaskName("farm " + s.farm())
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setMaxRenderedLength(79)
                .setUpdateIntervalMillis(250)
                .setConsumer(new BlockConsumer())
                .build();
        bar.stepTo(done);
      }
    } else if (e instanceof RunStarted s) {
      configs.put(s.runId(), s.config());
      status.put(s.runId(), line(s.runId(), "starting"));
    } else if (e instanceof TrainingProgress p) {
      status.computeIfPresent(
          p.runId(),
          (id, old) ->
              line(
                  id,
                  String.format(
                      Locale.ROOT,
                      "epoch %6d  loss %.3g  max err %.3g",
                      p.epoch(),
                      p.loss(),
                      p.maxError())));
    } else if (e instanceof TrainingOutcome o) {
      status.computeIfPresent(
          o.runId(), (id, old) -> line(id, "estimating Lipschitz after " + o.epochs() + " epochs"));
    } else if (e instanceof LipschitzEstimate est) {
      status.computeIfPresent(
          est.runId(),
          (id, old) ->
              line(
                  id,
                  String.format(
                      Locale.ROOT,
                      "Lip in [%.4g, %.4g]  %d evals",
                      est.lower(),
                      est.upper(),
                      est.evaluations())));
    } else if (e instanceof RunFinished f) {
      status.remove(f.runId());
      done++;
      if (bar != null) {
        bar.step();
      } else {
        out.println(finishedLine(f.result()));
      }
    }
  }

  private String line(String id, String what) {
    RunConfig c = configs.get(id);
    String s = "  " + (c == null ? id : c.label()) + "  " + what;
    return s.length() > 79 ? s.substring(0, 79) : s;
  }

  private String finishedLine(RunResult r) {
    String s =
        String.format(
            Locale.ROOT,
            "[%3d/%3d] %-28s %-19s Lip in [%.4g, %.4g]",
            done,
            total,
            r.config().label(),
            r.outcome(),
            r.lipLower(),
            r.lipUpper());
    return s.length() > 80 ? s.substring(0, 80) : s;
  }

  @Override
  public void close() {
    ProgressBar b;
    synchronized (this) {
      b = bar;
    }
    // Outside the lock: closing waits for a last render, which takes the lock.
    if (b != null) {
      b.close();
    }
  }

  /** Draws the bar and then the status lines, replacing the previous block (ANSI cursor-up). */
  private final class BlockConsumer implements ProgressBarConsumer {
    @Override
    public int getMaxRenderedLength() {
      return 79;
    }

    @Override
    public void accept(String rendered) {
      synchronized (ConsoleProgress.this) {
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
          sb.append("\r\033[").append(drawnLines).append('A');
        } else {
          sb.append('\r');
        }
        sb.append("\033[J").append(rendered).append('\n');
        for (String s : status.values()) {
          sb.append(s).append('\n');
        }
        drawnLines = 1 + status.size();
        out.print(sb);
        out.flush();
      }
    }

    @Override
    public void close() {
      out.flush();
    }
  }
}
