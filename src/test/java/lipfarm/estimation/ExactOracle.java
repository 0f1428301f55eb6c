package lipfarm.estimation;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import lipfarm.protocol.NetworkSnapshot;

/**
 * An exact Lipschitz oracle for small scalar-output (leaky-)ReLU nets of any depth in dimension d ≤
 * 3, written independently of the estimators: it shares no code with lipfarm.estimation (only the
 * {@link NetworkSnapshot} data record) and computes in exact rational arithmetic.
 *
 * <p>A continuous piecewise-linear f has Lipschitz constant max ‖∇f‖ over its linear regions with
 * non-empty interior (over a convex domain: the regions meeting the domain's interior). A region is
 * a full activation pattern s; on it every pre-activation is affine in x, so the region is the open
 * polyhedron {x : sign constraints hold}. The oracle enumerates patterns depth first, unit by unit,
 * and keeps a prefix only while its strict linear system is feasible (Fourier–Motzkin elimination,
 * exact); so every realised region is visited once. A region meets the open ball ‖x‖ &lt; R iff the
 * minimum norm over its closure is &lt; R; that minimum is the projection of 0 onto the affine hull
 * of some face, found by trying every set of at most d independent constraints as equalities.
 */
final class ExactOracle {
  private ExactOracle() {}

  /**
   * An exact rational p/q with q > 0; reduced to lowest terms only when it grows (gcds dominate the
   * cost otherwise). Compare with {@link #compareTo}, not equals.
   */
  record Q(BigInteger p, BigInteger q) implements Comparable<Q> {
    static final Q ZERO = new Q(BigInteger.ZERO, BigInteger.ONE);
    static final Q ONE = new Q(BigInteger.ONE, BigInteger.ONE);

    static Q of(BigInteger p, BigInteger q) {
      if (q.signum() < 0) {
        p = p.negate();
        q = q.negate();
      }
      if (p.bitLength() + q.bitLength() < 600) {
        return new Q(p, q);
      }
      BigInteger g = p.gcd(q);
      if (g.signum() != 0 && !g.equals(BigInteger.ONE)) {
        p = p.divide(g);
        q = q.divide(g);
      }
      return new Q(p, q);
    }

    /** The exact value of a double. */
    static Q of(double x) {
      BigDecimal b = new BigDecimal(x);
      return b.scale() >= 0
          ? of(b.unscaledValue(), BigInteger.TEN.pow(b.scale()))
          : of(b.unscaledValue().multiply(BigInteger.TEN.pow(-b.scale())), BigInteger.ONE);
    }

    Q add(Q o) {
      return of(p.multiply(o.q).add(o.p.multiply(q)), q.multiply(o.q));
    }

    Q sub(Q o) {
      return of(p.multiply(o.q).subtract(o.p.multiply(q)), q.multiply(o.q));
    }

    Q mul(Q o) {
      return of(p.multiply(o.p), q.multiply(o.q));
    }

    Q div(Q o) {
      return of(p.multiply(o.q), q.multiply(o.p));
    }

    Q neg() {
      return new Q(p.negate(), q);
    }

    int signum() {
      return p.signum();
    }

    @Override
    public int compareTo(Q o) {
      return p.multiply(o.q).compareTo(o.p.multiply(q));
    }

    double toDouble() {
      return new BigDecimal(p)
          .divide(new BigDecimal(q), java.math.MathContext.DECIMAL128)
          .doubleValue();
    }
  }

  /** An affine function a·x + c of the input. */
  record Affine(Q[] a, Q c) {
    Affine scale(Q s) {
      Q[] b = new Q[a.length];
      for (int i = 0; i < a.length; i++) {
        b[i] = a[i].mul(s);
      }
      return new Affine(b, c.mul(s));
    }

    Affine plus(Affine o) {
      Q[] b = new Q[a.length];
      for (int i = 0; i < a.length; i++) {
        b[i] = a[i].add(o.a[i]);
      }
      return new Affine(b, c.add(o.c));
    }
  }

  /** The exact squared constants: over R^d, and over the open ball ‖x‖ &lt; radius. */
  record Result(Q globalSquared, Q localSquared, int regions) {
    /** Whether v ≤ the global constant, exactly. */
    boolean globalAtLeast(double v) {
      return v <= 0 || Q.of(v).mul(Q.of(v)).compareTo(globalSquared) <= 0;
    }

