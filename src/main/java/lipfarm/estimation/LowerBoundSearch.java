package lipfarm.estimation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;

/**
 * The {@code estimator = "lower"} mode: a certified lower bound on the local Lipschitz constant
 * from a fixed budget of gradient evaluations, and only the closed-form certified upper bounds
 * (spectral product, path norm, Combettes–Pesquet). No LipSDP, pattern enumeration, branch and
 * bound, far field, screening or CLEVER: the work a plain gradient-norm search does, for farms
 * whose question is the lower bound (and for a like-for-like comparison with such a search, see
 * bench/farm.sh).
 *
 * <p>For two-layer scalar (leaky) ReLU nets on the ball domain the search is batched: gradient
 * norms at the data, at random points of the domain sphere (a quarter of them inside the ball when
 * the net has biases) and on chords between oppositely labelled points, each a fifth of what the
 * data leave; then projected gradient ascent on the gated surrogate ‖∇f_β‖ (gate sigmoid(βz), β
 * doubling from {@value LipschitzSandwich#BETA} when a run stalls) from the best points found, many
 * runs advanced together, the exact norm recorded at every iterate (an iterate costs two
 * evaluations); a tenth of the budget polishes the best ascent points by exact region hopping.
 * Every value computed in this loop only steers the search: the best few points of each family are
 * finally re-evaluated rounding-safely ({@link SafeGradient#lowerNorm}) inside the domain, and only
 * those values are bounds. The closest oppositely labelled data pair's difference quotient is
 * always included, so F10 ≤ lower holds for a net that fits its data (as in the full sandwich).
 * Other nets and the box domain run the quick sandwich ({@link LipschitzSandwich#quick}) to the
 * budget. This class chooses the mode and reports the bounds; the batched search itself is {@link
 * BatchedLowerSearch}.
 */
public final class LowerBoundSearch {
  private final NetworkSnapshot net;
  private final Dataset data;
  private final long seed;
  private final long budget;
  private final boolean box;
  private final Mlp mlp;
  private final Map<String, Double> upperBounds = new LinkedHashMap<>();
  private final Map<String, Double> bestLower = new LinkedHashMap<>();
  private double upper = Double.POSITIVE_INFINITY;
  private String upperMethod = "none";
  private double lower;
  private String lowerMethod = "none";
  private long evaluations;
  private LipschitzSandwich fallback;

  public LowerBoundSearch(
      NetworkSnapshot net, Dataset data, long seed, long budget, boolean boxDomain) {
    if (data.d() != net.inputDim()) {
      throw new IllegalArgumentException(
          "data dimension " + data.d() + " != network input " + net.inputDim());
    }
    this.net = net;
    this.data = data;
    this.seed = seed;
    this.budget = budget;
    this.box = boxDomain;
    this.mlp = new Mlp(net);
  }

  /** Whether the batched search applies (else the quick sandwich runs). */
  public static boolean batched(NetworkSnapshot net, boolean boxDomain) {
    return !boxDomain
        && net.layers().size() == 2
        && net.outputDim() == 1
        && Mlp.activationOf(net).piecewiseLinear();
  }

  /** Spends the budget; call once. */
  public LowerBoundSearch run() {
    if (!batched(net, box)) {
      fallback = LipschitzSandwich.quick(net, data, seed, budget, box);
      while (fallback.step(2_000)) {
        // the quick sandwich runs to its budget
      }
      return this;
    }
    addUpper("spectral-product", UpperBounds.spectralProduct(mlp));
    addUpper("path-norm", UpperBounds.pathNorm(mlp));
    addUpper("combettes-pesquet", UpperBounds.combettesPesquet(mlp));
    try (BatchedLowerSearch search =
        new BatchedLowerSearch(mlp, data, seed, budget, this::addLower)) {
      search.run();
      evaluations = search.evaluations();
    }
    return this;
  }

  private void addUpper(String method, double value) {
    if (Double.isNaN(value)) {
      return;
    }
    upperBounds.merge(method, value, Math::min);
    if (value < upper) {
      upper = value;
      upperMethod = method;
    }
  }

  private void addLower(String method, double value) {
    if (!(value > 0)) {
      return;
    }
    bestLower.merge(method, value, Math::max);
    if (value > lower) {
      lower = value;
      lowerMethod = method;
    }
  }

  /** Certified lower bound on the local constant (the data domain ball). */
  public double lower() {
    return fallback != null ? fallback.lower() : lower;
  }

  public String lowerMethod() {
    return fallback != null ? fallback.lowerMethod() : lowerMethod;
  }

  /** Smallest closed-form certified upper bound (global, hence also local). */
  public double upper() {
    return fallback != null ? fallback.upper() : upper;
  }

  public String upperMethod() {
    return fallback != null ? fallback.upperMethod() : upperMethod;
  }

  public long evaluations() {
    return fallback != null ? fallback.evaluations() : evaluations;
  }

  /**
   * Every bound, as {@link LipschitzSandwich#bounds(double)}: the certified best of each probe
   * family, the upper bounds, the summaries lower-local, lower-global (no search outside the
   * domain: the local bound, which also bounds the global constant), upper-global, upper-local, and
   * any invariant violation (lower ≤ every upper bound, F10 ≤ lower when {@code f10} is a number).
   */
  public List<Bound> bounds(double f10) {
    if (fallback != null) {
      return fallback.bounds(f10);
    }
    List<Bound> out = new ArrayList<>();
    bestLower.forEach((m, v) -> out.add(new Bound(m, BoundKind.CERTIFIED_LOWER, v)));
    upperBounds.forEach((m, v) -> out.add(new Bound(m, BoundKind.CERTIFIED_UPPER, v)));
    out.add(new Bound("lower-local", BoundKind.CERTIFIED_LOWER, lower));
    out.add(new Bound("lower-global", BoundKind.CERTIFIED_LOWER, lower));
    out.add(new Bound("upper-global", BoundKind.CERTIFIED_UPPER, upper));
    out.add(new Bound("upper-local", BoundKind.CERTIFIED_UPPER, upper));
    double slack = 1 + LipschitzSandwich.INVARIANT_SLACK;
    upperBounds.forEach(
        (m, v) -> {
          if (lower > v * slack) {
            out.add(new Bound("invariant:lower<=" + m, BoundKind.ESTIMATOR_ERROR, lower / v));
          }
        });
    if (!Double.isNaN(f10) && f10 > lower * slack) {
      double ratio = lower == 0 ? Double.POSITIVE_INFINITY : f10 / lower;
      out.add(new Bound("invariant:F10<=lower", BoundKind.ESTIMATOR_ERROR, ratio));
    }
    return List.copyOf(out);
  }
}
