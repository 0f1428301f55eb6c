package lipfarm.training;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.nio.Buffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * {@link TwoLayerKernel} in single precision (outputs, residuals and the small accumulators in
 * double). Native memory holds only what OpenBLAS reads or writes (the augmented data, weights, one
 * block's pre-activations and hidden gradient, the weight gradient); the element-wise passes run on
 * heap arrays after one bulk copy (a memcpy).
 */
final class TwoLayerKernelF32 extends TwoLayerKernel {
  private final FloatBuffer theta;
  private final FloatBuffer grad;
  private final FloatBuffer state;
  private final FloatPointer xa; // n×(d+1): the data with a column of ones (bias folded in)
  private final FloatPointer xaRows; // xa positioned at the current block
  private final FloatPointer wa; // k×(d+1): [W₁ | b₁]
  private final FloatPointer z; // block×k
  private final FloatPointer dh; // block×k
  private final FloatPointer gwa; // k×(d+1): [gW₁ | gb₁]
  private final FloatBuffer waB;
  private final FloatBuffer zB;
  private final FloatBuffer dhB;
  private final FloatBuffer gwaB;
  private final float[] p; // heap copies: parameters, gradient, optimiser state
  private final float[] g;
  private final float[] s;
  private final float[] wah;
  private final float[] gwah;
  private final float[] a; // K output weights (restart r owns [r·k, (r+1)·k))
  private final double[] ga;
  private final float[] gab; // one block's output-weight gradient (float sums, then added)
  private final double[] cv; // R output biases
  private final double[] gcv;
  private final float[] zh; // block×k pre-activations
  private final float[] hh; // block×k activations
  private final float[] dhh; // block×k gradient at the hidden layer
  private final float fslope;

  TwoLayerKernelF32(
      TrainingSpec spec, int restarts, double[][] x, Buffer theta, Buffer grad, Buffer optState) {
    super(spec, restarts, x.length, x.length == 0 ? 0 : x[0].length);
    // Own views: positions are per view, the values shared.
    this.theta = ((FloatBuffer) theta).duplicate();
    this.grad = ((FloatBuffer) grad).duplicate();
    this.state = optState == null ? null : ((FloatBuffer) optState).duplicate();
    this.xa = new FloatPointer((long) n * d1);
    this.xaRows = new FloatPointer(xa);
    this.wa = new FloatPointer((long) kk * d1);
    this.z = new FloatPointer((long) block * kk);
    this.dh = new FloatPointer((long) block * kk);
    this.gwa = new FloatPointer((long) kk * d1);
    this.waB = wa.asBuffer();
    this.zB = z.asBuffer();
    this.dhB = dh.asBuffer();
    this.gwaB = gwa.asBuffer();
    float[] xah = new float[n * d1];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        xah[i * d1 + j] = (float) x[i][j];
      }
      xah[i * d1 + d] = 1f;
    }
    xa.asBuffer().put(xah);
    this.p = new float[total];
    this.g = new float[total];
    this.s = new float[optState == null ? 0 : optState.capacity()];
    this.wah = new float[kk * d1];
    this.gwah = new float[kk * d1];
    this.a = new float[kk];
    this.ga = new double[kk];
    this.gab = new float[kk];
    this.cv = new double[r];
    this.gcv = new double[r];
    this.zh = new float[block * kk];
    this.hh = new float[block * kk];
    this.dhh = new float[block * kk];
    this.fslope = (float) slope;
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
    for (int j = 0; j < kk; j++) {
      g[kd + kk + j] = (float) ga[j];
    }
    for (int q = 0; q < r; q++) {
      g[kd + 2 * kk + q] = bias ? (float) gcv[q] : 0f;
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
    cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasTrans, rows, kk, d1, 1f, xaRows, d1, wa, d1, 0f, z, kk);
    zB.position(0);
    zB.get(zh, 0, len);
    switch (activation) {
      case RELU -> {
        // With σ'(z) = [h > 0] for the backward pass, without a branch (so the loop vectorises):
        // h ≥ 0, and scaling the smallest positive float by 2^149 reaches 1; σ'(0) = 0.
        for (int q = 0; q < len; q++) {
          float h = Math.max(zh[q], 0f);
          hh[q] = h;
          dhh[q] = Math.min(h * 0x1p100f * 0x1p49f, 1f);
        }
      }
      case LEAKY_RELU -> {
        for (int q = 0; q < len; q++) {
          float u = zh[q];
          hh[q] = u > 0 ? u : fslope * u;
        }
      }
      case TANH -> {
        for (int q = 0; q < len; q++) {
          hh[q] = (float) Math.tanh(zh[q]);
        }
      }
      case SOFTPLUS -> {
        for (int q = 0; q < len; q++) {
          double u = zh[q];
          hh[q] = (float) (u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u)));
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
    java.util.Arrays.fill(gab, 0f);
    for (int iq = 0; iq < rows * r; iq++) {
      int i = iq / r;
      int q = iq - i * r;
      int row = i * kk + q * k; // restart q's units of row i
      int col = q * k;
      float e = (float) dz[(from + i) * r + q];
      gcv[q] += dz[(from + i) * r + q];
      if (activation == Activation.RELU) {
        // dhh holds σ'(z) from the forward pass.
        for (int j = 0; j < k; j++) {
          gab[col + j] += hh[row + j] * e;
          dhh[row + j] *= e * a[col + j];
        }
        continue;
      }
      for (int j = 0; j < k; j++) {
        gab[col + j] += hh[row + j] * e;
      }
      switch (activation) {
        case RELU -> {}
        case LEAKY_RELU -> {
          for (int j = 0; j < k; j++) {
            dhh[row + j] = hh[row + j] > 0 ? e * a[col + j] : fslope * e * a[col + j];
          }
        }
        case TANH -> {
          for (int j = 0; j < k; j++) {
            float v = hh[row + j];
            dhh[row + j] = e * a[col + j] * (1 - v * v);
          }
        }
        case SOFTPLUS -> {
          for (int j = 0; j < k; j++) {
            dhh[row + j] = (float) (e * a[col + j] / (1 + Math.exp(-zh[row + j])));
          }
        }
      }
    }
    for (int j = 0; j < kk; j++) {
      ga[j] += gab[j];
    }
    dhB.position(0);
    dhB.put(dhh, 0, rows * kk);
    xaRows.position((long) from * d1);
    cblas_sgemm(
        CblasRowMajor,
        CblasTrans,
        CblasNoTrans,
        kk,
        d1,
        rows,
        1f,
        dh,
        kk,
        xaRows,
        d1,
        from == 0 ? 0f : 1f,
        gwa,
        d1);
  }

  /** [W₁ | b₁] (K×(d+1)) from the flat parameters; a zero bias column for a bias-free net. */
  private void packWeights(float[] params, float[] packed) {
    for (int j = 0; j < kk; j++) {
      System.arraycopy(params, j * d, packed, j * d1, d);
      packed[j * d1 + d] = bias ? params[kd + j] : 0f;
    }
  }

  /** [gW₁ | gb₁] into the flat gradient's layout (a bias-free net's bias gradient stays 0). */
  private void unpackGradient(float[] packed, float[] flat) {
    for (int j = 0; j < kk; j++) {
      System.arraycopy(packed, j * d1, flat, j * d, d);
      flat[kd + j] = bias ? packed[j * d1 + d] : 0f;
    }
  }

  /** Σ_j u[off + j]·v[voff + j], eight float partial sums (one is bound by the adder's latency). */
  private static double dot(float[] u, int off, float[] v, int voff, int len) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    float s4 = 0;
    float s5 = 0;
    float s6 = 0;
    float s7 = 0;
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
          p[q] = (float) (p[q] - lr * g[q]);
        }
      }
      case SGD -> {
        double mu = optimizer.momentum();
        for (int q = 0; q < total; q++) {
          s[q] = (float) (mu * s[q] + g[q]);
          p[q] = (float) (p[q] - lr * s[q]);
        }
      }
      case ADAM -> {
        // In float, as ND4J's float AdamUpdater computes (and so the loop vectorises).
        float at = (float) adamRate(lr, t);
        float b1 = (float) ADAM_BETA1;
        float b2 = (float) ADAM_BETA2;
        float eps = (float) ADAM_EPSILON;
        for (int q = 0; q < total; q++) {
          float m = b1 * s[q] + (1 - b1) * g[q];
          float v = b2 * s[total + q] + (1 - b2) * g[q] * g[q];
          s[q] = m;
          s[total + q] = v;
          p[q] -= at * m / ((float) Math.sqrt(v) + eps);
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
