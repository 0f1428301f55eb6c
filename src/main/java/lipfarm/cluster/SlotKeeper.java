package lipfarm.cluster;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import lipfarm.protocol.LipfarmSerializable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * A node's compute slots: the authority on how many runs execute on this node. A run entity holds
 * one slot while it runs (reserved when it starts, released when it stops, however it stops: the
 * keeper watches it). Registered with the receptionist so every node's {@link Placer} can ask for
 * the free slots.
 */
final class SlotKeeper {
  private SlotKeeper() {}

  static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "lipfarm-slots");

  sealed interface Command extends LipfarmSerializable {}

  /** Replies with the node's free slots. */
  record GetFree(ActorRef<Free> replyTo) implements Command {}

  /**
   * @param address the node's cluster address (where a shard is placed to run here)
   * @param keeper the node's keeper (which launches runs placed on its node)
   */
  record Free(String address, int free, int slots, ActorRef<Command> keeper)
      implements LipfarmSerializable {}

  /** Reserve a slot for {@code holder} (a run entity on this node) until it stops or releases. */
  record Reserve(String run, ActorRef<?> holder, ActorRef<Reserved> replyTo) implements Command {}

  record Reserved(boolean granted) implements LipfarmSerializable {}

  record Release(String run) implements Command {}

  /**
   * Start the run entity from this node: its shard is then allocated here even before the pinned
   * location has reached the shard coordinator (which falls back to the asking node).
   */
  record Launch(String entityId, RunEntity.Start start) implements Command {}

  private record HolderStopped(String run, ActorRef<?> holder) implements Command {}

  static Behavior<Command> create(
      String address,
      int slots,
      MeterRegistry meters,
      org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding sharding) {
    return Behaviors.setup(
        ctx -> {
          ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf().narrow()));
          Map<String, ActorRef<?>> held = new HashMap<>();
          AtomicInteger free = new AtomicInteger(slots);
          Gauge.builder("lipfarm.cluster.slots.free", free, AtomicInteger::get)
              .description("compute slots of this node not held by a run")
              .register(meters);
          Gauge.builder("lipfarm.cluster.slots", () -> slots)
              .description("compute slots of this node")
              .register(meters);
          return Behaviors.receive(Command.class)
              .onMessage(
                  GetFree.class,
                  m -> {
                    m.replyTo().tell(new Free(address, slots - held.size(), slots, ctx.getSelf()));
                    return Behaviors.same();
                  })
              .onMessage(
                  Reserve.class,
                  m -> {
                    ActorRef<?> before = held.get(m.run());
                    boolean granted = before != null || held.size() < slots;
                    if (granted && before == null) {
                      held.put(m.run(), m.holder());
                      ctx.watchWith(m.holder(), new HolderStopped(m.run(), m.holder()));
                    }
                    free.set(slots - held.size());
                    m.replyTo().tell(new Reserved(granted));
                    return Behaviors.same();
                  })
              .onMessage(
                  Launch.class,
                  m -> {
                    sharding.entityRefFor(RunEntity.KEY, m.entityId()).tell(m.start());
                    return Behaviors.same();
                  })
              .onMessage(
                  Release.class,
                  m -> {
                    ActorRef<?> h = held.remove(m.run());
                    if (h != null) {
                      ctx.unwatch(h);
                    }
                    free.set(slots - held.size());
                    return Behaviors.same();
                  })
              .onMessage(
                  HolderStopped.class,
                  m -> {
                    held.remove(m.run(), m.holder());
                    free.set(slots - held.size());
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
