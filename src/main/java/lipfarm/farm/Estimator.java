package lipfarm.farm;

import java.util.ArrayList;
import java.util.List;
import lipfarm.bounds.NetworkNorms;
import lipfarm.config.RunConfig;
import lipfarm.data.DataSets;
import lipfarm.data.Dataset;
import lipfarm.estimation.Bound;
import lipfarm.estimation.LipschitzSandwich;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.MeasuredBound;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.LipfarmSerializable;
import lipfarm.protocol.NetworkSnapshot;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Streams an anytime Lipschitz sandwich for the latest weight snapshot it was given. Work is
 * chunked into {@code Refine} messages so new weights preempt the old ones: a refine step for an
 * older generation is dropped.
 */
public final class Estimator extends AbstractBehavior<Estimator.Command> {

  public sealed interface Command extends LipfarmSerializable {}

  /** Estimate the Lipschitz constant of {@code weights}, trained for {@code epoch} epochs. */
  public record Estimate(RunConfig config, NetworkSnapshot weights, int epoch, ActorRef<Reply> replyTo)
      implements Command {}

  public enum Stop implements Command {
    INSTANCE
  }

  private record Refine(int generation) implements Command {}

  public sealed interface Reply extends LipfarmSerializable {}

  /** A partial or (when {@code estimate.complete()}) final sandwich. */
  public record Estimated(LipschitzEstimate estimate) implements Reply {}

  /** Gradient evaluations per message. */
  static final int EVALUATIONS_PER_STEP = 2_000;

  /** Stop refining once (upper − lower)/upper is this small. */
  static final double RELATIVE_GAP_TARGET = 1e-3;

  private int generation;
  private LipschitzSandwich sandwich;
  private Estimate current;
  private Dataset data;
  private long startNanos;

  public static Behavior<Command> create() {
    return Behaviors.setup(Estimator::new);
  }

  private Estimator(ActorContext<Command> context) {
    super(context);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Estimate.class, this::onEstimate)
        .onMessage(Refine.class, this::onRefine)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .build();
  }

  private Behavior<Command> onEstimate(Estimate msg) {
    RunConfig c = msg.config();
    if (data == null) {
      data = DataSets.create(c.dataSpec(), c.dataSeed());
    }
    generation++;
    current = msg;
    startNanos = System.nanoTime();
    sandwich = new LipschitzSandwich(msg.weights(), data, c.estimatorSeed());
    getContext().getSelf().tell(new Refine(generation));
    return this;
  }

  private Behavior<Command> onRefine(Refine msg) {
    if (msg.generation() != generation) {
      return this; // superseded by newer weights
    }
    boolean more = sandwich.step(EVALUATIONS_PER_STEP);
    boolean done =
        !more
            || sandwich.relativeGap() <= RELATIVE_GAP_TARGET
            || sandwich.evaluations() >= current.config().estimatorBudget();
    current.replyTo().tell(new Estimated(estimate(done)));
    if (!done) {
      getContext().getSelf().tell(new Refine(generation));
    }
    return this;
  }

  private LipschitzEstimate estimate(boolean complete) {
    List<MeasuredBound> bounds = new ArrayList<>();
    NetworkMeasures measures = null;
    if (complete) {
      for (Bound b : sandwich.bounds()) {
        bounds.add(new MeasuredBound(b.method(), b.kind().name(), b.value()));
      }
      measures = measures(current.weights(), data);
    }
    return new LipschitzEstimate(
        current.config().id(),
        current.epoch(),
        sandwich.lower(),
        sandwich.lowerMethod(),
        sandwich.upper(),
        sandwich.upperMethod(),
        sandwich.evaluations(),
        (System.nanoTime() - startNanos) / 1_000_000,
        complete,
        List.copyOf(bounds),
        measures);
  }

  static NetworkMeasures measures(NetworkSnapshot net, Dataset data) {
    NetworkNorms norms = NetworkNorms.of(net);
    double maxAbs = 0;
    for (NetworkSnapshot.Layer l : net.layers()) {
      for (double v : l.weights()) {
        maxAbs = Math.max(maxAbs, Math.abs(v));
      }
      if (l.bias() != null) {
        for (double v : l.bias()) {
          maxAbs = Math.max(maxAbs, Math.abs(v));
        }
      }
    }
    return new NetworkMeasures(
        net.parameterCount(),
        norms.pathNorm(),
        norms.spectralProxy(),
        norms.frobeniusProduct(),
        norms.spectralProduct(),
        maxAbs,
        data.minOppositeLabelDistance(),
        data.d(),
        maxNorm(data));
  }

  private static double maxNorm(Dataset data) {
    double m = 0;
    for (double[] x : data.x()) {
      double s = 0;
      for (double v : x) {
        s += v * v;
      }
      m = Math.max(m, Math.sqrt(s));
    }
    return m;
  }
}
