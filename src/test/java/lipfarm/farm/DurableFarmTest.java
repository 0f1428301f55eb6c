package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import lipfarm.config.Durability;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.EventLog;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durable farms in-process on a real H2 journal: resume, refusal, retries, graceful stop. */
class DurableFarmTest {
  @TempDir Path tmp;

  static FarmDefinition def(String name, String grid, String extra) {
    return FarmDefinition.parse(
        "farm { name = "
            + name
            + ", max-concurrent-runs = 2, checkpoint-every = 250, retry-backoff = 50, max-retries = 2\n"
            + extra
            + " defaults { d = 10, n = 20, max-epochs = 1500, estimator-budget = 1000, tol = 0.01 }\n grid { "
            + grid
            + " } }");
  }

  /** What a session of a farm ended with. */
  record Outcome(List<RunResult> results, boolean complete, String refused) {}

  static FarmRuntime runtime(
      Path dir, Durability d, RunChildren children, java.util.function.Consumer<FarmEvent> listener)
      throws Exception {
    return runtime(dir, d, children, listener, com.typesafe.config.ConfigFactory.empty());
  }

  static FarmRuntime runtime(
      Path dir,
      Durability d,
      RunChildren children,
      java.util.function.Consumer<FarmEvent> listener,
      com.typesafe.config.Config extra)
      throws Exception {
    return FarmRuntime.start(
        new FarmRuntime.Settings(
            dir.getParent(),
            JournalDatabase.of(d, dir, Map.of()),
            2,
            new SimpleMeterRegistry(),
            children,
            Faults.none(),
            listener,
            null,
            10_000,
            extra));
  }

  static FarmSpec spec(FarmDefinition def, Path dir) {
    return new FarmSpec(
        def.name(),
        def.name(),
        dir.toString(),
        "test|" + def.name(),
        def.expand(),
        def.maxConcurrentRuns(),
        RunPolicy.of(Durability.of(def)),
        "farm {\n" + def.source() + "\n}\n",
        true);
  }

  static List<RunResult> results(FarmRuntime rt, String id) throws Exception {
    FarmState state = rt.journalState(id).toCompletableFuture().get(30, TimeUnit.SECONDS);
    List<RunResult> r = new java.util.ArrayList<>(state.resultList());
    r.sort(lipfarm.reporting.ReportOrder.BY_PARAMETERS);
    return r;
  }

  private Outcome run(FarmDefinition def, Path root, RunChildren children) throws Exception {
    Path dir = root.resolve(def.name());
    Files.createDirectories(dir);
    try (FarmRuntime rt = runtime(dir, Durability.of(def), children, e -> {})) {
      FarmManager.Opened opened =
          rt.open(spec(def, dir)).toCompletableFuture().get(1, TimeUnit.MINUTES);
      if (opened.error() != null) {
        return new Outcome(List.of(), false, opened.error());
      }
      FarmManager.Lookup end = rt.awaitEnd(def.name()).get(3, TimeUnit.MINUTES);
      return new Outcome(results(rt, def.name()), "finished".equals(end.status().state()), null);
    }
  }

  private Outcome runToEnd(FarmDefinition def, Path root) throws Exception {
    return run(def, root, RunChildren.real());
  }

  private static Map<String, Long> count(EventLog log, Class<?> type) {
    return log.events().stream()
        .filter(type::isInstance)
        .collect(Collectors.groupingBy(FarmEvent::runId, Collectors.counting()));
  }

  /** A second session of a finished farm runs nothing; a grown grid runs only the new points. */
  @Test
  void finishedRunsAreNotRepeatedAndNewGridPointsRun() throws Exception {
    FarmDefinition small = def("grow", "k = [2, 8]", "");
    Outcome first = runToEnd(small, tmp);
    assertThat(first.complete()).isTrue();
    assertThat(first.results()).hasSize(2);
    Outcome again = runToEnd(small, tmp);
    assertThat(again.results()).isEqualTo(first.results());
    EventLog log = EventLog.read(tmp.resolve("grow"));
    assertThat(count(log, FarmEvent.RunStarted.class).values()).containsOnly(1L);
    assertThat(count(log, FarmEvent.RunFinished.class))
        .hasSize(2)
        .allSatisfy((id, c) -> assertThat(c).isEqualTo(1L));

    Outcome grown = runToEnd(def("grow", "k = [2, 8, 16]", ""), tmp);
    assertThat(grown.results()).hasSize(3).containsAll(first.results());
    log = EventLog.read(tmp.resolve("grow"));
    assertThat(count(log, FarmEvent.RunStarted.class))
        .hasSize(3)
        .allSatisfy((id, c) -> assertThat(c).isEqualTo(1L));
    assertThat(log.results()).hasSize(3);
    assertThat(Files.readString(tmp.resolve("grow/farm.conf"))).contains("16");
    // Every finished run's network is saved where results.json says.
    for (RunResult r : grown.results()) {
      assertThat(lipfarm.reporting.NetworkFiles.path(tmp.resolve("grow"), r.runId()))
          .isRegularFile();
    }
  }

