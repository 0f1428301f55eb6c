package lipfarm.reporting;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunReestimated;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.RunResult;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The projection of one farm's persisted events: receives them in order, each with the sequence
 * number and time the journal gave it, appends those not yet in {@code events.ndjson} (never
 * truncated), updates the meters, the listener (new events only) and the subscriber (every event,
 * replayed ones included, so the service's event stream is rebuilt after a restart), and on {@code
 * FarmFinished} or {@code FarmCancelled} writes the result files and tells {@code whenWritten}.
 */
public final class Reporter extends AbstractBehavior<Reporter.Command> {

  public sealed interface Command extends LipfarmSerializable {}

  /**
   * Project one persisted event; {@code replyTo} (may be null) hears when it is handled.
   *
   * @param offset the journal's global ordering of the event (the service's SSE id); 0 if none
   */
  public record Record(long seq, Instant time, FarmEvent event, long offset, ActorRef<Done> replyTo)
      implements Command {}

  /** Record {@code event} as the next one (tests and tools without a journal). */
  public record Publish(FarmEvent event) implements Command {}

  /** The farm's result files are complete, after the farm's last event {@code seq}. */
  public record Written(Path dir, List<RunResult> results, long seq) {}

  /**
   * One event as recorded: its per-farm sequence number, its exact {@code events.ndjson} line
   * (without the newline) and the journal's global offset, for the service's event stream.
   */
  public record Recorded(
      String farm, long seq, Instant time, FarmEvent event, String json, long offset)
      implements LipfarmSerializable {}

  private final String farm;
  private final Path dir;
  private final FarmMetrics metrics;
  private final Consumer<FarmEvent> listener;
  private final ActorRef<Written> whenWritten;
  private final ActorRef<Recorded> subscriber;
  private final BiConsumer<String, Long> beforeResultLine;
  private final ObjectMapper mapper = EventJson.newMapper();
  private final BufferedWriter events;
  private final Map<String, RunResult> results = new LinkedHashMap<>();
  private final long loggedSeq; // events.ndjson held these when the reporter started
  private long seq;

  /**
   * @param dir the farm's results directory (created if missing)
   * @param listener called for every new event (not replayed ones), e.g. the CLI display
   * @param subscriber receives a {@link Recorded} per event; may be null
   * @param beforeResultLine called before a result's line is written (fault injection); may be null
   */
  public static Behavior<Command> create(
      String farm,
      Path dir,
      FarmMetrics metrics,
      Consumer<FarmEvent> listener,
      ActorRef<Written> whenWritten,
      ActorRef<Recorded> subscriber,
      BiConsumer<String, Long> beforeResultLine) {
    return Behaviors.setup(
        ctx ->
            new Reporter(
                ctx, farm, dir, metrics, listener, whenWritten, subscriber, beforeResultLine));
  }

  private Reporter(
      ActorContext<Command> context,
      String farm,
      Path dir,
      FarmMetrics metrics,
      Consumer<FarmEvent> listener,
      ActorRef<Written> whenWritten,
      ActorRef<Recorded> subscriber,
      BiConsumer<String, Long> beforeResultLine)
      throws IOException {
    super(context);
    this.farm = farm;
    this.dir = dir;
    this.metrics = metrics;
    this.listener = listener;
    this.whenWritten = whenWritten;
    this.subscriber = subscriber;
    this.beforeResultLine = beforeResultLine;
    Files.createDirectories(dir);
    Path file = dir.resolve(EventLog.FILE);
    EventFile logged = EventFile.read(file);
    this.loggedSeq = logged.lastSeq();
    this.seq = logged.lastSeq();
    this.results.putAll(logged.results());
    this.events =
        Files.newBufferedWriter(
            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Record.class, this::onRecord)
        .onMessage(
            Publish.class, p -> onRecord(new Record(seq + 1, Instant.now(), p.event(), 0, null)))
        .onSignal(PostStop.class, s -> close())
        .build();
  }

  private Behavior<Command> onRecord(Record r) throws IOException {
    FarmEvent e = r.event();
    boolean replay = r.seq() <= loggedSeq;
    String json = EventJson.line(mapper, farm, r.seq(), r.time(), e);
    if (r.seq() > seq) {
      if (e instanceof RunFinished && beforeResultLine != null) {
        beforeResultLine.accept(e.runId(), r.seq());
      }
      // One write per line: a kill can tear at most the last line, never interleave two.
      events.write(json + System.lineSeparator());
      events.flush();
      seq = r.seq();
    }
    metrics.record(e);
    if (!replay) {
      listener.accept(e);
    }
    if (subscriber != null) {
      subscriber.tell(new Recorded(farm, r.seq(), r.time(), e, json, r.offset()));
    }
    if (e instanceof RunFinished f) {
      results.put(f.runId(), f.result());
    } else if (e instanceof RunReestimated re) {
      results.put(re.runId(), re.result());
    } else if (e instanceof FarmFinished || e instanceof FarmCancelled) {
      List<RunResult> sorted = sortedResults();
      if (!replay || !Files.exists(dir.resolve("report.md"))) {
        writeReports(sorted);
      }
      whenWritten.tell(new Written(dir, sorted, r.seq()));
    }
    if (r.replyTo() != null) {
      r.replyTo().tell(Done.getInstance());
    }
    return this;
  }

  /** Results sorted by parameters, so the files do not depend on timing. */
  private List<RunResult> sortedResults() {
    List<RunResult> sorted = new ArrayList<>(results.values());
    sorted.sort(ReportOrder.BY_PARAMETERS);
    return List.copyOf(sorted);
  }

  /** Reports are rebuilt from events.ndjson, exactly as {@code lipfarm report} would. */
  private void writeReports(List<RunResult> sorted) throws IOException {
    try {
      ReportWriter.rebuild(dir);
    } catch (EventLog.BadEventLog bad) {
      getContext().getLog().warn("farm {}: {}; reports written from results only", farm, bad);
      new ReportWriter().write(dir, farm, sorted);
    }
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
