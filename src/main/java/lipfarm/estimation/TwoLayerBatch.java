package lipfarm.estimation;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Single-precision batched kernels for the lower-bound search ({@link LowerBoundSearch}) on a
 * two-layer scalar (leaky) ReLU net f(x) = Σ_j a_j σ(w_j·x + b_j) + c: exact-gate gradient norms
 * ‖Wᵀ(a ⊙ σ'(z))‖, and a gated surrogate φ_β = ‖Wᵀ(a ⊙ σ'_β(z))‖ with its gradient.
 *
 * <p>Why OpenBLAS: the products are GEMMs (points × units × inputs), and JavaCPP's sgemm on
 * preallocated native buffers costs microseconds per call, where plain Java loops reached a few
 * GFLOP/s here (the JIT does not vectorise them when it cannot rule out aliasing). The bias is
 * folded into the first product (a column of ones). Element-wise work stays in Java. The values
 * steer the search only; bounds are recomputed rounding-safely in double.
 *
 * <p>The surrogate gate is σ'_β(z) = α + (1 − α)·s(βz) with the algebraic sigmoid s(t) = (1 + t/√(1
 * + t²))/2: smooth, monotone, tending to the ReLU gate as β grows, and without exp.
 */
final class TwoLayerBatch implements AutoCloseable {
  static {
    Dense.loadBlas();
  }

  private final int d;
  private final int d1;
  private final int k;
  private final float[] a;
  private final float alpha;
  private final FloatPointer xa; // cap×(d+1): points with a column of ones
  private final FloatPointer wa; // k×(d+1): [W | b]
  private final FloatPointer zp; // cap×k
  private final FloatPointer up; // cap×k
  private final FloatPointer gp; // cap×d
  private final FloatBuffer xaB;
  private final FloatBuffer zB;
  private final FloatBuffer uB;
  private final FloatBuffer gB;
  private final float[] xh;
  private final float[] zh;
  private final float[] uh;
  private final float[] ch;
  private final float[] gh;

  /**
   * @param capacity the largest batch
   */
  TwoLayerBatch(Mlp mlp, int capacity) {
    d = mlp.width[0];
    d1 = d + 1;
    k = mlp.width[1];
    a = new float[k];
    float[] wah = new float[k * d1];
    for (int j = 0; j < k; j++) {
      for (int c = 0; c < d; c++) {
        wah[j * d1 + c] = (float) mlp.w[0][j * d + c];
      }
      wah[j * d1 + d] = mlp.b[0] == null ? 0f : (float) mlp.b[0][j];
      a[j] = (float) mlp.w[1][j];
    }
    alpha = (float) mlp.act.slopeLow;
    wa = new FloatPointer((long) k * d1);
    wa.asBuffer().put(wah);
    xa = new FloatPointer((long) capacity * d1);
    zp = new FloatPointer((long) capacity * k);
    up = new FloatPointer((long) capacity * k);
    gp = new FloatPointer((long) capacity * d);
    xaB = xa.asBuffer();
    zB = zp.asBuffer();
    uB = up.asBuffer();
    gB = gp.asBuffer();
    xh = new float[capacity * d1];
    zh = new float[capacity * k];
    uh = new float[capacity * k];
    ch = new float[capacity * k];
    gh = new float[capacity * d];
  }

  /** Loads the first m points of x (row-major m×d, double) as the batch. */
  void load(double[] x, int m) {
    for (int i = 0; i < m; i++) {
      for (int c = 0; c < d; c++) {
        xh[i * d1 + c] = (float) x[i * d + c];
      }
      xh[i * d1 + d] = 1f;
    }
    xaB.position(0);
    xaB.put(xh, 0, m * d1);
  }

  /** Exact-gate gradient norms of the loaded batch (m points) into out[0..m). */
  void norms(int m, float[] out) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, d1, 1f, xa, d1, wa, d1, 0f, zp, k);
    zB.position(0);
    zB.get(zh, 0, m * k);
    for (int i = 0; i < m; i++) {
      int o = i * k;
      for (int j = 0; j < k; j++) {
        uh[o + j] = zh[o + j] > 0 ? a[j] : alpha * a[j];
      }
    }
    timesW(m);
    rowNorms(m, out);
  }

  /**
   * For the loaded batch: exact-gate norms into exact[0..m), φ_β (β per point) into phi[0..m) and
   * ∇φ_β into grad (row-major m×d). With G = Wᵀ(a ⊙ σ'_β(z)) and v = G/‖G‖, ∇φ = Wᵀ(a ⊙ ∂σ'_β(z) ⊙
   * Wv).
   */
  void surrogate(int m, double[] beta, float[] exact, float[] phi, float[] grad) {
    norms(m, exact); // leaves the pre-activations in zh
    float r = 1 - alpha;
    for (int i = 0; i < m; i++) {
      int o = i * k;
      float bt = (float) beta[i];
      for (int j = 0; j < k; j++) {
        float t = bt * zh[o + j];
        float q = 1 / (float) Math.sqrt(1 + t * t);
        uh[o + j] = a[j] * (alpha + r * 0.5f * (1 + t * q));
        ch[o + j] = a[j] * r * bt * 0.5f * q * q * q;
      }
    }
    timesW(m);
    rowNorms(m, phi);
    for (int i = 0; i < m; i++) {
      float inv = phi[i] > 0 ? 1 / phi[i] : 0f;
      for (int c = 0; c < d; c++) {
        gh[i * d + c] *= inv;
      }
    }
    gB.position(0);
    gB.put(gh, 0, m * d);
    // P = V Wᵀ (m×k), then u = c ⊙ P and ∇φ = u W
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, d, 1f, gp, d, wa, d1, 0f, zp, k);
    zB.position(0);
    zB.get(uh, 0, m * k);
    for (int i = 0; i < m * k; i++) {
      uh[i] *= ch[i];
    }
    timesW(m);
    System.arraycopy(gh, 0, grad, 0, m * d);
  }

  /** gh (m×d) = uh (m×k) W, through the native buffers. */
  private void timesW(int m) {
    uB.position(0);
    uB.put(uh, 0, m * k);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, d, k, 1f, up, k, wa, d1, 0f, gp, d);
    gB.position(0);
    gB.get(gh, 0, m * d);
  }

  /** Frees the native buffers now rather than when the garbage collector finds them. */
  @Override
  public void close() {
    xa.close();
    wa.close();
    zp.close();
    up.close();
    gp.close();
  }

  private void rowNorms(int m, float[] out) {
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int c = 0; c < d; c++) {
        float v = gh[i * d + c];
        s += v * v;
      }
      out[i] = (float) Math.sqrt(s);
    }
  }
}
