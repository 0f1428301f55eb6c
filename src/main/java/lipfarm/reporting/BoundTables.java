package lipfarm.reporting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import lipfarm.analysis.ConsistencyChecks;
import lipfarm.analysis.ConsistencyChecks.Check;
import lipfarm.analysis.ConsistencyChecks.Kind;
import lipfarm.bounds.TheoryBound;
import lipfarm.config.RunConfig;
import lipfarm.protocol.RunResult;

/**
 * The report's per-run tables that compare measured Lipschitz bounds with the theory: the runs
 * table, every theory bound per run, the consistency checks with their violations, and the bound
 * definitions and sources. Kept apart from the answer ({@link ScalingSection}) because these are
 * the evidence, run by run, that a reader checks the answer against.
 */
final class BoundTables {
  private BoundTables() {}

  /** "Runs": one row per run, its sandwich next to the bounds it is compared with. */
  static void runs(
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
      List<TheoryBound> b = ReportWriter.bounds(r);
      rows.add(
          List.of(
              r.runId(),
              Integer.toString(c.n()),
              Integer.toString(c.d()),
              Integer.toString(c.k()),
              Integer.toString(c.seed()),
              Long.toString(ReportWriter.facts(r).parameters()),
              fittedLabel(r),
              Integer.toString(r.epochs()),
              ReportWriter.fmt(r.maxError()),
              ReportWriter.fmt(r.lipLower()) + methodNote(r.lipLowerMethod()),
              ReportWriter.fmt(r.lipUpper()) + methodNote(r.lipUpperMethod()),
              ReportWriter.fmt(Math.sqrt((double) c.n() / c.k())),
              cell(b, "F3"),
              ReportWriter.fmt(r.measures() == null ? Double.NaN : r.measures().spectralProxy()),
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

  /** "Theory bounds per run": F0–F11 for every run. */
  static void theory(ReportDocument doc, List<RunResult> results) {
    doc.heading(2, "Theory bounds per run");
    doc.paragraph(
        "Every bound F0–F11 of theory.md for each run, with its status (verified: read in a public source; derived: our "
            + "derivation and constants; reconstructed: a best guess, never a paper's number; claim withdrawn: its author "
            + "withdrew it) and what it bounds. n/a: not applicable (precondition fails; reason under Bound definitions); "
            + "–: not computed.");
    List<TheoryBound> first = results.isEmpty() ? List.of() : ReportWriter.bounds(results.get(0));
    List<String> header = new ArrayList<>(List.of("run", "n", "d", "k", "seed"));
    List<Boolean> right = new ArrayList<>(List.of(false, true, true, true, true));
    for (String id : ReportWriter.THEORY_IDS) {
      header.add(
          ReportWriter.bound(first, id)
              .map(b -> id + " (" + b.status().label() + "; " + b.kind() + ")")
              .orElse(id));
      right.add(true);
    }
    List<List<String>> rows = new ArrayList<>();
    for (RunResult r : results) {
      RunConfig c = r.config();
      List<TheoryBound> b = ReportWriter.bounds(r);
      List<String> row =
          new ArrayList<>(
              List.of(
                  r.runId(),
                  Integer.toString(c.n()),
                  Integer.toString(c.d()),
                  Integer.toString(c.k()),
                  Integer.toString(c.seed())));
      for (String id : ReportWriter.THEORY_IDS) {
        row.add(cell(b, id));
      }
      rows.add(row);
    }
    doc.table(header, right, rows);
  }

  /** "Consistency checks": how many runs each check held in, then every violation. */
  static void checks(
      ReportDocument doc,
      List<RunResult> results,
      Map<String, List<ConsistencyChecks.Result>> checks) {
    doc.heading(2, "Consistency checks");
    doc.paragraph(
        "theory.md section 6: F10 ≤ measured lower ≤ measured upper ≤ F11 for every run (certified: a violation is an "
            + "estimator or bound error); for interpolating nets the weight norms must clear the floors F2 (path norm), "
            + "F3 (‖a‖₂‖W‖_op, bias-free two-layer) and F8 (Π‖W_j‖_F), each with probability ≥ 1 − δ (δ = "
            + ReportWriter.DELTA
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
                  ReportWriter.fmt(c.small()),
                  ReportWriter.fmt(c.large()),
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

  /** "Bound definitions" (each bound, where it does not apply and why) and "Sources". */
  static void definitions(ReportDocument doc, List<RunResult> results) {
    doc.heading(2, "Bound definitions");
    Map<String, TheoryBound> byId = new LinkedHashMap<>();
    Map<String, Integer> notApplicable = new LinkedHashMap<>();
    Map<String, Set<String>> reasons = new LinkedHashMap<>();
    for (RunResult r : results) {
      for (TheoryBound b : ReportWriter.bounds(r)) {
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
    List<String> ordered = new ArrayList<>(ReportWriter.THEORY_IDS);
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
        bad.add(
            what + " (" + ReportWriter.fmt(c.small()) + " > " + ReportWriter.fmt(c.large()) + ")");
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
    return ReportWriter.bound(all, id)
        .map(b -> b.applicable() ? ReportWriter.fmt(b.value()) : "n/a")
        .orElse("–");
  }
}
