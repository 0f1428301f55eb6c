package lipfarm.training;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dgemm;

import java.nio.DoubleBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link TwoLayerKernel} in double precision. */
final class TwoLayerKernelF64 extends TwoLayerKernel {
  private final DoublePointer px;
  private final DoublePointer pw;
  private final DoublePointer pz;
  private final DoublePointer pdh;
  private final DoublePointer pgw;
  private final DoubleBuffer theta;
  private final DoubleBuffer grad;
  private final DoubleBuffer state;
  private final DoubleBuffer z;
  private final DoubleBuffer h;
  private final DoubleBuffer dh;
  // Heap copies of the small vectors, refreshed every pass (k values: negligible).
  private final double[] b;
  private final double[] a;
  private final double[] ga;
  private final double[] gb;

  TwoLayerKernelF64(
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
    this.px = new DoublePointer(x.data().addressPointer());
    this.pw = new DoublePointer(theta.data().addressPointer());
    this.pz = new DoublePointer(z.data().addressPointer());
    this.pdh = new DoublePointer(dh.data().addressPointer());
    this.pgw = new DoublePointer(grad.data().addressPointer());
    this.theta = theta.data().asNioDouble();
    this.grad = grad.data().asNioDouble();
    this.state = optState == null ? null : optState.data().asNioDouble();
    this.z = z.data().asNioDouble();
    this.h = h.data().asNioDouble();
    this.dh = dh.data().asNioDouble();
    this.b = new double[k];
    this.a = new double[k];
    this.ga = new double[k];
    this.gb = new double[k];
  }

  @Override
  double[] forward() {
    // Z = X W₁ᵀ (n×k)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, k, d, 1.0, px, d, pw, d, 0.0, pz, k);
    theta.get(kd, b, 0, k);
    theta.get(kd + k, a, 0, k);
    double c = theta.get(kd + 2 * k);
    if (!bias) {
      java.util.Arrays.fill(b, 0.0);
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
            h.put(row + j, v);
            s += v * a[j];
          }
        }
        case LEAKY_RELU -> {
          for (int j = 0; j < k; j++) {
            double u = z.get(row + j) + b[j];
            double v = u > 0 ? u : slope * u;
            h.put(row + j, v);
            s += v * a[j];
          }
        }
        case TANH -> {
          for (int j = 0; j < k; j++) {
            double v = Math.tanh(z.get(row + j) + b[j]);
            h.put(row + j, v);
            s += v * a[j];
          }
        }
        case SOFTPLUS -> {
          for (int j = 0; j < k; j++) {
            double u = z.get(row + j) + b[j];
            z.put(row + j, u); // the derivative needs the pre-activation
            double v = u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
            h.put(row + j, v);
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
            dh.put(row + j, g);
            gb[j] += g;
          }
        }
        case LEAKY_RELU -> {
          for (int j = 0; j < k; j++) {
            double v = h.get(row + j);
            ga[j] += v * e;
            double g = v > 0 ? e * a[j] : slope * e * a[j];
            dh.put(row + j, g);
            gb[j] += g;
          }
        }
        case TANH -> {
          for (int j = 0; j < k; j++) {
            double v = h.get(row + j);
            ga[j] += v * e;
            double g = e * a[j] * (1 - v * v);
            dh.put(row + j, g);
            gb[j] += g;
          }
        }
        case SOFTPLUS -> {
          for (int j = 0; j < k; j++) {
            double v = h.get(row + j);
            ga[j] += v * e;
            double g = e * a[j] / (1 + Math.exp(-z.get(row + j)));
            dh.put(row + j, g);
            gb[j] += g;
          }
        }
      }
    }
    // gW₁ = dHᵀ X (k×d)
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, n, 1.0, pdh, k, px, d, 0.0, pgw, d);
    for (int j = 0; j < k; j++) {
      grad.put(kd + j, bias ? gb[j] : 0.0);
      grad.put(kd + k + j, ga[j]);
    }
    grad.put(kd + 2 * k, bias ? gc : 0.0);
  }

  @Override
  void update(double lr, int t) {
    switch (optimizer.kind()) {
      case GD -> {
        for (int p = 0; p < total; p++) {
          theta.put(p, theta.get(p) - lr * grad.get(p));
        }
      }
      case SGD -> {
        double mu = optimizer.momentum();
        for (int p = 0; p < total; p++) {
          double v = mu * state.get(p) + grad.get(p);
          state.put(p, v);
          theta.put(p, theta.get(p) - lr * v);
        }
      }
      case ADAM -> {
        double at = adamRate(lr, t);
        for (int p = 0; p < total; p++) {
          double g = grad.get(p);
          double m = ADAM_BETA1 * state.get(p) + (1 - ADAM_BETA1) * g;
          double v = ADAM_BETA2 * state.get(total + p) + (1 - ADAM_BETA2) * g * g;
          state.put(p, m);
          state.put(total + p, v);
          theta.put(p, theta.get(p) - at * m / (Math.sqrt(v) + ADAM_EPSILON));
        }
      }
    }
  }
}
