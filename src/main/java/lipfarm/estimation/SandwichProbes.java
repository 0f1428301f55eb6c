package lipfarm.estimation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;

/**
 * The lower-bound search of a {@link LipschitzSandwich}: exact gradient norms at the data, the data
 * difference quotients, chords between (mostly oppositely labelled) data points and random domain
 * points, then the {@link SandwichAscent}. It exists to keep the order of the probes, and the rule
 * for what a probe certifies ({@link #record}), in one class: a floating-point norm only steers the
 * search (ascent starts); the value offered to the {@link CertifiedLowerBounds} is the
 * rounding-safe {@link SafeGradient#lowerNorm}, local only when the point lies in the domain
 * exactly.
 */
final class SandwichProbes {
  /** Budget fractions (of what the data phase leaves) for chords and random domain points. */
  private static final double CHORD_SHARE = 0.2;

  private static final double RANDOM_SHARE = 0.2;

  /** Number of ascent runs started from the best probe points. */
  static final int ASCENT_STARTS = 16;

  /** Largest n·n·d for which nearest opposite-label neighbours are precomputed. */
  private static final long NEIGHBOUR_WORK = 50_000_000L;

  private enum Phase {
    DATA,
    CHORD,
    RANDOM,
    ASCENT
  }

  private final Mlp mlp;
  private final SafeGradient safe;
  private final Dataset data;
  private final SplittableRandom rng;
  private final EvaluationBudget budget;
  private final SandwichDomain domain;
  private final CertifiedLowerBounds lowers;
  private final int dim;
  private final boolean hasBias;
  private final boolean globalEqualsLocal;
  private final SandwichAscent ascent;

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

  private final double[] grad;
  private final double[] point;

  /**
   * @param globalEqualsLocal every gradient of f also occurs in the domain (affine, or bias-free
   *     piecewise linear), so every certified value is also local
   * @param farField the ascent's global phase first searches the far field (see {@link
   *     SandwichAscent})
   */
  SandwichProbes(
      Mlp mlp,
      NetworkSnapshot net,
      SafeGradient safe,
      Dataset data,
      SplittableRandom rng,
      EvaluationBudget budget,
      SandwichDomain domain,
      CertifiedLowerBounds lowers,
      boolean hasBias,
      boolean globalEqualsLocal,
      boolean farField) {
    this.mlp = mlp;
    this.safe = safe;
    this.data = data;
    this.rng = rng;
    this.budget = budget;
    this.domain = domain;
    this.lowers = lowers;
    this.dim = domain.dim();
    this.hasBias = hasBias;
    this.globalEqualsLocal = globalEqualsLocal;
    grad = new double[dim];
    point = new double[dim];
    long rest = Math.max(0, budget.total() - data.n());
    chordTarget = data.n() >= 2 ? (long) (CHORD_SHARE * rest) : 0;
    randomTarget = (long) (RANDOM_SHARE * rest);
    ascent = new SandwichAscent(this, mlp, net, data, rng, budget, domain, farField);
  }

  /** The next probe (or phase change) of the current phase. */
  void step() {
    switch (phase) {
      case DATA -> stepData();
      case CHORD -> stepChord();
      case RANDOM -> stepRandom();
      case ASCENT -> ascent.step();
      default -> throw new IllegalStateException();
    }
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
    DifferenceQuotients.Result r = DifferenceQuotients.best(mlp, data, rng, budget.left());
    budget.charge(r.forwardPasses());
    lowers.offer("diff-quotient@data", r.value(), true);
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
    domain.intoDomain(point);
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
      ascent.globalTarget(
          globalEqualsLocal
              ? budget.total()
              : budget.spent() + (long) (0.6 * (budget.total() - budget.spent())));
      return;
    }
    randomDone++;
    // Without biases ∇f is constant on rays, so the sphere sees every value of the ball.
    if (domain.box()) {
      domain.randomPoint(point);
      probe(point, "grad@box");
      return;
    }
    boolean interior = hasBias && (randomDone & 3) == 0;
    domain.randomSpherePoint(point);
    if (interior) {
      double r = Math.pow(rng.nextDouble(), 1.0 / dim);
      for (int c = 0; c < dim; c++) {
        point[c] *= r;
      }
    }
    domain.intoDomain(point);
    probe(point, interior ? "grad@ball" : "grad@sphere");
  }

  /** Probes externally chosen points, which the caller keeps in the domain (see the sandwich). */
  void probeCandidates(double[][] points, String method) {
    for (double[] x : points) {
      domain.checkCandidate(x);
      double[] inside = x.clone();
      domain.intoDomain(inside);
      probe(inside, method);
    }
  }

  /** One exact gradient evaluation at x, recorded if f is differentiable there. */
  void probe(double[] x, String method) {
    double g = mlp.gradientNorm(x, grad);
    budget.charge(1);
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
  void record(double[] x, double g, String method) {
    double prev = lowers.best(method);
    boolean local = !ascent.globalMode() && (globalEqualsLocal || domain.inDomain(x));
    double lower = lowers.lower();
    double lowerGlobal = lowers.globalOnly();
    double target = Math.min(prev, local ? Math.min(lower, lowerGlobal) : lowerGlobal);
    // The certified value never exceeds g by more than rounding: skip points that cannot help.
    if (g * (1 + 1e-6) > target) {
      if (lowers.offer(method, safe.lowerNorm(x), local)) {
        lowers.globalPoint(x.clone());
      }
    }
    if (phase != Phase.ASCENT) {
      rememberTop(x, g);
    } else {
      ascent.offerRunBest(x, g);
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

  /** How many best probe points are kept (at most {@link #ASCENT_STARTS}). */
  int topCount() {
    return topCount;
  }

  /** The i-th best probe point (by floating-point gradient norm). */
  double[] top(int i) {
    return topX[i];
  }

  /** Directions worth trying in the far field: the certified best point, then the best probes. */
  List<double[]> farFieldCandidates() {
    List<double[]> out = new ArrayList<>();
    if (lowers.globalPoint() != null) {
      out.add(lowers.globalPoint());
    }
    for (int i = 0; i < Math.min(topCount, 4); i++) {
      out.add(topX[i]);
    }
    return out;
  }
}
