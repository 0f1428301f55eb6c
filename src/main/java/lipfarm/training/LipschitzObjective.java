package lipfarm.training;

import java.util.ArrayList;
import java.util.List;
import lipfarm.protocol.NetworkSnapshot;

/**
 * The {@code min-lipschitz} objective: starting from a network that meets its fit criterion, keep
 * the criterion holding while minimising a differentiable certified Lipschitz upper bound U(θ)
 * ({@link LipschitzBound}: for two-layer nets the smaller of the path bound and the spectral
 * product, for deeper ones the spectral product).
 *
 * <p>Each step minimises λ·U(θ)/U₀ + (1/2n) Σ dist(f(x_i), T_i)² by one Adam step, where T_i is the
 * set the criterion allows for output i, tightened by {@link #SAFETY} (exact: |f − y| ≤ 0.9·tol;
 * margin: y·f ≥ γ + 0.1·max(γ, 0.1); mse: the ball of 0.9 times the allowed squared error), so the
 * second term is zero inside and pulls back only what strays. λ follows a continuation: after every
 * step that keeps the fit it grows by {@link #LAMBDA_GROWTH} while the fit uses little of the slack
 * between the tightened set and the criterion, and shrinks by it when the fit uses most of it, so
 * the iterates ride the tightened set's edge. A step that breaks the real criterion is backtracked
 * to the last fitting weights and the step size is halved (a trust region: in practice the steps,
 * not λ, break the fit); it grows back by {@link #RATE_GROWTH} per fitting step, up to a cap that
 * decays (cosine) from the learning rate to {@link #FINAL_RATE} of it over {@code maxSteps}. The
 * best fitting weights (lowest U) are kept; the objective stops after {@code maxSteps} steps, or
 * once U has not improved by {@link #PROGRESS} (relative) in {@link #PATIENCE} steps.
 *
 * <p>It drives the weights of an {@link MlpTrainer} (its forward and backward passes, the fused
 * two-layer kernel included) and keeps the trainer's own optimiser state untouched. Weight bounds
 * are enforced by the trainer's projection after every step. Deterministic: the same trainer state
 * gives the same path.
 */
public final class LipschitzObjective {

  /**
   * One point of the path: after {@code step} steps, the continuation weight {@code lambda}, the
   * bound U at the current weights and the best fitting U so far.
   */
  public record PathPoint(int step, double lambda, double bound, double best) {}

  /** The criterion's set is tightened by this factor, so the iterates stay inside the real one. */
  static final double SAFETY = 0.9;

  /** λ at the start, relative to a fit term normalised by U₀. */
  static final double LAMBDA_START = 1e-3;

  /**
   * λ's controller: after a fitting step λ grows by this factor while the fit uses less than {@link
   * #SLACK_LOW} of the slack between the tightened set and the criterion, and shrinks by it above
   * {@link #SLACK_HIGH}.
   */
  static final double LAMBDA_GROWTH = 1.02;

  static final double SLACK_LOW = 0.3;
  static final double SLACK_HIGH = 0.7;

  /** Step size cut on a backtrack, and its growth after a fitting step (up to the schedule). */
  static final double RATE_CUT = 0.5;

  static final double RATE_GROWTH = 1.05;

  /** The step size's cap decays to this fraction of the start rate over maxSteps (cosine). */
  static final double FINAL_RATE = 0.01;

  static final double ADAM_BETA1 = 0.9;
  static final double ADAM_BETA2 = 0.999;
  static final double ADAM_EPSILON = 1e-8;

  /** Stop when the best U has not improved by this fraction in {@link #PATIENCE} steps. */
  static final double PROGRESS = 1e-3;

  static final int PATIENCE = 2000;

  /** The path keeps at most this many points (halved by dropping every other one when full). */
  public static final int MAX_PATH_POINTS = 64;

  private final MlpTrainer trainer;
  private final LipschitzBound bound;
  private final FitCriterion criterion;
  private final boolean weightBounded;
  private final int maxSteps;
  private final double rate0;
  private final double[] lo;
  private final double[] hi;
  private final double[] target; // MSE: the targets whose ball is projected onto
  private final double ballRadius; // MSE: radius of the tightened ball
  private double[] theta;
  private double[] lastFit;
  private double[] best;
  private final double[] m;
  private final double[] v;
  private final double[] gU;
  private final double[] g; // the fit term's gradient
  private final double u0;
  private double bestU;
  private EpochStats bestStats;
  private double lambda = LAMBDA_START;
  private double rate;
  private int adamT;
  private int steps;
  private int backtracks;
  private int lastProgressStep;
  private double progressMark;
  private boolean done;
  private final List<PathPoint> path = new ArrayList<>();
  private int pathStride = 1;

