package lipfarm.estimation;

import java.util.List;
import java.util.PriorityQueue;
import lipfarm.protocol.NetworkSnapshot;

/**
 * Branch and bound over input boxes for the Lipschitz constant of a small (leaky-)ReLU network of
 * any depth on a box B (LipBaB, Bhowmick et al. 2021): an anytime pair lower ≤ Lip_B(f) ≤ upper
 * that meets as boxes are split.
 *
 * <p>For a sub-box, interval arithmetic on the pre-activations fixes the gates of neurons whose
 * pre-activation interval does not contain 0 (gate 1 or the leaky slope α) and leaves the others in
 * [α, 1]. Propagating the Jacobian J = W_L D_{L−1} … D_1 W_1 as an interval matrix gives
 * elementwise bounds |J| ≤ M for every Jacobian that occurs in the box, hence ‖J‖₂ ≤ ‖M‖₂ (M ≥ 0).
 * With few undecided gates the box's bound is instead the maximum of ‖J‖ over the vertices of the
 * gate box. Every interval is widened by the rounding error of the sums that formed it (γ_n of
 * {@link Rounding}) and every computed Jacobian carries an entrywise error bound E, so ‖J‖ ≤
 * ‖J̃‖₂(certified) + ‖E‖_F: the upper bound holds for the exact function of the stored weights. The
 * rounding-safe gradient norm at a box's centre ({@link SafeGradient}) is a certified lower bound.
 * The box with the largest upper bound is split in half along its widest side; the answer's upper
 * bound is the largest upper bound of the boxes not yet split.
 *
 * <p><b>Cost.</b> Work is counted in gradient evaluations: a box costs {@value #BOX_BASE_COST} + 2d
 * (centre gradient, interval forward pass, interval Jacobian with d columns) plus d for every
 * vertex Jacobian enumerated; vertices are enumerated only when they fit in the allowance. {@link
 * #stepWithin} never spends more than its allowance, so a caller can hold a total budget.
 *
 * <p>For a bias-free network f is positively homogeneous, so a box that contains a neighbourhood of
 * 0 gives the global constant; with biases it is the constant on the box.
 */
public final class BranchAndBound {
  /** Centre gradient plus the interval forward pass, in gradient evaluations. */
  static final int BOX_BASE_COST = 3;

  private final NetworkSnapshot net;
  private final HiddenActivation act;
  private final SafeGradient safe;
  private final int dim;
  private final PriorityQueue<Box> open =
      new PriorityQueue<>((p, q) -> Double.compare(q.upper, p.upper));

  /**
   * For a bias-free net, boxes inside this ball around 0 are dropped: by homogeneity their
   * gradients also occur farther out in the box. 0 when the trick does not apply.
   */
  private final double skipRadius;

  /**
   * When a number, only the part of the box inside the closed ball of this radius counts: boxes
   * certainly outside it are dropped and lower bounds come from points certainly inside it, so the
   * pair brackets the constant on the ball. NaN: the whole box.
   */
  private final double ball;

  private double lower;
  private double[] lowerPoint;
  private long boxesEvaluated;
  private long evaluations;

  private record Box(double[] lo, double[] hi, double upper) {}

  /**
   * @param net a network whose hidden activation is relu or leaky-relu (any depth, any output size)
   * @param lo the box's lower corner
   * @param hi the box's upper corner
   */
  public BranchAndBound(NetworkSnapshot net, double[] lo, double[] hi) {
    this(net, lo, hi, Double.NaN);
  }

  private BranchAndBound(NetworkSnapshot net, double[] lo, double[] hi, double ball) {
    this.net = net;
    this.ball = ball;
    this.act = HiddenActivation.parse(net.activation());
    if (net.layers().size() > 1
        && act.kind != HiddenActivation.Kind.RELU
        && act.kind != HiddenActivation.Kind.LEAKY_RELU) {
      throw new IllegalArgumentException(
          "branch and bound needs a (leaky) ReLU network, got " + net.activation());
    }
    this.safe = new SafeGradient(new Mlp(net));
    this.dim = net.inputDim();
    if (lo.length != dim || hi.length != dim) {
      throw new IllegalArgumentException("the box needs " + dim + " coordinates");
    }
    boolean homogeneous = net.layers().stream().allMatch(l -> l.bias() == null);
    double inner = Double.POSITIVE_INFINITY;
    for (int c = 0; c < dim; c++) {
      inner = Math.min(inner, Math.min(-lo[c], hi[c]));
    }
    // Every direction u has the point 2ρ·u inside the box and outside the ball of radius ρ.
    this.skipRadius = homogeneous && inner > 0 ? 0.5 * inner : 0;
    add(lo.clone(), hi.clone(), 0); // the root box: interval bound only, the cheapest
  }

