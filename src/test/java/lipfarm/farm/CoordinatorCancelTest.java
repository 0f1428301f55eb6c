package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.Converged;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.NetworkSnapshot;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** {@link Coordinator.Cancel}: active runs stop, pending ones never start, finished ones stay. */
class CoordinatorCancelTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  /** A child that forwards its commands and reports its own stop. */
  private static <T> Behavior<T> forward(
      TestProbe<T> probe, TestProbe<String> stopped, String role) {
    return BehaviorBuilder.<T>create()
        .onAnyMessage(
            m -> {
              probe.ref().tell(m);
              return Behaviors.same();
            })
        .onSignal(
            PostStop.class,
            sig -> {
              stopped.ref().tell(role);
              return Behaviors.same();
            })
        .build();
  }

  @Test
  void cancelStopsActiveRunsAndEndsTheFarm() {
    List<RunConfig> runs =
        FarmDefinition.parse("farm { defaults { d = 4 }\n grid { n = [10, 20, 30, 40, 50] } }")
            .expand();
    TestProbe<Trainer.Command> trainers = testKit.createTestProbe();
    TestProbe<Estimator.Command> estimators = testKit.createTestProbe();
    TestProbe<String> stopped = testKit.createTestProbe();
    TestProbe<FarmEvent> reporter = testKit.createTestProbe();
    RunChildren children =
        new RunChildren() {
          @Override
          public Behavior<Trainer.Command> trainer(CheckpointStore checkpoints, int every) {
            return forward(trainers, stopped, "trainer");
          }

          @Override
          public Behavior<Estimator.Command> estimator() {
            return forward(estimators, stopped, "estimator");
          }
        };
    ActorRef<Coordinator.Command> coordinator =
        testKit.spawn(CoordinatorTest.coordinator(runs, 2, children, reporter));
    Trainer.Train first = trainers.expectMessageClass(Trainer.Train.class);
    trainers.expectMessageClass(Trainer.Train.class);
    // Finish the first run, so one result exists before the cancel.
    String id = first.config().id();
    first
        .replyTo()
        .tell(
            new Trainer.Ended(
                new Converged(id, 10, 0.0, 0.0, 1.0, 1.0, 1.0),
                new NetworkSnapshot(
                    "relu",
                    List.of(new NetworkSnapshot.Layer(1, 4, new double[] {1, 0, 0, 0}, null)))));
    Estimator.Estimate est = estimators.expectMessageClass(Estimator.Estimate.class);
    est.replyTo()
        .tell(
            new Estimator.Estimated(
                new LipschitzEstimate(
                    id,
                    10,
                    1.0,
                    "grad@data",
                    1.0,
                    "spectral-product",
                    100,
                    1,
                    true,
                    List.of(),
                    null)));
    Trainer.Train third = trainers.expectMessageClass(Trainer.Train.class);
    // The first run's children were stopped when it finished.
    assertThat(List.of(stopped.receiveMessage(), stopped.receiveMessage()))
        .containsExactlyInAnyOrder("trainer", "estimator");

    coordinator.tell(Coordinator.Cancel.INSTANCE);
    List<String> roles = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      roles.add(stopped.receiveMessage());
    }
    assertThat(roles).containsExactlyInAnyOrder("trainer", "trainer", "estimator", "estimator");
    List<FarmEvent> events = new ArrayList<>();
    FarmEvent e;
    do {
      e = reporter.receiveMessage();
      events.add(e);
    } while (!(e instanceof FarmCancelled));
    FarmCancelled c = (FarmCancelled) e;
    assertThat(c.runsFinished()).isEqualTo(1);
    assertThat(c.runsFailed()).isZero();
    assertThat(c.runsCancelled()).isEqualTo(4); // two active, two pending
    assertThat(events.stream().filter(x -> x instanceof RunFinished)).hasSize(1);
    // Late replies of a cancelled run are ignored: nothing more is published, nothing starts.
    third
        .replyTo()
        .tell(
            new Trainer.Ended(
                new Converged(third.config().id(), 10, 0.0, 0.0, 1.0, 1.0, 1.0), null));
    testKit.createTestProbe().expectTerminated(coordinator, Duration.ofSeconds(3));
    reporter.expectNoMessage(Duration.ofMillis(200));
    trainers.expectNoMessage(Duration.ofMillis(100));
  }
}
