package lipfarm.estimation.nd4j;

import lipfarm.data.Dataset;
import lipfarm.estimation.LipschitzSandwich;
import lipfarm.protocol.NetworkSnapshot;

/**
 * The farm's estimation procedure for one network, without actors: how the farm's estimator starts
 * the sandwich (box domain for cube data, else screened sphere points), refines it and ends it.
 * {@code lipfarm estimate} on a saved network follows it, so it reproduces the run's certified
 * bounds; {@code NetworkRoundTripTest} checks both give the same numbers. The constants mirror
 * {@code lipfarm.farm.Estimator}'s.
 */
public final class FarmSandwich {
  private FarmSandwich() {}

  /** Gradient evaluations per refinement step. */
  public static final int EVALUATIONS_PER_STEP = 2_000;

  /** Refinement stops once (upper − lower)/upper is this small. */
  public static final double RELATIVE_GAP_TARGET = 1e-3;

  /** CLEVER sampling on the complete estimate: batches × points per batch. */
  public static final int CLEVER_BATCHES = 50;

  public static final int CLEVER_BATCH_SIZE = 100;

  /** Sphere points screened in single precision, and how many are evaluated exactly. */
  public static final int SCREENED_POINTS = 20_000;

  public static final int SCREEN_KEEP = 32;

  /** The sandwich as the farm starts it; {@code box} for data on the cube. */
  public static LipschitzSandwich start(
      NetworkSnapshot net, Dataset data, long seed, long budget, boolean box) {
    LipschitzSandwich s = new LipschitzSandwich(net, data, seed, budget, box);
    if (!box) {
      s.probeCandidates(
          Screening.topSpherePoints(
              net, s.domainRadius(), SCREENED_POINTS, SCREEN_KEEP, seed ^ 0x5C5EEDL),
          "screen@sphere");
    }
    return s;
  }

  /** One refinement step; true once the estimate is complete (budget spent or gap closed). */
  public static boolean refine(LipschitzSandwich s) {
    boolean more = s.step(EVALUATIONS_PER_STEP);
    return !more || s.relativeGap() <= RELATIVE_GAP_TARGET;
  }

  /** The labelled CLEVER estimate the farm adds to a complete sandwich. */
  public static void finish(LipschitzSandwich s) {
    s.clever(CLEVER_BATCHES, CLEVER_BATCH_SIZE);
  }
}
