package lipfarm.http;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lipfarm.config.ConfigException;
import lipfarm.config.FarmDefinition;
import lipfarm.config.FarmText;

/**
 * What a farm submitted over HTTP may not do, beyond {@link FarmDefinition}'s own validation: a
 * remote user must not choose where results are written nor read files outside the service's
 * working directory and its data directories.
 */
final class ServicePolicy {
  private ServicePolicy() {}

  /** Keys whose values are paths of data files read by the trainer. */
  static final List<String> FILE_KEYS = List.of("file", "label-file");

  /** Farm keys a service ignores: it decides where results and the journal go. */
  static final List<String> IGNORED_KEYS = List.of("output-dir");

  /**
   * The note for a submission that sets keys the service ignores (null if none), so a farm file
   * written for the CLI is accepted as it is.
   */
  static String ignoredKeys(FarmDefinition def) {
    com.typesafe.config.Config farm = com.typesafe.config.ConfigFactory.parseString(def.source());
    List<String> set = IGNORED_KEYS.stream().filter(farm::hasPath).map(k -> "farm." + k).toList();
    if (set.isEmpty()) {
      return null;
    }
    return String.join(", ", set) + " ignored: the service writes results under its --output-dir";
  }

  /**
   * Farm keys the operator sets, never a client: where results go, and which journal database is
   * used with which credentials (a client-chosen URL would make the service connect anywhere, and
   * could be sent the operator's password from the environment).
   */
  static final List<String> OPERATOR_KEYS =
      List.of("output-dir", "journal", "journal-url", "journal-user", "journal-password");

  /**
   * Where results go and which journal is used: never chosen by the client.
   *
   * @param root the submitted text as parsed
   * @throws ConfigException naming the offending key
   */
  static void checkPlacement(FarmDefinition def, Config root) {
    for (String key : OPERATOR_KEYS) {
      // output-dir is ignored, with a note in the answer, so a CLI farm file is accepted as is.
      if (!key.equals("output-dir") && root.hasPath("farm." + key)) {
        throw new ConfigException(
            "farm." + key,
            key.equals("output-dir")
                ? "not allowed in service mode; results go under the service's --output-dir"
                : "not allowed in service mode; the service's operator configures the journal");
      }
    }
    if (def.name().matches("\\.+")) {
      throw new ConfigException(
          "farm.name",
          "'" + def.name() + "' is not allowed in service mode; use a name with a letter or digit");
    }
  }

  /**
   * Which files are read: only regular files whose real path lies inside the working directory or
   * one of {@code dataDirs}.
   *
   * @throws ConfigException naming the offending key
   */
  static void checkDataFiles(FarmDefinition def, List<Path> dataDirs) {
    Roots roots = null;
    for (String key : FILE_KEYS) {
      Object v = def.defaults().get(key);
      List<Object> values = def.grid().getOrDefault(key, List.of());
      List<Object> zipped = def.rules().zip().getOrDefault(key, List.of()); // grid language
      if ((v == null || String.valueOf(v).isEmpty()) && values.isEmpty() && zipped.isEmpty()) {
        continue;
      }
      if (roots == null) {
        roots = Roots.of(dataDirs);
      }
      if (v != null && !def.grid().containsKey(key)) {
        checkInside(String.valueOf(v), "farm.defaults." + key, roots);
      }
      for (int i = 0; i < values.size(); i++) {
        checkInside(String.valueOf(values.get(i)), "farm.grid." + key + "[" + i + "]", roots);
      }
      for (int i = 0; i < zipped.size(); i++) {
        checkInside(String.valueOf(zipped.get(i)), "farm.zip." + key + "[" + i + "]", roots);
      }
    }
  }

  /**
   * The directories files may be read from, each as given (absolute, normalised) and as its real
   * path: a path is first checked lexically, without touching the file system, then by its real
   * path (symlinks followed).
   */
  private record Roots(List<Path> lexical, List<Path> real) {
    static Roots of(List<Path> dataDirs) {
      List<Path> lexical = new ArrayList<>();
      List<Path> real = new ArrayList<>();
      List<Path> all = new ArrayList<>();
      all.add(Path.of(""));
      all.addAll(dataDirs);
      for (Path d : all) {
        Path abs = d.toAbsolutePath().normalize();
        lexical.add(abs);
        try {
          Path r = abs.toRealPath();
          lexical.add(r);
          real.add(r);
        } catch (IOException e) {
          // A data directory that vanished allows nothing.
        }
      }
      return new Roots(lexical, real);
    }

    static boolean within(Path p, List<Path> dirs) {
      return dirs.stream().anyMatch(p::startsWith);
    }
  }

  private static void checkInside(String file, String key, Roots roots) {
    if (file.isEmpty()) {
      return;
    }
    ConfigException refused =
        new ConfigException(
            key,
            "in service mode a data file must be an existing file inside the service's working"
                + " directory or a --data-dir (symlinks are followed), got '"
                + FarmText.excerpt(file)
                + "'");
    Path abs;
    try {
      abs = Path.of("").toAbsolutePath().resolve(file).normalize();
    } catch (InvalidPathException e) {
      throw new ConfigException(key, "not a valid path: '" + FarmText.excerpt(file) + "'");
    }
    // Lexically outside: refused before the file system is asked anything about it.
    if (!Roots.within(abs, roots.lexical())) {
      throw refused;
    }
    Path real;
    try {
      real = abs.toRealPath();
    } catch (IOException | SecurityException e) {
      throw refused;
    }
    if (!Roots.within(real, roots.real()) || !Files.isRegularFile(real)) {
      throw refused;
    }
  }
}
