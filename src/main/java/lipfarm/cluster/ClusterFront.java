package lipfarm.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import lipfarm.farm.EventJournal;
import lipfarm.farm.FarmManager;
import lipfarm.farm.FarmStatus;
import lipfarm.reporting.EventJson;
import lipfarm.reporting.Reporter;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * A node's answer to the farm manager's protocol, so the HTTP API of {@code lipfarm serve} works
 * unchanged on every node: submissions and the list of farms go to the {@link FarmDirectory}
 * singleton, questions about one farm to its {@link FarmEntity} wherever it is hosted. It is also
 * where the node's projection of the shared journal lands: every farm's persisted events, in the
 * journal's order, go to this node's {@link EventJournal} (so {@code GET /events} on any node shows
 * every farm).
 */
final class ClusterFront {
  private ClusterFront() {}

  /** How long a question to the directory or a farm entity may take. */
  static final Duration ASK = Duration.ofSeconds(20);

  static Behavior<FarmManager.Command> create(
      ActorRef<FarmDirectory.Command> directory, ActorRef<EventJournal.Command> eventLog) {
    return Behaviors.setup(
        ctx -> {
          ActorSystem<?> system = ctx.getSystem();
          ClusterSharding sharding = ClusterSharding.get(system);
          ObjectMapper mapper = EventJson.newMapper();
          Asks asks = new Asks(system, directory, sharding);
          return Behaviors.receive(FarmManager.Command.class)
              .onMessage(
                  FarmManager.Submit.class,
                  m -> {
                    directory.tell(
                        new FarmDirectory.Submit(m.definition().source(), m.note(), m.replyTo()));
                    return Behaviors.same();
                  })
              .onMessage(
                  FarmManager.ListFarms.class,
                  m -> {
                    // No answer when the directory does not answer (moving after its node was
                    // lost): the API's own timeout answers, never an empty list or a false 404.
                    asks.list().thenAccept(m.replyTo()::tell);
                    return Behaviors.same();
                  })
              .onMessage(
                  FarmManager.GetFarm.class,
                  m -> {
                    asks.known(m.id(), FarmEntity.GetFarm::new, new FarmManager.Lookup(null))
                        .thenAccept(m.replyTo()::tell);
                    return Behaviors.same();
                  })
              .onMessage(
                  FarmManager.GetResults.class,
                  m -> {
                    FarmManager.Results none = new FarmManager.Results(null, List.of());
                    asks.known(m.id(), FarmEntity.GetResults::new, none)
                        .thenAccept(m.replyTo()::tell);
                    return Behaviors.same();
                  })
              .onMessage(
                  FarmManager.AwaitEnd.class,
                  m -> {
                    asks.known(m.id(), FarmEntity.AwaitEnd::new, new FarmManager.Lookup(null))
                        .whenComplete(
                            (l, e) -> {
                              if (l != null) {
                                m.replyTo().tell(l);
                              }
                            });
                    return Behaviors.same();
                  })
              .onMessage(
                  FarmManager.CancelFarm.class,
                  m -> {
                    asks.ids()
                        .thenAccept(
                            ids -> {
                              if (!ids.contains(m.id())) {
                                m.replyTo().tell(new FarmManager.Lookup(null));
                                return;
                              }
                              directory.tell(new FarmDirectory.RecordCancel(m.id()));
                              sharding
                                  .entityRefFor(FarmEntity.KEY, m.id())
                                  .tell(new FarmEntity.Cancel(m.replyTo()));
                            });
                    return Behaviors.same();
                  })
              .onMessage(
                  FarmManager.Project.class,
                  m -> {
                    String farm = FarmDirectory.farmIdOf(m.persistenceId());
                    if (farm != null) {
                      var p = m.event();
                      String json = EventJson.line(mapper, farm, p.seq(), p.time(), p.event());
                      eventLog.tell(
                          new EventJournal.Append(
                              new Reporter.Recorded(
                                  farm, p.seq(), p.time(), p.event(), json, m.offset())));
                    }
                    m.replyTo().tell(Done.getInstance());
                    return Behaviors.same();
                  })
              .onMessage(
                  FarmManager.StopAll.class,
                  m -> {
                    m.replyTo().tell(Done.getInstance());
                    return Behaviors.same();
                  })
              .onAnyMessage(
                  m -> {
                    ctx.getLog()
                        .warn("a cluster node does not answer {}", m.getClass().getSimpleName());
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** The asks behind the answers (futures, so the front never waits). */
  private record Asks(
      ActorSystem<?> system, ActorRef<FarmDirectory.Command> directory, ClusterSharding sharding) {

    CompletionStage<List<String>> ids() {
      return AskPattern.<FarmDirectory.Command, FarmDirectory.Ids>ask(
              directory, FarmDirectory.ListIds::new, ASK, system.scheduler())
          .thenApply(FarmDirectory.Ids::ids);
    }

    /** Asks the farm's entity, or answers {@code unknown} for an id the directory has not. */
    <T> CompletionStage<T> known(
        String id,
        org.apache.pekko.japi.function.Function<ActorRef<T>, FarmEntity.Command> question,
        T unknown) {
      return ids()
          .thenCompose(
              ids ->
                  ids.contains(id)
                      ? sharding.entityRefFor(FarmEntity.KEY, id).ask(question, ASK)
                      : CompletableFuture.completedFuture(unknown));
    }

    CompletionStage<FarmManager.FarmList> list() {
      return ids()
          .thenCompose(
              ids -> {
                List<CompletableFuture<FarmManager.Lookup>> each = new ArrayList<>();
                for (String id : ids) {
                  each.add(
                      sharding
                          .entityRefFor(FarmEntity.KEY, id)
                          .<FarmManager.Lookup>ask(FarmEntity.GetFarm::new, ASK)
                          .toCompletableFuture()
                          .exceptionally(e -> new FarmManager.Lookup(null)));
                }
                return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenApply(
                        v -> {
                          List<FarmStatus> farms = new ArrayList<>();
                          each.forEach(
                              f -> {
                                FarmStatus s = f.join().status();
                                if (s != null) {
                                  farms.add(s);
                                }
                              });
                          return new FarmManager.FarmList(farms);
                        });
              });
    }
  }
}
