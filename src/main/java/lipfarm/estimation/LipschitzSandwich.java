package lipfarm.estimation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;

/**
 * Anytime Lipschitz sandwich lower ≤ L ≤ upper for ONE fixed snapshot. Not thread-safe: one owner.
 *
 * <p><b>Upper bounds</b> are computed eagerly in the constructor: the spectral product Π_l
 * σ_max(W_l), the two-layer path bound Σ_j |a_j|‖w_j‖, the Combettes–Pesquet bound, ECLipsE-Fast,
 * and for two-layer nets with k ≤ 20 units the pattern enumeration max_s ‖Wᵀdiag(s)a‖ (exact when
 * the w_j are linearly independent); LipSDP-Neuron and branch and bound (small nets) tighten during
 * {@link #step}. Every one includes its floating-point error bound.
 *
 * <p><b>Lower bounds</b> are rounding-safe values ‖∇f(x)‖ ({@link SafeGradient}; σ_max of the
 * Jacobian for vector outputs) at points x where every (leaky) ReLU gate's sign is certain, and
 * rounding-safe difference quotients. Local bounds use points of the domain (the ball {‖x‖ ≤ R}, R
 * = max(1, max_i ‖x_i‖) rounded up, or the box), checked exactly. Probes, in order over successive
 * {@link #step} calls: every data point and the data difference quotients; chords x_i + t(x_j −
 * x_i) between random pairs (mostly oppositely labelled, including nearest opposite neighbours);
 * random points of the domain; finally projected gradient ascent on the smoothed surrogate ‖∇f_β‖
 * (gate sigmoid(βz)), starting from the best points found. For nets whose global constant may
 * differ from the local one, the last part of the budget searches R^d: the far field (unbounded
 * linear regions, via the bias-free net) and unprojected ascent. A surrogate or single-precision
 * value is never reported as a bound.
 *
 * <p>This class runs the steps and reports; the work is done by its parts: {@link
 * SandwichUpperBounds} (closed-form bounds, exact values, LipSDP, branch and bound), {@link
 * SandwichProbes} and {@link SandwichAscent} (the lower-bound search), {@link CertifiedLowerBounds}
 * (what the probes certified), {@link SandwichDomain} (the local domain) and {@link
 * EvaluationBudget} (the evaluations all of them charge).
 */
public final class LipschitzSandwich {
  /** Total gradient-evaluation budget of the default constructor. */
  public static final long DEFAULT_BUDGET = 20_000;

  /** Sharpness of the sigmoid gate of the ascent surrogate. */
  static final double BETA = 20;

  /**
   * Each run anneals β by doubling up to this value: a sharper gate moves the surrogate's maximiser
   * into the ReLU region whose exact gradient is largest.
   */
  static final double BETA_MAX = 20 * 1024;

  /** Gap at which further probing cannot improve the sandwich. */
  static final double CONVERGED_GAP = 1e-8;

  /** Relative slack for comparing two computations that should agree up to rounding. */
  static final double INVARIANT_SLACK = 1e-9;

  private final Mlp mlp;
  private final SplittableRandom rng;
  private final EvaluationBudget budget;
  private final SandwichDomain domain;
  private final CertifiedLowerBounds lowers = new CertifiedLowerBounds();
  private final SandwichUpperBounds upperSide;
  private final SandwichProbes probes;
  private Bound clever;

  /** Sandwich with the {@link #DEFAULT_BUDGET}. */
  public LipschitzSandwich(NetworkSnapshot net, Dataset data, long seed) {
    this(net, data, seed, DEFAULT_BUDGET);
  }

  /**
   * @param net the network (ReLU or linear hidden activation)
   * @param data the training points; probes are data points and chords between them, the domain is
   *     the ball of radius max(1, max‖x_i‖) containing the (sphere) data
   * @param seed drives all probing randomness (deterministic)
   * @param budget total gradient evaluations {@link #step} may spend
   */
  public LipschitzSandwich(NetworkSnapshot net, Dataset data, long seed, long budget) {
    this(net, data, seed, budget, false);
  }

