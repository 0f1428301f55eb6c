package lipfarm.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sizes and checks a farm's grid without expanding it: the count comes from the list sizes, and the
 * check visits every point with one reused map, so memory stays constant however large the grid.
 * {@link FarmDefinition#expand} is then done once, by whoever runs the farm.
 */
public final class GridCheck {
  private GridCheck() {}

  /**
   * How many configurations the grid spans: the product of its list sizes (values are already
   * de-duplicated), saturating at {@link Long#MAX_VALUE}. {@link FarmDefinition#expand} may give
   * fewer when two points have the same id.
   */
  public static long count(FarmDefinition def) {
    long product = 1;
    for (List<Object> values : def.grid().values()) {
      int size = values.size();
      if (size == 0) {
        return 0;
      }
      if (product > Long.MAX_VALUE / size) {
        return Long.MAX_VALUE;
      }
      product *= size;
    }
    return product;
  }

  /**
   * Runs the checks between keys on every point of the grid, in the order {@link
   * FarmDefinition#expand} uses, keeping none of them. Call after {@link #count} is known to be
   * small enough: the time is linear in the count.
   *
   * @throws ConfigException for the first point that cannot run, naming the key to change
   */
  public static void checkAll(FarmDefinition def) {
    checkAll(def, rc -> {});
  }

  /**
   * {@link #checkAll(FarmDefinition)}, also handing each point to {@code each} (which may throw)
   * before the next is made.
   */
  public static void checkAll(FarmDefinition def, java.util.function.Consumer<RunConfig> each) {
    List<Map.Entry<String, List<Object>>> axes = List.copyOf(def.grid().entrySet());
    Map<String, Object> point = new LinkedHashMap<>(def.defaults());
    int[] at = new int[axes.size()];
    for (int a = 0; a < axes.size(); a++) {
      point.put(axes.get(a).getKey(), axes.get(a).getValue().get(0));
    }
    while (true) {
      each.accept(def.checkPoint(point));
      // Odometer: the last axis turns fastest, as in expand().
      int a = axes.size() - 1;
      while (a >= 0 && at[a] == axes.get(a).getValue().size() - 1) {
        at[a] = 0;
        point.put(axes.get(a).getKey(), axes.get(a).getValue().get(0));
        a--;
      }
      if (a < 0) {
        return;
      }
      at[a]++;
      point.put(axes.get(a).getKey(), axes.get(a).getValue().get(at[a]));
    }
  }
}
