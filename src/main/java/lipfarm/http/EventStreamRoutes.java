package lipfarm.http;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import lipfarm.farm.EventJournal;
import lipfarm.farm.FarmManager;
import lipfarm.farm.FarmStatus;
import lipfarm.protocol.FarmEvent;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code GET /events}: the server-sent event stream of the event journal, filtered by farm and
 * event type and resumable from {@code Last-Event-ID} (see docs/events.md). Kept apart from {@link
 * HttpApi} because the stream has its own parameters, start-position logic and subscriber gauge;
 * {@link HttpApi} mounts it under the same error and rejection handlers as every other route.
 */
final class EventStreamRoutes extends AllDirectives {

  /** Every event type name a stream can be filtered by. */
  static final Set<String> EVENT_TYPES =
      Arrays.stream(FarmEvent.class.getPermittedSubclasses())
          .flatMap(
              c ->
                  c.isInterface()
                      ? Arrays.stream(c.getPermittedSubclasses())
                      : java.util.stream.Stream.of(c))
          .map(Class::getSimpleName)
          .collect(Collectors.toUnmodifiableSet());

  private static final Duration FETCH_WAIT = Duration.ofSeconds(30);

  private final ActorSystem<?> system;
  private final ActorRef<FarmManager.Command> manager;
  private final ActorRef<EventJournal.Command> eventLog;
  private final Duration heartbeat;
  private final Duration ask;
  private final AtomicInteger subscribers = new AtomicInteger();

  /**
   * @param ask how long to wait for the farm list and the journal head before the stream starts
   */
  EventStreamRoutes(
      ActorSystem<?> system,
      ActorRef<FarmManager.Command> manager,
      ActorRef<EventJournal.Command> eventLog,
      MeterRegistry registry,
      Duration heartbeat,
      Duration ask) {
    this.system = system;
    this.manager = manager;
    this.eventLog = eventLog;
    this.heartbeat = heartbeat;
    this.ask = ask;
    Gauge.builder("lipfarm.sse.subscribers", subscribers, AtomicInteger::get)
        .description("open event streams")
        .register(registry);
  }

  private static Set<String> csv(Optional<String> s) {
    return s.map(
            v ->
                Arrays.stream(v.split(","))
                    .map(String::trim)
                    .filter(x -> !x.isEmpty())
                    .collect(Collectors.toUnmodifiableSet()))
        .orElse(Set.of());
  }

  Route events() {
    return parameterOptional(
        "farm",
        farmParam ->
            parameterOptional(
                "type",
                typeParam ->
                    parameterOptional(
                        "lastEventId",
                        idParam ->
                            optionalHeaderValueByName(
                                "Last-Event-ID",
                                idHeader ->
                                    events(
                                        csv(farmParam),
                                        csv(typeParam),
                                        idHeader.or(() -> idParam))))));
  }

  private Route events(Set<String> farms, Set<String> types, Optional<String> lastEventId) {
    for (String t : types) {
      if (!EVENT_TYPES.contains(t)) {
        return complete(
            HttpApi.error(
                StatusCodes.BAD_REQUEST,
                "unknown event type '"
                    + t
                    + "'; known: "
                    + String.join(", ", EVENT_TYPES.stream().sorted().toList()),
                "type"));
      }
    }
    Long after = null;
    if (lastEventId.isPresent() && !lastEventId.get().isBlank()) {
      try {
        after = Long.parseLong(lastEventId.get().trim());
        if (after < 0) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        return complete(
            HttpApi.error(
                StatusCodes.BAD_REQUEST,
                "Last-Event-ID must be a non-negative integer (an id of this stream)",
                "Last-Event-ID"));
      }
    }
    EventJournal.Filter filter = new EventJournal.Filter(farms, types);
    Long given = after;
    // Unknown farms are 404; the start position is fixed before the response begins, so a client
    // that has the response headers is subscribed.
    CompletionStage<Object> checked =
        AskPattern.<FarmManager.Command, FarmManager.FarmList>ask(
                manager, FarmManager.ListFarms::new, ask, system.scheduler())
            .thenCompose(
                list -> {
                  Set<String> known =
                      list.farms().stream().map(FarmStatus::id).collect(Collectors.toSet());
                  for (String f : farms) {
                    if (!known.contains(f)) {
                      return java.util.concurrent.CompletableFuture.completedFuture(
                          (Object) HttpApi.notFound(f));
                    }
                  }
                  if (given != null) {
                    return java.util.concurrent.CompletableFuture.completedFuture((Object) given);
                  }
                  if (!farms.isEmpty()) {
                    return java.util.concurrent.CompletableFuture.completedFuture((Object) 0L);
                  }
                  return AskPattern.<EventJournal.Command, Long>ask(
                          eventLog, EventJournal.GetHead::new, ask, system.scheduler())
                      .thenApply(h -> (Object) h);
                });
    return onSuccess(
        checked,
        start -> {
          if (start instanceof HttpResponse r) {
            return complete(r);
          }
          return completeOK(stream((Long) start, filter), EventStreamMarshalling.toEventStream());
        });
  }

  private Source<ServerSentEvent, NotUsed> stream(long start, EventJournal.Filter filter) {
    return Source.unfoldAsync(
            start,
            after ->
                AskPattern.<EventJournal.Command, EventJournal.Batch>ask(
                        eventLog,
                        r -> new EventJournal.Fetch(after, filter, 256, r),
                        FETCH_WAIT,
                        system.scheduler())
                    .thenApply(b -> Optional.of(Pair.create(b.next(), b))))
        .mapConcat(EventStreamRoutes::toSse)
        .keepAlive(heartbeat, ServerSentEvent::heartbeat)
        .watchTermination(
            (nu, done) -> {
              subscribers.incrementAndGet();
              done.whenComplete((d, e) -> subscribers.decrementAndGet());
              return NotUsed.getInstance();
            });
  }

  private static List<ServerSentEvent> toSse(EventJournal.Batch b) {
    List<ServerSentEvent> out = new java.util.ArrayList<>(b.entries().size() + 1);
    if (b.lostFrom() > 0) {
      out.add(
          ServerSentEvent.create(
              "{\"lostFrom\":" + b.lostFrom() + ",\"lostTo\":" + b.lostTo() + "}", "lost"));
    }
    for (EventJournal.Entry e : b.entries()) {
      out.add(ServerSentEvent.create(e.json(), e.type(), Long.toString(e.id())));
    }
    return out;
  }
}
