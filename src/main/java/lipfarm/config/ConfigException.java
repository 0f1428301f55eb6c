package lipfarm.config;

/** A farm definition that cannot run. The message names the key and the allowed values. */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String message) {
    super(key + ": " + message);
    this.key = key;
  }

  /** The offending key, fully qualified (for example {@code farm.grid.n}). */
  public String key() {
    return key;
  }
}
