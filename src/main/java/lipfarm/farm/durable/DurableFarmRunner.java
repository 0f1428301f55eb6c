package lipfarm.farm.durable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import lipfarm.config.RunConfig;
import lipfarm.farm.Coordinator;
import lipfarm.farm.RunChildren;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.EventLog;
import lipfarm.reporting.ReportOrder;
import lipfarm.reporting.ReportWriter;
import lipfarm.reporting.Reporter;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Starts (or resumes) a farm whose state lives in a journal: recovers the farm, checks its
 * definition, re-publishes results the event log missed, and runs the rest. {@link
 * Running#shutdown()} stops it gracefully: no new work, trainers checkpoint, the journal's state is
 * read back and a partial report is written from it.
 */
public final class DurableFarmRunner {
  private DurableFarmRunner() {}

  /** How a farm session ended. */
  public record Outcome(Path dir, List<RunResult> results, boolean complete) {}

  /** The journal holds a different definition of this farm. */
  public static final class DefinitionRefused extends Exception {
    public DefinitionRefused(String message) {
      super(message);
    }
  }

  /** A farm session in progress. */
  public static final class Running {
    private final CompletableFuture<Outcome> done;
    private final ActorSystem<Msg> system;

    Running(CompletableFuture<Outcome> done, ActorSystem<Msg> system) {
      this.done = done;
      this.system = system;
    }

    /** Completes when the session ended and the actor system is down. */
    public CompletableFuture<Outcome> done() {
      return done;
    }

    /** Stop accepting work, checkpoint active runs, write a partial report; idempotent. */
    public void shutdown() {
      system.tell(new Shutdown());
    }
  }

  /** Everything a session needs. */
  public record Settings(
      String farm,
      List<RunConfig> runs,
      int maxConcurrent,
      Path dir,
      String persistenceId,
      JournalDatabase database,
      int checkpointEvery,
      int maxRetries,
      long retryBackoffMillis,
      long runTimeoutMillis,
      Function<CheckpointStore, RunChildren> children) {}

  sealed interface Msg extends LipfarmSerializable {}

  record Answered(FarmJournal.DefineReply reply) implements Msg {}

  record Finished(Reporter.Written written) implements Msg {}

  record Shutdown() implements Msg {}

  record StateRead(FarmState state, Throwable error) implements Msg {}

  /**
   * @param farmConfText the farm.conf written beside the results when the farm is new or grows
   * @throws SQLException if the journal's database cannot be opened
   */
  public static Running start(
      Settings s,
      String farmConfText,
      Config appConfig,
      MeterRegistry registry,
      Consumer<FarmEvent> listener)
      throws SQLException, IOException {
    s.database().createSchemaIfMissing();
    Path eventsFile = s.dir().resolve(EventLog.FILE);
    LoggedEvents logged = LoggedEvents.read(eventsFile);
    CheckpointStore checkpoints = new CheckpointStore(s.dir().resolve("checkpoints"));
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    Behavior<Msg> guardian =
        Behaviors.setup(
            ctx -> {
              ActorRef<FarmJournal.Command> journal =
                  ctx.spawn(FarmJournal.create(s.persistenceId()), "journal");
              ctx.watch(journal);
              ctx.ask(
                  FarmJournal.DefineReply.class,
                  journal,
                  Duration.ofSeconds(120),
                  replyTo -> new FarmJournal.Define(s.farm(), s.runs(), replyTo),
                  (reply, err) ->
                      new Answered(
                          reply != null
                              ? reply
                              : new FarmJournal.Refused("the journal did not answer: " + err)));
              ActorRef<Reporter.Written> finishedAdapter =
                  ctx.messageAdapter(Reporter.Written.class, Finished::new);
              return Behaviors.receive(Msg.class)
                  .onMessage(
                      Answered.class,
                      a -> {
                        if (a.reply() instanceof FarmJournal.Refused r) {
                          done.completeExceptionally(new DefinitionRefused(r.reason()));
                          return Behaviors.stopped();
                        }
                        FarmJournal.Defined d = (FarmJournal.Defined) a.reply();
                        if (d.added() > 0 || !Files.exists(s.dir().resolve("farm.conf"))) {
                          writeAtomically(s.dir().resolve("farm.conf"), farmConfText);
                        }
                        List<RunResult> previous = new ArrayList<>();
                        List<RunResult> unlogged = new ArrayList<>();
                        for (RunResult r : d.state().resultList()) {
                          (logged.finishedIds().contains(r.runId()) ? previous : unlogged).add(r);
                        }
                        ActorRef<Reporter.Command> reporter =
                            ctx.spawn(
                                Reporter.create(
                                    s.farm(),
                                    s.dir(),
                                    registry,
                                    listener,
                                    finishedAdapter,
                                    previous,
                                    logged.lastSeq()),
                                "reporter");
                        ctx.watch(reporter);
                        DurableFarm durable =
                            new DurableFarm(
                                journal,
                                d.state(),
                                unlogged,
                                checkpoints,
                                s.maxRetries(),
                                s.retryBackoffMillis(),
                                s.runTimeoutMillis());
                        ctx.spawn(
                            Coordinator.create(
                                s.farm(),
                                d.state().runs(),
                                s.maxConcurrent(),
                                s.children().apply(checkpoints),
                                reporter,
                                durable),
                            "coordinator");
                        return Behaviors.same();
                      })
                  .onMessage(
                      Finished.class,
                      f -> {
                        done.complete(new Outcome(f.written().dir(), f.written().results(), true));
                        return Behaviors.stopped();
                      })
                  .onMessage(
                      Shutdown.class,
                      x -> {
                        ctx.ask(
                            FarmState.class,
                            journal,
                            Duration.ofSeconds(30),
                            FarmJournal.GetState::new,
                            StateRead::new);
                        return Behaviors.same();
                      })
                  .onMessage(
                      StateRead.class,
                      r -> {
                        if (r.state() == null) {
                          done.completeExceptionally(
                              new IllegalStateException(
                                  "could not read the journal on shutdown: " + r.error()));
                        } else {
                          List<RunResult> results = new ArrayList<>(r.state().resultList());
                          results.sort(ReportOrder.BY_PARAMETERS);
                          done.complete(new Outcome(s.dir(), List.copyOf(results), false));
                        }
                        return Behaviors.stopped();
                      })
                  .onSignal(
                      Terminated.class,
                      t -> {
                        done.completeExceptionally(
                            new IllegalStateException(
                                "the "
                                    + t.getRef().path().name()
                                    + " stopped before the farm finished; see the log"));
                        return Behaviors.stopped();
                      })
                  .build();
            });
    ActorSystem<Msg> system =
        ActorSystem.create(guardian, "lipfarm", s.database().config().withFallback(appConfig));
    CompletableFuture<Outcome> finished =
        done.handle((o, e) -> o)
            .thenCompose(o -> system.getWhenTerminated().toCompletableFuture().thenApply(x -> o));
    done.whenComplete((o, e) -> system.terminate());
    CompletableFuture<Outcome> result =
        finished.thenCompose(
            o -> {
              if (done.isCompletedExceptionally()) {
                return done; // rethrows the cause
              }
              if (!o.complete()) {
                // Shutdown: the actors are stopped (trainers checkpointed); rebuild the report from
                // the journal.
                try {
                  new ReportWriter().write(s.dir(), s.farm(), o.results());
                } catch (IOException e) {
                  return CompletableFuture.failedFuture(e);
                }
              }
              return CompletableFuture.completedFuture(o);
            });
    return new Running(result, system);
  }

  static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** What an existing events.ndjson already holds: its last sequence number and finished runs. */
  record LoggedEvents(long lastSeq, Set<String> finishedIds) {
    static LoggedEvents read(Path file) throws IOException {
      if (!Files.exists(file)) {
        return new LoggedEvents(0, Set.of());
      }
      terminateTornLine(file);
      ObjectMapper mapper = new ObjectMapper();
      long seq = 0;
      Set<String> ids = new HashSet<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        JsonNode n;
        try {
          n = mapper.readTree(line);
        } catch (IOException e) {
          continue; // a line torn by a kill; the next session's FarmStarted follows it
        }
        if (n == null || !n.isObject()) {
          continue;
        }
        seq = Math.max(seq, n.path("seq").asLong(0));
        if ("RunFinished".equals(n.path("type").asText()) && n.hasNonNull("runId")) {
          ids.add(n.get("runId").asText());
        }
      }
      return new LoggedEvents(seq, Set.copyOf(ids));
    }

    /**
     * Ends a half-written last line (appending only) so the next event starts a line of its own.
     */
    private static void terminateTornLine(Path file) throws IOException {
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
        if (raf.length() == 0) {
          return;
        }
        raf.seek(raf.length() - 1);
        if (raf.read() == '\n') {
          return;
        }
      }
      Files.writeString(
          file, System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
  }

  /** Waits for a session for at most {@code seconds}; for shutdown hooks. */
  public static void await(Running r, long seconds) {
    try {
      r.done().get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the caller exits either way
    }
  }
}
