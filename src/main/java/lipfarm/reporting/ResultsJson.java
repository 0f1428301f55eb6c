package lipfarm.reporting;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import lipfarm.analysis.ConsistencyChecks;
import lipfarm.analysis.ScalingAnalysis;
import lipfarm.analysis.ScalingAnalysis.AxisFit;
import lipfarm.bounds.TheoryBound;
import lipfarm.protocol.RunResult;

/**
 * {@code results.json}: every run as its event form plus its theory bounds and checks, and the
 * scaling fits with their intervals. Its own class because it is the machine-readable contract
 * ({@code lipfarm export} and {@code lipfarm estimate} read it), kept apart from the prose of the
 * report.
 */
final class ResultsJson {
  private final ObjectMapper mapper = EventJson.newMapper();

  /**
   * @param networks runs whose network is saved: their entry names its file
   */
  String render(
      String farm, List<RunResult> results, ScalingAnalysis.Result scaling, Set<String> networks)
      throws IOException {
    ObjectNode root = mapper.createObjectNode();
    root.put("farm", farm);
    root.put("schema", 1);
    ArrayNode runs = root.putArray("runs");
    for (RunResult r : results) {
      List<TheoryBound> bounds = ReportWriter.bounds(r);
      ObjectNode node = mapper.valueToTree(r);
      node.put("interpolated", r.interpolated());
      node.put("sqrtNOverK", Math.sqrt((double) r.config().n() / r.config().k()));
      node.put("f10LeLower", ReportWriter.f10Holds(r));
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
}
