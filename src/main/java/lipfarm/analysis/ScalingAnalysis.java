package lipfarm.analysis;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import lipfarm.config.RunConfig;
import lipfarm.protocol.RunResult;

/**
 * Log-log scaling fits of measured Lipschitz bounds against the grid axes, with seed-group
 * bootstrap intervals, next to the slopes the laws of robustness predict (theory.md section 6).
 *
 * <p>Method. Only interpolating runs with a positive finite value enter a fit; the others are
 * counted. Two models per measured quantity y:
 *
 * <ol>
 *   <li><b>joint</b>: log y = c + Σ_a β_a·log a over every primary axis a ∈ {n, k, d, depth} that
 *       takes at least two values among those runs. β_a is the elasticity of y in a with the other
 *       axes held fixed; on a Cartesian grid (the farm's design) it equals the average of the
 *       within-group slopes over the groups where the other axes are fixed, but uses every run in
 *       one fit, so a level missing from one group (a run that did not interpolate) costs no group.
 *   <li><b>n/k</b>: log y = c + β·log(n/k) + Σ_a β_a·log a over the varying axes among {d, depth}.
 *       This is the conjecture's own form, Lip ≈ C·(n/k)^β: n and k enter only through their ratio.
 *       (log(n/k) cannot sit in the joint model: it is log n − log k.)
 * </ol>
 *
 * Intervals come from {@link ClusterBootstrap} with the seed as the cluster: runs with the same
 * seed share their data points (the data seed depends on n, d and seed only), so their errors are
 * correlated and must be resampled together.
 */
public final class ScalingAnalysis {
  public static final double LEVEL = 0.95;

  private ScalingAnalysis() {}

  /** The grid axes a slope is fitted against. */
  public enum Axis {
    N("n", c -> c.n(), 0.5, "+½ at fixed k, d (BLN √(n/k); BS √(nd/p) with p ∝ kd; WHZ √(n/p))"),
    K("k", c -> c.k(), -0.5, "−½ at fixed n, d for n/d ≲ k ≲ n (BLN); 0 (plateau) for k ≳ n"),
    N_OVER_K("n/k", c -> (double) c.n() / c.k(), 0.5, "+½ (BLN conjecture Lip ≳ √(n/k))"),
    // d = 0 keeps a data file's own dimension: not a grid value to fit against.
    D(
        "d",
        c -> c.d() > 0 ? c.d() : Double.NaN,
        0.0,
        "0 at fixed n, k for two-layer nets (d cancels in √(nd/p), p ≈ kd)"),
    DEPTH(
        "depth",
        c -> c.depth(),
        Double.NaN,
        "none at fixed width (BS's deep variant √(nd/(Dp)) holds p fixed)"),
    WEIGHT_BOUND(
        "bound-value",
        c -> "none".equals(c.weightBound()) ? Double.NaN : c.boundValue(),
        Double.NaN,
        "none stated: a tighter weight bound raises the k needed to fit (theory.md §1.3), not Lip directly");

    private final String label;
    private final ToDoubleFunction<RunConfig> value;
    private final double predicted;
    private final String prediction;

    Axis(String label, ToDoubleFunction<RunConfig> value, double predicted, String prediction) {
      this.label = label;
      this.value = value;
      this.predicted = predicted;
      this.prediction = prediction;
    }

    public String label() {
      return label;
    }

    public double of(RunConfig c) {
      return value.applyAsDouble(c);
    }

    /** The predicted log-log slope of Lip against this axis; NaN when theory predicts none. */
    public double predicted() {
      return predicted;
    }

    public String prediction() {
      return prediction;
    }

    /** The covariate name in fits: {@code log n}, {@code log(n/k)}. */
    public String covariate() {
      return label.contains("/") ? "log(" + label + ")" : "log " + label;
    }
  }

  /**
   * The measured quantities whose scaling is fitted. Today the estimator reports one sandwich,
   * valid both for the global constant and on the unit ball; once it reports the local and global
   * constants separately they become further constants here.
   */
  public enum Quantity {
    LOWER("certified lower bound on Lip (local: the data ball)", RunResult::lipLower),
    LOWER_GLOBAL("certified lower bound on the global Lip (R^d)", r -> measured(r, "lower-global")),
    UPPER("certified upper bound on Lip", RunResult::lipUpper),
    SPECTRAL_PROXY(
        "‖a‖₂‖W‖_op (norm upper-bound proxy; F3's quantity)",
        r -> r.measures() == null ? Double.NaN : r.measures().spectralProxy());

    private final String label;
    private final ToDoubleFunction<RunResult> value;

    Quantity(String label, ToDoubleFunction<RunResult> value) {
      this.label = label;
      this.value = value;
    }

    public String label() {
      return label;
    }

    public double of(RunResult r) {
      return value.applyAsDouble(r);
    }
  }

  /** The value of a named entry of the run's estimator bounds, NaN if absent. */
  static double measured(RunResult r, String method) {
    return r.bounds() == null
        ? Double.NaN
        : r.bounds().stream()
            .filter(b -> method.equals(b.method()))
            .mapToDouble(b -> b.value())
            .findFirst()
            .orElse(Double.NaN);
  }

  /**
   * One slope: quantity against axis, with its interval and prediction.
   *
   * @param model "joint" or "n/k"
   */
  public record AxisFit(Quantity quantity, Axis axis, String model, RegressionFit fit) {
    public double slope() {
      return fit.slope(axis.covariate());
    }

    public double low() {
      return fit.low(axis.covariate());
    }

    public double high() {
      return fit.high(axis.covariate());
    }

