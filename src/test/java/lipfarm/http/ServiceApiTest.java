package lipfarm.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import lipfarm.farm.RunChildren;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API of a real service: auth, bad input, unknown ids, results, report, cancel, metrics.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceApiTest {
  static final String TOKEN = "test-token-123";
  static final String TINY =
      "farm { name = t, max-concurrent-runs = 2, defaults { d = 10, max-epochs = 2000, estimator-budget = 4000 }, grid { n = [20, 40], k = [2, 16] } }";

  /** Long enough to be cancelled mid-flight: 8 runs of up to 10^6 epochs, 2 at a time. */
  static final String LONG =
      "farm { name = long, max-concurrent-runs = 2, defaults { d = 10, max-epochs = 1000000, tol = 0.0000001, estimator-budget = 4000 }, grid { n = [200, 300], k = [2, 4, 8, 16] } }";

  @TempDir static Path tmp;
  static FarmService service;
  static Api api;
  static Api anonymous;

  @BeforeAll
  static void start() throws Exception {
    ServiceConfig cfg =
        ServiceConfig.defaults()
            .withPort(0)
            .withOutputRoot(tmp)
            .withToken(TOKEN)
            .withMaxBodyBytes(2048)
            .withComputeThreads(2);
    service =
        FarmService.start(cfg.withTokenPolicy(new SecureRandom()).config(), RunChildren.real())
            .toCompletableFuture()
            .get();
    api = new Api(service.baseUri(), TOKEN);
    anonymous = new Api(service.baseUri(), null);
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  private static boolean nothingStarted() throws Exception {
    try (Stream<Path> s = Files.walk(tmp)) {
      // The service's own journal and identity live in the root; farms live in sub-directories.
      if (s.filter(Files::isRegularFile).anyMatch(p -> !p.getParent().equals(tmp))) {
        return false;
      }
    }
    return api.get("/farms").json().get("farms").isEmpty();
  }

  private static void assertNoInternals(Api.Response r) {
    assertThat(r.body())
        .doesNotContain("\tat ")
        .doesNotContain("Exception")
        .doesNotContain("lipfarm.");
    assertThat(r.raw().headers().firstValue("Content-Type")).hasValue("application/json");
  }

  /** Runs first, on an empty service. */
  @Test
  @Order(1)
  void badRequestsStartNothing() throws Exception {
    assertThat(nothingStarted()).isTrue();

    Api.Response noToken = anonymous.post("/farms", TINY);
    assertThat(noToken.status()).isEqualTo(401);
    assertThat(noToken.raw().headers().firstValue("WWW-Authenticate")).isPresent();
    assertNoInternals(noToken);
    Api.Response wrongToken = new Api(service.baseUri(), "nope").post("/farms", TINY);
    assertThat(wrongToken.status()).isEqualTo(401);

    Api.Response unknownKey = api.post("/farms", "farm { defaults { nn = 3 } }");
    assertThat(unknownKey.status()).isEqualTo(400);
    assertThat(unknownKey.json().get("key").asText()).isEqualTo("farm.defaults.nn");
    assertThat(unknownKey.json().get("error").asText()).contains("allowed keys");
    assertNoInternals(unknownKey);

    Api.Response wrongType = api.post("/farms", "{\"farm\": {\"grid\": {\"k\": [5, \"ten\"]}}}");
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.json().get("key").asText()).isEqualTo("farm.grid.k[1]");

    Api.Response malformed = api.post("/farms", "farm { grid { n = [1, 2 }");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().get("key").asText()).isEqualTo("FILE");
    assertNoInternals(malformed);

    // A remote user chooses neither where results go nor which server files are read.
    Api.Response dots = api.post("/farms", "farm { name = \"..\" }");
    assertThat(dots.status()).isEqualTo(400);
    assertThat(dots.json().get("key").asText()).isEqualTo("farm.name");
    Api.Response absolute =
        api.post("/farms", "farm { defaults { data = csv, file = \"/etc/passwd\" } }");
    assertThat(absolute.status()).as(absolute.body()).isEqualTo(400);
    assertThat(absolute.json().get("key").asText()).isEqualTo("farm.defaults.file");
    Api.Response up =
        api.post(
            "/farms",
            "farm { defaults { data = csv }, grid { file = [\"pom.xml\", \"data/../../b.csv\"] } }");
    assertThat(up.status()).as(up.body()).isEqualTo(400);
    assertThat(up.json().get("key").asText()).isEqualTo("farm.grid.file[1]");

    Api.Response tooBig = api.post("/farms", "farm { name = big }\n#" + "x".repeat(4096));
    assertThat(tooBig.status()).isEqualTo(413);
    assertNoInternals(tooBig);

    for (String path : List.of("/farms/nope-1", "/farms/nope-1/results", "/farms/nope-1/report")) {
      Api.Response r = api.get(path);
      assertThat(r.status()).as(path).isEqualTo(404);
      assertNoInternals(r);
    }
    assertThat(api.delete("/farms/nope-1").status()).isEqualTo(404);
    assertThat(anonymous.delete("/farms/nope-1").status()).isEqualTo(401);
    assertThat(api.get("/no/such/path").status()).isEqualTo(404);
    assertThat(api.send(api.req("/farms").PUT(HttpRequest.BodyPublishers.ofString("x"))).status())
        .isEqualTo(405);
    assertThat(nothingStarted()).isTrue();
  }

  @Test
  void farmLifecycleResultsReportAndMetrics() throws Exception {
    assertThat(api.get("/health").json().get("status").asText()).isEqualTo("ok");
    // A CLI farm file is accepted as it is: the service ignores its output-dir and says so.
    Api.Response created =
        api.post("/farms", TINY.replace("farm { ", "farm { output-dir = \"/etc\", "));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().get("note").asText()).contains("farm.output-dir ignored");
    assertThat(Path.of(created.json().get("dir").asText())).startsWith(tmp.toAbsolutePath());
    String id = created.json().get("id").asText();
    assertThat(id).matches("t-[0-9]+");
    assertThat(created.raw().headers().firstValue("Location")).hasValue("/farms/" + id);
    assertThat(created.json().get("totalRuns").asInt()).isEqualTo(4);

    try (Api.EventStream s = api.events("?farm=" + id + "&type=FarmFinished", null)) {
      s.next();
    }
    JsonNode status = api.get("/farms/" + id).json();
    assertThat(status.get("state").asText()).isEqualTo("finished");
    assertThat(status.get("runsDone").asInt()).isEqualTo(4);
    assertThat(status.get("progress").asDouble()).isEqualTo(1.0);
    assertThat(api.get("/farms").json().get("farms").findValuesAsText("id")).contains(id);

    // The report is written just after FarmFinished; wait for it.
    Api.Response report = api.get("/farms/" + id + "/report");
    for (int i = 0; i < 50 && report.status() == 409; i++) {
      Thread.sleep(100);
      report = api.get("/farms/" + id + "/report");
    }
    assertThat(report.status()).isEqualTo(200);
    assertThat(report.body()).contains("Lip lower");
    JsonNode results = api.get("/farms/" + id + "/results").json();
    assertThat(results.get("complete").asBoolean()).isTrue();
    assertThat(results.get("runs")).hasSize(4);
    for (JsonNode r : results.get("runs")) {
      assertThat(r.get("lipLower").asDouble()).isLessThanOrEqualTo(r.get("lipUpper").asDouble());
    }
    // Deleting a finished farm is a conflict, not a cancellation.
    Api.Response del = api.delete("/farms/" + id);
    assertThat(del.status()).isEqualTo(409);
    assertThat(del.json().get("farm").get("state").asText()).isEqualTo("finished");

    String metrics = api.get("/metrics").body();
    assertThat(metrics)
        .contains("lipfarm_runs_finished_total{farm=\"" + id + "\",outcome=\"converged\"}")
        .contains("lipfarm_training_epochs_total{farm=\"" + id + "\"}")
        .contains("lipfarm_farms{state=\"finished\"}")
        .contains("lipfarm_coordinator_mailbox_backlog{farm=\"" + id + "\"} 0.0")
        .contains("lipfarm_events_total{farm=\"" + id + "\",type=\"FarmFinished\"} 1.0")
        .contains("lipfarm_bound_ratio_count{farm=\"" + id + "\",ratio=\"upper_over_lower\"} 4")
        .contains("jvm_memory_used_bytes")
        .contains("process_cpu_usage")
        // Per-run gauges are removed when runs finish.
        .doesNotContain("lipfarm_run_loss{farm=\"" + id + "\"");
  }

  @Test
  void cancelStopsActiveRunsAndKeepsResults() throws Exception {
    String id = api.submit(LONG);
    List<Api.Sse> seen;
    try (Api.EventStream s = api.events("?farm=" + id, null)) {
      seen = s.until(e -> "TrainingProgress".equals(e.event()));
      String metrics = api.get("/metrics").body();
      assertThat(metrics)
          .contains("lipfarm_run_loss{farm=\"" + id + "\"")
          .contains("lipfarm_run_sqrt_n_over_k{farm=\"" + id + "\"");
      Api.Response anon = anonymous.delete("/farms/" + id);
      assertThat(anon.status()).isEqualTo(401);
      Api.Response del = api.delete("/farms/" + id);
      assertThat(del.status()).as(del.body()).isEqualTo(200);
      assertThat(del.json().get("state").asText()).isEqualTo("cancelled");
      assertThat(del.json().get("runsCancelled").asInt())
          .isEqualTo(8 - del.json().get("runsDone").asInt());
      assertThat(del.json().get("reportWritten").asBoolean()).isTrue();
      seen = new java.util.ArrayList<>(seen);
      seen.addAll(s.until(Api::isEnd));
    }
    assertThat(seen.get(seen.size() - 1).event()).isEqualTo("FarmCancelled");
    JsonNode status = api.get("/farms/" + id).json();
    assertThat(status.get("runsActive").asInt()).isZero();
    Path dir = Path.of(status.get("dir").asText());
    assertThat(dir.resolve("report.md")).isRegularFile();
    assertThat(Files.readAllLines(dir.resolve("results.csv")))
        .hasSize(1 + status.get("runsDone").asInt());
    lipfarm.reporting.EventSchema schema = new lipfarm.reporting.EventSchema();
    List<String> lines = Files.readAllLines(dir.resolve("events.ndjson"));
    assertThat(lines).containsExactlyElementsOf(seen.stream().map(Api.Sse::data).toList());
    for (String line : lines) {
      assertThat(schema.errors(line)).as(line).isEmpty();
    }
    // No more events after FarmCancelled, and the run gauges are gone.
    Thread.sleep(500);
    assertThat(api.get("/farms/" + id).json().get("lastSeq").asLong()).isEqualTo(seen.size());
    String metrics = api.get("/metrics").body();
    assertThat(metrics)
        .doesNotContain("lipfarm_run_loss{farm=\"" + id + "\"")
        .contains("lipfarm_farms{state=\"cancelled\"} 1.0");
    assertThat(metrics)
        .contains(
            "lipfarm_farm_runs{farm=\""
                + id
                + "\",state=\"cancelled\"} "
                + status.get("runsCancelled").asInt()
                + ".0");
    // Cancelling again is harmless.
    assertThat(api.delete("/farms/" + id).json().get("state").asText()).isEqualTo("cancelled");
  }

  @Test
  void tokenPolicy() {
    ServiceConfig local = ServiceConfig.defaults();
    assertThat(local.withTokenPolicy(new SecureRandom()).config().token()).isNull();
    assertThat(local.withHost("localhost").withTokenPolicy(new SecureRandom()).config().token())
        .isNull();
    ServiceConfig.TokenDecision open =
        local.withHost("0.0.0.0").withTokenPolicy(new SecureRandom());
    assertThat(open.generated()).isTrue();
    assertThat(open.config().token()).hasSize(48);
    ServiceConfig.TokenDecision given =
        local.withHost("0.0.0.0").withToken("abc").withTokenPolicy(new SecureRandom());
    assertThat(given.generated()).isFalse();
    assertThat(given.config().token()).isEqualTo("abc");
    assertThat(local.withToken("abc").withTokenPolicy(new SecureRandom()).config().token())
        .isEqualTo("abc");
  }
}