  /**
   * Every message of a farm is a serialisable record: with serialize-messages on, each one is
   * serialised and deserialised on every send (as it would be between cluster nodes), and the farm
   * still ends with the same results.
   */
  @Test
  void farmRunsWithEveryMessageSerialized() throws Exception {
    FarmDefinition def = def("serial", "k = [2, 8]", "snapshot-every = 250, ");
    Outcome plain = runToEnd(def, tmp.resolve("plain"));
    Path dir = tmp.resolve("serialized").resolve("serial");
    Files.createDirectories(dir);
    try (FarmRuntime rt =
        runtime(
            dir,
            Durability.of(def),
            RunChildren.real(),
            e -> {},
            com.typesafe.config.ConfigFactory.parseString(
                "pekko.actor.serialize-messages = on\npekko.actor.serialize-creators = off"))) {
      assertThat(rt.open(spec(def, dir)).toCompletableFuture().get(1, TimeUnit.MINUTES).error())
          .isNull();
      FarmManager.Lookup end = rt.awaitEnd("serial").get(3, TimeUnit.MINUTES);
      assertThat(end.status().state()).isEqualTo("finished");
      assertThat(results(rt, "serial")).isEqualTo(plain.results());
    }
    EventLog log = EventLog.read(dir);
    assertThat(log.results()).hasSize(2);
  }

  /**
   * While a run trains, its estimator bounds snapshots of the network: every long run publishes
   * complete estimates of several earlier epochs before the one of its final network, which is the
   * run's result.
   */
  @Test
  void estimatesSnapshotsWhileTraining() throws Exception {
    FarmDefinition def =
        def("snap", "k = [2], n = [40, 60], max-epochs = [4000]", "snapshot-every = 250, ");
    Outcome o = runToEnd(def, tmp);
    EventLog log = EventLog.read(tmp.resolve("snap"));
    for (RunResult r : o.results()) {
      List<FarmEvent.LipschitzEstimate> complete =
          log.events().stream()
              .filter(
                  e ->
                      e instanceof FarmEvent.LipschitzEstimate est
                          && est.complete()
                          && est.runId().equals(r.runId()))
              .map(e -> (FarmEvent.LipschitzEstimate) e)
              .toList();
      assertThat(r.epochs()).isEqualTo(4000);
      List<Integer> before =
          complete.stream()
              .map(FarmEvent.LipschitzEstimate::snapshotEpoch)
              .filter(ep -> ep < r.epochs())
              .toList();
      assertThat(before).as("intermediate snapshots of %s", r.runId()).hasSizeGreaterThan(1);
      assertThat(before).allSatisfy(ep -> assertThat(ep % 250).isZero());
      FarmEvent.LipschitzEstimate last = complete.get(complete.size() - 1);
      assertThat(last.snapshotEpoch()).isEqualTo(r.epochs());
      assertThat(last.lower()).isEqualTo(r.lipLower());
      assertThat(last.upper()).isEqualTo(r.lipUpper());
      // Intermediate sandwiches are certified too: each is a valid pair for its own network.
      complete.forEach(e -> assertThat(e.lower()).isLessThanOrEqualTo(e.upper()));
    }
  }

  /** A definition that drops or changes configurations is refused and writes no event. */
  @Test
  void changedDefinitionIsRefusedWithAClearMessage() throws Exception {
    runToEnd(def("changed", "k = [2, 8]", ""), tmp);
    List<String> before = Files.readAllLines(tmp.resolve("changed/events.ndjson"));
    Outcome refused = run(def("changed", "k = [2, 4]", ""), tmp, RunChildren.real());
    assertThat(refused.refused())
        .contains("different definition")
        .contains("1 of its 2 configurations")
        .contains("--new-farm");
    assertThat(Files.readAllLines(tmp.resolve("changed/events.ndjson"))).isEqualTo(before);
  }

