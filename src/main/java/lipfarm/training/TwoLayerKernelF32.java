package lipfarm.training;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link TwoLayerKernel} in single precision (outputs and residuals in double). */
final class TwoLayerKernelF32 extends TwoLayerKernel {
  private final FloatPointer px;
  private final FloatPointer pw;
  private final FloatPointer pz;
  private final FloatPointer pdh;
  private final FloatPointer pgw;
  private final FloatBuffer theta;
  private final FloatBuffer grad;
  private final FloatBuffer state;
  private final FloatBuffer z;
  private final FloatBuffer h;
  private final FloatBuffer dh;
  // Heap copies of the small vectors, refreshed every pass (k values: negligible).
  private final float[] b;
  private final float[] a;
  private final double[] ga;
  private final double[] gb;

  TwoLayerKernelF32(
      TrainingSpec spec,
      int n,
      int d,
      INDArray x,
      INDArray theta,
      INDArray grad,
      INDArray optState,
      INDArray z,
      INDArray h,
      INDArray dh) {
    super(spec, n, d);
    Nd4jRuntime.configure();
    this.px = new FloatPointer(x.data().addressPointer());
    this.pw = new FloatPointer(theta.data().addressPointer());
    this.pz = new FloatPointer(z.data().addressPointer());
    this.pdh = new FloatPointer(dh.data().addressPointer());
    this.pgw = new FloatPointer(grad.data().addressPointer());
    this.theta = theta.data().asNioFloat();
    this.grad = grad.data().asNioFloat();
    this.state = optState == null ? null : optState.data().asNioFloat();
    this.z = z.data().asNioFloat();
    this.h = h.data().asNioFloat();
    this.dh = dh.data().asNioFloat();
    this.b = new float[k];
    this.a = new float[k];
    this.ga = new double[k];
    this.gb = new double[k];
  }

  @Override
  double[] forward() {
    // Z = X W₁ᵀ (n×k)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, k, d, 1f, px, d, pw, d, 0f, pz, k);
    theta.get(kd, b, 0, k);
    theta.get(kd + k, a, 0, k);
    double c = theta.get(kd + 2 * k);
    if (!bias) {
      java.util.Arrays.fill(b, 0f);
      c = 0;
    }
    // One pass: bias, activation, output layer.
    for (int i = 0; i < n; i++) {
      int row = i * k;
      double s = 0;
      switch (activation) {
        case RELU -> {
          for (int j = 0; j < k; j++) {
            double v = Math.max(z.get(row + j) + b[j], 0.0);
            h.put(row + j, (float) v);
            s += v * a[j];
          }
        }
        case LEAKY_RELU -> {
          for (int j = 0; j < k; j++) {
            double u = z.get(row + j) + b[j];
            double v = u > 0 ? u : slope * u;
            h.put(row + j, (float) v);
            s += v * a[j];
          }
        }
        case TANH -> {
          for (int j = 0; j < k; j++) {
            double v = Math.tanh(z.get(row + j) + b[j]);
            h.put(row + j, (float) v);
            s += v * a[j];
          }
        }
        case SOFTPLUS -> {
          for (int j = 0; j < k; j++) {
            double u = z.get(row + j) + b[j];
            z.put(row + j, (float) u); // the derivative needs the pre-activation
            double v = u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
            h.put(row + j, (float) v);
            s += v * a[j];
          }
        }
      }
      out[i] = s + c;
    }
    return out;
  }

  @Override
  void backward(double[] targets) {
    outputGradient(targets);
    java.util.Arrays.fill(ga, 0.0);
    java.util.Arrays.fill(gb, 0.0);
    double gc = 0;
    // One pass: output-layer gradient, back through the activation, hidden-bias gradient.
    for (int i = 0; i < n; i++) {
      int row = i * k;
      double e = dz[i];
      gc += e;
      switch (activation) {
        case RELU -> {
          for (int j = 0; j < k; j++) {
            double v = h.get(row + j);
            ga[j] += v * e;
            double g = v > 0 ? e * a[j] : 0.0; // σ'(0) = 0, the left slope
            dh.put(row + j, (float) g);
            gb[j] += g;
          }
        }
        case LEAKY_RELU -> {
          for (int j = 0; j < k; j++) {
            double v = h.get(row + j);
            ga[j] += v * e;
            double g = v > 0 ? e * a[j] : slope * e * a[j];
            dh.put(row + j, (float) g);
            gb[j] += g;
          }
        }
        case TANH -> {
          for (int j = 0; j < k; j++) {
            double v = h.get(row + j);
            ga[j] += v * e;
            double g = e * a[j] * (1 - v * v);
            dh.put(row + j, (float) g);
            gb[j] += g;
          }
        }
        case SOFTPLUS -> {
          for (int j = 0; j < k; j++) {
            double v = h.get(row + j);
            ga[j] += v * e;
            double g = e * a[j] / (1 + Math.exp(-z.get(row + j)));
            dh.put(row + j, (float) g);
            gb[j] += g;
          }
        }
      }
    }
    // gW₁ = dHᵀ X (k×d)
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, n, 1f, pdh, k, px, d, 0f, pgw, d);
    for (int j = 0; j < k; j++) {
      grad.put(kd + j, bias ? (float) gb[j] : 0f);
      grad.put(kd + k + j, (float) ga[j]);
    }
    grad.put(kd + 2 * k, bias ? (float) gc : 0f);
  }

  @Override
  void update(double lr, int t) {
    switch (optimizer.kind()) {
      case GD -> {
        for (int p = 0; p < total; p++) {
          theta.put(p, (float) (theta.get(p) - lr * grad.get(p)));
        }
      }
      case SGD -> {
        double mu = optimizer.momentum();
        for (int p = 0; p < total; p++) {
          double v = mu * state.get(p) + grad.get(p);
          state.put(p, (float) v);
          theta.put(p, (float) (theta.get(p) - lr * v));
        }
      }
      case ADAM -> {
        double at = adamRate(lr, t);
        for (int p = 0; p < total; p++) {
          double g = grad.get(p);
          double m = ADAM_BETA1 * state.get(p) + (1 - ADAM_BETA1) * g;
          double v = ADAM_BETA2 * state.get(total + p) + (1 - ADAM_BETA2) * g * g;
          state.put(p, (float) m);
          state.put(total + p, (float) v);
          theta.put(p, (float) (theta.get(p) - at * m / (Math.sqrt(v) + ADAM_EPSILON)));
        }
      }
    }
  }
}
