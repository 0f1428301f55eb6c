package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The OpenBLAS paths of {@link Dense} against values computed another way: BᵀY⁻¹B against column by
 * column solves with Y = LLᵀ, and the top eigenvalues of S = Q·diag(λ)·Qᵀ against the λ it was
 * built from, on both sides of {@link Dense#BLAS_MIN_WORK}.
 */
class DenseTest {
  /** Relative agreement of two summation orders of well-conditioned products. */
  private static final double PRODUCT_TOL = 1e-10;

  /** Subspace iteration with a spectral gap of 2 converges far below this. */
  private static final double EIGEN_TOL = 1e-8;

  private static final SplittableRandom RNG = new SplittableRandom(20261129);

  private static double[] gaussian(int len) {
    double[] v = new double[len];
    for (int i = 0; i < len; i++) {
      v[i] = RNG.nextDouble() * 2 - 1;
    }
    return v;
  }

  /** A well-conditioned lower-triangular factor: unit-ish diagonal, small off-diagonal. */
  private static double[] factor(int n) {
    double[] l = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < i; k++) {
        l[i * n + k] = 0.3 * (RNG.nextDouble() - 0.5) / Math.sqrt(n);
      }
      l[i * n + i] = 1 + RNG.nextDouble();
    }
    return l;
  }

  /** BᵀY⁻¹B by solving Y x = b_j for each column b_j of B, then Bᵀ X. */
  private static double[] bySolves(double[] l, int n, double[] b, int c) {
    double[] x = new double[n * c];
    double[] col = new double[n];
    for (int j = 0; j < c; j++) {
      for (int i = 0; i < n; i++) {
        col[i] = b[i * c + j];
      }
      Dense.solve(l, n, col);
      for (int i = 0; i < n; i++) {
        x[i * c + j] = col[i];
      }
    }
    double[] out = new double[c * c];
    for (int a = 0; a < c; a++) {
      for (int bb = 0; bb < c; bb++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += b[i * c + a] * x[i * c + bb];
        }
        out[a * c + bb] = s;
      }
    }
    return out;
  }

  @Test
  void congruenceInverseAgreesWithColumnSolvesOnBothPaths() {
    int[][] shapes = {{7, 5}, {30, 20}, {120, 90}, {200, 150}};
    for (int[] shape : shapes) {
      int n = shape[0];
      int c = shape[1];
      double[] l = factor(n);
      double[] b = gaussian(n * c);
      double[] expected = bySolves(l, n, b, c);
      double scale = 0;
      for (double v : expected) {
        scale = Math.max(scale, Math.abs(v));
      }
      double[] viaDispatch = Dense.congruenceInverse(l, n, b, c);
      double[] viaBlas = Dense.congruenceInverseBlas(l, n, b, c);
      for (int p = 0; p < expected.length; p++) {
        assertThat(viaDispatch[p])
            .as("n=%d c=%d entry %d", n, c, p)
            .isCloseTo(expected[p], within(PRODUCT_TOL * scale));
        assertThat(viaBlas[p]).isCloseTo(expected[p], within(PRODUCT_TOL * scale));
      }
    }
    assertThat((long) 7 * 5 * 12).isLessThan(Dense.BLAS_MIN_WORK);
    assertThat((long) 200 * 150 * 350).isGreaterThanOrEqualTo(Dense.BLAS_MIN_WORK);
  }

  @Test
  void topEigenRecoversAPrescribedSpectrumOnBothPaths() {
    for (int n : new int[] {40, 300}) {
      // S = Q diag(λ) Qᵀ with Q from Gram–Schmidt on random rows; λ_i = 2^{-i}·10.
      double[] q = gaussian(n * n);
      Dense.orthonormalise(q, n, n);
      double[] lambda = new double[n];
      for (int i = 0; i < n; i++) {
        lambda[i] = 10 * Math.pow(0.5, Math.min(i, 60));
      }
      double[] s = new double[n * n];
      for (int a = 0; a < n; a++) {
        for (int bb = 0; bb < n; bb++) {
          double v = 0;
          for (int i = 0; i < n; i++) {
            v += q[i * n + a] * lambda[i] * q[i * n + bb];
          }
          s[a * n + bb] = v;
        }
      }
      double[][] e = Dense.topEigen(s, n, 4, null, 200);
      for (int i = 0; i < 4; i++) {
        assertThat(e[0][i]).as("n=%d λ_%d", n, i).isCloseTo(lambda[i], within(EIGEN_TOL));
      }
    }
    assertThat((long) 40 * 40 * 4).isLessThan(Dense.BLAS_MIN_WORK);
    assertThat((long) 300 * 300 * 4).isGreaterThanOrEqualTo(Dense.BLAS_MIN_WORK);
  }
}