  /**
   * @param trainer a trainer whose current weights meet its fit criterion
   * @param maxSteps the most steps to take
   * @param learningRate Adam's step size at the start
   * @throws IllegalStateException if the current weights do not fit
   */
  public LipschitzObjective(MlpTrainer trainer, int maxSteps, double learningRate) {
    this.trainer = trainer;
    TrainingSpec spec = trainer.spec();
    this.criterion = spec.fit();
    this.weightBounded = spec.bound().kind() != WeightBound.Kind.NONE;
    this.maxSteps = maxSteps;
    this.rate0 = learningRate;
    this.rate = learningRate;
    this.bound = new LipschitzBound(trainer.layerSizes());
    this.theta = trainer.parameters();
    EpochStats start = trainer.statsOf(trainer.outputs());
    if (!start.finite() || !criterion.fitted(start)) {
      throw new IllegalStateException("the Lipschitz objective starts from a network that fits");
    }
    double[] t = trainer.targets();
    double[] labels = trainer.labels();
    int outputs = t.length / labels.length;
    this.lo = new double[t.length];
    this.hi = new double[t.length];
    this.target = t;
    double radius = 0;
    switch (criterion.kind()) {
      case EXACT -> {
        double tau = SAFETY * criterion.tol();
        for (int q = 0; q < t.length; q++) {
          lo[q] = t[q] - tau;
          hi[q] = t[q] + tau;
        }
      }
      case MARGIN -> {
        // Only the first output carries the margin (as EpochStats measures it).
        double g = criterion.gamma() + (1 - SAFETY) * Math.max(criterion.gamma(), 0.1);
        java.util.Arrays.fill(lo, Double.NEGATIVE_INFINITY);
        java.util.Arrays.fill(hi, Double.POSITIVE_INFINITY);
        for (int i = 0; i < labels.length; i++) {
          if (labels[i] > 0) {
            lo[i * outputs] = g;
          } else {
            hi[i * outputs] = -g;
          }
        }
      }
      case MSE -> radius = Math.sqrt(SAFETY * labels.length * (1 - criterion.epsilon()));
    }
    this.ballRadius = radius;
    this.lastFit = theta.clone();
    this.best = theta.clone();
    this.m = new double[theta.length];
    this.v = new double[theta.length];
    this.gU = new double[theta.length];
    this.g = new double[theta.length];
    this.u0 = bound.value(theta, null);
    this.bestU = u0;
    this.bestStats = start;
    this.progressMark = u0;
    record(u0);
    done = maxSteps <= 0 || !(u0 > 0);
  }

  /** The method name of the bound minimised: {@code path-norm} or {@code spectral-product}. */
  public String boundMethod() {
    return bound.method();
  }