    boolean localAtLeast(double v) {
      return v <= 0 || Q.of(v).mul(Q.of(v)).compareTo(localSquared) <= 0;
    }

    /** Whether v ≥ the global constant, exactly. */
    boolean globalAtMost(double v) {
      return Q.of(v).mul(Q.of(v)).compareTo(globalSquared) >= 0;
    }

    boolean localAtMost(double v) {
      return Q.of(v).mul(Q.of(v)).compareTo(localSquared) >= 0;
    }

    double global() {
      return Math.sqrt(globalSquared.toDouble());
    }

    double local() {
      return Math.sqrt(localSquared.toDouble());
    }
  }

  private record Region(Q[] gradient, Q norm2, List<Affine> constraints) {}

  /**
   * Exact constants of a scalar (leaky-)ReLU net with input dimension ≤ 3.
   *
   * @param radius the local domain is the open ball of this radius (compared exactly)
   */
  static Result lipschitz(NetworkSnapshot net, double radius) {
    return lipschitz(net, radius, Double.NaN);
  }

  /** The exact squared constant on the open box (−b, b)^d: regions meeting the box. */
  static Q onBoxSquared(NetworkSnapshot net, double b) {
    return lipschitz(net, 0, b).globalSquared();
  }

  private static Result lipschitz(NetworkSnapshot net, double radius, double box) {
    int d = net.inputDim();
    if (d > 3 || net.layers().get(net.layers().size() - 1).rows() != 1) {
      throw new IllegalArgumentException("oracle: scalar output and d ≤ 3 only");
    }
    String act = net.activation().trim();
    Q alpha =
        act.equals("relu")
            ? Q.ZERO
            : act.startsWith("leaky-relu:") ? Q.of(Double.parseDouble(act.substring(11))) : null;
    if (alpha == null) {
      throw new IllegalArgumentException("oracle: relu or leaky-relu:<α> only");
    }
    List<Region> regions = new ArrayList<>();
    // Layer-1 inputs: the coordinates x_c as affine functions.
    List<Affine> inputs = new ArrayList<>();
    for (int c = 0; c < d; c++) {
      Q[] a = new Q[d];
      for (int i = 0; i < d; i++) {
        a[i] = i == c ? Q.ONE : Q.ZERO;
      }
      inputs.add(new Affine(a, Q.ZERO));
    }
    List<Affine> start = new ArrayList<>();
    if (!Double.isNaN(box)) {
      for (int c = 0; c < d; c++) {
        // b + x_c > 0 and b − x_c > 0.
        start.add(new Affine(inputs.get(c).a(), Q.of(box)));
        start.add(inputs.get(c).scale(Q.ONE.neg()).plus(new Affine(zeros(d), Q.of(box))));
      }
    }
    search(net, alpha, 0, 0, inputs, new ArrayList<>(), start, regions, d);
    Q global = Q.ZERO;
    for (Region r : regions) {
      if (r.norm2.compareTo(global) > 0) {
        global = r.norm2;
      }
    }
    // Local: the largest gradient among regions that meet the open ball.
    regions.sort((p, q) -> q.norm2.compareTo(p.norm2));
    Q r2 = Q.of(radius).mul(Q.of(radius));
    Q local = Q.ZERO;
    for (Region r : regions) {
      if (meetsBall(r.constraints, d, r2)) {
        local = r.norm2;
        break;
      }
    }
    return new Result(global, local, regions.size());
  }

