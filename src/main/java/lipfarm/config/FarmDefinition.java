package lipfarm.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.Parse;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A validated farm definition: the {@code farm} block of a HOCON file. Parsing checks every key
 * and value before anything runs, so a bad file never starts a run or writes a file.
 *
 * @param name farm name, used as the results directory {@code runs/<name>/...}
 * @param maxConcurrentRuns how many configurations train at once
 * @param outputDir root of the results directories
 * @param defaults the resolved scalar parameters
 * @param grid list-valued keys whose Cartesian product over {@code defaults} is the farm
 * @param source the farm block rendered as HOCON, written beside the results
 */
public record FarmDefinition(
    String name,
    int maxConcurrentRuns,
    String outputDir,
    Map<String, Object> defaults,
    Map<String, List<Object>> grid,
    String source) {

  /** Every parameter key with its type and allowed values, in canonical order. */
  static final Map<String, Param> PARAMS = new LinkedHashMap<>();

  static {
    add(Param.choice("data", "sphere", "sphere"));
    add(Param.choice("labels", "random", "random"));
    add(Param.integer("n", 100, 1, 10_000_000));
    add(Param.integer("d", 20, 1, 1_000_000));
    add(Param.integer("k", 10, 1, 1_000_000));
    add(Param.integer("depth", 2, 2, 2));
    add(Param.choice("activation", "relu", "relu"));
    add(Param.bool("bias", true));
    add(Param.choice("optimizer", "adam", "adam"));
    add(Param.real("learning-rate", 0.01, 0.0, 10.0));
    add(Param.integer("max-epochs", 5000, 1, 100_000_000));
    add(Param.real("tol", 0.05, 0.0, 1.0));
    add(Param.integer("seed", 1, 0, Integer.MAX_VALUE));
    add(Param.integer("estimator-budget", 20_000, 1, 1_000_000_000));
  }

  private static final Set<String> FARM_KEYS =
      Set.of("name", "max-concurrent-runs", "output-dir", "defaults", "grid");

  private static void add(Param p) {
    PARAMS.put(p.key(), p);
  }

  /** Reads a farm file. Throws {@link ConfigException} naming the key for every problem. */
  public static FarmDefinition load(File file) {
    if (!file.isFile()) {
      throw new ConfigException("FILE", "no such farm file: " + file);
    }
    Config config;
    try {
      config =
          ConfigFactory.parseFile(
                  file, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false))
              .resolve();
    } catch (Parse e) {
      throw new ConfigException("FILE", "not valid HOCON: " + e.getMessage());
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException("FILE", e.getMessage());
    }
    return fromConfig(config);
  }

  /** Parses HOCON or JSON text (for example a request body). */
  public static FarmDefinition parse(String text) {
    Config config;
    try {
      config = ConfigFactory.parseString(text).resolve();
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException("FILE", "not valid HOCON: " + e.getMessage());
    }
    return fromConfig(config);
  }

  /** Validates the {@code farm} block of a parsed config. */
  public static FarmDefinition fromConfig(Config root) {
    if (!root.hasPath("farm")) {
      throw new ConfigException("farm", "missing; a farm file needs a farm { ... } block");
    }
    ConfigValue farmValue = root.root().get("farm");
    if (farmValue.valueType() != ConfigValueType.OBJECT) {
      throw new ConfigException("farm", "must be an object, got " + typeName(farmValue));
    }
    ConfigObject farm = (ConfigObject) farmValue;
    for (String key : farm.keySet()) {
      if (!FARM_KEYS.contains(key)) {
        throw new ConfigException(
            "farm." + key, "unknown key; allowed keys: " + String.join(", ", new TreeSet<>(FARM_KEYS)));
      }
    }
    String name = farm.containsKey("name") ? string(farm.get("name"), "farm.name") : "default";
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new ConfigException(
          "farm.name", "'" + name + "' is not allowed; use 1-64 letters, digits, '.', '_' or '-'");
    }
    int cores = Runtime.getRuntime().availableProcessors();
    int maxConcurrent = cores;
    if (farm.containsKey("max-concurrent-runs")) {
      maxConcurrent =
          (int) Param.integer("max-concurrent-runs", 0, 0, 1024).read(farm.get("max-concurrent-runs"), "farm.max-concurrent-runs");
      if (maxConcurrent == 0) {
        maxConcurrent = cores;
      }
    }
    String outputDir =
        farm.containsKey("output-dir") ? string(farm.get("output-dir"), "farm.output-dir") : "runs";

    Map<String, Object> defaults = new LinkedHashMap<>();
    PARAMS.values().forEach(p -> defaults.put(p.key(), p.defaultValue()));
    if (farm.containsKey("defaults")) {
      ConfigObject obj = object(farm.get("defaults"), "farm.defaults");
      for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
        Param p = param("farm.defaults." + e.getKey(), e.getKey());
        defaults.put(p.key(), p.read(e.getValue(), "farm.defaults." + e.getKey()));
      }
    }

    Map<String, List<Object>> grid = new LinkedHashMap<>();
    if (farm.containsKey("grid")) {
      ConfigObject obj = object(farm.get("grid"), "farm.grid");
      // Canonical key order keeps the expansion order independent of the file's key order.
      for (Param p : PARAMS.values()) {
        ConfigValue v = obj.get(p.key());
        if (v == null) {
          continue;
        }
        String key = "farm.grid." + p.key();
        List<Object> values = new ArrayList<>();
        if (v.valueType() == ConfigValueType.LIST) {
          ConfigList list = (ConfigList) v;
          if (list.isEmpty()) {
            throw new ConfigException(key, "empty list: the grid would expand to no configurations; give at least one value");
          }
          for (int i = 0; i < list.size(); i++) {
            values.add(p.read(list.get(i), key + "[" + i + "]"));
          }
        } else {
          values.add(p.read(v, key));
        }
        grid.put(p.key(), List.copyOf(new LinkedHashSet<>(values)));
      }
      for (String key : obj.keySet()) {
        param("farm.grid." + key, key);
      }
    }
    String source = farm.render(ConfigRenderOptions.concise().setFormatted(true).setJson(false));
    return new FarmDefinition(name, maxConcurrent, outputDir, Map.copyOf(defaults), grid, source);
  }

  /** The Cartesian product of the grid over the defaults, without duplicate ids, in a stable order. */
  public List<RunConfig> expand() {
    List<Map<String, Object>> points = new ArrayList<>();
    points.add(new LinkedHashMap<>(defaults));
    for (Map.Entry<String, List<Object>> axis : grid.entrySet()) {
      List<Map<String, Object>> next = new ArrayList<>();
      for (Map<String, Object> point : points) {
        for (Object value : axis.getValue()) {
          Map<String, Object> p = new LinkedHashMap<>(point);
          p.put(axis.getKey(), value);
          next.add(p);
        }
      }
      points = next;
    }
    Map<String, RunConfig> byId = new LinkedHashMap<>();
    for (Map<String, Object> p : points) {
      RunConfig rc = toRunConfig(p);
      byId.putIfAbsent(rc.id(), rc);
    }
    return List.copyOf(byId.values());
  }

  private static RunConfig toRunConfig(Map<String, Object> p) {
    return new RunConfig(
        (String) p.get("data"),
        (String) p.get("labels"),
        ((Number) p.get("n")).intValue(),
        ((Number) p.get("d")).intValue(),
        ((Number) p.get("k")).intValue(),
        ((Number) p.get("depth")).intValue(),
        (String) p.get("activation"),
        (Boolean) p.get("bias"),
        (String) p.get("optimizer"),
        ((Number) p.get("learning-rate")).doubleValue(),
        ((Number) p.get("max-epochs")).intValue(),
        ((Number) p.get("tol")).doubleValue(),
        ((Number) p.get("seed")).intValue(),
        ((Number) p.get("estimator-budget")).intValue());
  }

  private static Param param(String fullKey, String key) {
    Param p = PARAMS.get(key);
    if (p == null) {
      throw new ConfigException(fullKey, "unknown key; allowed keys: " + String.join(", ", PARAMS.keySet()));
    }
    return p;
  }

  private static ConfigObject object(ConfigValue v, String key) {
    if (v.valueType() != ConfigValueType.OBJECT) {
      throw new ConfigException(key, "must be an object { ... }, got " + typeName(v));
    }
    return (ConfigObject) v;
  }

  private static String string(ConfigValue v, String key) {
    if (v.valueType() != ConfigValueType.STRING) {
      throw new ConfigException(key, "must be a string, got " + typeName(v));
    }
    return (String) v.unwrapped();
  }

  static String typeName(ConfigValue v) {
    return v.valueType().name().toLowerCase() + " " + v.render(ConfigRenderOptions.concise());
  }

  /** One parameter: its key, type, default and allowed values. */
  record Param(String key, String type, Object defaultValue, double min, double max, List<String> choices) {

    static Param integer(String key, int def, long min, long max) {
      return new Param(key, "integer", def, min, max, List.of());
    }

    static Param real(String key, double def, double minExclusive, double max) {
      return new Param(key, "number", def, minExclusive, max, List.of());
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
