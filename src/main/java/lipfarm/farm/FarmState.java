package lipfarm.farm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lipfarm.config.RunConfig;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.RunResult;

/**
 * The durable state of a farm, as recovered from its journal: the grid, the final result of every
 * finished configuration, the failed attempts of the others, and how far its event stream got. A
 * configuration without a result is pending (never started, or in flight when the farm stopped).
 *
 * @param runs the grid, in the order it was defined (extensions appended)
 * @param results final results by configuration id (a run that failed after its retries included)
 * @param failures failed attempts by configuration id (absent: none)
 * @param lastSeq sequence number of the farm's latest published event (0: none)
 * @param ended {@code finished} or {@code cancelled} once the farm's last event is persisted, else
 *     null (a later session that runs the farm again clears it)
 */
public record FarmState(
    List<RunConfig> runs,
    Map<String, RunResult> results,
    Map<String, Integer> failures,
    long lastSeq,
    String ended)
    implements LipfarmSerializable {

  public FarmState {
    runs = List.copyOf(runs);
    results = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(results));
    failures = Map.copyOf(failures);
  }

  public static FarmState empty() {
    return new FarmState(List.of(), Map.of(), Map.of(), 0, null);
  }

  public boolean defined() {
    return !runs.isEmpty();
  }

  public int failuresOf(String runId) {
    return failures.getOrDefault(runId, 0);
  }

  /** Configurations of the grid that have a final result. */
  public int finishedRuns() {
    return (int) runs.stream().filter(r -> results.containsKey(r.id())).count();
  }

  /** Results in grid order. */
  public List<RunResult> resultList() {
    return runs.stream().map(r -> results.get(r.id())).filter(java.util.Objects::nonNull).toList();
  }

  FarmState withRuns(List<RunConfig> added) {
    List<RunConfig> all = new java.util.ArrayList<>(runs);
    all.addAll(added);
    return new FarmState(all, results, failures, lastSeq, ended);
  }

  FarmState withFailure(String runId, int attempt) {
    Map<String, Integer> f = new java.util.HashMap<>(failures);
    f.put(runId, attempt);
    return new FarmState(runs, results, f, lastSeq, ended);
  }

  FarmState withResult(RunResult result) {
    Map<String, RunResult> r = new LinkedHashMap<>(results);
    r.put(result.runId(), result);
    return new FarmState(runs, r, failures, lastSeq, ended);
  }

  FarmState withSeq(long seq, String endedNow) {
    return new FarmState(runs, results, failures, seq, endedNow);
  }
}
