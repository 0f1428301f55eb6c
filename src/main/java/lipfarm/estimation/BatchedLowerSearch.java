package lipfarm.estimation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ObjDoubleConsumer;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;

/**
 * The batched search of {@link LowerBoundSearch} over a two-layer scalar (leaky) ReLU net on the
 * ball domain: single-precision gradient norms in blocks of {@value #BLOCK} points (data, sphere,
 * chords), batched surrogate ascent, exact region hopping, and finally the rounding-safe
 * certification of each family's best points. It exists apart from {@link LowerBoundSearch}, which
 * chooses the mode and reports the bounds, because it carries the whole state of one search (its
 * random stream, the candidates and the kernel's native buffers) and is used once.
 */
final class BatchedLowerSearch implements AutoCloseable {
  /** Ascent runs advanced together. */
  static final int STARTS = 32;

  /** Points per batched kernel call. */
  static final int BLOCK = 256;

  /** Share of the budget (after the data) for sphere points, for chords, and for region hopping. */
  static final double SPHERE_SHARE = 0.2;

  static final double CHORD_SHARE = 0.2;
  static final double HOP_SHARE = 0.1;

  /** Points per chord, evenly spaced in t ∈ [0.05, 0.95]. */
  static final int CHORD_POINTS = 8;

  /** Best points per probe family that are certified at the end. */
  static final int CERTIFY = 4;

  private static final double STEP0 = 0.05;
  private static final double STEP_MIN = 1e-3;
  private static final double INSIDE_MARGIN = 1e-12;

  /** Relative error allowed for a single-precision norm when deciding what is worth certifying. */
  private static final double FLOAT_SLACK = 1e-4;

  private final Mlp mlp;
  private final Dataset data;
  private final long budget;
  private final ObjDoubleConsumer<String> certified;
  private long evaluations;
  private final int d;
  private final int k;
  private final SplittableRandom rng;
  private final SafeGradient safe;
  private final double radius;
  private final boolean hasBias;
  private final Map<String, Candidates> families = new LinkedHashMap<>();
  private final Candidates starts = new Candidates(STARTS);
  private final TwoLayerBatch kernel;
  // Batch buffers: points in double (candidates are kept exactly), kernel outputs in float.
  private final double[] xs;
  private final float[] norms = new float[BLOCK];
  private final float[] phiNew = new float[BLOCK];
  private final float[] gphi;

  /**
   * @param mlp a two-layer scalar (leaky) ReLU net
   * @param seed drives all the search's randomness
   * @param budget gradient evaluations to spend (an ascent iterate counts two)
   * @param certified receives each certified lower bound on the local constant (method, value), in
   *     the order they are established
   */
  BatchedLowerSearch(
      Mlp mlp, Dataset data, long seed, long budget, ObjDoubleConsumer<String> certified) {
    this.mlp = mlp;
    this.data = data;
    this.budget = budget;
    this.certified = certified;
    d = mlp.width[0];
    k = mlp.width[1];
    rng = new SplittableRandom(seed);
    safe = new SafeGradient(mlp);
    kernel = new TwoLayerBatch(mlp, BLOCK);
    xs = new double[BLOCK * d];
    gphi = new float[BLOCK * d];
    hasBias = mlp.b[0] != null;
    double maxNorm = 0;
    for (double[] x : data.x()) {
      maxNorm = Math.max(maxNorm, Rounding.normUp(x, x.length));
    }
    radius = Math.max(1.0, maxNorm);
  }

