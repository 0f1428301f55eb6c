package lipfarm.training;

/**
 * The state of training, measured on the full data at the weights the epoch started from.
 *
 * @param epoch epochs completed before this measurement
 * @param loss the training loss: mean squared error (1/n) Σ ‖f(x_i) − y_i‖² for the squared loss,
 *     the mean hinge or logistic loss otherwise
 * @param maxError max_i |f(x_i) − y_i| (over all output coordinates)
 * @param signFit fraction of points with sign(f(x_i)) = y_i (first output)
 * @param minMargin min_i y_i f(x_i) (first output)
 * @param normW Frobenius norm of the first layer's weights (without bias)
 * @param normA Frobenius norm of the last layer's weights (‖a‖₂ for a scalar output)
 * @param constraint the current value of the weight-bounded quantity (max over layers), NaN for
 *     unconstrained runs: max_j ‖w̃_j‖ (per-neuron), max_l ‖W_l‖_F, max_l σ_max(W_l) or the path
 *     norm
 */
public record EpochStats(
    int epoch,
    double loss,
    double maxError,
    double signFit,
    double minMargin,
    double normW,
    double normA,
    double constraint) {

  /**
   * Loss and outputs are finite (NaN/Inf weights show up in the outputs). Unmeasured norms are NaN
   * and do not count.
   */
  public boolean finite() {
    return Double.isFinite(loss) && Double.isFinite(maxError);
  }
}
