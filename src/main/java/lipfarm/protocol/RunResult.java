package lipfarm.protocol;

import java.util.Arrays;
import java.util.List;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent.MeasuredBound;
import lipfarm.protocol.FarmEvent.NetworkMeasures;

/**
 * The result of one configuration: how training ended and the final Lipschitz sandwich.
 *
 * @param outcome "converged", "did-not-interpolate", "diverged" or "failed"
 * @param error why a run failed (null otherwise)
 * @param trainSeconds wall seconds of training in the attempt that gave this result (a run resumed
 *     from a checkpoint counts from its resume); 0 when unknown (events written before the field
 *     existed)
 * @param estimateSeconds wall seconds of the Lipschitz estimation; 0 when unknown or not run
 */
public record RunResult(
    String runId,
    RunConfig config,
    String outcome,
    int epochs,
    double loss,
    double maxError,
    double signFit,
    double lipLower,
    String lipLowerMethod,
    double lipUpper,
    String lipUpperMethod,
    long evaluations,
    List<MeasuredBound> bounds,
    NetworkMeasures measures,
    String error,
    double trainSeconds,
    double estimateSeconds)
    implements LipfarmSerializable {

  /** Without wall times (0: unknown). */
  public RunResult(
      String runId,
      RunConfig config,
      String outcome,
      int epochs,
      double loss,
      double maxError,
      double signFit,
      double lipLower,
      String lipLowerMethod,
      double lipUpper,
      String lipUpperMethod,
      long evaluations,
      List<MeasuredBound> bounds,
      NetworkMeasures measures,
      String error) {
    this(
        runId,
        config,
        outcome,
        epochs,
        loss,
        maxError,
        signFit,
        lipLower,
        lipLowerMethod,
        lipUpper,
        lipUpperMethod,
        evaluations,
        bounds,
        measures,
        error,
        0,
        0);
  }

  /** The same result with other wall times. */
  public RunResult withTimes(double trainSeconds, double estimateSeconds) {
    return new RunResult(
        runId,
        config,
        outcome,
        epochs,
        loss,
        maxError,
        signFit,
        lipLower,
        lipLowerMethod,
        lipUpper,
        lipUpperMethod,
        evaluations,
        bounds,
        measures,
        error,
        trainSeconds,
        estimateSeconds);
  }

  /**
   * Equal results, whatever their wall times: the same configuration gives a bit-identical result
   * on the same machine (resumed or not), but never the same wall seconds.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof RunResult r && Arrays.equals(untimed(), r.untimed());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(untimed());
  }

  /**
   * Every component but the wall times, boxed: {@link Double#equals} compares as {@link
   * Double#compare} does, so equal arrays are equal components.
   */
  private Object[] untimed() {
    return new Object[] {
      runId,
      config,
      outcome,
      epochs,
      loss,
      maxError,
      signFit,
      lipLower,
      lipLowerMethod,
      lipUpper,
      lipUpperMethod,
      evaluations,
      bounds,
      measures,
      error
    };
  }

  public boolean interpolated() {
    return "converged".equals(outcome);
  }
}
