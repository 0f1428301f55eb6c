package lipfarm.training;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dgemm;

import java.nio.DoubleBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link TwoLayerKernel} in double precision. Native memory holds only what OpenBLAS reads or
 * writes (the augmented data, weights, pre-activations, hidden gradient); the element-wise passes
 * run on heap arrays, which the JIT vectorises, after one bulk copy (a memcpy).
 */
final class TwoLayerKernelF64 extends TwoLayerKernel {
  private final DoubleBuffer theta;
  private final DoubleBuffer grad;
  private final DoubleBuffer state;
  private final DoublePointer xa; // n×(d+1): the data with a column of ones (bias folded in)
  private final DoublePointer wa; // k×(d+1): [W₁ | b₁]
  private final DoublePointer z; // n×k
  private final DoublePointer dh; // n×k
  private final DoublePointer gwa; // k×(d+1): [gW₁ | gb₁]
  private final DoubleBuffer waB;
  private final DoubleBuffer zB;
  private final DoubleBuffer dhB;
  private final DoubleBuffer gwaB;
  private final double[] p; // heap copies: parameters, gradient, optimiser state
  private final double[] g;
  private final double[] s;
  private final double[] wah;
  private final double[] gwah;
  private final double[] a;
  private final double[] ga;
  private final double[] zh; // n×k pre-activations
  private final double[] hh; // n×k activations
  private final double[] dhh; // n×k gradient at the hidden layer

  TwoLayerKernelF64(
      TrainingSpec spec, INDArray x, INDArray theta, INDArray grad, INDArray optState) {
    super(spec, (int) x.rows(), (int) x.columns());
    this.theta = theta.data().asNioDouble();
    this.grad = grad.data().asNioDouble();
    this.state = optState == null ? null : optState.data().asNioDouble();
    this.xa = new DoublePointer((long) n * d1);
    this.wa = new DoublePointer((long) k * d1);
    this.z = new DoublePointer((long) nk);
    this.dh = new DoublePointer((long) nk);
    this.gwa = new DoublePointer((long) k * d1);
    this.waB = wa.asBuffer();
    this.zB = z.asBuffer();
    this.dhB = dh.asBuffer();
    this.gwaB = gwa.asBuffer();
    double[] xh = x.data().asDouble();
    double[] xah = new double[n * d1];
    for (int i = 0; i < n; i++) {
      System.arraycopy(xh, i * d, xah, i * d1, d);
      xah[i * d1 + d] = 1.0;
    }
    xa.asBuffer().put(xah);
    this.p = new double[total];
    this.g = new double[total];
    this.s = new double[optState == null ? 0 : (int) optState.length()];
    this.wah = new double[k * d1];
    this.gwah = new double[k * d1];
    this.a = new double[k];
    this.ga = new double[k];
    this.zh = new double[nk];
    this.hh = new double[nk];
    this.dhh = new double[nk];
  }

