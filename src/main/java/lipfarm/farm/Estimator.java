package lipfarm.farm;

import java.util.ArrayList;
import java.util.List;
import lipfarm.bounds.NetworkNorms;
import lipfarm.config.RunConfig;
import lipfarm.data.DataSets;
import lipfarm.data.Dataset;
import lipfarm.estimation.Bound;
import lipfarm.estimation.LipschitzSandwich;
import lipfarm.estimation.LowerBoundSearch;
import lipfarm.estimation.NetworkMath;
import lipfarm.estimation.nd4j.Screening;
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
 * chunked into {@code Refine} messages of {@value #EVALUATIONS_PER_STEP} gradient evaluations (plus
 * a few LipSDP-Neuron iterations) so the actor never blocks for long and new weights preempt the
 * old ones: a refine step for an older generation is dropped.
 *
 * <p>Each reply carries the best certified lower bound on the local constant (data domain ball),
 * the best certified upper bound (global, hence also local), the methods that produced them,
 * evaluations spent and elapsed time; lower never decreases and upper never increases for one set
 * of weights. Work stops when (upper − lower)/upper ≤ {@value #RELATIVE_GAP_TARGET}, when the
 * configuration's {@code estimator-budget} is spent, or when new weights arrive. The last reply is
 * {@code complete} and lists every bound (see {@link LipschitzSandwich#bounds(double)}): probe
 * families, upper bounds, exact value, the CLEVER estimate, the summary entries {@code
 * lower-local}, {@code lower-global}, {@code upper-global}, and any invariant violation as kind
 * {@code ESTIMATOR_ERROR} with method {@code invariant:<inequality>} (F10 ≤ lower is checked when
 * the net fits its data within tol).
 *
 * <p>With {@code estimator = "lower"} the configuration asks for the lower bound only: one {@link
 * LowerBoundSearch} spends the whole budget in a single step and the only reply is complete (no
 * CLEVER, closed-form upper bounds only; see docs/estimation.md).
 */
public final class Estimator extends AbstractBehavior<Estimator.Command> {

  public sealed interface Command extends LipfarmSerializable {}

  /**
   * Estimate the Lipschitz constant of {@code weights}, trained for {@code epoch} epochs, with at
   * most {@code budget} gradient evaluations (0: the configuration's estimator-budget).
   */
  public record Estimate(
      RunConfig config,
      NetworkSnapshot weights,
      int epoch,
      long budget,
      boolean intermediate,
      ActorRef<Reply> replyTo)
      implements Command {

    /** The final network, with the configuration's full budget. */
    public Estimate(RunConfig config, NetworkSnapshot weights, int epoch, ActorRef<Reply> replyTo) {
      this(config, weights, epoch, 0, false, replyTo);
    }
  }

  public enum Stop implements Command {
    INSTANCE
  }

  private record Refine(int generation) implements Command {}

  public sealed interface Reply extends LipfarmSerializable {}

  /**
   * A partial or (when {@code estimate.complete()}) final sandwich, for an intermediate snapshot or
   * not: a late reply for an intermediate snapshot taken at the final epoch must not pass for the
   * final network's estimate.
   */
  public record Estimated(LipschitzEstimate estimate, boolean intermediate) implements Reply {

    /** An estimate of a network with the full budget. */
    public Estimated(LipschitzEstimate estimate) {
      this(estimate, false);
    }
  }

  /** Gradient evaluations per message. */
  static final int EVALUATIONS_PER_STEP = 2_000;

  /** Stop refining once (upper − lower)/upper is this small. */
  static final double RELATIVE_GAP_TARGET = 1e-3;

  /** CLEVER sampling on the complete estimate: batches × points per batch. */
  static final int CLEVER_BATCHES = 50;

  static final int CLEVER_BATCH_SIZE = 100;

  /**
   * Points screened per snapshot by the batched kernel, and how many of them are re-evaluated
   * exactly.
   */
  static final int SCREENED_POINTS = 20_000;

  static final int SCREEN_KEEP = 32;

  private int generation;
  private LipschitzSandwich sandwich;
  private LowerBoundSearch search; // estimator = "lower": instead of the sandwich
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
    long full = c.estimatorBudget() > 0 ? c.estimatorBudget() : LipschitzSandwich.DEFAULT_BUDGET;
    long budget = msg.budget() > 0 ? Math.min(msg.budget(), full) : full;
    // Data on the cube lives in a box: the local constant is taken there, not on a ball.
    boolean box = "cube".equals(c.data());
    if ("lower".equals(c.estimator())) {
      // One batched search spends the whole budget at once (a fraction of a second): one reply.
      sandwich = null;
      search = new LowerBoundSearch(msg.weights(), data, c.estimatorSeed(), budget, box);
      getContext().getSelf().tell(new Refine(generation));
      return this;
    }
    search = null;
    sandwich =
        msg.intermediate()
            ? LipschitzSandwich.quick(msg.weights(), data, c.estimatorSeed(), budget, box)
            : new LipschitzSandwich(msg.weights(), data, c.estimatorSeed(), budget, box);
    if (!box && !msg.intermediate()) {
      // Screen many sphere points in large single-precision batches; only the best few are
      // evaluated exactly (and so certify a lower bound), and they also seed the gradient ascent.
      sandwich.probeCandidates(
          Screening.topSpherePoints(
              msg.weights(),
              sandwich.domainRadius(),
              SCREENED_POINTS,
              SCREEN_KEEP,
              c.estimatorSeed() ^ 0x5C5EEDL),
          "screen@sphere");
    }
    getContext().getSelf().tell(new Refine(generation));
    return this;
  }

  private Behavior<Command> onRefine(Refine msg) {
    if (msg.generation() != generation) {
      return this; // superseded by newer weights
    }
    if (search != null) {
      search.run();
      current.replyTo().tell(new Estimated(lowerEstimate(), current.intermediate()));
      return this;
    }
    boolean more = sandwich.step(EVALUATIONS_PER_STEP);
    // step() returns false once the budget is spent (and LipSDP has converged) or the gap closed.
    boolean done = !more || sandwich.relativeGap() <= RELATIVE_GAP_TARGET;
    current.replyTo().tell(new Estimated(estimate(done), current.intermediate()));
    if (!done) {
      getContext().getSelf().tell(new Refine(generation));
    }
    return this;
  }

  private LipschitzEstimate estimate(boolean complete) {
    FinalBounds fin = FinalBounds.NONE;
    if (complete && !current.intermediate()) {
      // Only the final network gets CLEVER, the full bound list and the norms the theory needs.
      sandwich.clever(CLEVER_BATCHES, CLEVER_BATCH_SIZE);
      fin = FinalBounds.of(current.weights(), data, current.config().tol(), sandwich::bounds);
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
        fin.bounds(),
        fin.measures());
  }

  /** The complete estimate of the lower-bound mode: no CLEVER, closed-form upper bounds only. */
  private LipschitzEstimate lowerEstimate() {
    FinalBounds fin =
        current.intermediate()
            ? FinalBounds.NONE
            : FinalBounds.of(current.weights(), data, current.config().tol(), search::bounds);
    return new LipschitzEstimate(
        current.config().id(),
        current.epoch(),
        search.lower(),
        search.lowerMethod(),
        search.upper(),
        search.upperMethod(),
        search.evaluations(),
        (System.nanoTime() - startNanos) / 1_000_000,
        true,
        fin.bounds(),
        fin.measures());
  }

  /**
   * A final network's bound list and the norms the theory needs; intermediate estimates have
   * neither ({@link #NONE}).
   */
  record FinalBounds(List<MeasuredBound> bounds, NetworkMeasures measures) {
    static final FinalBounds NONE = new FinalBounds(List.of(), null);

    /**
     * @param boundsGivenF10 the estimator's bound list given F10 (NaN when it does not apply)
     */
    static FinalBounds of(
        NetworkSnapshot net,
        Dataset data,
        double tol,
        java.util.function.DoubleFunction<List<Bound>> boundsGivenF10) {
      double minOpposite = data.minOppositeLabelDistance(); // O(n²d): once for F10 and the norms
      List<MeasuredBound> bounds = new ArrayList<>();
      for (Bound b : boundsGivenF10.apply(f10IfInterpolating(net, data, tol, minOpposite))) {
        bounds.add(new MeasuredBound(b.method(), b.kind().name(), b.value()));
      }
      return new FinalBounds(List.copyOf(bounds), Estimator.measures(net, data, minOpposite));
    }
  }

  /**
   * F10 = (2 − 2·tol) / min over opposite labels of ‖x_i − x_j‖ when the net fits every point
   * within tol (max_i |f(x_i) − y_i| ≤ tol), else NaN (F10 says nothing about a net that does not
   * fit).
   *
   * @param minOppositeLabelDistance {@link Dataset#minOppositeLabelDistance} of {@code data}
   */
  static double f10IfInterpolating(
      NetworkSnapshot net, Dataset data, double tol, double minOppositeLabelDistance) {
    if (net.outputDim() != 1) {
      return Double.NaN;
    }
    double[] f = NetworkMath.values(net, data.x());
    for (int i = 0; i < data.n(); i++) {
      if (!(Math.abs(f[i] - data.y()[i]) <= tol)) {
        return Double.NaN;
      }
    }
    double dist = minOppositeLabelDistance;
    return Double.isFinite(dist) && dist > 0 ? (2 - 2 * tol) / dist : Double.NaN;
  }

  static NetworkMeasures measures(
      NetworkSnapshot net, Dataset data, double minOppositeLabelDistance) {
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
        minOppositeLabelDistance,
        data.d(),
        data.maxNorm());
  }
}