  /**
   * Depth-first over the units of layer {@code layer}: unit {@code unit}'s pre-activation (affine
   * in x, given the pattern so far) is either > 0 or < 0; a branch continues only while feasible.
   */
  private static void search(
      NetworkSnapshot net,
      Q alpha,
      int layer,
      int unit,
      List<Affine> in,
      List<Affine> out,
      List<Affine> constraints,
      List<Region> regions,
      int d) {
    List<NetworkSnapshot.Layer> layers = net.layers();
    NetworkSnapshot.Layer l = layers.get(layer);
    if (layer == layers.size() - 1) {
      // Output layer: f is affine on the region; its gradient is the x-coefficient vector.
      Affine f = pre(l, 0, in, d);
      Q n2 = Q.ZERO;
      for (Q v : f.a) {
        n2 = n2.add(v.mul(v));
      }
      regions.add(new Region(f.a, n2, List.copyOf(constraints)));
      return;
    }
    if (unit == l.rows()) {
      search(net, alpha, layer + 1, 0, out, new ArrayList<>(), constraints, regions, d);
      return;
    }
    Affine z = pre(l, unit, in, d);
    for (int sign : new int[] {1, -1}) {
      Affine c = z.scale(sign > 0 ? Q.ONE : Q.ONE.neg());
      constraints.add(c);
      if (feasible(constraints, d)) {
        out.add(sign > 0 ? z : z.scale(alpha));
        search(net, alpha, layer, unit + 1, in, out, constraints, regions, d);
        out.remove(out.size() - 1);
      }
      constraints.remove(constraints.size() - 1);
    }
  }

  private static Q[] zeros(int d) {
    Q[] a = new Q[d];
    java.util.Arrays.fill(a, Q.ZERO);
    return a;
  }

  private static final java.util.Map<Double, Q> EXACT =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static Q exact(double v) {
    return EXACT.computeIfAbsent(v, Q::of);
  }

  /** Pre-activation of unit r: Σ_c w_rc·in_c + b_r, affine in x. */
  private static Affine pre(NetworkSnapshot.Layer l, int r, List<Affine> in, int d) {
    Q[] a = new Q[d];
    java.util.Arrays.fill(a, Q.ZERO);
    Affine acc = new Affine(a, l.bias() == null ? Q.ZERO : exact(l.bias()[r]));
    for (int c = 0; c < l.cols(); c++) {
      acc = acc.plus(in.get(c).scale(exact(l.w(r, c))));
    }
    return acc;
  }

  /** Whether {x : a_i·x + c_i > 0 for all i} is non-empty (Fourier–Motzkin, exact). */
  /**
   * Whether {x : a_i·x + c_i > 0 for all i} is non-empty: Fourier–Motzkin elimination on integer
   * rows (each constraint scaled by a positive common denominator, which keeps "> 0").
   */
  static boolean feasible(List<Affine> system, int d) {
    List<BigInteger[]> cur = new ArrayList<>();
    for (Affine e : system) {
      BigInteger den = e.c.q();
      for (Q v : e.a) {
        den = lcm(den, v.q());
      }
      BigInteger[] row = new BigInteger[d + 1];
      for (int i = 0; i < d; i++) {
        row[i] = e.a[i].p().multiply(den.divide(e.a[i].q()));
      }
      row[d] = e.c.p().multiply(den.divide(e.c.q()));
      cur.add(row);
    }
    for (int v = d - 1; v >= 0; v--) {
      List<BigInteger[]> pos = new ArrayList<>();
      List<BigInteger[]> neg = new ArrayList<>();
      List<BigInteger[]> next = new ArrayList<>();
      for (BigInteger[] r : cur) {
        int sg = r[v].signum();
        (sg > 0 ? pos : sg < 0 ? neg : next).add(r);
      }
      if (v == 0) {
        // One variable left: x > −p_c/p_0 for every p, x < n_c/(−n_0) for every n, constants > 0.
        for (BigInteger[] r : next) {
          if (r[d].signum() <= 0) {
            return false;
          }
        }
        for (BigInteger[] p : pos) {
          for (BigInteger[] n : neg) {
            // −p_c/p_0 < n_c/(−n_0)  ⇔  p_c·(−n_0) + n_c·p_0 > 0.
            if (p[d].multiply(n[0].negate()).add(n[d].multiply(p[0])).signum() <= 0) {
              return false;
            }
          }
        }
        return true;
      }
      // x_v > −p'/p_v and x_v < n'/(−n_v): feasible in x_v iff (−n_v)·p + p_v·n > 0 for every pair.
      for (BigInteger[] p : pos) {
        for (BigInteger[] n : neg) {
          BigInteger[] r = new BigInteger[d + 1];
          BigInteger g = BigInteger.ZERO;
          for (int i = 0; i <= d; i++) {
            r[i] = p[i].multiply(n[v].negate()).add(n[i].multiply(p[v]));
            g = g.gcd(r[i]);
          }
          if (g.signum() > 0 && !g.equals(BigInteger.ONE)) {
            for (int i = 0; i <= d; i++) {
              r[i] = r[i].divide(g);
            }
          }
          next.add(r);
        }
      }
      cur = next;
    }
    for (BigInteger[] r : cur) {
      if (r[d].signum() <= 0) {
        return false;
      }
    }
    return true;
  }

