package lipfarm.training;

/** Hidden-layer activations. All are 1-Lipschitz (leaky ReLU for slopes in [0, 1]). */
public enum Activation implements Keyed {
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
  @Override
  public String key() {
    return key;
  }

  public static Activation of(String key) {
    return Keyed.of(Activation.class, key, "activation");
  }
}
