package lipfarm.training;

import java.nio.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * R restarts of the same two-layer ReLU net (biases, squared loss, full-batch Adam) on the same
 * data, trained as one computation by {@link TwoLayerKernel}: the R hidden layers are stacked into
 * one K×d matrix (K = R·k), so each epoch of all R nets is two products of width K instead of 2R
 * products of width k (small widths run far below the BLAS peak), and one pass of each fused
 * element-wise loop; restart r's output reads only its own k hidden units.
 *
 * <p>Restart r starts from exactly the weights {@code new MlpTrainer(data, spec, seeds[r])} would
 * use and follows the same Adam trajectory (up to rounding in the stacked products): Adam acts
 * coordinate by coordinate, so one update of the concatenated parameters is R separate updates.
 */
public final class BatchedRestarts {
  private final int n;
  private final int d;
  private final int k;
  private final int r;
  private final double tol;
  private final double[] labels;
  private final Buffer theta; // [W (K×d) | b (K) | a (K) | c (R)], heap, DOUBLE or FLOAT
  private final TwoLayerKernel kernel;
  private final TrainingSpec spec;
  private int epoch;

  /** Per-restart measurement: the same fields as {@link EpochStats} (norms not measured). */
  public record RestartStats(int restart, EpochStats stats) {}

  /**
   * @param spec must be a two-layer ReLU net with biases, squared loss, exact fit, full-batch Adam
   * @param seeds one initialisation seed per restart
   */
  public BatchedRestarts(Dataset data, TrainingSpec spec, long[] seeds, DataType dtype) {
    if (spec.depth() != 2
        || spec.activation() != Activation.RELU
        || !spec.bias()
        || spec.loss() != Loss.SQUARED
        || spec.fit().kind() != FitCriterion.Kind.EXACT
        || spec.optimizer().kind() != Optimizer.Kind.ADAM
        || spec.optimizer().batchSize() > 0
        || spec.outputDim() != 1
        || spec.bound().kind() != WeightBound.Kind.NONE) {
      throw new IllegalArgumentException(
          "batched restarts need a two-layer ReLU net with biases, squared loss, exact fit, full-batch Adam and no weight bound");
    }
    this.spec = spec;
    this.n = data.n();
    this.d = data.d();
    this.k = spec.hidden().get(0);
    this.r = seeds.length;
    this.tol = spec.fit().tol();
    this.labels = data.y().clone();
    int kk = r * k;
    int total = kk * d + 2 * kk + r;
    double[] p = new double[total];
    for (int s = 0; s < r; s++) {
      // The same draws, in the same order, as MlpTrainer.initialise for this seed.
      SplittableRandom rng = new SplittableRandom(seeds[s]);
      double[] hidden = MlpTrainer.initialWeights(rng, k, d, false);
      System.arraycopy(hidden, 0, p, s * k * d, k * d);
      double[] output = MlpTrainer.initialWeights(rng, 1, k, true);
      System.arraycopy(output, 0, p, kk * d + kk + s * k, k);
    }
    theta = FlatParameters.heapBuffer(dtype, total);
    FlatParameters.copyIn(p, theta);
    Buffer grad = FlatParameters.heapBuffer(dtype, total);
    Buffer adamState = FlatParameters.heapBuffer(dtype, 2 * total);
    kernel = TwoLayerKernel.create(spec, r, dtype, data.x(), theta, grad, adamState);
  }

  public int restarts() {
    return r;
  }

  public int epoch() {
    return epoch;
  }

  /**
   * Measures every restart, then (unless one of them already fits within tol) takes one Adam step
   * for all of them. Returns the measurements taken before the step.
   */
  public List<RestartStats> step() {
    // The gradient comes with the measuring pass; it is dropped when a restart already fits.
    List<RestartStats> stats = measure(kernel.forwardBackward(labels));
    boolean anyFitted = stats.stream().anyMatch(s -> s.stats().maxError() <= tol);
    boolean finite = stats.stream().allMatch(s -> s.stats().finite());
    if (anyFitted || !finite) {
      return stats;
    }
    epoch++;
    // Step count epoch + 1, as ND4J's AdamUpdater counts (and MlpTrainer follows).
    kernel.update(spec.optimizer().rateAt(epoch - 1, spec.maxEpochs()), epoch + 1);
    return stats;
  }

  /** Measures every restart at the current weights without changing them. */
  public List<RestartStats> evaluate() {
    return measure(kernel.forward());
  }

  /** Per-restart statistics from the outputs (row-major n×R). */
  private List<RestartStats> measure(double[] out) {
    List<RestartStats> list = new ArrayList<>(r);
    for (int s = 0; s < r; s++) {
      double sq = 0;
      double maxErr = 0;
      double minMargin = Double.POSITIVE_INFINITY;
      int fit = 0;
      for (int i = 0; i < n; i++) {
        double f = out[i * r + s];
        double e = f - labels[i];
        sq += e * e;
        maxErr =
            Double.isNaN(e) || Double.isNaN(maxErr) ? Double.NaN : Math.max(maxErr, Math.abs(e));
        double yf = labels[i] * f;
        minMargin = Math.min(minMargin, yf);
        if (yf > 0) {
          fit++;
        }
      }
      list.add(
          new RestartStats(
              s,
              new EpochStats(
                  epoch,
                  sq / n,
                  maxErr,
                  fit / (double) n,
                  minMargin,
                  Double.NaN,
                  Double.NaN,
                  Double.NaN)));
    }
    return list;
  }

  /** Restart {@code s}'s current weights as an immutable snapshot. */
  public NetworkSnapshot snapshot(int s) {
    double[] p = new double[theta.capacity()];
    FlatParameters.copyOut(theta, p);
    int kk = r * k;
    double[] wv = new double[k * d];
    System.arraycopy(p, s * k * d, wv, 0, k * d);
    double[] bv = new double[k];
    System.arraycopy(p, kk * d + s * k, bv, 0, k);
    double[] av = new double[k];
    System.arraycopy(p, kk * d + kk + s * k, av, 0, k);
    return new NetworkSnapshot(
        "relu",
        List.of(
            new NetworkSnapshot.Layer(k, d, wv, bv),
            new NetworkSnapshot.Layer(1, k, av, new double[] {p[kk * d + 2 * kk + s]})));
  }
}
