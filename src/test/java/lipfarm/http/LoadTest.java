package lipfarm.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import lipfarm.farm.RunChildren;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 50 concurrent event-stream subscribers and 20 farms submitted at once: nobody misses an event.
 */
@Tag("slow")
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class LoadTest {
  static final int SUBSCRIBERS = 50;
  static final int FARMS = 20;
  static final String FARM =
      "farm { name = load%d, max-concurrent-runs = 1, defaults { n = 10, d = 10, k = 2, max-epochs = 200, estimator-budget = 500 } }";

  @TempDir Path tmp;

  @Test
  void everySubscriberReceivesEveryEvent() throws Exception {
    ServiceConfig cfg =
        ServiceConfig.defaults().withPort(0).withOutputRoot(tmp).withComputeThreads(2);
    ExecutorService pool = Executors.newFixedThreadPool(SUBSCRIBERS + FARMS);
    try (FarmService service =
        FarmService.start(cfg, RunChildren.real()).toCompletableFuture().get()) {
      Api api = new Api(service.baseUri(), null);
      // Subscribe first (live streams from "now"), then submit all farms at once.
      List<Api.EventStream> streams = new ArrayList<>();
      for (int i = 0; i < SUBSCRIBERS; i++) {
        streams.add(api.events("", null));
      }
      List<Future<List<Api.Sse>>> received = new ArrayList<>();
      for (Api.EventStream s : streams) {
        received.add(
            pool.submit(
                () -> {
                  try (s) {
                    int[] ends = {0};
                    return s.until(e -> Api.isEnd(e) && ++ends[0] == FARMS);
                  }
                }));
      }
      List<Future<String>> ids = new ArrayList<>();
      for (int i = 0; i < FARMS; i++) {
        int n = i;
        ids.add(pool.submit(() -> api.submit(String.format(FARM, n))));
      }
      List<String> farmIds = new ArrayList<>();
      for (Future<String> f : ids) {
        farmIds.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(farmIds).doesNotHaveDuplicates().hasSize(FARMS);

      List<List<Api.Sse>> all = new ArrayList<>();
      for (Future<List<Api.Sse>> f : received) {
        all.add(f.get(5, TimeUnit.MINUTES));
      }
      // Every subscriber saw the same events with the same ids, in the same order.
      List<Api.Sse> reference = all.get(0);
      for (List<Api.Sse> r : all) {
        assertThat(r).containsExactlyElementsOf(reference);
      }
      // ... and those are exactly every line of every farm's events.ndjson, in each farm's order.
      ObjectMapper mapper = new ObjectMapper();
      Map<String, List<String>> byFarm = new LinkedHashMap<>();
      for (Api.Sse e : reference) {
        JsonNode n = mapper.readTree(e.data());
        byFarm.computeIfAbsent(n.get("farm").asText(), k -> new ArrayList<>()).add(e.data());
      }
      assertThat(byFarm.keySet()).containsExactlyInAnyOrderElementsOf(farmIds);
      long total = 0;
      for (String id : farmIds) {
        JsonNode status = api.get("/farms/" + id).json();
        assertThat(status.get("state").asText()).isEqualTo("finished");
        List<String> lines =
            Files.readAllLines(Path.of(status.get("dir").asText()).resolve("events.ndjson"));
        assertThat(byFarm.get(id)).as(id).containsExactlyElementsOf(lines);
        total += lines.size();
      }
      assertThat(reference).hasSize((int) total);
      assertThat(api.get("/metrics").body())
          .contains("lipfarm_farms{state=\"finished\"} " + FARMS + ".0");
    } finally {
      pool.shutdownNow();
    }
  }
}
