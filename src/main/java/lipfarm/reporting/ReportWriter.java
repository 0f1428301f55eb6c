package lipfarm.reporting;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import lipfarm.bounds.FitType;
import lipfarm.bounds.NetworkNorms;
import lipfarm.bounds.RunFacts;
import lipfarm.bounds.TheoryBound;
import lipfarm.bounds.TheoryBounds;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.RunResult;

/**
 * Writes {@code results.csv}, {@code results.json} and {@code report.md} from finished runs. Pure
 * IO: the same results always give the same bytes, so a report can be rebuilt from stored events.
 * Each file is written to a temporary name and moved into place, so a crash never leaves a
 * half-written file.
 */
public final class ReportWriter {
  /** δ of every high-probability bound in the report. */
  public static final double DELTA = 0.05;

  /** Peeling grid size M of the Rademacher bounds. */
  public static final int PEELING_M = 64;

  /** ε used for Bubeck-Sellke with exact interpolation of ±1 labels (σ² = 1). */
  public static final double BS_EPSILON = 0.99;

  private final ObjectMapper mapper = EventJson.newMapper();

  /** The facts about one run that the theory bounds need. */
  public static RunFacts facts(RunResult r) {
    RunConfig c = r.config();
    NetworkMeasures m = r.measures();
    return new RunFacts(
        c.n(),
        c.d(),
        c.k(),
        c.depth(),
        m == null ? (long) c.k() * (c.d() + 2) + 1 : m.parameters(),
        c.bias(),
        1.0,
        c.d() / (c.d() - 1.0 + 1e-300),
        DELTA,
        PEELING_M,
        FitType.EXACT,
        1.0,
        BS_EPSILON,
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
    return new NetworkNorms(m.pathNorm(), m.spectralProxy(), m.frobeniusProduct(), m.spectralProduct());
  }

  /** The bounds of one run, F0..F11. */
  public static List<TheoryBound> bounds(RunResult r) {
    return TheoryBounds.all(facts(r), norms(r));
  }

  static TheoryBound bound(List<TheoryBound> all, String id) {
    return all.stream().filter(b -> b.id().equals(id)).findFirst().orElseThrow();
  }

  /** F10 ≤ certified lower bound, for runs that interpolate. */
  public static boolean f10Holds(RunResult r) {
    TheoryBound f10 = bound(bounds(r), "F10");
    return !r.interpolated() || !f10.applicable() || f10.value() <= r.lipLower() * (1 + 1e-12);
  }

  /** Writes the three result files into {@code dir}. */
  public void write(Path dir, String farm, List<RunResult> results) throws IOException {
    Files.createDirectories(dir);
    atomicWrite(dir.resolve("results.csv"), csv(results));
    atomicWrite(dir.resolve("results.json"), json(farm, results));
    atomicWrite(dir.resolve("report.md"), markdown(farm, results));
  }

  static void atomicWrite(Path target, String content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static final String CSV_HEADER =
      "run_id,n,d,k,depth,seed,parameters,outcome,fitted,epochs,loss,max_error,sign_fit,"
          + "lip_lower_certified,lip_lower_method,lip_upper_certified,lip_upper_method,estimator_evaluations,"
          + "sqrt_n_over_k,F3_spectral_proxy_floor,spectral_proxy_measured,F5_bs_lower,F10_data_lower,"
          + "F10_le_lower,lower_le_upper,error";

  public String csv(List<RunResult> results) {
    StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
    for (RunResult r : results) {
      RunConfig c = r.config();
      List<TheoryBound> b = bounds(r);
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
      cells.add(num(value(bound(b, "F3"))));
      cells.add(num(r.measures() == null ? Double.NaN : r.measures().spectralProxy()));
      cells.add(num(value(bound(b, "F5"))));
      cells.add(num(value(bound(b, "F10"))));
      cells.add(Boolean.toString(f10Holds(r)));
      cells.add(Boolean.toString(!(r.lipLower() > r.lipUpper())));
      cells.add(str(r.error()));
      sb.append(String.join(",", cells.stream().map(ReportWriter::csvCell).toList())).append('\n');
    }
    return sb.toString();
  }

  private static double value(TheoryBound b) {
    return b.applicable() ? b.value() : Double.NaN;
  }

  private static String csvCell(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
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

  public String json(String farm, List<RunResult> results) throws IOException {
    ObjectNode root = mapper.createObjectNode();
    root.put("farm", farm);
    root.put("schema", 1);
    ArrayNode runs = root.putArray("runs");
    for (RunResult r : results) {
      ObjectNode node = mapper.valueToTree(r);
      node.put("interpolated", r.interpolated());
      node.put("sqrtNOverK", Math.sqrt((double) r.config().n() / r.config().k()));
      node.put("f10LeLower", f10Holds(r));
      ArrayNode theory = node.putArray("theoryBounds");
      for (TheoryBound b : bounds(r)) {
        ObjectNode bn = mapper.valueToTree(b);
        bn.put("statusLabel", b.status().label());
        theory.add(bn);
      }
      runs.add(node);
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
  }

  public String markdown(String farm, List<RunResult> results) {
    StringBuilder sb = new StringBuilder();
    sb.append("# lipfarm report: ").append(farm).append("\n\n");
    long fitted = results.stream().filter(RunResult::interpolated).count();
    long violations = results.stream().filter(r -> !f10Holds(r) || r.lipLower() > r.lipUpper()).count();
    sb.append(String.format(Locale.ROOT, "%d configurations, %d interpolated, %d invariant violations.%n%n", results.size(), fitted, violations));
    sb.append("Columns: **Lip lower** is a certified lower bound on the Lipschitz constant (a gradient norm the\n")
        .append("network attains in the unit ball); **Lip upper** is a certified upper bound (the smallest of the\n")
        .append("computed norm bounds); √(n/k) is the conjectured scaling (BLN, constant unknown); **F3** is a\n")
        .append("theory floor on ‖a‖₂‖W‖_op (not on Lip), shown next to the measured ‖a‖₂‖W‖_op; **F5** is the\n")
        .append("Bubeck–Sellke lower bound on Lip; **F10** is the rigorous data lower bound on Lip.\n\n");
    sb.append("| run | n | d | k | seed | params | fitted? | epochs | max err | Lip lower (measured, certified) | Lip upper (certified) | √(n/k) (conjecture shape) | F3 (theory floor on ‖a‖‖W‖) | ‖a‖‖W‖ (measured) | F5 (theory, lower on Lip) | F10 (theory, lower on Lip) | checks |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (RunResult r : results) {
      RunConfig c = r.config();
      List<TheoryBound> b = bounds(r);
      String checks = checks(r);
      sb.append(String.format(Locale.ROOT,
          "| %s | %d | %d | %d | %d | %d | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
          r.runId(), c.n(), c.d(), c.k(), c.seed(), facts(r).parameters(),
          fittedLabel(r), r.epochs(), fmt(r.maxError()),
          fmt(r.lipLower()) + methodNote(r.lipLowerMethod()), fmt(r.lipUpper()) + methodNote(r.lipUpperMethod()),
          fmt(Math.sqrt((double) c.n() / c.k())), cell(bound(b, "F3")),
          fmt(r.measures() == null ? Double.NaN : r.measures().spectralProxy()),
          cell(bound(b, "F5")), cell(bound(b, "F10")), checks));
    }
    sb.append("\n## Bounds used\n\n");
    if (!results.isEmpty()) {
      for (TheoryBound t : bounds(results.get(0))) {
        if (t.id().equals("F3") || t.id().equals("F5") || t.id().equals("F10")) {
          sb.append("- **").append(t.id()).append("** ").append(t.name()).append(" — status: ")
              .append(t.status().label()).append("; ").append(t.kind()).append(". Assumptions: ")
              .append(t.assumptions());
          if (!t.applicable()) {
            sb.append(" Not applicable here: ").append(t.notApplicableReason());
          }
          sb.append("\n");
        }
      }
    }
    sb.append("\nSources: ../shared/theory.md (F0–F11). The Husain–Balle log n depth result was withdrawn by its author.\n");
    return sb.toString();
  }

  private static String fittedLabel(RunResult r) {
    return switch (r.outcome()) {
      case "converged" -> "yes";
      case "did-not-interpolate" -> "no";
      default -> r.outcome();
    };
  }

  private static String checks(RunResult r) {
    List<String> bad = new ArrayList<>();
    if (r.lipLower() > r.lipUpper()) {
      bad.add("VIOLATION lower > upper");
    }
    if (!f10Holds(r)) {
      bad.add("VIOLATION F10 > lower");
    }
    if (r.error() != null) {
      bad.add("error: " + r.error().replace('|', '/'));
    }
    return bad.isEmpty() ? "ok" : String.join("; ", bad);
  }

  private static String methodNote(String method) {
    return method == null ? "" : " (" + method + ")";
  }

  private static String cell(TheoryBound b) {
    return b.applicable() ? fmt(b.value()) : "n/a";
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
