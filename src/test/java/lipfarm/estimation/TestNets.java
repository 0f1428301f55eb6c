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
  static final Path LIPSDP =
      Files.isRegularFile(Path.of("..", "shared", "data", "lipsdp-random-net.json"))
          ? Path.of("..", "shared", "data", "lipsdp-random-net.json")
          // A copy ships with the tests so they never skip on a checkout without shared/.
          : Path.of("src", "test", "resources", "reference", "lipsdp-random-net.json");

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

  /**
   * A two-layer net with biases trained on {@code data} by plain full-batch gradient descent on the
   * squared loss (a stand-in for the farm's trainer that keeps these tests free of ND4J).
   */
  static NetworkSnapshot trainedTwoLayer(
      String activation, lipfarm.data.Dataset data, int k, int epochs, SplittableRandom rng) {
    NetworkSnapshot init = random(rng, true, data.d(), k, 1);
    double[] w = init.layers().get(0).weights();
    double[] b = init.layers().get(0).bias();
    double[] a = init.layers().get(1).weights();
    double[] c = init.layers().get(1).bias();
    int d = data.d();
    double lr = 0.05;
    for (int e = 0; e < epochs; e++) {
      NetworkSnapshot cur = twoLayer(activation, w, b, a, c, d, k);
      Mlp mlp = new Mlp(cur);
      HiddenActivation act = mlp.act;
      double[] gw = new double[w.length];
      double[] gb = new double[k];
      double[] ga = new double[k];
      double gc = 0;
      for (int i = 0; i < data.n(); i++) {
        double[] x = data.x()[i];
        double f = mlp.forward(x)[0];
        double r = (f - data.y()[i]) / data.n();
        gc += r;
        for (int j = 0; j < k; j++) {
          double z = b[j];
          for (int t = 0; t < d; t++) {
            z += w[j * d + t] * x[t];
          }
          ga[j] += r * act.value(z);
          double back = r * a[j] * act.derivative(z);
          gb[j] += back;
          for (int t = 0; t < d; t++) {
            gw[j * d + t] += back * x[t];
          }
        }
      }
      for (int j = 0; j < w.length; j++) {
        w[j] -= lr * gw[j];
      }
      for (int j = 0; j < k; j++) {
        b[j] -= lr * gb[j];
        a[j] -= lr * ga[j];
      }
      c[0] -= lr * gc;
    }
    return twoLayer(activation, w, b, a, c, d, k);
  }

  private static NetworkSnapshot twoLayer(
      String act, double[] w, double[] b, double[] a, double[] c, int d, int k) {
    return new NetworkSnapshot(
        act, List.of(new NetworkSnapshot.Layer(k, d, w, b), new NetworkSnapshot.Layer(1, k, a, c)));
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

  /**
   * max over gate patterns s ∈ {α, 1}^k of ‖Σ_j s_j a_j w_j‖ for a scalar two-layer (leaky) ReLU
   * net, by a plain loop over all 2^k patterns (independent of the estimators): the global constant
   * when the rows w_j are linearly independent (every pattern is realised), else an upper bound.
   */
  static double patternMax(NetworkSnapshot net) {
    String act = net.activation().trim();
    double alpha = act.startsWith("leaky-relu:") ? Double.parseDouble(act.substring(11)) : 0;
    NetworkSnapshot.Layer first = net.layers().get(0);
    NetworkSnapshot.Layer second = net.layers().get(1);
    int d = first.cols();
    int k = first.rows();
    double best = 0;
    for (int mask = 0; mask < (1 << k); mask++) {
      double[] v = new double[d];
      for (int j = 0; j < k; j++) {
        double s = (mask & (1 << j)) != 0 ? 1 : alpha;
        for (int c = 0; c < d; c++) {
          v[c] += s * second.w(0, j) * first.w(j, c);
        }
      }
      best = Math.max(best, norm(v));
    }
    return best;
  }
}
