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
import lipfarm.data.DataException;
import lipfarm.data.DataSpec;

/**
 * A validated farm definition: the {@code farm} block of a HOCON file. Parsing checks every key and
 * value before anything runs, so a bad file never starts a run or writes a file.
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

  private static final Set<String> FARM_KEYS = farmKeys();

  private static Set<String> farmKeys() {
    Set<String> keys =
        new java.util.HashSet<>(
            Set.of("name", "max-concurrent-runs", "output-dir", "defaults", "grid"));
    keys.addAll(Durability.KEYS); // journal, checkpoints and retries: see Durability
    keys.addAll(GridRules.KEYS); // zip, derive, where: see GridRules
    return Set.copyOf(keys);
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
            "farm." + key,
            "unknown key; allowed keys: " + String.join(", ", new TreeSet<>(FARM_KEYS)));
      }
    }
    String name = farm.containsKey("name") ? string(farm.get("name"), "farm.name") : "default";
    // Dots alone ("." or "..") would name a directory outside runs/<name>.
    if (!name.matches("[A-Za-z0-9._-]{1,64}") || name.matches("\\.+")) {
      throw new ConfigException(
          "farm.name",
          "'"
              + FarmText.excerpt(name)
              + "' is not allowed; use 1-64 letters, digits, '.', '_' or '-', not only dots");
    }
    int cores = Runtime.getRuntime().availableProcessors();
    int maxConcurrent = cores;
    if (farm.containsKey("max-concurrent-runs")) {
      maxConcurrent =
          (int)
              Param.integer("max-concurrent-runs", 0, 0, 1024)
                  .read(farm.get("max-concurrent-runs"), "farm.max-concurrent-runs");
      if (maxConcurrent == 0) {
        maxConcurrent = cores;
      }
    }
    String outputDir =
        farm.containsKey("output-dir") ? string(farm.get("output-dir"), "farm.output-dir") : "runs";
    Durability.fromFarm(farm); // validated here so a bad value stops the farm before anything runs

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
        if (v.valueType() == ConfigValueType.OBJECT) {
          values.addAll(GridRanges.values(p, (ConfigObject) v, key)); // see GridRanges
        } else if (v.valueType() == ConfigValueType.LIST
            && !(p.type().equals("classes") && !isListOfLists((ConfigList) v))) {
          ConfigList list = (ConfigList) v;
          if (list.isEmpty()) {
            throw new ConfigException(
                key,
                "empty list: the grid would expand to no configurations; give at least one value");
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
    GridRules rules =
        GridRules.read(
            farm,
            PARAMS,
            grid.keySet(),
            farm.containsKey("defaults")
                ? ((ConfigObject) farm.get("defaults")).keySet()
                : Set.of());
    String source = farm.render(ConfigRenderOptions.concise().setFormatted(true).setJson(false));
    return new FarmDefinition(
        name, maxConcurrent, outputDir, Map.copyOf(defaults), grid, source, rules);
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
    List<Map<String, Object>> points = new ArrayList<>();
    points.add(new LinkedHashMap<>(defaults));
    if (!rules.zip().isEmpty()) { // the zip group is the outermost axis
      List<Map<String, Object>> zipped = new ArrayList<>();
      for (int i = 0; i < rules.zipLength(); i++) {
        Map<String, Object> p = new LinkedHashMap<>(defaults);
        p.putAll(rules.zipPoint(i));
        zipped.add(p);
      }
      points = zipped;
    }
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
      if (!rules.isEmpty() && !rules.complete(p, PARAMS)) {
        continue; // a where constraint does not hold
      }
      RunConfig rc = toRunConfig(p);
      byId.putIfAbsent(rc.id(), rc);
    }
    if (byId.isEmpty()) {
      throw new ConfigException(
          "farm.where",
          "no configuration satisfies every constraint ("
              + String.join("; ", rules.where().stream().map(GridRules.Formula::source).toList())
              + ")");
    }
    return List.copyOf(byId.values());
  }

  /** Checks that hold between keys; the message names the key that would have to change. */
  private void checkConsistent(RunConfig rc) {
    String where = grid.isEmpty() ? "farm.defaults." : "farm (defaults and grid).";
    if (rc.restarts() > 1
        && !(rc.depth() == 2
            && "relu".equals(rc.activation())
            && rc.bias()
            && "squared".equals(rc.loss())
            && "exact".equals(rc.fit())
            && "adam".equals(rc.optimizer())
            && rc.batchSize() == 0
            && rc.outputDim() == 1
            && "none".equals(rc.weightBound()))) {
      throw new ConfigException(
          where + "restarts",
          rc.restarts()
              + " batched restarts need depth = 2, activation = relu, bias = true, loss = squared, fit = exact,"
              + " optimizer = adam, batch-size = 0, output-dim = 1 and weight-bound = none; allowed otherwise: restarts = 1");
    }
    if (rc.minimisesLipschitz() && rc.restarts() > 1) {
      throw new ConfigException(
          where + "objective",
          "min-lipschitz needs restarts = 1 (got restarts = "
              + rc.restarts()
              + "); allowed with restarts > 1: fit");
    }
    try {
      rc.dataSpec().validate();
    } catch (DataException e) {
      String msg = e.getMessage();
      int colon = msg.indexOf(':');
      String key = colon > 0 ? msg.substring(0, colon) : "data";
      throw new ConfigException(where + key, colon > 0 ? msg.substring(colon + 1).trim() : msg);
    }
    if (!rc.hiddenWidths().isEmpty() && rc.hiddenLayerWidths().size() != rc.depth() - 1) {
      throw new ConfigException(
          where + "hidden-widths",
          "'"
              + FarmText.excerpt(rc.hiddenWidths())
              + "' gives "
              + rc.hiddenLayerWidths().size()
              + " hidden layers but depth = "
              + rc.depth()
              + " needs "
              + (rc.depth() - 1)
              + "; give depth − 1 widths or leave it empty");
    }
    if ("path".equals(rc.weightBound()) && rc.depth() != 2) {
      throw new ConfigException(
          where + "weight-bound",
          "path is defined for depth = 2 only (got depth = "
              + rc.depth()
              + "); allowed for deeper nets: none, per-neuron, frobenius, spectral");
    }
    if (!"squared".equals(rc.loss()) && rc.outputDim() != 1) {
      throw new ConfigException(
          where + "loss",
          rc.loss() + " needs output-dim = 1; allowed with output-dim > 1: squared");
    }
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
        ((Number) p.get("estimator-budget")).intValue(),
        (String) p.get("hidden-widths"),
        ((Number) p.get("output-dim")).intValue(),
        ((Number) p.get("leaky-slope")).doubleValue(),
        (String) p.get("loss"),
        (String) p.get("fit"),
        ((Number) p.get("margin")).doubleValue(),
        ((Number) p.get("mse-epsilon")).doubleValue(),
        ((Number) p.get("momentum")).doubleValue(),
        ((Number) p.get("batch-size")).intValue(),
        (String) p.get("lr-schedule"),
        ((Number) p.get("lr-decay-factor")).doubleValue(),
        ((Number) p.get("lr-decay-every")).intValue(),
        (String) p.get("weight-bound"),
        ((Number) p.get("bound-alpha")).doubleValue(),
        ((Number) p.get("bound-beta")).doubleValue(),
        ((Number) p.get("bound-value")).doubleValue(),
        ((Number) p.get("label-noise")).doubleValue(),
        ((Number) p.get("teacher-width")).intValue(),
        ((Number) p.get("components")).intValue(),
        ((Number) p.get("separation")).doubleValue(),
        (String) p.get("file"),
        (String) p.get("label-file"),
        (String) p.get("positive-classes"),
        (String) p.get("negative-classes"),
        (Boolean) p.get("center"),
        (Boolean) p.get("normalize"),
        (String) p.get("precision"),
        ((Number) p.get("restarts")).intValue(),
        (String) p.get("objective"),
        (String) p.get("estimator"));
  }

  /** A grid value for a list-valued key is a list of lists; a flat list is one value. */
  private static boolean isListOfLists(ConfigList list) {
    return !list.isEmpty() && list.stream().allMatch(e -> e.valueType() == ConfigValueType.LIST);
  }

  private static Param param(String fullKey, String key) {
    Param p = PARAMS.get(key);
    if (p == null) {
      throw new ConfigException(
          fullKey, "unknown key; allowed keys: " + String.join(", ", PARAMS.keySet()));
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
