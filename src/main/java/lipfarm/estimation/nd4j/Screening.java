package lipfarm.estimation.nd4j;

import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.protocol.NetworkSnapshot;

/**
 * Screens many random points of the domain sphere with the batched single-precision kernel and
 * returns the best few, to be re-evaluated exactly (in double) by the estimator: the screen finds
 * where ‖∇f‖ is large cheaply, only exact values certify anything.
 */
public final class Screening {
  private Screening() {}

  /** Points per kernel call. */
  static final int BATCH = 10_000;

  /**
   * @param net a two-layer scalar network (anything else returns no points)
   * @param radius the domain sphere's radius
   * @param count points to screen
   * @param keep how many of the best to return
   * @param seed seed of the random points
   * @return up to {@code keep} points of the sphere of radius {@code radius}, best first
   */
  public static double[][] topSpherePoints(
      NetworkSnapshot net, double radius, int count, int keep, long seed) {
    if (net.layers().size() != 2 || net.outputDim() != 1 || keep <= 0 || count <= 0) {
      return new double[0][];
    }
    NetworkSnapshot.Layer first = net.layers().get(0);
    int d = first.cols();
    int k = first.rows();
    Nd4jGradientNorms kernel =
        new Nd4jGradientNorms(
            d, k, first.weights(), first.bias(), net.layers().get(1).weights(), net.activation());
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] best = new double[keep][];
    double[] bestV = new double[keep];
    java.util.Arrays.fill(bestV, -1);
    float[] xs = new float[BATCH * d];
    for (int done = 0; done < count; done += BATCH) {
      int n = Math.min(BATCH, count - done);
      for (int i = 0; i < n; i++) {
        double s = 0;
        for (int c = 0; c < d; c++) {
          double g = DataModels.gaussian(rng);
          xs[i * d + c] = (float) g;
          s += g * g;
        }
        float scale = (float) (radius / Math.sqrt(s));
        for (int c = 0; c < d; c++) {
          xs[i * d + c] *= scale;
        }
      }
      float[] norms = kernel.norms(xs, n);
      for (int i = 0; i < n; i++) {
        if (norms[i] > bestV[keep - 1]) {
          int pos = keep - 1;
          while (pos > 0 && bestV[pos - 1] < norms[i]) {
            bestV[pos] = bestV[pos - 1];
            best[pos] = best[pos - 1];
            pos--;
          }
          double[] x = new double[d];
          double s = 0;
          for (int c = 0; c < d; c++) {
            x[c] = xs[i * d + c];
            s += x[c] * x[c];
          }
          // Back on the sphere in double precision (float rounding may leave it just outside).
          double scale = radius / Math.sqrt(s) * (1 - 1e-15);
          for (int c = 0; c < d; c++) {
            x[c] *= scale;
          }
          best[pos] = x;
          bestV[pos] = norms[i];
        }
      }
    }
    return java.util.Arrays.stream(best)
        .filter(java.util.Objects::nonNull)
        .toArray(double[][]::new);
  }
}
