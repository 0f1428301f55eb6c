package lipfarm.estimation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lipfarm.protocol.NetworkSnapshot;

/**
 * The upper side of a {@link LipschitzSandwich}, and its exact values: the closed-form bounds
 * computed once (spectral product, path norm, Combettes–Pesquet, ECLipsE-Fast, linear product,
 * pattern enumeration) and the two that tighten step by step, LipSDP-Neuron and branch and bound.
 * It exists so that the sandwich's search for lower bounds reads apart from the bounds above it;
 * branch and bound, whose boxes also yield attained values, hands those to the {@link
 * CertifiedLowerBounds}. Every bound here includes its floating-point error.
 */
final class SandwichUpperBounds {
  /** Branch and bound runs for inputs of at most this dimension ... */
  static final int BNB_MAX_DIM = 4;

  /** ... and at most this many hidden units in all. */
  static final int BNB_MAX_HIDDEN = 128;

  private final Map<String, Double> upperBounds = new LinkedHashMap<>();
  private double upper = Double.POSITIVE_INFINITY;
  private String upperMethod = "none";

  /** Upper bounds on the local constant only (method ends in "@ball" or "@box"). */
  private final Map<String, Double> localUpperBounds = new LinkedHashMap<>();

  private double upperLocal = Double.POSITIVE_INFINITY;
  private String upperLocalMethod = "none";

  private final double spectralProduct;
  private final double pathNorm;
  private final Bound exact;

  /** Certified lower end of the exact value's enclosure; NaN when there is no exact value. */
  private final double exactLower;

  private final LipSdp lipSdp;
  private final BranchAndBound bnb;

  /** Branch and bound covers only the local domain (nets with biases): its upper is local. */
  private final boolean bnbLocalOnly;

  private final boolean boxDomain;

