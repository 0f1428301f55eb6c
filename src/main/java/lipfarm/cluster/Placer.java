package lipfarm.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Chooses where a run goes: the member that is up and has the most free compute slots, as the
 * nodes' {@link SlotKeeper}s last told (asked every half second). Local to each node; the keeper on
 * the chosen node has the last word (a run refused there is placed again).
 */
final class Placer {
  private Placer() {}

  sealed interface Command {}

  /** Replies with the chosen node's keeper, or nulls when no node has a free slot. */
  record Place(ActorRef<Placed> replyTo) implements Command {}

  record Placed(String address, ActorRef<SlotKeeper.Command> keeper) {}

  private record Keepers(Set<ActorRef<SlotKeeper.Command>> keepers) implements Command {}

  private record Heard(SlotKeeper.Free free) implements Command {}

  private enum Poll implements Command {
    INSTANCE
  }

  /** How often the keepers are asked (also how stale a free count can be). */
  static final Duration POLL = Duration.ofMillis(500);

  static Behavior<Command> create() {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  ActorRef<Receptionist.Listing> listings =
                      ctx.messageAdapter(
                          Receptionist.Listing.class,
                          l -> new Keepers(l.getServiceInstances(SlotKeeper.KEY)));
                  ctx.getSystem()
                      .receptionist()
                      .tell(Receptionist.subscribe(SlotKeeper.KEY, listings));
                  ActorRef<SlotKeeper.Free> heard =
                      ctx.messageAdapter(SlotKeeper.Free.class, Heard::new);
                  timers.startTimerWithFixedDelay(Poll.INSTANCE, POLL);
                  Set<ActorRef<SlotKeeper.Command>> keepers = new HashSet<>();
                  Map<String, Integer> free = new HashMap<>();
                  Map<String, ActorRef<SlotKeeper.Command>> byAddress = new HashMap<>();
                  Cluster cluster = Cluster.get(ctx.getSystem());
                  return Behaviors.receive(Command.class)
                      .onMessage(
                          Keepers.class,
                          m -> {
                            keepers.clear();
                            keepers.addAll(m.keepers());
                            free.clear(); // heard again at the next poll
                            keepers.forEach(k -> k.tell(new SlotKeeper.GetFree(heard)));
                            return Behaviors.same();
                          })
                      .onMessageEquals(
                          Poll.INSTANCE,
                          () -> {
                            keepers.forEach(k -> k.tell(new SlotKeeper.GetFree(heard)));
                            return Behaviors.same();
                          })
                      .onMessage(
                          Heard.class,
                          m -> {
                            free.put(m.free().address(), m.free().free());
                            byAddress.put(m.free().address(), m.free().keeper());
                            return Behaviors.same();
                          })
                      .onMessage(
                          Place.class,
                          m -> {
                            Set<String> up = new HashSet<>();
                            cluster
                                .state()
                                .getMembers()
                                .forEach(
                                    mem -> {
                                      if (mem.status() == MemberStatus.up()) {
                                        up.add(mem.address().toString());
                                      }
                                    });
                            String best = null;
                            int most = 0;
                            for (Map.Entry<String, Integer> e : free.entrySet()) {
                              if (up.contains(e.getKey()) && e.getValue() > most) {
                                most = e.getValue();
                                best = e.getKey();
                              }
                            }
                            if (best != null) {
                              free.put(best, most - 1); // until the keeper tells again
                            }
                            ctx.getLog().debug("free {} up {} -> {}", free, up, best);
                            m.replyTo().tell(new Placed(best, byAddress.get(best)));
                            return Behaviors.same();
                          })
                      .build();
                }));
  }
}