  /**
   * The constant on the ball ‖x‖ ≤ r (with or without biases): boxes of the cube [−r, r]^d that
   * meet the ball, lower bounds at points inside it.
   */
  public static BranchAndBound ball(NetworkSnapshot net, double r) {
    double[] lo = new double[net.inputDim()];
    double[] hi = new double[net.inputDim()];
    java.util.Arrays.fill(lo, -r);
    java.util.Arrays.fill(hi, r);
    return new BranchAndBound(net, lo, hi, r);
  }

  /** A cube [−r, r]^d around the origin. */
  public static BranchAndBound cube(NetworkSnapshot net, double r) {
    double[] lo = new double[net.inputDim()];
    double[] hi = new double[net.inputDim()];
    java.util.Arrays.fill(lo, -r);
    java.util.Arrays.fill(hi, r);
    return new BranchAndBound(net, lo, hi);
  }

  /**
   * Splits up to {@code splits} boxes (no evaluation limit); returns false once the pair has met
   * within {@code relGap}.
   */
  public boolean step(int splits, double relGap) {
    for (int i = 0; i < splits && !open.isEmpty() && gap() > relGap; i++) {
      split(Long.MAX_VALUE);
    }
    return !open.isEmpty() && gap() > relGap;
  }

  /** Cheapest possible box, in gradient evaluations. */
  long minBoxCost() {
    return BOX_BASE_COST + 2L * dim;
  }

  /**
   * Splits boxes while the next split fits in {@code allowance} gradient evaluations and the pair
   * has not met within {@code relGap}.
   *
   * @return the evaluations spent, never more than the allowance
   */
  public long stepWithin(long allowance, double relGap) {
    long start = evaluations;
    while (!open.isEmpty()
        && gap() > relGap
        && allowance - (evaluations - start) >= 2 * minBoxCost()) {
      split(allowance - (evaluations - start));
    }
    return evaluations - start;
  }

  /** Splits the box with the largest upper bound; both halves together cost at most allowance. */
  private void split(long allowance) {
    Box b = open.poll();
    int axis = 0;
    for (int c = 1; c < dim; c++) {
      if (b.hi[c] - b.lo[c] > b.hi[axis] - b.lo[axis]) {
        axis = c;
      }
    }
    double mid = 0.5 * (b.lo[axis] + b.hi[axis]);
    double[] leftHi = b.hi.clone();
    leftHi[axis] = mid;
    double[] rightLo = b.lo.clone();
    rightLo[axis] = mid;
    long before = evaluations;
    // Keep the second half's minimal cost in reserve so it is always evaluated.
    add(b.lo, leftHi, sat(allowance - minBoxCost()));
    add(rightLo, b.hi, sat(allowance - (evaluations - before)));
  }

  private static long sat(long v) {
    return Math.max(0, v);
  }

  private double gap() {
    double u = upper();
    return u <= 0 ? 0 : (u - lower) / u;
  }

  /** Best certified lower bound (never decreases). */
  public double lower() {
    return lower;
  }

  /** The point where {@link #lower()} was certified (null while lower is 0). */
  double[] lowerPoint() {
    return lowerPoint == null ? null : lowerPoint.clone();
  }

  /** Certified upper bound on the constant over the box (never increases). */
  public double upper() {
    return open.isEmpty() ? lower : Math.max(lower, open.peek().upper);
  }

  public long boxesEvaluated() {
    return boxesEvaluated;
  }

  /** Gradient evaluations spent so far (see the class comment for what a box costs). */
  public long evaluations() {
    return evaluations;
  }

  /** Evaluates one box within {@code allowance} evaluations (at least its minimal cost). */
  private void add(double[] lo, double[] hi, long allowance) {
    if (skipRadius > 0) {
      double far = 0;
      for (int c = 0; c < dim; c++) {
        double m = Math.max(Math.abs(lo[c]), Math.abs(hi[c]));
        far += m * m;
      }
      // The computed norm may be slightly off; drop only boxes clearly inside the ball.
      if (Math.sqrt(far) * (1 + 1e-9) < skipRadius) {
        return;
      }
    }
    double[] centre = new double[dim];
    for (int c = 0; c < dim; c++) {
      centre[c] = 0.5 * (lo[c] + hi[c]);
    }
    double[] probe = centre;
    if (!Double.isNaN(ball)) {
      // The box point nearest to 0 (exact clamp): the box meets the ball iff it lies in it.
      double[] near = new double[dim];
      for (int c = 0; c < dim; c++) {
        near[c] = Math.max(lo[c], Math.min(hi[c], 0));
      }
      if (Rounding.normDown(near, dim) > ball) {
        return; // certainly outside the ball
      }
      double cn = Rounding.normUp(centre, dim);
      if (!(cn <= ball)) {
        // The centre pulled radially just inside the sphere, clamped into the box: near the
        // sphere this stays in the centre's region; else the box point nearest to 0.
        double[] pulled = new double[dim];
        double f = ball * (1 - 1e-12) / cn;
        for (int c = 0; c < dim; c++) {
          pulled[c] = Math.max(lo[c], Math.min(hi[c], centre[c] * f));
        }
        probe =
            Rounding.normUp(pulled, dim) <= ball
                ? pulled
                : Rounding.normUp(near, dim) <= ball ? near : null;
      }
    }
    boxesEvaluated++;
    evaluations += minBoxCost();
    double g = probe == null ? 0 : safe.lowerNorm(probe);
    if (g > lower) {
      lower = g;
      lowerPoint = probe;
    }
    open.add(new Box(lo, hi, boxUpper(lo, hi, sat(allowance - minBoxCost()))));
  }

