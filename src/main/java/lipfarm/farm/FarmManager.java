package lipfarm.farm;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import lipfarm.config.FarmDefinition;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.Reporter;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.UniqueKillSwitch;

/**
 * Hosts every farm of one runtime, for the CLI (one farm, opened with {@link Open}) and the service
 * (farms submitted with {@link Submit}, recorded in the {@link ServiceRegistry} and recovered when
 * the service restarts). Each farm gets its {@link FarmJournal}, its {@link Reporter} (the
 * projection of its persisted events) and, while it runs, its {@link Coordinator}. The manager
 * keeps each farm's status from the projected events and forwards them to the {@link EventJournal}.
 *
 * <p>The actor handles the protocol; the hosted farms and their states are kept by {@link
 * FarmRegistry}, and opening a farm (its files, children, definition and coordinator) is done by
 * {@link FarmStarter}.
 */
public final class FarmManager extends AbstractBehavior<FarmManager.Command> {

  public sealed interface Command extends LipfarmSerializable {}

  /**
   * Start a validated farm in the service; replies with its status (state {@code running}) or an
   * error. {@code note} (may be null) is shown in the answer, e.g. keys the service ignored.
   */
  public record Submit(
      FarmDefinition definition,
      List<lipfarm.config.RunConfig> runs,
      String note,
      ActorRef<Submitted> replyTo)
      implements Command {

    public Submit(FarmDefinition definition, ActorRef<Submitted> replyTo) {
      this(definition, definition.expand(), null, replyTo);
    }
  }

  /** The farm started ({@code status}), or could not ({@code error}, status null). */
  public record Submitted(FarmStatus status, String error) implements LipfarmSerializable {}

  /**
   * Open (create, resume or re-run) the farm {@code spec}: the CLI's way in. An {@code idle} farm
   * is only opened: its journal and projection run, nothing is defined, run or cancelled, and its
   * journal must hold the farm (see {@link Publish}); {@code lipfarm reestimate} works so.
   */
  public record Open(FarmSpec spec, boolean idle, ActorRef<Opened> replyTo) implements Command {

    public Open(FarmSpec spec, ActorRef<Opened> replyTo) {
      this(spec, false, replyTo);
    }
  }

  /**
   * Persist {@code event} in the open farm {@code id}'s journal (see {@link FarmJournal.Publish});
   * it reaches the farm's files and streams through the projection like every other event. The
   * reply's {@code seq} is the journal's latest; -1 for a farm that is not open.
   */
  public record Publish(String id, FarmEvent event, ActorRef<FarmJournal.Recorded> replyTo)
      implements Command {}

  /**
   * Replies once the farm's projection has handled its events up to {@code seq} ({@code
   * events.ndjson} holds them); at once with a null status for an unknown id.
   */
  public record AwaitProjected(String id, long seq, ActorRef<Lookup> replyTo) implements Command {}

  /**
   * The farm is open ({@code status}; {@code finishedBefore} of its runs had finished in earlier
   * sessions, -1 for a new farm), or was refused ({@code error}: its journal holds a different
   * definition).
   */
  public record Opened(FarmStatus status, int finishedBefore, String error)
      implements LipfarmSerializable {}

  /**
   * Host a service's farm ({@link ServiceFarms}): like {@link Open}, with the note for its
   * submitter, and cancelled at once if its cancellation was recorded before a restart.
   */
  public record Host(FarmSpec spec, String note, boolean cancelRequested, ActorRef<Opened> replyTo)
      implements Command {}

  /** Start the projection from the journal (the service: once every recorded farm is hosted). */
  public enum StartProjection implements Command {
    INSTANCE
  }

  public record ListFarms(ActorRef<FarmList> replyTo) implements Command {}

  /** Replies with the farm's status, or a {@link Lookup} with a null status for an unknown id. */
  public record GetFarm(String id, ActorRef<Lookup> replyTo) implements Command {}

  /**
   * Cancel a running farm. Replies once the farm has ended and its files are written (state {@code
   * cancelled}, or {@code finished} if it finished first); at once for a farm that had already
   * ended, and with a null status for an unknown id.
   */
  public record CancelFarm(String id, ActorRef<Lookup> replyTo) implements Command {}

  /** Replies with the results of the runs finished so far. */
  public record GetResults(String id, ActorRef<Results> replyTo) implements Command {}

  /** Replies once the farm has ended and its result files are written (or it failed). */
  public record AwaitEnd(String id, ActorRef<Lookup> replyTo) implements Command {}