  private static BigInteger lcm(BigInteger a, BigInteger b) {
    return a.divide(a.gcd(b)).multiply(b);
  }

  /**
   * Whether min ‖x‖² over the closed polyhedron {a_i·x + c_i ≥ 0} is below r2 (then the open region
   * meets the open ball): some candidate projection is feasible with norm² &lt; r2.
   */
  static boolean meetsBall(List<Affine> cons, int d, Q r2) {
    Q best = minNorm2(cons, d, r2);
    return best != null && best.compareTo(r2) < 0;
  }

  /**
   * min ‖x‖² over the closed polyhedron {a_i·x + c_i ≥ 0} (non-empty), or an early value below
   * {@code stopBelow} as soon as one is found.
   */
  static Q minNorm2(List<Affine> cons, int d, Q stopBelow) {
    Q best = null;
    int m = cons.size();
    // Every subset of at most d constraints, as bit masks.
    List<int[]> subsets = new ArrayList<>();
    subsets.add(new int[0]);
    for (int i = 0; i < m; i++) {
      subsets.add(new int[] {i});
      for (int j = i + 1; j < m && d >= 2; j++) {
        subsets.add(new int[] {i, j});
        for (int k = j + 1; k < m && d >= 3; k++) {
          subsets.add(new int[] {i, j, k});
        }
      }
    }
    for (int[] s : subsets) {
      Q[] x = project(cons, s, d);
      if (x == null) {
        continue;
      }
      boolean inside = true;
      for (Affine e : cons) {
        Q v = e.c;
        for (int c = 0; c < d; c++) {
          v = v.add(e.a[c].mul(x[c]));
        }
        if (v.signum() < 0) {
          inside = false;
          break;
        }
      }
      if (inside) {
        Q n2 = Q.ZERO;
        for (Q v : x) {
          n2 = n2.add(v.mul(v));
        }
        if (best == null || n2.compareTo(best) < 0) {
          best = n2;
          if (stopBelow != null && best.compareTo(stopBelow) < 0) {
            return best;
          }
        }
      }
    }
    return best;
  }

  /**
   * The point of minimal norm on {a_i·x + c_i = 0, i ∈ s}: x = −A_sᵀ(A_sA_sᵀ)⁻¹c_s; null when the
   * rows are dependent.
   */
  private static Q[] project(List<Affine> cons, int[] s, int d) {
    int k = s.length;
    Q[] x = new Q[d];
    java.util.Arrays.fill(x, Q.ZERO);
    if (k == 0) {
      return x;
    }
    // Gram system G λ = −c with G_ij = a_i·a_j, by exact Gaussian elimination.
    Q[][] g = new Q[k][k + 1];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        Q v = Q.ZERO;
        for (int c = 0; c < d; c++) {
          v = v.add(cons.get(s[i]).a[c].mul(cons.get(s[j]).a[c]));
        }
        g[i][j] = v;
      }
      g[i][k] = cons.get(s[i]).c.neg();
    }
    for (int col = 0; col < k; col++) {
      int piv = -1;
      for (int r = col; r < k; r++) {
        if (g[r][col].signum() != 0) {
          piv = r;
          break;
        }
      }
      if (piv < 0) {
        return null;
      }
      Q[] t = g[piv];
      g[piv] = g[col];
      g[col] = t;
      for (int r = 0; r < k; r++) {
        if (r != col && g[r][col].signum() != 0) {
          Q f = g[r][col].div(g[col][col]);
          for (int c = col; c <= k; c++) {
            g[r][c] = g[r][c].sub(f.mul(g[col][c]));
          }
        }
      }
    }
    for (int i = 0; i < k; i++) {
      Q lambda = g[i][k].div(g[i][i]);
      for (int c = 0; c < d; c++) {
        x[c] = x[c].add(cons.get(s[i]).a[c].mul(lambda));
      }
    }
    return x;
  }
}
