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
 * elementwise bounds |J| ≤ M for every Jacobian that occurs in the box, hence ‖J‖₂ ≤ ‖M‖₂ (M ≥ 0):
 * a certified upper bound for the box (with a relative allowance for floating-point rounding). The
 * exact gradient norm at a box's centre is a certified lower bound. The box with the largest upper
 * bound is split in half along its widest side; the answer's upper bound is the largest upper bound
 * of the boxes not yet split.
 *
 * <p>For a bias-free network f is positively homogeneous, so a box that contains a neighbourhood of
 * 0 gives the global constant; with biases it is the constant on the box.
 */
public final class BranchAndBound {
  /** Allowance for rounding in the interval products and the norm. */
  static final double ROUNDING = 1e-9;

  private final NetworkSnapshot net;
  private final HiddenActivation act;
  private final int dim;
  private final PriorityQueue<Box> open =
      new PriorityQueue<>((p, q) -> Double.compare(q.upper, p.upper));

  /**
   * For a bias-free net, boxes inside this ball around 0 are dropped: by homogeneity their
   * gradients also occur farther out in the box. 0 when the trick does not apply.
   */
  private final double skipRadius;

  private double lower;
  private long boxesEvaluated;

  private record Box(double[] lo, double[] hi, double upper) {}

  /**
   * @param net a network whose hidden activation is relu or leaky-relu (any depth, any output size)
   * @param lo the box's lower corner
   * @param hi the box's upper corner
   */
  public BranchAndBound(NetworkSnapshot net, double[] lo, double[] hi) {
    this.net = net;
    this.act = HiddenActivation.parse(net.activation());
    if (net.layers().size() > 1
        && act.kind != HiddenActivation.Kind.RELU
        && act.kind != HiddenActivation.Kind.LEAKY_RELU) {
      throw new IllegalArgumentException(
          "branch and bound needs a (leaky) ReLU network, got " + net.activation());
    }
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
    add(lo.clone(), hi.clone());
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
   * Splits up to {@code splits} boxes; returns false once the pair has met within {@code relGap}.
   */
  public boolean step(int splits, double relGap) {
    for (int i = 0; i < splits && !open.isEmpty() && gap() > relGap; i++) {
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
      add(b.lo, leftHi);
      add(rightLo, b.hi);
    }
    return !open.isEmpty() && gap() > relGap;
  }

  private double gap() {
    double u = upper();
    return u <= 0 ? 0 : (u - lower) / u;
  }

  /** Best certified lower bound (never decreases). */
  public double lower() {
    return lower;
  }

  /** Certified upper bound on the constant over the box (never increases). */
  public double upper() {
    return open.isEmpty() ? lower : Math.max(lower, open.peek().upper);
  }

  public long boxesEvaluated() {
    return boxesEvaluated;
  }

  private void add(double[] lo, double[] hi) {
    if (skipRadius > 0) {
      double far = 0;
      for (int c = 0; c < dim; c++) {
        double m = Math.max(Math.abs(lo[c]), Math.abs(hi[c]));
        far += m * m;
      }
      if (Math.sqrt(far) < skipRadius) {
        return;
      }
    }
    boxesEvaluated++;
    double[] centre = new double[dim];
    for (int c = 0; c < dim; c++) {
      centre[c] = 0.5 * (lo[c] + hi[c]);
    }
    if (differentiableAt(centre)) {
      lower = Math.max(lower, NetworkMath.gradientNorm(net, centre));
    }
    open.add(new Box(lo, hi, boxUpper(lo, hi)));
  }

  /** No hidden pre-activation is exactly 0 at x, so the gradient there is f's gradient. */
  private boolean differentiableAt(double[] x) {
    double[] v = x;
    List<NetworkSnapshot.Layer> layers = net.layers();
    for (int l = 0; l < layers.size() - 1; l++) {
      NetworkSnapshot.Layer layer = layers.get(l);
      double[] z = affine(layer, v);
      for (int j = 0; j < z.length; j++) {
        if (z[j] == 0) {
          return false;
        }
        z[j] = z[j] > 0 ? z[j] : act.slopeLow * z[j];
      }
      v = z;
    }
    return true;
  }

  private static double[] affine(NetworkSnapshot.Layer layer, double[] x) {
    double[] w = layer.weights();
    double[] b = layer.bias();
    double[] z = new double[layer.rows()];
    for (int r = 0; r < layer.rows(); r++) {
      double s = b == null ? 0 : b[r];
      for (int c = 0; c < layer.cols(); c++) {
        s += w[r * layer.cols() + c] * x[c];
      }
      z[r] = s;
    }
    return z;
  }

  /** ‖M‖₂ where |J| ≤ M elementwise for every Jacobian J of f on the box. */
  private double boxUpper(double[] lo, double[] hi) {
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
        // Gate interval: 1 where z > 0 throughout, α where z < 0 throughout, else [α, 1].
        gl[r] = zl >= 0 ? 1 : alpha;
        gu[r] = zu <= 0 ? alpha : 1;
        nxl[r] = zl >= 0 ? zl : alpha * zl;
        nxu[r] = zu >= 0 ? zu : alpha * zu;
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
      // M = D J (row r scaled by [gl, gu] ⊂ [0, 1]), then J' = W_{l+1} M.
      double[] ml = new double[rows * dim];
      double[] mu = new double[rows * dim];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < dim; c++) {
          double a1 = gl[r] * jl[r * dim + c];
          double a2 = gu[r] * jl[r * dim + c];
          double b1 = gl[r] * ju[r * dim + c];
          double b2 = gu[r] * ju[r * dim + c];
          ml[r * dim + c] = Math.min(Math.min(a1, a2), Math.min(b1, b2));
          mu[r * dim + c] = Math.max(Math.max(a1, a2), Math.max(b1, b2));
        }
      }
      NetworkSnapshot.Layer next = layers.get(l + 1);
      double[] w = next.weights();
      int out = next.rows();
      double[] nl = new double[out * dim];
      double[] nu = new double[out * dim];
      for (int o = 0; o < out; o++) {
        for (int r = 0; r < rows; r++) {
          double wv = w[o * rows + r];
          for (int c = 0; c < dim; c++) {
            if (wv >= 0) {
              nl[o * dim + c] += wv * ml[r * dim + c];
              nu[o * dim + c] += wv * mu[r * dim + c];
            } else {
              nl[o * dim + c] += wv * mu[r * dim + c];
              nu[o * dim + c] += wv * ml[r * dim + c];
            }
          }
        }
      }
      jl = nl;
      ju = nu;
      rows = out;
    }
    if (undecided <= MAX_ENUMERATED_GATES) {
      return vertexMax(gateLo, gateHi, undecided);
    }
    double[] m = new double[rows * dim];
    for (int i = 0; i < m.length; i++) {
      m[i] = Math.max(Math.abs(jl[i]), Math.abs(ju[i]));
    }
    return NetworkMath.spectralNormUpper(rows, dim, m) * (1 + ROUNDING);
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
      best = Math.max(best, jacobianNorm(gates));
    }
    return best * (1 + ROUNDING);
  }

  /** ‖W_L D_{L−1} … D_1 W_1‖₂ for the given gate values (certified spectral norm). */
  private double jacobianNorm(double[][] gates) {
    List<NetworkSnapshot.Layer> layers = net.layers();
    double[] j = layers.get(0).weights();
    int rows = layers.get(0).rows();
    for (int l = 0; l < layers.size() - 1; l++) {
      NetworkSnapshot.Layer next = layers.get(l + 1);
      double[] w = next.weights();
      int out = next.rows();
      double[] nj = new double[out * dim];
      for (int o = 0; o < out; o++) {
        for (int r = 0; r < rows; r++) {
          double wv = w[o * rows + r] * gates[l][r];
          if (wv == 0) {
            continue;
          }
          for (int c = 0; c < dim; c++) {
            nj[o * dim + c] += wv * j[r * dim + c];
          }
        }
      }
      j = nj;
      rows = out;
    }
    return NetworkMath.spectralNormUpper(rows, dim, j);
  }

  /** [z_lo, z_hi] of W x + b over x ∈ [xl, xu]. */
  private static double[][] intervalAffine(NetworkSnapshot.Layer layer, double[] xl, double[] xu) {
    double[] w = layer.weights();
    double[] b = layer.bias();
    double[] zl = new double[layer.rows()];
    double[] zu = new double[layer.rows()];
    for (int r = 0; r < layer.rows(); r++) {
      double sl = b == null ? 0 : b[r];
      double su = sl;
      for (int c = 0; c < layer.cols(); c++) {
        double wv = w[r * layer.cols() + c];
        if (wv >= 0) {
          sl += wv * xl[c];
          su += wv * xu[c];
        } else {
          sl += wv * xu[c];
          su += wv * xl[c];
        }
      }
      // Widen by a rounding allowance so a gate is fixed only when its sign is certain.
      double slack = ROUNDING * (Math.abs(sl) + Math.abs(su) + 1e-300);
      zl[r] = sl - slack;
      zu[r] = su + slack;
    }
    return new double[][] {zl, zu};
  }
}
