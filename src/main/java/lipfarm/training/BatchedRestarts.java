package lipfarm.training;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * R restarts of the same two-layer ReLU net (biases, squared loss, full-batch Adam) on the same
 * data, trained as one computation: the R hidden layers are stacked into one K×d matrix (K = R·k)
 * and the R output layers form a block-diagonal K×R matrix, so one epoch of all R nets costs the
 * same short sequence of ND4J ops as one net. ND4J's cost per op, not per flop, dominates small
 * nets, so the time per network-epoch falls almost R-fold.
 *
 * <p>Restart r starts from exactly the weights {@code new MlpTrainer(data, spec, seeds[r])} would
 * use and follows the same Adam trajectory (up to rounding in the stacked products). Its parameters
 * are disjoint blocks of one flat vector; the off-diagonal output entries get a zero gradient
 * (masked), so Adam leaves them at zero.
 */
public final class BatchedRestarts {
  private final int n;
  private final int d;
  private final int k;
  private final int r;
  private final double tol;
  private final double[] labels;
  private final INDArray x; // n × d
  private final INDArray y; // n × R (labels replicated)
  private final INDArray theta;
  private final INDArray grad;
  private final INDArray w; // K × d
  private final INDArray b; // 1 × K
  private final INDArray a; // K × R, block diagonal
  private final INDArray c; // 1 × R
  private final INDArray gw;
  private final INDArray gb;
  private final INDArray ga;
  private final INDArray gc;
  private final INDArray mask; // K × R block-diagonal ones
  private final INDArray h; // n × K
  private final INDArray out; // n × R
  private final INDArray dh; // n × K
  private final AdamUpdater adam;
  private final Adam adamConfig;
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
    Nd4jRuntime.configure();
    this.spec = spec;
    this.n = data.n();
    this.d = data.d();
    this.k = spec.hidden().get(0);
    this.r = seeds.length;
    this.tol = spec.fit().tol();
    this.labels = data.y().clone();
    int kk = r * k;
    x = Nd4j.create(data.x()).castTo(dtype);
    double[][] yy = new double[n][r];
    for (int i = 0; i < n; i++) {
      java.util.Arrays.fill(yy[i], labels[i]);
    }
    y = Nd4j.create(yy).castTo(dtype);
    int total = kk * d + kk + kk * r + r;
    theta = Nd4j.zeros(dtype, 1, total);
    grad = Nd4j.zeros(dtype, 1, total);
    w = view(theta, 0, kk, d);
    b = view(theta, kk * d, 1, kk);
    a = view(theta, kk * d + kk, kk, r);
    c = view(theta, kk * d + kk + kk * r, 1, r);
    gw = view(grad, 0, kk, d);
    gb = view(grad, kk * d, 1, kk);
    ga = view(grad, kk * d + kk, kk, r);
    gc = view(grad, kk * d + kk + kk * r, 1, r);
    double[] m = new double[kk * r];
    double[] wv = new double[kk * d];
    double[] av = new double[kk * r];
    for (int s = 0; s < r; s++) {
      // The same draws, in the same order, as MlpTrainer.initialise for this seed.
      SplittableRandom rng = new SplittableRandom(seeds[s]);
      double[] hidden = MlpTrainer.initialWeights(rng, k, d, false);
      System.arraycopy(hidden, 0, wv, s * k * d, k * d);
      double[] output = MlpTrainer.initialWeights(rng, 1, k, true);
      for (int j = 0; j < k; j++) {
        av[(s * k + j) * r + s] = output[j];
        m[(s * k + j) * r + s] = 1;
      }
    }
    w.assign(Nd4j.create(wv, new long[] {kk, d}, 'c'));
    a.assign(Nd4j.create(av, new long[] {kk, r}, 'c'));
    mask = Nd4j.create(m, new long[] {kk, r}, 'c').castTo(dtype);
    h = Nd4j.zeros(dtype, n, kk);
    out = Nd4j.zeros(dtype, n, r);
    dh = Nd4j.zeros(dtype, n, kk);
    adamConfig = new Adam(spec.optimizer().learningRate());
    adam = new AdamUpdater(adamConfig);
    adam.setStateViewArray(Nd4j.zeros(dtype, 1, 2L * total), new long[] {1, total}, 'c', true);
  }

  private static INDArray view(INDArray flat, int offset, int rows, int cols) {
    INDArray v =
        flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(offset, offset + rows * cols))
            .reshape('c', rows, cols);
    if (!v.isView()) {
      throw new IllegalStateException("ND4J returned a copy instead of a view");
    }
    return v;
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
    List<RestartStats> stats = evaluate();
    boolean anyFitted = stats.stream().anyMatch(s -> s.stats().maxError() <= tol);
    boolean finite = stats.stream().allMatch(s -> s.stats().finite());
    if (anyFitted || !finite) {
      return stats;
    }
    out.muli(1.0 / n);
    Nd4j.gemm(h, out, ga, true, false, 1.0, 0.0);
    ga.muli(mask);
    gc.assign(out.sum(0).reshape(1, r));
    Nd4j.gemm(out, a, dh, false, true, 1.0, 0.0);
    Nd4j.getExecutioner().exec(new ThresholdReluBp(h, dh, dh, 0.0));
    Nd4j.gemm(dh, x, gw, true, false, 1.0, 0.0);
    gb.assign(dh.sum(0).reshape(1, r * k));
    epoch++;
    adamConfig.setLearningRate(spec.optimizer().rateAt(epoch - 1, spec.maxEpochs()));
    adam.applyUpdater(grad, epoch, epoch - 1);
    theta.subi(grad);
    return stats;
  }

  /**
   * Measures every restart at the current weights without changing them (leaves the forward pass in
   * place).
   */
  public List<RestartStats> evaluate() {
    Nd4j.gemm(x, w, h, false, true, 1.0, 0.0);
    h.addiRowVector(b);
    Nd4j.getExecutioner().exec(new RectifiedLinear(h, h, 0.0));
    Nd4j.gemm(h, a, out, false, false, 1.0, 0.0);
    out.addiRowVector(c);
    out.subi(y);
    return measure();
  }

  private List<RestartStats> measure() {
    double[] res = out.data().dup().asDouble(); // n × R row-major residuals
    List<RestartStats> list = new ArrayList<>(r);
    for (int s = 0; s < r; s++) {
      double sq = 0;
      double maxErr = 0;
      double minMargin = Double.POSITIVE_INFINITY;
      int fit = 0;
      for (int i = 0; i < n; i++) {
        double e = res[i * r + s];
        sq += e * e;
        maxErr =
            Double.isNaN(e) || Double.isNaN(maxErr) ? Double.NaN : Math.max(maxErr, Math.abs(e));
        double yf = labels[i] * (e + labels[i]);
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
    double[] wAll = w.dup().data().asDouble();
    double[] bAll = b.dup().data().asDouble();
    double[] aAll = a.dup().data().asDouble();
    double[] cAll = c.dup().data().asDouble();
    double[] wv = new double[k * d];
    System.arraycopy(wAll, s * k * d, wv, 0, k * d);
    double[] bv = new double[k];
    System.arraycopy(bAll, s * k, bv, 0, k);
    double[] av = new double[k];
    for (int j = 0; j < k; j++) {
      av[j] = aAll[(s * k + j) * r + s];
    }
    return new NetworkSnapshot(
        "relu",
        List.of(
            new NetworkSnapshot.Layer(k, d, wv, bv),
            new NetworkSnapshot.Layer(1, k, av, new double[] {cAll[s]})));
  }
}
