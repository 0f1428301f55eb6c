package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent.Converged;
import lipfarm.protocol.NetworkSnapshot;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer actor's min-lipschitz phase: its replies, and a stop in the middle of it. */
class TrainerObjectiveTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path tmp;

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  static final RunConfig CONFIG =
      FarmDefinition.parse(
              "farm { defaults { n = 40, d = 10, k = 20, max-epochs = 1000, tol = 0.05,"
                  + " objective = min-lipschitz } }")
          .expand()
          .get(0);

  /** Every reply of one trainer's run, up to its end. */
  record Run(
      Trainer.ObjectiveStarted started,
      Trainer.ObjectiveEnded objective,
      Trainer.Ended ended,
      boolean resumed) {}

  static Run collect(TestProbe<Trainer.Reply> probe) {
    Trainer.ObjectiveStarted started = null;
    Trainer.ObjectiveEnded objective = null;
    boolean resumed = false;
    while (true) {
      Trainer.Reply r = probe.receiveMessage(Duration.ofSeconds(60));
      if (r instanceof Trainer.ObjectiveStarted s) {
        started = s;
      } else if (r instanceof Trainer.ObjectiveEnded o) {
        objective = o;
      } else if (r instanceof Trainer.Resumed) {
        resumed = true;
      } else if (r instanceof Trainer.Ended e) {
        return new Run(started, objective, e, resumed);
      } else if (r instanceof Trainer.Failed f) {
        throw new AssertionError("trainer failed: " + f.reason());
      }
    }
  }

  static ActorRef<Trainer.Command> trainer(CheckpointStore store) {
    return testKit.spawn(Trainer.create(store, 0, Faults.none()));
  }

  @Test
  void objectiveRunsAfterTheFitAndResumesFromIt() {
    TestProbe<Trainer.Reply> probe = testKit.createTestProbe();
    trainer(new CheckpointStore(tmp.resolve("a"))).tell(new Trainer.Train(CONFIG, probe.ref()));
    Run plain = collect(probe);
    assertThat(plain.started()).isNotNull();
    assertThat(plain.objective()).isNotNull();
    Converged start = plain.started().start();
    assertThat(start.maxError()).isLessThanOrEqualTo(CONFIG.tol());
    Converged end = (Converged) plain.ended().outcome();
    assertThat(end.maxError()).isLessThanOrEqualTo(CONFIG.tol());
    assertThat(end.epochs()).isEqualTo(start.epochs() + plain.objective().steps());
    assertThat(plain.objective().startEpoch()).isEqualTo(start.epochs());
    assertThat(plain.objective().endBound()).isLessThan(plain.objective().startBound());
    assertThat(plain.objective().boundMethod())
        .isEqualTo("min(lipsdp-neuron, path-norm, spectral-product)");
    assertThat(plain.objective().path()).isNotEmpty().hasSizeLessThanOrEqualTo(64);

    // Stopped in the middle of the objective: the next trainer resumes from the fit's checkpoint
    // and ends bit-identically.
    CheckpointStore store = new CheckpointStore(tmp.resolve("b"));
    TestProbe<Trainer.Reply> first = testKit.createTestProbe();
    ActorRef<Trainer.Command> t = trainer(store);
    t.tell(new Trainer.Train(CONFIG, first.ref()));
    first.expectMessageClass(Trainer.ObjectiveStarted.class, Duration.ofSeconds(60));
    // The next reply after the objective started is a progress of its first chunk.
    assertThat(first.receiveMessage(Duration.ofSeconds(60))).isInstanceOf(Trainer.Progressed.class);
    t.tell(Trainer.Stop.INSTANCE);
    first.expectTerminated(t, Duration.ofSeconds(30));
    TestProbe<Trainer.Reply> second = testKit.createTestProbe();
    trainer(store).tell(new Trainer.Train(CONFIG, second.ref()));
    Run resumed = collect(second);
    assertThat(resumed.resumed()).isTrue();
    assertThat(resumed.started().start()).isEqualTo(start);
    assertThat(resumed.objective()).isEqualTo(plain.objective());
    assertThat(resumed.ended().outcome()).isEqualTo(plain.ended().outcome());
    assertSameWeights(resumed.ended().weights(), plain.ended().weights());
  }

  static void assertSameWeights(NetworkSnapshot a, NetworkSnapshot b) {
    assertThat(a.layers()).hasSameSizeAs(b.layers());
    for (int l = 0; l < a.layers().size(); l++) {
      assertThat(a.layers().get(l).weights()).isEqualTo(b.layers().get(l).weights());
      assertThat(a.layers().get(l).bias()).isEqualTo(b.layers().get(l).bias());
    }
  }
}
