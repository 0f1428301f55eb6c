package lipfarm.bounds;

import lipfarm.estimation.NetworkMath;
import lipfarm.protocol.NetworkSnapshot;

/**
 * Norms of a trained network that the theory bounds are compared with; NaN when not defined.
 *
 * @param pathNorm two-layer path norm P_1 = Σ_j ‖A_{:,j}‖₂·‖w̃_j‖₂ with w̃_j = (w_j, b_j) (for a
 *     scalar output Σ_j |a_j|‖w̃_j‖); NaN unless depth = 2
 * @param spectralProxy two-layer ‖a‖₂·‖W‖_op (W without the bias column; ‖A‖_op for vector
 *     outputs); NaN unless depth = 2
 * @param frobeniusProduct Π_l ‖W_l‖_F (weights only)
 * @param spectralProduct Π_l ‖W_l‖_op, certified from above
 */
public record NetworkNorms(
    double pathNorm, double spectralProxy, double frobeniusProduct, double spectralProduct) {

  /**
   * Measures a snapshot; spectral norms use the certified {@link NetworkMath#spectralNormUpper}.
   */
  public static NetworkNorms of(NetworkSnapshot net) {
    int depth = net.layers().size();
    double frob = 1;
    double spec = 1;
    for (NetworkSnapshot.Layer l : net.layers()) {
      double s = 0;
      for (double v : l.weights()) {
        s += v * v;
      }
      frob *= Math.sqrt(s);
      spec *= NetworkMath.spectralNormUpper(l.rows(), l.cols(), l.weights());
    }
    double path = Double.NaN;
    double proxy = Double.NaN;
    if (depth == 2) {
      NetworkSnapshot.Layer first = net.layers().get(0);
      NetworkSnapshot.Layer second = net.layers().get(1);
      double[] b = first.bias();
      path = 0;
      for (int j = 0; j < first.rows(); j++) {
        double wn = b == null ? 0 : b[j] * b[j];
        for (int c = 0; c < first.cols(); c++) {
          wn += first.w(j, c) * first.w(j, c);
        }
        double an = 0;
        for (int r = 0; r < second.rows(); r++) {
          an += second.w(r, j) * second.w(r, j);
        }
        path += Math.sqrt(an) * Math.sqrt(wn);
      }
      proxy =
          NetworkMath.spectralNormUpper(second.rows(), second.cols(), second.weights())
              * NetworkMath.spectralNormUpper(first.rows(), first.cols(), first.weights());
    }
    return new NetworkNorms(path, proxy, frob, spec);
  }

  /** Norms that are not available (F11 then reports not applicable). */
  public static NetworkNorms unknown() {
    return new NetworkNorms(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
  }
}
