package lipfarm.reporting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunReestimated;

/**
 * What a farm's existing {@code events.ndjson} already holds, read leniently when a reporter
 * starts: its last sequence number and the results it logged. A line torn by a kill is ended (by
 * appending a newline) and skipped.
 *
 * @param lastSeq the largest {@code seq} in the file (0: none)
 * @param results the logged results by run id (a run's latest RunReestimated replaces its
 *     RunFinished)
 */
public record EventFile(long lastSeq, Map<String, lipfarm.protocol.RunResult> results) {

  public static EventFile read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return new EventFile(0, Map.of());
    }
    terminateTornLine(file);
    ObjectMapper mapper = EventJson.newMapper();
    long seq = 0;
    Map<String, lipfarm.protocol.RunResult> results = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      JsonNode n;
      try {
        n = mapper.readTree(line);
      } catch (IOException e) {
        continue; // a line torn by a kill
      }
      if (n == null || !n.isObject()) {
        continue;
      }
      seq = Math.max(seq, n.path("seq").asLong(0));
      String type = n.path("type").asText();
      if ("RunFinished".equals(type) || "RunReestimated".equals(type)) {
        try {
          FarmEvent e = EventJson.parse(mapper, line);
          if (e instanceof RunFinished f && f.result() != null) {
            results.put(f.runId(), f.result());
          } else if (e instanceof RunReestimated r
              && r.result() != null
              && results.containsKey(r.runId())) {
            results.put(r.runId(), r.result()); // the latest estimate of the run wins
          }
        } catch (RuntimeException ex) {
          // unreadable result: the report rebuild names it
        }
      }
    }
    return new EventFile(seq, results);
  }

  /** Ends a half-written last line (appending only) so the next event starts a line of its own. */
  private static void terminateTornLine(Path file) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      if (raf.length() == 0) {
        return;
      }
      raf.seek(raf.length() - 1);
      if (raf.read() == '\n') {
        return;
      }
    }
    Files.writeString(
        file, System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }
}
