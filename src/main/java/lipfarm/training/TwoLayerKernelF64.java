package lipfarm.training;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dgemm;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import org.bytedeco.javacpp.DoublePointer;

/**
 * {@link TwoLayerKernel} in double precision. Native memory holds only what OpenBLAS reads or
 * writes (the augmented data, weights, one block's pre-activations and hidden gradient, the weight
 * gradient); the element-wise passes run on heap arrays after one bulk copy (a memcpy).
 */
final class TwoLayerKernelF64 extends TwoLayerKernel {
  private final DoubleBuffer theta;
  private final DoubleBuffer grad;
  private final DoubleBuffer state;
  private final DoublePointer xa; // n×(d+1): the data with a column of ones (bias folded in)
  private final DoublePointer xaRows; // xa positioned at the current block
  private final DoublePointer wa; // k×(d+1): [W₁ | b₁]
  private final DoublePointer z; // block×k
  private final DoublePointer dh; // block×k
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
  private final double[] a; // K output weights (restart r owns [r·k, (r+1)·k))
  private final double[] ga;
  private final double[] cv; // R output biases
  private final double[] gcv;
  private final double[] zh; // block×k pre-activations
  private final double[] hh; // block×k activations
  private final double[] dhh; // block×k gradient at the hidden layer

  TwoLayerKernelF64(
      TrainingSpec spec, int restarts, double[][] x, Buffer theta, Buffer grad, Buffer optState) {
    super(spec, restarts, x.length, x.length == 0 ? 0 : x[0].length);
    // Own views: positions are per view, the values shared.
    this.theta = ((DoubleBuffer) theta).duplicate();
    this.grad = ((DoubleBuffer) grad).duplicate();
    this.state = optState == null ? null : ((DoubleBuffer) optState).duplicate();
    this.xa = new DoublePointer((long) n * d1);
    this.xaRows = new DoublePointer(xa);
    this.wa = new DoublePointer((long) kk * d1);
    this.z = new DoublePointer((long) block * kk);
    this.dh = new DoublePointer((long) block * kk);
    this.gwa = new DoublePointer((long) kk * d1);
    this.waB = wa.asBuffer();
    this.zB = z.asBuffer();
    this.dhB = dh.asBuffer();
    this.gwaB = gwa.asBuffer();
    double[] xah = new double[n * d1];
    for (int i = 0; i < n; i++) {
      System.arraycopy(x[i], 0, xah, i * d1, d);
      xah[i * d1 + d] = 1.0;
    }
    xa.asBuffer().put(xah);
    this.p = new double[total];
    this.g = new double[total];
    this.s = new double[optState == null ? 0 : optState.capacity()];
    this.wah = new double[kk * d1];
    this.gwah = new double[kk * d1];
    this.a = new double[kk];
    this.ga = new double[kk];
    this.cv = new double[r];
    this.gcv = new double[r];
    this.zh = new double[block * kk];
    this.hh = new double[block * kk];
    this.dhh = new double[block * kk];
  }

  @Override
  double[] forward() {
    loadParameters();
    for (int from = 0; from < n; from += block) {
      forwardRows(from, Math.min(n, from + block));
    }
    return out;
  }

  @Override
  double[] forwardBackward(double[] targets) {
    loadParameters();
    java.util.Arrays.fill(ga, 0.0);
    java.util.Arrays.fill(gcv, 0.0);
    for (int from = 0; from < n; from += block) {
      int to = Math.min(n, from + block);
      forwardRows(from, to);
      outputGradient(targets, from, to);
      backwardRows(from, to);
    }
    gwaB.position(0);
    gwaB.get(gwah);
    unpackGradient(gwah, g);
    System.arraycopy(ga, 0, g, kd + kk, kk);
    for (int q = 0; q < r; q++) {
      g[kd + 2 * kk + q] = bias ? gcv[q] : 0.0;
    }
    grad.position(0);
    grad.put(g);
    return out;
  }

  private void loadParameters() {
    theta.position(0);
    theta.get(p);
    packWeights(p, wah);
    waB.position(0);
    waB.put(wah);
    System.arraycopy(p, kd + kk, a, 0, kk);
    for (int q = 0; q < r; q++) {
      cv[q] = bias ? p[kd + 2 * kk + q] : 0.0;
    }
  }

