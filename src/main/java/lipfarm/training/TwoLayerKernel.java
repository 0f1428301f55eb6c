package lipfarm.training;

import java.nio.Buffer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The full-batch step of a two-layer, scalar-output net without per-op overhead: the two large
 * products are direct OpenBLAS calls, and everything else (bias, activation, output layer, loss
 * derivative, activation derivative, output-layer gradient, optimiser update) runs in fused Java
 * passes over heap arrays, which the JIT vectorises. This is the default farm's case; an ND4J step
 * pays 15-200 µs for each of its ~20 ops, which dominates nets of this size.
 *
 * <p>The data are processed in blocks of rows small enough for a block's n_b×k hidden layer to stay
 * in the core's L2 cache between the two products: per block, Z = [X 1][W₁ b₁]ᵀ (the bias folded in
 * as a column of ones), the activation, the output, its loss derivative (each row's only depends on
 * that row), the gradient at the hidden layer, and [gW₁ gb₁] += dHᵀ[X 1]. The gradient is therefore
 * computed with the measuring forward pass, and simply not used when the measurement says the net
 * already fits.
 *
 * <p>The kernel reads and writes the trainer's own parameter, gradient and optimiser-state buffers
 * (same layout: W₁ k×d row-major, b₁, a, c), so capture/restore, weight bounds and snapshots see
 * the same memory. The output and its residuals are computed in double in both precisions, so the
 * fit criterion is measured in double.
 */
abstract class TwoLayerKernel {
  static final double ADAM_BETA1 = 0.9;
  static final double ADAM_BETA2 = 0.999;
  static final double ADAM_EPSILON = 1e-8;

  final int n;
  final int d;
  final int k;
  final int r; // restarts sharing the data: R nets, one stacked hidden layer of K = R·k units
  final int kk;
  final int kd; // K·d
  final int d1; // d + 1: the bias is folded into the products as a column of ones
  final int total;
  final boolean bias;
  final Activation activation;
  final double slope;
  final Loss loss;
  final Optimizer optimizer;
  final double[] out; // network outputs, double in both precisions
  final double[] dz; // dL/df per point
  // When set, forwardBackward's loss is (1/2n) Σ dist(f_i, [lo_i, hi_i])², whatever the spec's
  // loss: the fit-keeping term of the Lipschitz objective (see LipschitzObjective).
  double[] boxLo;
  double[] boxHi;
  final int block; // rows per block

  TwoLayerKernel(TrainingSpec spec, int restarts, int n, int d) {
    this.n = n;
    this.d = d;
    this.k = spec.hidden().get(0);
    this.r = restarts;
    this.kk = restarts * k;
    this.kd = kk * d;
    this.d1 = d + 1;
    this.total = kd + 2 * kk + r;
    this.bias = spec.bias();
    this.activation = spec.activation();
    this.slope = spec.leakySlope();
    this.loss = spec.loss();
    this.optimizer = spec.optimizer();
    this.out = new double[n * r];
    this.dz = new double[n * r];
    this.block = blockRows(n, kk);
  }

  /**
   * Rows per block: the block's five n_b×K buffers (native product output and hidden gradient, heap
   * pre-activations, activations, hidden gradient) in about 1 MB of a 2 MB L2 cache, and at least
   * 64 rows so the products stay efficient.
   */
  static int blockRows(int n, int width) {
    int rows = (1 << 20) / (5 * 8 * width);
    return Math.min(n, Math.max(64, rows));
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
   * @param restarts R nets trained side by side on the same data (1 for a single net)
   * @param x n×d data (copied)
   * @param theta flat parameters [W₁ (K×d, row-major) | b₁ (K) | a (K) | c (R)], restart r owning
   *     hidden units [r·k, (r+1)·k); grad the gradients, same layout; read and written in place.
   *     DoubleBuffer for DOUBLE, FloatBuffer for FLOAT, over heap or native memory whose owner the
   *     caller keeps alive
   * @param optState Adam's [m | v], SGD's velocity, or null for GD; read and written in place
   */
  static TwoLayerKernel create(
      TrainingSpec spec,
      int restarts,
      DataType dtype,
      double[][] x,
      Buffer theta,
      Buffer grad,
      Buffer optState) {
    Nd4jRuntime.configureBlas();
    return dtype == DataType.FLOAT
        ? new TwoLayerKernelF32(spec, restarts, x, theta, grad, optState)
        : new TwoLayerKernelF64(spec, restarts, x, theta, grad, optState);
  }

  /**
   * Forward pass on the full data; returns the outputs, row-major n×R (a buffer owned by the
   * kernel).
   */
  abstract double[] forward();

  /**
   * Forward pass on the full data and the gradient of the mean loss into the trainer's gradient
   * buffer, in one sweep over the rows; returns the outputs (a buffer owned by the kernel).
   */
  abstract double[] forwardBackward(double[] targets);

  /** One optimiser step over all parameters; {@code t} is the step count after increment. */
  abstract void update(double lr, int t);

  /**
   * dL/df of the mean loss into {@link #dz} for rows [from, to) of every restart, from {@link #out}
   * (row-major n×R); {@code targets[i]} is row i's target, the same for every restart.
   */
  final void outputGradient(double[] targets, int from, int to) {
    double inv = 1.0 / n;
    if (boxLo != null) {
      for (int q = from * r; q < to * r; q++) {
        double f = out[q];
        dz[q] = (f - Math.min(Math.max(f, boxLo[q]), boxHi[q])) * inv;
      }
      return;
    }
    for (int i = from; i < to; i++) {
      double t = targets[i];
      for (int q = i * r; q < (i + 1) * r; q++) {
        dz[q] =
            switch (loss) {
              case SQUARED -> (out[q] - t) * inv;
              // d/df max(0, 1 − y f) = −y·1[y f < 1]
              case HINGE -> 1 - t * out[q] > 0 ? -t * inv : 0.0;
              // d/df log(1 + e^{−y f}) = −y·sigmoid(−y f)
              case LOGISTIC -> -t / (1 + Math.exp(t * out[q])) * inv;
            };
      }
    }
  }

  /** Adam's step size with bias correction at step t, as ND4J's AdamUpdater computes it. */
  static double adamRate(double lr, int t) {
    double at = lr * Math.sqrt(1 - Math.pow(ADAM_BETA2, t)) / (1 - Math.pow(ADAM_BETA1, t));
    return Double.isFinite(at) && at != 0 ? at : lr;
  }
}
