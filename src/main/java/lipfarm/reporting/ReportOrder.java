package lipfarm.reporting;

import java.util.Comparator;
import lipfarm.protocol.RunResult;

/** A deterministic row order for result files, independent of which run finished first. */
public final class ReportOrder {
  private ReportOrder() {}

  public static final Comparator<RunResult> BY_PARAMETERS =
      Comparator.<RunResult>comparingInt(r -> r.config().n())
          .thenComparingInt(r -> r.config().d())
          .thenComparingInt(r -> r.config().k())
          .thenComparingInt(r -> r.config().depth())
          .thenComparingInt(r -> r.config().seed())
          .thenComparing(RunResult::runId);
}