  @Override
  double[] forward() {
    theta.position(0);
    theta.get(p);
    packWeights(p, wah);
    waB.position(0);
    waB.put(wah);
    System.arraycopy(p, kd + k, a, 0, k);
    double c = bias ? p[kd + 2 * k] : 0.0;
    // Z = [X 1][W₁ b₁]ᵀ (n×k), then one bulk copy to the heap.
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, k, d1, 1.0, xa, d1, wa, d1, 0.0, z, k);
    zB.position(0);
    zB.get(zh);
    switch (activation) {
      case RELU -> {
        for (int q = 0; q < nk; q++) {
          hh[q] = Math.max(zh[q], 0.0);
        }
      }
      case LEAKY_RELU -> {
        for (int q = 0; q < nk; q++) {
          double u = zh[q];
          hh[q] = u > 0 ? u : slope * u;
        }
      }
      case TANH -> {
        for (int q = 0; q < nk; q++) {
          hh[q] = Math.tanh(zh[q]);
        }
      }
      case SOFTPLUS -> {
        for (int q = 0; q < nk; q++) {
          double u = zh[q];
          hh[q] = u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
        }
      }
    }
    for (int i = 0; i < n; i++) {
      out[i] = dot(hh, i * k, a, k) + c;
    }
    return out;
  }

  /** [W₁ | b₁] (k×(d+1)) from the flat parameters; a zero bias column for a bias-free net. */
  private void packWeights(double[] params, double[] packed) {
    for (int j = 0; j < k; j++) {
      System.arraycopy(params, j * d, packed, j * d1, d);
      packed[j * d1 + d] = bias ? params[kd + j] : 0.0;
    }
  }

  /** [gW₁ | gb₁] into the flat gradient's layout (a bias-free net's bias gradient stays 0). */
  private void unpackGradient(double[] packed, double[] flat) {
    for (int j = 0; j < k; j++) {
      System.arraycopy(packed, j * d1, flat, j * d, d);
      flat[kd + j] = bias ? packed[j * d1 + d] : 0.0;
    }
  }

  /** Σ_j u[off + j]·v[j] with four partial sums (one sum is bound by the adder's latency). */
  private static double dot(double[] u, int off, double[] v, int len) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int j = 0;
    for (; j + 3 < len; j += 4) {
      s0 += u[off + j] * v[j];
      s1 += u[off + j + 1] * v[j + 1];
      s2 += u[off + j + 2] * v[j + 2];
      s3 += u[off + j + 3] * v[j + 3];
    }
    for (; j < len; j++) {
      s0 += u[off + j] * v[j];
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  void backward(double[] targets) {
    outputGradient(targets);
    java.util.Arrays.fill(ga, 0.0);
    double gc = 0;
    // Output-layer gradient and the gradient at the hidden layer, row by row.
    for (int i = 0; i < n; i++) {
      int row = i * k;
      double e = dz[i];
      gc += e;
      for (int j = 0; j < k; j++) {
        ga[j] += hh[row + j] * e;
      }
      switch (activation) {
        case RELU -> {
          for (int j = 0; j < k; j++) {
            // [h > 0] without a branch (so the loop vectorises): h ≥ 0, and scaling the smallest
            // positive double by 2^1074 reaches 1; σ'(0) = 0, the left slope.
            dhh[row + j] = Math.min(hh[row + j] * 0x1p1023 * 0x1p51, 1.0) * (e * a[j]);
          }
        }
        case LEAKY_RELU -> {
          for (int j = 0; j < k; j++) {
            dhh[row + j] = hh[row + j] > 0 ? e * a[j] : slope * e * a[j];
          }
        }
        case TANH -> {
          for (int j = 0; j < k; j++) {
            double v = hh[row + j];
            dhh[row + j] = e * a[j] * (1 - v * v);
          }
        }
        case SOFTPLUS -> {
          for (int j = 0; j < k; j++) {
            dhh[row + j] = e * a[j] / (1 + Math.exp(-zh[row + j]));
          }
        }
      }
    }
    dhB.position(0);
    dhB.put(dhh);
    // [gW₁ | gb₁] = dHᵀ [X 1] (k×(d+1)): the hidden bias gradient comes with the product.
    cblas_dgemm(
        CblasRowMajor, CblasTrans, CblasNoTrans, k, d1, n, 1.0, dh, k, xa, d1, 0.0, gwa, d1);
    gwaB.position(0);
    gwaB.get(gwah);
    unpackGradient(gwah, g);
    System.arraycopy(ga, 0, g, kd + k, k);
    g[kd + 2 * k] = bias ? gc : 0.0;
    grad.position(0);
    grad.put(g);
  }

  @Override
  void update(double lr, int t) {
    theta.position(0);
    theta.get(p); // the parameters may have been set or projected since the forward pass
    if (state != null) {
      state.position(0);
      state.get(s);
    }
    switch (optimizer.kind()) {
      case GD -> {
        for (int q = 0; q < total; q++) {
          p[q] -= lr * g[q];
        }
      }
      case SGD -> {
        double mu = optimizer.momentum();
        for (int q = 0; q < total; q++) {
          s[q] = mu * s[q] + g[q];
          p[q] -= lr * s[q];
        }
      }
      case ADAM -> {
        double at = adamRate(lr, t);
        for (int q = 0; q < total; q++) {
          double m = ADAM_BETA1 * s[q] + (1 - ADAM_BETA1) * g[q];
          double v = ADAM_BETA2 * s[total + q] + (1 - ADAM_BETA2) * g[q] * g[q];
          s[q] = m;
          s[total + q] = v;
          p[q] -= at * m / (Math.sqrt(v) + ADAM_EPSILON);
        }
      }
    }
    theta.position(0);
    theta.put(p);
    if (state != null) {
      state.position(0);
      state.put(s);
    }
  }
}
