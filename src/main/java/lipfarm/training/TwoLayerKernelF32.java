package lipfarm.training;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link TwoLayerKernel} in single precision (outputs, residuals and the small accumulators in
 * double). Native memory holds only what OpenBLAS reads or writes (the augmented data, weights,
 * pre-activations, hidden gradient); the element-wise passes run on heap arrays, which the JIT
 * vectorises, after one bulk copy (a memcpy).
 */
final class TwoLayerKernelF32 extends TwoLayerKernel {
  private final FloatBuffer theta;
  private final FloatBuffer grad;
  private final FloatBuffer state;
  private final FloatPointer xa; // n×(d+1): the data with a column of ones (bias folded in)
  private final FloatPointer wa; // k×(d+1): [W₁ | b₁]
  private final FloatPointer z; // n×k
  private final FloatPointer dh; // n×k
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
  private final float[] a;
  private final double[] ga;
  private final float[] zh; // n×k pre-activations
  private final float[] hh; // n×k activations
  private final float[] dhh; // n×k gradient at the hidden layer
  private final float fslope;

  TwoLayerKernelF32(
      TrainingSpec spec, INDArray x, INDArray theta, INDArray grad, INDArray optState) {
    super(spec, (int) x.rows(), (int) x.columns());
    this.theta = theta.data().asNioFloat();
    this.grad = grad.data().asNioFloat();
    this.state = optState == null ? null : optState.data().asNioFloat();
    this.xa = new FloatPointer((long) n * d1);
    this.wa = new FloatPointer((long) k * d1);
    this.z = new FloatPointer((long) nk);
    this.dh = new FloatPointer((long) nk);
    this.gwa = new FloatPointer((long) k * d1);
    this.waB = wa.asBuffer();
    this.zB = z.asBuffer();
    this.dhB = dh.asBuffer();
    this.gwaB = gwa.asBuffer();
    float[] xh = x.data().asFloat();
    float[] xah = new float[n * d1];
    for (int i = 0; i < n; i++) {
      System.arraycopy(xh, i * d, xah, i * d1, d);
      xah[i * d1 + d] = 1f;
    }
    xa.asBuffer().put(xah);
    this.p = new float[total];
    this.g = new float[total];
    this.s = new float[optState == null ? 0 : (int) optState.length()];
    this.wah = new float[k * d1];
    this.gwah = new float[k * d1];
    this.a = new float[k];
    this.ga = new double[k];
    this.zh = new float[nk];
    this.hh = new float[nk];
    this.dhh = new float[nk];
    this.fslope = (float) slope;
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
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, k, d1, 1f, xa, d1, wa, d1, 0f, z, k);
    zB.position(0);
    zB.get(zh);
    switch (activation) {
      case RELU -> {
        for (int q = 0; q < nk; q++) {
          hh[q] = Math.max(zh[q], 0f);
        }
      }
      case LEAKY_RELU -> {
        for (int q = 0; q < nk; q++) {
          float u = zh[q];
          hh[q] = u > 0 ? u : fslope * u;
        }
      }
      case TANH -> {
        for (int q = 0; q < nk; q++) {
          hh[q] = (float) Math.tanh(zh[q]);
        }
      }
      case SOFTPLUS -> {
        for (int q = 0; q < nk; q++) {
          double u = zh[q];
          hh[q] = (float) (u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u)));
        }
      }
    }
    for (int i = 0; i < n; i++) {
      out[i] = dot(hh, i * k, a, k) + c;
    }
    return out;
  }

  /** [W₁ | b₁] (k×(d+1)) from the flat parameters; a zero bias column for a bias-free net. */
  private void packWeights(float[] params, float[] packed) {
    for (int j = 0; j < k; j++) {
      System.arraycopy(params, j * d, packed, j * d1, d);
      packed[j * d1 + d] = bias ? params[kd + j] : 0f;
    }
  }

  /** [gW₁ | gb₁] into the flat gradient's layout (a bias-free net's bias gradient stays 0). */
  private void unpackGradient(float[] packed, float[] flat) {
    for (int j = 0; j < k; j++) {
      System.arraycopy(packed, j * d1, flat, j * d, d);
      flat[kd + j] = bias ? packed[j * d1 + d] : 0f;
    }
  }

  /** Σ_j u[off + j]·v[j] with four partial sums (one sum is bound by the adder's latency). */
  private static double dot(float[] u, int off, float[] v, int len) {
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
      float e = (float) dz[i];
      gc += dz[i];
      for (int j = 0; j < k; j++) {
        ga[j] += hh[row + j] * e;
      }
      switch (activation) {
        case RELU -> {
          for (int j = 0; j < k; j++) {
            // [h > 0] without a branch (so the loop vectorises): h ≥ 0, and scaling the smallest
            // positive float by 2^149 reaches 1; σ'(0) = 0, the left slope.
            dhh[row + j] =
                Math.min(hh[row + j] * 0x1p100f * 0x1p49f, 1f)
                    * (e * a[j]); // σ'(0) = 0, the left slope
          }
        }
        case LEAKY_RELU -> {
          for (int j = 0; j < k; j++) {
            dhh[row + j] = hh[row + j] > 0 ? e * a[j] : fslope * e * a[j];
          }
        }
        case TANH -> {
          for (int j = 0; j < k; j++) {
            float v = hh[row + j];
            dhh[row + j] = e * a[j] * (1 - v * v);
          }
        }
        case SOFTPLUS -> {
          for (int j = 0; j < k; j++) {
            dhh[row + j] = (float) (e * a[j] / (1 + Math.exp(-zh[row + j])));
          }
        }
      }
    }
    dhB.position(0);
    dhB.put(dhh);
    // [gW₁ | gb₁] = dHᵀ [X 1] (k×(d+1)): the hidden bias gradient comes with the product.
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d1, n, 1f, dh, k, xa, d1, 0f, gwa, d1);
    gwaB.position(0);
    gwaB.get(gwah);
    unpackGradient(gwah, g);
    for (int j = 0; j < k; j++) {
      g[kd + k + j] = (float) ga[j];
    }
    g[kd + 2 * k] = bias ? (float) gc : 0f;
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
        double at = adamRate(lr, t);
        for (int q = 0; q < total; q++) {
          double m = ADAM_BETA1 * s[q] + (1 - ADAM_BETA1) * g[q];
          double v = ADAM_BETA2 * s[total + q] + (1 - ADAM_BETA2) * g[q] * g[q];
          s[q] = (float) m;
          s[total + q] = (float) v;
          p[q] = (float) (p[q] - at * m / (Math.sqrt(v) + ADAM_EPSILON));
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
