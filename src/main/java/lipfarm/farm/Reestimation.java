package lipfarm.farm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lipfarm.config.RunConfig;
import lipfarm.data.Dataset;
import lipfarm.estimation.LipschitzSandwich;
import lipfarm.estimation.nd4j.FarmSandwich;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.MeasuredBound;
import lipfarm.protocol.FarmEvent.RunReestimated;
import lipfarm.protocol.NetworkSnapshot;
import lipfarm.protocol.RunResult;

/**
 * A finished run's network estimated again ({@code lipfarm reestimate}), without retraining: the
 * farm estimator's procedure for a final network ({@link FarmSandwich}, the run's estimator seed)
 * with another budget, and the run's result combined with it so that no certified bound gets worse.
 */
public final class Reestimation {
  private Reestimation() {}

  /** Prefix of a method whose bound came from a re-estimation (the event names its budget). */
  public static final String METHOD_PREFIX = "reestimated:";

  /**
   * The {@link RunReestimated} event of the run of {@code previous}: {@code net} (its saved final
   * network) on {@code data} (its regenerated training data), with {@code budget} gradient
   * evaluations.
   */
  public static RunReestimated of(
      RunResult previous, NetworkSnapshot net, Dataset data, long budget) {
    LipschitzEstimate e = estimate(previous, net, data, budget);
    return new RunReestimated(previous.runId(), budget, e, combine(previous, e));
  }

  /** The complete sandwich the farm's estimator would give {@code net} with {@code budget}. */
  static LipschitzEstimate estimate(
      RunResult previous, NetworkSnapshot net, Dataset data, long budget) {
    RunConfig c = previous.config();
    long start = System.nanoTime();
    LipschitzSandwich s =
        FarmSandwich.start(net, data, c.estimatorSeed(), budget, "cube".equals(c.data()));
    while (!FarmSandwich.refine(s)) {
      // refine until the budget is spent or the gap is closed, as the farm does
    }
    FarmSandwich.finish(s);
    Estimator.FinalBounds fin = Estimator.FinalBounds.of(net, data, c.tol(), s::bounds);
    return new LipschitzEstimate(
        previous.runId(),
        previous.epochs(),
        s.lower(),
        s.lowerMethod(),
        s.upper(),
        s.upperMethod(),
        s.evaluations(),
        (System.nanoTime() - start) / 1_000_000,
        true,
        fin.bounds(),
        fin.measures());
  }

  /**
   * {@code previous} with the larger certified lower bound and the smaller certified upper bound of
   * the two; a bound taken from {@code e} is named {@value #METHOD_PREFIX}<i>method</i>. The bound
   * list is merged per method the same way (certified lower: the larger, certified upper: the
   * smaller; other entries of {@code previous} kept, entries only {@code e} has, such as an
   * invariant failure, added). Every other field is {@code previous}'s. A NaN bound counts as
   * absent.
   */
  public static RunResult combine(RunResult previous, LipschitzEstimate e) {
    boolean raise = better(e.lower(), previous.lipLower(), true);
    boolean drop = better(e.upper(), previous.lipUpper(), false);
    return new RunResult(
        previous.runId(),
        previous.config(),
        previous.outcome(),
        previous.epochs(),
        previous.loss(),
        previous.maxError(),
        previous.signFit(),
        raise ? e.lower() : previous.lipLower(),
        raise ? METHOD_PREFIX + e.lowerMethod() : previous.lipLowerMethod(),
        drop ? e.upper() : previous.lipUpper(),
        drop ? METHOD_PREFIX + e.upperMethod() : previous.lipUpperMethod(),
        previous.evaluations(),
        merge(previous.bounds(), e.bounds()),
        previous.measures(),
        previous.error(),
        previous.trainSeconds(),
        previous.estimateSeconds());
  }

  /** Whether {@code candidate} is a strictly better bound than {@code current}. */
  static boolean better(double candidate, double current, boolean lower) {
    if (Double.isNaN(candidate)) {
      return false;
    }
    if (Double.isNaN(current)) {
      return true;
    }
    return lower ? candidate > current : candidate < current;
  }

  static List<MeasuredBound> merge(List<MeasuredBound> previous, List<MeasuredBound> fresh) {
    Map<String, MeasuredBound> out = new LinkedHashMap<>();
    if (previous != null) {
      previous.forEach(b -> out.put(key(b), b));
    }
    if (fresh != null) {
      for (MeasuredBound b : fresh) {
        MeasuredBound old = out.get(key(b));
        if (old == null) {
          out.put(key(b), b);
        } else if ("CERTIFIED_LOWER".equals(b.kind()) && better(b.value(), old.value(), true)
            || "CERTIFIED_UPPER".equals(b.kind()) && better(b.value(), old.value(), false)) {
          out.put(key(b), b);
        }
      }
    }
    return List.copyOf(out.values());
  }

  /** A method may have a lower and an upper entry: they are merged separately. */
  private static String key(MeasuredBound b) {
    return b.kind() + "|" + b.method();
  }
}
