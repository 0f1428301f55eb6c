package lipfarm.training;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.LeakyReLU;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SoftPlus;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

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
 */
public final class MlpTrainer {
  private final TrainingSpec spec;
  private final DataType dtype;
  private final int n;
  private final int layersCount;
  private final int[] sizes; // sizes[0] = d, sizes[L] = outputDim
  private final double[] labels;
  private final double[] targets; // row-major n × m copy of y, for measurements

  private final INDArray x; // n × d, data in original order (for measurements)
  private final INDArray y; // n × m targets
  private final INDArray xs; // n × d, shuffled copy for minibatches
  private final INDArray ys; // n × m
  private final INDArray theta;
  private final INDArray grad;
  private final INDArray[] w; // W_l views, sizes[l+1] × sizes[l]
  private final INDArray[] b; // b_l views, 1 × sizes[l+1]
  private final INDArray[] gw;
  private final INDArray[] gb;
  private final INDArray[] z; // pre-activations per layer, n × sizes[l+1]
  private final INDArray[] a; // activations per hidden layer
  private final INDArray[] da; // backprop buffers
  private final INDArray[] deriv; // σ'(z) buffers
  private final INDArray velocity; // SGD momentum
  private final AdamUpdater adam;
  private final INDArray adamState; // [m | v], the updater's state view
  private final Adam adamConfig;
  private final SplittableRandom shuffleRng;
  private final int[] perm;
  private final INDArray[] powerVectors; // warm starts of the spectral-norm power iteration
  private final TwoLayerKernel kernel; // the fused full-batch step, when the spec allows it

  private int epoch;
  private int updates;
  private long shuffles; // permutations drawn so far: the position of shuffleRng's stream

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
    Nd4jRuntime.configure();
    this.dtype = dtype;
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
    this.x = Nd4j.create(data.x()).castTo(dtype);
    this.y = Nd4j.create(targets).castTo(dtype);
    this.targets = y.data().dup().asDouble();
    this.xs = x.dup();
    this.ys = y.dup();
    int total = 0;
    for (int l = 0; l < layersCount; l++) {
      total += sizes[l + 1] * sizes[l] + sizes[l + 1];
    }
    theta = Nd4j.zeros(dtype, 1, total);
    grad = Nd4j.zeros(dtype, 1, total);
    w = new INDArray[layersCount];
    b = new INDArray[layersCount];
    gw = new INDArray[layersCount];
    gb = new INDArray[layersCount];
    z = new INDArray[layersCount];
    a = new INDArray[layersCount];
    da = new INDArray[layersCount];
    deriv = new INDArray[layersCount];
    powerVectors = new INDArray[layersCount];
    // The fused kernel keeps its own buffers: the n×width ND4J buffers serve the ND4J path only.
    boolean fused = fusedKernel && TwoLayerKernel.supports(spec, dtype);
    int off = 0;
    for (int l = 0; l < layersCount; l++) {
      int out = sizes[l + 1];
      int in = sizes[l];
      w[l] = view(theta, off, out, in);
      gw[l] = view(grad, off, out, in);
      off += out * in;
      b[l] = view(theta, off, 1, out);
      gb[l] = view(grad, off, 1, out);
      off += out;
      z[l] = fused ? null : Nd4j.zeros(dtype, n, out);
      a[l] = fused ? null : Nd4j.zeros(dtype, n, out);
      da[l] = fused ? null : Nd4j.zeros(dtype, n, out);
      // σ'(z) buffers serve only activations other than ReLU.
      deriv[l] = fused || spec.activation() == Activation.RELU ? null : Nd4j.zeros(dtype, n, out);
    }
    SplittableRandom rng = new SplittableRandom(initSeed);
    initialise(rng);
    shuffleRng = rng.split();
    perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    velocity = spec.optimizer().kind() == Optimizer.Kind.SGD ? Nd4j.zeros(dtype, 1, total) : null;
    if (spec.optimizer().kind() == Optimizer.Kind.ADAM) {
      adamConfig = new Adam(spec.optimizer().learningRate());
      adam = new AdamUpdater(adamConfig);
      adamState = Nd4j.zeros(dtype, 1, 2L * total);
      adam.setStateViewArray(adamState, new long[] {1, total}, 'c', true);
    } else {
      adamConfig = null;
      adam = null;
      adamState = null;
    }
    kernel =
        fused
            ? TwoLayerKernel.create(
                spec, 1, dtype, x, theta, grad, adam != null ? adamState : velocity)
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

