package lipfarm.estimation;

/** Small dense linear algebra on row-major {@code double[]} matrices (Cholesky, solves, λ_max). */
final class Dense {
  private Dense() {}

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
    for (int a = 0; a < c; a++) {
      for (int bb = 0; bb < a; bb++) {
        out[a * c + bb] = out[bb * c + a];
      }
    }
    return out;
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
    double[] y = new double[n];
    for (int it = 0; it <= iterations; it++) {
      orthonormalise(q, rr, n);
      if (it == iterations) {
        break;
      }
      for (int i = 0; i < rr; i++) {
        System.arraycopy(q, i * n, y, 0, n);
        double[] out = new double[n];
        times(s, n, n, y, out);
        System.arraycopy(out, 0, q, i * n, n);
      }
    }
    // Rayleigh–Ritz on span(q).
    double[] h = new double[rr * rr];
    double[][] sq = new double[rr][n];
    for (int i = 0; i < rr; i++) {
      System.arraycopy(q, i * n, y, 0, n);
      times(s, n, n, y, sq[i]);
    }
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
