package lipfarm.reporting;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import lipfarm.analysis.ConsistencyChecks;
import lipfarm.analysis.ConsistencyChecks.Check;
import lipfarm.analysis.ScalingAnalysis;
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
 *
 * <p>This class assembles the files and owns the theory bounds of a run ({@link #bounds}); the
 * parts are rendered by {@link ResultsCsv}, {@link ResultsJson}, {@link ScalingSection} (the answer
 * and the scaling fits), {@link BoundTables} (the per-run tables), {@link Plots}, {@link
 * SandwichSection} and {@link ObjectiveSection}, and {@link ReportDocument} turns the sections into
 * Markdown and HTML.
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

  private final ResultsJson resultsJson = new ResultsJson();

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
  static Set<String> savedNetworks(Path dir, List<RunResult> results) {
    Set<String> saved = new HashSet<>();
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
    return render(farm, results, events, Set.of());
  }

  /**
   * @param networks runs whose network is saved: results.json names their file
   */
  public Map<String, byte[]> render(
      String farm, List<RunResult> results, List<FarmEvent> events, Set<String> networks)
      throws IOException {
    ScalingAnalysis.Result scaling = ScalingSection.scaling(results);
    List<Plots.Plot> plots = Plots.all(results, scaling, events);
    boolean finished = events.stream().anyMatch(e -> e instanceof FarmFinished);
    SandwichSection sandwich = SandwichSection.of(results, events);
    ObjectiveSection objective = ObjectiveSection.of(results, events);
    ReportDocument doc =
        document(farm, results, scaling, plots, sandwich, objective, !events.isEmpty(), finished);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("results.csv", ReportDocument.utf8(ResultsCsv.csv(results)));
    files.put(
        "results.json", ReportDocument.utf8(resultsJson.render(farm, results, scaling, networks)));
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

  // ---------------------------------------------------------------- results.csv, results.json

  /** results.csv (see {@link ResultsCsv}). */
  public String csv(List<RunResult> results) {
    return ResultsCsv.csv(results);
  }

  /** The columns of results.csv, in order. */
  public static List<String> csvColumns() {
    return ResultsCsv.columns();
  }

  /** One row of results.csv (without its line end), quoted as RFC 4180 asks. */
  public static String csvRow(RunResult r) {
    return ResultsCsv.row(r);
  }

  /** results.json (see {@link ResultsJson}), without saved networks. */
  public String json(String farm, List<RunResult> results) throws IOException {
    return resultsJson.render(farm, results, ScalingSection.scaling(results), Set.of());
  }

  // ---------------------------------------------------------------- report.md / report.html

  /**
   * The first lines of report.md's answer as plain text for a terminal (see {@link
   * ScalingSection#answerLines}).
   */
  public static List<String> answerLines(List<RunResult> results) {
    return ScalingSection.answerLines(results);
  }

  /** The farm's scaling fits (see {@link ScalingSection#scaling}). */
  static ScalingAnalysis.Result scaling(List<RunResult> results) {
    return ScalingSection.scaling(results);
  }

  static boolean mixedObjectives(List<RunResult> results) {
    return ScalingSection.mixedObjectives(results);
  }

  public String markdown(String farm, List<RunResult> results) {
    ScalingAnalysis.Result scaling = ScalingSection.scaling(results);
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
    ScalingSection.answer(doc, results, scaling, checks, finished);
    ScalingSection.write(doc, scaling, ScalingSection.mixedObjectives(results));
    BoundTables.runs(doc, results, checks);
    BoundTables.theory(doc, results);
    BoundTables.checks(doc, results, checks);
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
    BoundTables.definitions(doc, results);
    return doc;
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
