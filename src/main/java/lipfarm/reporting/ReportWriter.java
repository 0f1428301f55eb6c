package lipfarm.reporting;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import lipfarm.analysis.ClusterBootstrap;
import lipfarm.analysis.ConsistencyChecks;
import lipfarm.analysis.ConsistencyChecks.Check;
import lipfarm.analysis.ConsistencyChecks.Kind;
import lipfarm.analysis.ScalingAnalysis;
import lipfarm.analysis.ScalingAnalysis.Axis;
import lipfarm.analysis.ScalingAnalysis.AxisFit;
import lipfarm.analysis.ScalingAnalysis.Quantity;
import lipfarm.bounds.FitType;
import lipfarm.bounds.NetworkNorms;
import lipfarm.bounds.RunFacts;
import lipfarm.bounds.Sampling;
import lipfarm.bounds.TheoryBound;
import lipfarm.bounds.TheoryBounds;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.RunResult;

/**
 * Writes a farm's reports from its finished runs: {@code results.csv}, {@code results.json}, {@code
 * report.md}, the self-contained {@code report.html} and {@code plots/*.png|svg}. Pure IO over the
 * results and events: the same inputs always give the same bytes (the bootstrap has a fixed seed),
 * so {@code lipfarm report DIR} rebuilds identical files from {@code events.ndjson}. Every file is
 * rendered in memory first, then each is written to a temporary name and moved into place, so a
 * failure never leaves a half-written file.
 */
public final class ReportWriter {
  /** δ of every high-probability bound in the report. */
  public static final double DELTA = 0.05;

  /** Peeling grid size M of the Rademacher bounds. */
  public static final int PEELING_M = 64;

  /** ε used for Bubeck-Sellke with exact interpolation of ±1 labels (σ² = 1). */
  public static final double BS_EPSILON = 0.99;

  /** The theory bounds of theory.md section 6, in report order. */
  public static final List<String> THEORY_IDS =
      List.of(
          "F0", "F1", "F2", "F3", "F4", "F5", "F6", "F6b", "F7", "F7b", "F8", "F9", "F10", "F11");

  private final ObjectMapper mapper = EventJson.newMapper();

  /**
   * The facts about one run that the theory bounds need. The only place a {@link RunFacts} is
   * built: when RunFacts gains a field, this is the one line to change.
   */
  public static RunFacts facts(RunResult r) {
    RunConfig c = r.config();
    NetworkMeasures m = r.measures();
    // The data's real dimension and radius when measured (files with d = 0, Gaussian or cube data).
    int d = m != null && m.inputDim() > 0 ? m.inputDim() : c.d();
    double radius =
        m != null && Double.isFinite(m.maxInputNorm()) && m.maxInputNorm() > 0
            ? m.maxInputNorm()
            : 1.0;
    FitType fit =
        switch (c.fit()) {
          case "margin" -> FitType.MARGIN;
          case "mse" -> FitType.MSE;
          default -> FitType.EXACT;
        };
    return new RunFacts(
        c.n(),
        d,
        c.k(),
        c.depth(),
        m == null ? (long) c.k() * (d + 2) + 1 : m.parameters(),
        c.bias(),
        radius,
        // Decides which bounds apply (label model) and Bubeck–Sellke's c (data model).
        new Sampling(c.data(), c.labels(), c.labelNoise(), c.components()),
        DELTA,
        PEELING_M,
        fit,
        fit == FitType.MARGIN ? c.margin() : 1.0,
        fit == FitType.MSE ? c.mseEpsilon() : BS_EPSILON,
        c.tol(),
        1.0,
        m == null ? Double.NaN : m.maxAbsWeight(),
        m == null ? Double.NaN : m.minOppositeLabelDistance());
  }

