package lipfarm.analysis;

import java.util.List;

/**
 * A least-squares fit y ≈ intercept + Σ_j slope_j·x_j with percentile bootstrap intervals.
 *
 * @param covariates names of the x_j, in coefficient order
 * @param slopes the point estimates β_j (OLS on all rows)
 * @param ciLow lower ends of the {@code level} percentile intervals (NaN when there are fewer than
 *     two clusters: resampling one cluster cannot show any variability)
 * @param ciHigh upper ends, likewise
 * @param means the mean of each covariate over the rows (for drawing a partial fit line: the other
 *     covariates held at their means)
 * @param observations rows used
 * @param clusters distinct clusters (seed groups)
 * @param resamples bootstrap resamples drawn
 * @param resamplesUsed resamples whose design had full rank (the others are skipped)
 */
public record RegressionFit(
    List<String> covariates,
    double intercept,
    double[] slopes,
    double[] ciLow,
    double[] ciHigh,
    double[] means,
    int observations,
    int clusters,
    int resamples,
    int resamplesUsed,
    double level) {

  public RegressionFit {
    covariates = List.copyOf(covariates);
    slopes = slopes.clone();
    ciLow = ciLow.clone();
    ciHigh = ciHigh.clone();
    means = means.clone();
  }

  public int index(String covariate) {
    int i = covariates.indexOf(covariate);
    if (i < 0) {
      throw new IllegalArgumentException("no covariate " + covariate + " in " + covariates);
    }
    return i;
  }

  public double slope(String covariate) {
    return slopes[index(covariate)];
  }

  public double low(String covariate) {
    return ciLow[index(covariate)];
  }

  public double high(String covariate) {
    return ciHigh[index(covariate)];
  }

  /**
   * The fitted response as a function of one covariate with every other covariate at its mean:
   * intercept + Σ_{j≠c} β_j·mean_j + β_c·x.
   */
  public double partialPrediction(String covariate, double x) {
    int c = index(covariate);
    double y = intercept + slopes[c] * x;
    for (int j = 0; j < slopes.length; j++) {
      if (j != c) {
        y += slopes[j] * means[j];
      }
    }
    return y;
  }

  @Override
  public double[] slopes() {
    return slopes.clone();
  }

  @Override
  public double[] ciLow() {
    return ciLow.clone();
  }

  @Override
  public double[] ciHigh() {
    return ciHigh.clone();
  }

  @Override
  public double[] means() {
    return means.clone();
  }
}