  /**
   * An upper bound on ‖J‖₂ for every Jacobian J of f on the box: vertex enumeration when the
   * undecided gates are few and their Jacobians fit in {@code allowance}, else ‖M‖₂ with |J| ≤ M.
   */
  private double boxUpper(double[] lo, double[] hi, long allowance) {
    List<NetworkSnapshot.Layer> layers = net.layers();
    double[] xl = lo;
    double[] xu = hi;
    NetworkSnapshot.Layer first = layers.get(0);
    double[] jl = first.weights(); // rows × d, exact
    double[] ju = first.weights();
    int rows = first.rows();
    double alpha = act.slopeLow;
    double[][] gateLo = new double[layers.size() - 1][];
    double[][] gateHi = new double[layers.size() - 1][];
    int undecided = 0;
    for (int l = 0; l < layers.size() - 1; l++) {
      NetworkSnapshot.Layer layer = layers.get(l);
      double[][] z = intervalAffine(layer, xl, xu);
      double[] gl = new double[rows];
      double[] gu = new double[rows];
      double[] nxl = new double[rows];
      double[] nxu = new double[rows];
      for (int r = 0; r < rows; r++) {
        double zl = z[0][r];
        double zu = z[1][r];
        // Gate interval: 1 where z ≥ 0 throughout, α where z ≤ 0 throughout, else [α, 1].
        gl[r] = zl >= 0 ? 1 : alpha;
        gu[r] = zu <= 0 ? alpha : 1;
        // σ is monotone; α·z is rounded outwards.
        nxl[r] = zl >= 0 ? zl : Rounding.down(alpha * zl);
        nxu[r] = zu >= 0 ? zu : Rounding.up(alpha * zu);
      }
      xl = nxl;
      xu = nxu;
      gateLo[l] = gl;
      gateHi[l] = gu;
      for (int r = 0; r < rows; r++) {
        if (gl[r] != gu[r]) {
          undecided++;
        }
      }
      // M = D J (row r scaled by [gl, gu] ⊂ [0, 1], rounded outwards), then J' = W_{l+1} M.
      double[] ml = new double[rows * dim];
      double[] mu = new double[rows * dim];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < dim; c++) {
          double a1 = gl[r] * jl[r * dim + c];
          double a2 = gu[r] * jl[r * dim + c];
          double b1 = gl[r] * ju[r * dim + c];
          double b2 = gu[r] * ju[r * dim + c];
          ml[r * dim + c] = Rounding.down(Math.min(Math.min(a1, a2), Math.min(b1, b2)));
          mu[r * dim + c] = Rounding.up(Math.max(Math.max(a1, a2), Math.max(b1, b2)));
        }
      }
      NetworkSnapshot.Layer next = layers.get(l + 1);
      double[] w = next.weights();
      int out = next.rows();
      double[] nl = new double[out * dim];
      double[] nu = new double[out * dim];
      double[] abs = new double[out * dim];
      for (int o = 0; o < out; o++) {
        for (int r = 0; r < rows; r++) {
          double wv = w[o * rows + r];
          for (int c = 0; c < dim; c++) {
            int i = o * dim + c;
            double p = wv * ml[r * dim + c];
            double q = wv * mu[r * dim + c];
            nl[i] += Math.min(p, q);
            nu[i] += Math.max(p, q);
            abs[i] += Math.max(Math.abs(p), Math.abs(q));
          }
        }
      }
      double gm = Rounding.gamma(rows);
      for (int i = 0; i < nl.length; i++) {
        double e = gm * abs[i] + Rounding.underflow(rows);
        nl[i] = Rounding.down(nl[i] - e);
        nu[i] = Rounding.up(nu[i] + e);
      }
      jl = nl;
      ju = nu;
      rows = out;
    }
    if (undecided <= MAX_ENUMERATED_GATES && ((long) dim << undecided) <= allowance) {
      evaluations += (long) dim << undecided;
      return vertexMax(gateLo, gateHi, undecided);
    }
    double[] m = new double[rows * dim];
    for (int i = 0; i < m.length; i++) {
      m[i] = Math.max(Math.abs(jl[i]), Math.abs(ju[i]));
    }
    return NetworkMath.spectralNormUpper(rows, dim, m);
  }

  /**
   * Up to this many undecided gates a box's bound is the maximum over the vertices of its gate box.
   */
  static final int MAX_ENUMERATED_GATES = 10;

  /**
   * ‖J(g)‖ is convex in each gate with the others fixed (J is affine in each gate), so its maximum
   * over the gate box [α, 1]^u is attained at a vertex: the exact maximum over the patterns the box
   * allows, which bounds every Jacobian in the box.
   */
  private double vertexMax(double[][] gateLo, double[][] gateHi, int undecided) {
    int[][] idx = new int[undecided][];
    int u = 0;
    for (int l = 0; l < gateLo.length; l++) {
      for (int r = 0; r < gateLo[l].length; r++) {
        if (gateLo[l][r] != gateHi[l][r]) {
          idx[u++] = new int[] {l, r};
        }
      }
    }
    double[][] gates = new double[gateLo.length][];
    for (int l = 0; l < gateLo.length; l++) {
      gates[l] = gateLo[l].clone();
    }
    double best = 0;
    for (int mask = 0; mask < 1 << undecided; mask++) {
      for (int i = 0; i < undecided; i++) {
        int[] at = idx[i];
        gates[at[0]][at[1]] = (mask >> i & 1) == 1 ? gateHi[at[0]][at[1]] : gateLo[at[0]][at[1]];
      }
      best = Math.max(best, jacobianNormUpper(gates));
    }
    return best;
  }

  /**
   * A certified upper bound on ‖W_L D_{L−1} … D_1 W_1‖₂ for the given gate values: the product is
   * formed with an entrywise error bound E (γ_n per sum, propagated), and ‖J‖ ≤ ‖J̃‖ + ‖E‖_F.
   */
  private double jacobianNormUpper(double[][] gates) {
    List<NetworkSnapshot.Layer> layers = net.layers();
    double[] j = layers.get(0).weights();
    double[] e = new double[j.length];
    int rows = layers.get(0).rows();
    for (int l = 0; l < layers.size() - 1; l++) {
      NetworkSnapshot.Layer next = layers.get(l + 1);
      double[] w = next.weights();
      int out = next.rows();
      double[] nj = new double[out * dim];
      double[] abs = new double[out * dim];
      double[] prop = new double[out * dim];
      for (int o = 0; o < out; o++) {
        for (int r = 0; r < rows; r++) {
          double wv = w[o * rows + r] * gates[l][r];
          if (wv == 0) {
            continue;
          }
          double aw = Math.abs(wv);
          for (int c = 0; c < dim; c++) {
            double t = wv * j[r * dim + c];
            nj[o * dim + c] += t;
            abs[o * dim + c] += Math.abs(t);
            prop[o * dim + c] += aw * e[r * dim + c];
          }
        }
      }
      // One more term than rows covers the rounding of w·gate.
      double gm = Rounding.gamma(rows + 1);
      double[] ne = new double[out * dim];
      for (int i = 0; i < ne.length; i++) {
        ne[i] =
            (gm * abs[i] + prop[i] * (1 + gm) + Rounding.underflow(rows)) * (1 + 4 * Rounding.U);
      }
      j = nj;
      e = ne;
      rows = out;
    }
    return Rounding.up(NetworkMath.spectralNormUpper(rows, dim, j) + Rounding.normUp(e, e.length));
  }

  /** [z_lo, z_hi] ⊇ {W x + b : x ∈ [xl, xu]}, widened by the rounding error of both sums. */
  private static double[][] intervalAffine(NetworkSnapshot.Layer layer, double[] xl, double[] xu) {
    double[] w = layer.weights();
    double[] b = layer.bias();
    double[] zl = new double[layer.rows()];
    double[] zu = new double[layer.rows()];
    int cols = layer.cols();
    double gm = Rounding.gamma(cols + 1);
    for (int r = 0; r < layer.rows(); r++) {
      double sl = b == null ? 0 : b[r];
      double su = sl;
      double abs = Math.abs(sl);
      for (int c = 0; c < cols; c++) {
        double wv = w[r * cols + c];
        double p = wv * xl[c];
        double q = wv * xu[c];
        sl += Math.min(p, q);
        su += Math.max(p, q);
        abs += Math.max(Math.abs(p), Math.abs(q));
      }
      double e = gm * abs + Rounding.underflow(cols);
      zl[r] = Rounding.down(sl - e);
      zu[r] = Rounding.up(su + e);
    }
    return new double[][] {zl, zu};
  }
}
