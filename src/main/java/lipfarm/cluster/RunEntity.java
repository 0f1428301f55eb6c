package lipfarm.cluster;

import java.nio.file.Path;
import java.time.Duration;
import lipfarm.config.RunConfig;
import lipfarm.farm.CheckpointStore;
import lipfarm.farm.FarmJournal;
import lipfarm.farm.RunChildren;
import lipfarm.farm.RunPolicy;
import lipfarm.farm.RunSupervisor;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.RunResult;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * One configuration of one farm as a Cluster Sharding entity (type {@value #TYPE}, entity and shard
 * id {@code <farm id>/<config id>}, so sharding keeps at most one of it in the cluster and a shard
 * can be pinned to a node). Started by its farm's {@link RunStandIn}, it holds a slot of its node's
 * {@link SlotKeeper} and runs the configuration under a {@link RunSupervisor} (which resumes from
 * the run's checkpoint), reporting everything to the stand-in. It stops, its trainer checkpointing,
 * when the stand-in is gone (the farm's node was lost or the farm stopped) or its shard moves.
 */
final class RunEntity {
  private RunEntity() {}

  static final String TYPE = "run";
  static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, TYPE);

  static String entityId(String farm, String configId) {
    return farm + "/" + configId;
  }

  sealed interface Command extends LipfarmSerializable {}

  /**
   * Run (or keep running, now reporting to {@code standIn}) the configuration.
   *
   * @param checkpointDir the farm's checkpoint directory (on the shared results root), or null
   */
  record Start(
      String farm,
      RunConfig config,
      int priorFailures,
      String checkpointDir,
      RunPolicy policy,
      ActorRef<FarmJournal.Command> journal,
      ActorRef<Update> standIn)
      implements Command {}

  /** Sharding's hand-off: stop (the trainer checkpoints); the stand-in places the run again. */
  enum Stop implements Command {
    INSTANCE
  }

  private record Reserved(boolean granted, Start start) implements Command {}

  private record FromRun(RunSupervisor.Report report) implements Command {}

  private record StandInGone(ActorRef<Update> standIn) implements Command {}

  private enum SupervisorStopped implements Command {
    INSTANCE
  }

  /** What the entity tells its stand-in. */
  sealed interface Update extends LipfarmSerializable {}

  /** The run executes on {@code node} as {@code entity} (watch it to notice its loss). */
  record Accepted(ActorRef<Command> entity, String node) implements Update {}

  /** The node had no free slot after all: place the run again. */
  record NoSlot(String node) implements Update {}

  record Published(FarmEvent event) implements Update {}

  record Ended(RunResult result) implements Update {}

  static Behavior<Command> create(
      String entityId, String node, RunChildren children, ActorRef<SlotKeeper.Command> keeper) {
    return Behaviors.setup(ctx -> idle(ctx, entityId, node, children, keeper));
  }

  private static Behavior<Command> idle(
      ActorContext<Command> ctx,
      String entityId,
      String node,
      RunChildren children,
      ActorRef<SlotKeeper.Command> keeper) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Start.class,
            s -> {
              ctx.ask(
                  SlotKeeper.Reserved.class,
                  keeper,
                  Duration.ofSeconds(10),
                  r -> new SlotKeeper.Reserve(entityId, ctx.getSelf(), r),
                  (r, e) -> new Reserved(r != null && r.granted(), s));
              return Behaviors.same();
            })
        .onMessage(
            Reserved.class,
            r -> {
              if (!r.granted()) {
                r.start().standIn().tell(new NoSlot(node));
                return Behaviors.stopped();
              }
              return running(ctx, entityId, node, children, keeper, r.start());
            })
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .build();
  }

  private static Behavior<Command> running(
      ActorContext<Command> ctx,
      String entityId,
      String node,
      RunChildren children,
      ActorRef<SlotKeeper.Command> keeper,
      Start s) {
    CheckpointStore checkpoints =
        s.checkpointDir() == null ? null : new CheckpointStore(Path.of(s.checkpointDir()));
    ActorRef<RunSupervisor.Report> reports =
        ctx.messageAdapter(RunSupervisor.Report.class, FromRun::new);
    ActorRef<RunSupervisor.Command> supervisor =
        ctx.spawn(
            RunSupervisor.create(
                s.config(),
                s.priorFailures(),
                children,
                checkpoints,
                s.policy(),
                s.journal(),
                reports),
            "supervisor");
    ctx.watchWith(supervisor, SupervisorStopped.INSTANCE);
    ctx.getLog().info("run {} executes on {}", entityId, node);
    return reporting(ctx, entityId, node, keeper, supervisor, s.standIn());
  }

  private static Behavior<Command> reporting(
      ActorContext<Command> ctx,
      String entityId,
      String node,
      ActorRef<SlotKeeper.Command> keeper,
      ActorRef<RunSupervisor.Command> supervisor,
      ActorRef<Update> standIn) {
    ctx.watchWith(standIn, new StandInGone(standIn));
    standIn.tell(new Accepted(ctx.getSelf(), node));
    return Behaviors.receive(Command.class)
        .onMessage(
            Start.class,
            s -> {
              if (s.standIn().equals(standIn)) {
                standIn.tell(new Accepted(ctx.getSelf(), node));
                return Behaviors.same();
              }
              // The farm's coordinator moved (its node was lost): report to its new stand-in, and
              // say so, since this session of the farm saw no RunStarted for the run.
              ctx.unwatch(standIn);
              Behavior<Command> next =
                  reporting(ctx, entityId, node, keeper, supervisor, s.standIn());
              s.standIn()
                  .tell(new Published(new FarmEvent.RunAdopted(s.config().id(), s.config(), node)));
              return next;
            })
        .onMessage(
            FromRun.class,
            m -> {
              if (m.report() instanceof RunSupervisor.Publish p) {
                standIn.tell(new Published(p.event()));
                return Behaviors.same();
              }
              standIn.tell(new Ended(((RunSupervisor.Ended) m.report()).result()));
              ctx.unwatch(supervisor);
              keeper.tell(new SlotKeeper.Release(entityId));
              return Behaviors.stopped();
            })
        .onMessage(
            StandInGone.class,
            m -> m.standIn().equals(standIn) ? Behaviors.stopped() : Behaviors.same())
        .onMessageEquals(SupervisorStopped.INSTANCE, Behaviors::stopped)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .build();
  }
}