  /**
   * @param boxDomain the local domain is the box [−b, b]^d with b = max(1, max_i ‖x_i‖∞) (data on
   *     the cube) instead of the ball of radius max(1, max‖x_i‖)
   */
  public LipschitzSandwich(
      NetworkSnapshot net, Dataset data, long seed, long budget, boolean boxDomain) {
    this(net, data, seed, budget, boxDomain, false, false);
  }

  /**
   * A quick sandwich for a snapshot taken while the network trains: the same certified probes and
   * closed-form upper bounds, but no pattern enumeration, LipSDP, branch and bound or far-field
   * search, whose cost grows with the network rather than the budget.
   */
  public static LipschitzSandwich quick(
      NetworkSnapshot net, Dataset data, long seed, long budget, boolean boxDomain) {
    return new LipschitzSandwich(net, data, seed, budget, boxDomain, false, true);
  }

  /**
   * The far field's helper search on the bias-free net, on the ball: no LipSDP, and the enumerated
   * exact value does not close the gap, so the probes keep looking for a point (see {@link
   * #farFieldCandidates}).
   */
  static LipschitzSandwich searchOnly(NetworkSnapshot net, Dataset data, long seed, long budget) {
    return new LipschitzSandwich(net, data, seed, budget, false, true, false);
  }

  /**
   * @param searchOnly a helper search (the far field's bias-free net): no LipSDP, and the
   *     enumerated exact value does not close the gap, so the probes keep looking for a point
   */
  private LipschitzSandwich(
      NetworkSnapshot net,
      Dataset data,
      long seed,
      long budget,
      boolean boxDomain,
      boolean searchOnly,
      boolean quick) {
    if (data.d() != net.inputDim()) {
      throw new IllegalArgumentException(
          "data dimension " + data.d() + " != network input " + net.inputDim());
    }
    this.mlp = new Mlp(net);
    SafeGradient safe = new SafeGradient(mlp);
    this.rng = new SplittableRandom(seed);
    this.budget = new EvaluationBudget(budget);
    this.domain = new SandwichDomain(data, boxDomain, rng);
    boolean hasBias = false;
    for (NetworkSnapshot.Layer l : net.layers()) {
      hasBias |= l.bias() != null;
    }
    // ∇f is constant on rays from 0 for bias-free piecewise-linear (and affine) nets, so the sup
    // over the ball is the sup over R^d; otherwise global probes leave the ball.
    boolean globalEqualsLocal = mlp.linear || (!hasBias && mlp.act.piecewiseLinear());
    upperSide =
        new SandwichUpperBounds(mlp, net, safe, domain, globalEqualsLocal, searchOnly, quick);
    Bound exact = upperSide.exact();
    if (upperSide.exactLower() > 0 && !searchOnly) {
      // Realised on an open set of R^d; for bias-free nets (cones) and affine nets also in the
      // ball.
      String name = exact.method() + (globalEqualsLocal ? "" : "@global");
      lowers.offer(name, upperSide.exactLower(), globalEqualsLocal);
    }
    this.budget.charge(upperSide.setupEvaluations()); // the root box of branch and bound
    // The far field applies to piecewise-linear nets with biases: along x = t·u the activation
    // pattern of f converges, as t → ∞, to the pattern at u of the bias-free net f₀ (same weights,
    // biases dropped), so ∇f(t·u) = ∇f₀(u) for large t. The unbounded linear regions of f therefore
    // carry exactly the gradients of f₀, and their largest norm is Lip(f₀).
    boolean farField =
        !searchOnly && !quick && hasBias && mlp.act.piecewiseLinear() && mlp.depth >= 2;
    probes =
        new SandwichProbes(
            mlp,
            net,
            safe,
            data,
            rng,
            this.budget,
            domain,
            lowers,
            hasBias,
            globalEqualsLocal,
            farField);
  }

