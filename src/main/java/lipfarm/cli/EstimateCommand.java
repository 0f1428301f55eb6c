package lipfarm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import lipfarm.config.RunConfig;
import lipfarm.data.DataModels;
import lipfarm.data.DataSets;
import lipfarm.data.Dataset;
import lipfarm.estimation.Bound;
import lipfarm.estimation.LipschitzSandwich;
import lipfarm.estimation.NetworkMath;
import lipfarm.estimation.nd4j.FarmSandwich;
import lipfarm.protocol.NetworkSnapshot;
import lipfarm.reporting.NetworkFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lipfarm estimate FILE}: the farm's Lipschitz estimators on a network given as JSON. See
 * docs/estimation.md for the format; in short
 *
 * <pre>
 * {"activation": "relu",                       // relu | tanh | softplus | leaky-relu:0.01 | linear
 *  "layers": [{"weights": [[..], ..],          // [out][in]
 *              "bias": [..]},                  // optional, length out
 *             ...]}
 * </pre>
 *
 * or the weights-only form {@code {"weights": [W1, W2, ...]}} of the LipSDP reference network
 * (ReLU, no biases). The domain is the ball of radius max(1, R) containing {@code --points} seeded
 * random points of the sphere of radius R = {@code --radius}, or the points given under {@code
 * "data": {"x": [[..], ..], "y": [..]}}.
 */
@Command(
    name = "estimate",
    mixinStandardHelpOptions = true,
    description =
        "Bound the Lipschitz constant of a network given as JSON: certified lower and upper bounds"
            + " as they tighten, then every bound with its kind.")
