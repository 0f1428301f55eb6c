package lipfarm.cli;

import java.util.List;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.ReportWriter;

/**
 * The farm's answer printed under the results table at the end of {@code lipfarm run}: the fitted
 * slopes with their 95% intervals and whether each prediction lies inside, the same lines that open
 * report.md, in at most 80 columns.
 */
public final class FarmAnswer {
  private FarmAnswer() {}

  /** The answer, one line per {@code \n}, the last one ended too. */
  public static String render(List<RunResult> results) {
    StringBuilder sb = new StringBuilder("The farm's answer (caveats and checks in report.md):\n");
    for (String line : ReportWriter.answerLines(results)) {
      sb.append(line).append('\n');
    }
    return sb.toString();
  }
}
