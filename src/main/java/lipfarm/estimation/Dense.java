package lipfarm.estimation;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasUpper;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dsyrk;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Small dense linear algebra on row-major {@code double[]} matrices (Cholesky, solves, λ_max).
 *
 * <p>The two products that dominate LipSDP on wide nets (BᵀY⁻¹B and the subspace iteration's S·Q,
 * O(n²c) and O(n²r) per optimiser step; 100 s of a 784-400-1 net's estimate in plain loops) go to
 * OpenBLAS once they are large enough to repay the copies into native memory. They steer the
 * optimiser only: every reported bound is certified separately by the plain-Java Cholesky with its
 * rounding analysis ({@link LipSdp#certify}).
 */
final class Dense {
  private Dense() {}

  /** Multiply-adds from which a product goes to OpenBLAS rather than plain loops. */
  static final long BLAS_MIN_WORK = 1L << 18;

  static {
    loadBlas();
  }

  /**
   * Loads OpenBLAS and pins it to one thread per call, as the farm's trainers do (Nd4jRuntime):
   * runs already use every core. Idempotent; every class of this package that calls OpenBLAS runs
   * it first.
   */
  static void loadBlas() {
    Loader.load(openblas_nolapack.class);
    openblas_nolapack.blas_set_num_threads(1);
  }

  /**
   * Cholesky factor L (lower, row-major) with A = LLᵀ for the symmetric n×n matrix A, or null if a
   * pivot is not positive (A is not numerically positive definite).
   */
  static double[] cholesky(double[] a, int n) {
    double[] l = new double[n * n];
    for (int j = 0; j < n; j++) {
      double s = a[j * n + j];
      int oj = j * n;
      for (int k = 0; k < j; k++) {
        s -= l[oj + k] * l[oj + k];
      }
      if (!(s > 0)) {
        return null;
      }
      double d = Math.sqrt(s);
      l[oj + j] = d;
      for (int i = j + 1; i < n; i++) {
        int oi = i * n;
        double t = a[oi + j];
        for (int k = 0; k < j; k++) {
          t -= l[oi + k] * l[oj + k];
        }
        l[oi + j] = t / d;
      }
    }
    return l;
  }

  /** Solves L y = b in place (L lower triangular n×n). */
  static void forward(double[] l, int n, double[] b) {
    for (int i = 0; i < n; i++) {
      double s = b[i];
      int oi = i * n;
      for (int k = 0; k < i; k++) {
        s -= l[oi + k] * b[k];
      }
      b[i] = s / l[oi + i];
    }
  }

  /** Solves Lᵀ x = y in place. */
  static void backward(double[] l, int n, double[] y) {
    for (int i = n - 1; i >= 0; i--) {
      double s = y[i];
      for (int k = i + 1; k < n; k++) {
        s -= l[k * n + i] * y[k];
      }
      y[i] = s / l[i * n + i];
    }
  }

  /** Solves (LLᵀ) x = b in place. */
  static void solve(double[] l, int n, double[] b) {
    forward(l, n, b);
    backward(l, n, b);
  }

  /**
   * Given the Cholesky factor L of Y (n×n) and B (n×c row-major), returns BᵀY⁻¹B (c×c) as ZᵀZ with
   * Z = L⁻¹B.
   */
  static double[] congruenceInverse(double[] l, int n, double[] b, int c) {
    if ((long) n * c * (n + c) >= BLAS_MIN_WORK) {
      return congruenceInverseBlas(l, n, b, c);
    }
    double[] z = b.clone();
    // Forward substitution on all columns at once, row by row (cache friendly).
    for (int i = 0; i < n; i++) {
      int oi = i * n;
      for (int k = 0; k < i; k++) {
        double f = l[oi + k];
        if (f == 0) {
          continue;
        }
        for (int j = 0; j < c; j++) {
          z[i * c + j] -= f * z[k * c + j];
        }
      }
      double inv = 1 / l[oi + i];
      for (int j = 0; j < c; j++) {
        z[i * c + j] *= inv;
      }
    }
    double[] out = new double[c * c];
    for (int i = 0; i < n; i++) {
      for (int a = 0; a < c; a++) {
        double za = z[i * c + a];
        if (za == 0) {
          continue;
        }
        for (int bb = a; bb < c; bb++) {
          out[a * c + bb] += za * z[i * c + bb];
        }
      }
    }
    mirrorUpper(out, c);
    return out;
  }

  /**
   * {@link #congruenceInverse} by OpenBLAS: Z = L⁻¹B by dgemm with L⁻¹ formed in plain loops (n³/6
   * multiply-adds, against the n²c of the product), then ZᵀZ by dsyrk. Not by dtrsm: the OpenBLAS
   * build shipped with nd4j-native returns wrong solutions for row-major dtrsm from n = 4 on this
   * machine (residuals of order 0.1, where dtrsv and the loops give 1e-16; see DenseTest).
   */
  static double[] congruenceInverseBlas(double[] l, int n, double[] b, int c) {
    try (DoublePointer xp = new DoublePointer(lowerInverse(l, n));
        DoublePointer bp = new DoublePointer(b);
        DoublePointer zp = new DoublePointer((long) n * c);
        DoublePointer op = new DoublePointer((long) c * c)) {
      cblas_dgemm(
          CblasRowMajor, CblasNoTrans, CblasNoTrans, n, c, n, 1.0, xp, n, bp, c, 0.0, zp, c);
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, c, n, 1.0, zp, c, 0.0, op, c);
      double[] out = new double[c * c];
      op.get(out);
      mirrorUpper(out, c);
      return out;
    }
  }

  /** L⁻¹ for the lower-triangular n×n L, row by row by forward substitution on the identity. */
  static double[] lowerInverse(double[] l, int n) {
    double[] x = new double[n * n];
    for (int i = 0; i < n; i++) {
      int oi = i * n;
      x[oi + i] = 1;
      for (int k = 0; k < i; k++) {
        double f = l[oi + k];
        if (f == 0) {
          continue;
        }
        int ok = k * n;
        for (int j = 0; j <= k; j++) {
          x[oi + j] -= f * x[ok + j];
        }
      }
      double inv = 1 / l[oi + i];
      for (int j = 0; j <= i; j++) {
        x[oi + j] *= inv;
      }
    }
    return x;
  }

  /** Copies the upper triangle of the c×c matrix onto its lower one. */
  private static void mirrorUpper(double[] out, int c) {
    for (int a = 0; a < c; a++) {
      for (int bb = 0; bb < a; bb++) {
        out[a * c + bb] = out[bb * c + a];
      }
    }
  }

  /** Transpose of a rows×cols row-major matrix. */
  static double[] transpose(double[] a, int rows, int cols) {
    double[] t = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = a[r * cols + c];
      }
    }
    return t;
  }

  /** y = A x for the rows×cols matrix A. */
  static void times(double[] a, int rows, int cols, double[] x, double[] y) {
    for (int r = 0; r < rows; r++) {
      double s = 0;
      int o = r * cols;
      for (int c = 0; c < cols; c++) {
        s += a[o + c] * x[c];
      }
      y[r] = s;
    }
  }

  /**
   * Top eigenpairs of the symmetric n×n matrix S: Jacobi for small n, otherwise subspace iteration
   * on r vectors with a Rayleigh–Ritz step. Values are not certified (callers certify separately).
   *
   * @param warm previous basis (r×n, rows orthonormal) or null
   * @return values (descending) in [0][*], vectors as rows in [1][*] (r×n row-major)
   */
  static double[][] topEigen(double[] s, int n, int r, double[] warm, int iterations) {
    if (n <= 24) {
      SymmetricEigen.Result e = SymmetricEigen.decompose(s, n, true);
      Integer[] idx = new Integer[n];
      for (int i = 0; i < n; i++) {
        idx[i] = i;
      }
      java.util.Arrays.sort(idx, (p, q) -> Double.compare(e.value(q), e.value(p)));
      int rr = Math.min(r, n);
      double[] vals = new double[rr];
      double[] vecs = new double[rr * n];
      for (int i = 0; i < rr; i++) {
        vals[i] = e.value(idx[i]);
        double[] v = e.vector(idx[i]);
        System.arraycopy(v, 0, vecs, i * n, n);
      }
      return new double[][] {vals, vecs};
    }
    int rr = Math.min(r, n);
    double[] q = new double[rr * n];
    if (warm != null && warm.length == rr * n) {
      System.arraycopy(warm, 0, q, 0, q.length);
    } else {
      java.util.SplittableRandom rng = new java.util.SplittableRandom(12345);
      for (int i = 0; i < q.length; i++) {
        q[i] = rng.nextDouble() - 0.5;
      }
    }
    double[][] sq = new double[rr][n];
    try (Products prod = new Products(s, n, rr)) {
      for (int it = 0; it <= iterations; it++) {
        orthonormalise(q, rr, n);
        if (it == iterations) {
          break;
        }
        prod.times(q, sq);
        for (int i = 0; i < rr; i++) {
          System.arraycopy(sq[i], 0, q, i * n, n);
        }
      }
      // Rayleigh–Ritz on span(q).
      prod.times(q, sq);
    }
    double[] h = new double[rr * rr];
    for (int i = 0; i < rr; i++) {
      for (int j = 0; j < rr; j++) {
        double t = 0;
        for (int c = 0; c < n; c++) {
          t += q[i * n + c] * sq[j][c];
        }
        h[i * rr + j] = t;
      }
    }
    for (int i = 0; i < rr; i++) {
      for (int j = 0; j < i; j++) {
        double m = 0.5 * (h[i * rr + j] + h[j * rr + i]);
        h[i * rr + j] = m;
        h[j * rr + i] = m;
      }
    }
    double[][] small = topEigen(h, rr, rr, null, 0);
    double[] vecs = new double[rr * n];
    for (int i = 0; i < rr; i++) {
      for (int j = 0; j < rr; j++) {
        double w = small[1][i * rr + j];
        for (int c = 0; c < n; c++) {
          vecs[i * n + c] += w * q[j * n + c];
        }
      }
    }
    return new double[][] {small[0], vecs};
  }

  /**
   * The rows of S·Qᵀ for a symmetric n×n S and r rows Q: plain loops, or one dgemm (Q·S = (S·Qᵀ)ᵀ
   * as S is symmetric) on S copied once into native memory.
   */
  private static final class Products implements AutoCloseable {
    private final double[] s;
    private final int n;
    private final int r;
    private final DoublePointer sp;
    private final DoublePointer qp;
    private final DoublePointer op;
    private final double[] flat;

    Products(double[] s, int n, int r) {
      this.s = s;
      this.n = n;
      this.r = r;
      boolean blas = (long) n * n * r >= BLAS_MIN_WORK;
      this.sp = blas ? new DoublePointer(s) : null;
      this.qp = blas ? new DoublePointer((long) r * n) : null;
      this.op = blas ? new DoublePointer((long) r * n) : null;
      this.flat = blas ? new double[r * n] : null;
    }

    /** out[i] = S·q_i for the rows q_i of q (r×n row-major). */
    void times(double[] q, double[][] out) {
      if (sp == null) {
        double[] y = new double[n];
        for (int i = 0; i < r; i++) {
          System.arraycopy(q, i * n, y, 0, n);
          Dense.times(s, n, n, y, out[i]);
        }
        return;
      }
      qp.put(q, 0, r * n);
      cblas_dgemm(
          CblasRowMajor, CblasNoTrans, CblasNoTrans, r, n, n, 1.0, qp, n, sp, n, 0.0, op, n);
      op.get(flat);
      for (int i = 0; i < r; i++) {
        System.arraycopy(flat, i * n, out[i], 0, n);
      }
    }

    @Override
    public void close() {
      if (sp != null) {
        sp.close();
        qp.close();
        op.close();
      }
    }
  }

  /** Modified Gram–Schmidt on the r rows of q (r×n); a vanishing row is replaced by e_i. */
  static void orthonormalise(double[] q, int r, int n) {
    int replaced = 0;
    for (int i = 0; i < r; i++) {
      for (int pass = 0; pass < 2; pass++) {
        for (int j = 0; j < i; j++) {
          double dot = 0;
          for (int c = 0; c < n; c++) {
            dot += q[i * n + c] * q[j * n + c];
          }
          for (int c = 0; c < n; c++) {
            q[i * n + c] -= dot * q[j * n + c];
          }
        }
      }
      double nn = 0;
      for (int c = 0; c < n; c++) {
        nn += q[i * n + c] * q[i * n + c];
      }
      nn = Math.sqrt(nn);
      if (nn < 1e-300 && replaced < n) {
        // Replace by the next unit vector and re-orthogonalise it (r ≤ n, so one fits).
        java.util.Arrays.fill(q, i * n, (i + 1) * n, 0);
        q[i * n + (replaced++ % n)] = 1;
        i--;
        continue;
      }
      for (int c = 0; c < n; c++) {
        q[i * n + c] /= nn;
      }
    }
  }

  /** λ_max of a symmetric PSD n×n matrix (uncertified: Jacobi or 300 power iterations). */
  static double lambdaMax(double[] s, int n) {
    return topEigen(s, n, 1, null, 300)[0][0];
  }
}
