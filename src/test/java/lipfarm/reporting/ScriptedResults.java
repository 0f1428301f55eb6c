package lipfarm.reporting;

import java.util.List;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent.MeasuredBound;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.RunResult;

/**
 * Results of scripted runs for report tests: the training figures of a net that fits (50 epochs,
 * loss 1e-4, max error 0.009, every sign right), a chosen outcome and Lipschitz sandwich.
 */
public final class ScriptedResults {
  /** The smallest distance between differently-labelled points every scripted run reports. */
  public static final double MIN_DIST = 0.5;

  private ScriptedResults() {}

  /** Upper bound by "spectral", no further measured bounds. */
  public static RunResult result(RunConfig c, String outcome, double lower, double upper) {
    return result(c, outcome, lower, upper, "spectral", List.of());
  }

  public static RunResult result(
      RunConfig c,
      String outcome,
      double lower,
      double upper,
      String upperMethod,
      List<MeasuredBound> bounds) {
    return new RunResult(
        c.id(),
        c,
        outcome,
        50,
        1e-4,
        0.009,
        1.0,
        lower,
        "grad@data",
        upper,
        upperMethod,
        1000,
        bounds,
        new NetworkMeasures(100, 9.0, 5.0, 7.0, 6.0, 1.2, MIN_DIST),
        null);
  }
}
