package lipfarm.protocol;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
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
    return copy(
        b -> {
          b.trainSeconds = trainSeconds;
          b.estimateSeconds = estimateSeconds;
        });
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

  /** This result with the components {@code change} sets; the one place that lists them all. */
  private RunResult copy(Consumer<Copy> change) {
    Copy b = new Copy(this);
    change.accept(b);
    return new RunResult(
        b.runId,
        b.config,
        b.outcome,
        b.epochs,
        b.loss,
        b.maxError,
        b.signFit,
        b.lipLower,
        b.lipLowerMethod,
        b.lipUpper,
        b.lipUpperMethod,
        b.evaluations,
        b.bounds,
        b.measures,
        b.error,
        b.trainSeconds,
        b.estimateSeconds);
  }

  /** The components of a result, to change some before building a new one. */
  private static final class Copy {
    String runId;
    RunConfig config;
    String outcome;
    int epochs;
    double loss;
    double maxError;
    double signFit;
    double lipLower;
    String lipLowerMethod;
    double lipUpper;
    String lipUpperMethod;
    long evaluations;
    List<MeasuredBound> bounds;
    NetworkMeasures measures;
    String error;
    double trainSeconds;
    double estimateSeconds;

    Copy(RunResult r) {
      runId = r.runId;
      config = r.config;
      outcome = r.outcome;
      epochs = r.epochs;
      loss = r.loss;
      maxError = r.maxError;
      signFit = r.signFit;
      lipLower = r.lipLower;
      lipLowerMethod = r.lipLowerMethod;
      lipUpper = r.lipUpper;
      lipUpperMethod = r.lipUpperMethod;
      evaluations = r.evaluations;
      bounds = r.bounds;
      measures = r.measures;
      error = r.error;
      trainSeconds = r.trainSeconds;
      estimateSeconds = r.estimateSeconds;
    }
  }
}