final class EstimateCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;

  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description = "network JSON (see docs/estimation.md)")
  Path file;

  @Option(
      names = "--budget",
      paramLabel = "N",
      description =
          "gradient evaluations (default: 20000; for a saved network, its run's estimator-budget)")
  Long budget;

  @Option(
      names = "--points",
      paramLabel = "N",
      description = "random domain points when the file has no data (default: ${DEFAULT-VALUE})")
  int points = 100;

  @Option(
      names = "--radius",
      paramLabel = "R",
      description = "radius of the sphere the random points lie on (default: ${DEFAULT-VALUE})")
  double radius = 1.0;

  @Option(
      names = "--seed",
      description = "seed of the points and probes (default: 1; for a saved network, its run's)")
  Long seed;

  @Option(names = "--json", description = "print one JSON object instead of the progress and table")
  boolean json;

  EstimateCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Bad input: the message names the offending field. */
  static final class InputException extends Exception {
    InputException(String message) {
      super(message);
    }
  }

  @Override
  public Integer call() {
    NetworkSnapshot net;
    Dataset data;
    RunConfig run; // a saved network's run (networks/<run-id>.json), else null
    try {
      if (budget != null && budget <= 0 || points <= 0 || !(radius > 0)) {
        throw new InputException("--budget and --points must be positive and --radius > 0");
      }
      JsonNode root = readJson(file);
      net = parseNetwork(root);
      run = savedRun(root);
      // A saved network's training data is regenerated from its configuration.
      data =
          run != null && !root.has("data")
              ? DataSets.create(run.dataSpec(), run.dataSeed())
              : parseData(root, net.inputDim());
      NetworkMath.gradientNorm(net, new double[net.inputDim()]); // rejects unknown activations
    } catch (InputException | IllegalArgumentException | lipfarm.data.DataException e) {
      err.println("lipfarm: " + file + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    long start = System.nanoTime();
    long seed = this.seed != null ? this.seed : run != null ? run.estimatorSeed() : 1;
    long budget =
        this.budget != null
            ? this.budget
            : run != null && run.estimatorBudget() > 0
                ? run.estimatorBudget()
                : LipschitzSandwich.DEFAULT_BUDGET;
    // A saved network is estimated as its farm did (FarmSandwich), so the bounds are the run's.
    LipschitzSandwich s =
        run != null
            ? FarmSandwich.start(net, data, seed, budget, "cube".equals(run.data()))
            : new LipschitzSandwich(net, data, seed, budget);
    if (!json) {
      out.printf(
          Locale.ROOT,
          "network %s: %s, activation %s, domain ball radius %.6g%n",
          file.getFileName(),
          shape(net),
          net.layers().size() == 1 ? "none" : net.activation(),
          s.domainRadius());
      out.printf(
          Locale.ROOT,
          "%10s  %-34s  %-34s  %s%n",
          "evals",
          "lower (certified, local)",
          "upper (certified, global)",
          "gap");
      progress(s);
    }
    double lastLower = s.lower();
    double lastUpper = s.upper();
    while (run != null ? !FarmSandwich.refine(s) : s.step(1000)) {
      if (!json && (s.lower() != lastLower || s.upper() != lastUpper)) {
        progress(s);
        lastLower = s.lower();
        lastUpper = s.upper();
      }
    }
    s.clever(FarmSandwich.CLEVER_BATCHES, FarmSandwich.CLEVER_BATCH_SIZE);
    long millis = (System.nanoTime() - start) / 1_000_000;
    List<Bound> bounds = s.bounds();
    if (json) {
      out.println(toJson(s, net, bounds, millis));
    } else {
      progress(s);
      out.println();
      out.printf(Locale.ROOT, "%-28s  %-16s  %-16s  %s%n", "method", "kind", "value", "meaning");
      for (Bound b : bounds) {
        out.printf(
            Locale.ROOT,
            "%-28s  %-16s  %-16.9g  %s%n",
            b.method(),
            b.kind(),
            b.value(),
            b.meaning());
      }
      out.printf(
          Locale.ROOT,
          "%nlocal constant (ball radius %.6g): %.9g ≤ L_local ≤ %.9g;  global: %.9g ≤ L_global ≤"
              + " %.9g (certified, rounding-safe)%s%n",
          s.domainRadius(),
          s.lower(),
          s.upperLocal(),
          s.lowerGlobal(),
          s.upper(),
          Double.isNaN(s.exactValue())
              ? ""
              : String.format(
                  Locale.ROOT,
                  "; exact formula in floating point: %.9g (not a bound)",
                  s.exactValue()));
      out.printf(
          Locale.ROOT,
          "%d gradient evaluations, %d LipSDP iterations, %d ms%n",
          s.evaluations(),
          s.lipSdpIterations(),
          millis);
    }
    boolean broken = bounds.stream().anyMatch(b -> b.kind().name().equals("ESTIMATOR_ERROR"));
    if (broken) {
      err.println("lipfarm: ESTIMATOR ERROR: an invariant failed (see the invariant:* entries)");
      return Main.EXIT_FAILED;
    }
    return 0;
  }

  /** The run of a saved network file (see NetworkFiles), or null for any other network. */
  private static RunConfig savedRun(JsonNode root) throws InputException {
    try {
      return NetworkFiles.config(root);
    } catch (IOException e) {
      throw new InputException(e.getMessage());
    }
  }

  private void progress(LipschitzSandwich s) {
    out.printf(
        Locale.ROOT,
        "%10d  %-34s  %-34s  %.3g%n",
        s.evaluations(),
        String.format(Locale.ROOT, "%.9g (%s)", s.lower(), s.lowerMethod()),
        String.format(Locale.ROOT, "%.9g (%s)", s.upper(), s.upperMethod()),
        s.relativeGap());
  }

  private static String shape(NetworkSnapshot net) {
    StringBuilder sb = new StringBuilder().append(net.inputDim());
    for (NetworkSnapshot.Layer l : net.layers()) {
      sb.append(" → ").append(l.rows());
    }
    return sb.toString();
  }

  private String toJson(LipschitzSandwich s, NetworkSnapshot net, List<Bound> bounds, long millis) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode o = m.createObjectNode();
    o.put("file", file.toString());
    ArrayNode widths = o.putArray("widths");
    widths.add(net.inputDim());
    net.layers().forEach(l -> widths.add(l.rows()));
    o.put("activation", net.layers().size() == 1 ? "none" : net.activation());
    o.put("domain_radius", s.domainRadius());
    o.put("lower_local", s.lower());
    o.put("lower_local_method", s.lowerMethod());
    o.put("lower_global", s.lowerGlobal());
    o.put("lower_global_method", s.lowerGlobalMethod());
    o.put("upper", s.upper());
    o.put("upper_method", s.upperMethod());
    o.put("upper_local", s.upperLocal());
    o.put("upper_local_method", s.upperLocalMethod());
    if (!Double.isNaN(s.exactValue())) {
      // The exact formula evaluated in floating point; the certified pair encloses the truth.
      o.put("exact_float", s.exactValue());
    }
    o.put("evaluations", s.evaluations());
    o.put("lipsdp_iterations", s.lipSdpIterations());
    o.put("elapsed_ms", millis);
    ArrayNode arr = o.putArray("bounds");
    for (Bound b : bounds) {
      ObjectNode e = arr.addObject();
      e.put("method", b.method());
      e.put("kind", b.kind().name());
      e.put("value", b.value());
      e.put("meaning", b.meaning());
    }
    return o.toString();
  }

  static JsonNode readJson(Path file) throws InputException {
    if (!Files.isRegularFile(file)) {
      throw new InputException("no such file");
    }
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new InputException(
          "malformed JSON at line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InputException("cannot read: " + e.getMessage());
    }
  }

  /** Parses either format; every error names the JSON field it is about. */
  static NetworkSnapshot parseNetwork(JsonNode root) throws InputException {
    if (root == null || !root.isObject()) {
      throw new InputException("top level: expected a JSON object with \"layers\" or \"weights\"");
    }
    List<NetworkSnapshot.Layer> layers = new ArrayList<>();
    String activation = "relu";
    if (root.has("layers")) {
      JsonNode act = root.get("activation");
      if (act != null) {
        if (!act.isTextual()) {
          throw new InputException("activation: expected a string such as \"relu\"");
        }
        activation = act.asText();
      }
      JsonNode ls = root.get("layers");
      if (!ls.isArray() || ls.isEmpty()) {
        throw new InputException("layers: expected a non-empty array of {\"weights\", \"bias\"}");
      }
      for (int i = 0; i < ls.size(); i++) {
        JsonNode l = ls.get(i);
        String where = "layers[" + i + "]";
        if (!l.isObject() || !l.has("weights")) {
          throw new InputException(where + ".weights: missing");
        }
        if (l.has("activation")) {
          throw new InputException(
              where + ".activation: give one top-level \"activation\" for all hidden layers");
        }
        double[][] w = matrix(l.get("weights"), where + ".weights");
        double[] b = null;
        if (l.has("bias") && !l.get("bias").isNull()) {
          b = vector(l.get("bias"), where + ".bias");
          if (b.length != w.length) {
            throw new InputException(
                where + ".bias: length " + b.length + " but weights have " + w.length + " rows");
          }
        }
        layers.add(layer(w, b, layers, where));
      }
    } else if (root.has("weights")) {
      JsonNode ws = root.get("weights");
      if (!ws.isArray() || ws.isEmpty()) {
        throw new InputException("weights: expected a non-empty array of matrices [out][in]");
      }
      for (int i = 0; i < ws.size(); i++) {
        String where = "weights[" + i + "]";
        layers.add(layer(matrix(ws.get(i), where), null, layers, where));
      }
    } else {
      throw new InputException("top level: expected a field \"layers\" or \"weights\"");
    }
    try {
      return new NetworkSnapshot(activation, layers);
    } catch (IllegalArgumentException e) {
      throw new InputException(e.getMessage());
    }
  }

  private static NetworkSnapshot.Layer layer(
      double[][] w, double[] b, List<NetworkSnapshot.Layer> before, String where)
      throws InputException {
    int rows = w.length;
    int cols = w[0].length;
    if (!before.isEmpty() && before.get(before.size() - 1).rows() != cols) {
      throw new InputException(
          where
              + ": shape mismatch: "
              + cols
              + " columns but the previous layer has "
              + before.get(before.size() - 1).rows()
              + " outputs");
    }
    double[] flat = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(w[r], 0, flat, r * cols, cols);
    }
    return new NetworkSnapshot.Layer(rows, cols, flat, b);
  }

  private static double[][] matrix(JsonNode node, String where) throws InputException {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw new InputException(where + ": expected a non-empty array of rows [out][in]");
    }
    double[][] m = new double[node.size()][];
    for (int r = 0; r < node.size(); r++) {
      m[r] = vector(node.get(r), where + "[" + r + "]");
      if (m[r].length != m[0].length) {
        throw new InputException(
            where + "[" + r + "]: row has " + m[r].length + " entries, row 0 has " + m[0].length);
      }
    }
    return m;
  }

  private static double[] vector(JsonNode node, String where) throws InputException {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw new InputException(where + ": expected a non-empty array of numbers");
    }
    double[] v = new double[node.size()];
    for (int i = 0; i < v.length; i++) {
      JsonNode x = node.get(i);
      if (!x.isNumber() || !Double.isFinite(x.asDouble())) {
        throw new InputException(where + "[" + i + "]: expected a finite number, got " + x);
      }
      v[i] = x.asDouble();
    }
    return v;
  }

  private Dataset parseData(JsonNode root, int d) throws InputException {
    JsonNode data = root.get("data");
    if (data == null) {
      Dataset base = DataModels.sphereRandomLabels(points, d, seed == null ? 1 : seed);
      if (radius == 1.0) {
        return base;
      }
      double[][] x = new double[base.n()][];
      for (int i = 0; i < x.length; i++) {
        x[i] = base.x()[i].clone();
        for (int c = 0; c < d; c++) {
          x[i][c] *= radius;
        }
      }
      return new Dataset(x, base.y());
    }
    double[][] x = matrix(data.get("x"), "data.x");
    if (x[0].length != d) {
      throw new InputException(
          "data.x: points have " + x[0].length + " coordinates, the network expects " + d);
    }
    double[] y = data.has("y") ? vector(data.get("y"), "data.y") : new double[x.length];
    if (y.length != x.length) {
      throw new InputException("data.y: " + y.length + " labels for " + x.length + " points");
    }
    return new Dataset(x, y);
  }
}