  /**
   * Spends about {@code evaluations} gradient evaluations on the next probes.
   *
   * @return true while there is more useful work: budget left and the sandwich not yet closed
   */
  public boolean step(int evaluations) {
    long stop = budget.spent() + Math.max(1, evaluations);
    // LipSDP-Neuron: about one optimiser iteration per 500 requested evaluations.
    upperSide.stepLipSdp(Math.max(1, evaluations / 500));
    if (bnbWork()) {
      // Half of this step's evaluations and never more than half of what is left: the probes
      // (and the far field) keep the other half.
      upperSide.bnbStep(Math.min(Math.max(1, evaluations / 2), budget.left() / 2), budget, lowers);
    }
    while (budget.spent() < stop && probeWork()) {
      probes.step();
    }
    return probeWork() || upperSide.sdpWork() || bnbWork();
  }

  private boolean bnbWork() {
    return upperSide.hasBnb() && relativeGap() > CONVERGED_GAP && upperSide.bnbOpen(budget);
  }

  private boolean probeWork() {
    return budget.open() && relativeGap() > CONVERGED_GAP;
  }

  /** Whether the local domain is a box rather than the ball. */
  public boolean boxDomain() {
    return domain.box();
  }

  /** Directions worth trying in the far field: the certified best point, then the best probes. */
  List<double[]> farFieldCandidates() {
    return probes.farFieldCandidates();
  }

  /**
   * Exact (double-precision) gradient norms at externally chosen points, for example the best of a
   * large single-precision screening batch; each counts as one evaluation and, where f is
   * differentiable, is a certified lower bound recorded under {@code method}. The caller keeps the
   * points inside the domain ball ({@link #domainRadius()}); the best also seed the ascent.
   */
  public void probeCandidates(double[][] points, String method) {
    probes.probeCandidates(points, method);
  }

  /** Best certified lower bound so far; never decreases. */
  public double lower() {
    return lowers.lower();
  }

  /** Probe family that produced {@link #lower()}: "grad@data", "grad@chord", …, "ascent". */
  public String lowerMethod() {
    return lowers.lowerMethod();
  }

  /** Smallest certified upper bound; never increases (all are computed in the constructor). */
  public double upper() {
    return upperSide.upper();
  }

  /** Method of {@link #upper()}, e.g. "spectral-product", "combettes-pesquet". */
  public String upperMethod() {
    return upperSide.upperMethod();
  }

  /**
   * Smallest certified upper bound on the LOCAL constant: {@link #upper()} or a local-only bound
   * (branch and bound on the domain of a small net with biases), whichever is smaller.
   */
  public double upperLocal() {
    return upperSide.upperLocal();
  }

  /** Method of {@link #upperLocal()}. */
  public String upperLocalMethod() {
    return upperSide.upperLocalMethod();
  }

  /** Gradient evaluations spent so far. */
  public long evaluations() {
    return budget.spent();
  }

  /** The evaluation budget. */
  public long budget() {
    return budget.total();
  }

  /** The box domain's half-width b (NaN for the ball). */
  public double boxHalfWidth() {
    return domain.boxHalfWidth();
  }

  /** Radius R of the probed domain ball ‖x‖ ≤ R. */
  public double domainRadius() {
    return domain.radius();
  }

  /** (upper − lower) / upper; 1.0 while lower = 0. */
  public double relativeGap() {
    double lower = lowers.lower();
    if (lower == 0) {
      return 1.0;
    }
    double upper = upperSide.upper();
    return (upper - lower) / upper;
  }

  /** Best certified lower bound on the GLOBAL constant (sup over R^d); ≥ {@link #lower()}. */
  public double lowerGlobal() {
    return lowers.lowerGlobal();
  }

  /** Method of {@link #lowerGlobal()}. */
  public String lowerGlobalMethod() {
    return lowers.lowerGlobalMethod();
  }

  /** LipSDP-Neuron optimiser iterations so far (0 when not applicable). */
  public int lipSdpIterations() {
    return upperSide.lipSdpIterations();
  }

  /**
   * Every bound: the best value of each lower-bound probe family (CERTIFIED_LOWER; families ending
   * in "@global" probed outside the domain ball and bound only the global constant), each upper
   * bound (CERTIFIED_UPPER, all global, hence also local), the exact value when known (EXACT, of
   * the global constant), the CLEVER score once computed (ESTIMATE), then the two sandwiches as
   * summary entries "lower-local", "lower-global" (CERTIFIED_LOWER) and "upper-global"
   * (CERTIFIED_UPPER), and finally any invariant violation (ESTIMATOR_ERROR, see {@link
   * #violations}).
   */
  public List<Bound> bounds() {
    return bounds(Double.NaN);
  }