  private static INDArray view(INDArray flat, int offset, int rows, int cols) {
    INDArray v =
        flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(offset, offset + rows * cols))
            .reshape('c', rows, cols);
    if (!v.isView()) {
      throw new IllegalStateException(
          "ND4J returned a copy instead of a view; parameters would not update");
    }
    return v;
  }

  /**
   * He-style initialisation: W_l ~ N(0, 2/in) for hidden layers, N(0, 1/in) for the output; zero
   * biases.
   */
  private void initialise(SplittableRandom rng) {
    for (int l = 0; l < layersCount; l++) {
      int out = sizes[l + 1];
      int in = sizes[l];
      double[] v = initialWeights(rng, out, in, l == layersCount - 1);
      w[l].assign(Nd4j.create(v, new long[] {out, in}, 'c'));
    }
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

  /** The fused kernel, or null when this trainer runs on ND4J's ops (for the profile bench). */
  TwoLayerKernel kernel() {
    return kernel;
  }

  /** Forward pass over rows [from, to) of {@code input}; returns the output buffer view. */
  private INDArray forward(INDArray input, int from, int to) {
    INDArray prev = rows(input, from, to);
    for (int l = 0; l < layersCount; l++) {
      INDArray zl = rows(z[l], from, to);
      Nd4j.gemm(prev, w[l], zl, false, true, 1.0, 0.0);
      if (spec.bias()) {
        zl.addiRowVector(b[l]);
      }
      if (l < layersCount - 1) {
        INDArray al = rows(a[l], from, to);
        activate(zl, al);
        prev = al;
      } else {
        prev = zl;
      }
    }
    return prev;
  }

  private INDArray rows(INDArray m, int from, int to) {
    return from == 0 && to == n ? m : m.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
  }

  private void activate(INDArray zl, INDArray al) {
    switch (spec.activation()) {
      case RELU -> Nd4j.getExecutioner().exec(new RectifiedLinear(zl, al, 0.0));
      case LEAKY_RELU -> Nd4j.getExecutioner().exec(new LeakyReLU(zl, al, spec.leakySlope()));
      case TANH -> Nd4j.getExecutioner().exec(new Tanh(zl, al));
      case SOFTPLUS -> Nd4j.getExecutioner().exec(new SoftPlus(zl, al));
    }
  }

  /**
   * σ'(z) into {@code d}. ReLU and leaky ReLU use the convention σ'(0) = slope of the left side.
   */
  private void derivative(INDArray zl, INDArray al, INDArray d) {
    switch (spec.activation()) {
      case RELU -> Nd4j.getExecutioner().exec(new Step(zl, d, 0.0));
      case LEAKY_RELU -> {
        Nd4j.getExecutioner().exec(new Step(zl, d, 0.0));
        d.muli(1 - spec.leakySlope()).addi(spec.leakySlope());
      }
      case TANH -> {
        al.mul(al, d);
        d.rsubi(1.0);
      }
      case SOFTPLUS -> Nd4j.getExecutioner().exec(new Sigmoid(zl, d));
    }
  }

  /**
   * Gradient of the mean loss over rows [from, to) of (inputs, targets) into {@code grad}; {@code
   * out} holds the forward output for those rows and is overwritten.
   */
  private void backward(INDArray inputs, INDArray targets, int from, int to, INDArray out) {
    backward(inputs, targets, from, to, out, spec.loss());
  }

  /** {@link #backward} for the given loss. */
  private void backward(
      INDArray inputs, INDArray targets, int from, int to, INDArray out, Loss loss) {
    int rowsN = to - from;
    INDArray t = rows(targets, from, to);
    INDArray dz = out; // reuse the output buffer for dL/dz_L
    switch (loss) {
      case SQUARED -> dz.subi(t).muli(1.0 / rowsN);
      case HINGE -> {
        // d/df max(0, 1 − y f) = −y·1[y f < 1]
        INDArray yf = dz.mul(t);
        INDArray active = Nd4j.getExecutioner().exec(new Step(yf.rsubi(1.0), yf, 0.0));
        dz.assign(active.muli(t).muli(-1.0 / rowsN));
      }
      case LOGISTIC -> {
        // d/df log(1 + e^{−y f}) = −y·sigmoid(−y f)
        INDArray s = dz.mul(t).negi();
        Nd4j.getExecutioner().exec(new Sigmoid(s, s));
        dz.assign(s.muli(t).muli(-1.0 / rowsN));
      }
    }
    for (int l = layersCount - 1; l >= 0; l--) {
      INDArray prev = l == 0 ? rows(inputs, from, to) : rows(a[l - 1], from, to);
      Nd4j.gemm(dz, prev, gw[l], true, false, 1.0, 0.0);
      if (spec.bias()) {
        gb[l].assign(dz.sum(0).reshape(1, sizes[l + 1]));
      }
      if (l > 0) {
        INDArray dal = rows(da[l - 1], from, to);
        Nd4j.gemm(dz, w[l], dal, false, false, 1.0, 0.0);
        if (spec.activation() == Activation.RELU) {
          // One fused op instead of σ'(z) then a product: ReLU is the common, large case.
          Nd4j.getExecutioner().exec(new ThresholdReluBp(rows(z[l - 1], from, to), dal, dal, 0.0));
        } else {
          INDArray dv = rows(deriv[l - 1], from, to);
          derivative(rows(z[l - 1], from, to), rows(a[l - 1], from, to), dv);
          dal.muli(dv);
        }
        dz = dal;
      }
    }
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
    INDArray out = forward(x, 0, n);
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
      backward(x, y, 0, n, out);
      update(lr);
    } else {
      shuffle();
      for (int from = 0; from < n; from += batch) {
        int to = Math.min(n, from + batch);
        INDArray o = forward(xs, from, to);
        backward(xs, ys, from, to, o);
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

  private void shuffle() {
    permute();
    shuffles++;
    Nd4j.pullRows(x, xs, 1, perm);
    Nd4j.pullRows(y, ys, 1, perm);
  }

  /** One Fisher-Yates pass over {@code perm}, drawing n − 1 numbers from {@code shuffleRng}. */
  private void permute() {
    for (int i = n - 1; i > 0; i--) {
      int j = shuffleRng.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
  }

  /**
   * The full training state: everything {@link #step()} reads besides the data and the spec. A
   * trainer built with the same data, spec, seed and dtype and given this state by {@link #restore}
   * continues bit-identically to this one.
   */
  public TrainingState capture() {
    double[][] pv = new double[layersCount][];
    for (int l = 0; l < layersCount; l++) {
      pv[l] = powerVectors[l] == null ? null : powerVectors[l].dup().data().asDouble();
    }
    return new TrainingState(
        epoch,
        updates,
        shuffles,
        perm.clone(),
        parameters(),
        adamState == null ? null : adamState.dup().data().asDouble(),
        velocity == null ? null : velocity.dup().data().asDouble(),
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
    if (epoch != 0 || updates != 0 || shuffles != 0) {
      throw new IllegalStateException(
          "restore needs a fresh trainer; this one is at epoch " + epoch);
    }
    if (s.parameters().length != theta.length()
        || s.permutation().length != n
        || (adamState == null) != (s.adam() == null)
        || (velocity == null) != (s.velocity() == null)
        || s.powerVectors().length != layersCount) {
      throw new IllegalStateException("checkpoint does not match this network and optimiser");
    }
    for (long i = 0; i < s.shuffles(); i++) {
      permute();
    }
    if (!java.util.Arrays.equals(perm, s.permutation())) {
      throw new IllegalStateException("checkpoint's minibatch permutation does not match its seed");
    }
    shuffles = s.shuffles();
    if (shuffles > 0) {
      Nd4j.pullRows(x, xs, 1, perm);
      Nd4j.pullRows(y, ys, 1, perm);
    }
    setParameters(s.parameters());
    if (adamState != null) {
      if (s.adam().length != adamState.length()) {
        throw new IllegalStateException("checkpoint's Adam state has the wrong size");
      }
      adamState.assign(Nd4j.create(s.adam(), new long[] {1, s.adam().length}, 'c').castTo(dtype));
    }
    if (velocity != null) {
      velocity.assign(
          Nd4j.create(s.velocity(), new long[] {1, s.velocity().length}, 'c').castTo(dtype));
    }
    for (int l = 0; l < layersCount; l++) {
      double[] v = s.powerVectors()[l];
      powerVectors[l] =
          v == null ? null : Nd4j.create(v, new long[] {sizes[l], 1}, 'c').castTo(dtype);
    }
    epoch = s.epoch();
    updates = s.updates();
  }

  private void update(double lr) {
    updates++;
    switch (spec.optimizer().kind()) {
      case GD -> theta.subi(grad.muli(lr));
      case SGD -> {
        velocity.muli(spec.optimizer().momentum()).addi(grad);
        Nd4j.getBlasWrapper().level1().axpy(theta.length(), -lr, velocity, theta);
      }
      case ADAM -> {
        adamConfig.setLearningRate(lr);
        adam.applyUpdater(grad, updates, epoch);
        theta.subi(grad);
      }
    }
    project();
  }

  /** Projects the weights onto the configured weight-bounded class (identity inside it). */
  void project() {
    WeightBound wb = spec.bound();
    switch (wb.kind()) {
      case NONE -> {}
      case PER_NEURON -> {
        for (int l = 0; l < layersCount - 1; l++) {
          clipRows(l, wb.beta());
        }
        INDArray last = w[layersCount - 1];
        Transforms.min(last, wb.alpha(), false);
        Transforms.max(last, -wb.alpha(), false);
      }
      case FROBENIUS -> {
        for (int l = 0; l < layersCount; l++) {
          double f = w[l].norm2Number().doubleValue();
          if (f > wb.value()) {
            w[l].muli(wb.value() / f);
          }
        }
      }
      case SPECTRAL -> {
        for (int l = 0; l < layersCount; l++) {
          double s = spectralNorm(l);
          if (s > wb.value()) {
            w[l].muli(wb.value() / s);
          }
        }
      }
      case PATH -> {
        double p = pathNorm();
        if (p > wb.value()) {
          double c = Math.sqrt(wb.value() / p);
          w[0].muli(c);
          if (spec.bias()) {
            b[0].muli(c);
          }
          w[1].muli(c);
        }
      }
    }
  }

  /** Clips ‖(w_j, b_j)‖₂ ≤ β for every row j of layer l. */
  private void clipRows(int l, double beta) {
    INDArray norms2 = w[l].mul(w[l]).sum(1); // out
    if (spec.bias()) {
      norms2.addi(b[l].mul(b[l]).reshape(sizes[l + 1]));
    }
    double[] nr = norms2.data().asDouble();
    double[] scale = new double[nr.length];
    boolean any = false;
    for (int j = 0; j < nr.length; j++) {
      double norm = Math.sqrt(nr[j]);
      scale[j] = norm > beta ? beta / norm : 1.0;
      any |= norm > beta;
    }
    if (any) {
      INDArray s = Nd4j.create(scale, new long[] {scale.length, 1}, 'c').castTo(dtype);
      w[l].muliColumnVector(s);
      if (spec.bias()) {
        b[l].muliRowVector(s.reshape(1, scale.length));
      }
    }
  }

  /**
   * σ_max(W_l) by power iteration on WᵀW, warm-started from the previous call's vector so that a
   * few iterations suffice between optimiser steps; iterates until the estimate is stable to 1e-12
   * relative (it converges from below).
   */
  double spectralNorm(int l) {
    INDArray wl = w[l];
    if (powerVectors[l] == null) {
      powerVectors[l] = Nd4j.ones(dtype, sizes[l], 1).divi(Math.sqrt(sizes[l]));
    }
    INDArray v = powerVectors[l];
    INDArray u = Nd4j.zeros(dtype, sizes[l + 1], 1);
    double prev = 0;
    double s = 0;
    for (int it = 0; it < 500; it++) {
      Nd4j.gemm(wl, v, u, false, false, 1.0, 0.0);
      Nd4j.gemm(wl, u, v, true, false, 1.0, 0.0);
      double nv = v.norm2Number().doubleValue();
      if (nv == 0) {
        return 0;
      }
      v.divi(nv);
      s = Math.sqrt(nv);
      if (Math.abs(s - prev) <= 1e-12 * s) {
        break;
      }
      prev = s;
    }
    return s;
  }

  private double pathNorm() {
    INDArray rowNorms2 = w[0].mul(w[0]).sum(1);
    if (spec.bias()) {
      rowNorms2.addi(b[0].mul(b[0]).reshape(sizes[1]));
    }
    double[] r = rowNorms2.data().asDouble();
    double[] av = w[1].data().dup().asDouble();
    double p = 0;
    for (int j = 0; j < r.length; j++) {
      double aj = 0;
      for (int o = 0; o < sizes[2]; o++) {
        aj += Math.abs(av[o * sizes[1] + j]);
      }
      p += aj * Math.sqrt(r[j]);
    }
    return p;
  }

  /** The current value of the bounded quantity (NaN when unconstrained). */
  double constraintValue() {
    return switch (spec.bound().kind()) {
      case NONE -> Double.NaN;
      case PER_NEURON -> {
        double m = 0;
        for (int l = 0; l < layersCount - 1; l++) {
          INDArray norms2 = w[l].mul(w[l]).sum(1);
          if (spec.bias()) {
            norms2.addi(b[l].mul(b[l]).reshape(sizes[l + 1]));
          }
          m = Math.max(m, Math.sqrt(norms2.maxNumber().doubleValue()));
        }
        yield m;
      }
      case FROBENIUS -> {
        double m = 0;
        for (int l = 0; l < layersCount; l++) {
          m = Math.max(m, w[l].norm2Number().doubleValue());
        }
        yield m;
      }
      case SPECTRAL -> {
        double m = 0;
        for (int l = 0; l < layersCount; l++) {
          m = Math.max(m, spectralNorm(l));
        }
        yield m;
      }
      case PATH -> pathNorm();
    };
  }

  /** Measures the current weights on the full data without changing them, norms included. */
  public EpochStats evaluate() {
    double[] out = kernel != null ? kernel.forward() : forward(x, 0, n).data().dup().asDouble();
    return fitStats(
        out,
        w[0].norm2Number().doubleValue(),
        w[layersCount - 1].norm2Number().doubleValue(),
        constraintValue());
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
    INDArray out = kernel != null ? null : forward(x, 0, n);
    double[] f =
        kernel != null ? kernel.forwardBackward(targets).clone() : out.data().dup().asDouble();
    double[] t = y.data().asDouble();
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
      backward(x, y, 0, n, out);
    }
    double[] g = grad.dup().data().asDouble();
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
    return kernel != null ? kernel.forward().clone() : forward(x, 0, n).data().dup().asDouble();
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
    INDArray out = forward(x, 0, n);
    double[] f = out.data().dup().asDouble();
    double[] t = new double[f.length];
    for (int q = 0; q < f.length; q++) {
      t[q] = Math.min(Math.max(f[q], lo[q]), hi[q]);
    }
    INDArray tt = Nd4j.create(t, new long[] {n, sizes[layersCount]}, 'c').castTo(dtype);
    backward(x, tt, 0, n, out, Loss.SQUARED);
    return f;
  }

  /** The gradient buffer (a copy), flat layout as {@link #parameters()}. */
  double[] gradient() {
    return grad.dup().data().asDouble();
  }

  /**
   * Copies the gradient into {@code into}, straight from its native memory (no ND4J op: ND4J's
   * per-op cost would be most of a small net's objective step).
   */
  void gradientInto(double[] into) {
    copyOut(grad, into);
  }

  /** Copies the parameters into {@code into}, as {@link #parameters()} without ND4J ops. */
  void parametersInto(double[] into) {
    copyOut(theta, into);
  }

  /** Sets the parameters from {@code p}, as {@link #setParameters} without ND4J ops. */
  void writeParameters(double[] p) {
    if (dtype == DataType.DOUBLE) {
      java.nio.DoubleBuffer b = theta.data().asNioDouble();
      b.position(0);
      b.put(p);
    } else if (dtype == DataType.FLOAT) {
      java.nio.FloatBuffer b = theta.data().asNioFloat();
      for (int i = 0; i < p.length; i++) {
        b.put(i, (float) p[i]);
      }
    } else {
      setParameters(p);
    }
  }

  private void copyOut(INDArray flat, double[] into) {
    if (dtype == DataType.DOUBLE) {
      java.nio.DoubleBuffer b = flat.data().asNioDouble();
      b.position(0);
      b.get(into);
    } else if (dtype == DataType.FLOAT) {
      java.nio.FloatBuffer b = flat.data().asNioFloat();
      for (int i = 0; i < into.length; i++) {
        into[i] = b.get(i);
      }
    } else {
      System.arraycopy(flat.dup().data().asDouble(), 0, into, 0, into.length);
    }
  }

  /** Current flat parameters, layer by layer: W_l row-major, then b_l. */
  public double[] parameters() {
    return theta.dup().data().asDouble();
  }

  void setParameters(double[] p) {
    theta.assign(Nd4j.create(p, new long[] {1, p.length}, 'c').castTo(dtype));
  }

  /** An immutable copy of the current weights, safe to send to another actor. */
  public NetworkSnapshot snapshot() {
    double[] p = parameters();
    List<NetworkSnapshot.Layer> layers = new ArrayList<>();
    int off = 0;
    for (int l = 0; l < layersCount; l++) {
      int out = sizes[l + 1];
      int in = sizes[l];
      double[] wv = new double[out * in];
      System.arraycopy(p, off, wv, 0, wv.length);
      off += wv.length;
      double[] bv = new double[out];
      System.arraycopy(p, off, bv, 0, out);
      off += out;
      layers.add(new NetworkSnapshot.Layer(out, in, wv, spec.bias() ? bv : null));
    }
    String act =
        spec.activation() == Activation.LEAKY_RELU
            ? "leaky-relu:" + spec.leakySlope()
            : spec.activation().key();
    return new NetworkSnapshot(act, layers);
  }
}