  public static NetworkNorms norms(RunResult r) {
    NetworkMeasures m = r.measures();
    if (m == null) {
      return new NetworkNorms(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    return new NetworkNorms(
        m.pathNorm(), m.spectralProxy(), m.frobeniusProduct(), m.spectralProduct());
  }

  /** The bounds of one run, F0..F11. */
  public static List<TheoryBound> bounds(RunResult r) {
    // F9's per-layer Frobenius cap M₀ is known when the run was trained under one.
    RunConfig c = r.config();
    double m0 = "frobenius".equals(c.weightBound()) ? c.boundValue() : Double.NaN;
    return TheoryBounds.all(facts(r), norms(r), m0);
  }

  static Optional<TheoryBound> bound(List<TheoryBound> all, String id) {
    return ConsistencyChecks.find(all, id);
  }

  /**
   * Whether any certified invariant fails: lower ≤ upper, F10 ≤ lower, upper ≤ F11, or the
   * estimator's own checks.
   */
  public static boolean certifiedViolation(RunResult r) {
    return ConsistencyChecks.evaluate(r, bounds(r)).stream()
        .anyMatch(c -> c.violated() && c.check().kind() == ConsistencyChecks.Kind.CERTIFIED);
  }

  /** F10 ≤ certified lower bound, for runs that interpolate (true when it does not apply). */
  public static boolean f10Holds(RunResult r) {
    return !ConsistencyChecks.of(ConsistencyChecks.evaluate(r, bounds(r)), Check.F10_LE_LOWER)
        .violated();
  }

  /** Writes every report file into {@code dir}, reading the loss curves from its events.ndjson. */
  public void write(Path dir, String farm, List<RunResult> results) throws IOException {
    List<FarmEvent> events;
    try {
      events = EventLog.read(dir).events();
    } catch (EventLog.BadEventLog e) {
      // The reporter's own file: unreadable only if something else wrote to it. The tables do
      // not need it; the report says the loss curves are missing.
      events = List.of();
    }
    write(dir, farm, results, events);
  }

  /** Writes every report file into {@code dir}; {@code events} give the loss curves. */
  public void write(Path dir, String farm, List<RunResult> results, List<FarmEvent> events)
      throws IOException {
    writeAll(dir, render(farm, results, events, savedNetworks(dir, results)));
  }

  /** Runs whose network is saved in {@code dir} (see {@link NetworkFiles}). */
  static java.util.Set<String> savedNetworks(Path dir, List<RunResult> results) {
    java.util.Set<String> saved = new java.util.HashSet<>();
    for (RunResult r : results) {
      if (Files.isRegularFile(NetworkFiles.path(dir, r.runId()))) {
        saved.add(r.runId());
      }
    }
    return saved;
  }

  /** Every report file, by path relative to the results directory, rendered in memory. */
  public Map<String, byte[]> render(String farm, List<RunResult> results, List<FarmEvent> events)
      throws IOException {
    return render(farm, results, events, java.util.Set.of());
  }

  /**
   * @param networks runs whose network is saved: results.json names their file
   */
  public Map<String, byte[]> render(
      String farm, List<RunResult> results, List<FarmEvent> events, java.util.Set<String> networks)
      throws IOException {
    ScalingAnalysis.Result scaling = scaling(results);
    List<Plots.Plot> plots = Plots.all(results, scaling, events);
    boolean finished = events.stream().anyMatch(e -> e instanceof FarmFinished);
    SandwichSection sandwich = SandwichSection.of(results, events);
    ObjectiveSection objective = ObjectiveSection.of(results, events);
    ReportDocument doc =
        document(farm, results, scaling, plots, sandwich, objective, !events.isEmpty(), finished);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("results.csv", ReportDocument.utf8(csv(results)));
    files.put("results.json", ReportDocument.utf8(json(farm, results, scaling, networks)));
    files.put("report.md", ReportDocument.utf8(doc.markdown()));
    files.put("report.html", ReportDocument.utf8(doc.html()));
    for (Plots.Plot p : plots) {
      files.put("plots/" + p.name() + ".png", p.png());
      files.put("plots/" + p.name() + ".svg", ReportDocument.utf8(p.svg()));
    }
    sandwich.addFiles(files);
    objective.addFiles(files);
    return files;
  }

  /**
   * Rebuilds every report file of a results directory from its {@code events.ndjson} alone. Nothing
   * is written unless the whole file reads.
   *
   * @return the files written, relative to {@code dir}
   * @throws EventLog.BadEventLog when the directory, the file or one of its lines is unusable
   */
  public static List<String> rebuild(Path dir) throws EventLog.BadEventLog, IOException {
    EventLog log = EventLog.read(dir);
    Map<String, byte[]> files =
        new ReportWriter()
            .render(log.farm(), log.results(), log.events(), savedNetworks(dir, log.results()));
    writeAll(dir, files);
    return List.copyOf(files.keySet());
  }

  static void writeAll(Path dir, Map<String, byte[]> files) throws IOException {
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Path target = dir.resolve(f.getKey());
      Files.createDirectories(target.getParent());
      atomicWrite(target, f.getValue());
    }
  }

  /** Replaces {@code target} whole: written to a temporary file, then moved into place. */
  public static void atomicWrite(Path target, byte[] content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.write(tmp, content);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  // ---------------------------------------------------------------- results.csv

  /** Parameters already among the first columns of results.csv. */
  private static final java.util.Set<String> LEADING_PARAMETERS =
      java.util.Set.of("n", "d", "k", "depth", "seed");

  static final String CSV_HEADER =
      "run_id,n,d,k,depth,seed,parameters,outcome,fitted,epochs,loss,max_error,sign_fit,"
          + "lip_lower_certified,lip_lower_method,lip_upper_certified,lip_upper_method,estimator_evaluations,"
          + "sqrt_n_over_k,F3_spectral_proxy_floor,spectral_proxy_measured,F5_bs_lower,F10_data_lower,"
          + "F10_le_lower,lower_le_upper,upper_le_F11,path_norm_ge_F2,spectral_proxy_ge_F3,frobenius_product_ge_F8,estimator_self_check,"
          + "path_norm_measured,frobenius_product_measured,spectral_product_measured,max_abs_weight,min_opposite_label_distance,"
          + String.join(",", THEORY_IDS.stream().map(id -> "theory_" + id).toList())
          + ",error,train_seconds,estimate_seconds,"
          + String.join(",", parameterColumns());

  /**
   * Every other configuration parameter, named by its farm key with '-' as '_'; the {@code loss}
   * parameter is {@code loss_function} ({@code loss} is the final training loss).
   */
  static List<String> parameterColumns() {
    return new RunConfig("sphere", "random", 1, 1, 1, 2, "relu", true, "adam", 0.01, 1, 0.01, 1, 1)
        .asMap().keySet().stream()
            .filter(key -> !LEADING_PARAMETERS.contains(key))
            .map(key -> key.equals("loss") ? "loss_function" : key.replace('-', '_'))
            .toList();
  }

  public String csv(List<RunResult> results) {
    StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
    for (RunResult r : results) {
      sb.append(csvRow(r)).append('\n');
    }
    return sb.toString();
  }

  /** The columns of results.csv, in order. */
  public static List<String> csvColumns() {
    return List.of(CSV_HEADER.split(","));
  }

  /** One row of results.csv (without its line end), quoted as RFC 4180 asks. */
  public static String csvRow(RunResult r) {
    RunConfig c = r.config();
    NetworkMeasures m = r.measures();
    List<TheoryBound> b = bounds(r);
    List<ConsistencyChecks.Result> checks = ConsistencyChecks.evaluate(r, b);
    List<String> cells = new ArrayList<>();
    cells.add(r.runId());
    cells.add(Integer.toString(c.n()));
    cells.add(Integer.toString(c.d()));
    cells.add(Integer.toString(c.k()));
    cells.add(Integer.toString(c.depth()));
    cells.add(Integer.toString(c.seed()));
    cells.add(Long.toString(facts(r).parameters()));
    cells.add(r.outcome());
    cells.add(Boolean.toString(r.interpolated()));
    cells.add(Integer.toString(r.epochs()));
    cells.add(num(r.loss()));
    cells.add(num(r.maxError()));
    cells.add(num(r.signFit()));
    cells.add(num(r.lipLower()));
    cells.add(str(r.lipLowerMethod()));
    cells.add(num(r.lipUpper()));
    cells.add(str(r.lipUpperMethod()));
    cells.add(Long.toString(r.evaluations()));
    cells.add(num(Math.sqrt((double) c.n() / c.k())));
    cells.add(num(value(b, "F3")));
    cells.add(num(m == null ? Double.NaN : m.spectralProxy()));
    cells.add(num(value(b, "F5")));
    cells.add(num(value(b, "F10")));
    for (Check ch :
        List.of(
            Check.F10_LE_LOWER,
            Check.LOWER_LE_UPPER,
            Check.UPPER_LE_F11,
            Check.PATH_NORM_GE_F2,
            Check.SPECTRAL_PROXY_GE_F3,
            Check.FROBENIUS_GE_F8,
            Check.ESTIMATOR_SELF_CHECK)) {
      cells.add(ConsistencyChecks.of(checks, ch).csv());
    }
    cells.add(num(m == null ? Double.NaN : m.pathNorm()));
    cells.add(num(m == null ? Double.NaN : m.frobeniusProduct()));
    cells.add(num(m == null ? Double.NaN : m.spectralProduct()));
    cells.add(num(m == null ? Double.NaN : m.maxAbsWeight()));
    cells.add(num(m == null ? Double.NaN : m.minOppositeLabelDistance()));
    for (String id : THEORY_IDS) {
      cells.add(num(value(b, id)));
    }
    cells.add(str(r.error()));
    cells.add(num(r.trainSeconds()));
    cells.add(num(r.estimateSeconds()));
    c.asMap()
        .forEach(
            (key, v) -> {
              if (!LEADING_PARAMETERS.contains(key)) {
                cells.add(String.valueOf(v));
              }
            });
    return String.join(",", cells.stream().map(ReportWriter::csvCell).toList());
  }

  /** The bound's value, NaN when it is absent or not applicable. */
  private static double value(List<TheoryBound> all, String id) {
    return bound(all, id)
        .filter(TheoryBound::applicable)
        .map(TheoryBound::value)
        .orElse(Double.NaN);
  }

  static String csvCell(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }

  private static String str(String s) {
    return s == null ? "" : s;
  }

  /** Shortest round-trip form; empty for NaN so spreadsheets see a blank. */
  static String num(double v) {
    return Double.isNaN(v) ? "" : Double.toString(v);
  }

  // ---------------------------------------------------------------- results.json

  public String json(String farm, List<RunResult> results) throws IOException {
    return json(farm, results, scaling(results));
  }

  String json(String farm, List<RunResult> results, ScalingAnalysis.Result scaling)
      throws IOException {
    return json(farm, results, scaling, java.util.Set.of());
  }

  String json(
      String farm,
      List<RunResult> results,
      ScalingAnalysis.Result scaling,
      java.util.Set<String> networks)
      throws IOException {
    ObjectNode root = mapper.createObjectNode();
    root.put("farm", farm);
    root.put("schema", 1);
    ArrayNode runs = root.putArray("runs");
    for (RunResult r : results) {
      List<TheoryBound> bounds = bounds(r);
      ObjectNode node = mapper.valueToTree(r);
      node.put("interpolated", r.interpolated());
      node.put("sqrtNOverK", Math.sqrt((double) r.config().n() / r.config().k()));
      node.put("f10LeLower", f10Holds(r));
      if (networks.contains(r.runId())) {
        node.put("network", NetworkFiles.relativePath(r.runId())); // lipfarm estimate reads it
      } else {
        node.putNull("network");
      }
      ArrayNode theory = node.putArray("theoryBounds");
      for (TheoryBound b : bounds) {
        ObjectNode bn = mapper.valueToTree(b);
        bn.put("statusLabel", b.status().label());
        theory.add(bn);
      }
      ArrayNode checks = node.putArray("checks");
      for (ConsistencyChecks.Result c : ConsistencyChecks.evaluate(r, bounds)) {
        ObjectNode cn = checks.addObject();
        cn.put("check", c.check().column());
        cn.put("statement", c.check().statement());
        cn.put("kind", c.check().kind().name());
        cn.put("outcome", c.outcome().name());
        cn.put("small", c.small());
        cn.put("large", c.large());
        cn.put("reason", c.reason());
      }
      runs.add(node);
    }
    ObjectNode sc = root.putObject("scaling");
    sc.put("runs", scaling.runs());
    sc.put("interpolating", scaling.interpolating());
    sc.put("excludedNotInterpolating", scaling.notInterpolating());
    sc.put("seedGroups", scaling.seedGroups());
    sc.put("level", ScalingAnalysis.LEVEL);
    sc.put(
        "method",
        "OLS of log(measured) on the log-axes; percentile cluster bootstrap over seed groups");
    ArrayNode fits = sc.putArray("fits");
    for (AxisFit f : scaling.fits()) {
      ObjectNode fn = fits.addObject();
      fn.put("quantity", f.quantity().name());
      fn.put("quantityLabel", f.quantity().label());
      fn.put("axis", f.axis().label());
      fn.put("model", f.model());
      fn.put("slope", f.slope());
      fn.put("ciLow", f.low());
      fn.put("ciHigh", f.high());
      fn.put("predicted", f.axis().predicted());
      Boolean contains = f.containsPrediction();
      if (contains == null) {
        fn.putNull("ciContainsPrediction");
      } else {
        fn.put("ciContainsPrediction", contains);
      }
      fn.put("runs", f.fit().observations());
      fn.put("seedGroups", f.fit().clusters());
      fn.put("resamplesUsed", f.fit().resamplesUsed());
    }
    ArrayNode notes = sc.putArray("notes");
    scaling.notes().forEach(notes::add);
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
  }

  // ---------------------------------------------------------------- report.md / report.html

  public String markdown(String farm, List<RunResult> results) {
    ScalingAnalysis.Result scaling = scaling(results);
    SandwichSection sandwich = SandwichSection.of(results, List.of());
    ObjectiveSection objective = ObjectiveSection.of(results, List.of());
    return document(farm, results, scaling, List.of(), sandwich, objective, false, true).markdown();
  }

  private ReportDocument document(
      String farm,
      List<RunResult> results,
      ScalingAnalysis.Result scaling,
      List<Plots.Plot> plots,
      SandwichSection sandwich,
      ObjectiveSection objective,
      boolean haveEvents,
      boolean finished) {
    ReportDocument doc = new ReportDocument("lipfarm report: " + farm);
    Map<String, List<ConsistencyChecks.Result>> checks = new LinkedHashMap<>();
    for (RunResult r : results) {
      checks.put(r.runId(), ConsistencyChecks.evaluate(r, bounds(r)));
    }
    answer(doc, results, scaling, checks, finished);
    scalingSection(doc, scaling, mixedObjectives(results));
    runsSection(doc, results, checks);
    theorySection(doc, results);
    checksSection(doc, results, checks);
    doc.heading(2, "Plots");
    if (plots.isEmpty()) {
      doc.paragraph(
          results.stream().noneMatch(RunResult::interpolated) && !haveEvents
              ? "No plots: no interpolating run and no events."
              : "Plots are in report.html and plots/ (not rendered into this text).");
    }
    for (Plots.Plot p : plots) {
      doc.image(p);
    }
    if (!haveEvents) {
      doc.paragraph("No loss curves: events.ndjson was not readable when this report was written.");
    }
    sandwich.write(doc);
    objective.write(doc);
    definitions(doc, results);
    return doc;
  }

  private static void answer(
      ReportDocument doc,
      List<RunResult> results,
      ScalingAnalysis.Result s,
      Map<String, List<ConsistencyChecks.Result>> checks,
      boolean finished) {
    doc.heading(2, "The answer");
    doc.paragraph(
        counts(s)
            + (finished
                ? ""
                : " **The farm did not finish** (no FarmFinished event): this report covers the runs that did."));
    doc.bullets(slopeSentences(s));
    List<String> caveats = new ArrayList<>();
    caveats.add(
        "Only the **certified lower bound** tests the conjecture: it is a gradient norm the network attains. The certified "
            + "upper bound is a norm bound, and the proved weak form of the conjecture (F3) already says such bounds grow "
            + "like √(n/k), so a slope of ½ in the upper bound is expected whatever the true constant does.");
    if (s.seedGroups() == 1) {
      caveats.add(
          "Only one seed group: the bootstrap resamples whole seeds, so no interval can be given.");
    } else if (s.seedGroups() > 1 && s.seedGroups() < 10) {
      caveats.add(
          String.format(
              Locale.ROOT,
              "Only %d seed groups: the bootstrap resamples whole seeds, so the interval can take few distinct values and is "
                  + "narrower than a 95%% interval should be; treat it as indicative. Run about 10 or more seeds for intervals "
                  + "near their nominal coverage.",
              s.seedGroups()));
    }
    if (s.outsideRegime() > 0) {
      caveats.add(
          String.format(
              Locale.ROOT,
              "%d of the %d interpolating runs have k outside n/d ≤ k ≤ n, the range where the conjecture predicts −½ in k "
                  + "(above n it predicts a plateau); they are in the fits.",
              s.outsideRegime(),
              s.interpolating()));
    }
    long certified = countViolations(checks, Kind.CERTIFIED);
    long probable = countViolations(checks, Kind.HIGH_PROBABILITY);
    caveats.add(
        certified == 0 && probable == 0
            ? String.format(
                Locale.ROOT,
                "Consistency checks: no violation in the %d that apply (F10 ≤ lower ≤ upper ≤ F11; F2, F3, F8 floors on the "
                    + "weight norms); the table below says which could not be checked.",
                checks.values().stream()
                    .flatMap(List::stream)
                    .filter(c -> c.outcome() != ConsistencyChecks.Outcome.NOT_APPLICABLE)
                    .count())
            : String.format(
                Locale.ROOT,
                "Consistency checks: **%d violation%s of certified inequalities** (estimator or bound errors) and %d of "
                    + "high-probability floors; see the table below.",
                certified,
                certified == 1 ? "" : "s",
                probable));
    doc.bullets(caveats);
  }

  /** The answer's first sentence: how many runs, how many in the fits, how many seed groups. */
  static String counts(ScalingAnalysis.Result s) {
    return String.format(
        Locale.ROOT,
        "%d configurations, %d interpolated; %d did not interpolate and are excluded from every fit. %d seed group%s.",
        s.runs(),
        s.interpolating(),
        s.notInterpolating(),
        s.seedGroups(),
        s.seedGroups() == 1 ? "" : "s");
  }

  /** The answer's slopes: against n/k where fitted, else against every varying axis. */
  static List<String> slopeSentences(ScalingAnalysis.Result s) {
    List<String> lines = new ArrayList<>();
    for (Quantity q : List.of(Quantity.LOWER, Quantity.UPPER)) {
      Optional<AxisFit> ratio = s.fit(q, Axis.N_OVER_K);
      if (ratio.isPresent()) {
        lines.add(sentence(ratio.get()));
      } else {
        s.fits(q).forEach(f -> lines.add(sentence(f)));
      }
    }
    if (lines.isEmpty()) {
      lines.add(
          "No slope could be fitted: fewer than two values of any grid axis among the interpolating runs.");
    }
    return lines;
  }

  /**
   * The first lines of report.md's answer as plain text for a terminal, none longer than 80
   * columns: the counts, then one bullet per fitted slope with its 95% interval and whether the
   * predicted slope lies inside. Same analysis, same numbers as the report.
   */
  public static List<String> answerLines(List<RunResult> results) {
    ScalingAnalysis.Result s = scaling(results);
    List<String> lines = new ArrayList<>(PlainText.wrap(counts(s), "", ""));
    if (mixedObjectives(results)) {
      lines.addAll(
          PlainText.wrap(
              "(the objective = fit runs; the min-lipschitz runs' slopes are in the report)",
              "",
              ""));
    }
    for (String sentence : slopeSentences(s)) {
      lines.addAll(PlainText.wrap(sentence, "- ", "  "));
    }
    return lines;
  }

  private static long countViolations(
      Map<String, List<ConsistencyChecks.Result>> checks, Kind kind) {
    return checks.values().stream()
        .flatMap(List::stream)
        .filter(c -> c.violated() && c.check().kind() == kind)
        .count();
  }

  /**
   * "slope of log Lip (certified lower bound) vs log(n/k): 0.41, 95% CI [0.33, 0.49]; the
   * conjectured ½ lies outside".
   */
  static String sentence(AxisFit f) {
    String what =
        String.format(
            Locale.ROOT,
            "Slope of log %s vs %s: **%.3f**",
            f.quantity().label(),
            f.axis().covariate(),
            f.slope());
    String ci =
        f.hasInterval()
            ? String.format(Locale.ROOT, ", 95%% CI [%.3f, %.3f]", f.low(), f.high())
            : " (no interval)";
    String pred;
    if (Double.isNaN(f.axis().predicted())) {
      pred = "; theory predicts no slope here";
    } else if (f.containsPrediction() == null) {
      pred = "; predicted " + slopeText(f.axis().predicted());
    } else {
      pred =
          "; the predicted "
              + slopeText(f.axis().predicted())
              + (f.containsPrediction() ? " lies inside" : " lies **outside**");
    }
    return what
        + ci
        + pred
        + String.format(Locale.ROOT, " (%d runs, %s model).", f.fit().observations(), f.model());
  }

  static String slopeText(double p) {
    if (p == 0.5) {
      return "+½";
    } else if (p == -0.5) {
      return "−½";
    }
    return String.format(Locale.ROOT, "%+.2f", p);
  }

  /**
   * The farm's scaling fits: over every run, or over the plain-fit runs alone when the farm has
   * both objectives (a smoothest interpolant and Adam's are different measurements of the same
   * configuration; pooling them would fit neither; the objective section fits each).
   */
  static ScalingAnalysis.Result scaling(List<RunResult> results) {
    return ScalingAnalysis.analyse(mixedObjectives(results) ? plainFits(results) : results);
  }

  static boolean mixedObjectives(List<RunResult> results) {
    boolean smooth = results.stream().anyMatch(r -> r.config().minimisesLipschitz());
    return smooth && results.stream().anyMatch(r -> !r.config().minimisesLipschitz());
  }

  private static List<RunResult> plainFits(List<RunResult> results) {
    return results.stream().filter(r -> !r.config().minimisesLipschitz()).toList();
  }

  private static void scalingSection(ReportDocument doc, ScalingAnalysis.Result s, boolean mixed) {
    doc.heading(2, "Scaling fits");
    if (mixed) {
      doc.paragraph(
          "This farm has both objectives: the fits below are over the `fit` runs only; the "
              + "smoothest interpolants' slopes, side by side with these, are in the objective "
              + "section.");
    }
    doc.paragraph(
        "Least squares of log(measured) on the logs of the grid axes that vary, over the interpolating runs. **joint**: "
            + "all varying axes among n, k, d, depth and the weight bound's bound-value in one regression, so each slope is the elasticity with the other "
            + "axes fixed (on a Cartesian grid this is the average within-group slope). **n/k**: log(n/k) with d and "
            + "depth if they vary, the conjecture's form Lip ≈ C·(n/k)^β. Intervals: 95% percentile bootstrap, "
            + ClusterBootstrap.DEFAULT_RESAMPLES
            + " resamples of whole seed groups (runs sharing a seed share their data points). The weight bound enters "
            + "only when every interpolating run has one.");
    List<List<String>> rows = new ArrayList<>();
    for (AxisFit f : s.fits()) {
      Boolean c = f.containsPrediction();
      rows.add(
          List.of(
              f.quantity().label(),
              f.axis().label(),
              f.model(),
              Integer.toString(f.fit().observations()),
              Integer.toString(f.fit().clusters()),
              String.format(Locale.ROOT, "%.3f", f.slope()),
              f.hasInterval() ? String.format(Locale.ROOT, "[%.3f, %.3f]", f.low(), f.high()) : "–",
              Double.isNaN(f.axis().predicted()) ? "none" : slopeText(f.axis().predicted()),
              c == null ? "–" : c ? "yes" : "**no**",
              f.axis().prediction()));
    }
    if (rows.isEmpty()) {
      doc.paragraph("No fits: no grid axis takes two values among the interpolating runs.");
    } else {
      doc.table(
          List.of(
              "measured quantity",
              "against",
              "model",
              "runs",
              "seed groups",
              "slope (log-log)",
              "95% CI",
              "predicted",
              "CI contains prediction?",
              "prediction and source"),
          List.of(false, false, false, true, true, true, true, true, false, false),
          rows);
    }
    List<String> notes = new ArrayList<>(s.notes());
    for (Quantity q : Quantity.values()) {
      int bad = s.invalid().getOrDefault(q, 0);
      if (bad > 0) {
        notes.add(
            String.format(
                Locale.ROOT,
                "%s: %d interpolating run%s without a positive value left out.",
                q.label(),
                bad,
                bad == 1 ? "" : "s"));
      }
    }
    doc.bullets(notes);
  }

  private static void runsSection(
      ReportDocument doc,
      List<RunResult> results,
      Map<String, List<ConsistencyChecks.Result>> checks) {
    doc.heading(2, "Runs");
    long fitted = results.stream().filter(RunResult::interpolated).count();
    long violations =
        results.stream()
            .filter(
                r ->
                    checks.get(r.runId()).stream()
                        .anyMatch(c -> c.violated() && c.check().kind() == Kind.CERTIFIED))
            .count();
    doc.paragraph(
        String.format(
            Locale.ROOT,
            "%d configurations, %d interpolated, %d with invariant violations.",
            results.size(),
            fitted,
            violations));
    doc.paragraph(
        "Columns: **Lip lower** is a certified lower bound on the Lipschitz constant (a gradient norm the network attains "
            + "in the data domain, rounded down by its floating-point error bound); **Lip upper** is a certified upper bound "
            + "(the smallest of the computed norm bounds, rounding errors included); "
            + "√(n/k) is the conjectured scaling (BLN, constant unknown); **F3** is a theory floor on ‖a‖₂‖W‖_op (not on "
            + "Lip), shown next to the measured ‖a‖₂‖W‖_op; **F5** is the Bubeck–Sellke lower bound on Lip; **F10** is "
            + "the rigorous data lower bound on Lip. n/a: the bound's assumptions (label model, data model, biases, depth) "
            + "or its precondition fail for this run; results.json gives the reason.");
    List<List<String>> rows = new ArrayList<>();
    for (RunResult r : results) {
      RunConfig c = r.config();
      List<TheoryBound> b = bounds(r);
      rows.add(
          List.of(
              r.runId(),
              Integer.toString(c.n()),
              Integer.toString(c.d()),
              Integer.toString(c.k()),
              Integer.toString(c.seed()),
              Long.toString(facts(r).parameters()),
              fittedLabel(r),
              Integer.toString(r.epochs()),
              fmt(r.maxError()),
              fmt(r.lipLower()) + methodNote(r.lipLowerMethod()),
              fmt(r.lipUpper()) + methodNote(r.lipUpperMethod()),
              fmt(Math.sqrt((double) c.n() / c.k())),
              cell(b, "F3"),
              fmt(r.measures() == null ? Double.NaN : r.measures().spectralProxy()),
              cell(b, "F5"),
              cell(b, "F10"),
              checksCell(r, checks.get(r.runId()))));
    }
    doc.table(
        List.of(
            "run",
            "n",
            "d",
            "k",
            "seed",
            "params",
            "fitted?",
            "epochs",
            "max err",
            "Lip lower (measured, certified)",
            "Lip upper (certified)",
            "√(n/k) (conjecture shape)",
            "F3 (theory floor on ‖a‖‖W‖)",
            "‖a‖‖W‖ (measured)",
            "F5 (theory, lower on Lip)",
            "F10 (theory, lower on Lip)",
            "checks"),
        List.of(
            false, true, true, true, true, true, false, true, true, true, true, true, true, true,
            true, true, false),
        rows);
  }

  private static void theorySection(ReportDocument doc, List<RunResult> results) {
    doc.heading(2, "Theory bounds per run");
    doc.paragraph(
        "Every bound F0–F11 of theory.md for each run, with its status (verified: read in a public source; derived: our "
            + "derivation and constants; reconstructed: a best guess, never a paper's number; claim withdrawn: its author "
            + "withdrew it) and what it bounds. n/a: not applicable (precondition fails; reason under Bound definitions); "
            + "–: not computed.");
    List<TheoryBound> first = results.isEmpty() ? List.of() : bounds(results.get(0));
    List<String> header = new ArrayList<>(List.of("run", "n", "d", "k", "seed"));
    List<Boolean> right = new ArrayList<>(List.of(false, true, true, true, true));
    for (String id : THEORY_IDS) {
      header.add(
          bound(first, id)
              .map(b -> id + " (" + b.status().label() + "; " + b.kind() + ")")
              .orElse(id));
      right.add(true);
    }
    List<List<String>> rows = new ArrayList<>();
    for (RunResult r : results) {
      RunConfig c = r.config();
      List<TheoryBound> b = bounds(r);
      List<String> row =
          new ArrayList<>(
              List.of(
                  r.runId(),
                  Integer.toString(c.n()),
                  Integer.toString(c.d()),
                  Integer.toString(c.k()),
                  Integer.toString(c.seed())));
      for (String id : THEORY_IDS) {
        row.add(cell(b, id));
      }
      rows.add(row);
    }
    doc.table(header, right, rows);
  }

  private static void checksSection(
      ReportDocument doc,
      List<RunResult> results,
      Map<String, List<ConsistencyChecks.Result>> checks) {
    doc.heading(2, "Consistency checks");
    doc.paragraph(
        "theory.md section 6: F10 ≤ measured lower ≤ measured upper ≤ F11 for every run (certified: a violation is an "
            + "estimator or bound error); for interpolating nets the weight norms must clear the floors F2 (path norm), "
            + "F3 (‖a‖₂‖W‖_op, bias-free two-layer) and F8 (Π‖W_j‖_F), each with probability ≥ 1 − δ (δ = "
            + DELTA
            + ") over i.i.d. uniform ±1 labels (not checked for other label models). Comparisons allow a relative rounding slack of "
            + String.format(Locale.ROOT, "%.0e", ConsistencyChecks.RELATIVE_TOLERANCE)
            + ". A check with 0 runs checked could not be made (bound not applicable or not computed, or the measured "
            + "norm missing); see results.json for the reason per run.");
    List<List<String>> summary = new ArrayList<>();
    for (Check ch : Check.values()) {
      long applicable =
          checks.values().stream()
              .map(l -> ConsistencyChecks.of(l, ch))
              .filter(c -> c.outcome() != ConsistencyChecks.Outcome.NOT_APPLICABLE)
              .count();
      long violated =
          checks.values().stream()
              .map(l -> ConsistencyChecks.of(l, ch))
              .filter(ConsistencyChecks.Result::violated)
              .count();
      summary.add(
          List.of(
              ch.statement(),
              ch.kind().meaning(),
              Long.toString(applicable),
              Long.toString(applicable - violated),
              violated == 0 ? "0" : "**" + violated + "**"));
    }
    doc.table(
        List.of("check", "kind", "runs checked", "hold", "violated"),
        List.of(false, false, true, true, true),
        summary);
    List<List<String>> bad = new ArrayList<>();
    for (RunResult r : results) {
      for (ConsistencyChecks.Result c : checks.get(r.runId())) {
        if (c.violated()) {
          RunConfig cf = r.config();
          bad.add(
              List.of(
                  r.runId(),
                  cf.label(),
                  c.check().statement(),
                  fmt(c.small()),
                  fmt(c.large()),
                  c.check().kind().meaning()));
        }
      }
    }
    if (bad.isEmpty()) {
      doc.paragraph("No violations.");
    } else {
      doc.paragraph(
          "**Violations**, with the numbers (the left side of the inequality must not exceed the right):");
      doc.table(
          List.of("run", "configuration", "check", "left side", "right side", "meaning"),
          List.of(false, false, false, true, true, false),
          bad);
    }
  }

  private static void definitions(ReportDocument doc, List<RunResult> results) {
    doc.heading(2, "Bound definitions");
    Map<String, TheoryBound> byId = new LinkedHashMap<>();
    Map<String, Integer> notApplicable = new LinkedHashMap<>();
    Map<String, Set<String>> reasons = new LinkedHashMap<>();
    for (RunResult r : results) {
      for (TheoryBound b : bounds(r)) {
        byId.putIfAbsent(b.id(), b);
        if (!b.applicable()) {
          notApplicable.merge(b.id(), 1, Integer::sum);
          reasons
              .computeIfAbsent(b.id(), k -> new LinkedHashSet<>())
              .add(String.valueOf(b.notApplicableReason()));
        }
      }
    }
    List<String> items = new ArrayList<>();
    List<String> ordered = new ArrayList<>(THEORY_IDS);
    byId.keySet().stream().filter(id -> !ordered.contains(id)).forEach(ordered::add);
    for (String id : ordered) {
      TheoryBound t = byId.get(id);
      if (t == null) {
        continue;
      }
      StringBuilder sb = new StringBuilder();
      sb.append("**")
          .append(t.id())
          .append("** ")
          .append(t.name())
          .append(" — status: **")
          .append(t.status().label())
          .append("**; ")
          .append(t.kind())
          .append(". Assumptions: ")
          .append(t.assumptions())
          .append('.');
      int na = notApplicable.getOrDefault(id, 0);
      if (na > 0) {
        sb.append(
            String.format(
                Locale.ROOT,
                " Not applicable in %d of %d runs: %s.",
                na,
                results.size(),
                String.join("; ", reasons.get(id))));
      }
      items.add(sb.toString());
    }
    if (items.isEmpty()) {
      doc.paragraph("No runs, so no bounds were computed.");
    }
    doc.bullets(items);
    doc.heading(2, "Sources");
    doc.bullets(
        List.of(
            "The formulas and status labels: the project's theory notes (docs/theory.md, F0–F11, sections 1–6).",
            "Husain & Balle, arXiv 2102.08093: v2 **withdrawn by the author**; only the abstract is verified, so every result attributed to it (the log n depth claim, F9) is a claim withdrawn.",
            "Bubeck, Li & Nagaraj, arXiv 2009.14444 (COLT 2021): the √(n/k) conjecture (F4) and its proved spectral form (F3).",
            "Bubeck & Sellke, arXiv 2105.12806 (NeurIPS 2021): Theorem 3 and its preconditions (F5, F6).",
            "Wu, Huang & Zhang, arXiv 2202.11592 (ICML 2023): shapes √(n/p) and n^{1/d} (F7).",
            "Golowich, Rakhlin & Shamir (COLT 2018): the Frobenius-product Rademacher bound behind F8 and F9."));
  }

  private static String checksCell(RunResult r, List<ConsistencyChecks.Result> checks) {
    List<String> bad = new ArrayList<>();
    for (ConsistencyChecks.Result c : checks) {
      if (c.violated()) {
        String what =
            switch (c.check()) {
              case LOWER_LE_UPPER -> "VIOLATION lower > upper";
              case F10_LE_LOWER -> "VIOLATION F10 > lower";
              case UPPER_LE_F11 -> "VIOLATION upper > F11";
              case PATH_NORM_GE_F2 -> "below floor: path norm < F2";
              case SPECTRAL_PROXY_GE_F3 -> "below floor: ‖a‖‖W‖ < F3";
              case FROBENIUS_GE_F8 -> "below floor: Π‖W‖_F < F8";
              case ESTIMATOR_SELF_CHECK -> "ESTIMATOR ERROR " + c.reason() + ", ratio";
            };
        bad.add(what + " (" + fmt(c.small()) + " > " + fmt(c.large()) + ")");
      }
    }
    if (r.error() != null) {
      bad.add("error: " + r.error());
    }
    return bad.isEmpty() ? "ok" : String.join("; ", bad);
  }

  private static String fittedLabel(RunResult r) {
    return switch (r.outcome()) {
      case "converged" -> "yes";
      case "did-not-interpolate" -> "no";
      default -> r.outcome();
    };
  }

  private static String methodNote(String method) {
    return method == null ? "" : " (" + method + ")";
  }

  private static String cell(List<TheoryBound> all, String id) {
    return bound(all, id).map(b -> b.applicable() ? fmt(b.value()) : "n/a").orElse("–");
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
