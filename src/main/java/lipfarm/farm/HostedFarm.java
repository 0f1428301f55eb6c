package lipfarm.farm;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunReestimated;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.FarmMetrics;
import lipfarm.reporting.Reporter;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The farm manager's record of one farm it hosts: its children, its status as the projected events
 * tell it, and who waits for it. Mutable, owned by the manager's actor only.
 */
final class HostedFarm {
  final FarmSpec spec;
  final Path dir;
  final Instant submitted = Instant.now();
  final String note;
  ActorRef<FarmJournal.Command> journal;
  ActorRef<Reporter.Command> reporter;
  ActorRef<Coordinator.Command> coordinator;
  FarmMetrics metrics;
  final Map<String, RunResult> results = new LinkedHashMap<>();
  final Set<String> active = new LinkedHashSet<>();
  final List<ActorRef<FarmManager.Lookup>> endWaiters = new ArrayList<>();
  final Map<ActorRef<FarmManager.Lookup>, Long> projectionWaiters = new LinkedHashMap<>();
  boolean idle;
  ActorRef<FarmManager.Opened> opener;
  String state = "running";
  // Events up to this seq are from earlier sessions (replayed): they do not end this one.
  long startSeq = Long.MAX_VALUE;
  int totalRuns;
  int cancelled;
  long lastSeq;
  boolean ended;
  boolean written;
  boolean cancelRequested;
  String error;

  HostedFarm(FarmSpec spec, String note) {
    this.spec = spec;
    this.dir = Path.of(spec.dir());
    this.note = note;
    this.totalRuns = spec.runs().size();
  }

  FarmStatus status() {
    int done = results.size();
    int failed = (int) results.values().stream().filter(r -> "failed".equals(r.outcome())).count();
    boolean running = "running".equals(state) || "cancelling".equals(state);
    int queued = running ? Math.max(0, totalRuns - done - active.size()) : 0;
    return new FarmStatus(
        spec.id(),
        spec.name(),
        state,
        submitted,
        totalRuns,
        done,
        running ? active.size() : 0,
        queued,
        failed,
        cancelled,
        totalRuns == 0 ? 1.0 : (double) done / totalRuns,
        lastSeq,
        dir.toString(),
        written,
        error,
        note);
  }

  /**
   * Updates the status from one projected event of the farm.
   *
   * @return {@code finished} or {@code cancelled} when this session of the farm ended, else null
   */
  String apply(long seq, FarmEvent e) {
    lastSeq = seq;
    if (e instanceof FarmStarted s) {
      active.clear();
      totalRuns = s.totalRuns();
    } else if (e instanceof RunStarted || e instanceof FarmEvent.RunAdopted) {
      active.add(e.runId());
    } else if (e instanceof RunFinished rf) {
      active.remove(rf.runId());
      results.put(rf.runId(), rf.result());
    } else if (e instanceof RunReestimated re) {
      results.put(re.runId(), re.result());
    } else if ((e instanceof FarmFinished || e instanceof FarmCancelled) && seq > startSeq) {
      active.clear();
      ended = true;
      if (e instanceof FarmCancelled c) {
        cancelled = c.runsCancelled();
        return "cancelled";
      }
      return "finished";
    }
    return null;
  }

  /** Answers whoever waits for the projection to reach a sequence number it has now reached. */
  void answerProjectionWaiters() {
    if (projectionWaiters.isEmpty()) {
      return;
    }
    FarmStatus now = status();
    projectionWaiters
        .entrySet()
        .removeIf(
            waiter -> {
              if (waiter.getValue() > lastSeq) {
                return false;
              }
              waiter.getKey().tell(new FarmManager.Lookup(now));
              return true;
            });
  }
}
