package lipfarm.analysis;

/**
 * One row of a regression: the covariates (already transformed, e.g. log n, log k), the response
 * (e.g. log Lip) and the cluster it belongs to. Rows of one cluster are resampled together by the
 * bootstrap: in a farm the cluster is the seed, because runs with the same seed share their data
 * points and so their errors are correlated.
 */
public record Observation(String cluster, double[] covariates, double response) {
  public Observation {
    covariates = covariates.clone();
  }

  @Override
  public double[] covariates() {
    return covariates.clone();
  }

  double covariate(int j) {
    return covariates[j];
  }
}