  /** Z, H and the outputs of rows [from, to); Z and H stay in the block buffers. */
  private void forwardRows(int from, int to) {
    int rows = to - from;
    int len = rows * kk;
    xaRows.position((long) from * d1);
    cblas_dgemm(
        CblasRowMajor, CblasNoTrans, CblasTrans, rows, kk, d1, 1.0, xaRows, d1, wa, d1, 0.0, z, kk);
    zB.position(0);
    zB.get(zh, 0, len);
    switch (activation) {
      case RELU -> {
        // With σ'(z) = [h > 0] for the backward pass, without a branch (so the loop vectorises):
        // h ≥ 0, and scaling the smallest positive double by 2^1074 reaches 1; σ'(0) = 0.
        for (int q = 0; q < len; q++) {
          double h = Math.max(zh[q], 0.0);
          hh[q] = h;
          dhh[q] = Math.min(h * 0x1p1023 * 0x1p51, 1.0);
        }
      }
      case LEAKY_RELU -> {
        for (int q = 0; q < len; q++) {
          double u = zh[q];
          hh[q] = u > 0 ? u : slope * u;
        }
      }
      case TANH -> {
        for (int q = 0; q < len; q++) {
          hh[q] = Math.tanh(zh[q]);
        }
      }
      case SOFTPLUS -> {
        for (int q = 0; q < len; q++) {
          double u = zh[q];
          hh[q] = u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
        }
      }
    }
    for (int i = 0; i < rows; i++) {
      for (int q = 0; q < r; q++) {
        out[(from + i) * r + q] = dot(hh, i * kk + q * k, a, q * k, k) + cv[q];
      }
    }
  }

  /**
   * Output-layer gradients (into {@code ga}, {@code gcv}), the hidden gradient of rows [from, to),
   * and [gW₁ gb₁] += dHᵀ[X 1] for them.
   */
  private void backwardRows(int from, int to) {
    int rows = to - from;
    for (int iq = 0; iq < rows * r; iq++) {
      int i = iq / r;
      int q = iq - i * r;
      int row = i * kk + q * k; // restart q's units of row i
      int col = q * k;
      double e = dz[(from + i) * r + q];
      gcv[q] += e;
      if (activation == Activation.RELU) {
        // dhh holds σ'(z) from the forward pass.
        for (int j = 0; j < k; j++) {
          ga[col + j] += hh[row + j] * e;
          dhh[row + j] *= e * a[col + j];
        }
        continue;
      }
      for (int j = 0; j < k; j++) {
        ga[col + j] += hh[row + j] * e;
      }
      switch (activation) {
        case RELU -> {}
        case LEAKY_RELU -> {
          for (int j = 0; j < k; j++) {
            dhh[row + j] = hh[row + j] > 0 ? e * a[col + j] : slope * e * a[col + j];
          }
        }
        case TANH -> {
          for (int j = 0; j < k; j++) {
            double v = hh[row + j];
            dhh[row + j] = e * a[col + j] * (1 - v * v);
          }
        }
        case SOFTPLUS -> {
          for (int j = 0; j < k; j++) {
            dhh[row + j] = e * a[col + j] / (1 + Math.exp(-zh[row + j]));
          }
        }
      }
    }
    dhB.position(0);
    dhB.put(dhh, 0, rows * kk);
    xaRows.position((long) from * d1);
    cblas_dgemm(
        CblasRowMajor,
        CblasTrans,
        CblasNoTrans,
        kk,
        d1,
        rows,
        1.0,
        dh,
        kk,
        xaRows,
        d1,
        from == 0 ? 0.0 : 1.0,
        gwa,
        d1);
  }

  /** [W₁ | b₁] (K×(d+1)) from the flat parameters; a zero bias column for a bias-free net. */
  private void packWeights(double[] params, double[] packed) {
    for (int j = 0; j < kk; j++) {
      System.arraycopy(params, j * d, packed, j * d1, d);
      packed[j * d1 + d] = bias ? params[kd + j] : 0.0;
    }
  }

  /** [gW₁ | gb₁] into the flat gradient's layout (a bias-free net's bias gradient stays 0). */
  private void unpackGradient(double[] packed, double[] flat) {
    for (int j = 0; j < kk; j++) {
      System.arraycopy(packed, j * d1, flat, j * d, d);
      flat[kd + j] = bias ? packed[j * d1 + d] : 0.0;
    }
  }

  /** Σ_j u[off + j]·v[voff + j] with eight partial sums (one is bound by the adder's latency). */
  private static double dot(double[] u, int off, double[] v, int voff, int len) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    double s4 = 0;
    double s5 = 0;
    double s6 = 0;
    double s7 = 0;
    int j = 0;
    for (; j + 7 < len; j += 8) {
      s0 += u[off + j] * v[voff + j];
      s1 += u[off + j + 1] * v[voff + j + 1];
      s2 += u[off + j + 2] * v[voff + j + 2];
      s3 += u[off + j + 3] * v[voff + j + 3];
      s4 += u[off + j + 4] * v[voff + j + 4];
      s5 += u[off + j + 5] * v[voff + j + 5];
      s6 += u[off + j + 6] * v[voff + j + 6];
      s7 += u[off + j + 7] * v[voff + j + 7];
    }
    for (; j < len; j++) {
      s0 += u[off + j] * v[voff + j];
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
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