    public boolean hasInterval() {
      return !Double.isNaN(low());
    }

    /** Whether the interval contains the predicted slope; null without interval or prediction. */
    public Boolean containsPrediction() {
      double p = axis.predicted();
      if (!hasInterval() || Double.isNaN(p)) {
        return null;
      }
      return low() <= p && p <= high();
    }

    /** log y predicted at log-axis value {@code logX}, the other axes at their means. */
    public double line(double logX) {
      return fit.partialPrediction(axis.covariate(), logX);
    }
  }

  /**
   * The run's input dimension: its configuration's d, or for a data file kept at its own dimension
   * (d = 0) the one its network measured (NaN when neither is known).
   */
  static double dimension(RunResult r) {
    if (r.config().d() > 0) {
      return r.config().d();
    }
    return r.measures() != null && r.measures().inputDim() > 0
        ? r.measures().inputDim()
        : Double.NaN;
  }

  /**
   * @param fits every slope, by quantity then axis
   * @param varying axes with at least two values among the interpolating runs
   * @param notInterpolating runs left out because they did not interpolate
   * @param invalid per quantity, interpolating runs left out for a missing or non-positive value
   * @param outsideRegime interpolating runs with k outside the conjecture's n/d ≤ k ≤ n
   * @param notes models that could not be fitted, and why
   */
  public record Result(
      List<AxisFit> fits,
      List<Axis> varying,
      int runs,
      int interpolating,
      int notInterpolating,
      Map<Quantity, Integer> invalid,
      int seedGroups,
      int outsideRegime,
      List<String> notes) {

    public List<AxisFit> fits(Quantity q) {
      return fits.stream().filter(f -> f.quantity() == q).toList();
    }

    public java.util.Optional<AxisFit> fit(Quantity q, Axis a) {
      return fits.stream().filter(f -> f.quantity() == q && f.axis() == a).findFirst();
    }
  }

  public static Result analyse(List<RunResult> results) {
    return analyse(results, ClusterBootstrap.DEFAULT_RESAMPLES, ClusterBootstrap.DEFAULT_SEED);
  }

  public static Result analyse(List<RunResult> results, int resamples, long seed) {
    List<RunResult> fitted = results.stream().filter(RunResult::interpolated).toList();
    List<Axis> varying = new ArrayList<>();
    for (Axis a : Axis.values()) {
      if (distinct(fitted, a) >= 2) {
        varying.add(a);
      }
    }
    List<AxisFit> fits = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Map<Quantity, Integer> invalid = new EnumMap<>(Quantity.class);
    for (Quantity q : Quantity.values()) {
      List<RunResult> rows =
          fitted.stream().filter(r -> q.of(r) > 0 && Double.isFinite(q.of(r))).toList();
      invalid.put(q, fitted.size() - rows.size());
      List<Axis> joint = new ArrayList<>();
      for (Axis a : List.of(Axis.N, Axis.K, Axis.D, Axis.DEPTH, Axis.WEIGHT_BOUND)) {
        // An axis enters the joint fit only if every run has a value on it (a bound of "none" has
        // none).
        if (distinct(rows, a) >= 2
            && rows.stream().allMatch(r -> Double.isFinite(a.of(r.config())))) {
          joint.add(a);
        }
      }
      fitModel(q, "joint", joint, joint, rows, resamples, seed, fits, notes);
      if (distinct(rows, Axis.N_OVER_K) >= 2) {
        List<Axis> ratio = new ArrayList<>(List.of(Axis.N_OVER_K));
        ratio.addAll(joint.stream().filter(a -> a == Axis.D || a == Axis.DEPTH).toList());
        fitModel(q, "n/k", ratio, List.of(Axis.N_OVER_K), rows, resamples, seed, fits, notes);
      }
    }
    Set<Integer> seeds = new TreeSet<>();
    fitted.forEach(r -> seeds.add(r.config().seed()));
    int outside =
        (int)
            fitted.stream()
                .filter(
                    r ->
                        r.config().k() < (double) r.config().n() / dimension(r)
                            || r.config().k() > r.config().n())
                .count();
    return new Result(
        fits,
        varying,
        results.size(),
        fitted.size(),
        results.size() - fitted.size(),
        invalid,
        seeds.size(),
        outside,
        notes);
  }

  private static void fitModel(
      Quantity q,
      String model,
      List<Axis> covariates,
      List<Axis> reported,
      List<RunResult> rows,
      int resamples,
      long seed,
      List<AxisFit> out,
      List<String> notes) {
    if (covariates.isEmpty()) {
      return;
    }
    List<String> names = covariates.stream().map(Axis::covariate).toList();
    List<Observation> obs = new ArrayList<>();
    for (RunResult r : rows) {
      double[] x = new double[covariates.size()];
      for (int j = 0; j < x.length; j++) {
        x[j] = Math.log(covariates.get(j).of(r.config()));
      }
      obs.add(new Observation("seed=" + r.config().seed(), x, Math.log(q.of(r))));
    }
    RegressionFit fit = ClusterBootstrap.fit(names, obs, resamples, seed, LEVEL);
    if (fit == null) {
      notes.add(
          String.format(
              java.util.Locale.ROOT,
              "%s, %s model on %s: not identifiable (the varying axes are collinear among the %d usable runs)",
              q.label(),
              model,
              names,
              rows.size()));
      return;
    }
    for (Axis a : reported) {
      out.add(new AxisFit(q, a, model, fit));
    }
  }

  private static int distinct(List<RunResult> runs, Axis a) {
    Set<Double> values = new TreeSet<>();
    runs.forEach(r -> values.add(a.of(r.config())));
    return values.size();
  }
}