  /**
   * Computes the closed-form bounds and sets up the refinements.
   *
   * @param globalEqualsLocal the sup over the domain equals the sup over R^d (affine, or bias-free
   *     piecewise linear), so branch and bound on the cube bounds both
   * @param searchOnly no LipSDP (a helper search)
   * @param quick only the closed-form bounds whose cost does not grow with the network
   */
  SandwichUpperBounds(
      Mlp mlp,
      NetworkSnapshot net,
      SafeGradient safe,
      SandwichDomain domain,
      boolean globalEqualsLocal,
      boolean searchOnly,
      boolean quick) {
    int dim = domain.dim();
    this.boxDomain = domain.box();
    spectralProduct = UpperBounds.spectralProduct(mlp);
    add("spectral-product", spectralProduct);
    pathNorm = UpperBounds.pathNorm(mlp);
    if (!Double.isNaN(pathNorm)) {
      add("path-norm", pathNorm);
    }
    double cp = UpperBounds.combettesPesquet(mlp);
    if (mlp.depth >= 2 && !Double.isNaN(cp)) {
      add("combettes-pesquet", cp);
    }
    lipSdp = !searchOnly && !quick && LipSdp.applicable(mlp) ? new LipSdp(mlp) : null;
    if (lipSdp != null) {
      double ef = lipSdp.eclipseFast();
      if (!Double.isNaN(ef)) {
        add("eclipse-fast", ef);
      }
    }
    Bound ex = null;
    double exLower = Double.NaN;
    if (mlp.linear) {
      // Identity activation: f is affine, L = σ_max(W_L⋯W_1); the EXACT entry is the computed
      // value, the certified pair comes from the rounding-safe upper bound and the probes.
      UpperBounds.Linear lin = UpperBounds.linear(mlp);
      add("linear-product", lin.upper());
      ex = new Bound("linear-product", BoundKind.EXACT, lin.value());
      // The Jacobian is the same everywhere: its rounding-safe norm at 0 is the lower end.
      exLower = safe.lowerNorm(new double[dim]);
    } else if (!quick) {
      UpperBounds.Enumeration e = UpperBounds.enumerate(mlp);
      if (e != null && e.exact()) {
        ex = new Bound("pattern-enumeration", BoundKind.EXACT, e.value());
        // Every pattern is realised: the enclosure of the best one is a certified pair.
        add("pattern-enumeration", e.upper());
        exLower = e.lower();
      } else if (e != null) {
        add("pattern-enumeration-upper", e.upper());
      }
    }
    exact = ex;
    exactLower = exLower;
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
      bnb = BranchAndBound.cube(net, boxDomain ? domain.boxHalfWidth() : domain.radius());
    } else if (boxDomain) {
      bnb = BranchAndBound.cube(net, domain.boxHalfWidth());
    } else {
      bnb = BranchAndBound.ball(net, domain.radius());
    }
  }

  private static int hiddenUnits(NetworkSnapshot net) {
    int h = 0;
    for (int l = 0; l < net.layers().size() - 1; l++) {
      h += net.layers().get(l).rows();
    }
    return h;
  }

  /** Records a certified upper bound on the global constant. */
  private void add(String method, double value) {
    upperBounds.merge(method, value, Math::min);
    if (value < upper) {
      upper = value;
      upperMethod = method;
    }
  }

  /** Evaluations branch and bound spent on its root box (0 without branch and bound). */
  long setupEvaluations() {
    return bnb == null ? 0 : bnb.evaluations();
  }

  /**
   * Up to {@code iterations} LipSDP-Neuron optimiser iterations; each finite value is recorded even
   * when another bound is tighter (it is reported).
   */
  void stepLipSdp(int iterations) {
    for (int i = 0; i < iterations && sdpWork(); i++) {
      lipSdp.step();
      if (Double.isFinite(lipSdp.best())) {
        add("lipsdp-neuron", lipSdp.best());
      }
    }
  }

  /** LipSDP runs to its own convergence even when another method closed the gap: it is reported. */
  boolean sdpWork() {
    return lipSdp != null && !lipSdp.done();
  }

  /**
   * Whether branch and bound can still narrow its own pair, within the budget left: at least two of
   * its smallest boxes.
   */
  boolean bnbOpen(EvaluationBudget budget) {
    return bnb != null
        && bnb.upper() > bnb.lower() * (1 + LipschitzSandwich.CONVERGED_GAP)
        && budget.left() >= 2 * bnb.minBoxCost();
  }

  /** Whether there is a branch and bound at all (small piecewise-linear nets). */
  boolean hasBnb() {
    return bnb != null;
  }

  /**
   * Box splits within {@code allowance} gradient evaluations, charged to the budget. Its lower
   * bound is attained in the domain; its upper bound is global (bias-free) or local only.
   */
  void bnbStep(long allowance, EvaluationBudget budget, CertifiedLowerBounds lowers) {
    budget.charge(bnb.stepWithin(allowance, LipschitzSandwich.CONVERGED_GAP));
    if (bnbLocalOnly) {
      String m = "branch-and-bound" + (boxDomain ? "@box" : "@ball");
      localUpperBounds.merge(m, bnb.upper(), Math::min);
      if (bnb.upper() < upperLocal) {
        upperLocal = bnb.upper();
        upperLocalMethod = m;
      }
    } else {
      add("branch-and-bound", bnb.upper());
    }
    if (lowers.offer("branch-and-bound", bnb.lower(), true)) {
      lowers.globalPoint(bnb.lowerPoint());
    }
  }

  /** Smallest certified upper bound on the global constant. */
  double upper() {
    return upper;
  }

  String upperMethod() {
    return upperMethod;
  }

  /** Smallest certified upper bound on the local constant. */
  double upperLocal() {
    return Math.min(upper, upperLocal);
  }

  String upperLocalMethod() {
    return upperLocal < upper ? upperLocalMethod : upperMethod;
  }

  /** The exact value (EXACT) when known, else null. */
  Bound exact() {
    return exact;
  }

  /** The certified lower end of {@link #exact()}'s enclosure (NaN, or ≤ 0, when none). */
  double exactLower() {
    return exactLower;
  }

  double spectralProduct() {
    return spectralProduct;
  }

  double pathNorm() {
    return pathNorm;
  }

  int lipSdpIterations() {
    return lipSdp == null ? 0 : lipSdp.iterations();
  }

  /** Each global upper bound, then each local-only one, as CERTIFIED_UPPER entries. */
  void addBounds(List<Bound> out) {
    for (Map.Entry<String, Double> e : upperBounds.entrySet()) {
      out.add(new Bound(e.getKey(), BoundKind.CERTIFIED_UPPER, e.getValue()));
    }
    for (Map.Entry<String, Double> e : localUpperBounds.entrySet()) {
      out.add(new Bound(e.getKey(), BoundKind.CERTIFIED_UPPER, e.getValue()));
    }
  }

  /** Upper bounds on the global constant, by method. */
  Map<String, Double> global() {
    return upperBounds;
  }

  /** Upper bounds on the local constant only, by method. */
  Map<String, Double> localOnly() {
    return localUpperBounds;
  }
}
