package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.Converged;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.NetworkSnapshot;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The coordinator's scheduling, tested with probes standing in for trainers and estimators. */
class CoordinatorTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  /** Children that forward every command to the probes. */
  private static RunChildren probes(
      TestProbe<Trainer.Command> trainers, TestProbe<Estimator.Command> estimators) {
    return new RunChildren() {
      @Override
      public Behavior<Trainer.Command> trainer(CheckpointStore checkpoints, int every) {
        return forward(trainers);
      }

      @Override
      public Behavior<Estimator.Command> estimator() {
        return forward(estimators);
      }
    };
  }

  private static <T> Behavior<T> forward(TestProbe<T> probe) {
    return Behaviors.receiveMessage(
        m -> {
          probe.ref().tell(m);
          return Behaviors.same();
        });
  }

  private static List<RunConfig> grid(String grid) {
    return FarmDefinition.parse("farm { defaults { d = 4 }\n grid { " + grid + " } }").expand();
  }

  private static NetworkSnapshot tinyNet() {
    return new NetworkSnapshot(
        "relu", List.of(new NetworkSnapshot.Layer(1, 4, new double[] {1, 0, 0, 0}, null)));
  }

  private static LipschitzEstimate finalEstimate(String runId) {
    return new LipschitzEstimate(
        runId, 10, 1.0, "grad@data", 1.0, "spectral-product", 100, 1, true, List.of(), null);
  }

  /** Drives one run to completion through its probes' replyTo refs. */
  private static void complete(Trainer.Train train, TestProbe<Estimator.Command> estimators) {
    String id = train.config().id();
    train
        .replyTo()
        .tell(new Trainer.Ended(new Converged(id, 10, 0.0, 0.0, 1.0, 1.0, 1.0), tinyNet()));
    Estimator.Estimate est = estimators.expectMessageClass(Estimator.Estimate.class);
    assertThat(est.config().id()).isEqualTo(id);
    est.replyTo().tell(new Estimator.Estimated(finalEstimate(id)));
  }

  /**
   * A journal that acknowledges every command at once and tells {@code events} each published fact,
   * in order (the coordinator's only outlet).
   */
  static ActorRef<FarmJournal.Command> journal(TestProbe<FarmEvent> events) {
    return testKit.spawn(
        Behaviors.receiveMessage(
            (FarmJournal.Command c) -> {
              if (c instanceof FarmJournal.Publish p) {
                events.ref().tell(p.event());
                if (p.replyTo() != null) {
                  p.replyTo().tell(new FarmJournal.Recorded(p.event().runId(), 0, 0));
                }
              } else if (c instanceof FarmJournal.RecordFailure f) {
                f.replyTo().tell(new FarmJournal.Recorded(f.runId(), 1, 0));
              }
              return Behaviors.same();
            }));
  }

  static Behavior<Coordinator.Command> coordinator(
      List<RunConfig> runs, int max, RunChildren children, TestProbe<FarmEvent> events) {
    return Coordinator.create(
        "t",
        new FarmState(runs, java.util.Map.of(), java.util.Map.of(), 0, null),
        max,
        children,
        null,
        new RunPolicy(0, 10, 0, 0, 0, 0, 0.1),
        journal(events));
  }

  private static List<FarmEvent> drainEvents(TestProbe<FarmEvent> reporter, Class<?> until) {
    List<FarmEvent> events = new ArrayList<>();
    while (true) {
      FarmEvent e = reporter.receiveMessage();
      events.add(e);
      if (until.isInstance(e)) {
        return events;
      }
    }
  }

  /** One trainer and one estimator per configuration; never more than the limit at once. */
  @Test
  void respectsConcurrencyLimitAndSpawnsOnePairPerRun() {
    List<RunConfig> runs = grid("n = [10, 20, 30, 40, 50]");
    TestProbe<Trainer.Command> trainers = testKit.createTestProbe();
    TestProbe<Estimator.Command> estimators = testKit.createTestProbe();
    TestProbe<FarmEvent> reporter = testKit.createTestProbe();
    testKit.spawn(coordinator(runs, 2, probes(trainers, estimators), reporter));

    Set<String> trained = new HashSet<>();
    List<Trainer.Train> inFlight = new ArrayList<>();
    inFlight.add(trainers.expectMessageClass(Trainer.Train.class));
    inFlight.add(trainers.expectMessageClass(Trainer.Train.class));
    trainers.expectNoMessage(Duration.ofMillis(200)); // the limit holds
    while (!inFlight.isEmpty()) {
      Trainer.Train t = inFlight.remove(0);
      assertThat(trained.add(t.config().id())).as("id trained twice").isTrue();
      complete(t, estimators);
      if (trained.size() + inFlight.size() < runs.size()) {
        inFlight.add(trainers.expectMessageClass(Trainer.Train.class));
      }
      assertThat(inFlight.size()).isLessThanOrEqualTo(2);
    }
    trainers.expectNoMessage(Duration.ofMillis(100));
    assertThat(trained).hasSize(5);

    List<FarmEvent> events = drainEvents(reporter, FarmFinished.class);
    assertThat(events.get(0)).isInstanceOf(FarmEvent.FarmStarted.class);
    assertThat(events.stream().filter(e -> e instanceof RunFinished)).hasSize(5);
    FarmFinished done = (FarmFinished) events.get(events.size() - 1);
    assertThat(done.runsFinished()).isEqualTo(5);
    assertThat(done.runsFailed()).isZero();
  }

  /** Duplicate configurations in the input are run once. */
  @Test
  void neverRunsAnIdTwice() {
    List<RunConfig> once = grid("n = [10, 20]");
    List<RunConfig> runs = new ArrayList<>(once);
    runs.addAll(once);
    TestProbe<Trainer.Command> trainers = testKit.createTestProbe();
    TestProbe<Estimator.Command> estimators = testKit.createTestProbe();
    TestProbe<FarmEvent> reporter = testKit.createTestProbe();
    testKit.spawn(coordinator(runs, 4, probes(trainers, estimators), reporter));
    Trainer.Train a = trainers.expectMessageClass(Trainer.Train.class);
    Trainer.Train b = trainers.expectMessageClass(Trainer.Train.class);
    trainers.expectNoMessage(Duration.ofMillis(200));
    assertThat(a.config().id()).isNotEqualTo(b.config().id());
    FarmEvent.FarmStarted started = (FarmEvent.FarmStarted) reporter.receiveMessage();
    assertThat(started.totalRuns()).isEqualTo(2);
  }

  /** A child that stops without reporting fails its run; the other runs go on. */
  @Test
  void failedChildFailsOnlyItsRun() {
    List<RunConfig> runs = grid("n = [10, 20]");
    TestProbe<Estimator.Command> estimators = testKit.createTestProbe();
    TestProbe<Trainer.Command> trainers = testKit.createTestProbe();
    RunChildren children =
        new RunChildren() {
          @Override
          public Behavior<Trainer.Command> trainer(CheckpointStore checkpoints, int every) {
            return Behaviors.receiveMessage(
                m -> {
                  if (m instanceof Trainer.Train t && t.config().n() == 10) {
                    throw new IllegalStateException("boom (expected by the test)");
                  }
                  trainers.ref().tell(m);
                  return Behaviors.same();
                });
          }

          @Override
          public Behavior<Estimator.Command> estimator() {
            return forward(estimators);
          }
        };
    TestProbe<FarmEvent> reporter = testKit.createTestProbe();
    testKit.spawn(coordinator(runs, 2, children, reporter));
    complete(trainers.expectMessageClass(Trainer.Train.class), estimators);
    List<FarmEvent> events = drainEvents(reporter, FarmFinished.class);
    List<RunFinished> finished =
        events.stream().filter(e -> e instanceof RunFinished).map(e -> (RunFinished) e).toList();
    assertThat(finished).hasSize(2);
    assertThat(finished)
        .anySatisfy(
            f -> {
              assertThat(f.result().outcome()).isEqualTo("failed");
              assertThat(f.result().config().n()).isEqualTo(10);
              assertThat(f.result().error()).contains("trainer");
            });
    assertThat(finished).anySatisfy(f -> assertThat(f.result().outcome()).isEqualTo("converged"));
    assertThat(((FarmFinished) events.get(events.size() - 1)).runsFailed()).isEqualTo(1);
  }
}
