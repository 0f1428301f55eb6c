package lipfarm.data;

/**
 * Data that cannot be built: a bad {@link DataSpec} parameter or a bad input file. The message
 * names the parameter and its allowed values, or the file and the line, column or byte offset.
 */
public final class DataException extends RuntimeException {
  public DataException(String message) {
    super(message);
  }

  public DataException(String message, Throwable cause) {
    super(message, cause);
  }
}
