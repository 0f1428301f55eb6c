package lipfarm.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import lipfarm.config.RunConfig;

/**
 * Every fact a farm publishes. The same JSON form (with a {@code type} field naming the record)
 * goes to {@code events.ndjson}; see {@code docs/events.md}. Facts are in the past tense.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.SIMPLE_NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(FarmEvent.FarmStarted.class),
  @JsonSubTypes.Type(FarmEvent.RunStarted.class),
  @JsonSubTypes.Type(FarmEvent.RunResumed.class),
  @JsonSubTypes.Type(FarmEvent.RunAdopted.class),
  @JsonSubTypes.Type(FarmEvent.TrainingProgress.class),
  @JsonSubTypes.Type(FarmEvent.Converged.class),
  @JsonSubTypes.Type(FarmEvent.DidNotInterpolate.class),
  @JsonSubTypes.Type(FarmEvent.Diverged.class),
  @JsonSubTypes.Type(FarmEvent.LipschitzEstimate.class),
  @JsonSubTypes.Type(FarmEvent.ObjectiveFinished.class),
  @JsonSubTypes.Type(FarmEvent.RunFinished.class),
  @JsonSubTypes.Type(FarmEvent.RunReestimated.class),
  @JsonSubTypes.Type(FarmEvent.FarmFinished.class),
  @JsonSubTypes.Type(FarmEvent.FarmCancelled.class)
})
public sealed interface FarmEvent extends LipfarmSerializable {

  /** Version of the JSON form; bumped on any incompatible change. */
  int SCHEMA_VERSION = 1;

  /** The configuration id, or null for farm-level events. */
  default String runId() {
    return null;
  }

  /**
   * A session of the farm started; {@code runsFinished} of its {@code totalRuns} had finished in
   * earlier sessions (0 for a new farm).
   */
  record FarmStarted(String farm, int totalRuns, int maxConcurrentRuns, int runsFinished)
      implements FarmEvent {

    public FarmStarted(String farm, int totalRuns, int maxConcurrentRuns) {
      this(farm, totalRuns, maxConcurrentRuns, 0);
    }
  }

  record RunStarted(String runId, RunConfig config) implements FarmEvent {}

  /** The run's trainer continues from its checkpoint taken after {@code epoch} epochs. */
  record RunResumed(String runId, int epoch) implements FarmEvent {}

  /**
   * Cluster only: the farm's coordinator moved to another node and took over this run, which kept
   * executing on {@code node} (it is active in this session without a new {@link RunStarted}).
   */
  record RunAdopted(String runId, RunConfig config, String node) implements FarmEvent {}

  /** Periodic training state; see {@code lipfarm.training.EpochStats} for the fields. */
  record TrainingProgress(
      String runId,
      int epoch,
      double loss,
      double maxError,
      double signFit,
      double normW,
      double normA,
      double minMargin,
      double constraint)
      implements FarmEvent {

    /** Without margin and weight-bound measurements (NaN). */
    public TrainingProgress(
        String runId,
        int epoch,
        double loss,
        double maxError,
        double signFit,
        double normW,
        double normA) {
      this(runId, epoch, loss, maxError, signFit, normW, normA, Double.NaN, Double.NaN);
    }
  }

  /** Terminal training outcomes. */
  sealed interface TrainingOutcome extends FarmEvent {
    int epochs();

    double loss();

    double maxError();

    double signFit();
  }

  /** The net fits every point within tol: max_i |f(x_i) − y_i| ≤ tol. */
  record Converged(
      String runId,
      int epochs,
      double loss,
      double maxError,
      double signFit,
      double normW,
      double normA)
      implements TrainingOutcome {}

  /**
   * max-epochs reached without interpolating; the best fit reached is reported. A result, not an
   * error.
   */
  record DidNotInterpolate(
      String runId,
      int epochs,
      double loss,
      double maxError,
      double signFit,
      double normW,
      double normA)
      implements TrainingOutcome {}

  /** Loss became NaN/Inf or exploded. */
  record Diverged(
      String runId, int epochs, double loss, double maxError, double signFit, String reason)
      implements TrainingOutcome {}

  /**
   * A partial (or, with {@code complete}, final) Lipschitz sandwich for one set of weights: {@code
   * lower} is a certified lower bound (a gradient norm the network attains in the unit ball),
   * {@code upper} the best certified upper bound. Lower never decreases and upper never increases
   * within one snapshot.
   */
  record LipschitzEstimate(
      String runId,
      int snapshotEpoch,
      double lower,
      String lowerMethod,
      double upper,
      String upperMethod,
      long evaluations,
      long elapsedMillis,
      boolean complete,
      List<MeasuredBound> bounds,
      NetworkMeasures measures)
      implements FarmEvent {}

  /** One estimator's value with its kind: certified-lower, certified-upper, exact or estimate. */
  record MeasuredBound(String method, String kind, double value) implements LipfarmSerializable {}

  /** Weight norms and data facts the theory bounds need; measured once per final snapshot. */
  record NetworkMeasures(
      long parameters,
      double pathNorm,
      double spectralProxy,
      double frobeniusProduct,
      double spectralProduct,
      double maxAbsWeight,
      double minOppositeLabelDistance,
      int inputDim,
      double maxInputNorm)
      implements LipfarmSerializable {

    /** Without the data's dimension (0: unknown) and radius (NaN: unknown). */
    public NetworkMeasures(
        long parameters,
        double pathNorm,
        double spectralProxy,
        double frobeniusProduct,
        double spectralProduct,
        double maxAbsWeight,
        double minOppositeLabelDistance) {
      this(
          parameters,
          pathNorm,
          spectralProxy,
          frobeniusProduct,
          spectralProduct,
          maxAbsWeight,
          minOppositeLabelDistance,
          0,
          Double.NaN);
    }
  }

  /**
   * A {@code min-lipschitz} run finished its objective: from the network that first met the fit
   * criterion (after {@code startEpoch} epochs) it took {@code steps} steps ({@code backtracks} of
   * them undone because they broke the fit) minimising the differentiable certified bound {@code
   * boundMethod} ({@code min(lipsdp-neuron, path-norm, spectral-product)} for two-layer nets with
   * one output and d ≤ 128, {@code min(gram, path-norm, spectral-product)} with one output, d > 128
   * and k ≤ 2048, {@code min(path-norm, spectral-product)} for other two-layer nets, {@code
   * spectral-product} for deeper ones) from {@code startBound} to {@code endBound}. {@code
   * startLower}/{@code startUpper} are the certified sandwich of the start network (full estimator
   * budget), {@code endLower}/{@code endUpper} that of the objective's end network. When the end's
   * certified upper bound is above the start's ({@code keptStart}), the run's result is the start
   * network and its sandwich: the smoothest certified interpolant found. {@code path}: at most 64
   * points of the continuation.
   */
  record ObjectiveFinished(
      String runId,
      String boundMethod,
      int startEpoch,
      int steps,
      int backtracks,
      double startBound,
      double endBound,
      double startLower,
      String startLowerMethod,
      double startUpper,
      String startUpperMethod,
      double endLower,
      double endUpper,
      boolean keptStart,
      List<ObjectivePoint> path)
      implements FarmEvent {}

  /**
   * One point of an objective's path: after {@code step} steps, the continuation weight {@code
   * lambda}, the differentiable bound at the current weights ({@code bound}) and the lowest one
   * among the fitting weights so far ({@code best}).
   */
  record ObjectivePoint(int step, double lambda, double bound, double best)
      implements LipfarmSerializable {}

  /**
   * Everything the reporter needs about one finished configuration.
   *
   * @param network the run's final network, saved by the reporter to {@code
   *     networks/<run-id>.json}; null when there is none (a failed run) or it was not passed. Not
   *     part of the event's JSON form.
   */
  record RunFinished(
      String runId,
      RunResult result,
      @com.fasterxml.jackson.annotation.JsonIgnore NetworkSnapshot network)
      implements FarmEvent {

    /** Without the network. */
    public RunFinished(String runId, RunResult result) {
      this(runId, result, null);
    }
  }

  /**
   * A finished run's saved network was estimated again ({@code lipfarm reestimate}), without
   * retraining. {@code estimate} is the new sandwich alone (computed with {@code budget} gradient
   * evaluations and the run's estimator seed); {@code result} is the run's result from now on: the
   * previous one with the larger certified lower and the smaller certified upper bound of the two
   * (per bound entry too), every other field kept. Later events of the run replace earlier ones:
   * reports use the latest {@code RunReestimated}, else the {@code RunFinished}.
   */
  record RunReestimated(String runId, long budget, LipschitzEstimate estimate, RunResult result)
      implements FarmEvent {}

  record FarmFinished(String farm, int runsFinished, int runsFailed, long elapsedMillis)
      implements FarmEvent {}

  /**
   * The farm was cancelled: active runs were stopped and pending ones never started. Like {@link
   * FarmFinished} it is the farm's last event; the results of the runs finished so far are written.
   *
   * @param runsFinished runs that published {@code RunFinished} (failed ones included)
   * @param runsFailed of those, the failed ones
   * @param runsCancelled runs that were active or pending when the farm was cancelled
   */
  record FarmCancelled(
      String farm, int runsFinished, int runsFailed, int runsCancelled, long elapsedMillis)
      implements FarmEvent {}
}
