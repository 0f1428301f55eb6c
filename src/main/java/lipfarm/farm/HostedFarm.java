package lipfarm.farm;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
}
