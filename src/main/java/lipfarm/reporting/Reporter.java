package lipfarm.reporting;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.RunResult;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Receives every event of one farm, in order: gives it a sequence number, appends it to {@code
 * events.ndjson} (never truncated), updates the meters, the listener and the optional subscriber,
 * and on {@code FarmFinished} or {@code FarmCancelled} writes the result files (of the runs
 * finished so far) and tells {@code whenWritten}.
 */
public final class Reporter extends AbstractBehavior<Reporter.Command> {

  public sealed interface Command extends LipfarmSerializable {}

  public record Publish(FarmEvent event) implements Command {}

  /** The farm's result files are complete. */
  public record Written(Path dir, List<RunResult> results) {}

  /**
   * One event as recorded: its per-farm sequence number and the exact {@code events.ndjson} line
   * (without the newline), so subscribers (the service's event stream) publish the same JSON form.
   */
  public record Recorded(String farm, long seq, Instant time, FarmEvent event, String json)
      implements LipfarmSerializable {}

  private final String farm;
  private final Path dir;
  private final FarmMetrics metrics;
  private final Consumer<FarmEvent> listener;
  private final ActorRef<Written> whenWritten;
  private final ActorRef<Recorded> subscriber;
  private final ObjectMapper mapper = EventJson.newMapper();
  private final BufferedWriter events;
  private final List<RunResult> results = new ArrayList<>();
  private long seq;

  /**
   * @param dir the farm's results directory (created if missing)
   * @param listener called on the reporter's thread for every event (for example the CLI display);
   *     must be quick and thread-safe
   */
  public static Behavior<Command> create(
      String farm,
      Path dir,
      MeterRegistry registry,
      Consumer<FarmEvent> listener,
      ActorRef<Written> whenWritten) {
    return Behaviors.setup(
        ctx ->
            new Reporter(
                ctx,
                farm,
                dir,
                new FarmMetrics(registry, farm),
                listener,
                whenWritten,
                null,
                List.of(),
                0));
  }

  /**
   * The service form: meters built by the caller (for example with the coordinator's mailbox
   * backlog) and every recorded event also told to {@code subscriber}, in order.
   *
   * @param subscriber receives a {@link Recorded} per event after it is written; may be null
   */
  public static Behavior<Command> create(
      String farm,
      Path dir,
      FarmMetrics metrics,
      Consumer<FarmEvent> listener,
      ActorRef<Written> whenWritten,
      ActorRef<Recorded> subscriber) {
    return Behaviors.setup(
        ctx ->
            new Reporter(ctx, farm, dir, metrics, listener, whenWritten, subscriber, List.of(), 0));
  }

  /**
   * A reporter that continues a farm's existing {@code events.ndjson}: numbering goes on after
   * {@code lastSeq} and the reports include {@code previous}, the results already logged there.
   */
  public static Behavior<Command> create(
      String farm,
      Path dir,
      MeterRegistry registry,
      Consumer<FarmEvent> listener,
      ActorRef<Written> whenWritten,
      List<RunResult> previous,
      long lastSeq) {
    return Behaviors.setup(
        ctx ->
            new Reporter(
                ctx,
                farm,
                dir,
                new FarmMetrics(registry, farm),
                listener,
                whenWritten,
                null,
                previous,
                lastSeq));
  }

  private Reporter(
      ActorContext<Command> context,
      String farm,
      Path dir,
      FarmMetrics metrics,
      Consumer<FarmEvent> listener,
      ActorRef<Written> whenWritten,
      ActorRef<Recorded> subscriber,
      List<RunResult> previous,
      long lastSeq)
      throws IOException {
    super(context);
    this.results.addAll(previous);
    this.seq = lastSeq;
    this.farm = farm;
    this.dir = dir;
    this.metrics = metrics;
    this.listener = listener;
    this.whenWritten = whenWritten;
    this.subscriber = subscriber;
    Files.createDirectories(dir);
    this.events =
        Files.newBufferedWriter(
            dir.resolve("events.ndjson"),
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Publish.class, this::onPublish)
        .onSignal(PostStop.class, s -> close())
        .build();
  }

  private Behavior<Command> onPublish(Publish msg) throws IOException {
    FarmEvent e = msg.event();
    seq++;
    Instant time = Instant.now();
    String json = EventJson.line(mapper, farm, seq, time, e);
    // One write per line: a kill can tear at most the last line, never interleave two.
    events.write(json + System.lineSeparator());
    events.flush();
    metrics.record(e);
    listener.accept(e);
    if (subscriber != null) {
      subscriber.tell(new Recorded(farm, seq, time, e, json));
    }
    if (e instanceof RunFinished f) {
      if (f.network() != null) {
        NetworkFiles.write(dir, f.result().config(), f.network()); // before results.json lists it
      }
      results.add(f.result());
    } else if (e instanceof FarmFinished || e instanceof FarmCancelled) {
      // Results sorted by configuration order of the grid would depend on timing; sort by
      // parameters so the files are identical across reruns.
      List<RunResult> sorted = new ArrayList<>(results);
      sorted.sort(ReportOrder.BY_PARAMETERS);
      new ReportWriter().write(dir, farm, sorted);
      whenWritten.tell(new Written(dir, List.copyOf(sorted)));
    }
    return this;
  }

  private Behavior<Command> close() {
    try {
      events.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }
}
