package lipfarm.data;

/**
 * n labelled points in R^d. Arrays are owned by the dataset; callers must not mutate them.
 *
 * @param x points, {@code x[i]} has length d
 * @param y labels (±1 for the random-label models)
 */
public record Dataset(double[][] x, double[] y) {
  public Dataset {
    if (x.length != y.length) {
      throw new IllegalArgumentException("x has " + x.length + " rows but y has " + y.length);
    }
    if (x.length == 0) {
      throw new IllegalArgumentException("a dataset needs at least one point");
    }
  }

  public int n() {
    return x.length;
  }

  public int d() {
    return x[0].length;
  }

  /** max_i ‖x_i‖₂: the radius R of the data that the theory bounds assume. */
  public double maxNorm() {
    double m = 0;
    for (double[] p : x) {
      double s = 0;
      for (double v : p) {
        s += v * v;
      }
      m = Math.max(m, Math.sqrt(s));
    }
    return m;
  }

  /**
   * The smallest Euclidean distance between two points with different labels, or +∞ if all labels
   * agree. Any function that fits the labels within tol has Lipschitz constant at least {@code (2 -
   * 2 tol) / this} (bound F10).
   */
  public double minOppositeLabelDistance() {
    int[] pair = closestOppositePair();
    return pair == null ? Double.POSITIVE_INFINITY : Math.sqrt(squaredDistance(pair[0], pair[1]));
  }

  /**
   * Indices {i, j} (i &lt; j) of the closest pair with different labels (the first in row order on
   * a tie), or null when all labels agree. O(n²d): a caller that needs it twice keeps it.
   */
  public int[] closestOppositePair() {
    double best = Double.POSITIVE_INFINITY;
    int[] pair = null;
    for (int i = 0; i < x.length; i++) {
      for (int j = i + 1; j < x.length; j++) {
        if (y[i] == y[j]) {
          continue;
        }
        double s = squaredDistance(i, j);
        if (s < best) {
          best = s;
          pair = new int[] {i, j};
        }
      }
    }
    return pair;
  }

  /** ‖x_i − x_j‖², summed in coordinate order. */
  private double squaredDistance(int i, int j) {
    double[] xi = x[i];
    double[] xj = x[j];
    double s = 0;
    for (int c = 0; c < xi.length; c++) {
      double t = xi[c] - xj[c];
      s += t * t;
    }
    return s;
  }
}