  /** Spends the budget; call once, then {@link #close}. */
  void run() {
    int n = (int) Math.min(data.n(), budget);
    probeData(n);
    DifferenceQuotients.Result dq = DifferenceQuotients.best(mlp, data, rng, 2);
    evaluations += dq.forwardPasses();
    certified.accept("diff-quotient@data", dq.value());
    long rest = Math.max(0, budget - evaluations);
    probeSphere((long) (SPHERE_SHARE * rest));
    probeChords((long) (CHORD_SHARE * rest));
    long hops = (long) (HOP_SHARE * rest);
    List<double[]> best = ascent(budget - evaluations - hops);
    RegionHop hop = new RegionHop(mlp);
    for (int i = 0; i < best.size(); i++) {
      hopFrom(hop, best.get(i), (budget - evaluations) / (best.size() - i));
    }
    // Hopping stops when no flip helps: what it leaves goes to a second ascent, then the sphere.
    ascent(budget - evaluations);
    probeSphere(budget - evaluations);
    families.forEach(this::certify);
  }

  private Candidates family(String method) {
    return families.computeIfAbsent(method, m -> new Candidates(CERTIFY));
  }

  /** Exact norms at the first {@code n} data points. */
  private void probeData(int n) {
    double[][] x = data.x();
    for (int from = 0; from < n; from += BLOCK) {
      int m = Math.min(BLOCK, n - from);
      for (int i = 0; i < m; i++) {
        System.arraycopy(x[from + i], 0, xs, i * d, d);
      }
      evaluate(m, "grad@data", true);
    }
  }

  /** Random points of the sphere of radius R; with biases every fourth one inside the ball. */
  private void probeSphere(long count) {
    for (long done = 0; done < count; ) {
      int m = (int) Math.min(BLOCK, count - done);
      for (int i = 0; i < m; i++) {
        randomSpherePoint(xs, i * d);
      }
      // Evaluated in two groups so each carries its family's name.
      int interior = hasBias ? m / 4 : 0;
      for (int i = 0; i < interior; i++) {
        double r = Math.pow(rng.nextDouble(), 1.0 / d);
        for (int c = 0; c < d; c++) {
          xs[i * d + c] *= r;
        }
      }
      evaluateRange(0, interior, "grad@ball");
      evaluateRange(interior, m, "grad@sphere");
      done += m;
    }
  }

  /** Chords between random oppositely labelled data points (any pair when one label is absent). */
  private void probeChords(long count) {
    List<double[]> pos = new ArrayList<>();
    List<double[]> neg = new ArrayList<>();
    for (int i = 0; i < data.n(); i++) {
      (data.y()[i] > 0 ? pos : neg).add(data.x()[i]);
    }
    if (pos.isEmpty() || neg.isEmpty()) {
      pos.addAll(neg);
      neg = pos;
    }
    if (pos.size() + neg.size() < 2) {
      return;
    }
    int perBlock = BLOCK / CHORD_POINTS;
    for (long chords = count / CHORD_POINTS; chords > 0; ) {
      int m = (int) Math.min(perBlock, chords);
      for (int i = 0; i < m; i++) {
        double[] p = pos.get(rng.nextInt(pos.size()));
        double[] q = neg.get(rng.nextInt(neg.size()));
        for (int t = 0; t < CHORD_POINTS; t++) {
          double s = 0.05 + 0.9 * t / (CHORD_POINTS - 1);
          int o = (i * CHORD_POINTS + t) * d;
          for (int c = 0; c < d; c++) {
            xs[o + c] = p[c] + s * (q[c] - p[c]);
          }
        }
      }
      evaluate(m * CHORD_POINTS, "grad@chord", true);
      chords -= m;
    }
  }

  private void evaluateRange(int from, int to, String method) {
    if (to <= from) {
      return;
    }
    if (from > 0) {
      System.arraycopy(xs, from * d, xs, 0, (to - from) * d);
    }
    evaluate(to - from, method, true);
  }

  /**
   * Single-precision gradient norms at the first m points of {@link #xs}; candidates are remembered
   * (in double) for certification and, when {@code seedsAscent}, as ascent starts.
   */
  private void evaluate(int m, String method, boolean seedsAscent) {
    kernel.load(xs, m);
    kernel.norms(m, norms);
    Candidates fam = family(method);
    for (int i = 0; i < m; i++) {
      fam.offer(norms[i], xs, i * d, d);
      if (seedsAscent) {
        starts.offer(norms[i], xs, i * d, d);
      }
    }
    evaluations += m;
  }

