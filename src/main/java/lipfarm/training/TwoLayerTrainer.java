package lipfarm.training;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Full-batch Adam on the squared loss for {@code f(x) = aᵀ relu(W x + b) + c}.
 *
 * <p>ND4J charges 15-200 µs per op whatever its size, so the step is written as a fixed, short
 * sequence of ops on preallocated buffers: all parameters live in one flat vector {@code theta}
 * (with W, b, a, c as views into it) and all gradients in one flat vector {@code grad}, so Adam is
 * a single native op over everything; matrix products use gemm with transpose flags instead of
 * transposed views. No op allocates inside {@link #step()} except ND4J's scalar reductions.
 *
 * <p>Loss L(θ) = (1/2n) Σ_i (f(x_i) − y_i)². Not thread-safe: one owner at a time (the trainer
 * actor, one message at a time). No workspace is used, so the buffers may move between threads.
 */
public final class TwoLayerTrainer {
  private final int n;
  private final int d;
  private final int k;
  private final boolean bias;

  private final INDArray x; // n × d data
  private final INDArray y; // n × 1 labels
  private final INDArray theta; // flat parameters [W (k·d) | b (k) | a (k) | c (1)]
  private final INDArray grad; // flat gradient, same layout
  private final INDArray w; // k × d view
  private final INDArray b; // 1 × k view
  private final INDArray a; // k × 1 view
  private final INDArray c; // 1 × 1 view
  private final INDArray gw;
  private final INDArray gb;
  private final INDArray ga;
  private final INDArray gc;
  private final INDArray h; // n × k hidden activations
  private final INDArray out; // n × 1 outputs, then residuals
  private final INDArray dh; // n × k backprop buffer
  private final AdamUpdater adam;
  private final double[] labels;

  private int epoch;

  /**
   * @param data training points and labels
   * @param k hidden width
   * @param bias whether the hidden layer and the output have biases
   * @param learningRate Adam step size
   * @param initSeed seed of the weight initialisation
   */
  public TwoLayerTrainer(Dataset data, int k, boolean bias, double learningRate, long initSeed) {
    Nd4jRuntime.configure();
    this.n = data.n();
    this.d = data.d();
    this.k = k;
    this.bias = bias;
    this.labels = data.y().clone();
    this.x = Nd4j.create(data.x());
    this.y = Nd4j.create(labels, new long[] {n, 1}, 'c');
    int size = k * d + k + k + 1;
    this.theta = Nd4j.zeros(1, size);
    this.grad = Nd4j.zeros(1, size);
    this.w = view(theta, 0, k, d);
    this.b = view(theta, k * d, 1, k);
    this.a = view(theta, k * d + k, k, 1);
    this.c = view(theta, k * d + 2 * k, 1, 1);
    this.gw = view(grad, 0, k, d);
    this.gb = view(grad, k * d, 1, k);
    this.ga = view(grad, k * d + k, k, 1);
    this.gc = view(grad, k * d + 2 * k, 1, 1);
    this.h = Nd4j.zeros(n, k);
    this.out = Nd4j.zeros(n, 1);
    this.dh = Nd4j.zeros(n, k);
    initialise(new SplittableRandom(initSeed));
    this.adam = new AdamUpdater(new Adam(learningRate));
    adam.setStateViewArray(Nd4j.zeros(1, 2L * size), new long[] {1, size}, 'c', true);
  }

  private static INDArray view(INDArray flat, int offset, int rows, int cols) {
    INDArray v = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(offset, offset + rows * cols)).reshape('c', rows, cols);
    if (!v.isView()) {
      throw new IllegalStateException("ND4J returned a copy instead of a view; parameters would not update");
    }
    return v;
  }

  /** He initialisation for W (variance 2/d), a ~ N(0, 1/k), zero biases. */
  private void initialise(SplittableRandom rng) {
    double sw = Math.sqrt(2.0 / d);
    double sa = Math.sqrt(1.0 / k);
    double[] wv = new double[k * d];
    for (int i = 0; i < wv.length; i++) {
      wv[i] = sw * DataModels.gaussian(rng);
    }
    double[] av = new double[k];
    for (int i = 0; i < k; i++) {
      av[i] = sa * DataModels.gaussian(rng);
    }
    w.assign(Nd4j.create(wv, new long[] {k, d}, 'c'));
    a.assign(Nd4j.create(av, new long[] {k, 1}, 'c'));
  }

  public int epoch() {
    return epoch;
  }

  /** Forward pass: fills {@code h} and writes residuals f(x_i) − y_i into {@code out}. */
  private void forward() {
    Nd4j.gemm(x, w, h, false, true, 1.0, 0.0);
    if (bias) {
      h.addiRowVector(b);
    }
    Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear(h, h, 0.0));
    Nd4j.gemm(h, a, out, false, false, 1.0, 0.0);
    if (bias) {
      out.addi(c.getDouble(0));
    }
    out.subi(y);
  }

  /** Backward pass from the residuals in {@code out} into {@code grad}; scales {@code out}. */
  private void backward() {
    out.muli(1.0 / n); // dL/df_i
    Nd4j.gemm(h, out, ga, true, false, 1.0, 0.0);
    Nd4j.gemm(out, a, dh, false, true, 1.0, 0.0);
    // dL/dz = dL/dh ⊙ 1[z > 0]; h > 0 exactly where z > 0.
    Nd4j.getExecutioner().exec(new ThresholdReluBp(h, dh, dh, 0.0));
    Nd4j.gemm(dh, x, gw, true, false, 1.0, 0.0);
    if (bias) {
      gb.assign(dh.sum(0).reshape(1, k));
      gc.assign(out.sumNumber().doubleValue());
    }
  }

  /**
   * Measures the current weights, then takes one Adam step unless the fit is already within
   * {@code tol}. Returns the measurement (of the weights before the step).
   */
  public EpochStats step(double tol) {
    forward();
    EpochStats stats = measure();
    if (stats.maxError() <= tol || !stats.finite()) {
      return stats;
    }
    backward();
    epoch++;
    adam.applyUpdater(grad, epoch, 0);
    theta.subi(grad);
    return stats;
  }

  /** Measures the current weights without changing them. */
  public EpochStats evaluate() {
    forward();
    return measure();
  }

  /** Stats of the current residuals in {@code out}. */
  private EpochStats measure() {
    double sq = out.norm2Number().doubleValue();
    double loss = sq * sq / n;
    double maxErr = out.amaxNumber().doubleValue();
    double[] r = out.data().asDouble();
    int fit = 0;
    for (int i = 0; i < n; i++) {
      double f = r[i] + labels[i];
      if (f * labels[i] > 0) {
        fit++;
      }
    }
    return new EpochStats(
        epoch,
        loss,
        maxErr,
        fit / (double) n,
        w.norm2Number().doubleValue(),
        a.norm2Number().doubleValue());
  }

  /** Loss (1/2n)Σ r² and its gradient at the current weights (for gradient checks). */
  double[] lossAndGradient() {
    forward();
    double sq = out.norm2Number().doubleValue();
    backward();
    double[] g = grad.dup().data().asDouble();
    double[] result = new double[g.length + 1];
    result[0] = sq * sq / (2.0 * n);
    System.arraycopy(g, 0, result, 1, g.length);
    return result;
  }

  /** Current flat parameters [W | b | a | c]. */
  double[] parameters() {
    return theta.dup().data().asDouble();
  }

  void setParameters(double[] p) {
    theta.assign(Nd4j.create(p, new long[] {1, p.length}, 'c'));
  }

  /** An immutable copy of the current weights, safe to send to another actor. */
  public NetworkSnapshot snapshot() {
    double[] p = parameters();
    double[] wv = new double[k * d];
    System.arraycopy(p, 0, wv, 0, k * d);
    double[] bv = new double[k];
    System.arraycopy(p, k * d, bv, 0, k);
    double[] av = new double[k];
    System.arraycopy(p, k * d + k, av, 0, k);
    double[] cv = {p[k * d + 2 * k]};
    List<NetworkSnapshot.Layer> layers = new ArrayList<>();
    layers.add(new NetworkSnapshot.Layer(k, d, wv, bias ? bv : null));
    layers.add(new NetworkSnapshot.Layer(1, k, av, bias ? cv : null));
    return new NetworkSnapshot("relu", layers);
  }
}
