package lipfarm.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import lipfarm.config.FarmDefinition.Param;

/**
 * Reads and validates the {@code farm} block of a parsed config into a {@link FarmDefinition}: the
 * farm-level keys, {@code defaults} and {@code grid}, each checked against {@link
 * FarmDefinition#PARAMS}. Kept apart from {@link FarmDefinition} so that the record reads as what a
 * farm is (and how it expands) while this class holds the key-by-key checking of the file.
 */
final class FarmReader {

  private static final Set<String> FARM_KEYS = farmKeys();

  private FarmReader() {}

  private static Set<String> farmKeys() {
    Set<String> keys =
        new java.util.HashSet<>(
            Set.of("name", "max-concurrent-runs", "output-dir", "defaults", "grid"));
    keys.addAll(Durability.KEYS); // journal, checkpoints and retries: see Durability
    keys.addAll(GridRules.KEYS); // zip, derive, where: see GridRules
    return Set.copyOf(keys);
  }

  /**
   * Validates the {@code farm} block of a parsed config (see {@link FarmDefinition#fromConfig}).
   */
  static FarmDefinition read(Config root) {
    if (!root.hasPath("farm")) {
      throw new ConfigException("farm", "missing; a farm file needs a farm { ... } block");
    }
    ConfigValue farmValue = root.root().get("farm");
    if (farmValue.valueType() != ConfigValueType.OBJECT) {
      throw new ConfigException(
          "farm", "must be an object, got " + FarmDefinition.typeName(farmValue));
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
    FarmDefinition.PARAMS.values().forEach(p -> defaults.put(p.key(), p.defaultValue()));
    if (farm.containsKey("defaults")) {
      ConfigObject obj = GridRules.object(farm.get("defaults"), "farm.defaults");
      for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
        Param p = param("farm.defaults." + e.getKey(), e.getKey());
        defaults.put(p.key(), p.read(e.getValue(), "farm.defaults." + e.getKey()));
      }
    }

    Map<String, List<Object>> grid = new LinkedHashMap<>();
    if (farm.containsKey("grid")) {
      grid = grid(GridRules.object(farm.get("grid"), "farm.grid"));
    }
    GridRules rules =
        GridRules.read(
            farm,
            FarmDefinition.PARAMS,
            grid.keySet(),
            farm.containsKey("defaults")
                ? ((ConfigObject) farm.get("defaults")).keySet()
                : Set.of());
    String source = farm.render(ConfigRenderOptions.concise().setFormatted(true).setJson(false));
    return new FarmDefinition(
        name, maxConcurrent, outputDir, Map.copyOf(defaults), grid, source, rules);
  }

  /** The {@code grid} block: each key's values, without duplicates, in canonical key order. */
  private static Map<String, List<Object>> grid(ConfigObject obj) {
    Map<String, List<Object>> grid = new LinkedHashMap<>();
    // Canonical key order keeps the expansion order independent of the file's key order.
    for (Param p : FarmDefinition.PARAMS.values()) {
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
    return grid;
  }

  /** A grid value for a list-valued key is a list of lists; a flat list is one value. */
  private static boolean isListOfLists(ConfigList list) {
    return !list.isEmpty() && list.stream().allMatch(e -> e.valueType() == ConfigValueType.LIST);
  }

  private static Param param(String fullKey, String key) {
    Param p = FarmDefinition.PARAMS.get(key);
    if (p == null) {
      throw new ConfigException(
          fullKey,
          "unknown key; allowed keys: " + String.join(", ", FarmDefinition.PARAMS.keySet()));
    }
    return p;
  }

  private static String string(ConfigValue v, String key) {
    if (v.valueType() != ConfigValueType.STRING) {
      throw new ConfigException(key, "must be a string, got " + FarmDefinition.typeName(v));
    }
    return (String) v.unwrapped();
  }
}
