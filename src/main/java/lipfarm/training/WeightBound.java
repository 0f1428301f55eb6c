package lipfarm.training;

/**
 * A weight-bounded network class, enforced by projection after every optimiser step. Here w̃_j is
 * row j of a layer's weight matrix together with its bias (theory.md §1.3 absorbs the bias).
 *
 * <ul>
 *   <li>NONE: unconstrained
 *   <li>PER_NEURON: ‖w̃_j‖₂ ≤ β for every hidden neuron of every hidden layer, and |a_j| ≤ α for
 *       every output weight; projection = clip each row's norm / each output weight
 *   <li>FROBENIUS: ‖W_l‖_F ≤ s for every layer; projection = rescale the layer
 *   <li>SPECTRAL: σ_max(W_l) ≤ s for every layer (power iteration; rescale only when violated)
 *   <li>PATH (two-layer only): Σ_j |a_j| ‖w̃_j‖₂ ≤ P; retraction = scale W̃ and a by √(P/current),
 *       which maps onto the boundary and is the identity inside the set
 * </ul>
 */
public record WeightBound(Kind kind, double alpha, double beta, double value) {
  public enum Kind implements Keyed {
    NONE("none"),
    PER_NEURON("per-neuron"),
    FROBENIUS("frobenius"),
    SPECTRAL("spectral"),
    PATH("path");

    private final String key;

    Kind(String key) {
      this.key = key;
    }

    @Override
    public String key() {
      return key;
    }

    public static Kind of(String key) {
      return Keyed.of(Kind.class, key, "weight bound");
    }
  }

  public static WeightBound none() {
    return new WeightBound(
        Kind.NONE, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
  }
}
