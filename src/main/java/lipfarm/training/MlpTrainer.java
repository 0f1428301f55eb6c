package lipfarm.training;

import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains a fully connected network {@code f = L_m ∘ σ ∘ … ∘ σ ∘ L_1}, {@code L_l(x) = W_l x + b_l},
 * with ND4J.
 *
 * <p>ND4J charges 15-200 µs per op whatever its size, so a step is a short, fixed sequence of ops
 * on preallocated buffers: every parameter lives in one flat vector {@code theta} (each W_l and b_l
 * is a view into it) and every gradient in one flat vector {@code grad} with the same layout, so an
 * optimiser update is one or two native ops over all parameters; products use gemm with transpose
 * flags rather than transposed views. No workspace is used, so the buffers may move between threads
 * (one owner at a time).
 *
 * <p>Minibatches (SGD, or Adam with a batch size) are contiguous row ranges of a copy of the data
 * that is reshuffled, with a seeded permutation, once per epoch.
 *
 * <p>This class runs the epochs, measures the fit and captures checkpoints; its parts are {@link
 * FlatParameters} (the flat layout), {@link Nd4jBackprop} or the fused {@link TwoLayerKernel} (the
 * passes), {@link OptimizerState} (the update rule and its moments), {@link WeightProjection} (the
 * weight-bounded class) and {@link MinibatchOrder} (the seeded minibatch order).
 */
public final class MlpTrainer {
  private final TrainingSpec spec;
  private final int n;
  private final int layersCount;
  private final int[] sizes; // sizes[0] = d, sizes[L] = outputDim
  private final double[] labels;
  private final double[] targets; // row-major n × m copy of y, for measurements

  // n×d data and n×m targets in original order, for the ND4J path; null when the fused kernel
  // runs on heap buffers (ND4J never started)
  private final INDArray x;
  private final INDArray y;
  private final FlatParameters params;
  private final Nd4jBackprop passes; // the ND4J path; null when the fused kernel runs
  private final OptimizerState optimizer;
  private final WeightProjection projection;
  private final MinibatchOrder order;
  private final TwoLayerKernel kernel; // the fused full-batch step, when the spec allows it

  private int epoch;
  private int updates;

  /**
   * @param data points and ±1 labels (targets are the labels replicated on every output)
   * @param spec architecture, loss, optimiser and weight bound
   * @param initSeed seed of the initialisation and of the minibatch order
   */
  public MlpTrainer(Dataset data, TrainingSpec spec, long initSeed) {
    this(data, targetsFromLabels(data.y(), spec.outputDim()), spec, initSeed);
  }

  /** With explicit targets {@code targets[i]} of length outputDim (vector-output regression). */
  public MlpTrainer(Dataset data, double[][] targets, TrainingSpec spec, long initSeed) {
    this(data, targets, spec, initSeed, DataType.DOUBLE);
  }

  /**
   * @param dtype DOUBLE (the default; gradient checks need it) or FLOAT (twice the GEMM throughput
   *     for large nets)
   */
  public MlpTrainer(
      Dataset data, double[][] targets, TrainingSpec spec, long initSeed, DataType dtype) {
    this(data, targets, spec, initSeed, dtype, true);
  }

