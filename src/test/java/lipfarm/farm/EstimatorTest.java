package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.MeasuredBound;
import lipfarm.protocol.NetworkSnapshot;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class EstimatorTest {
  private static final ActorTestKit KIT = ActorTestKit.create();

  /** Generous per-reply wait: the machine is shared. */
  private static final Duration WAIT = Duration.ofSeconds(30);

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private static RunConfig config(String activation, int budget) {
    return new RunConfig(
        "sphere", "random", 40, 6, 12, 2, activation, true, "adam", 0.01, 100, 0.1, 1, budget);
  }

  private static NetworkSnapshot net(String activation, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] w = new double[12 * 6];
    double[] b = new double[12];
    double[] a = new double[12];
    for (int i = 0; i < w.length; i++) {
      w[i] = rng.nextGaussian() / Math.sqrt(6);
    }
    for (int j = 0; j < 12; j++) {
      b[j] = 0.3 * rng.nextGaussian();
      a[j] = rng.nextGaussian() / Math.sqrt(12);
    }
    return new NetworkSnapshot(
        activation,
        List.of(
            new NetworkSnapshot.Layer(12, 6, w, b),
            new NetworkSnapshot.Layer(1, 12, a, new double[] {0.1})));
  }

  private static List<LipschitzEstimate> untilComplete(TestProbe<Estimator.Reply> probe) {
    List<LipschitzEstimate> out = new ArrayList<>();
    while (true) {
      Estimator.Reply r = probe.receiveMessage(WAIT);
      assertThat(r).isInstanceOf(Estimator.Estimated.class);
      LipschitzEstimate e = ((Estimator.Estimated) r).estimate();
      out.add(e);
      if (e.complete()) {
        return out;
      }
    }
  }

  private static MeasuredBound entry(LipschitzEstimate e, String method) {
    return e.bounds().stream().filter(b -> b.method().equals(method)).findFirst().orElseThrow();
  }

  @Test
  void streamIsMonotoneAndStopsOnItsBudget() {
    TestProbe<Estimator.Reply> probe = KIT.createTestProbe();
    ActorRef<Estimator.Command> est = KIT.spawn(Estimator.create());
    int budget = 9000;
    est.tell(new Estimator.Estimate(config("relu", budget), net("relu", 1), 7, probe.getRef()));
    List<LipschitzEstimate> stream = untilComplete(probe);
    assertThat(stream.size()).isGreaterThan(2);
    for (int i = 1; i < stream.size(); i++) {
      LipschitzEstimate prev = stream.get(i - 1);
      LipschitzEstimate e = stream.get(i);
      assertThat(e.lower()).isGreaterThanOrEqualTo(prev.lower());
      assertThat(e.upper()).isLessThanOrEqualTo(prev.upper());
      assertThat(e.evaluations()).isGreaterThanOrEqualTo(prev.evaluations());
      assertThat(e.elapsedMillis()).isGreaterThanOrEqualTo(prev.elapsedMillis());
      assertThat(e.snapshotEpoch()).isEqualTo(7);
    }
    LipschitzEstimate last = stream.get(stream.size() - 1);
    assertThat(last.lower()).isPositive().isLessThanOrEqualTo(last.upper());
    // Stopped on its budget (+ the final region-hopping polish), or on a closed gap.
    double gap = (last.upper() - last.lower()) / last.upper();
    assertThat(last.evaluations() >= budget || gap <= Estimator.RELATIVE_GAP_TARGET).isTrue();
    assertThat(last.evaluations()).isLessThanOrEqualTo(budget + 100);
    assertThat(stream.subList(0, stream.size() - 1)).allMatch(e -> !e.complete());
    assertThat(last.measures()).isNotNull();
    assertThat(entry(last, "lower-local").value()).isEqualTo(last.lower());
    assertThat(entry(last, "upper-global").value()).isEqualTo(last.upper());
    assertThat(entry(last, "lower-global").value()).isGreaterThanOrEqualTo(last.lower());
    assertThat(entry(last, "clever@ball").kind()).isEqualTo("ESTIMATE");
    assertThat(last.bounds()).noneMatch(b -> b.kind().equals("ESTIMATOR_ERROR"));
    probe.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void lowerModeAnswersOnceWithTheClosedFormUpperBoundsOnly() {
    RunConfig c =
        FarmDefinition.parse(
                "farm { name = t, defaults { n = 40, d = 6, k = 12, tol = 0.1, max-epochs = 100,"
                    + " estimator = lower, estimator-budget = 9000 } }")
            .expand()
            .get(0);
    TestProbe<Estimator.Reply> probe = KIT.createTestProbe();
    ActorRef<Estimator.Command> est = KIT.spawn(Estimator.create());
    est.tell(new Estimator.Estimate(c, net("relu", 1), 7, probe.getRef()));
    List<LipschitzEstimate> stream = untilComplete(probe);
    assertThat(stream).hasSize(1);
    LipschitzEstimate last = stream.get(0);
    assertThat(last.lower()).isPositive().isLessThanOrEqualTo(last.upper());
    assertThat(last.evaluations()).isLessThanOrEqualTo(9000);
    assertThat(last.measures()).isNotNull();
    assertThat(entry(last, "lower-local").value()).isEqualTo(last.lower());
    assertThat(entry(last, "upper-global").value()).isEqualTo(last.upper());
    assertThat(last.bounds())
        .extracting(MeasuredBound::method)
        .doesNotContain("clever@ball", "lipsdp-neuron", "eclipse-fast", "screen@sphere")
        .contains("spectral-product", "path-norm", "grad@data", "ascent");
    assertThat(last.bounds()).noneMatch(b -> b.kind().equals("ESTIMATOR_ERROR"));
    probe.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void affineNetClosesTheGapAtOnce() {
    TestProbe<Estimator.Reply> probe = KIT.createTestProbe();
    ActorRef<Estimator.Command> est = KIT.spawn(Estimator.create());
    est.tell(new Estimator.Estimate(config("linear", 50_000), net("linear", 2), 1, probe.getRef()));
    List<LipschitzEstimate> stream = untilComplete(probe);
    LipschitzEstimate last = stream.get(stream.size() - 1);
    assertThat(stream).hasSize(1);
    assertThat((last.upper() - last.lower()) / last.upper())
        .isLessThanOrEqualTo(Estimator.RELATIVE_GAP_TARGET);
    assertThat(last.evaluations()).isLessThan(50_000);
  }

  @Test
  void newWeightsPreemptTheOldOnes() {
    TestProbe<Estimator.Reply> probe = KIT.createTestProbe();
    ActorRef<Estimator.Command> est = KIT.spawn(Estimator.create());
    est.tell(new Estimator.Estimate(config("tanh", 400_000), net("tanh", 3), 1, probe.getRef()));
    est.tell(new Estimator.Estimate(config("tanh", 6000), net("tanh", 4), 2, probe.getRef()));
    List<LipschitzEstimate> stream = untilComplete(probe);
    // At most one reply for the old weights (if it was refined before the new ones arrived),
    // none after the first reply for the new ones; only the new weights complete.
    int firstNew = 0;
    while (stream.get(firstNew).snapshotEpoch() == 1) {
      firstNew++;
    }
    assertThat(firstNew).isLessThanOrEqualTo(1);
    assertThat(stream.subList(firstNew, stream.size())).allMatch(e -> e.snapshotEpoch() == 2);
    assertThat(stream.get(stream.size() - 1).evaluations()).isLessThanOrEqualTo(6100);
    probe.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void stopEndsTheActor() {
    TestProbe<Estimator.Reply> probe = KIT.createTestProbe();
    ActorRef<Estimator.Command> est = KIT.spawn(Estimator.create());
    est.tell(Estimator.Stop.INSTANCE);
    probe.expectTerminated(est, WAIT);
  }
}