  /** Children whose trainer throws on its Train command for one configuration, every time. */
  static RunChildren throwingFor(String badId) {
    RunChildren real = RunChildren.real();
    return new RunChildren() {
      @Override
      public Behavior<Trainer.Command> trainer(CheckpointStore store, int every) {
        return Behaviors.setup(
            ctx -> {
              ActorRef<Trainer.Command> inner = ctx.spawn(real.trainer(store, every), "real");
              ctx.watch(inner);
              return Behaviors.receive(Trainer.Command.class)
                  .onMessage(
                      Trainer.Train.class,
                      t -> {
                        if (t.config().id().equals(badId)) {
                          throw new IllegalStateException("boom: this configuration always throws");
                        }
                        inner.tell(t);
                        return Behaviors.same();
                      })
                  .onAnyMessage(
                      m -> {
                        inner.tell(m);
                        return Behaviors.same();
                      })
                  .onSignal(Terminated.class, x -> Behaviors.stopped())
                  .build();
            });
      }

      @Override
      public Behavior<Estimator.Command> estimator() {
        return real.estimator();
      }
    };
  }

  /** One configuration always throws: it fails after its retries, every other run succeeds. */
  @Test
  void alwaysThrowingRunFailsAfterItsRetriesAndTheFarmFinishes() throws Exception {
    FarmDefinition def = def("throws", "k = [2, 8, 16]", "");
    List<RunConfig> runs = def.expand();
    String bad = runs.get(1).id();
    Outcome o = run(def, tmp, throwingFor(bad));
    assertThat(o.complete()).isTrue();
    assertThat(o.results()).hasSize(3);
    for (RunResult r : o.results()) {
      if (r.runId().equals(bad)) {
        assertThat(r.outcome()).isEqualTo("failed");
        assertThat(r.error()).contains("stopped unexpectedly").contains("final after 3 attempts");
      } else {
        assertThat(r.outcome()).isIn("converged", "did-not-interpolate");
        assertThat(r.lipLower()).isPositive();
      }
    }
    EventLog log = EventLog.read(tmp.resolve("throws"));
    assertThat(count(log, FarmEvent.RunStarted.class).get(bad))
        .as("1 attempt + 2 retries")
        .isEqualTo(3L);
    assertThat(count(log, FarmEvent.RunFinished.class).get(bad)).isEqualTo(1L);
    FarmEvent.FarmFinished end = (FarmEvent.FarmFinished) log.events().get(log.events().size() - 1);
    assertThat(end.runsFailed()).isEqualTo(1);
    assertThat(end.runsFinished()).isEqualTo(3);
  }

  /**
   * A graceful stop checkpoints the runs in flight and writes a partial report; the resumed farm
   * ends with exactly the results of an uninterrupted one.
   */
  @Test
  void gracefulStopCheckpointsAndResumesBitIdentically() throws Exception {
    String grid = "k = [2], n = [100, 200], max-epochs = [40000]";
    Outcome straight = runToEnd(def("stop", grid, ""), tmp.resolve("a"));

    List<FarmEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    FarmDefinition def = def("stop", grid, "");
    Path dir = tmp.resolve("b").resolve("stop");
    Files.createDirectories(dir);
    FarmRuntime running = runtime(dir, Durability.of(def), RunChildren.real(), seen::add);
    running.open(spec(def, dir)).toCompletableFuture().get(1, TimeUnit.MINUTES);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (seen.stream()
                .filter(e -> e instanceof FarmEvent.TrainingProgress p && p.epoch() >= 1000)
                .count()
            < 2
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    running.stopFarms().toCompletableFuture().get(1, TimeUnit.MINUTES);
    List<RunResult> partial = results(running, "stop");
    running.close();
    assertThat(partial).hasSizeLessThan(2);
    assertThat(new CheckpointStore(dir.resolve("checkpoints")).load(def.expand().get(1).id()))
        .isPresent();

    Outcome resumed = runToEnd(def, tmp.resolve("b"));
    assertThat(resumed.complete()).isTrue();
    assertThat(resumed.results()).isEqualTo(straight.results());
    assertThat(resumed.results()).allSatisfy(r -> assertThat(r.epochs()).isGreaterThan(1000));
  }
}
