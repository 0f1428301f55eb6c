package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent.Converged;
import lipfarm.protocol.FarmEvent.DidNotInterpolate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The trainer actor with the real ND4J trainer. */
class TrainerTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  private static RunConfig config(String defaults) {
    return FarmDefinition.parse("farm { defaults { " + defaults + " } }").expand().get(0);
  }

  private static Trainer.Reply last(TestProbe<Trainer.Reply> probe) {
    while (true) {
      Trainer.Reply r = probe.receiveMessage(Duration.ofSeconds(60));
      if (!(r instanceof Trainer.Progressed)) {
        return r;
      }
    }
  }

  /**
   * Progress streams while training; a free net interpolates, the same net under a tight weight
   * bound does not.
   */
  @Test
  void weightBoundDecidesInterpolation() {
    String base = "n = 100, d = 20, k = 20, max-epochs = 3000, tol = 0.01";
    TestProbe<Trainer.Reply> free = testKit.createTestProbe();
    testKit.spawn(Trainer.create()).tell(new Trainer.Train(config(base), free.ref()));
    Trainer.Reply r = last(free);
    assertThat(r).isInstanceOf(Trainer.Ended.class);
    assertThat(((Trainer.Ended) r).outcome()).isInstanceOf(Converged.class);
    assertThat(((Trainer.Ended) r).outcome().maxError()).isLessThanOrEqualTo(0.01);

    // α·β·k = 0.2 is far below √n = 10: the class cannot fit ±1 labels.
    TestProbe<Trainer.Reply> bounded = testKit.createTestProbe();
    testKit
        .spawn(Trainer.create())
        .tell(
            new Trainer.Train(
                config(base + ", weight-bound = per-neuron, bound-alpha = 0.1, bound-beta = 0.1"),
                bounded.ref()));
    Trainer.Reply first = bounded.receiveMessage(Duration.ofSeconds(60));
    assertThat(first).isInstanceOf(Trainer.Progressed.class);
    assertThat(((Trainer.Progressed) first).progress().constraint())
        .isLessThanOrEqualTo(0.1 * (1 + 1e-6));
    Trainer.Reply end = last(bounded);
    assertThat(end).isInstanceOf(Trainer.Ended.class);
    DidNotInterpolate dni = (DidNotInterpolate) ((Trainer.Ended) end).outcome();
    assertThat(dni.epochs()).isEqualTo(3000);
    assertThat(dni.maxError()).isGreaterThan(0.5);
    assertThat(((Trainer.Ended) end).weights()).isNotNull();
  }

  /** An unreadable data file fails the run with the reason instead of crashing anything. */
  @Test
  void badDataFailsWithReason() {
    RunConfig rc =
        new RunConfig("csv", "random", 10, 0, 3, 2, "relu", true, "adam", 0.01, 10, 0.01, 1, 100);
    TestProbe<Trainer.Reply> probe = testKit.createTestProbe();
    testKit.spawn(Trainer.create()).tell(new Trainer.Train(rc, probe.ref()));
    Trainer.Failed f = probe.expectMessageClass(Trainer.Failed.class, Duration.ofSeconds(30));
    assertThat(f.runId()).isEqualTo(rc.id());
    assertThat(f.reason()).contains("file");
  }

  /**
   * Restarts trained as one computation: restart 0 follows the unbatched run, so the first of three
   * restarts to fit does so no later than the run without restarts (rounding aside).
   */
  @Test
  void batchedRestartsFitNoLaterThanOneRun() {
    String base = "n = 100, d = 20, k = 20, max-epochs = 3000, tol = 0.01";
    TestProbe<Trainer.Reply> one = testKit.createTestProbe();
    testKit.spawn(Trainer.create()).tell(new Trainer.Train(config(base), one.ref()));
    Trainer.Ended single = (Trainer.Ended) last(one);
    TestProbe<Trainer.Reply> three = testKit.createTestProbe();
    RunConfig rc = config(base + ", restarts = 3");
    testKit.spawn(Trainer.create()).tell(new Trainer.Train(rc, three.ref()));
    Trainer.Ended batched = (Trainer.Ended) last(three);
    assertThat(single.outcome()).isInstanceOf(Converged.class);
    assertThat(batched.outcome()).isInstanceOf(Converged.class);
    assertThat(batched.outcome().epochs()).isLessThanOrEqualTo(single.outcome().epochs() + 2);
    assertThat(batched.outcome().maxError()).isLessThanOrEqualTo(0.01);
    assertThat(batched.weights().layers().get(0).rows()).isEqualTo(20);
    assertThat(rc.restartSeed(0)).isEqualTo(rc.initSeed());
    assertThat(rc.restartSeed(1)).isNotEqualTo(rc.initSeed());
  }
}
