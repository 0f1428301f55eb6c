package lipfarm.farm;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunReestimated;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.RunResult;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The event-sourced record of one farm and the only source of its event stream. Every fact the farm
 * publishes is persisted here first, numbered by the farm's own gap-free sequence ({@code seq}) and
 * tagged {@value #TAG}; {@code events.ndjson}, the meters, the CLI display and {@code GET /events}
 * are projections of these persisted events (see {@link EventProjection}). So a result that is
 * durable is published, and published exactly once, whatever crashes in between.
 */
public final class FarmJournal
    extends EventSourcedBehavior<FarmJournal.Command, FarmJournal.Event, FarmState> {
  /**
   * How long a caller waits for a journal's answer when not getting one fails the farm. The journal
   * answers once a write is durable, or stops (its farm fails, loudly) when the write fails after
   * the persistence plugin's call timeout ({@code JournalDatabase}, two minutes); a shorter wait
   * would fail a farm that a busy machine only slowed down, as one at nice 19 beside a test suite
   * was, after 60 s.
   */
  public static final Duration WAIT = Duration.ofMinutes(10);

  /** The tag of every published event: the projection reads the journal by it. */
  public static final String TAG = "lipfarm-event";

  public sealed interface Command extends LipfarmSerializable {}

  /**
   * Define the farm as {@code runs}: accepted when the journal is new, holds the same
   * configurations, or holds a subset of them (new grid points are added); refused otherwise.
   */
  public record Define(String farm, List<RunConfig> runs, ActorRef<DefineReply> replyTo)
      implements Command {}

  /**
   * Persist and so publish {@code event}; {@code replyTo} (may be null) hears when it is durable. A
   * second {@code RunFinished} for a run that has a result is dropped, and so is a {@code
   * RunReestimated} for a run that has none.
   */
  public record Publish(FarmEvent event, ActorRef<Recorded> replyTo) implements Command {}

  /** Record a failed attempt of a run; the reply carries its failure count. */
  public record RecordFailure(String runId, String reason, ActorRef<Recorded> replyTo)
      implements Command {}

  public record GetState(ActorRef<FarmState> replyTo) implements Command {}

  public sealed interface DefineReply extends LipfarmSerializable {}

  /** The definition is accepted; {@code state} is the farm's recovered state. */
  public record Defined(FarmState state, int resumed, int added) implements DefineReply {}

  /** The journal holds a different farm; {@code reason} says how it differs and what to do. */
  public record Refused(String reason) implements DefineReply {}

  /** The change is durable. */
  public record Recorded(String runId, int failures, long seq) implements LipfarmSerializable {}

  /** Persisted events, in the past tense. */
  public sealed interface Event extends LipfarmSerializable {}

  public record FarmDefined(String farm, List<RunConfig> runs) implements Event {}

  public record GridExtended(List<RunConfig> added) implements Event {}

  public record RunAttemptFailed(String runId, int attempt, String reason) implements Event {}

  /** Written by lipfarm before the journal carried the event stream; still replayed. */
  public record RunCompleted(RunResult result) implements Event {}

  /**
   * A fact the farm published: its {@code seq} (1, 2, ... per farm, no gaps) and the time it was
   * persisted are those of its {@code events.ndjson} line.
   */
  public record Published(long seq, Instant time, FarmEvent event) implements Event {}

  public static Behavior<Command> create(String persistenceId) {
    return new FarmJournal(PersistenceId.ofUniqueId(persistenceId));
  }

  private FarmJournal(PersistenceId id) {
    super(id);
  }

  @Override
  public FarmState emptyState() {
    return FarmState.empty();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return event instanceof Published ? Set.of(TAG) : Set.of();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // Snapshots shorten recovery; events are never deleted (the projection replays them).
    return RetentionCriteria.snapshotEvery(1000, 2);
  }

  @Override
  public CommandHandler<Command, Event, FarmState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Define.class, this::onDefine)
        .onCommand(Publish.class, this::onPublish)
        .onCommand(
            RecordFailure.class,
            (state, c) -> {
              int attempt = state.failuresOf(c.runId()) + 1;
              return Effect()
                  .persist(new RunAttemptFailed(c.runId(), attempt, c.reason()))
                  .thenReply(
                      c.replyTo(),
                      s -> new Recorded(c.runId(), s.failuresOf(c.runId()), s.lastSeq()));
            })
        .onCommand(GetState.class, (state, c) -> Effect().none().thenReply(c.replyTo(), s -> s))
        .build();
  }

  private Effect<Event, FarmState> onPublish(FarmState state, Publish c) {
    String runId = c.event().runId();
    if (c.event() instanceof RunFinished && state.results().containsKey(runId)
        || c.event() instanceof RunReestimated && !state.results().containsKey(runId)) {
      return reply(Effect().none(), c.replyTo(), runId);
    }
    Published p = new Published(state.lastSeq() + 1, Instant.now(), c.event());
    return reply(Effect().persist(p), c.replyTo(), runId);
  }

  private static Effect<Event, FarmState> reply(
      org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, FarmState> effect,
      ActorRef<Recorded> replyTo,
      String runId) {
    if (replyTo == null) {
      return effect.thenNoReply();
    }
    return effect.thenReply(replyTo, s -> new Recorded(runId, s.failuresOf(runId), s.lastSeq()));
  }

  private Effect<Event, FarmState> onDefine(FarmState state, Define c) {
    if (!state.defined()) {
      return Effect()
          .persist(new FarmDefined(c.farm(), c.runs()))
          .thenReply(c.replyTo(), s -> new Defined(s, 0, s.runs().size()));
    }
    Set<String> old = new LinkedHashSet<>();
    state.runs().forEach(r -> old.add(r.id()));
    Set<String> now = new LinkedHashSet<>();
    c.runs().forEach(r -> now.add(r.id()));
    List<RunConfig> missing = state.runs().stream().filter(r -> !now.contains(r.id())).toList();
    if (!missing.isEmpty()) {
      return Effect()
          .none()
          .thenReply(
              c.replyTo(),
              s ->
                  new Refused(
                      difference(
                          c.farm(),
                          s,
                          missing,
                          c.runs().stream().filter(r -> !old.contains(r.id())).toList())));
    }
    List<RunConfig> added =
        new ArrayList<>(c.runs().stream().filter(r -> !old.contains(r.id())).toList());
    int resumed = state.runs().size();
    if (added.isEmpty()) {
      return Effect().none().thenReply(c.replyTo(), s -> new Defined(s, resumed, 0));
    }
    return Effect()
        .persist(new GridExtended(added))
        .thenReply(c.replyTo(), s -> new Defined(s, resumed, added.size()));
  }

  private static String difference(
      String farm, FarmState state, List<RunConfig> missing, List<RunConfig> added) {
    StringBuilder sb = new StringBuilder();
    sb.append("farm '")
        .append(farm)
        .append("' already exists with a different definition: ")
        .append(missing.size())
        .append(" of its ")
        .append(state.runs().size())
        .append(" configurations are not in the new definition (for example ")
        .append(missing.get(0).label())
        .append(")");
    if (!added.isEmpty()) {
      sb.append(" and ").append(added.size()).append(" are new");
    }
    sb.append(
        ". Only adding grid points is allowed on an existing farm. Restore its definition (it is in farm.conf)"
            + " to resume it, give the farm a new name, or pass --new-farm to start a new farm (the old directory is kept, renamed).");
    return sb.toString();
  }

  @Override
  public EventHandler<FarmState, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(FarmDefined.class, (s, e) -> s.withRuns(e.runs()))
        .onEvent(GridExtended.class, (s, e) -> s.withRuns(e.added()))
        .onEvent(RunAttemptFailed.class, (s, e) -> s.withFailure(e.runId(), e.attempt()))
        .onEvent(RunCompleted.class, (s, e) -> s.withResult(e.result()))
        .onEvent(Published.class, FarmJournal::apply)
        .build();
  }

  static FarmState apply(FarmState s, Published p) {
    FarmEvent e = p.event();
    FarmState next = s;
    if (e instanceof RunFinished f) {
      next = next.withResult(f.result());
    } else if (e instanceof RunReestimated r) {
      next = next.withResult(r.result()); // the latest estimate of the run wins
    }
    String ended = s.ended();
    if (e instanceof FarmStarted) {
      ended = null;
    } else if (e instanceof FarmFinished) {
      ended = "finished";
    } else if (e instanceof FarmCancelled) {
      ended = "cancelled";
    }
    return next.withSeq(p.seq(), ended);
  }
}
