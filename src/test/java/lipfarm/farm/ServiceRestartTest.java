package lipfarm.farm;

import static lipfarm.farm.LipfarmJvm.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lipfarm serve} as a separate JVM, killed with SIGKILL mid-farm and restarted on the same
 * {@code --output-dir}: the farm is recovered and finishes with the results of an uninterrupted
 * run, each configuration once; an event stream resumed with {@code Last-Event-ID} across the
 * restart sees every event once and in order; farm ids and directories are never reused; {@code
 * lipfarm resume} continues a service farm from its directory.
 */
@Tag("slow")
class ServiceRestartTest {
  private static final String NAME = "svc";
  private static final int CONFIGS = 4;

  @TempDir Path tmp;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void killLeftovers() throws InterruptedException {
    LipfarmJvm.killAll();
  }

  @Test
  void killedServiceRecoversItsFarmAndStreamsEveryEventOnce() throws Exception {
    Path logs = tmp.resolve("logs");
    Path conf = tmp.resolve(NAME + ".conf");
    String farm = LipfarmJvm.smallFarm(NAME, 2);
    Files.writeString(conf, farm);
    // The uninterrupted reference, computed alongside (results do not depend on timing).
    Path reference = tmp.resolve("reference");
    LipfarmJvm ref =
        LipfarmJvm.start(
            logs,
            "reference",
            List.of(),
            "run",
            "--no-progress",
            "--output-dir",
            reference.toString(),
            conf.toString());

    Path root = tmp.resolve("service");
    LipfarmJvm svc = serve(logs, "serve-1", root);
    String base = baseOf(svc);
    HttpResponse<String> posted = post(base + "/farms", farm);
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(201);
    String id = JSON.readTree(posted.body()).get("id").asText();
    assertThat(id).isEqualTo(NAME + "-1");
    Path dir = root.resolve(NAME).resolve(id);

    List<SseClient.Event> beforeKill;
    try (SseClient stream = new SseClient(base + "/events?farm=" + id, null)) {
      assertThat(stream.status).isEqualTo(200);
      stream.await(e -> "RunFinished".equals(e.type()), 150);
      svc.kill();
      assertThat(stream.awaitEnd(30)).as("the stream ends when the service dies").isTrue();
      beforeKill = new ArrayList<>(stream.events);
    }
    assertThat(beforeKill)
        .as("killed mid-farm: after a RunFinished, before FarmFinished")
        .anyMatch(e -> "RunFinished".equals(e.type()))
        .noneMatch(e -> "FarmFinished".equals(e.type()));
    long lastId = beforeKill.get(beforeKill.size() - 1).id();
    assertThat(LipfarmJvm.countPerRun(LipfarmJvm.events(dir), "RunFinished"))
        .as("unfinished when killed")
        .hasSizeLessThan(CONFIGS);

    // Restart on the same output dir: the farm is listed, resumes and finishes.
    LipfarmJvm svc2 = serve(logs, "serve-2", root);
    base = baseOf(svc2);
    JsonNode listed = JSON.readTree(get(base + "/farms").body());
    // Fails while FarmManager re-reads a registry entry as "farm " + source (the rendered block has
    // no braces): the farm is then not recovered and the list is empty.
    assertThat(listed.get("farms").findValuesAsText("id"))
        .as("the restarted service lists the farm its registry recorded")
        .contains(id);
    List<SseClient.Event> afterRestart;
    try (SseClient resumed = new SseClient(base + "/events?farm=" + id, lastId)) {
      assertThat(resumed.status).isEqualTo(200);
      resumed.await(e -> "FarmFinished".equals(e.type()), 150);
      afterRestart = new ArrayList<>(resumed.events);
    }
    JsonNode status = awaitFinished(base, id);
    assertThat(status.get("dir").asText()).isEqualTo(dir.toAbsolutePath().toString());

    assertThat(ref.exit(180)).as(ref.logs()).isZero();
    Path refDir = reference.resolve(NAME);
    LipfarmJvm.assertFarmComplete(dir, refDir, CONFIGS);

    // The stream before the kill plus the one resumed after the restart: exactly the farm's
    // events.ndjson, each line once, in order; ids increase across the restart.
    // Fails while EventJournal.onFetch clamps Last-Event-ID to the ring's head: a client that
    // reconnects before the restarted service has replayed the journal gets the farm's history
    // again from seq 1.
    long lastSeq = seqOf(beforeKill.get(beforeKill.size() - 1));
    assertThat(seqOf(afterRestart.get(0)))
        .as("the resumed stream continues after Last-Event-ID %d (seq %d)", lastId, lastSeq)
        .isEqualTo(lastSeq + 1);
    List<SseClient.Event> all = new ArrayList<>(beforeKill);
    all.addAll(afterRestart);
    assertThat(all.stream().map(SseClient.Event::data).toList())
        .as("SSE data before kill + after Last-Event-ID resume == events.ndjson")
        .containsExactlyElementsOf(LipfarmJvm.eventLines(dir));
    assertThat(all.stream().mapToLong(SseClient.Event::id).toArray())
        .isSorted()
        .doesNotHaveDuplicates();
    assertThat(afterRestart.get(0).id()).isGreaterThan(lastId);

    // A new farm after the restart: a new id and directory; the old farm's files stay as they are.
    Map<String, String> oldFiles = snapshot(dir);
    HttpResponse<String> second = post(base + "/farms", farm);
    assertThat(second.statusCode()).as(second.body()).isEqualTo(201);
    JsonNode secondStatus = JSON.readTree(second.body());
    String id2 = secondStatus.get("id").asText();
    assertThat(id2).isEqualTo(NAME + "-2");
    Path dir2 = root.resolve(NAME).resolve(id2);
    assertThat(secondStatus.get("dir").asText()).isEqualTo(dir2.toAbsolutePath().toString());
    try (SseClient stream2 = new SseClient(base + "/events?farm=" + id2, null)) {
      stream2.await(e -> "RunFinished".equals(e.type()), 150);
      svc2.kill(); // killed again, mid-farm: this one is finished by lipfarm resume
    }
    assertThat(LipfarmJvm.countPerRun(LipfarmJvm.events(dir2), "RunFinished"))
        .hasSizeLessThan(CONFIGS);

    LipfarmJvm resume2 =
        LipfarmJvm.start(logs, "resume-2", List.of(), "resume", "--no-progress", dir2.toString());
    assertThat(resume2.exit(180)).as(resume2.logs()).isZero();
    LipfarmJvm.assertFarmComplete(dir2, refDir, CONFIGS);
    assertThat(snapshot(dir)).as("the first farm's files are untouched").isEqualTo(oldFiles);

    // lipfarm resume on the finished service farm: nothing runs again, the results stay.
    LipfarmJvm resume1 =
        LipfarmJvm.start(logs, "resume-1", List.of(), "resume", "--no-progress", dir.toString());
    assertThat(resume1.exit(120)).as(resume1.logs()).isZero();
    LipfarmJvm.assertFarmComplete(dir, refDir, CONFIGS);
  }

  private static long seqOf(SseClient.Event e) throws IOException {
    return JSON.readTree(e.data()).get("seq").asLong();
  }

  private static LipfarmJvm serve(Path logs, String tag, Path root) throws Exception {
    return LipfarmJvm.start(
        logs,
        tag,
        List.of(),
        "serve",
        "--output-dir",
        root.toString(),
        "--port",
        Integer.toString(LipfarmJvm.freePort()));
  }

  private static String baseOf(LipfarmJvm svc) throws InterruptedException {
    return svc.awaitLine(svc.out, "listening on (http://127\\.0\\.0\\.1:\\d+)", 120).group(1);
  }

  private JsonNode awaitFinished(String base, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    JsonNode s = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get(base + "/farms/" + id);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      s = JSON.readTree(r.body());
      if ("finished".equals(s.get("state").asText()) && s.get("reportWritten").asBoolean()) {
        return s;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("farm " + id + " did not finish: " + s);
  }

  /** Every regular file under {@code dir}, by relative path, as its bytes (hex-free digest). */
  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        m.put(
            dir.relativize(f).toString(),
            Files.size(f) + ":" + java.util.Arrays.hashCode(Files.readAllBytes(f)));
      }
    }
    return m;
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
