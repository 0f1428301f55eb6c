package lipfarm.training;

/**
 * The state of training after an epoch, measured at the weights the epoch started from.
 *
 * @param epoch epochs completed before this measurement
 * @param loss mean squared error (1/n) Σ (f(x_i) − y_i)²
 * @param maxError max_i |f(x_i) − y_i|
 * @param signFit fraction of points with sign(f(x_i)) = y_i
 * @param normW Frobenius norm of the first layer (weights, without bias)
 * @param normA Euclidean norm of the output weights
 */
public record EpochStats(int epoch, double loss, double maxError, double signFit, double normW, double normA) {
  public boolean finite() {
    return Double.isFinite(loss) && Double.isFinite(maxError) && Double.isFinite(normW) && Double.isFinite(normA);
  }
}
