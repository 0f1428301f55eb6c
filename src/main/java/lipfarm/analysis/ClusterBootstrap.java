package lipfarm.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Least squares with a cluster (block) bootstrap: each resample draws G clusters with replacement
 * from the G clusters of the data and keeps all rows of each drawn cluster, refits, and the
 * interval is the (α/2, 1 − α/2) percentile range of the refitted slopes. Resampling whole clusters
 * keeps the within-cluster correlation (runs that share a seed share their data points), which a
 * row bootstrap would ignore and so give too narrow an interval.
 *
 * <p>Deterministic: the same rows, resample count and seed give the same interval (clusters are
 * ordered by name and the generator is {@link SplittableRandom}, whose sequence is specified).
 */
public final class ClusterBootstrap {
  /** Resamples used for report intervals: percentile tails of 2.5% rest on ~25 draws each. */
  public static final int DEFAULT_RESAMPLES = 1000;

  /** Fixed seed so a report rebuilt from the same events prints the same intervals. */
  public static final long DEFAULT_SEED = 0x6C697066L; // "lipf"

  private ClusterBootstrap() {}

  /**
   * @param names covariate names, one per column of {@link Observation#covariates()}
   * @return the fit, or null when the design on all rows is rank deficient
   */
  public static RegressionFit fit(
      List<String> names, List<Observation> rows, int resamples, long seed, double level) {
    double[] point = ols(rows);
    if (point == null) {
      return null;
    }
    int p = names.size();
    double[] means = new double[p];
    for (Observation o : rows) {
      for (int j = 0; j < p; j++) {
        means[j] += o.covariate(j) / rows.size();
      }
    }
    Map<String, List<Observation>> byCluster = new TreeMap<>();
    for (Observation o : rows) {
      byCluster.computeIfAbsent(o.cluster(), c -> new ArrayList<>()).add(o);
    }
    List<List<Observation>> clusters = new ArrayList<>(byCluster.values());
    int g = clusters.size();
    double[] low = new double[p];
    double[] high = new double[p];
    Arrays.fill(low, Double.NaN);
    Arrays.fill(high, Double.NaN);
    int used = 0;
    if (g >= 2) {
      double[][] draws = new double[p][resamples];
      SplittableRandom rng = new SplittableRandom(seed);
      for (int b = 0; b < resamples; b++) {
        List<Observation> sample = new ArrayList<>(rows.size());
        for (int i = 0; i < g; i++) {
          sample.addAll(clusters.get(rng.nextInt(g)));
        }
        double[] beta = ols(sample);
        if (beta == null) {
          continue; // e.g. every drawn cluster lacks one level of an axis
        }
        for (int j = 0; j < p; j++) {
          draws[j][used] = beta[j + 1];
        }
        used++;
      }
      if (used >= 2) {
        double tail = (1 - level) / 2;
        for (int j = 0; j < p; j++) {
          double[] d = Arrays.copyOf(draws[j], used);
          Arrays.sort(d);
          low[j] = quantile(d, tail);
          high[j] = quantile(d, 1 - tail);
        }
      }
    }
    return new RegressionFit(
        names,
        point[0],
        Arrays.copyOfRange(point, 1, p + 1),
        low,
        high,
        means,
        rows.size(),
        g,
        g >= 2 ? resamples : 0,
        used,
        level);
  }

  private static double[] ols(List<Observation> rows) {
    double[][] x = new double[rows.size()][];
    double[] y = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      x[i] = rows.get(i).covariates();
      y[i] = rows.get(i).response();
    }
    return LeastSquares.fit(x, y);
  }

  /** Linear interpolation between order statistics (Hyndman–Fan type 7) of sorted data. */
  static double quantile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }
}
