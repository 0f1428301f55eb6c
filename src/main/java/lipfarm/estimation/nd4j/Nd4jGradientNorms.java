package lipfarm.estimation.nd4j;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.nio.FloatBuffer;
import lipfarm.training.Nd4jRuntime;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Input-gradient norms of a two-layer scalar net f(x) = Σ_j a_j σ(w_j·x + b_j) + c for a whole
 * batch at once, in single precision: Z = [X 1][W b]ᵀ (B×k, the bias folded into the product), U =
 * σ'(Z) ⊙ a, G = UW (B×d), ‖G_i‖. That is about 4·d·k flops per point in two single-precision GEMMs
 * (direct OpenBLAS calls, one thread: {@link Nd4jRuntime}) and one fused element-wise pass, done in
 * blocks of rows whose B×k intermediates stay in the core's L2 cache.
 *
 * <p>Single precision is for throughput (screening many probe points); a value that is reported as
 * a certified bound must be recomputed in double ({@code lipfarm.estimation.NetworkMath}). This
 * kernel lives apart from the pure-Java estimation package because it needs the native BLAS.
 * Buffers are allocated once; one owner at a time.
 */
public final class Nd4jGradientNorms {
  private final int d;
  private final int d1;
  private final int k;
  private final int block;
  private final String activation;
  private final float slope;
  private final float[] a;
  private final FloatPointer wa; // k×(d+1): [W | b]
  private final FloatPointer w; // k×d
  private final FloatPointer xa; // block×(d+1)
  private final FloatPointer z; // block×k
  private final FloatPointer u; // block×k
  private final FloatPointer g; // block×d
  private final FloatBuffer xaB;
  private final FloatBuffer zB;
  private final FloatBuffer uB;
  private final FloatBuffer gB;
  private final float[] xah;
  private final float[] zh;
  private final float[] uh;
  private final float[] gh;

  /**
   * @param w first-layer weights, row-major k×d
   * @param b biases (length k) or null
   * @param a output weights (length k)
   * @param activation relu, leaky-relu:α, tanh, softplus or linear
   */
  public Nd4jGradientNorms(int d, int k, double[] w, double[] b, double[] a, String activation) {
    Nd4jRuntime.configure();
    this.d = d;
    this.d1 = d + 1;
    this.k = k;
    String act = activation == null ? "relu" : activation;
    if (act.startsWith("leaky-relu")) {
      this.activation = "leaky-relu";
      this.slope =
          act.contains(":") ? Float.parseFloat(act.substring(act.indexOf(':') + 1)) : 0.01f;
    } else if (act.equals("relu")
        || act.equals("tanh")
        || act.equals("softplus")
        || act.equals("linear")) {
      this.activation = act;
      this.slope = 0;
    } else {
      throw new IllegalArgumentException("unsupported activation: " + activation);
    }
    // Rows per block: z, u (native and heap) in about 1 MB of a 2 MB L2, at least 64 rows.
    this.block = Math.max(64, (1 << 20) / (4 * 4 * k));
    float[] wah = new float[k * d1];
    float[] wh = new float[k * d];
    this.a = new float[k];
    for (int j = 0; j < k; j++) {
      for (int c = 0; c < d; c++) {
        wah[j * d1 + c] = (float) w[j * d + c];
        wh[j * d + c] = (float) w[j * d + c];
      }
      wah[j * d1 + d] = b == null ? 0f : (float) b[j];
      this.a[j] = (float) a[j];
    }
    this.wa = new FloatPointer(wah);
    this.w = new FloatPointer(wh);
    this.xa = new FloatPointer((long) block * d1);
    this.z = new FloatPointer((long) block * k);
    this.u = new FloatPointer((long) block * k);
    this.g = new FloatPointer((long) block * d);
    this.xaB = xa.asBuffer();
    this.zB = z.asBuffer();
    this.uB = u.asBuffer();
    this.gB = g.asBuffer();
    this.xah = new float[block * d1];
    this.zh = new float[block * k];
    this.uh = new float[block * k];
    this.gh = new float[block * d];
  }

  /**
   * ‖∇f(x_i)‖ for the n points of {@code xs} (row-major n×d), in single precision.
   *
   * @return the n norms
   */
  public float[] norms(float[] xs, int n) {
    if (xs.length < n * d) {
      throw new IllegalArgumentException("need " + n + "×" + d + " values, got " + xs.length);
    }
    float[] out = new float[n];
    for (int from = 0; from < n; from += block) {
      int rows = Math.min(block, n - from);
      for (int i = 0; i < rows; i++) {
        System.arraycopy(xs, (from + i) * d, xah, i * d1, d);
        xah[i * d1 + d] = 1f;
      }
      xaB.position(0);
      xaB.put(xah, 0, rows * d1);
      cblas_sgemm(
          CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, d1, 1f, xa, d1, wa, d1, 0f, z, k);
      zB.position(0);
      zB.get(zh, 0, rows * k);
      scaleDerivative(rows);
      uB.position(0);
      uB.put(uh, 0, rows * k);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, k, 1f, u, k, w, d, 0f, g, d);
      gB.position(0);
      gB.get(gh, 0, rows * d);
      for (int i = 0; i < rows; i++) {
        double s = 0;
        for (int c = i * d; c < (i + 1) * d; c++) {
          s += gh[c] * gh[c];
        }
        out[from + i] = (float) Math.sqrt(s);
      }
    }
    return out;
  }

  /** U = σ'(Z) ⊙ a for the block's rows, σ'(0) the left slope for (leaky) ReLU. */
  private void scaleDerivative(int rows) {
    if (activation.equals("relu")) {
      // [z > 0] without a branch: max(z, 0) scaled by 2^149 (the smallest positive float reaches
      // 1), capped at 1; a flat loop, then a product per row (both vectorise; fused, they do not).
      for (int q = 0; q < rows * k; q++) {
        uh[q] = Math.min(Math.max(zh[q], 0f) * 0x1p100f * 0x1p49f, 1f);
      }
      for (int i = 0; i < rows; i++) {
        int row = i * k;
        for (int j = 0; j < k; j++) {
          uh[row + j] *= a[j];
        }
      }
      return;
    }
    for (int i = 0; i < rows; i++) {
      int row = i * k;
      switch (activation) {
        case "leaky-relu" -> {
          for (int j = 0; j < k; j++) {
            uh[row + j] = zh[row + j] > 0 ? a[j] : slope * a[j];
          }
        }
        case "tanh" -> {
          for (int j = 0; j < k; j++) {
            float t = (float) Math.tanh(zh[row + j]);
            uh[row + j] = (1 - t * t) * a[j];
          }
        }
        case "softplus" -> {
          for (int j = 0; j < k; j++) {
            uh[row + j] = (float) (a[j] / (1 + Math.exp(-zh[row + j])));
          }
        }
        default -> System.arraycopy(a, 0, uh, row, k);
      }
    }
  }
}
