package lipfarm.reporting;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import lipfarm.analysis.ConsistencyChecks;
import lipfarm.analysis.ConsistencyChecks.Check;
import lipfarm.bounds.TheoryBound;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent.NetworkMeasures;
import lipfarm.protocol.RunResult;

/**
 * {@code results.csv}: one row per run with its measurements, the theory bounds, the consistency
 * checks and every configuration parameter. Its own class because {@code lipfarm export} writes the
 * same rows (through {@link ReportWriter#csvRow}) and the columns are a format readers depend on:
 * they change here and nowhere else.
 */
final class ResultsCsv {
  private ResultsCsv() {}

  /** Parameters already among the first columns of results.csv. */
  private static final Set<String> LEADING_PARAMETERS = Set.of("n", "d", "k", "depth", "seed");

  static final String HEADER =
      "run_id,n,d,k,depth,seed,parameters,outcome,fitted,epochs,loss,max_error,sign_fit,"
          + "lip_lower_certified,lip_lower_method,lip_upper_certified,lip_upper_method,estimator_evaluations,"
          + "sqrt_n_over_k,F3_spectral_proxy_floor,spectral_proxy_measured,F5_bs_lower,F10_data_lower,"
          + "F10_le_lower,lower_le_upper,upper_le_F11,path_norm_ge_F2,spectral_proxy_ge_F3,frobenius_product_ge_F8,estimator_self_check,"
          + "path_norm_measured,frobenius_product_measured,spectral_product_measured,max_abs_weight,min_opposite_label_distance,"
          + String.join(",", ReportWriter.THEORY_IDS.stream().map(id -> "theory_" + id).toList())
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

  static String csv(List<RunResult> results) {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    for (RunResult r : results) {
      sb.append(row(r)).append('\n');
    }
    return sb.toString();
  }

  /** The columns of results.csv, in order. */
  static List<String> columns() {
    return List.of(HEADER.split(","));
  }

  /** One row of results.csv (without its line end), quoted as RFC 4180 asks. */
  static String row(RunResult r) {
    RunConfig c = r.config();
    NetworkMeasures m = r.measures();
    List<TheoryBound> b = ReportWriter.bounds(r);
    List<ConsistencyChecks.Result> checks = ConsistencyChecks.evaluate(r, b);
    List<String> cells = new ArrayList<>();
    cells.add(r.runId());
    cells.add(Integer.toString(c.n()));
    cells.add(Integer.toString(c.d()));
    cells.add(Integer.toString(c.k()));
    cells.add(Integer.toString(c.depth()));
    cells.add(Integer.toString(c.seed()));
    cells.add(Long.toString(ReportWriter.facts(r).parameters()));
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
    for (String id : ReportWriter.THEORY_IDS) {
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
    return String.join(",", cells.stream().map(ResultsCsv::cell).toList());
  }

  /** The bound's value, NaN when it is absent or not applicable. */
  private static double value(List<TheoryBound> all, String id) {
    return ReportWriter.bound(all, id)
        .filter(TheoryBound::applicable)
        .map(TheoryBound::value)
        .orElse(Double.NaN);
  }

  static String cell(String s) {
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
}