  /** Takes one step; false once the objective is done (then the trainer holds the best weights). */
  public boolean step() {
    if (done) {
      return false;
    }
    if (ballRadius > 0) {
      projectOntoBall(trainer.outputs());
    }
    double[] f = trainer.boxGradient(lo, hi);
    EpochStats stats = trainer.statsOf(f);
    steps++;
    if (!stats.finite() || !criterion.fitted(stats)) {
      // Backtrack: the last fitting weights, a smaller step, no momentum.
      backtracks++;
      System.arraycopy(lastFit, 0, theta, 0, theta.length);
      trainer.setParameters(theta);
      rate *= RATE_CUT;
      java.util.Arrays.fill(m, 0.0);
      return checkDone();
    }
    double u = bound.value(theta, gU);
    if (u < bestU) {
      bestU = u;
      best = theta.clone();
      bestStats = stats;
    }
    System.arraycopy(theta, 0, lastFit, 0, theta.length);
    record(u);
    trainer.gradientInto(g);
    double w = lambda / u0;
    adamT++;
    double c1 = 1 - Math.pow(ADAM_BETA1, adamT);
    double c2 = 1 - Math.pow(ADAM_BETA2, adamT);
    for (int p = 0; p < theta.length; p++) {
      double gp = g[p] + w * gU[p];
      m[p] = ADAM_BETA1 * m[p] + (1 - ADAM_BETA1) * gp;
      v[p] = ADAM_BETA2 * v[p] + (1 - ADAM_BETA2) * gp * gp;
      theta[p] -= rate * (m[p] / c1) / (Math.sqrt(v[p] / c2) + ADAM_EPSILON);
    }
    trainer.setParameters(theta);
    if (weightBounded) {
      trainer.project();
      trainer.parametersInto(theta);
    }
    double used = slackUsed(stats);
    if (used < SLACK_LOW) {
      lambda *= LAMBDA_GROWTH;
    } else if (used > SLACK_HIGH) {
      lambda /= LAMBDA_GROWTH;
    }
    // Cosine decay to FINAL_RATE·rate0 over maxSteps: large steps to move, small ones to settle.
    double progress = Math.min(1.0, steps / (double) maxSteps);
    double cap = rate0 * (FINAL_RATE + (1 - FINAL_RATE) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    rate = Math.min(cap, rate * RATE_GROWTH);
    return checkDone();
  }

  /**
   * How much of the slack between the tightened set and the criterion's boundary the fit uses: ≤ 0
   * inside the tightened set, 1 on the criterion's boundary.
   */
  private double slackUsed(EpochStats s) {
    return switch (criterion.kind()) {
      case EXACT -> (s.maxError() - SAFETY * criterion.tol()) / ((1 - SAFETY) * criterion.tol());
      case MARGIN -> {
        double g = criterion.gamma();
        double tight = g + (1 - SAFETY) * Math.max(g, 0.1);
        yield (tight - s.minMargin()) / (tight - g);
      }
      case MSE -> {
        double limit = 1 - criterion.epsilon();
        yield (s.loss() - SAFETY * limit) / ((1 - SAFETY) * limit);
      }
    };
  }

  /** MSE: the box of each output is its point of the ball's projection (lo = hi = target). */
  private void projectOntoBall(double[] f) {
    double dist = 0;
    for (int q = 0; q < f.length; q++) {
      double r = f[q] - target[q];
      dist += r * r;
    }
    dist = Math.sqrt(dist);
    double shrink = dist > ballRadius ? ballRadius / dist : 1.0;
    for (int q = 0; q < f.length; q++) {
      lo[q] = target[q] + (f[q] - target[q]) * shrink;
      hi[q] = lo[q];
    }
  }

  private boolean checkDone() {
    if (bestU < progressMark * (1 - PROGRESS)) {
      progressMark = bestU;
      lastProgressStep = steps;
    }
    if (steps >= maxSteps || steps - lastProgressStep >= PATIENCE) {
      done = true;
      theta = best.clone();
      trainer.setParameters(theta);
      if (path.isEmpty() || path.get(path.size() - 1).step() != steps) {
        path.add(new PathPoint(steps, lambda, bestU, bestU));
      }
      return false;
    }
    return true;
  }

  /** Keeps every {@code pathStride}-th step; when full, drops every other point and doubles it. */
  private void record(double u) {
    if (steps % pathStride != 0) {
      return;
    }
    path.add(new PathPoint(steps, lambda, u, bestU));
    if (path.size() >= MAX_PATH_POINTS) {
      List<PathPoint> kept = new ArrayList<>();
      for (int i = 0; i < path.size(); i += 2) {
        kept.add(path.get(i));
      }
      path.clear();
      path.addAll(kept);
      pathStride *= 2;
    }
  }

  public boolean done() {
    return done;
  }

  /** Steps taken (backtracked ones included). */
  public int steps() {
    return steps;
  }

  public int backtracks() {
    return backtracks;
  }

  /** U at the start (the plain fit). */
  public double startBound() {
    return u0;
  }

  /** The lowest U among the fitting weights visited. */
  public double bestBound() {
    return bestU;
  }

  /** The fit of the best weights, measured when they were visited (norms NaN). */
  public EpochStats bestStats() {
    return bestStats;
  }

  /** The best fitting weights. */
  public NetworkSnapshot bestSnapshot() {
    double[] current = trainer.parameters();
    trainer.setParameters(best);
    NetworkSnapshot s = trainer.snapshot();
    trainer.setParameters(current);
    return s;
  }

  /** The path so far: at most {@link #MAX_PATH_POINTS} points, the first at step 0. */
  public List<PathPoint> path() {
    return List.copyOf(path);
  }
}
