package lipfarm.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lipfarm.data.DataException;

/**
 * Turns a validated {@link FarmDefinition} into its run configurations: the Cartesian product of
 * the grid (and the zip group) over the defaults, completed by {@code derive}, filtered by {@code
 * where}, and then the checks that hold between keys of one configuration. Kept apart from the
 * record because the expansion order fixes the configuration ids that shipped experiment files pin.
 */
final class GridExpansion {

  private GridExpansion() {}

  /** See {@link FarmDefinition#configurations()}. */
  static List<RunConfig> configurations(FarmDefinition def) {
    Map<String, Object> defaults = def.defaults();
    GridRules rules = def.rules();
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
    for (Map.Entry<String, List<Object>> axis : def.grid().entrySet()) {
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
      if (!rules.isEmpty() && !rules.complete(p, FarmDefinition.PARAMS)) {
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

  /**
   * Checks that hold between keys; the message names the key that would have to change.
   *
   * @param gridEmpty whether the farm has no grid, which decides how the key is named
   */
  static void checkConsistent(RunConfig rc, boolean gridEmpty) {
    String where = gridEmpty ? "farm.defaults." : "farm (defaults and grid).";
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
}
