package lipfarm.estimation;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;

/**
 * The last phase of a {@link LipschitzSandwich}'s probes: projected gradient ascent on the smoothed
 * surrogate ‖∇f_β‖ (gate sigmoid(βz), β annealed by doubling), started from the best probe points;
 * two-layer nets polish each run's best point by exact region hopping. Once the budget reaches the
 * global target the runs leave the domain (no projection), after a far-field search for nets with
 * biases. It exists because the ascent carries its own state (the current run, its step and β) that
 * no other phase needs; every exact norm it computes goes through {@link SandwichProbes#probe} or
 * {@link SandwichProbes#record}, so the certification rule is shared.
 */
final class SandwichAscent {
  /** Ascent evaluations per iterate: one exact gradient plus one surrogate (≈ Hessian-vector). */
  private static final int ASCENT_COST = 2;

  /** Initial and minimal ascent step, relative to the domain radius. */
  private static final double STEP0 = 0.05;

  private static final double STEP_MIN = 1e-5;

  /** Distances t·R at which far-field directions are evaluated on f itself. */
  static final double[] FAR_SCALES = {1e2, 1e4, 1e6, 1e8};

  private final SandwichProbes probes;
  private final Mlp mlp;
  private final NetworkSnapshot net;
  private final Dataset data;
  private final SplittableRandom rng;
  private final EvaluationBudget budget;
  private final SandwichDomain domain;
  private final int dim;
  private final double radius;
  private final boolean farFieldApplies;
  private final RegionHop hop;

  private final double[] grad;
  private final double[] point;
  private final double[] ax;
  private final double[] adir;
  private final double[] trialDir;
  private final double[] runBestX;
  private double runBestG;
  private boolean runActive;
  private int runsStarted;
  private double aphi;
  private double beta;
  private double step;
  private int runIter;
  private int itersPerRun;
  private boolean globalMode;
  private long globalTarget;

  /**
   * @param farFieldApplies the global phase starts with {@link #farField} (see {@link
   *     LipschitzSandwich})
   */
  SandwichAscent(
      SandwichProbes probes,
      Mlp mlp,
      NetworkSnapshot net,
      Dataset data,
      SplittableRandom rng,
      EvaluationBudget budget,
      SandwichDomain domain,
      boolean farFieldApplies) {
    this.probes = probes;
    this.mlp = mlp;
    this.net = net;
    this.data = data;
    this.rng = rng;
    this.budget = budget;
    this.domain = domain;
    this.dim = domain.dim();
    this.radius = domain.radius();
    this.farFieldApplies = farFieldApplies;
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
  }

  /** Spent evaluations after which the runs search R^d instead of the domain. */
  void globalTarget(long target) {
    globalTarget = target;
  }

  /** Whether the runs have left the domain: their values bound only the global constant. */
  boolean globalMode() {
    return globalMode;
  }

  /** Keeps the current run's best point (by floating-point norm), which region hopping polishes. */
  void offerRunBest(double[] x, double g) {
    if (g > runBestG) {
      runBestG = g;
      System.arraycopy(x, 0, runBestX, 0, dim);
    }
  }

  /** One ascent iterate, or the start or end of a run. */
  void step() {
    if (mlp.linear) {
      // f is affine: every gradient is the same, probing more cannot help.
      budget.exhaust();
      return;
    }
    if (budget.left() < ASCENT_COST) {
      // An ascent iterate costs two evaluations: spend the last one on a random domain point.
      domain.randomPoint(point);
      domain.intoDomain(point);
      probes.probe(point, domain.box() ? "grad@box" : "grad@sphere");
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
      if (beta >= LipschitzSandwich.BETA_MAX) {
        endRun();
        return;
      }
      // Converged for this β: sharpen the gate and continue from the same point.
      beta *= 2;
      step = STEP0 * radius;
      aphi = mlp.surrogate(ax, beta, adir);
      budget.charge(1);
      return;
    }
    for (int c = 0; c < dim; c++) {
      point[c] = ax[c] + step * adir[c] / dn;
    }
    projectToBall(point);
    probes.probe(point, method());
    double phi = mlp.surrogate(point, beta, trialDir);
    budget.charge(1);
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

  private String method() {
    return globalMode ? "ascent@global" : "ascent";
  }

  private void startRun() {
    if (!globalMode && budget.spent() >= globalTarget) {
      // Switch to the global search: restart from the best local points, without projection.
      globalMode = true;
      runsStarted = 0;
      if (farFieldApplies) {
        farField(budget.left() / 2);
      }
    }
    long left = (globalMode ? budget.total() : globalTarget) - budget.spent();
    int topCount = probes.topCount();
    if (runsStarted < topCount) {
      System.arraycopy(probes.top(runsStarted), 0, ax, 0, dim);
    } else if (runsStarted % 2 == 0 && topCount > 0) {
      // Later restarts: jitter around the best points found, or fresh random points.
      double[] base = probes.top(rng.nextInt(Math.min(topCount, 4)));
      for (int c = 0; c < dim; c++) {
        ax[c] = base[c] + 0.1 * radius * domain.gaussian() / Math.sqrt(dim);
      }
      projectToBall(ax);
    } else {
      domain.randomPoint(ax);
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
    beta = mlp.act.smooth() ? LipschitzSandwich.BETA_MAX : LipschitzSandwich.BETA;
    runBestG = 0;
    aphi = mlp.surrogate(ax, beta, adir);
    budget.charge(1);
    step = STEP0 * radius;
    runIter = 0;
    runActive = true;
  }

  private void projectToBall(double[] x) {
    if (globalMode) {
      return;
    }
    domain.intoDomain(x);
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
    budget.charge(1);
    int maxHops = 4 * mlp.width[1];
    for (int h = 0; h < maxHops && budget.open(); h++) {
      int[] order = hop.candidates(x, grad, current);
      boolean moved = false;
      for (int t = 0; t < order.length && t < RegionHop.MAX_TRIES && budget.open(); t++) {
        hop.cross(x, order[t], point);
        projectToBall(point);
        double g = mlp.gradientNorm(point, trialDir);
        budget.charge(1);
        if (mlp.kink() || !(g > current)) {
          continue;
        }
        probes.record(point, g, method());
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
   * Searches directions u where ‖∇f₀(u)‖ is largest (a search-only sandwich on the bias-free net
   * f₀, with branch and bound when it is small), then evaluates the rounding-safe ‖∇f‖ of the real
   * net at t·R·u/‖u‖ for each t in {@link #FAR_SCALES}: certified lower bounds on the global
   * constant, method {@code far-field@global}. Along x = t·u the activation pattern of a
   * piecewise-linear f converges, as t → ∞, to the pattern of f₀ at u, so the unbounded linear
   * regions of f carry exactly the gradients of f₀.
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
    LipschitzSandwich sub = LipschitzSandwich.searchOnly(f0, data, rng.nextLong(), share);
    while (sub.step(1000)) {
      // the bias-free search runs to its share of the budget
    }
    budget.charge(sub.evaluations());
    for (double[] u : sub.farFieldCandidates()) {
      double n = Mlp.norm(u, dim);
      for (int i = 0; i < FAR_SCALES.length && n > 0 && budget.open(); i++) {
        double t = FAR_SCALES[i] * radius / n;
        for (int c = 0; c < dim; c++) {
          point[c] = u[c] * t;
        }
        probes.probe(point, "far-field@global");
      }
    }
  }
}
