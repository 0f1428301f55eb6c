package lipfarm.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.Parse;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lipfarm.data.DataSpec;

/**
 * A validated farm definition: the {@code farm} block of a HOCON file. Parsing checks every key and
 * value before anything runs, so a bad file never starts a run or writes a file.
 *
 * <p>This record holds what a farm is: the parameter table ({@link #PARAMS}), the entry points that
 * read a file or text, and the configuration count. The key-by-key checking of the block is {@link
 * FarmReader}; expanding the grid into run configurations is {@link GridExpansion}.
 *
 * @param name farm name, used as the results directory {@code runs/<name>/...}
 * @param maxConcurrentRuns how many configurations train at once
 * @param outputDir root of the results directories
 * @param defaults the resolved scalar parameters
 * @param grid list-valued keys whose Cartesian product over {@code defaults} is the farm
 * @param source the farm block rendered as HOCON, written beside the results
 * @param rules zip, derive and where ({@link GridRules#NONE} for a plain product)
 */
public record FarmDefinition(
    String name,
    int maxConcurrentRuns,
    String outputDir,
    Map<String, Object> defaults,
    Map<String, List<Object>> grid,
    String source,
    GridRules rules) {

  /** Every parameter key with its type and allowed values, in canonical order. */
  private static final Map<String, Param> BUILDING = new LinkedHashMap<>();

  static {
    add(Param.choice("data", "sphere", "sphere", "gaussian", "cube", "mixture", "csv", "idx"));
    add(Param.choice("labels", "random", "random", "teacher", "cluster", "noisy"));
    add(Param.integer("n", 100, 1, 10_000_000));
    add(Param.integer("d", 20, 0, 1_000_000));
    add(Param.integer("k", 10, 1, 1_000_000));
    add(Param.integer("depth", 2, 2, 20));
    add(Param.choice("activation", "relu", "relu", "leaky-relu", "tanh", "softplus"));
    add(Param.bool("bias", true));
    add(Param.choice("optimizer", "adam", "adam", "sgd", "gd"));
    add(Param.real("learning-rate", 0.01, 0.0, 10.0));
    add(Param.integer("max-epochs", 5000, 1, 100_000_000));
    add(Param.real("tol", 0.05, 0.0, 1.0));
    add(Param.integer("seed", 1, 0, Integer.MAX_VALUE));
    add(Param.integer("estimator-budget", 20_000, 1, 1_000_000_000));
    add(Param.widths("hidden-widths"));
    add(Param.integer("output-dim", 1, 1, 10_000));
    add(Param.realClosed("leaky-slope", 0.01, 0.0, 1.0));
    add(Param.choice("loss", "squared", "squared", "hinge", "logistic"));
    add(Param.choice("fit", "exact", "exact", "margin", "mse"));
    add(Param.real("margin", 1.0, 0.0, 1e6));
    add(Param.real("mse-epsilon", 0.5, 0.0, 1.0));
    add(Param.realClosed("momentum", 0.9, 0.0, 0.999999));
    add(Param.integer("batch-size", 0, 0, 100_000_000));
    add(Param.choice("lr-schedule", "constant", "constant", "step", "cosine"));
    add(Param.real("lr-decay-factor", 0.5, 0.0, 1.0));
    add(Param.integer("lr-decay-every", 1000, 1, 100_000_000));
    add(
        Param.choice(
            "weight-bound", "none", "none", "per-neuron", "frobenius", "spectral", "path"));
    add(Param.real("bound-alpha", 1.0, 0.0, 1e12));
    add(Param.real("bound-beta", 1.0, 0.0, 1e12));
    add(Param.real("bound-value", 1.0, 0.0, 1e12));
    add(Param.realClosed("label-noise", 0.0, 0.0, DataSpec.MAX_LABEL_NOISE));
    add(Param.integer("teacher-width", 10, 2, 1_000_000));
    add(Param.integer("components", 2, 1, 1_000_000));
    add(Param.realClosed("separation", 2.0, 0.0, 1e6));
    add(Param.text("file", ""));
    add(Param.text("label-file", ""));
    add(Param.classes("positive-classes"));
    add(Param.classes("negative-classes"));
    add(Param.bool("center", true));
    add(Param.bool("normalize", true));
    add(Param.choice("precision", "double", "double", "float"));
    add(Param.integer("restarts", 1, 1, 64));
    add(Param.choice("objective", "fit", "fit", "min-lipschitz"));
    add(Param.choice("estimator", "full", "full", "lower"));
  }

  private static void add(Param p) {
    BUILDING.put(p.key(), p);
  }

  /** Read-only once the class is initialised: no JVM-global mutable state. */
  static final Map<String, Param> PARAMS = java.util.Collections.unmodifiableMap(BUILDING);

  /** Reads a farm file. Throws {@link ConfigException} naming the key for every problem. */
  public static FarmDefinition load(File file) {
    if (!file.isFile()) {
      throw new ConfigException("FILE", "no such farm file: " + file);
    }
    Config config;
    try {
      config =
          // Absolute, so an include is found beside the file even when it is named without a
          // directory (a bare "x.conf" has no parent to resolve includes against).
          ConfigFactory.parseFile(
                  file.getAbsoluteFile(),
                  ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false))
              .resolve();
    } catch (Parse e) {
      throw new ConfigException("FILE", "not valid HOCON: " + e.getMessage());
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException("FILE", e.getMessage());
    }
    return fromConfig(config);
  }

  /**
   * Parses HOCON or JSON text as data: no includes, no substitutions, bounded nesting (see {@link
   * FarmText}).
   */
  public static FarmDefinition parse(String text) {
    try {
      return FarmText.parse(text, FarmText.DEFAULT_MAX_DEPTH).definition();
    } catch (FarmText.Refused e) {
      throw new ConfigException(
          e.key(), (e.line() > 0 ? "line " + e.line() + ": " : "") + e.detail());
    }
  }

  /** Validates the {@code farm} block of a parsed config. */
  public static FarmDefinition fromConfig(Config root) {
    return FarmReader.read(root);
  }

  /**
   * How many configurations the grid can give, from the list sizes alone and without expanding: the
   * product of the grid lists' sizes times the zip group's length (saturating at {@link
   * Long#MAX_VALUE}). An upper bound: {@code where} may drop configurations, and equal ids are run
   * once.
   */
  public long configurationCountBound() {
    long count = rules.zipLength();
    for (List<Object> values : grid.values()) {
      count =
          values.size() != 0 && count > Long.MAX_VALUE / values.size()
              ? Long.MAX_VALUE
              : count * values.size();
    }
    return count;
  }

  /**
   * The Cartesian product of the grid (and the zip group) over the defaults, completed by {@code
   * derive} and filtered by {@code where} (see {@link GridRules}), without duplicate ids, in a
   * stable order.
   */
  public List<RunConfig> expand() {
    List<RunConfig> runs = configurations();
    runs.forEach(this::checkConsistent);
    return runs;
  }

  /** {@link #expand()} without the cross-key and data checks (tests pin ids with it). */
  List<RunConfig> configurations() {
    return GridExpansion.configurations(this);
  }

  /** Checks that hold between keys; the message names the key that would have to change. */
  private void checkConsistent(RunConfig rc) {
    GridExpansion.checkConsistent(rc, grid.isEmpty());
  }

  static String typeName(ConfigValue v) {
    return v.valueType().name().toLowerCase()
        + " "
        + FarmText.excerpt(v.render(ConfigRenderOptions.concise()));
  }

  /** One parameter: its key, type, default and allowed values. */
  record Param(
      String key, String type, Object defaultValue, double min, double max, List<String> choices) {

    static Param integer(String key, int def, long min, long max) {
      return new Param(key, "integer", def, min, max, List.of());
    }

    static Param real(String key, double def, double minExclusive, double max) {
      return new Param(key, "number", def, minExclusive, max, List.of());
    }

    static Param realClosed(String key, double def, double min, double max) {
      return new Param(key, "closed", def, min, max, List.of());
    }

    static Param text(String key, String def) {
      return new Param(key, "text", def, 0, 0, List.of());
    }

    static Param classes(String key) {
      return new Param(key, "classes", "", 0, 0, List.of());
    }

    static Param widths(String key) {
      return new Param(key, "widths", "", 0, 0, List.of());
    }

    static Param bool(String key, boolean def) {
      return new Param(key, "boolean", def, 0, 0, List.of());
    }

    static Param choice(String key, String def, String... allowed) {
      return new Param(key, "string", def, 0, 0, List.of(allowed));
    }

    String allowed() {
      return switch (type) {
        case "integer" -> "an integer in [" + (long) min + ", " + (long) max + "]";
        case "number" -> "a number in (" + min + ", " + max + "]";
        case "closed" -> "a number in [" + min + ", " + max + "]";
        case "text" -> "a string";
        case "classes" -> "a list of class names such as [0, 2] (or a string \"0,2\")";
        case "widths" ->
            "a comma-separated list of positive integers such as \"40,20\" (empty: k for every hidden layer)";
        case "boolean" -> "true or false";
        default -> "one of " + String.join(", ", choices);
      };
    }

    Object read(ConfigValue v, String fullKey) {
      Object raw = v.unwrapped();
      switch (type) {
        case "integer" -> {
          if (!(raw instanceof Number num) || num.doubleValue() != Math.rint(num.doubleValue())) {
            throw new ConfigException(fullKey, "must be " + allowed() + ", got " + typeName(v));
          }
          long x = num.longValue();
          if (x < min || x > max) {
            throw new ConfigException(fullKey, "must be " + allowed() + ", got " + x);
          }
          return (int) x;
        }
        case "number" -> {
          if (!(raw instanceof Number num)) {
            throw new ConfigException(fullKey, "must be " + allowed() + ", got " + typeName(v));
          }
          double x = num.doubleValue();
          if (!(x > min && x <= max)) {
            throw new ConfigException(fullKey, "must be " + allowed() + ", got " + x);
          }
          return x;
        }
        case "closed" -> {
          if (!(raw instanceof Number num)
              || !(num.doubleValue() >= min && num.doubleValue() <= max)) {
            throw new ConfigException(fullKey, "must be " + allowed() + ", got " + typeName(v));
          }
          return num.doubleValue();
        }
        case "text" -> {
          if (!(raw instanceof String s)) {
            throw new ConfigException(fullKey, "must be " + allowed() + ", got " + typeName(v));
          }
          return s;
        }
        case "classes" -> {
          List<String> names = new ArrayList<>();
          if (raw instanceof List<?> list) {
            for (Object o : list) {
              if (!(o instanceof String || o instanceof Number)) {
                throw new ConfigException(fullKey, "must be " + allowed() + ", got " + typeName(v));
              }
              names.add(
                  o instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())
                      ? Long.toString(num.longValue())
                      : o.toString());
            }
          } else if (raw instanceof String s) {
            for (String part : s.split(",")) {
              if (!part.isBlank()) {
                names.add(part.trim());
              }
            }
          } else if (raw instanceof Number num) {
            names.add(
                num.doubleValue() == Math.rint(num.doubleValue())
                    ? Long.toString(num.longValue())
                    : num.toString());
          } else {
            throw new ConfigException(fullKey, "must be " + allowed() + ", got " + typeName(v));
          }
          for (String name : names) {
            if (name.contains(",")) {
              throw new ConfigException(
                  fullKey, "class names may not contain ',', got '" + FarmText.excerpt(name) + "'");
            }
          }
          return String.join(",", names);
        }
        case "widths" -> {
          if (!(raw instanceof String s)
              || !s.matches("\\s*|\\s*[1-9][0-9]{0,6}\\s*(,\\s*[1-9][0-9]{0,6}\\s*)*")) {
            throw new ConfigException(fullKey, "must be " + allowed() + ", got " + typeName(v));
          }
          return s.replace(" ", "");
        }
        case "boolean" -> {
          if (!(raw instanceof Boolean b)) {
            throw new ConfigException(fullKey, "must be " + allowed() + ", got " + typeName(v));
          }
          return b;
        }
        default -> {
          if (!(raw instanceof String s) || !choices.contains(s)) {
            throw new ConfigException(fullKey, "must be " + allowed() + ", got " + typeName(v));
          }
          return s;
        }
      }
    }
  }
}
