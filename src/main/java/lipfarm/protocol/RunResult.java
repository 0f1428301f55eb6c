package lipfarm.protocol;

import java.util.List;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent.MeasuredBound;
import lipfarm.protocol.FarmEvent.NetworkMeasures;

/**
 * The result of one configuration: how training ended and the final Lipschitz sandwich.
 *
 * @param outcome "converged", "did-not-interpolate", "diverged" or "failed"
 * @param error why a run failed (null otherwise)
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
    String error)
    implements LipfarmSerializable {

  public boolean interpolated() {
    return "converged".equals(outcome);
  }
}
