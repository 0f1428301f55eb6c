package lipfarm.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import lipfarm.config.FarmDefinition.Param;

/**
 * Ranges as grid values: {@code n = { log-range = [100, 3200], points = 6 }} (geometric) and {@code
 * learning-rate = { range = [0.001, 0.01], points = 4 }} (evenly spaced), both with their end
 * points included. Integer keys are rounded half up and duplicates dropped; real values are rounded
 * to {@link #DIGITS} significant digits so that {@code 0.001 + 0.003} prints as {@code 0.004} and
 * gives the same configuration id as writing {@code 0.004} in a list.
 */
final class GridRanges {

  static final int MAX_POINTS = 10_000;
  static final int DIGITS = 12;

  private GridRanges() {}

  /** The values of a range object for {@code p}, each checked like a list value. */
  static List<Object> values(Param p, ConfigObject spec, String key) {
    boolean numeric =
        p.type().equals("integer") || p.type().equals("number") || p.type().equals("closed");
    if (!numeric) {
      throw new ConfigException(
          key, "a range needs a numeric key; " + p.key() + " takes " + p.allowed());
    }
    for (String k : spec.keySet()) {
      if (!k.equals("range") && !k.equals("log-range") && !k.equals("points")) {
        throw new ConfigException(
            key + "." + k, "unknown key in a range; allowed keys: range or log-range, points");
      }
    }
    boolean log = spec.containsKey("log-range");
    if (log == spec.containsKey("range")) {
      throw new ConfigException(
          key,
          "a range object needs exactly one of range = [from, to] or log-range = [from, to],"
              + " and points = N");
    }
    String rangeKey = key + (log ? ".log-range" : ".range");
    ConfigValue bounds = spec.get(log ? "log-range" : "range");
    if (bounds.valueType() != ConfigValueType.LIST
        || ((ConfigList) bounds).size() != 2
        || !((ConfigList) bounds).stream().allMatch(v -> v.valueType() == ConfigValueType.NUMBER)) {
      throw new ConfigException(
          rangeKey, "must be two numbers [from, to], got " + FarmDefinition.typeName(bounds));
    }
    double from = ((Number) ((ConfigList) bounds).get(0).unwrapped()).doubleValue();
    double to = ((Number) ((ConfigList) bounds).get(1).unwrapped()).doubleValue();
    if (log && !(from > 0 && to > 0)) {
      throw new ConfigException(
          rangeKey, "a log-range needs positive end points, got [" + from + ", " + to + "]");
    }
    if (!spec.containsKey("points")) {
      throw new ConfigException(key + ".points", "missing: how many values the range gives");
    }
    ConfigValue pv = spec.get("points");
    Object raw = pv.unwrapped();
    if (!(raw instanceof Number num)
        || num.doubleValue() != Math.rint(num.doubleValue())
        || num.doubleValue() < 1
        || num.doubleValue() > MAX_POINTS) {
      throw new ConfigException(
          key + ".points",
          "must be an integer in [1, " + MAX_POINTS + "], got " + FarmDefinition.typeName(pv));
    }
    int points = num.intValue();
    if (points == 1 && from != to) {
      throw new ConfigException(
          key + ".points", "1 point needs from = to; give at least 2 points for a range");
    }
    LinkedHashSet<Object> out = new LinkedHashSet<>();
    for (int i = 0; i < points; i++) {
      double t = points == 1 ? 0 : (double) i / (points - 1);
      double x =
          i == points - 1
              ? to
              : i == 0 ? from : log ? from * Math.pow(to / from, t) : from + (to - from) * t;
      Object value =
          p.type().equals("integer")
              ? (Object) (long) Expr.roundHalfUp(x)
              : (Object) new BigDecimal(x).round(new MathContext(DIGITS)).doubleValue();
      out.add(p.read(ConfigValueFactory.fromAnyRef(value), key + " (value " + (i + 1) + ")"));
    }
    return List.copyOf(out);
  }

  /** A list (or range) of values for a {@code zip} key: kept in order, duplicates included. */
  static List<Object> zipValues(Param p, ConfigValue v, String key) {
    if (v.valueType() == ConfigValueType.OBJECT) {
      return values(p, (ConfigObject) v, key);
    }
    if (v.valueType() != ConfigValueType.LIST
        || p.type().equals("classes")
            && !((ConfigList) v).stream().allMatch(e -> e.valueType() == ConfigValueType.LIST)) {
      throw new ConfigException(
          key, "must be a list of values (or a range object), got " + FarmDefinition.typeName(v));
    }
    ConfigList list = (ConfigList) v;
    if (list.isEmpty()) {
      throw new ConfigException(key, "empty list: give at least one value");
    }
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      values.add(p.read(list.get(i), key + "[" + i + "]"));
    }
    return List.copyOf(values);
  }
}
