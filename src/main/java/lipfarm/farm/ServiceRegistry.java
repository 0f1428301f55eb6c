package lipfarm.farm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lipfarm.protocol.LipfarmSerializable;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * The service's durable list of farms: every submission (its id, directory, persistence id and
 * definition) and every cancellation request, so a restarted service recovers every farm and never
 * hands out an id twice. The farm manager is its only writer and picks the ids.
 */
public final class ServiceRegistry
    extends EventSourcedBehavior<
        ServiceRegistry.Command, ServiceRegistry.Event, ServiceRegistry.State> {

  public sealed interface Command extends LipfarmSerializable {}

  public record Register(Entry entry, ActorRef<Done> replyTo) implements Command {}

  public record RequestCancel(String id, ActorRef<Done> replyTo) implements Command {}

  public record Get(ActorRef<State> replyTo) implements Command {}

  /**
   * One submitted farm.
   *
   * @param number the n of its id {@code <name>-<n>}; never reused
   * @param dir its directory relative to the service's output root
   * @param source the farm block as submitted (its definition)
   */
  public record Entry(
      String id, String name, long number, String dir, String persistenceId, String source)
      implements LipfarmSerializable {

    /**
     * A new farm named {@code name}: the first number after {@code lastNumber} whose directory does
     * not exist (a directory from elsewhere is never written into) and whose id is not {@code
     * taken}; null if the name would leave the results {@code root}.
     */
    public static Entry next(
        java.nio.file.Path root,
        String name,
        String source,
        long lastNumber,
        java.util.function.Predicate<String> taken) {
      long number = lastNumber + 1;
      while (java.nio.file.Files.exists(root.resolve(name).resolve(name + "-" + number))
          || taken.test(name + "-" + number)) {
        number++;
      }
      String id = name + "-" + number;
      java.nio.file.Path dir = root.resolve(name).resolve(id).normalize();
      if (!dir.startsWith(root) || dir.equals(root)) {
        return null;
      }
      return new Entry(
          id,
          name,
          number,
          root.relativize(dir).toString(),
          "lipfarm|" + id + "|" + java.util.UUID.randomUUID(),
          source);
    }
  }

  public sealed interface Event extends LipfarmSerializable {}

  public record FarmRegistered(Entry entry) implements Event {}

  public record CancelRequested(String id) implements Event {}

  /**
   * @param farms by id, in submission order
   * @param cancelRequested ids whose cancellation was asked for
   * @param lastNumber the largest id number handed out
   */
  public record State(Map<String, Entry> farms, List<String> cancelRequested, long lastNumber)
      implements LipfarmSerializable {
    public State {
      farms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(farms));
      cancelRequested = List.copyOf(cancelRequested);
    }
  }

  public static Behavior<Command> create(String persistenceId) {
    return new ServiceRegistry(PersistenceId.ofUniqueId(persistenceId));
  }

  private ServiceRegistry(PersistenceId id) {
    super(id);
  }

  @Override
  public State emptyState() {
    return new State(Map.of(), List.of(), 0);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Register.class,
            c ->
                Effect()
                    .persist(new FarmRegistered(c.entry()))
                    .thenReply(c.replyTo(), s -> Done.getInstance()))
        .onCommand(
            RequestCancel.class,
            c ->
                Effect()
                    .persist(new CancelRequested(c.id()))
                    .thenReply(c.replyTo(), s -> Done.getInstance()))
        .onCommand(Get.class, (s, c) -> Effect().none().thenReply(c.replyTo(), st -> st))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            FarmRegistered.class,
            (s, e) -> {
              Map<String, Entry> farms = new LinkedHashMap<>(s.farms());
              farms.put(e.entry().id(), e.entry());
              return new State(
                  farms, s.cancelRequested(), Math.max(s.lastNumber(), e.entry().number()));
            })
        .onEvent(
            CancelRequested.class,
            (s, e) -> {
              List<String> c = new ArrayList<>(s.cancelRequested());
              c.add(e.id());
              return new State(s.farms(), c, s.lastNumber());
            })
        .build();
  }
}
