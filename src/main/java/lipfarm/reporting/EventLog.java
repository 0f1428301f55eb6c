package lipfarm.reporting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunReestimated;
import lipfarm.protocol.RunResult;

/**
 * A farm's stored {@code events.ndjson}, read back: everything a report needs, so reports can be
 * rebuilt without retraining. Reading is all-or-nothing: any unreadable line is an error naming the
 * file and line.
 *
 * @param farm the farm name (from FarmStarted, else from the first line's envelope)
 * @param events every event, in file order
 * @param results the RunResult of every RunFinished, replaced by the run's latest RunReestimated if
 *     any, in {@link ReportOrder#BY_PARAMETERS} order
 * @param finished whether the file ends the farm (FarmFinished or FarmCancelled)
 */
public record EventLog(
    String farm, List<FarmEvent> events, List<RunResult> results, boolean finished) {

  public static final String FILE = "events.ndjson";

  /** Why an events file cannot be used, naming the file and (when known) the line. */
  public static final class BadEventLog extends Exception {
    BadEventLog(String message) {
      super(message);
    }
  }

  /** Reads {@code dir/events.ndjson}. */
  public static EventLog read(Path dir) throws BadEventLog {
    if (!Files.isDirectory(dir)) {
      throw new BadEventLog("not a run directory (no such directory): " + dir);
    }
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new BadEventLog("no " + FILE + " in " + dir + ": not a farm's results directory");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw new BadEventLog(file + ": not UTF-8 text");
    } catch (IOException e) {
      throw new BadEventLog(file + ": cannot read: " + e.getMessage());
    }
    return parse(file.toString(), lines);
  }

  /**
   * @param name the file name used in messages
   */
  public static EventLog parse(String name, List<String> lines) throws BadEventLog {
    if (lines.isEmpty()) {
      throw new BadEventLog(name + ": empty, no events");
    }
    ObjectMapper mapper = EventJson.newMapper();
    List<FarmEvent> events = new ArrayList<>();
    String farm = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      FarmEvent e;
      if (tornBeforeRestart(lines, i)) {
        continue;
      }
      try {
        JsonNode node = mapper.readTree(line);
        if (node == null || !node.isObject()) {
          throw new BadEventLog(name + " line " + (i + 1) + ": not a JSON object");
        }
        if (farm == null && node.hasNonNull("farm")) {
          farm = node.get("farm").asText();
        }
        e = EventJson.parse(mapper, line);
      } catch (IOException | UncheckedIOException | IllegalArgumentException ex) {
        String why =
            ex instanceof UncheckedIOException u ? u.getCause().getMessage() : ex.getMessage();
        throw new BadEventLog(name + " line " + (i + 1) + ": not a valid event: " + firstLine(why));
      }
      if (e == null) {
        throw new BadEventLog(name + " line " + (i + 1) + ": not a valid event: null");
      }
      if (e instanceof RunFinished f && (f.result() == null || f.result().config() == null)
          || e instanceof RunReestimated r && (r.result() == null || r.result().config() == null)) {
        throw new BadEventLog(
            name
                + " line "
                + (i + 1)
                + ": "
                + e.getClass().getSimpleName()
                + " without a result and its configuration");
      }
      events.add(e);
    }
    List<RunResult> results = new ArrayList<>();
    boolean finished = false;
    for (FarmEvent e : events) {
      if (e instanceof FarmStarted s && s.farm() != null) {
        farm = s.farm();
      } else if (e instanceof RunFinished f) {
        results.add(f.result());
      } else if (e instanceof RunReestimated r) {
        replaceLatest(results, r.result()); // the latest estimate of the run wins
      } else if (e instanceof FarmFinished || e instanceof FarmEvent.FarmCancelled) {
        // A cancelled farm is over too: its report covers the runs that finished.
        finished = true;
      }
    }
    results.sort(ReportOrder.BY_PARAMETERS);
    return new EventLog(
        farm == null ? "unnamed" : farm, List.copyOf(events), List.copyOf(results), finished);
  }

  /** Replaces the last result of {@code r}'s run; a run without one gets none. */
  private static void replaceLatest(List<RunResult> results, RunResult r) {
    for (int i = results.size() - 1; i >= 0; i--) {
      if (results.get(i).runId().equals(r.runId())) {
        results.set(i, r);
        return;
      }
    }
  }

  /**
   * A line that a killed farm left half-written: it does not parse and the next line is the
   * FarmStarted of the farm's restart. It is skipped; anything else unreadable is an error.
   */
  private static boolean tornBeforeRestart(List<String> lines, int i) {
    if (i + 1 >= lines.size() || !lines.get(i + 1).contains("\"type\":\"FarmStarted\"")) {
      return false;
    }
    try {
      EventJson.parse(EventJson.newMapper(), lines.get(i));
      return false;
    } catch (RuntimeException ex) {
      return true;
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
