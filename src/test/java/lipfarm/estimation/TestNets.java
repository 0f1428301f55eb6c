package lipfarm.estimation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.protocol.NetworkSnapshot;

/** Seeded random networks and small linear-algebra oracles shared by the estimation tests. */
final class TestNets {
  /** The LipSDP reference network, relative to the project directory. */
  static final Path LIPSDP = Path.of("..", "shared", "data", "lipsdp-random-net.json");

  private TestNets() {}

  /** A ReLU net with the given widths (input first), Gaussian weights scaled by 1/√fan-in. */
  static NetworkSnapshot random(SplittableRandom rng, boolean bias, int... widths) {
    List<NetworkSnapshot.Layer> layers = new ArrayList<>();
    for (int l = 0; l + 1 < widths.length; l++) {
      int rows = widths[l + 1];
      int cols = widths[l];
      double[] w = new double[rows * cols];
      for (int i = 0; i < w.length; i++) {
        w[i] = DataModels.gaussian(rng) / Math.sqrt(cols);
      }
      double[] b = null;
      if (bias) {
        b = new double[rows];
        for (int i = 0; i < rows; i++) {
          b[i] = 0.3 * DataModels.gaussian(rng);
        }
      }
      layers.add(new NetworkSnapshot.Layer(rows, cols, w, b));
    }
    return new NetworkSnapshot("relu", layers);
  }

  /** Loads the LipSDP json (weights[i] has shape [out, in]); null if the file is missing. */
  static NetworkSnapshot lipsdp() throws IOException {
    if (!Files.exists(LIPSDP)) {
      return null;
    }
    JsonNode root = new ObjectMapper().readTree(LIPSDP.toFile());
    List<NetworkSnapshot.Layer> layers = new ArrayList<>();
    for (JsonNode mat : root.get("weights")) {
      int rows = mat.size();
      int cols = mat.get(0).size();
      double[] w = new double[rows * cols];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          w[r * cols + c] = mat.get(r).get(c).asDouble();
        }
      }
      layers.add(new NetworkSnapshot.Layer(rows, cols, w, null));
    }
    return new NetworkSnapshot("relu", layers);
  }

  /** σ_max by 500 power iterations on AᵀA: converges from below, an independent oracle. */
  static double powerIteration(int rows, int cols, double[] a, SplittableRandom rng) {
    double[] v = new double[cols];
    for (int c = 0; c < cols; c++) {
      v[c] = DataModels.gaussian(rng);
    }
    double sigma = 0;
    double[] u = new double[rows];
    for (int it = 0; it < 500; it++) {
      double vn = norm(v);
      if (vn == 0) {
        return 0;
      }
      for (int c = 0; c < cols; c++) {
        v[c] /= vn;
      }
      for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int c = 0; c < cols; c++) {
          s += a[r * cols + c] * v[c];
        }
        u[r] = s;
      }
      sigma = norm(u);
      for (int c = 0; c < cols; c++) {
        double s = 0;
        for (int r = 0; r < rows; r++) {
          s += a[r * cols + c] * u[r];
        }
        v[c] = s;
      }
    }
    return sigma;
  }

  static double norm(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  /** A random n×n orthogonal matrix: Gram–Schmidt on Gaussian columns (row-major). */
  static double[] randomOrthogonal(int n, SplittableRandom rng) {
    double[][] cols = new double[n][n];
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < n; i++) {
        cols[j][i] = DataModels.gaussian(rng);
      }
      // Two passes of Gram–Schmidt keep the columns orthogonal to working precision.
      for (int pass = 0; pass < 2; pass++) {
        for (int p = 0; p < j; p++) {
          double dot = 0;
          for (int i = 0; i < n; i++) {
            dot += cols[j][i] * cols[p][i];
          }
          for (int i = 0; i < n; i++) {
            cols[j][i] -= dot * cols[p][i];
          }
        }
      }
      double nn = norm(cols[j]);
      for (int i = 0; i < n; i++) {
        cols[j][i] /= nn;
      }
    }
    double[] q = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        q[i * n + j] = cols[j][i];
      }
    }
    return q;
  }

  /** U·diag(sigma)·Vᵀ for random orthogonal U (rows×rows) and V (cols×cols). */
  static double[] withSingularValues(int rows, int cols, double[] sigma, SplittableRandom rng) {
    double[] u = randomOrthogonal(rows, rng);
    double[] v = randomOrthogonal(cols, rng);
    double[] a = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double s = 0;
        for (int k = 0; k < sigma.length; k++) {
          s += u[r * rows + k] * sigma[k] * v[c * cols + k];
        }
        a[r * cols + c] = s;
      }
    }
    return a;
  }
}