  /**
   * Projected ascent on φ_β(x) = ‖Wᵀ(a ⊙ σ'_β(Wx + b))‖, σ'_β = α + (1 − α)·sigmoid(βz), from the
   * best points found, {@value #STARTS} runs at a time; returns the best iterates' points.
   */
  private List<double[]> ascent(long allowance) {
    int s = Math.max(1, Math.min(STARTS, starts.size()));
    double[] x = new double[s * d];
    double[] dir = new double[s * d];
    double[] phi = new double[s];
    double[] beta = new double[BLOCK];
    double[] step = new double[s];
    boolean[] fresh = new boolean[s];
    for (int r = 0; r < s; r++) {
      if (r < starts.size()) {
        System.arraycopy(starts.point(r), 0, x, r * d, d);
      } else {
        randomSpherePoint(x, r * d);
      }
      beta[r] = LipschitzSandwich.BETA;
      step[r] = STEP0 * radius;
      fresh[r] = true;
    }
    Candidates best = new Candidates(4);
    while (allowance >= 2L * s) {
      for (int r = 0; r < s; r++) {
        int o = r * d;
        if (fresh[r]) {
          System.arraycopy(x, o, xs, o, d);
          continue;
        }
        double dn = norm(dir, o, d);
        for (int c = 0; c < d; c++) {
          xs[o + c] = x[o + c] + step[r] * dir[o + c] / dn;
        }
        intoBall(xs, o);
      }
      kernel.load(xs, s);
      kernel.surrogate(s, beta, norms, phiNew, gphi);
      Candidates fam = family("ascent");
      for (int r = 0; r < s; r++) {
        fam.offer(norms[r], xs, r * d, d);
        best.offer(norms[r], xs, r * d, d);
      }
      evaluations += 2L * s;
      allowance -= 2L * s;
      for (int r = 0; r < s; r++) {
        int o = r * d;
        if (fresh[r] || phiNew[r] > phi[r]) {
          if (!fresh[r]) {
            step[r] = Math.min(step[r] * 1.5, radius);
          }
          fresh[r] = false;
          phi[r] = phiNew[r];
          System.arraycopy(xs, o, x, o, d);
          for (int c = 0; c < d; c++) {
            dir[o + c] = gphi[o + c];
          }
        } else {
          step[r] *= 0.5;
        }
        double dn = norm(dir, o, d);
        if (dn == 0 || step[r] < STEP_MIN * radius) {
          // Stalled at this β: sharpen the gate, or restart near a good point once it is sharp.
          if (beta[r] < LipschitzSandwich.BETA_MAX) {
            beta[r] *= 2;
          } else {
            beta[r] = LipschitzSandwich.BETA;
            if (starts.size() == 0 || rng.nextBoolean()) {
              // Half the restarts: a fresh point of the domain (inside the ball with biases).
              randomSpherePoint(x, o);
              if (hasBias) {
                double shrink = Math.pow(rng.nextDouble(), 1.0 / d);
                for (int c = 0; c < d; c++) {
                  x[o + c] *= shrink;
                }
              }
            } else {
              double[] base = starts.point(rng.nextInt(Math.min(4, starts.size())));
              for (int c = 0; c < d; c++) {
                x[o + c] = base[c] + 0.1 * radius * DataModels.gaussian(rng) / Math.sqrt(d);
              }
              intoBall(x, o);
            }
          }
          step[r] = STEP0 * radius;
          fresh[r] = true;
        }
      }
    }
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < best.size(); i++) {
      out.add(best.point(i));
    }
    return out;
  }

  /**
   * Greedy exact local search over neighbouring ReLU regions from x (as the full sandwich's region
   * hopping): cross the hyperplane whose flip is predicted to raise ‖∇f‖ most, keep the move if the
   * exact norm grows.
   */
  private void hopFrom(RegionHop hop, double[] start, long allowance) {
    if (allowance < 1) {
      return;
    }
    double[] x = start.clone();
    double[] grad = new double[d];
    double[] trial = new double[d];
    double[] trialGrad = new double[d];
    double current = mlp.gradientNorm(x, grad);
    long spent = 1;
    Candidates fam = family("ascent");
    for (int h = 0; h < 4 * k && spent < allowance; h++) {
      int[] order = hop.candidates(x, grad, current);
      boolean moved = false;
      for (int t = 0; t < order.length && spent < allowance; t++) {
        hop.cross(x, order[t], trial);
        intoBall(trial, 0);
        double g = mlp.gradientNorm(trial, trialGrad);
        spent++;
        if (mlp.kink() || !(g > current)) {
          continue;
        }
        fam.offer(g, trial, 0, d);
        System.arraycopy(trial, 0, x, 0, d);
        System.arraycopy(trialGrad, 0, grad, 0, d);
        current = g;
        moved = true;
        break;
      }
      if (!moved) {
        break;
      }
    }
    evaluations += spent;
  }

  /** Rounding-safe norms at a family's best points, best first, until none can do better. */
  private void certify(String method, Candidates c) {
    double got = 0;
    for (int i = 0; i < c.size(); i++) {
      if (c.value(i) * (1 + FLOAT_SLACK) <= got) {
        break;
      }
      double[] x = c.point(i);
      intoBall(x, 0);
      double v = safe.lowerNorm(x);
      if (v > got) {
        got = v;
      }
    }
    certified.accept(method, got);
  }

  private void randomSpherePoint(double[] out, int o) {
    double s;
    do {
      s = 0;
      for (int c = 0; c < d; c++) {
        out[o + c] = DataModels.gaussian(rng);
        s += out[o + c] * out[o + c];
      }
    } while (s < 1e-24);
    double scale = radius / Math.sqrt(s);
    for (int c = 0; c < d; c++) {
      out[o + c] *= scale;
    }
  }

  /** Floating-point ‖v[o..o+len)‖: steers the search, certifies nothing. */
  private static double norm(double[] v, int o, int len) {
    double s = 0;
    for (int c = 0; c < len; c++) {
      s += v[o + c] * v[o + c];
    }
    return Math.sqrt(s);
  }

  /** Scales the point at offset o into the ball exactly (its norm rounded up is at most R). */
  private void intoBall(double[] x, int o) {
    double n = Rounding.normUp(java.util.Arrays.copyOfRange(x, o, o + d), d);
    if (n > radius) {
      double s = radius * (1 - INSIDE_MARGIN) / n;
      for (int c = 0; c < d; c++) {
        x[o + c] *= s;
      }
    }
  }

  /** Gradient evaluations spent (an ascent iterate counts two). */
  long evaluations() {
    return evaluations;
  }

  /** Releases the kernel's native buffers. */
  @Override
  public void close() {
    kernel.close();
  }

  /** The best few points by (uncertified) gradient norm, best first. */
  private static final class Candidates {
    private final double[][] points;
    private final double[] values;
    private int size;

    Candidates(int capacity) {
      points = new double[capacity][];
      values = new double[capacity];
    }

    void offer(double g, double[] src, int offset, int len) {
      if (!Double.isFinite(g) || size == values.length && g <= values[size - 1]) {
        return;
      }
      int pos = size < values.length ? size++ : size - 1;
      while (pos > 0 && values[pos - 1] < g) {
        points[pos] = points[pos - 1];
        values[pos] = values[pos - 1];
        pos--;
      }
      points[pos] = java.util.Arrays.copyOfRange(src, offset, offset + len);
      values[pos] = g;
    }

    int size() {
      return size;
    }

    double value(int i) {
      return values[i];
    }

    double[] point(int i) {
      return points[i].clone();
    }
  }
}
