package lipfarm.training;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The full-batch step of a two-layer, scalar-output net without per-op overhead: the two large
 * products are direct OpenBLAS calls on the trainer's preallocated native buffers, and everything
 * else (bias, activation, output layer, loss derivative, activation derivative, bias and output
 * gradients, optimiser update) runs in three fused Java passes. This is the default farm's case; an
 * ND4J step pays 15-200 µs for each of its ~20 ops, which dominates nets of this size.
 *
 * <p>The kernel reads and writes the trainer's own buffers (parameters, gradients, optimiser state,
 * hidden-layer buffers), so capture/restore, weight bounds and snapshots see the same memory, with
 * the same layout: W₁ (k×d, row-major), b₁ (k), a (k), c. The output and its residuals are computed
 * in double in both precisions, so the fit criterion is measured in double.
 */
abstract class TwoLayerKernel {
  static final double ADAM_BETA1 = 0.9;
  static final double ADAM_BETA2 = 0.999;
  static final double ADAM_EPSILON = 1e-8;

  final int n;
  final int d;
  final int k;
  final int kd;
  final int d1; // d + 1: the bias is folded into the products as a column of ones
  final int nk;
  final int total;
  final boolean bias;
  final Activation activation;
  final double slope;
  final Loss loss;
  final Optimizer optimizer;
  final double[] out; // network outputs, double in both precisions
  final double[] dz; // dL/df per point

  TwoLayerKernel(TrainingSpec spec, int n, int d) {
    this.n = n;
    this.d = d;
    this.k = spec.hidden().get(0);
    this.kd = k * d;
    this.d1 = d + 1;
    this.nk = n * k;
    this.total = kd + 2 * k + 1;
    this.bias = spec.bias();
    this.activation = spec.activation();
    this.slope = spec.leakySlope();
    this.loss = spec.loss();
    this.optimizer = spec.optimizer();
    this.out = new double[n];
    this.dz = new double[n];
  }

  /** Whether a trainer of this spec, full batch, can use the kernel. */
  static boolean supports(TrainingSpec spec, DataType dtype) {
    boolean fullBatch =
        spec.optimizer().kind() == Optimizer.Kind.GD || spec.optimizer().batchSize() <= 0;
    return spec.depth() == 2
        && spec.outputDim() == 1
        && fullBatch
        && (dtype == DataType.DOUBLE || dtype == DataType.FLOAT);
  }

  /**
   * @param x n×d data, c-order (copied)
   * @param theta flat parameters, grad flat gradients (same layout); read and written in place
   * @param optState Adam's [m | v], SGD's velocity, or null for GD; read and written in place
   */
  static TwoLayerKernel create(
      TrainingSpec spec,
      DataType dtype,
      INDArray x,
      INDArray theta,
      INDArray grad,
      INDArray optState) {
    Nd4jRuntime.configure();
    return dtype == DataType.FLOAT
        ? new TwoLayerKernelF32(spec, x, theta, grad, optState)
        : new TwoLayerKernelF64(spec, x, theta, grad, optState);
  }

  /** Forward pass on the full data; returns the outputs (a buffer owned by the kernel). */
  abstract double[] forward();

  /**
   * Gradient of the mean loss at the last {@link #forward()} into the trainer's gradient buffer.
   */
  abstract void backward(double[] targets);

  /** One optimiser step over all parameters; {@code t} is the step count after increment. */
  abstract void update(double lr, int t);

  /** dL/df_i of the mean loss into {@link #dz}, from {@link #out}. */
  final void outputGradient(double[] targets) {
    double inv = 1.0 / n;
    switch (loss) {
      case SQUARED -> {
        for (int i = 0; i < n; i++) {
          dz[i] = (out[i] - targets[i]) * inv;
        }
      }
      case HINGE -> {
        // d/df max(0, 1 − y f) = −y·1[y f < 1]
        for (int i = 0; i < n; i++) {
          dz[i] = 1 - targets[i] * out[i] > 0 ? -targets[i] * inv : 0.0;
        }
      }
      case LOGISTIC -> {
        // d/df log(1 + e^{−y f}) = −y·sigmoid(−y f)
        for (int i = 0; i < n; i++) {
          double s = 1 / (1 + Math.exp(targets[i] * out[i]));
          dz[i] = -targets[i] * s * inv;
        }
      }
    }
  }

  /** Adam's step size with bias correction at step t, as ND4J's AdamUpdater computes it. */
  static double adamRate(double lr, int t) {
    double at = lr * Math.sqrt(1 - Math.pow(ADAM_BETA2, t)) / (1 - Math.pow(ADAM_BETA1, t));
    return Double.isFinite(at) && at != 0 ? at : lr;
  }
}
