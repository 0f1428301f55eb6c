package lipfarm.training;

/**
 * Training losses, averaged over the n points. For labels y ∈ {±1} and output f:
 *
 * <ul>
 *   <li>SQUARED: ½ (f − y)² (per output coordinate)
 *   <li>HINGE: max(0, 1 − y f)
 *   <li>LOGISTIC: log(1 + e^{−y f})
 * </ul>
 */
public enum Loss implements Keyed {
  SQUARED("squared"),
  HINGE("hinge"),
  LOGISTIC("logistic");

  private final String key;

  Loss(String key) {
    this.key = key;
  }

  @Override
  public String key() {
    return key;
  }

  public static Loss of(String key) {
    return Keyed.of(Loss.class, key, "loss");
  }
}
