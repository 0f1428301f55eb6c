package lipfarm.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One fully resolved configuration of the grid: the unit of work. Its {@link #id()} is a hash of
 * the resolved parameters, so the same parameters give the same id in every farm and every JVM.
 */
public record RunConfig(
    String data,
    String labels,
    int n,
    int d,
    int k,
    int depth,
    String activation,
    boolean bias,
    String optimizer,
    double learningRate,
    int maxEpochs,
    double tol,
    int seed,
    int estimatorBudget,
    String hiddenWidths,
    int outputDim,
    double leakySlope,
    String loss,
    String fit,
    double margin,
    double mseEpsilon,
    double momentum,
    int batchSize,
    String lrSchedule,
    double lrDecayFactor,
    int lrDecayEvery,
    String weightBound,
    double boundAlpha,
    double boundBeta,
    double boundValue,
    double labelNoise,
    int teacherWidth,
    int components,
    double separation,
    String file,
    String labelFile,
    String positiveClasses,
    String negativeClasses,
    boolean center,
    boolean normalize,
    String precision,
    int restarts,
    String objective,
    String estimator) {

  /** The default objective: train until the fit criterion holds (see {@link #objective()}). */
  public static final String FIT = "fit";

  /** The objective that keeps the fit while minimising a certified Lipschitz upper bound. */
  public static final String MIN_LIPSCHITZ = "min-lipschitz";

  /** The default estimator mode; a configuration with it keeps the id it had before the key. */
  public static final String FULL_ESTIMATOR = "full";

  /** Results and events written before these keys existed read back with their defaults. */
  public RunConfig {
    objective = objective == null ? FIT : objective;
    estimator = estimator == null ? FULL_ESTIMATOR : estimator;
  }

  /** The same configuration with another objective. */
  public RunConfig withObjective(String objective) {
    return new RunConfig(
        data,
        labels,
        n,
        d,
        k,
        depth,
        activation,
        bias,
        optimizer,
        learningRate,
        maxEpochs,
        tol,
        seed,
        estimatorBudget,
        hiddenWidths,
        outputDim,
        leakySlope,
        loss,
        fit,
        margin,
        mseEpsilon,
        momentum,
        batchSize,
        lrSchedule,
        lrDecayFactor,
        lrDecayEvery,
        weightBound,
        boundAlpha,
        boundBeta,
        boundValue,
        labelNoise,
        teacherWidth,
        components,
        separation,
        file,
        labelFile,
        positiveClasses,
        negativeClasses,
        center,
        normalize,
        precision,
        restarts,
        objective,
        estimator);
  }

  /** Whether this run minimises a certified Lipschitz bound once it fits. */
  public boolean minimisesLipschitz() {
    return MIN_LIPSCHITZ.equals(objective);
  }

  /** The original two-layer configuration; every later parameter takes its default. */
  public RunConfig(
      String data,
      String labels,
      int n,
      int d,
      int k,
      int depth,
      String activation,
      boolean bias,
      String optimizer,
      double learningRate,
      int maxEpochs,
      double tol,
      int seed,
      int estimatorBudget) {
    this(
        data,
        labels,
        n,
        d,
        k,
        depth,
        activation,
        bias,
        optimizer,
        learningRate,
        maxEpochs,
        tol,
        seed,
        estimatorBudget,
        "",
        1,
        0.01,
        "squared",
        "exact",
        1.0,
        0.5,
        0.9,
        0,
        "constant",
        0.5,
        1000,
        "none",
        1.0,
        1.0,
        1.0,
        0.0,
        10,
        2,
        2.0,
        "",
        "",
        "",
        "",
        true,
        true,
        "double",
        1,
        FIT,
        FULL_ESTIMATOR);
  }

  /** The data parameters of this configuration. */
  public lipfarm.data.DataSpec dataSpec() {
    return new lipfarm.data.DataSpec(
        data,
        labels,
        n,
        d,
        labelNoise,
        teacherWidth,
        components,
        separation,
        file,
        labelFile,
        classList(positiveClasses),
        classList(negativeClasses),
        center,
        normalize);
  }

  private static java.util.List<String> classList(String s) {
    return s == null || s.isBlank() ? java.util.List.of() : java.util.List.of(s.split(","));
  }

  /**
   * Widths of the hidden layers: {@code hidden-widths} ("40,20") when given, else k for each of the
   * depth − 1 hidden layers.
   */
  public java.util.List<Integer> hiddenLayerWidths() {
    if (hiddenWidths != null && !hiddenWidths.isBlank()) {
      return java.util.Arrays.stream(hiddenWidths.split(","))
          .map(String::trim)
          .map(Integer::valueOf)
          .toList();
    }
    return java.util.Collections.nCopies(depth - 1, k);
  }

  /** Stable id: the first 16 hex digits of SHA-256 over the canonical parameter string. */
  public String id() {
    return sha256Hex(canonical()).substring(0, 16);
  }

  /** Seed of the data stream: shared by every configuration with the same data parameters. */
  public long dataSeed() {
    return seedOf(
        "data|"
            + data
            + "|"
            + labels
            + "|n="
            + n
            + "|d="
            + d
            + "|seed="
            + seed
            + "|noise="
            + labelNoise
            + "|teacher="
            + teacherWidth
            + "|components="
            + components
            + "|separation="
            + separation
            + "|file="
            + file
            + "|labels="
            + labelFile
            + "|pos="
            + positiveClasses
            + "|neg="
            + negativeClasses
            + "|center="
            + center
            + "|normalize="
            + normalize);
  }

  /** Seed of the weight initialisation, derived from the configuration id. */
  public long initSeed() {
    return seedOf("init|" + idWithoutRestarts());
  }

  /**
   * The id of the same configuration with one restart, the default objective and the default
   * estimator: the weights' seed does not depend on how many restarts are batched, so restart 0 of
   * a batched run is the unbatched run, nor on the objective, so a {@code min-lipschitz} run starts
   * from the very network its {@code fit} twin ends with, nor on the estimator, which only bounds
   * the trained network.
   */
  private String idWithoutRestarts() {
    StringBuilder sb = new StringBuilder();
    hashedParameters()
        .forEach(
            (key, v) -> {
              if (!"objective".equals(key) && !"estimator".equals(key)) {
                sb.append(key).append('=').append("restarts".equals(key) ? 1 : v).append(';');
              }
            });
    return sha256Hex(sb.toString()).substring(0, 16);
  }

  /**
   * Seed of restart {@code r} (0-based): restart 0 is {@link #initSeed()}, so a farm with restarts
   * contains the trajectory of the same configuration without them.
   */
  public long restartSeed(int r) {
    return r == 0 ? initSeed() : seedOf("init|" + idWithoutRestarts() + "|restart=" + r);
  }

  /** Seed of the estimator's probing, derived from the configuration id. */
  public long estimatorSeed() {
    return seedOf("estimate|" + id());
  }

  /** Parameters in a fixed order, with the key names used in farm files. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("data", data);
    m.put("labels", labels);
    m.put("n", n);
    m.put("d", d);
    m.put("k", k);
    m.put("depth", depth);
    m.put("activation", activation);
    m.put("bias", bias);
    m.put("optimizer", optimizer);
    m.put("learning-rate", learningRate);
    m.put("max-epochs", maxEpochs);
    m.put("tol", tol);
    m.put("seed", seed);
    m.put("estimator-budget", estimatorBudget);
    m.put("hidden-widths", hiddenWidths);
    m.put("output-dim", outputDim);
    m.put("leaky-slope", leakySlope);
    m.put("loss", loss);
    m.put("fit", fit);
    m.put("margin", margin);
    m.put("mse-epsilon", mseEpsilon);
    m.put("momentum", momentum);
    m.put("batch-size", batchSize);
    m.put("lr-schedule", lrSchedule);
    m.put("lr-decay-factor", lrDecayFactor);
    m.put("lr-decay-every", lrDecayEvery);
    m.put("weight-bound", weightBound);
    m.put("bound-alpha", boundAlpha);
    m.put("bound-beta", boundBeta);
    m.put("bound-value", boundValue);
    m.put("label-noise", labelNoise);
    m.put("teacher-width", teacherWidth);
    m.put("components", components);
    m.put("separation", separation);
    m.put("file", file);
    m.put("label-file", labelFile);
    m.put("positive-classes", positiveClasses);
    m.put("negative-classes", negativeClasses);
    m.put("center", center);
    m.put("normalize", normalize);
    m.put("precision", precision);
    m.put("restarts", restarts);
    m.put("objective", objective);
    m.put("estimator", estimator);
    return m;
  }

  /**
   * {@code key=value} pairs joined by {@code ;} in {@link #asMap()} order; the objective and
   * estimator keys only when they are not the default, so configurations keep the ids they had
   * before those keys existed.
   */
  public String canonical() {
    StringBuilder sb = new StringBuilder();
    hashedParameters().forEach((key, v) -> sb.append(key).append('=').append(v).append(';'));
    return sb.toString();
  }

  private Map<String, Object> hashedParameters() {
    Map<String, Object> m = asMap();
    if (FULL_ESTIMATOR.equals(estimator)) {
      m.remove("estimator");
    }
    if (FIT.equals(objective)) {
      m.remove("objective");
    }
    return m;
  }

  /** A short human label such as {@code n=200 d=20 k=10 seed=1}. */
  public String label() {
    String what =
        ("sphere".equals(data) ? "" : data + " ") + ("random".equals(labels) ? "" : labels + " ");
    return what + "n=" + n + " d=" + d + " k=" + k + " seed=" + seed;
  }

  private static long seedOf(String s) {
    byte[] h = sha256(s);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (h[i] & 0xff);
    }
    return v;
  }

  private static String sha256Hex(String s) {
    return HexFormat.of().formatHex(sha256(s));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM ships SHA-256", e);
    }
  }
}
