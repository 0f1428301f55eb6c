package lipfarm.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import lipfarm.farm.RunChildren;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event stream of a real service with the real trainer and estimator: every event of a farm, in
 * order, identical to events.ndjson, and Last-Event-ID resume without gaps or duplicates.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EventStreamTest {
  static final String TINY =
      "farm { name = t, max-concurrent-runs = 2, defaults { d = 10, max-epochs = 2000, estimator-budget = 4000 }, grid { n = [20, 40], k = [2, 16] } }";

  @TempDir static Path tmp;
  static FarmService service;
  static Api api;

  @BeforeAll
  static void start() throws Exception {
    ServiceConfig cfg =
        ServiceConfig.defaults()
            .withPort(0)
            .withOutputRoot(tmp)
            .withHeartbeat(Duration.ofSeconds(1))
            .withComputeThreads(2);
    service = FarmService.start(cfg, RunChildren.real()).toCompletableFuture().get();
    api = new Api(service.baseUri(), null);
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  private static JsonNode json(String s) throws Exception {
    return new ObjectMapper().readTree(s);
  }

  @Test
  void everyEventInOrderAndResumeWithoutGapsOrDuplicates() throws Exception {
    // A live subscriber to everything, connected before the farm exists.
    try (Api.EventStream all = api.events("", null)) {
      String id = api.submit(TINY);
      List<Api.Sse> full;
      // A subscriber that drops after three events and resumes from the last id it saw.
      List<Api.Sse> resumed = new ArrayList<>();
      try (Api.EventStream partial = api.events("?farm=" + id, null)) {
        for (int i = 0; i < 3; i++) {
          resumed.add(partial.next());
        }
      }
      String farmField = "\"farm\":\"" + id + "\"";
      full =
          all.until(e -> Api.isEnd(e) && e.data().contains(farmField)).stream()
              .filter(e -> e.data().contains(farmField))
              .toList();
      try (Api.EventStream rest = api.events("?farm=" + id, resumed.get(2).id())) {
        resumed.addAll(rest.until(Api::isEnd));
      }
      // The query-parameter form of Last-Event-ID (for clients that cannot set headers).
      List<Api.Sse> viaQuery;
      try (Api.EventStream rest =
          api.events("?farm=" + id + "&lastEventId=" + resumed.get(4).id(), null)) {
        viaQuery = rest.until(Api::isEnd);
      }

      assertThat(full.get(0).event()).isEqualTo("FarmStarted");
      assertThat(full.get(full.size() - 1).event()).isEqualTo("FarmFinished");
      // Per-farm sequence 1..N without gaps; SSE ids strictly increasing; event name = type.
      long prevId = 0;
      for (int i = 0; i < full.size(); i++) {
        JsonNode n = json(full.get(i).data());
        assertThat(n.get("seq").asLong()).isEqualTo(i + 1);
        assertThat(n.get("farm").asText()).isEqualTo(id);
        assertThat(n.get("schema").asInt()).isEqualTo(1);
        assertThat(n.get("type").asText()).isEqualTo(full.get(i).event());
        long sseId = Long.parseLong(full.get(i).id());
        assertThat(sseId).isGreaterThan(prevId);
        prevId = sseId;
      }
      assertThat(full.stream().filter(e -> e.event().equals("RunFinished"))).hasSize(4);
      lipfarm.reporting.EventSchema schema = new lipfarm.reporting.EventSchema();
      for (Api.Sse e : full) {
        assertThat(schema.errors(e.data())).as(e.data()).isEmpty();
      }
      assertThat(full.stream().filter(e -> e.event().equals("RunStarted"))).hasSize(4);
      assertThat(full.stream().filter(e -> e.event().equals("LipschitzEstimate"))).isNotEmpty();

      // Resumed = full: no gap, no duplicate.
      assertThat(resumed).containsExactlyElementsOf(full);
      assertThat(viaQuery).containsExactlyElementsOf(full.subList(5, full.size()));

      // The same JSON, byte for byte, as events.ndjson.
      JsonNode status = api.get("/farms/" + id).json();
      List<String> lines =
          Files.readAllLines(Path.of(status.get("dir").asText()).resolve("events.ndjson"));
      assertThat(lines).containsExactlyElementsOf(full.stream().map(Api.Sse::data).toList());
      assertThat(status.get("state").asText()).isEqualTo("finished");
      assertThat(status.get("runsDone").asInt()).isEqualTo(4);
      assertThat(status.get("runsActive").asInt()).isZero();
      assertThat(status.get("lastSeq").asLong()).isEqualTo(full.size());
    }
  }

  @Test
  void filtersByTypeAndFarmAndSendsHeartbeats() throws Exception {
    String a = api.submit(TINY.replace("name = t", "name = a"));
    String b = api.submit(TINY.replace("name = t", "name = b"));
    List<Api.Sse> finishedA;
    try (Api.EventStream s = api.events("?farm=" + a + "&type=RunFinished,FarmFinished", null)) {
      finishedA = s.until(Api::isEnd);
    }
    assertThat(finishedA)
        .extracting(Api.Sse::event)
        .containsExactly(
            "RunFinished", "RunFinished", "RunFinished", "RunFinished", "FarmFinished");
    for (Api.Sse e : finishedA) {
      assertThat(json(e.data()).get("farm").asText()).isEqualTo(a);
    }
    try (Api.EventStream s = api.events("?farm=" + a + "," + b + "&type=FarmFinished", null)) {
      List<Api.Sse> ends = List.of(s.next(), s.next());
      assertThat(ends)
          .extracting(e -> json(e.data()).get("farm").asText())
          .containsExactlyInAnyOrder(a, b);
    }
    // An idle stream (nothing after its start) gets heartbeats.
    try (Api.EventStream idle = api.events("?farm=" + a, String.valueOf(Long.MAX_VALUE / 2))) {
      assertThat(idle.untilHeartbeats(2)).isEmpty();
    }
    assertThat(api.get("/events?type=Bogus").status()).isEqualTo(400);
    assertThat(api.get("/events?farm=nope-1").status()).isEqualTo(404);
    assertThat(api.send(api.req("/events").header("Last-Event-ID", "x").GET()).status())
        .isEqualTo(400);
  }
}
