package lipfarm.farm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.reporting.FarmMetrics;
import lipfarm.reporting.ReportWriter;
import lipfarm.reporting.Reporter;
import org.apache.pekko.actor.ActorPath;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.MailboxSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Opens a farm for the {@link FarmManager}, in two steps around the journal's answer: {@link #open}
 * writes the farm directory's files and spawns the farm's journal and reporter, then asks the
 * journal to define the grid (an idle farm only reads its state); {@link #defined} acts on what the
 * journal recovered: refuse, list an ended farm, record a cancellation, or spawn the coordinator
 * with the recovered state so finished runs are never repeated. A plain class run on the manager's
 * actor (its context, its children), kept apart because starting and resuming is the one involved
 * part of hosting a farm.
 */
final class FarmStarter {
  private final ActorContext<FarmManager.Command> context;
  private final FarmManager.Settings settings;
  private final FarmRegistry farms;
  private final ActorRef<Reporter.Recorded> recordedAdapter;
  private final boolean service;
  // The coordinator's path, for the farm's mailbox backlog meter: known once it is spawned.
  private final Map<String, AtomicReference<ActorPath>> coordinatorPaths = new HashMap<>();

  /**
   * @param service whether the manager has a service registry (then the farm directory also tells
   *     {@code lipfarm resume} where the service's journal is)
   */
  FarmStarter(
      ActorContext<FarmManager.Command> context,
      FarmManager.Settings settings,
      FarmRegistry farms,
      ActorRef<Reporter.Recorded> recordedAdapter,
      boolean service) {
    this.context = context;
    this.settings = settings;
    this.farms = farms;
    this.recordedAdapter = recordedAdapter;
    this.service = service;
  }

  /**
   * Hosts {@code spec} and starts opening it; the journal's answer comes back as {@link
   * FarmManager.DefineAnswered}.
   *
   * @return the hosted farm, or null when its directory cannot be created
   */
  HostedFarm open(FarmSpec spec, String note, boolean idle) {
    HostedFarm f = new HostedFarm(spec, note);
    f.idle = idle;
    farms.add(f);
    if (!start(f)) {
      farms.remove(f, f.state); // "failed" by now: the gauge must not go negative
      return null;
    }
    return f;
  }

  private boolean start(HostedFarm f) {
    String id = f.spec.id();
    try {
      Files.createDirectories(f.dir);
      if (service && !Files.exists(f.dir.resolve(FarmManager.ID_FILE))) {
        // So that `lipfarm resume DIR` finds this farm's journal (the service's) and identity.
        Path base = settings.root().toAbsolutePath().normalize().resolve("journal");
        ReportWriter.atomicWrite(
            f.dir.resolve(JournalDatabase.LOCATION_FILE),
            (f.dir.relativize(base) + "\n").getBytes(StandardCharsets.UTF_8));
        ReportWriter.atomicWrite(
            f.dir.resolve(FarmManager.ID_FILE),
            (f.spec.persistenceId() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      context.getLog().error("cannot create {}", f.dir, e);
      farms.fail(f, "cannot create the farm directory");
      return false;
    }
    AtomicReference<ActorPath> coordinatorPath = new AtomicReference<>();
    MailboxBacklog backlog = MailboxBacklog.get(context.getSystem());
    f.metrics =
        new FarmMetrics(
            settings.registry(),
            id,
            () -> {
              ActorPath p = coordinatorPath.get();
              return p == null ? 0 : backlog.backlog(p);
            });
    f.journal = context.spawn(FarmJournal.create(f.spec.persistenceId()), "journal-" + id);
    context.watchWith(f.journal, new FarmManager.ChildStopped(id, "journal"));
    Faults faults = settings.faults();
    f.reporter =
        context.spawn(
            Reporter.create(
                id,
                f.dir,
                f.metrics,
                settings.listener(),
                context.messageAdapter(
                    Reporter.Written.class, w -> new FarmManager.WrappedWritten(id, w)),
                recordedAdapter,
                faults::beforeResultLine),
            "reporter-" + id);
    context.watchWith(f.reporter, new FarmManager.ChildStopped(id, "reporter"));
    farms.journalStarted(f);
    coordinatorPaths.put(id, coordinatorPath);
    if (f.idle) {
      // Opened as it is: the journal's state, nothing defined.
      context.ask(
          FarmState.class,
          f.journal,
          FarmJournal.WAIT,
          FarmJournal.GetState::new,
          (state, err) ->
              new FarmManager.DefineAnswered(
                  id,
                  state == null
                      ? new FarmJournal.Refused("the farm's journal did not answer: " + err)
                      : !state.defined()
                          ? new FarmJournal.Refused(
                              "the farm's journal holds no farm (" + f.spec.persistenceId() + ")")
                          : new FarmJournal.Defined(state, state.runs().size(), 0)));
      return true;
    }
    context.ask(
        FarmJournal.DefineReply.class,
        f.journal,
        FarmJournal.WAIT,
        r -> new FarmJournal.Define(f.spec.name(), f.spec.runs(), r),
        (reply, err) ->
            new FarmManager.DefineAnswered(
                id,
                reply != null
                    ? reply
                    : new FarmJournal.Refused("the farm's journal did not answer: " + err)));
    return true;
  }

  /**
   * Acts on the journal's answer for {@code f} and tells its opener.
   *
   * @param stopping the runtime is stopping: a farm that would run fails instead
   * @return false when the journal refused the farm (it is no longer hosted)
   */
  boolean defined(HostedFarm f, FarmJournal.DefineReply reply, boolean stopping) {
    if (reply instanceof FarmJournal.Refused r) {
      farms.fail(f, r.reason());
      answerStart(f, null, 0, r.reason());
      farms.remove(f, "failed");
      context.unwatch(f.journal);
      context.unwatch(f.reporter);
      context.stop(f.journal);
      context.stop(f.reporter);
      return false;
    }
    FarmJournal.Defined d = (FarmJournal.Defined) reply;
    FarmState state = d.state();
    f.startSeq = state.lastSeq();
    f.totalRuns = state.runs().size();
    state.resultList().forEach(r -> f.results.put(r.runId(), r));
    if (!f.idle && (d.added() > 0 || !Files.exists(f.dir.resolve("farm.conf")))) {
      try {
        ReportWriter.atomicWrite(
            f.dir.resolve("farm.conf"), (f.spec.confText()).getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        context.getLog().error("cannot write farm.conf of {}", f.spec.id(), e);
      }
    }
    boolean endedBefore = state.ended() != null;
    if (f.idle) {
      f.written = Files.exists(f.dir.resolve("report.md"));
      if (endedBefore) {
        f.ended = true;
        farms.setState(f, state.ended());
      }
    } else if (endedBefore && !f.spec.resumeEnded()) {
      f.ended = true;
      f.written = Files.exists(f.dir.resolve("report.md"));
      farms.setState(
          f, state.ended()); // listed with its results; the projection writes nothing new
    } else if (f.cancelRequested) {
      f.ended = true;
      farms.setState(f, "cancelled");
      f.journal.tell(
          new FarmJournal.Publish(
              new FarmCancelled(
                  f.spec.id(),
                  state.finishedRuns(),
                  (int)
                      state.resultList().stream().filter(r -> "failed".equals(r.outcome())).count(),
                  f.totalRuns - state.finishedRuns(),
                  0),
              null));
    } else if (stopping) {
      farms.fail(f, "the runtime is stopping");
    } else {
      f.coordinator =
          context.spawn(
              Coordinator.create(
                  f.spec.id(),
                  state,
                  Math.max(1, f.spec.maxConcurrent()),
                  settings.launcher(),
                  new CheckpointStore(f.dir.resolve("checkpoints")),
                  f.spec.policy(),
                  f.journal),
              "coordinator-" + f.spec.id(),
              MailboxSelector.fromConfig(MailboxBacklog.MAILBOX));
      coordinatorPaths.get(f.spec.id()).set(f.coordinator.path());
      context.watchWith(f.coordinator, new FarmManager.ChildStopped(f.spec.id(), "coordinator"));
    }
    answerStart(f, f.status(), d.resumed() > 0 ? state.finishedRuns() : -1, null);
    return true;
  }

  private static void answerStart(
      HostedFarm f, FarmStatus status, int finishedBefore, String error) {
    if (f.opener != null) {
      f.opener.tell(new FarmManager.Opened(status, finishedBefore, error));
      f.opener = null;
    }
  }
}
