package lipfarm.http;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import lipfarm.config.ConfigException;
import lipfarm.config.FarmDefinition;

/**
 * What a farm submitted over HTTP may not do, beyond {@link FarmDefinition}'s own validation: a
 * remote user must not choose where results are written nor read files outside the service's
 * working directory.
 */
final class ServicePolicy {
  private ServicePolicy() {}

  /** Keys whose values are paths of data files read by the trainer. */
  static final List<String> FILE_KEYS = List.of("file", "label-file");

  /**
   * @param hasOutputDir whether the submitted text sets {@code farm.output-dir}
   * @throws ConfigException naming the offending key
   */
  static void check(FarmDefinition def, boolean hasOutputDir) {
    if (hasOutputDir) {
      throw new ConfigException(
          "farm.output-dir",
          "not allowed in service mode; results go under the service's --output-dir");
    }
    if (def.name().matches("\\.+")) {
      throw new ConfigException(
          "farm.name",
          "'" + def.name() + "' is not allowed in service mode; use a name with a letter or digit");
    }
    for (String key : FILE_KEYS) {
      Object v = def.defaults().get(key);
      if (v != null) {
        checkRelative(String.valueOf(v), "farm.defaults." + key);
      }
      List<Object> values = def.grid().getOrDefault(key, List.of());
      for (int i = 0; i < values.size(); i++) {
        checkRelative(String.valueOf(values.get(i)), "farm.grid." + key + "[" + i + "]");
      }
      List<Object> zipped = def.rules().zip().getOrDefault(key, List.of()); // grid language
      for (int i = 0; i < zipped.size(); i++) {
        checkRelative(String.valueOf(zipped.get(i)), "farm.zip." + key + "[" + i + "]");
      }
    }
  }

  private static void checkRelative(String file, String key) {
    if (file.isEmpty()) {
      return;
    }
    try {
      Path p = Path.of(file);
      if (p.isAbsolute() || file.startsWith("~")) {
        throw new ConfigException(
            key,
            "in service mode a data file must be a relative path inside the service's working directory, got '"
                + file
                + "'");
      }
      for (Path part : p) {
        if (part.toString().equals("..")) {
          throw new ConfigException(
              key,
              "in service mode a data file must be a relative path inside the service's working directory, got '"
                  + file
                  + "'");
        }
      }
    } catch (InvalidPathException e) {
      throw new ConfigException(key, "not a valid path: '" + file + "'");
    }
  }
}