  /** Graceful stop: no new work; replies when every coordinator has stopped (trainers saved). */
  public record StopAll(ActorRef<Done> replyTo) implements Command {}

  /** Replies with the farm's durable state as its journal holds it. */
  public record GetJournalState(String id, ActorRef<FarmState> replyTo) implements Command {}

  /** One persisted event from the projection; {@code replyTo} hears when it is handled. */
  public record Project(
      String persistenceId, long offset, FarmJournal.Published event, ActorRef<Done> replyTo)
      implements Command {}

  private record WrappedRecorded(Reporter.Recorded recorded) implements Command {}

  // Package-private: FarmStarter builds them for the children it spawns and the journal's answer.
  record WrappedWritten(String id, Reporter.Written written) implements Command {}

  record ChildStopped(String id, String role) implements Command {}

  private record CheckEnded(String id, boolean endedInJournal) implements Command {}

  record DefineAnswered(String id, FarmJournal.DefineReply reply) implements Command {}

  public record FarmList(List<FarmStatus> farms) implements LipfarmSerializable {}

  public record Lookup(FarmStatus status) implements LipfarmSerializable {}

  public record Results(FarmStatus status, List<RunResult> runs) implements LipfarmSerializable {}

  /** A farm directory's file holding its journal's persistence id. */
  public static final String ID_FILE = "farm.id";

  /** The states a farm can be in, for the {@code lipfarm.farms} gauge. */
  public static final List<String> STATES =
      List.of("running", "cancelling", "finished", "cancelled", "failed");

  /** What the manager is given by the runtime. */
  public record Settings(
      Path root,
      MeterRegistry registry,
      ActorRef<EventJournal.Command> eventLog,
      RunChildren children,
      Faults faults,
      Consumer<FarmEvent> listener,
      String registryId,
      RunLauncher launcher) {

    /** Runs execute in this runtime, under their coordinators. */
    public Settings(
        Path root,
        MeterRegistry registry,
        ActorRef<EventJournal.Command> eventLog,
        RunChildren children,
        Faults faults,
        Consumer<FarmEvent> listener,
        String registryId) {
      this(
          root,
          registry,
          eventLog,
          children,
          faults,
          listener,
          registryId,
          RunLauncher.local(children));
    }
  }

  private final Settings settings;
  private final FarmRegistry farms;
  private final FarmStarter starter;
  private final ActorRef<ServiceFarms.Command> service; // ids and the registry; null in the CLI
  private final List<ActorRef<Done>> stopWaiters = new ArrayList<>();
  private boolean stopping;
  private boolean projecting;
  private UniqueKillSwitch projection;
  // A service answers questions and takes submissions once the farms its registry recorded are
  // hosted again: right after a restart it would otherwise list none of them for a moment, and a
  // new farm could be numbered before the registry was read.
  private boolean recovered;
  private final List<Command> beforeRecovery = new ArrayList<>();

  /**
   * @param settings the results root, meters, event stream, children, faults, listener, and the
   *     service registry's persistence id (null: no registry, the CLI)
   */
  public static Behavior<Command> create(Settings settings) {
    return Behaviors.setup(ctx -> new FarmManager(ctx, settings));
  }

