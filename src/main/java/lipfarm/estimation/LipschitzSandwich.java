package lipfarm.estimation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
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

  /** Budget fractions (of what the data phase leaves) for chords and random domain points. */
  private static final double CHORD_SHARE = 0.2;

  private static final double RANDOM_SHARE = 0.2;

  /** Number of ascent runs started from the best probe points. */
  private static final int ASCENT_STARTS = 16;

  /** Ascent evaluations per iterate: one exact gradient plus one surrogate (≈ Hessian-vector). */
  private static final int ASCENT_COST = 2;

  /** Initial and minimal ascent step, relative to the domain radius. */
  private static final double STEP0 = 0.05;

  private static final double STEP_MIN = 1e-5;

  /** Gap at which further probing cannot improve the sandwich. */
  private static final double CONVERGED_GAP = 1e-8;

  /** Largest n·n·d for which nearest opposite-label neighbours are precomputed. */
  private static final long NEIGHBOUR_WORK = 50_000_000L;

  private enum Phase {
    DATA,
    CHORD,
    RANDOM,
    ASCENT
  }

  private final Mlp mlp;
  private final NetworkSnapshot net;
  private final boolean searchOnly;
  private final boolean quick; // a snapshot while training: only the cheap methods

  /** The point where {@link #lowerGlobal} was certified (null when it came from no point). */
  private double[] lowerGlobalPoint;

  /** Certifies the lower bounds: rounding-safe gradient norms (see {@link SafeGradient}). */
  private final SafeGradient safe;

  private final Dataset data;
  private final SplittableRandom rng;
  private final long budget;
  private final int dim;
  private final double radius;

  /** Half-width b of the box domain [−b, b]^d; NaN when the domain is the ball. */
  private final double boxHalfWidth;

  private final boolean hasBias;

  private final double spectralProduct;
  private final double pathNorm;
  private final Map<String, Double> upperBounds = new LinkedHashMap<>();
  private final Bound exact;
  private final LipSdp lipSdp;
  private final boolean globalEqualsLocal;
  private double lowerGlobal;
  private String lowerGlobalMethod = "none";
  private boolean globalMode;
  private long globalTarget;
  private double diffQuotient;
  private Bound clever;
  private double upper = Double.POSITIVE_INFINITY;
  private String upperMethod = "none";

  private double lower;
  private String lowerMethod = "none";
  private final Map<String, Double> bestLower = new LinkedHashMap<>();
  private long evaluations;

  private Phase phase = Phase.DATA;
  private int dataCursor;
  private final long chordTarget;
  private final long randomTarget;
  private long chordDone;
  private long randomDone;
  private int[] opposite;
  private int[][] byLabel;

  // Best probe points, sorted by exact norm (descending): ascent starts.
  private final double[][] topX = new double[ASCENT_STARTS][];
  private final double[] topV = new double[ASCENT_STARTS];
  private int topCount;

  // Ascent state.
  private final double[] grad;
  private final double[] point;
  private final double[] ax;
  private final double[] adir;
  private final double[] trialDir;
  private final double[] runBestX;
  private double runBestG;
  private final RegionHop hop;
  private boolean runActive;
  private int runsStarted;
  private double aphi;
  private double beta;
  private double step;
  private int runIter;
  private int itersPerRun;

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
    this.net = net;
    this.searchOnly = searchOnly;
    this.quick = quick;
    if (data.d() != net.inputDim()) {
      throw new IllegalArgumentException(
          "data dimension " + data.d() + " != network input " + net.inputDim());
    }
    this.mlp = new Mlp(net);
    this.safe = new SafeGradient(mlp);
    this.data = data;
    this.rng = new SplittableRandom(seed);
    this.budget = budget;
    this.dim = net.inputDim();
    // An upper bound on the exact max‖x_i‖, so every data point lies in the domain ball exactly.
    double maxNorm = 0;
    for (double[] x : data.x()) {
      maxNorm = Math.max(maxNorm, Rounding.normUp(x, x.length));
    }
    this.radius = Math.max(1.0, maxNorm);
    double maxAbs = 0;
    for (double[] x : data.x()) {
      for (double v : x) {
        maxAbs = Math.max(maxAbs, Math.abs(v));
      }
    }
    this.boxHalfWidth = boxDomain ? Math.max(1.0, maxAbs) : Double.NaN;
    boolean bias = false;
    for (NetworkSnapshot.Layer l : net.layers()) {
      bias |= l.bias() != null;
    }
    this.hasBias = bias;
    grad = new double[dim];
    point = new double[dim];
    ax = new double[dim];
    adir = new double[dim];
    trialDir = new double[dim];
    runBestX = new double[dim];
    hop =
        mlp.act.piecewiseLinear() && mlp.depth == 2 && mlp.outDim() == 1
            ? new RegionHop(mlp)
            : null;
    // ∇f is constant on rays from 0 for bias-free piecewise-linear (and affine) nets, so the sup
    // over the ball is the sup over R^d; otherwise global probes leave the ball.
    globalEqualsLocal = mlp.linear || (!hasBias && mlp.act.piecewiseLinear());

    long rest = Math.max(0, budget - data.n());
    chordTarget = data.n() >= 2 ? (long) (CHORD_SHARE * rest) : 0;
    randomTarget = (long) (RANDOM_SHARE * rest);

    spectralProduct = UpperBounds.spectralProduct(mlp);
    addUpper("spectral-product", spectralProduct);
    pathNorm = UpperBounds.pathNorm(mlp);
    if (!Double.isNaN(pathNorm)) {
      addUpper("path-norm", pathNorm);
    }
    double cp = UpperBounds.combettesPesquet(mlp);
    if (mlp.depth >= 2 && !Double.isNaN(cp)) {
      addUpper("combettes-pesquet", cp);
    }
    lipSdp = !searchOnly && !quick && LipSdp.applicable(mlp) ? new LipSdp(mlp) : null;
    if (lipSdp != null) {
      double ef = lipSdp.eclipseFast();
      if (!Double.isNaN(ef)) {
        addUpper("eclipse-fast", ef);
      }
    }
    Bound ex = null;
    double exLower = Double.NaN;
    if (mlp.linear) {
      // Identity activation: f is affine, L = σ_max(W_L⋯W_1); the EXACT entry is the computed
      // value, the certified pair comes from the rounding-safe upper bound and the probes.
      UpperBounds.Linear lin = UpperBounds.linear(mlp);
      addUpper("linear-product", lin.upper());
      ex = new Bound("linear-product", BoundKind.EXACT, lin.value());
      // The Jacobian is the same everywhere: its rounding-safe norm at 0 is the lower end.
      exLower = safe.lowerNorm(new double[dim]);
    } else if (!quick) {
      UpperBounds.Enumeration e = UpperBounds.enumerate(mlp);
      if (e != null && e.exact()) {
        ex = new Bound("pattern-enumeration", BoundKind.EXACT, e.value());
        // Every pattern is realised: the enclosure of the best one is a certified pair.
        addUpper("pattern-enumeration", e.upper());
        exLower = e.lower();
      } else if (e != null) {
        addUpper("pattern-enumeration-upper", e.upper());
      }
    }
    exact = ex;
    if (exLower > 0 && !searchOnly) {
      // Realised on an open set of R^d; for bias-free nets (cones) and affine nets also in the
      // ball.
      String name = ex.method() + (globalEqualsLocal ? "" : "@global");
      bestLower.put(name, exLower);
      lowerGlobal = exLower;
      lowerGlobalMethod = name;
      if (globalEqualsLocal) {
        lower = exLower;
        lowerMethod = name;
      }
    }
    // Small (leaky-)ReLU nets: box branch and bound, whose pair meets. Bias-free: by homogeneity
    // the cube [−R, R]^d gives the global constant, which equals the local one. With biases: the
    // constant on the domain itself (the ball, or the box), a local-only upper bound.
    boolean small =
        !quick
            && mlp.act.piecewiseLinear()
            && mlp.depth >= 2
            && dim <= BNB_MAX_DIM
            && hiddenUnits(net) <= BNB_MAX_HIDDEN;
    bnbLocalOnly = small && !globalEqualsLocal;
    if (!small) {
      bnb = null;
    } else if (globalEqualsLocal) {
      bnb = BranchAndBound.cube(net, boxDomain() ? boxHalfWidth : radius);
    } else if (boxDomain()) {
      bnb = BranchAndBound.cube(net, boxHalfWidth);
    } else {
      bnb = BranchAndBound.ball(net, radius);
    }
    if (bnb != null) {
      evaluations += bnb.evaluations(); // the root box
    }
  }

  /** Branch and bound runs for inputs of at most this dimension ... */
  static final int BNB_MAX_DIM = 4;

  /** ... and at most this many hidden units in all. */
  static final int BNB_MAX_HIDDEN = 128;

  private final BranchAndBound bnb;

  /** Branch and bound covers only the local domain (nets with biases): its upper is local. */
  private final boolean bnbLocalOnly;

  /** Upper bounds on the local constant only (method ends in "@ball" or "@box"). */
  private final Map<String, Double> localUpperBounds = new LinkedHashMap<>();

  private double upperLocal = Double.POSITIVE_INFINITY;
  private String upperLocalMethod = "none";

  private static int hiddenUnits(NetworkSnapshot net) {
    int h = 0;
    for (int l = 0; l < net.layers().size() - 1; l++) {
      h += net.layers().get(l).rows();
    }
    return h;
  }

  /**
   * Box splits within {@code allowance} gradient evaluations, charged to the budget. Its lower
   * bound is attained in the domain; its upper bound is global (bias-free) or local only.
   */
  private void bnbStep(long allowance) {
    evaluations += bnb.stepWithin(allowance, CONVERGED_GAP);
    if (bnbLocalOnly) {
      String m = "branch-and-bound" + (boxDomain() ? "@box" : "@ball");
      localUpperBounds.merge(m, bnb.upper(), Math::min);
      if (bnb.upper() < upperLocal) {
        upperLocal = bnb.upper();
        upperLocalMethod = m;
      }
    } else {
      addUpper("branch-and-bound", bnb.upper());
    }
    double g = bnb.lower();
    if (g > 0) {
      bestLower.merge("branch-and-bound", g, Math::max);
      if (g > lower) {
        lower = g;
        lowerMethod = "branch-and-bound";
      }
      if (g > lowerGlobal) {
        lowerGlobal = g;
        lowerGlobalMethod = "branch-and-bound";
        lowerGlobalPoint = bnb.lowerPoint();
      }
    }
  }

  private void addUpper(String method, double value) {
    upperBounds.merge(method, value, Math::min);
    if (value < upper) {
      upper = value;
      upperMethod = method;
    }
  }

  /**
   * Spends about {@code evaluations} gradient evaluations on the next probes.
   *
   * @return true while there is more useful work: budget left and the sandwich not yet closed
   */
  public boolean step(int evaluations) {
    long stop = this.evaluations + Math.max(1, evaluations);
    // LipSDP-Neuron: about one optimiser iteration per 500 requested evaluations.
    for (int i = 0; i < Math.max(1, evaluations / 500) && sdpWork(); i++) {
      lipSdp.step();
      if (Double.isFinite(lipSdp.best())) {
        addUpper("lipsdp-neuron", lipSdp.best()); // recorded even when another bound is tighter
      }
    }
    if (bnb != null && relativeGap() > CONVERGED_GAP && bnbOpen()) {
      // Half of this step's evaluations and never more than half of what is left: the probes
      // (and the far field) keep the other half.
      bnbStep(Math.min(Math.max(1, evaluations / 2), (budget - this.evaluations) / 2));
    }
    while (this.evaluations < stop && probeWork()) {
      switch (phase) {
        case DATA -> stepData();
        case CHORD -> stepChord();
        case RANDOM -> stepRandom();
        case ASCENT -> stepAscent();
        default -> throw new IllegalStateException();
      }
    }
    return hasWork();
  }

  private boolean hasWork() {
    return probeWork() || sdpWork() || bnb != null && relativeGap() > CONVERGED_GAP && bnbOpen();
  }

  private boolean bnbOpen() {
    return bnb.upper() > bnb.lower() * (1 + CONVERGED_GAP)
        && budget - evaluations >= 2 * bnb.minBoxCost();
  }

  private boolean probeWork() {
    return evaluations < budget && relativeGap() > CONVERGED_GAP;
  }

  /** LipSDP runs to its own convergence even when another method closed the gap: it is reported. */
  private boolean sdpWork() {
    return lipSdp != null && !lipSdp.done();
  }

  private void stepData() {
    if (dataCursor < data.n()) {
      probe(data.x()[dataCursor++], "grad@data");
      return;
    }
    differenceQuotients();
    phase = Phase.CHORD;
  }

  /**
   * Pairwise difference quotients over the data, rounding-safe, always including the closest
   * differently labelled pair (see {@link DifferenceQuotients}): a certified lower bound on the
   * local (and global) constant.
   */
  private void differenceQuotients() {
    DifferenceQuotients.Result r = DifferenceQuotients.best(mlp, data, rng, budget - evaluations);
    evaluations += r.forwardPasses();
    double best = r.value();
    diffQuotient = best;
    if (best > 0) {
      bestLower.merge("diff-quotient@data", best, Math::max);
      if (best > lower) {
        lower = best;
        lowerMethod = "diff-quotient@data";
      }
      if (best > lowerGlobal) {
        lowerGlobal = best;
        lowerGlobalMethod = "diff-quotient@data";
      }
    }
  }

  private void stepChord() {
    if (chordDone >= chordTarget) {
      phase = Phase.RANDOM;
      return;
    }
    if (byLabel == null) {
      prepareChords();
    }
    int n = data.n();
    int i = rng.nextInt(n);
    int j;
    double u = rng.nextDouble();
    int[] others = byLabel[i];
    if (u < 0.35 && opposite != null && opposite[i] >= 0) {
      j = opposite[i];
    } else if (u < 0.8 && others.length > 0) {
      j = others[rng.nextInt(others.length)];
    } else {
      j = rng.nextInt(n - 1);
      if (j >= i) {
        j++;
      }
    }
    double t = rng.nextDouble();
    double[] xi = data.x()[i];
    double[] xj = data.x()[j];
    for (int c = 0; c < dim; c++) {
      point[c] = xi[c] + t * (xj[c] - xi[c]);
    }
    chordDone++;
    intoDomain(point);
    probe(point, "grad@chord");
  }

  /**
   * For each point, the indices with a different label, and (when affordable) its nearest
   * differently-labelled neighbour: an interpolating net must turn fastest between those.
   */
  private void prepareChords() {
    int n = data.n();
    double[] y = data.y();
    Map<Double, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      groups.computeIfAbsent(y[i], key -> new ArrayList<>()).add(i);
    }
    Map<Double, int[]> oppositeOf = new LinkedHashMap<>();
    for (Double label : groups.keySet()) {
      int[] idx = new int[n - groups.get(label).size()];
      int p = 0;
      for (int i = 0; i < n; i++) {
        if (y[i] != label) {
          idx[p++] = i;
        }
      }
      oppositeOf.put(label, idx);
    }
    byLabel = new int[n][];
    for (int i = 0; i < n; i++) {
      byLabel[i] = oppositeOf.get(y[i]);
    }
    if ((long) n * n * dim <= NEIGHBOUR_WORK) {
      opposite = new int[n];
      double[][] x = data.x();
      for (int i = 0; i < n; i++) {
        double best = Double.POSITIVE_INFINITY;
        opposite[i] = -1;
        for (int j : byLabel[i]) {
          double s = 0;
          for (int c = 0; c < dim; c++) {
            double t = x[i][c] - x[j][c];
            s += t * t;
          }
          if (s < best) {
            best = s;
            opposite[i] = j;
          }
        }
      }
    }
  }

  private void stepRandom() {
    if (randomDone >= randomTarget) {
      phase = Phase.ASCENT;
      // Without ball-equals-space, the last 40% of the ascent budget searches all of R^d.
      globalTarget =
          globalEqualsLocal ? budget : evaluations + (long) (0.6 * (budget - evaluations));
      return;
    }
    randomDone++;
    // Without biases ∇f is constant on rays, so the sphere sees every value of the ball.
    if (boxDomain()) {
      randomDomainPoint(point);
      probe(point, "grad@box");
      return;
    }
    boolean interior = hasBias && (randomDone & 3) == 0;
    randomSpherePoint(point);
    if (interior) {
      double r = Math.pow(rng.nextDouble(), 1.0 / dim);
      for (int c = 0; c < dim; c++) {
        point[c] *= r;
      }
    }
    intoDomain(point);
    probe(point, interior ? "grad@ball" : "grad@sphere");
  }

  /** Whether the local domain is a box rather than the ball. */
  public boolean boxDomain() {
    return !Double.isNaN(boxHalfWidth);
  }

  /**
   * A random point of the domain: on the sphere of radius R for the ball; for the box, uniform in
   * [−b, b]^d with one random coordinate pushed to a face half of the time (a piecewise-linear f
   * takes its largest gradients anywhere, faces and corners included).
   */
  private void randomDomainPoint(double[] out) {
    if (!boxDomain()) {
      randomSpherePoint(out);
      return;
    }
    for (int c = 0; c < dim; c++) {
      out[c] = boxHalfWidth * (2 * rng.nextDouble() - 1);
    }
    if (rng.nextBoolean()) {
      out[rng.nextInt(dim)] = rng.nextBoolean() ? boxHalfWidth : -boxHalfWidth;
    }
  }

  private void randomSpherePoint(double[] out) {
    double s;
    do {
      s = 0;
      for (int c = 0; c < dim; c++) {
        out[c] = gaussian();
        s += out[c] * out[c];
      }
    } while (s < 1e-24);
    double scale = radius / Math.sqrt(s);
    for (int c = 0; c < dim; c++) {
      out[c] *= scale;
    }
  }

  private double gaussian() {
    return DataModels.gaussian(rng);
  }

  private void stepAscent() {
    if (mlp.linear) {
      // f is affine: every gradient is the same, probing more cannot help.
      evaluations = budget;
      return;
    }
    if (budget - evaluations < ASCENT_COST) {
      // An ascent iterate costs two evaluations: spend the last one on a random domain point.
      randomDomainPoint(point);
      intoDomain(point);
      probe(point, boxDomain() ? "grad@box" : "grad@sphere");
      return;
    }
    if (!runActive) {
      startRun();
      return;
    }
    double dn = Mlp.norm(adir, dim);
    if (runIter >= itersPerRun) {
      endRun();
      return;
    }
    if (dn == 0 || step < STEP_MIN * radius) {
      if (beta >= BETA_MAX) {
        endRun();
        return;
      }
      // Converged for this β: sharpen the gate and continue from the same point.
      beta *= 2;
      step = STEP0 * radius;
      aphi = mlp.surrogate(ax, beta, adir);
      evaluations++;
      return;
    }
    for (int c = 0; c < dim; c++) {
      point[c] = ax[c] + step * adir[c] / dn;
    }
    projectToBall(point);
    probe(point, ascentMethod());
    double phi = mlp.surrogate(point, beta, trialDir);
    evaluations++;
    runIter++;
    if (phi > aphi) {
      aphi = phi;
      System.arraycopy(point, 0, ax, 0, dim);
      System.arraycopy(trialDir, 0, adir, 0, dim);
      step = Math.min(step * 1.5, radius);
    } else {
      step *= 0.5;
    }
  }

  /** Finishes a run; two-layer nets then polish its best point by exact region hopping. */
  private void endRun() {
    runActive = false;
    if (hop != null && runBestG > 0) {
      hopFrom(runBestX);
    }
  }

  /**
   * Greedy exact local search over neighbouring ReLU regions: from x, cross the single hyperplane
   * w_j·x + b_j = 0 whose flip is predicted (from g ± a_j w_j) to raise ‖∇f‖ most, keep the move if
   * the exact gradient norm at the new point is larger, repeat until no flip helps.
   */
  private void hopFrom(double[] start) {
    double[] x = start.clone();
    double current = mlp.gradientNorm(x, grad);
    evaluations++;
    int maxHops = 4 * mlp.width[1];
    for (int h = 0; h < maxHops && evaluations < budget; h++) {
      int[] order = hop.candidates(x, grad, current);
      boolean moved = false;
      for (int t = 0; t < order.length && t < RegionHop.MAX_TRIES && evaluations < budget; t++) {
        hop.cross(x, order[t], point);
        projectToBall(point);
        double g = mlp.gradientNorm(point, trialDir);
        evaluations++;
        if (mlp.kink() || !(g > current)) {
          continue;
        }
        record(point, g, ascentMethod());
        System.arraycopy(point, 0, x, 0, dim);
        System.arraycopy(trialDir, 0, grad, 0, dim);
        current = g;
        moved = true;
        break;
      }
      if (!moved) {
        break;
      }
    }
  }

  /**
   * The far field applies to piecewise-linear nets with biases: along x = t·u the activation
   * pattern of f converges, as t → ∞, to the pattern at u of the bias-free net f₀ (same weights,
   * biases dropped), so ∇f(t·u) = ∇f₀(u) for large t. The unbounded linear regions of f therefore
   * carry exactly the gradients of f₀, and their largest norm is Lip(f₀).
   */
  private boolean farFieldApplies() {
    return !searchOnly && !quick && hasBias && mlp.act.piecewiseLinear() && mlp.depth >= 2;
  }

  /** Distances t·R at which far-field directions are evaluated on f itself. */
  static final double[] FAR_SCALES = {1e2, 1e4, 1e6, 1e8};

  /**
   * Searches directions u where ‖∇f₀(u)‖ is largest (a search-only sandwich on the bias-free net,
   * with branch and bound when it is small), then evaluates the rounding-safe ‖∇f‖ of the real net
   * at t·R·u/‖u‖ for each t in {@link #FAR_SCALES}: certified lower bounds on the global constant,
   * method {@code far-field@global}.
   */
  private void farField(long share) {
    if (share < 100) {
      return;
    }
    List<NetworkSnapshot.Layer> layers = new ArrayList<>();
    for (NetworkSnapshot.Layer l : net.layers()) {
      layers.add(new NetworkSnapshot.Layer(l.rows(), l.cols(), l.weights(), null));
    }
    NetworkSnapshot f0 = new NetworkSnapshot(net.activation(), layers);
    LipschitzSandwich sub =
        new LipschitzSandwich(f0, data, rng.nextLong(), share, false, true, false);
    while (sub.step(1000)) {
      // the bias-free search runs to its share of the budget
    }
    evaluations += sub.evaluations();
    for (double[] u : sub.farFieldCandidates()) {
      double n = Mlp.norm(u, dim);
      for (int i = 0; i < FAR_SCALES.length && n > 0 && evaluations < budget; i++) {
        double t = FAR_SCALES[i] * radius / n;
        for (int c = 0; c < dim; c++) {
          point[c] = u[c] * t;
        }
        probe(point, "far-field@global");
      }
    }
  }

  /** Directions worth trying in the far field: the certified best point, then the best probes. */
  private List<double[]> farFieldCandidates() {
    List<double[]> out = new ArrayList<>();
    if (lowerGlobalPoint != null) {
      out.add(lowerGlobalPoint);
    }
    for (int i = 0; i < Math.min(topCount, 4); i++) {
      out.add(topX[i]);
    }
    return out;
  }

  private String ascentMethod() {
    return globalMode ? "ascent@global" : "ascent";
  }

  private void startRun() {
    if (!globalMode && evaluations >= globalTarget) {
      // Switch to the global search: restart from the best local points, without projection.
      globalMode = true;
      runsStarted = 0;
      if (farFieldApplies()) {
        farField((budget - evaluations) / 2);
      }
    }
    long left = (globalMode ? budget : globalTarget) - evaluations;
    if (runsStarted < topCount) {
      System.arraycopy(topX[runsStarted], 0, ax, 0, dim);
    } else if (runsStarted % 2 == 0 && topCount > 0) {
      // Later restarts: jitter around the best points found, or fresh random points.
      double[] base = topX[rng.nextInt(Math.min(topCount, 4))];
      for (int c = 0; c < dim; c++) {
        ax[c] = base[c] + 0.1 * radius * gaussian() / Math.sqrt(dim);
      }
      projectToBall(ax);
    } else {
      randomDomainPoint(ax);
      if (globalMode) {
        // Far points: for large ‖x‖ biases stop mattering, other patterns become reachable.
        double far = Math.pow(10, 1 + rng.nextInt(3));
        for (int c = 0; c < dim; c++) {
          ax[c] *= far;
        }
      }
    }
    if (runsStarted < Math.max(topCount, 1)) {
      int remainingPlanned = Math.max(1, Math.max(topCount, 1) - runsStarted);
      itersPerRun = (int) Math.max(10, left / ASCENT_COST / remainingPlanned);
    } else {
      itersPerRun = 200;
    }
    runsStarted++;
    // Smooth activations are their own surrogate: no annealing.
    beta = mlp.act.smooth() ? BETA_MAX : BETA;
    runBestG = 0;
    aphi = mlp.surrogate(ax, beta, adir);
    evaluations++;
    step = STEP0 * radius;
    runIter = 0;
    runActive = true;
  }

  private void projectToBall(double[] x) {
    if (globalMode) {
      return;
    }
    intoDomain(x);
  }

  /** Relative margin by which points are pulled inside the ball: far above any rounding. */
  private static final double INSIDE_MARGIN = 1e-12;

  /**
   * Moves x into the local domain so that it lies there exactly, not just up to rounding: clamping
   * to the box is exact; for the ball, a point whose norm is not certainly ≤ R is scaled to radius
   * R·(1 − {@value #INSIDE_MARGIN}).
   */
  private void intoDomain(double[] x) {
    if (boxDomain()) {
      for (int c = 0; c < dim; c++) {
        x[c] = Math.max(-boxHalfWidth, Math.min(boxHalfWidth, x[c]));
      }
      return;
    }
    double n = Rounding.normUp(x, dim);
    if (n > radius) {
      double s = radius * (1 - INSIDE_MARGIN) / n;
      for (int c = 0; c < dim; c++) {
        x[c] *= s;
      }
    }
  }

  /** Whether x lies in the local domain exactly (the ball test is rounding-safe). */
  private boolean inDomain(double[] x) {
    if (boxDomain()) {
      for (int c = 0; c < dim; c++) {
        if (!(Math.abs(x[c]) <= boxHalfWidth)) {
          return false;
        }
      }
      return true;
    }
    return Rounding.normUp(x, dim) <= radius;
  }

  /**
   * Exact (double-precision) gradient norms at externally chosen points, for example the best of a
   * large single-precision screening batch; each counts as one evaluation and, where f is
   * differentiable, is a certified lower bound recorded under {@code method}. The caller keeps the
   * points inside the domain ball ({@link #domainRadius()}); the best also seed the ascent.
   */
  public void probeCandidates(double[][] points, String method) {
    for (double[] x : points) {
      if (x.length != dim) {
        throw new IllegalArgumentException(
            "a candidate has " + x.length + " coordinates, the net takes " + dim);
      }
      double norm2 = 0;
      for (double v : x) {
        norm2 += v * v;
      }
      if (boxDomain()) {
        for (double v : x) {
          if (Math.abs(v) > boxHalfWidth * (1 + 1e-12)) {
            throw new IllegalArgumentException(
                "a candidate lies outside the domain box [−"
                    + boxHalfWidth
                    + ", "
                    + boxHalfWidth
                    + "]^d");
          }
        }
      } else if (Math.sqrt(norm2) > domainRadius() * (1 + 1e-12)) {
        throw new IllegalArgumentException(
            "a candidate lies outside the domain ball of radius " + domainRadius());
      }
      double[] inside = x.clone();
      intoDomain(inside);
      probe(inside, method);
    }
  }

  /** One exact gradient evaluation at x, recorded if f is differentiable there. */
  private void probe(double[] x, String method) {
    double g = mlp.gradientNorm(x, grad);
    evaluations++;
    if (mlp.kink() || !Double.isFinite(g)) {
      // relu'(0) := 0 need not be a gradient of f here; such a value certifies nothing.
      return;
    }
    record(x, g, method);
  }

  /**
   * Records a probe whose floating-point gradient norm is g: g steers the search (ascent starts),
   * but only the rounding-safe {@link SafeGradient#lowerNorm} at x is recorded as a bound, and as a
   * local bound only when x lies in the domain exactly (or the net is bias-free piecewise linear,
   * where every gradient also occurs in the ball).
   */
  private void record(double[] x, double g, String method) {
    double prev = bestLower.getOrDefault(method, 0.0);
    boolean local = !globalMode && (globalEqualsLocal || inDomain(x));
    double target = Math.min(prev, local ? Math.min(lower, lowerGlobal) : lowerGlobal);
    // The certified value never exceeds g by more than rounding: skip points that cannot help.
    if (g * (1 + 1e-6) > target) {
      double c = safe.lowerNorm(x);
      if (c > 0) {
        if (c > prev) {
          bestLower.put(method, c);
        }
        if (local && c > lower) {
          lower = c;
          lowerMethod = method;
        }
        if (c > lowerGlobal) {
          lowerGlobal = c;
          lowerGlobalMethod = method;
          lowerGlobalPoint = x.clone();
        }
      }
    }
    if (phase != Phase.ASCENT) {
      rememberTop(x, g);
    } else if (g > runBestG) {
      runBestG = g;
      System.arraycopy(x, 0, runBestX, 0, dim);
    }
  }

  private void rememberTop(double[] x, double g) {
    if (topCount == ASCENT_STARTS && g <= topV[topCount - 1]) {
      return;
    }
    int pos = topCount < ASCENT_STARTS ? topCount++ : topCount - 1;
    double[] slot = topX[pos] == null ? new double[dim] : topX[pos];
    while (pos > 0 && topV[pos - 1] < g) {
      topX[pos] = topX[pos - 1];
      topV[pos] = topV[pos - 1];
      pos--;
    }
    System.arraycopy(x, 0, slot, 0, dim);
    topX[pos] = slot;
    topV[pos] = g;
  }

  /** Best certified lower bound so far; never decreases. */
  public double lower() {
    return lower;
  }

  /** Probe family that produced {@link #lower()}: "grad@data", "grad@chord", …, "ascent". */
  public String lowerMethod() {
    return lowerMethod;
  }

  /** Smallest certified upper bound; never increases (all are computed in the constructor). */
  public double upper() {
    return upper;
  }

  /** Method of {@link #upper()}, e.g. "spectral-product", "combettes-pesquet". */
  public String upperMethod() {
    return upperMethod;
  }

  /**
   * Smallest certified upper bound on the LOCAL constant: {@link #upper()} or a local-only bound
   * (branch and bound on the domain of a small net with biases), whichever is smaller.
   */
  public double upperLocal() {
    return Math.min(upper, upperLocal);
  }

  /** Method of {@link #upperLocal()}. */
  public String upperLocalMethod() {
    return upperLocal < upper ? upperLocalMethod : upperMethod;
  }

  /** Gradient evaluations spent so far. */
  public long evaluations() {
    return evaluations;
  }

  /** The evaluation budget. */
  public long budget() {
    return budget;
  }

  /** Radius R of the probed domain ball ‖x‖ ≤ R. */
  /** The box domain's half-width b (NaN for the ball). */
  public double boxHalfWidth() {
    return boxHalfWidth;
  }

  public double domainRadius() {
    return radius;
  }

  /** (upper − lower) / upper; 1.0 while lower = 0. */
  public double relativeGap() {
    if (lower == 0) {
      return 1.0;
    }
    return (upper - lower) / upper;
  }

  /** Best certified lower bound on the GLOBAL constant (sup over R^d); ≥ {@link #lower()}. */
  public double lowerGlobal() {
    return Math.max(lowerGlobal, lower);
  }

  /** Method of {@link #lowerGlobal()}. */
  public String lowerGlobalMethod() {
    return lowerGlobal > lower ? lowerGlobalMethod : lowerMethod;
  }

  /** LipSDP-Neuron optimiser iterations so far (0 when not applicable). */
  public int lipSdpIterations() {
    return lipSdp == null ? 0 : lipSdp.iterations();
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
    for (Map.Entry<String, Double> e : bestLower.entrySet()) {
      out.add(new Bound(e.getKey(), BoundKind.CERTIFIED_LOWER, e.getValue()));
    }
    for (Map.Entry<String, Double> e : upperBounds.entrySet()) {
      out.add(new Bound(e.getKey(), BoundKind.CERTIFIED_UPPER, e.getValue()));
    }
    for (Map.Entry<String, Double> e : localUpperBounds.entrySet()) {
      out.add(new Bound(e.getKey(), BoundKind.CERTIFIED_UPPER, e.getValue()));
    }
    if (exact != null) {
      out.add(exact);
    }
    if (clever != null) {
      out.add(clever);
    }
    out.add(new Bound("lower-local", BoundKind.CERTIFIED_LOWER, lower));
    out.add(new Bound("lower-global", BoundKind.CERTIFIED_LOWER, lowerGlobal()));
    out.add(new Bound("upper-global", BoundKind.CERTIFIED_UPPER, upper));
    out.add(new Bound("upper-local", BoundKind.CERTIFIED_UPPER, upperLocal()));
    out.addAll(violations(f10));
    return List.copyOf(out);
  }

  /** Relative slack for comparing two computations that should agree up to rounding. */
  static final double INVARIANT_SLACK = 1e-9;

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
    for (Map.Entry<String, Double> e : upperBounds.entrySet()) {
      if (lg > e.getValue() * (1 + INVARIANT_SLACK)) {
        out.add(violation("lower<=" + e.getKey(), lg / e.getValue()));
      }
    }
    for (Map.Entry<String, Double> e : localUpperBounds.entrySet()) {
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
      double v = Clever.estimate(mlp, radius, batches, batchSize, rng.split());
      clever = new Bound("clever@ball", BoundKind.ESTIMATE, v);
    }
    return clever;
  }

  /** The exact constant when it is known (linear nets, small two-layer ReLU nets), else NaN. */
  public double exactValue() {
    return exact == null ? Double.NaN : exact.value();
  }

  /** Π_l σ_max(W_l), certified. */
  public double spectralProductUpper() {
    return spectralProduct;
  }

  /** Two-layer path bound Σ_j |a_j|·‖w_j‖₂ (certified); NaN for other depths. */
  public double pathNormUpper() {
    return pathNorm;
  }
}
