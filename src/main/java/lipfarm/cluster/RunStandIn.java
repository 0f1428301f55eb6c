package lipfarm.cluster;

import java.time.Duration;
import lipfarm.farm.RunLauncher;
import lipfarm.farm.RunSupervisor;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.external.javadsl.ExternalShardAllocationClient;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * A coordinator's child standing in for one run that executes elsewhere in the cluster: it asks the
 * {@link Placer} for the node with the most free slots, pins the run's shard there (external shard
 * allocation), starts the {@link RunEntity} and relays its reports to the coordinator exactly as a
 * local {@link RunSupervisor} would. When the entity is lost (its node left or was downed, its
 * shard moved) before the run's result arrived, the run is placed again and resumes from its
 * checkpoint. Stopping the stand-in (cancel, stop) stops the entity, which watches it.
 */
final class RunStandIn {
  private RunStandIn() {}

  /** Wait before placing again when no node has a free slot or the run was lost. */
  static final Duration RETRY = Duration.ofMillis(700);

  /** A started entity that has not answered by then is placed again. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  sealed interface Command {}

  private enum TryPlace implements Command {
    INSTANCE
  }

  private record Placed(String address, ActorRef<SlotKeeper.Command> keeper) implements Command {}

  private record Pinned(ActorRef<SlotKeeper.Command> keeper, Throwable error) implements Command {}

  private record FromEntity(RunEntity.Update update) implements Command {}

  private record EntityGone(long attempt) implements Command {}

  private record StartTimedOut(long attempt) implements Command {}

  /** The launcher of a cluster node: every run becomes a stand-in for a sharded run entity. */
  static RunLauncher launcher(
      ClusterSharding sharding,
      ExternalShardAllocationClient allocation,
      ActorRef<Placer.Command> placer) {
    return (farm, config, failures, checkpoints, policy, journal, parent) ->
        create(
            new RunEntity.Start(
                farm,
                config,
                failures,
                checkpoints == null ? null : checkpoints.dir().toString(),
                policy,
                journal,
                null),
            parent,
            sharding,
            allocation,
            placer);
  }

  static Behavior<Command> create(
      RunEntity.Start start,
      ActorRef<RunSupervisor.Report> parent,
      ClusterSharding sharding,
      ExternalShardAllocationClient allocation,
      ActorRef<Placer.Command> placer) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  ctx.getSelf().tell(TryPlace.INSTANCE);
                  return new RunStandIn.State(
                          ctx, timers, start, parent, sharding, allocation, placer)
                      .behavior();
                }));
  }

  private static final class State {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final RunEntity.Start start;
    private final ActorRef<RunSupervisor.Report> parent;
    private final String entityId;
    private final ExternalShardAllocationClient allocation;
    private final ActorRef<Placer.Command> placer;
    private long attempt; // placements so far; stale timers and watches name an older one
    private ActorRef<?> watched; // the entity, or the keeper launching it until it answers
    private boolean placing;

    State(
        ActorContext<Command> ctx,
        TimerScheduler<Command> timers,
        RunEntity.Start start,
        ActorRef<RunSupervisor.Report> parent,
        ClusterSharding sharding,
        ExternalShardAllocationClient allocation,
        ActorRef<Placer.Command> placer) {
      this.ctx = ctx;
      this.timers = timers;
      this.entityId = RunEntity.entityId(start.farm(), start.config().id());
      this.start =
          new RunEntity.Start(
              start.farm(),
              start.config(),
              start.priorFailures(),
              start.checkpointDir(),
              start.policy(),
              start.journal(),
              ctx.messageAdapter(RunEntity.Update.class, FromEntity::new));
      this.parent = parent;
      this.allocation = allocation;
      this.placer = placer;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessageEquals(TryPlace.INSTANCE, this::onTryPlace)
          .onMessage(Placed.class, this::onPlaced)
          .onMessage(Pinned.class, this::onPinned)
          .onMessage(FromEntity.class, this::onFromEntity)
          .onMessage(EntityGone.class, m -> m.attempt() == attempt ? retry() : Behaviors.same())
          .onMessage(StartTimedOut.class, m -> m.attempt() == attempt ? retry() : Behaviors.same())
          .build();
    }

    private Behavior<Command> onTryPlace() {
      if (!placing) {
        placing = true;
        attempt++;
        ctx.ask(
            Placer.Placed.class,
            placer,
            Duration.ofSeconds(5),
            Placer.Place::new,
            (p, e) -> new Placed(p == null ? null : p.address(), p == null ? null : p.keeper()));
      }
      return Behaviors.same();
    }

    private Behavior<Command> onPlaced(Placed m) {
      ctx.getLog().debug("run {} placed on {}", entityId, m.address());
      if (m.address() == null || m.keeper() == null) {
        placing = false;
        timers.startSingleTimer(TryPlace.INSTANCE, RETRY);
        return Behaviors.same();
      }
      ctx.pipeToSelf(
          allocation.setShardLocation(entityId, AddressFromURIString.parse(m.address())),
          (done, err) -> new Pinned(m.keeper(), err));
      return Behaviors.same();
    }

    private Behavior<Command> onPinned(Pinned m) {
      placing = false;
      if (m.error() != null) {
        ctx.getLog().warn("could not place run {}: {}", entityId, m.error().getMessage());
        timers.startSingleTimer(TryPlace.INSTANCE, RETRY);
        return Behaviors.same();
      }
      m.keeper().tell(new SlotKeeper.Launch(entityId, start));
      // A node that leaves or is lost before the run answers takes the launch with it.
      watch(m.keeper());
      timers.startSingleTimer("start", new StartTimedOut(attempt), START_TIMEOUT);
      return Behaviors.same();
    }

    private Behavior<Command> onFromEntity(FromEntity m) {
      RunEntity.Update u = m.update();
      ctx.getLog().debug("run {}: {}", entityId, u.getClass().getSimpleName());
      if (u instanceof RunEntity.Accepted a) {
        timers.cancel("start");
        watch(a.entity());
      } else if (u instanceof RunEntity.NoSlot) {
        timers.cancel("start");
        return retry();
      } else if (u instanceof RunEntity.Published p) {
        parent.tell(new RunSupervisor.Publish(p.event()));
      } else if (u instanceof RunEntity.Ended e) {
        parent.tell(new RunSupervisor.Ended(e.result()));
        return Behaviors.stopped();
      }
      return Behaviors.same();
    }

    private void watch(ActorRef<?> ref) {
      if (watched != null) {
        ctx.unwatch(watched);
      }
      watched = ref;
      ctx.watchWith(ref, new EntityGone(attempt));
    }

    /**
     * The entity is gone without a result (or never answered): place the run again, after a pause
     * that lets a result sent just before the entity stopped arrive first.
     */
    private Behavior<Command> retry() {
      if (watched != null) {
        ctx.unwatch(watched);
        watched = null;
      }
      attempt++; // older timers and watches are stale now
      if (!placing) {
        timers.startSingleTimer(TryPlace.INSTANCE, RETRY);
      }
      return Behaviors.same();
    }
  }
}