  private FarmManager(ActorContext<Command> context, Settings settings) {
    super(context);
    this.settings = settings;
    this.recovered = settings.registryId() == null;
    this.farms = new FarmRegistry(settings.registry());
    this.starter =
        new FarmStarter(
            context,
            settings,
            farms,
            context.messageAdapter(Reporter.Recorded.class, WrappedRecorded::new),
            settings.registryId() != null);
    if (settings.registryId() != null) {
      service =
          context.spawn(
              ServiceFarms.create(settings.root(), settings.registryId(), context.getSelf()),
              "service");
      context.watchWith(service, new ChildStopped("", "service registry"));
    } else {
      service = null;
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Submit.class, m -> early(m) ? this : onSubmit(m))
        .onMessage(Host.class, this::onHost)
        .onMessageEquals(StartProjection.INSTANCE, this::onStartProjection)
        .onMessage(Open.class, this::onOpen)
        .onMessage(Publish.class, this::onPublish)
        .onMessage(AwaitProjected.class, this::onAwaitProjected)
        .onMessage(DefineAnswered.class, this::onDefineAnswered)
        .onMessage(ListFarms.class, m -> early(m) ? this : onListFarms(m))
        .onMessage(GetFarm.class, m -> early(m) ? this : onGetFarm(m))
        .onMessage(GetResults.class, m -> early(m) ? this : onGetResults(m))
        .onMessage(GetJournalState.class, this::onGetJournalState)
        .onMessage(AwaitEnd.class, m -> early(m) ? this : onAwaitEnd(m))
        .onMessage(CancelFarm.class, m -> early(m) ? this : onCancel(m))
        .onMessage(StopAll.class, this::onStopAll)
        .onMessage(Project.class, this::onProject)
        .onMessage(WrappedRecorded.class, this::onRecorded)
        .onMessage(WrappedWritten.class, this::onWritten)
        .onMessage(ChildStopped.class, this::onChildStopped)
        .onMessage(CheckEnded.class, this::onCheckEnded)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  // ---- opening a farm (FarmStarter does the work) -----------------------------------------------

  private Behavior<Command> onSubmit(Submit m) {
    if (service == null || stopping) {
      m.replyTo().tell(new Submitted(null, "this runtime does not accept farms"));
    } else {
      service.tell(new ServiceFarms.Submit(m));
    }
    return this;
  }

  private Behavior<Command> onHost(Host m) {
    FarmSpec spec = m.spec();
    if (farms.contains(spec.id())) {
      m.replyTo().tell(new Opened(null, 0, "farm " + spec.id() + " is already hosted"));
      return this;
    }
    HostedFarm f = starter.open(spec, m.note(), false);
    if (f == null) {
      m.replyTo().tell(new Opened(null, 0, "cannot create the farm directory"));
    } else {
      f.opener = m.replyTo();
      f.cancelRequested = m.cancelRequested();
    }
    return this;
  }

  private Behavior<Command> onOpen(Open m) {
    FarmSpec spec = m.spec();
    if (farms.contains(spec.id())) {
      m.replyTo().tell(new Opened(null, 0, "farm " + spec.id() + " is already open"));
      return this;
    }
    HostedFarm f = starter.open(spec, null, m.idle());
    if (f != null) {
      f.opener = m.replyTo();
    } else {
      m.replyTo().tell(new Opened(null, 0, "cannot create the farm directory " + spec.dir()));
    }
    return this;
  }

  private Behavior<Command> onDefineAnswered(DefineAnswered m) {
    HostedFarm f = farms.get(m.id());
    if (f != null && starter.defined(f, m.reply(), stopping) && service == null) {
      startProjection();
    }
    return this;
  }

  private Behavior<Command> onPublish(Publish m) {
    HostedFarm f = farms.get(m.id());
    if (f == null || f.journal == null) {
      m.replyTo().tell(new FarmJournal.Recorded(m.event().runId(), 0, -1));
    } else {
      f.journal.tell(new FarmJournal.Publish(m.event(), m.replyTo()));
    }
    return this;
  }

  // ---- queries ----------------------------------------------------------------------------------

  private Behavior<Command> onListFarms(ListFarms m) {
    m.replyTo().tell(farms.list());
    return this;
  }

  private Behavior<Command> onGetFarm(GetFarm m) {
    m.replyTo().tell(farms.lookup(m.id()));
    return this;
  }

  private Behavior<Command> onGetResults(GetResults m) {
    m.replyTo().tell(farms.results(m.id()));
    return this;
  }

  private Behavior<Command> onGetJournalState(GetJournalState m) {
    HostedFarm f = farms.get(m.id());
    if (f != null && f.journal != null) {
      f.journal.tell(new FarmJournal.GetState(m.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onAwaitProjected(AwaitProjected m) {
    HostedFarm f = farms.get(m.id());
    if (f == null || f.lastSeq >= m.seq()) {
      m.replyTo().tell(new Lookup(f == null ? null : f.status()));
    } else {
      f.projectionWaiters.put(m.replyTo(), m.seq());
    }
    return this;
  }

  // ---- the projection ---------------------------------------------------------------------------

  private Behavior<Command> onStartProjection() {
    startProjection();
    recovered = true;
    beforeRecovery.forEach(getContext().getSelf()::tell);
    beforeRecovery.clear();
    return this;
  }

  /** Keeps a message that came before the service's farms were hosted again; true if kept. */
  private boolean early(Command m) {
    if (recovered) {
      return false;
    }
    beforeRecovery.add(m);
    return true;
  }

  private void startProjection() {
    if (!projecting) {
      projecting = true;
      projection = EventProjection.start(getContext().getSystem(), getContext().getSelf());
    }
  }

  private Behavior<Command> onPostStop(PostStop s) {
    if (projection != null) {
      projection.shutdown(); // a manager may stop before its actor system (a cluster's)
    }
    return this;
  }

  private Behavior<Command> onProject(Project m) {
    HostedFarm f = farms.byPersistenceId(m.persistenceId());
    if (f == null || f.reporter == null) {
      m.replyTo().tell(Done.getInstance()); // another farm in a shared journal
      return this;
    }
    FarmJournal.Published p = m.event();
    f.reporter.tell(new Reporter.Record(p.seq(), p.time(), p.event(), m.offset(), m.replyTo()));
    return this;
  }

  private Behavior<Command> onRecorded(WrappedRecorded w) {
    Reporter.Recorded r = w.recorded();
    HostedFarm f = farms.get(r.farm());
    if (f != null) {
      String ended = f.apply(r.seq(), r.event());
      if (ended != null && !"failed".equals(f.state)) {
        farms.setState(f, ended);
      }
      f.answerProjectionWaiters();
    }
    settings.eventLog().tell(new EventJournal.Append(r));
    return this;
  }

  private Behavior<Command> onWritten(WrappedWritten w) {
    HostedFarm f = farms.get(w.id());
    if (f == null || w.written().seq() <= f.startSeq) {
      return this; // an earlier session's end, replayed
    }
    f.written = true;
    f.endWaiters.forEach(r -> r.tell(new Lookup(f.status())));
    f.endWaiters.clear();
    return this;
  }

  // ---- ending: waiting, cancelling, stopping, children stopping ---------------------------------

  private Behavior<Command> onAwaitEnd(AwaitEnd m) {
    HostedFarm f = farms.get(m.id());
    if (f == null || f.written || "failed".equals(f.state)) {
      m.replyTo().tell(new Lookup(f == null ? null : f.status()));
    } else {
      f.endWaiters.add(m.replyTo());
    }
    return this;
  }

  private Behavior<Command> onCancel(CancelFarm m) {
    HostedFarm f = farms.get(m.id());
    if (f == null) {
      m.replyTo().tell(new Lookup(null));
    } else if (f.written || "failed".equals(f.state)) {
      m.replyTo().tell(new Lookup(f.status()));
    } else {
      f.endWaiters.add(m.replyTo());
      if ("running".equals(f.state) && !f.ended) {
        farms.setState(f, "cancelling");
        if (service != null) {
          service.tell(new ServiceFarms.RecordCancel(f.spec.id()));
        }
        if (f.coordinator != null) {
          f.coordinator.tell(Coordinator.Cancel.INSTANCE);
        } else {
          f.cancelRequested = true; // still opening: cancelled once its journal answers
        }
      }
    }
    return this;
  }

  private Behavior<Command> onStopAll(StopAll m) {
    stopping = true;
    stopWaiters.add(m.replyTo());
    for (HostedFarm f : farms.all()) {
      if (f.coordinator != null) {
        f.coordinator.tell(Coordinator.Stop.INSTANCE);
      }
    }
    answerStopWaiters();
    return this;
  }

  private void answerStopWaiters() {
    if (stopping && farms.coordinatorsStopped()) {
      stopWaiters.forEach(r -> r.tell(Done.getInstance()));
      stopWaiters.clear();
    }
  }

  private Behavior<Command> onChildStopped(ChildStopped m) {
    if ("service registry".equals(m.role())) {
      throw new IllegalStateException("the service registry stopped (see the log)");
    }
    HostedFarm f = farms.get(m.id());
    if (f == null) {
      return this;
    }
    if ("coordinator".equals(m.role())) {
      f.coordinator = null;
      answerStopWaiters();
      if (!f.ended && !stopping) {
        // Its last event may still be on its way through the projection: the journal knows.
        getContext()
            .ask(
                FarmState.class,
                f.journal,
                FarmJournal.WAIT,
                FarmJournal.GetState::new,
                (state, err) ->
                    new CheckEnded(f.spec.id(), state != null && state.ended() != null));
      }
      return this;
    }
    if (!f.written && !stopping) {
      farms.fail(f, "the farm's " + m.role() + " stopped before the farm finished (see the log)");
      if (f.coordinator != null) {
        getContext().stop(f.coordinator);
      }
    }
    return this;
  }

  private Behavior<Command> onCheckEnded(CheckEnded m) {
    HostedFarm f = farms.get(m.id());
    if (f != null && !m.endedInJournal() && !f.ended && !"failed".equals(f.state)) {
      farms.fail(f, "the coordinator stopped before the farm finished (see the log)");
    }
    return this;
  }
}
