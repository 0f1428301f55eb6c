package lipfarm.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import lipfarm.cli.Main;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.farm.Estimator;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.NetworkSnapshot;
import lipfarm.protocol.RunResult;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saved networks: the reporter writes a finished run's network, results.json lists it, its doubles
 * read back bit for bit, and {@code lipfarm estimate} on the file gives the certified bounds the
 * farm's estimator computed for that run.
 */
class NetworkRoundTripTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path tmp;

  @AfterAll
  static void cleanup() {
    testKit.shutdownTestKit();
  }

  /** A seeded random d → k → 1 network with biases. */
  private static NetworkSnapshot network(String activation, int d, int k, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] w1 = rng.doubles(k * d, -1, 1).toArray();
    double[] b1 = rng.doubles(k, -0.5, 0.5).toArray();
    double[] w2 = rng.doubles(k, -1, 1).toArray();
    return new NetworkSnapshot(
        activation,
        List.of(
            new NetworkSnapshot.Layer(k, d, w1, b1),
            new NetworkSnapshot.Layer(1, k, w2, new double[] {0.1})));
  }

  /** The farm's estimator on this network: its final (complete) estimate. */
  private static LipschitzEstimate farmEstimate(RunConfig c, NetworkSnapshot net) {
    TestProbe<Estimator.Reply> probe = testKit.createTestProbe();
    var estimator = testKit.spawn(Estimator.create());
    estimator.tell(new Estimator.Estimate(c, net, 300, probe.ref()));
    while (true) {
      LipschitzEstimate e =
          ((Estimator.Estimated) probe.receiveMessage(Duration.ofSeconds(120))).estimate();
      if (e.complete()) {
        testKit.stop(estimator);
        return e;
      }
    }
  }

  private static JsonNode estimateCli(String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void estimateOnASavedNetworkGivesTheRunsCertifiedBounds() throws Exception {
    RunConfig c =
        FarmDefinition.parse(
                "farm { defaults { n = 40, d = 10, k = 32, activation = tanh, estimator-budget = 6000,"
                    + " seed = 3 } }")
            .expand()
            .get(0);
    // tanh: no exact method closes the gap, so the bounds depend on every step of the procedure.
    NetworkSnapshot net = network("tanh", 10, 32, 11);
    LipschitzEstimate est = farmEstimate(c, net);
    RunResult result =
        new RunResult(
            c.id(),
            c,
            "converged",
            300,
            1e-4,
            0.009,
            1.0,
            est.lower(),
            est.lowerMethod(),
            est.upper(),
            est.upperMethod(),
            est.evaluations(),
            est.bounds(),
            est.measures(),
            null);

    // The run's supervisor saves the network before its result is persisted (RunSupervisor).
    NetworkFiles.write(tmp, c, net);
    TestProbe<Reporter.Written> done = testKit.createTestProbe();
    var reporter =
        testKit.spawn(
            Reporter.create(
                "saved",
                tmp,
                new FarmMetrics(new SimpleMeterRegistry(), "saved"),
                e -> {},
                done.ref(),
                null,
                null));
    reporter.tell(new Reporter.Publish(new FarmStarted("saved", 1, 1)));
    reporter.tell(new Reporter.Publish(new RunFinished(c.id(), result)));
    reporter.tell(new Reporter.Publish(new FarmFinished("saved", 1, 0, 10)));
    done.receiveMessage(Duration.ofSeconds(60));

    Path file = tmp.resolve("networks").resolve(c.id() + ".json");
    assertThat(file).isRegularFile();
    try (Stream<Path> s = Files.list(tmp.resolve("networks"))) {
      assertThat(s).containsExactly(file); // no temporary file left behind
    }
    NetworkFiles.Saved saved = NetworkFiles.read(file);
    assertThat(saved.network()).isEqualTo(net); // every double, bit for bit
    assertThat(saved.config()).isEqualTo(c);
    JsonNode run =
        new ObjectMapper().readTree(tmp.resolve("results.json").toFile()).get("runs").get(0);
    assertThat(run.get("network").asText()).isEqualTo("networks/" + c.id() + ".json");
    // The event log stays as before: the network is not part of the event's JSON.
    assertThat(Files.readString(tmp.resolve("events.ndjson"))).doesNotContain("\"network\"");

    // The file's own seed and budget are the run's; giving them explicitly is the same.
    for (JsonNode out :
        List.of(
            estimateCli("estimate", "--json", file.toString()),
            estimateCli(
                "estimate",
                "--json",
                "--budget",
                Long.toString(c.estimatorBudget()),
                "--seed",
                Long.toString(c.estimatorSeed()),
                file.toString()))) {
      assertThat(out.get("lower_local").asDouble()).isEqualTo(est.lower());
      assertThat(out.get("lower_local_method").asText()).isEqualTo(est.lowerMethod());
      assertThat(out.get("upper").asDouble()).isEqualTo(est.upper());
      assertThat(out.get("upper_method").asText()).isEqualTo(est.upperMethod());
      assertThat(out.get("evaluations").asLong()).isEqualTo(est.evaluations());
    }
  }

  /** Awkward doubles, a bias-free layer and a parametrised activation survive the file exactly. */
  @Test
  void everyDoubleRoundTripsExactly() throws Exception {
    RunConfig c =
        FarmDefinition.parse("farm { defaults { d = 2, k = 3, activation = leaky-relu } }")
            .expand()
            .get(0);
    double[] awkward = {
      0.1 + 0.2, -0.0, Double.MIN_VALUE, 1e308, -Math.PI, 1.0 / 3, Math.nextUp(1.0)
    };
    List<NetworkSnapshot.Layer> layers = new ArrayList<>();
    layers.add(
        new NetworkSnapshot.Layer(
            3,
            2,
            new double[] {awkward[0], awkward[1], awkward[2], awkward[3], awkward[4], awkward[5]},
            null));
    layers.add(
        new NetworkSnapshot.Layer(1, 3, new double[] {awkward[6], 2, 3}, new double[] {-1e-310}));
    NetworkSnapshot net = new NetworkSnapshot("leaky-relu:0.01", layers);
    Path file = NetworkFiles.write(tmp, c, net);
    NetworkFiles.Saved back = NetworkFiles.read(file);
    assertThat(back.network()).isEqualTo(net);
    assertThat(back.network().layers().get(0).weights()[1]).isEqualTo(-0.0); // sign kept
    assertThat(Double.doubleToRawLongBits(back.network().layers().get(0).weights()[1]))
        .isEqualTo(Double.doubleToRawLongBits(-0.0));
    assertThat(back.network().layers().get(0).bias()).isNull();
    assertThat(back.network().activation()).isEqualTo("leaky-relu:0.01");
    // Written again (a retried run): replaced whole.
    NetworkFiles.write(tmp, c, net);
    assertThat(NetworkFiles.read(file).network()).isEqualTo(net);
  }
}