  /**
   * As {@link #bounds()}, also checking F10 ≤ lower when {@code f10} is a number (pass NaN when the
   * run does not interpolate).
   */
  public List<Bound> bounds(double f10) {
    List<Bound> out = new ArrayList<>();
    for (Map.Entry<String, Double> e : lowers.byMethod().entrySet()) {
      out.add(new Bound(e.getKey(), BoundKind.CERTIFIED_LOWER, e.getValue()));
    }
    upperSide.addBounds(out);
    if (upperSide.exact() != null) {
      out.add(upperSide.exact());
    }
    if (clever != null) {
      out.add(clever);
    }
    out.add(new Bound("lower-local", BoundKind.CERTIFIED_LOWER, lower()));
    out.add(new Bound("lower-global", BoundKind.CERTIFIED_LOWER, lowerGlobal()));
    out.add(new Bound("upper-global", BoundKind.CERTIFIED_UPPER, upper()));
    out.add(new Bound("upper-local", BoundKind.CERTIFIED_UPPER, upperLocal()));
    out.addAll(violations(f10));
    return List.copyOf(out);
  }

  /**
   * Checks lower-global ≤ every certified upper bound on the global constant and lower-local ≤
   * every local-only one (with a relative {@value #INVARIANT_SLACK}; both sides are rounding-safe,
   * so any violation is a bug), and F10 ≤ lower-local when {@code f10} is a number. The EXACT entry
   * is not compared: it is a floating-point value whose rounding enclosure is the certified pair
   * ({@code pattern-enumeration} / {@code linear-product} lower and upper), which these checks
   * cover. Each violation is a Bound of kind ESTIMATOR_ERROR whose method names the broken
   * inequality and whose value is the ratio left side / right side (&gt; 1).
   */
  public List<Bound> violations(double f10) {
    List<Bound> out = new ArrayList<>();
    double lg = lowerGlobal();
    double lower = lower();
    for (Map.Entry<String, Double> e : upperSide.global().entrySet()) {
      if (lg > e.getValue() * (1 + INVARIANT_SLACK)) {
        out.add(violation("lower<=" + e.getKey(), lg / e.getValue()));
      }
    }
    for (Map.Entry<String, Double> e : upperSide.localOnly().entrySet()) {
      if (lower > e.getValue() * (1 + INVARIANT_SLACK)) {
        out.add(violation("lower-local<=" + e.getKey(), lower / e.getValue()));
      }
    }
    if (!Double.isNaN(f10) && f10 > lower * (1 + INVARIANT_SLACK)) {
      out.add(violation("F10<=lower", lower == 0 ? Double.POSITIVE_INFINITY : f10 / lower));
    }
    return out;
  }

  private static Bound violation(String what, double ratio) {
    return new Bound("invariant:" + what, BoundKind.ESTIMATOR_ERROR, ratio);
  }

  /**
   * Computes (once) the CLEVER score on the domain ball with {@code batches} batches of {@code
   * batchSize} uniform points; see {@link Clever}. An ESTIMATE, never a bound. Does not count
   * towards {@link #evaluations()}.
   */
  public Bound clever(int batches, int batchSize) {
    if (clever == null) {
      double v = Clever.estimate(mlp, domain.radius(), batches, batchSize, rng.split());
      clever = new Bound("clever@ball", BoundKind.ESTIMATE, v);
    }
    return clever;
  }

  /** The exact constant when it is known (linear nets, small two-layer ReLU nets), else NaN. */
  public double exactValue() {
    return upperSide.exact() == null ? Double.NaN : upperSide.exact().value();
  }

  /** Π_l σ_max(W_l), certified. */
  public double spectralProductUpper() {
    return upperSide.spectralProduct();
  }

  /** Two-layer path bound Σ_j |a_j|·‖w_j‖₂ (certified); NaN for other depths. */
  public double pathNormUpper() {
    return upperSide.pathNorm();
  }
}
