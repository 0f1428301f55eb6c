package lipfarm.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import lipfarm.config.Expr.Type;
import lipfarm.config.ExprParser.ExprException;
import lipfarm.config.FarmDefinition.Param;

/**
 * The grid language beyond the Cartesian product (farm-block keys {@code zip}, {@code derive} and
 * {@code where}); ranges inside {@code grid} are {@link GridRanges}. A farm that uses none of these
 * keys has {@link #NONE} and expands exactly as before, so its configuration ids do not change.
 *
 * <p>Each configuration of the product of {@code grid} and the {@code zip} group is completed by
 * the {@code derive} formulas (which read grid, zip and default parameters, not other derived
 * ones), then kept only if every {@code where} constraint holds.
 *
 * @param zip keys that vary together: equal-length lists, the i-th values form one grid point
 * @param derive derived parameters, in canonical key order
 * @param where constraints, in file order
 */
public record GridRules(
    Map<String, List<Object>> zip, Map<String, Formula> derive, List<Formula> where) {

  /** No zip, derive or where: the plain Cartesian product. */
  public static final GridRules NONE = new GridRules(Map.of(), Map.of(), List.of());

  /** The most {@code where} constraints a farm may have. */
  static final int MAX_CONSTRAINTS = 64;

  /** The farm-block keys read here. */
  static final Set<String> KEYS = Set.of("zip", "derive", "where");

  /**
   * One parsed expression with where it came from, for error messages.
   *
   * @param key the full key, for example {@code farm.derive.k} or {@code farm.where[0]}
   * @param source the expression as written
   */
  public record Formula(String key, String source, Expr expr) {}

  public boolean isEmpty() {
    return zip.isEmpty() && derive.isEmpty() && where.isEmpty();
  }

  /** Length of the zip group (1 without one): the number of grid points it contributes. */
  public int zipLength() {
    return zip.isEmpty() ? 1 : zip.values().iterator().next().size();
  }

  /** The i-th point of the zip group. */
  Map<String, Object> zipPoint(int i) {
    Map<String, Object> p = new LinkedHashMap<>();
    zip.forEach((key, values) -> p.put(key, values.get(i)));
    return p;
  }

  /**
   * Reads {@code zip}, {@code derive} and {@code where} of a farm block.
   *
   * @param params every parameter, in canonical order
   * @param gridKeys keys of {@code grid}
   * @param defaultKeys keys written in {@code defaults}
   */
  static GridRules read(
      ConfigObject farm, Map<String, Param> params, Set<String> gridKeys, Set<String> defaultKeys) {
    Map<String, List<Object>> zip = new LinkedHashMap<>();
    if (farm.containsKey("zip")) {
      ConfigObject obj = object(farm.get("zip"), "farm.zip");
      if (obj.isEmpty()) {
        throw new ConfigException("farm.zip", "empty: give at least one key with a list");
      }
      for (String key : obj.keySet()) {
        param(params, "farm.zip." + key, key);
      }
      String first = null;
      for (Param p : params.values()) { // canonical order, as in grid
        if (!obj.containsKey(p.key())) {
          continue;
        }
        String full = "farm.zip." + p.key();
        if (gridKeys.contains(p.key())) {
          throw new ConfigException(
              full, "also in grid; a key either varies on its own (grid) or with others (zip)");
        }
        List<Object> values = GridRanges.zipValues(p, obj.get(p.key()), full);
        if (first != null && values.size() != zip.get(first).size()) {
          throw new ConfigException(
              full,
              "has "
                  + values.size()
                  + " values but zip."
                  + first
                  + " has "
                  + zip.get(first).size()
                  + "; zipped keys vary together and need lists of equal length");
        }
        first = first == null ? p.key() : first;
        zip.put(p.key(), values);
      }
    }

    Map<String, Type> types = new LinkedHashMap<>();
    params.values().forEach(p -> types.put(p.key(), typeOf(p)));
    Map<String, Formula> derive = new LinkedHashMap<>();
    if (farm.containsKey("derive")) {
      ConfigObject obj = object(farm.get("derive"), "farm.derive");
      for (String key : obj.keySet()) {
        param(params, "farm.derive." + key, key);
      }
      Set<String> derived = obj.keySet();
      Map<String, Type> readable = new LinkedHashMap<>(types);
      readable.keySet().removeAll(derived);
      for (Param p : params.values()) {
        if (!derived.contains(p.key())) {
          continue;
        }
        String full = "farm.derive." + p.key();
        if (typeOf(p) != Type.NUMBER) {
          throw new ConfigException(
              full, "only numeric parameters can be derived; " + p.key() + " takes " + p.allowed());
        }
        for (String place : List.of("grid", "zip", "defaults")) {
          boolean there =
              place.equals("grid")
                  ? gridKeys.contains(p.key())
                  : place.equals("zip") ? zip.containsKey(p.key()) : defaultKeys.contains(p.key());
          if (there) {
            throw new ConfigException(
                full, "also set in " + place + "; a parameter is either derived or given");
          }
        }
        String source = string(obj.get(p.key()), full);
        Expr e =
            parse(
                full,
                source,
                readable,
                name ->
                    derived.contains(name)
                        ? "'"
                            + name
                            + "' is derived too; a formula may use grid, zip and default"
                            + " parameters only"
                        : unknownName(name, types));
        if (e.type() != Type.NUMBER) {
          throw new ConfigException(
              full, "'" + source + "' is " + e.type().article() + "; a derived value is a number");
        }
        derive.put(p.key(), new Formula(full, source, e));
      }
    }

    List<Formula> where = new ArrayList<>();
    if (farm.containsKey("where")) {
      ConfigValue v = farm.get("where");
      List<ConfigValue> items =
          v.valueType() == ConfigValueType.LIST ? List.copyOf((ConfigList) v) : List.of(v);
      if (items.isEmpty()) {
        throw new ConfigException("farm.where", "empty list: give constraints or leave it out");
      }
      if (items.size() > MAX_CONSTRAINTS) {
        throw new ConfigException(
            "farm.where",
            items.size() + " constraints; at most " + MAX_CONSTRAINTS + " (combine with 'and')");
      }
      for (int i = 0; i < items.size(); i++) {
        String full = "farm.where[" + i + "]";
        String source = string(items.get(i), full);
        Expr e = parse(full, source, types, name -> unknownName(name, types));
        if (e.type() != Type.BOOLEAN) {
          throw new ConfigException(
              full, "'" + source + "' is " + e.type().article() + "; a constraint is a comparison");
        }
        where.add(new Formula(full, source, e));
      }
    }
    if (zip.isEmpty() && derive.isEmpty() && where.isEmpty()) {
      return NONE;
    }
    return new GridRules(
        java.util.Collections.unmodifiableMap(zip),
        java.util.Collections.unmodifiableMap(derive),
        List.copyOf(where));
  }

  /**
   * Completes one grid point with the derived parameters and checks the constraints.
   *
   * @return false if a constraint does not hold (the point is dropped)
   * @throws ConfigException if a derived value is not finite or out of its key's range
   */
  boolean complete(Map<String, Object> point, Map<String, Param> params) {
    if (!derive.isEmpty()) {
      Map<String, Object> values = new LinkedHashMap<>();
      for (Map.Entry<String, Formula> d : derive.entrySet()) {
        Formula f = d.getValue();
        Param p = params.get(d.getKey());
        double x = (Double) f.expr().eval(point);
        String at = "'" + f.source() + "' gives " + x + " at " + variables(f.expr(), point);
        if (!Double.isFinite(x)) {
          throw new ConfigException(f.key(), at + "; a derived value must be finite");
        }
        Object v = p.type().equals("integer") ? (Object) (long) Expr.roundHalfUp(x) : (Object) x;
        try {
          values.put(p.key(), p.read(ConfigValueFactory.fromAnyRef(v), f.key()));
        } catch (ConfigException e) {
          throw new ConfigException(
              f.key(),
              at
                  + (p.type().equals("integer") ? " (rounded half up: " + v + ")" : "")
                  + "; "
                  + p.key()
                  + " must be "
                  + p.allowed());
        }
      }
      point.putAll(values); // after every formula: formulas read given values only
    }
    for (Formula f : where) {
      if (!(Boolean) f.expr().eval(point)) {
        return false;
      }
    }
    return true;
  }

  // ---- helpers --------------------------------------------------------------------------------

  static Type typeOf(Param p) {
    return switch (p.type()) {
      case "integer", "number", "closed" -> Type.NUMBER;
      case "boolean" -> Type.BOOLEAN;
      default -> Type.STRING;
    };
  }

  private static Expr parse(
      String key,
      String source,
      Map<String, Type> types,
      java.util.function.Function<String, String> whyNot) {
    try {
      return ExprParser.parse(source, types, whyNot);
    } catch (ExprException e) {
      throw new ConfigException(
          key, "'" + source + "' at position " + e.position + ": " + e.getMessage());
    }
  }

  private static String unknownName(String name, Map<String, Type> types) {
    StringBuilder sb = new StringBuilder("unknown parameter '" + name + "'");
    int dash = name.indexOf('-');
    if (dash > 0 && types.containsKey(name.substring(0, dash))) {
      sb.append(" (for a subtraction put spaces around '-')");
    }
    sb.append("; parameters: ")
        .append(String.join(", ", types.keySet()))
        .append("; functions: ")
        .append(String.join(", ", new TreeSet<>(Expr.Call.FUNCTIONS.keySet())));
    return sb.toString();
  }

  /** The parameters an expression reads and their values, for example {@code n=5, d=20}. */
  private static String variables(Expr e, Map<String, Object> point) {
    Set<String> names = new java.util.LinkedHashSet<>();
    collect(e, names);
    StringJoiner sj = new StringJoiner(", ");
    names.forEach(n -> sj.add(n + "=" + point.get(n)));
    return names.isEmpty() ? "every configuration" : sj.toString();
  }

  private static void collect(Expr e, Set<String> names) {
    if (e instanceof Expr.Var v) {
      names.add(v.key());
    } else if (e instanceof Expr.Unary u) {
      collect(u.operand(), names);
    } else if (e instanceof Expr.Binary b) {
      collect(b.left(), names);
      collect(b.right(), names);
    } else if (e instanceof Expr.Call c) {
      c.args().forEach(a -> collect(a, names));
    }
  }

  private static Param param(Map<String, Param> params, String fullKey, String key) {
    Param p = params.get(key);
    if (p == null) {
      throw new ConfigException(
          fullKey, "unknown key; allowed keys: " + String.join(", ", params.keySet()));
    }
    return p;
  }

  static ConfigObject object(ConfigValue v, String key) {
    if (v.valueType() != ConfigValueType.OBJECT) {
      throw new ConfigException(
          key, "must be an object { ... }, got " + FarmDefinition.typeName(v));
    }
    return (ConfigObject) v;
  }

  private static String string(ConfigValue v, String key) {
    if (v.valueType() != ConfigValueType.STRING) {
      throw new ConfigException(
          key,
          "must be an expression in quotes such as \"n / 10\", got " + FarmDefinition.typeName(v));
    }
    return (String) v.unwrapped();
  }
}
