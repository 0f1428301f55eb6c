package lipfarm.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.estimation.LipschitzSandwich;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The min-lipschitz objective on cases with a known smoothest interpolant, and its invariants. The
 * known minimum is computed here from the data alone: a real function fits every point within tol
 * iff each f(x_i) lies in [y_i − tol, y_i + tol], and the smallest Lipschitz constant of such a
 * function is max over pairs (|y_i − y_j| − 2·tol)⁺ / ‖x_i − x_j‖ (necessary by the triangle
 * inequality, sufficient by McShane's extension). For two points that is (|y₁ − y₂| − 2·tol) / ‖x₁
 * − x₂‖; for points on a line as tol → 0 the maximum over consecutive sorted points of |Δy|/|Δx|.
 * Every certified bound is the estimator's ({@link LipschitzSandwich}), independent of the bound
 * the objective minimises.
 */
public class LipschitzObjectiveTest {
  static final double TOL = 0.05;

  /** The objective's certified upper bound lands within this factor of the known minimum. */
  static final double KNOWN_MINIMUM_FACTOR = 1.10;

  /** Rounding slack when comparing a certified bound with the minimum it cannot be below. */
  static final double ROUNDING = 1e-9;

  static final int ESTIMATOR_BUDGET = 5_000;
  static final long ESTIMATOR_SEED = 7;
  static final long INIT_SEED = 3;

  /** Two points in R³ with opposite labels. */
  static final double[][] TWO_POINTS = {{0.3, -0.2, 0.5}, {-0.4, 0.1, 0.2}};

  static TrainingSpec spec(List<Integer> hidden, int out, Activation act, FitCriterion fit) {
    return spec(hidden, out, act, Loss.SQUARED, fit, WeightBound.none());
  }

  static TrainingSpec spec(
      List<Integer> hidden, int out, Activation act, Loss loss, FitCriterion fit, WeightBound wb) {
    return new TrainingSpec(
        hidden, out, true, act, 0.01, loss, fit, Optimizer.adam(0.01), wb, 20_000);
  }

  /** A trainer trained until its fit criterion holds. */
  static MlpTrainer fitted(Dataset data, double[][] targets, TrainingSpec spec) {
    MlpTrainer t = new MlpTrainer(data, targets, spec, INIT_SEED);
    for (int e = 0; e < spec.maxEpochs(); e++) {
      if (spec.fit().fitted(t.step())) {
        return t;
      }
    }
    throw new AssertionError("the plain fit did not converge");
  }

  static double certifiedUpper(NetworkSnapshot net, Dataset data) {
    LipschitzSandwich s = new LipschitzSandwich(net, data, ESTIMATOR_SEED, ESTIMATOR_BUDGET);
    while (s.step(1_000)) {
      // spend the budget
    }
    return s.upper();
  }

  /** max over pairs of (|y_i − y_j| − 2·tol)⁺ / ‖x_i − x_j‖, the smallest Lipschitz constant. */
  public static double knownMinimum(double[][] x, double[] y, double tol) {
    double best = 0;
    for (int i = 0; i < x.length; i++) {
      for (int j = i + 1; j < x.length; j++) {
        double d2 = 0;
        for (int c = 0; c < x[i].length; c++) {
          d2 += (x[i][c] - x[j][c]) * (x[i][c] - x[j][c]);
        }
        best = Math.max(best, (Math.abs(y[i] - y[j]) - 2 * tol) / Math.sqrt(d2));
      }
    }
    return best;
  }

  /** What one objective run gave: certified upper bounds at its start and end. */
  record Outcome(double startUpper, double endUpper, LipschitzObjective objective) {}

  /**
   * Fits, runs the objective to its end, and checks the invariants every run must keep: the fit
   * still holds, the minimised bound did not grow, and the certified upper bound is at most the
   * plain fit's.
   */
  static Outcome minimise(Dataset data, double[][] targets, TrainingSpec spec, int steps) {
    MlpTrainer t = fitted(data, targets, spec);
    NetworkSnapshot start = t.snapshot();
    LipschitzObjective o = new LipschitzObjective(t, steps, 0.01);
    while (o.step()) {
      // to the end
    }
    assertThat(o.done()).isTrue();
    assertThat(o.steps()).isPositive().isLessThanOrEqualTo(steps);
    EpochStats end = t.evaluate();
    assertThat(spec.fit().fitted(end)).as("the fit still holds: %s", end).isTrue();
    assertThat(o.bestBound()).isLessThanOrEqualTo(o.startBound());
    assertThat(o.path()).isNotEmpty().hasSizeLessThanOrEqualTo(LipschitzObjective.MAX_PATH_POINTS);
    assertThat(o.path().get(0).step()).isZero();
    double startUpper = certifiedUpper(start, data);
    double endUpper = certifiedUpper(t.snapshot(), data);
    assertThat(endUpper).isLessThanOrEqualTo(startUpper);
    return new Outcome(startUpper, endUpper, o);
  }

  static void assertNearKnownMinimum(Outcome o, double known) {
    // A certified upper bound of a net that fits can never be below the known minimum.
    assertThat(o.endUpper()).isGreaterThanOrEqualTo(known * (1 - ROUNDING));
    assertThat(o.endUpper()).isLessThanOrEqualTo(KNOWN_MINIMUM_FACTOR * known);
  }

  @ParameterizedTest
  @EnumSource(
      value = Activation.class,
      names = {"RELU", "LEAKY_RELU", "TANH"})
  void twoPointsReachTheirKnownMinimum(Activation act) {
    Dataset data = new Dataset(TWO_POINTS, new double[] {1, -1});
    double known = knownMinimum(TWO_POINTS, data.y(), TOL);
    assertThat(known)
        .isCloseTo(
            (2 - 2 * TOL) / Math.sqrt(0.49 + 0.09 + 0.09),
            org.assertj.core.api.Assertions.within(1e-12));
    Outcome o =
        minimise(
            data,
            MlpTrainer.targetsFromLabels(data.y(), 1),
            spec(List.of(8), 1, act, FitCriterion.exact(TOL)),
            3_000);
    assertNearKnownMinimum(o, known);
    // The plain fit was far from the minimum: the objective did the work.
    assertThat(o.startUpper()).isGreaterThan(KNOWN_MINIMUM_FACTOR * known);
  }

  /** Softplus reaches its slope 1 only asymptotically: the bound falls, more slowly. */
  @Test
  void softplusTwoPointsImprove() {
    Dataset data = new Dataset(TWO_POINTS, new double[] {1, -1});
    Outcome o =
        minimise(
            data,
            MlpTrainer.targetsFromLabels(data.y(), 1),
            spec(List.of(8), 1, Activation.SOFTPLUS, FitCriterion.exact(TOL)),
            2_000);
    assertThat(o.endUpper()).isLessThan(0.8 * o.startUpper());
  }

  /** A deeper ReLU net minimises the spectral product (and runs on ND4J's ops, not the kernel). */
  @Test
  void deepReluTwoPointsReachTheirKnownMinimum() {
    Dataset data = new Dataset(TWO_POINTS, new double[] {1, -1});
    TrainingSpec spec = spec(List.of(8, 8), 1, Activation.RELU, FitCriterion.exact(TOL));
    Outcome o = minimise(data, MlpTrainer.targetsFromLabels(data.y(), 1), spec, 1_200);
    assertThat(o.objective().boundMethod()).isEqualTo("spectral-product");
    assertNearKnownMinimum(o, knownMinimum(TWO_POINTS, data.y(), TOL));
  }

  /**
   * Points on a line in d = 1 with a convex increasing profile: the smoothest interpolant has the
   * largest consecutive slope, and a ReLU net reaches it with units that all open to the right.
   */
  @Test
  void pointsOnALineReachTheirKnownMinimum() {
    double[][] x = {{-0.9}, {-0.5}, {-0.2}, {0.1}, {0.5}, {0.8}};
    double[] y = new double[x.length];
    double[][] targets = new double[x.length][1];
    double consecutive = 0;
    for (int i = 0; i < x.length; i++) {
      y[i] = Math.exp(1.5 * x[i][0]) - 1.5;
      targets[i][0] = y[i];
      if (i > 0) {
        consecutive =
            Math.max(consecutive, Math.abs(y[i] - y[i - 1]) / Math.abs(x[i][0] - x[i - 1][0]));
      }
    }
    double known = knownMinimum(x, y, TOL);
    // With tol the minimum is a little below the exact interpolant's max consecutive slope.
    assertThat(known).isLessThan(consecutive).isGreaterThan(0.9 * consecutive);
    Outcome o =
        minimise(
            new Dataset(x, y),
            targets,
            spec(List.of(16), 1, Activation.RELU, FitCriterion.exact(TOL)),
            3_000);
    assertNearKnownMinimum(o, known);
  }

  /** Margin and MSE criteria still hold at the end, and the bound falls. */
  @Test
  void marginAndMseCriteriaKeepHolding() {
    Dataset data = sphere(20, 4, 11);
    double[][] targets = MlpTrainer.targetsFromLabels(data.y(), 1);
    FitCriterion margin = new FitCriterion(FitCriterion.Kind.MARGIN, 0.05, 0.5, 0.5);
    Outcome m =
        minimise(
            data,
            targets,
            spec(List.of(12), 1, Activation.RELU, Loss.HINGE, margin, WeightBound.none()),
            800);
    assertThat(m.objective().bestBound()).isLessThan(m.objective().startBound());
    FitCriterion mse = new FitCriterion(FitCriterion.Kind.MSE, 0.05, 1.0, 0.6);
    Outcome s = minimise(data, targets, spec(List.of(12), 1, Activation.TANH, mse), 800);
    assertThat(s.objective().bestBound()).isLessThan(s.objective().startBound());
  }

  /** A weight-bounded run stays in its class; a vector output uses the columns' norms. */
  @Test
  void weightBoundsAndVectorOutputs() {
    Dataset data = sphere(12, 3, 5);
    WeightBound wb = new WeightBound(WeightBound.Kind.PER_NEURON, 2.0, 3.0, 1.0);
    TrainingSpec bounded =
        spec(List.of(16), 1, Activation.RELU, Loss.SQUARED, FitCriterion.exact(0.1), wb);
    MlpTrainer t = fitted(data, MlpTrainer.targetsFromLabels(data.y(), 1), bounded);
    LipschitzObjective o = new LipschitzObjective(t, 500, 0.01);
    while (o.step()) {
      if (o.steps() % 50 == 0) {
        assertThat(t.evaluate().constraint()).isLessThanOrEqualTo(3.0 * (1 + 1e-12));
      }
    }
    assertThat(t.evaluate().constraint()).isLessThanOrEqualTo(3.0 * (1 + 1e-12));
    assertThat(bounded.fit().fitted(t.evaluate())).isTrue();

    double[][] targets = new double[data.n()][2];
    for (int i = 0; i < data.n(); i++) {
      targets[i][0] = data.y()[i];
      targets[i][1] = data.x()[i][0];
    }
    Outcome v =
        minimise(
            data, targets, spec(List.of(16), 2, Activation.RELU, FitCriterion.exact(0.1)), 500);
    assertThat(v.objective().bestBound()).isLessThan(v.objective().startBound());
  }

  /** The same start gives the same path and weights. */
  @Test
  void deterministic() {
    Dataset data = sphere(10, 3, 2);
    TrainingSpec spec = spec(List.of(8), 1, Activation.RELU, FitCriterion.exact(TOL));
    double[][] targets = MlpTrainer.targetsFromLabels(data.y(), 1);
    MlpTrainer a = fitted(data, targets, spec);
    MlpTrainer b = fitted(data, targets, spec);
    LipschitzObjective oa = new LipschitzObjective(a, 300, 0.01);
    LipschitzObjective ob = new LipschitzObjective(b, 300, 0.01);
    while (oa.step() | ob.step()) {
      // both to the end
    }
    assertThat(oa.path()).isEqualTo(ob.path());
    assertThat(a.parameters()).isEqualTo(b.parameters());
  }

  @Test
  void refusesAStartThatDoesNotFit() {
    Dataset data = sphere(10, 3, 2);
    MlpTrainer t =
        new MlpTrainer(
            data,
            spec(List.of(8), 1, Activation.RELU, FitCriterion.exact(TOL)),
            INIT_SEED); // untrained
    assertThatThrownBy(() -> new LipschitzObjective(t, 10, 0.01))
        .isInstanceOf(IllegalStateException.class);
  }

  /** The bounds' gradients match central finite differences. */
  @Test
  void boundGradientsMatchFiniteDifferences() {
    SplittableRandom rng = new SplittableRandom(17);
    for (int[] sizes : new int[][] {{3, 5, 2}, {3, 4, 5, 1}}) {
      LipschitzBound bound = new LipschitzBound(sizes);
      int total = 0;
      for (int l = 0; l + 1 < sizes.length; l++) {
        total += sizes[l + 1] * sizes[l] + sizes[l + 1];
      }
      double[] theta = new double[total];
      for (int i = 0; i < total; i++) {
        theta[i] = DataModels.gaussian(rng);
      }
      double[] grad = new double[total];
      // The power iteration continues from its last vectors on every call: a few calls at the
      // same weights converge it, as consecutive objective steps do.
      for (int warm = 0; warm < 5; warm++) {
        bound.value(theta, grad);
      }
      LipschitzBoundTest.assertMatchesFiniteDifferences(grad, theta, q -> bound.value(q, null));
    }
  }

  /** n points uniform on the unit sphere in R^d with uniform ±1 labels. */
  static Dataset sphere(int n, int d, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] x = new double[n][d];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int c = 0; c < d; c++) {
        x[i][c] = DataModels.gaussian(rng);
        s += x[i][c] * x[i][c];
      }
      for (int c = 0; c < d; c++) {
        x[i][c] /= Math.sqrt(s);
      }
      y[i] = rng.nextBoolean() ? 1 : -1;
    }
    return new Dataset(x, y);
  }
}
