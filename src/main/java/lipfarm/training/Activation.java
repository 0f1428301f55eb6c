package lipfarm.training;

/** Hidden-layer activations. All are 1-Lipschitz (leaky ReLU for slopes in [0, 1]). */
public enum Activation {
  RELU("relu"),
  LEAKY_RELU("leaky-relu"),
  TANH("tanh"),
  /** log(1 + e^z): smooth, so gradient-norm ascent on ‖∇f‖ is well defined. */
  SOFTPLUS("softplus");

  private final String key;

  Activation(String key) {
    this.key = key;
  }

  /** The name used in farm files and network snapshots. */
  public String key() {
    return key;
  }

  public static Activation of(String key) {
    for (Activation a : values()) {
      if (a.key.equals(key)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown activation '" + key + "'");
  }
}
