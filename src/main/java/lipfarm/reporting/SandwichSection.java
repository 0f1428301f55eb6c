package lipfarm.reporting;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.SandwichTrajectory.Point;
import lipfarm.reporting.SandwichTrajectory.Run;

/**
 * The report's section "The Lipschitz sandwich during training": the plot of every run's sandwich
 * against the epoch and a table of each run's first and last snapshot.
 *
 * @param plot null when there is no trajectory to draw
 */
record SandwichSection(SandwichTrajectory trajectory, Plots.Plot plot) {
  static final String HEADING = "The Lipschitz sandwich during training";

  static SandwichSection of(List<RunResult> results, List<FarmEvent> events) {
    SandwichTrajectory t = SandwichTrajectory.of(results, events);
    return new SandwichSection(t, SandwichPlot.render(t));
  }

  /** Adds the plot's files to a report's files, if there is a plot. */
  void addFiles(Map<String, byte[]> files) {
    if (plot != null) {
      files.put("plots/" + plot.name() + ".png", plot.png());
      files.put("plots/" + plot.name() + ".svg", ReportDocument.utf8(plot.svg()));
    }
  }

  void write(ReportDocument doc) {
    doc.heading(2, HEADING);
    if (!trajectory.hasTrajectory()) {
      doc.paragraph(
          "No run has estimates of more than one network snapshot, so there is no sandwich to follow against the "
              + "epoch (the estimator saw only each run's final network).");
      return;
    }
    doc.paragraph(
        "While a run trains, the estimator bounds snapshots of its network; each snapshot's certified sandwich is "
            + "shown against the epoch the snapshot was taken at (its complete estimate, or the last partial one, "
            + "marked partial, if it never completed). A finished run's last snapshot is its final network: the "
            + "sandwich of the tables above.");
    if (plot != null) {
      doc.image(plot);
    }
    List<List<String>> rows = new ArrayList<>();
    for (Run r : trajectory.runs()) {
      Point first = r.first();
      Point last = r.last();
      rows.add(
          List.of(
              r.runId(),
              (r.config() == null ? "–" : r.config().label())
                  + (r.finished() ? "" : " (unfinished)"),
              Integer.toString(r.points().size()),
              epoch(first),
              ReportWriter.fmt(first.lower()),
              ReportWriter.fmt(first.upper()),
              epoch(last),
              ReportWriter.fmt(last.lower()),
              ReportWriter.fmt(last.upper())));
    }
    doc.table(
        List.of(
            "run",
            "configuration",
            "snapshots",
            "first snapshot epoch",
            "lower (first)",
            "upper (first)",
            "last snapshot epoch",
            "lower (last)",
            "upper (last)"),
        List.of(false, false, true, true, true, true, true, true, true),
        rows);
  }

  private static String epoch(Point p) {
    return p.epoch() + (p.complete() ? "" : " (partial)");
  }
}