  /**
   * @param fusedKernel whether the full-batch step of a two-layer net may use {@link
   *     TwoLayerKernel} (false only to test it against the ND4J path)
   */
  MlpTrainer(
      Dataset data,
      double[][] targets,
      TrainingSpec spec,
      long initSeed,
      DataType dtype,
      boolean fusedKernel) {
    this.spec = spec;
    this.n = data.n();
    this.labels = data.y().clone();
    this.layersCount = spec.depth();
    this.sizes = new int[layersCount + 1];
    sizes[0] = data.d();
    for (int l = 0; l < spec.hidden().size(); l++) {
      sizes[l + 1] = spec.hidden().get(l);
    }
    sizes[layersCount] = spec.outputDim();
    int m = spec.outputDim();
    this.targets = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int o = 0; o < m; o++) {
        // rounded to the trainer's precision, as the ND4J path sees them
        double t = targets[i][o];
        this.targets[i * m + o] = dtype == DataType.FLOAT ? (float) t : t;
      }
    }
    // The fused kernel keeps its own buffers: the n×width ND4J buffers serve the ND4J path only.
    boolean fused = fusedKernel && TwoLayerKernel.supports(spec, dtype);
    // Without a weight bound nothing but the kernel touches the parameters: keep them on the heap
    // and never start ND4J (projections work on ND4J views).
    boolean nd4j = !fused || spec.bound().kind() != WeightBound.Kind.NONE;
    if (nd4j) {
      Nd4jRuntime.configure();
      this.x = Nd4j.create(data.x()).castTo(dtype);
      this.y = Nd4j.create(targets).castTo(dtype);
    } else {
      this.x = null;
      this.y = null;
    }
    params = new FlatParameters(sizes, dtype, nd4j);
    passes = fused ? null : new Nd4jBackprop(spec, params, n);
    projection = new WeightProjection(spec, params);
    SplittableRandom rng = new SplittableRandom(initSeed);
    initialise(rng);
    order = new MinibatchOrder(x, y, n, rng.split());
    optimizer = new OptimizerState(spec.optimizer(), dtype, params.total, nd4j);
    kernel =
        fused
            ? TwoLayerKernel.create(
                spec,
                1,
                dtype,
                data.x(),
                params.thetaBuffer(),
                params.gradBuffer(),
                optimizer.buffer())
            : null;
    project();
  }

  /** Targets for ±1 labels: the label on every output coordinate. */
  public static double[][] targetsFromLabels(double[] y, int m) {
    double[][] t = new double[y.length][m];
    for (int i = 0; i < y.length; i++) {
      java.util.Arrays.fill(t[i], y[i]);
    }
    return t;
  }

  /**
   * He-style initialisation: W_l ~ N(0, 2/in) for hidden layers, N(0, 1/in) for the output; zero
   * biases.
   */
  private void initialise(SplittableRandom rng) {
    double[] p = new double[params.total]; // biases stay zero
    int off = 0;
    for (int l = 0; l < layersCount; l++) {
      int out = sizes[l + 1];
      int in = sizes[l];
      double[] v = initialWeights(rng, out, in, l == layersCount - 1);
      System.arraycopy(v, 0, p, off, v.length);
      off += out * in + out;
    }
    params.write(p);
  }

  /**
   * The next layer's initial weights from {@code rng}, row-major out×in: N(0, 2/in) for a hidden
   * layer, N(0, 1/in) for the output layer. Shared with {@link BatchedRestarts}, whose restart r
   * must start from exactly this trainer's weights.
   */
  static double[] initialWeights(SplittableRandom rng, int out, int in, boolean outputLayer) {
    double sd = Math.sqrt((outputLayer ? 1.0 : 2.0) / in);
    double[] v = new double[out * in];
    for (int i = 0; i < v.length; i++) {
      v[i] = sd * DataModels.gaussian(rng);
    }
    return v;
  }

  public int epoch() {
    return epoch;
  }

  public TrainingSpec spec() {
    return spec;
  }

  /** Whether the parameters live in ND4J arrays (false: heap buffers only the kernel touches). */
  boolean parametersOnNd4j() {
    return params.nd4j();
  }

  /** The fused kernel, or null when this trainer runs on ND4J's ops (for the profile bench). */
  TwoLayerKernel kernel() {
    return kernel;
  }

  /**
   * Measures the current fit on the full data; if the fit criterion does not hold yet, trains one
   * epoch (one full-batch step, or one pass of minibatches) and projects onto the weight-bounded
   * class after every step. Returns the measurement taken before training; its weight norms and
   * constraint are NaN (not measured: use {@link #evaluate()} when they are needed) so that an
   * epoch costs no more ops than the step itself.
   */
  public EpochStats step() {
    if (kernel != null) {
      return fusedStep();
    }
    INDArray out = passes.forward(x, 0, n);
    EpochStats stats = fitStats(out.data().dup().asDouble(), Double.NaN, Double.NaN, Double.NaN);
    if (spec.fit().fitted(stats) || !stats.finite()) {
      return stats;
    }
    double lr = spec.optimizer().rateAt(epoch, spec.maxEpochs());
    int batch =
        spec.optimizer().kind() == Optimizer.Kind.GD || spec.optimizer().batchSize() <= 0
            ? n
            : Math.min(n, spec.optimizer().batchSize());
    if (batch == n) {
      // The measuring forward pass left every layer's buffers in place: reuse them.
      passes.backward(x, y, 0, n, out, spec.loss());
      update(lr);
    } else {
      order.shuffle();
      INDArray xs = order.inputs();
      INDArray ys = order.targets();
      for (int from = 0; from < n; from += batch) {
        int to = Math.min(n, from + batch);
        INDArray o = passes.forward(xs, from, to);
        passes.backward(xs, ys, from, to, o, spec.loss());
        update(lr);
      }
    }
    epoch++;
    return stats;
  }

  /** {@link #step()} through the fused kernel: the same measurement, update and projection. */
  private EpochStats fusedStep() {
    // The gradient comes with the measuring pass; it is dropped when the net already fits.
    EpochStats stats =
        fitStats(kernel.forwardBackward(targets), Double.NaN, Double.NaN, Double.NaN);
    if (spec.fit().fitted(stats) || !stats.finite()) {
      return stats;
    }
    double lr = spec.optimizer().rateAt(epoch, spec.maxEpochs());
    updates++;
    // ND4J's AdamUpdater corrects the bias with step count (iteration + 1): keep its trajectory.
    kernel.update(lr, updates + 1);
    project();
    epoch++;
    return stats;
  }

  /**
   * The full training state: everything {@link #step()} reads besides the data and the spec. A
   * trainer built with the same data, spec, seed and dtype and given this state by {@link #restore}
   * continues bit-identically to this one.
   */
  public TrainingState capture() {
    double[][] pv = projection.powerVectors();
    return new TrainingState(
        epoch,
        updates,
        order.shuffles(),
        order.permutation(),
        parameters(),
        optimizer.adamValues(),
        optimizer.velocityValues(),
        pv);
  }

  /**
   * Restores a state captured from a trainer of the same configuration. Only a fresh trainer (no
   * step taken) can be restored: the minibatch generator is advanced by replaying the {@code
   * shuffles} permutations it drew (cheap next to training), which reproduces its exact stream
   * without touching its private state; the replayed permutation must equal the captured one.
   *
   * @throws IllegalStateException if this trainer has trained, or the state does not fit it
   */
  public void restore(TrainingState s) {
    if (epoch != 0 || updates != 0 || order.shuffles() != 0) {
      throw new IllegalStateException(
          "restore needs a fresh trainer; this one is at epoch " + epoch);
    }
    if (s.parameters().length != params.size()
        || s.permutation().length != n
        || !optimizer.fits(s.adam(), s.velocity())
        || s.powerVectors().length != layersCount) {
      throw new IllegalStateException("checkpoint does not match this network and optimiser");
    }
    order.replay(s.shuffles(), s.permutation());
    setParameters(s.parameters());
    optimizer.restore(s.adam(), s.velocity());
    projection.restorePowerVectors(s.powerVectors());
    epoch = s.epoch();
    updates = s.updates();
  }

  private void update(double lr) {
    updates++;
    optimizer.apply(params, lr, updates, epoch);
    project();
  }

  /** Projects the weights onto the configured weight-bounded class (identity inside it). */
  void project() {
    projection.project();
  }

  /** σ_max(W_l) by warm-started power iteration (see {@link WeightProjection#spectralNorm}). */
  double spectralNorm(int l) {
    return projection.spectralNorm(l);
  }

  /** The current value of the bounded quantity (NaN when unconstrained). */
  double constraintValue() {
    return projection.constraintValue();
  }

  /** Measures the current weights on the full data without changing them, norms included. */
  public EpochStats evaluate() {
    double[] out =
        kernel != null ? kernel.forward() : passes.forward(x, 0, n).data().dup().asDouble();
    return fitStats(out, params.frobenius(0), params.frobenius(layersCount - 1), constraintValue());
  }

  private EpochStats fitStats(double[] f, double normW, double normA, double constraint) {
    int m = sizes[layersCount];
    double sq = 0;
    double lossSum = 0;
    double maxErr = 0;
    double minMargin = Double.POSITIVE_INFINITY;
    int fit = 0;
    for (int i = 0; i < n; i++) {
      for (int o = 0; o < m; o++) {
        double r = f[i * m + o] - targets[i * m + o];
        sq += r * r;
        maxErr =
            Double.isNaN(r) || Double.isNaN(maxErr) ? Double.NaN : Math.max(maxErr, Math.abs(r));
      }
      double yf = labels[i] * f[i * m];
      minMargin = Math.min(minMargin, yf);
      if (yf > 0) {
        fit++;
      }
      lossSum +=
          switch (spec.loss()) {
            case SQUARED -> 0;
            case HINGE -> Math.max(0, 1 - yf);
            case LOGISTIC -> yf > 0 ? Math.log1p(Math.exp(-yf)) : -yf + Math.log1p(Math.exp(yf));
          };
    }
    double loss = spec.loss() == Loss.SQUARED ? sq / n : lossSum / n;
    return new EpochStats(
        epoch, loss, maxErr, fit / (double) n, minMargin, normW, normA, constraint);
  }

  /** Mean loss (½‖r‖² per point for the squared loss) and its gradient, for gradient checks. */
  double[] lossAndGradient() {
    INDArray out = kernel != null ? null : passes.forward(x, 0, n);
    double[] f =
        kernel != null ? kernel.forwardBackward(targets).clone() : out.data().dup().asDouble();
    double[] t = targets;
    int m = sizes[layersCount];
    double loss = 0;
    for (int i = 0; i < n; i++) {
      for (int o = 0; o < m; o++) {
        double r = f[i * m + o] - t[i * m + o];
        double yf = labels[i] * f[i * m + o];
        loss +=
            switch (spec.loss()) {
              case SQUARED -> 0.5 * r * r;
              case HINGE -> Math.max(0, 1 - yf);
              case LOGISTIC -> Math.log1p(Math.exp(-yf));
            };
      }
    }
    if (kernel == null) {
      passes.backward(x, y, 0, n, out, spec.loss());
    }
    double[] g = params.gradient();
    double[] result = new double[g.length + 1];
    result[0] = loss / n;
    System.arraycopy(g, 0, result, 1, g.length);
    return result;
  }

  // Hooks of LipschitzObjective, which drives the weights itself once the net fits.

  /** Layer sizes: d, the hidden widths, the output size. */
  int[] layerSizes() {
    return sizes.clone();
  }

  /** Outputs at the current weights, row-major n×m (a copy). */
  double[] outputs() {
    return kernel != null
        ? kernel.forward().clone()
        : passes.forward(x, 0, n).data().dup().asDouble();
  }

  /** The fit measured from outputs {@code f} (row-major n×m) of the current weights, norms NaN. */
  EpochStats statsOf(double[] f) {
    return fitStats(f, Double.NaN, Double.NaN, Double.NaN);
  }

  /** The targets, row-major n×m (a copy), and the ±1 labels. */
  double[] targets() {
    return targets.clone();
  }

  double[] labels() {
    return labels.clone();
  }

  /**
   * Outputs at the current weights (row-major n×m, a copy) and, in {@link #gradient()}, the
   * gradient of (1/2n) Σ dist(f_io, [lo_io, hi_io])², whatever the configured loss: zero where
   * every output lies in its interval.
   */
  double[] boxGradient(double[] lo, double[] hi) {
    if (kernel != null) {
      kernel.boxLo = lo;
      kernel.boxHi = hi;
      try {
        return kernel.forwardBackward(targets).clone();
      } finally {
        kernel.boxLo = null;
        kernel.boxHi = null;
      }
    }
    INDArray out = passes.forward(x, 0, n);
    double[] f = out.data().dup().asDouble();
    double[] t = new double[f.length];
    for (int q = 0; q < f.length; q++) {
      t[q] = Math.min(Math.max(f[q], lo[q]), hi[q]);
    }
    INDArray tt = Nd4j.create(t, new long[] {n, sizes[layersCount]}, 'c').castTo(params.dtype);
    passes.backward(x, tt, 0, n, out, Loss.SQUARED);
    return f;
  }

  /** The gradient buffer (a copy), flat layout as {@link #parameters()}. */
  double[] gradient() {
    return params.gradient();
  }

  /**
   * Copies the gradient into {@code into}, straight from its native memory (no ND4J op: ND4J's
   * per-op cost would be most of a small net's objective step).
   */
  void gradientInto(double[] into) {
    params.gradientInto(into);
  }

  /** Copies the parameters into {@code into}, as {@link #parameters()} without ND4J ops. */
  void parametersInto(double[] into) {
    params.valuesInto(into);
  }

  /** Current flat parameters, layer by layer: W_l row-major, then b_l. */
  public double[] parameters() {
    return params.values();
  }

  /**
   * Sets the parameters from {@code p} (flat layout as {@link #parameters()}), without ND4J ops.
   */
  void setParameters(double[] p) {
    params.write(p);
  }

  /** An immutable copy of the current weights, safe to send to another actor. */
  public NetworkSnapshot snapshot() {
    String act =
        spec.activation() == Activation.LEAKY_RELU
            ? "leaky-relu:" + spec.leakySlope()
            : spec.activation().key();
    return params.snapshot(act, spec.bias());
  }
}
