package lipfarm.reporting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.RunResult;

/**
 * The Lipschitz sandwich of each run against the training epoch, from a farm's {@code
 * LipschitzEstimate} events: one point per snapshot the estimator bounded. A snapshot's point is
 * its last complete estimate, or its last partial one when none completed (a run stopped while the
 * snapshot was being bounded). The last estimate rather than the first, because a resumed run may
 * bound a snapshot again and the later estimate is the one its result reports.
 *
 * @param runs every run with at least one estimate: the finished runs in the results' order, then
 *     the unfinished ones in the order their first estimate was published
 */
public record SandwichTrajectory(List<Run> runs) {

  /**
   * The sandwich of one snapshot.
   *
   * @param complete whether the estimator finished bounding this snapshot
   */
  public record Point(int epoch, double lower, double upper, boolean complete) {}

  /**
   * @param config the run's configuration, null if the events never said (no RunStarted, no result)
   * @param finished whether the run has a result (its last snapshot is then its final network)
   * @param points one per snapshot, by increasing epoch
   */
  public record Run(String runId, RunConfig config, boolean finished, List<Point> points) {
    public Point first() {
      return points.get(0);
    }

    public Point last() {
      return points.get(points.size() - 1);
    }
  }

  public SandwichTrajectory {
    runs = List.copyOf(runs);
  }

  /** The trajectories of {@code events}; {@code results} give the order and the finished runs. */
  public static SandwichTrajectory of(List<RunResult> results, List<FarmEvent> events) {
    Map<String, RunConfig> configs = new LinkedHashMap<>();
    // run id -> snapshot epoch -> its point so far; insertion order is first-estimate order
    Map<String, Map<Integer, Point>> byRun = new LinkedHashMap<>();
    for (FarmEvent e : events) {
      if (e instanceof RunStarted s && s.runId() != null) {
        configs.putIfAbsent(s.runId(), s.config());
      } else if (e instanceof LipschitzEstimate est && est.runId() != null) {
        Map<Integer, Point> snapshots = byRun.computeIfAbsent(est.runId(), k -> new TreeMap<>());
        Point seen = snapshots.get(est.snapshotEpoch());
        // A later partial estimate never replaces a complete one of the same snapshot.
        if (seen == null || est.complete() || !seen.complete()) {
          snapshots.put(
              est.snapshotEpoch(),
              new Point(est.snapshotEpoch(), est.lower(), est.upper(), est.complete()));
        }
      }
    }
    List<Run> runs = new ArrayList<>();
    for (RunResult r : results) {
      Map<Integer, Point> snapshots = byRun.remove(r.runId());
      if (snapshots != null) {
        runs.add(new Run(r.runId(), r.config(), true, List.copyOf(snapshots.values())));
      }
    }
    for (Map.Entry<String, Map<Integer, Point>> e : byRun.entrySet()) {
      runs.add(
          new Run(e.getKey(), configs.get(e.getKey()), false, List.copyOf(e.getValue().values())));
    }
    return new SandwichTrajectory(runs);
  }

  /** Whether some run has estimates of two or more snapshots: only then is there a trajectory. */
  public boolean hasTrajectory() {
    return runs.stream().anyMatch(r -> r.points().size() > 1);
  }
}
