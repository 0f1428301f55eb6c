package lipfarm.farm;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Feeds every farm's projection from its journal: a live query of the events tagged {@link
 * FarmJournal#TAG}, in the journal's global order, each handed to the {@link FarmManager} (which
 * routes it to the farm's reporter) and acknowledged before the next, so the event files, meters,
 * CLI display and event stream see exactly the persisted events, in order. It starts from the
 * beginning of the journal, so a restarted runtime rebuilds its event stream; the reporters skip
 * what their files already hold. A failed query restarts after the last event handled.
 */
public final class EventProjection {
  private EventProjection() {}

  /**
   * Starts the projection into {@code manager} (which must answer {@link FarmManager.Project}).
   *
   * @return stops the projection (for a manager that stops before its actor system)
   */
  public static UniqueKillSwitch start(
      ActorSystem<?> system, ActorRef<FarmManager.Command> manager) {
    JdbcReadJournal journal =
        PersistenceQuery.get(Adapter.toClassic(system))
            .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    AtomicLong last = new AtomicLong(0); // owned by this stream: the offset handled last
    RestartSettings restart =
        RestartSettings.create(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2);
    return RestartSource.withBackoff(
            restart,
            () ->
                journal
                    .eventsByTag(FarmJournal.TAG, Offset.sequence(last.get()))
                    .mapAsync(1, env -> handle(system, manager, env, last)))
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.ignore())
        .run(system);
  }

  private static java.util.concurrent.CompletionStage<Done> handle(
      ActorSystem<?> system,
      ActorRef<FarmManager.Command> manager,
      EventEnvelope env,
      AtomicLong last) {
    long offset = ((Sequence) env.offset()).value();
    if (!(env.event() instanceof FarmJournal.Published p)) {
      last.set(offset);
      return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
    }
    return AskPattern.<FarmManager.Command, Done>ask(
            manager,
            r -> new FarmManager.Project(env.persistenceId(), offset, p, r),
            Duration.ofSeconds(60),
            system.scheduler())
        .thenApply(
            d -> {
              last.set(offset);
              return d;
            });
  }
}
