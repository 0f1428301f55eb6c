package lipfarm.farm;

import static lipfarm.farm.LipfarmJvm.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lipfarm run --http-port 0}: while the farm runs, its meters are at {@code /metrics} and
 * the read-only API answers on 127.0.0.1; state-changing requests are refused; when the farm ends
 * the server goes away with the process (exit 0).
 */
@Tag("slow")
class HttpPortTest {
  private static final String NAME = "watch";

  @TempDir Path tmp;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void killLeftovers() throws InterruptedException {
    LipfarmJvm.killAll();
  }

  @Test
  void aRunningCliFarmServesItsMetersAndTheReadOnlyApi() throws Exception {
    Path conf = tmp.resolve(NAME + ".conf");
    String farm = LipfarmJvm.smallFarm(NAME, 1); // one run at a time: long enough to watch
    Files.writeString(conf, farm);
    Path out = tmp.resolve("out");
    LipfarmJvm run =
        LipfarmJvm.start(
            tmp,
            "run",
            List.of(),
            "run",
            "--no-progress",
            "--http-port",
            "0",
            "--output-dir",
            out.toString(),
            conf.toString());
    Matcher watch =
        run.awaitLine(run.out, "watch this farm: (http://127\\.0\\.0\\.1:(\\d+))/metrics", 120);
    String base = watch.group(1);
    assertThat(Integer.parseInt(watch.group(2))).as("port 0 picked a real port").isPositive();

    // The meters of the running farm: the configurations, and epochs counted as it trains.
    String metrics = awaitMetrics(base, run);
    assertThat(metrics)
        .contains("lipfarm_runs{farm=\"" + NAME + "\"} 4.0")
        .contains("lipfarm_runs_active{farm=\"" + NAME + "\"}")
        .contains("lipfarm_farm_runs{farm=\"" + NAME + "\",state=\"pending\"}")
        .contains("lipfarm_runs_finished_total{farm=\"" + NAME + "\",outcome=\"converged\"}")
        .contains("lipfarm_events_total{farm=\"" + NAME + "\",type=\"FarmStarted\"} 1.0");
    assertThat(run.process.isAlive()).as("observed while the farm runs").isTrue();

    HttpResponse<String> status = get(base + "/farms/" + NAME);
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    JsonNode s = JSON.readTree(status.body());
    assertThat(s.get("id").asText()).isEqualTo(NAME);
    assertThat(s.get("state").asText()).isEqualTo("running");
    assertThat(s.get("totalRuns").asInt()).isEqualTo(4);
    assertThat(JSON.readTree(get(base + "/farms").body()).get("farms").findValuesAsText("id"))
        .containsExactly(NAME);
    assertThat(get(base + "/farms/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> health = get(base + "/health");
    assertThat(health.statusCode()).isEqualTo(200);

    // The event stream tells the farm's story from its first event, as events.ndjson does.
    try (SseClient events = new SseClient(base + "/events?farm=" + NAME, null)) {
      assertThat(events.status).isEqualTo(200);
      SseClient.Event first = events.await(e -> e.type() != null, 30);
      assertThat(first.type()).isEqualTo("FarmStarted");
      assertThat(first.data()).isEqualTo(LipfarmJvm.eventLines(out.resolve(NAME)).get(0));
    }

    // Read-only: submitting or cancelling is refused, and the farm goes on.
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/farms"))
                .POST(HttpRequest.BodyPublishers.ofString(farm))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).as(post.body()).isEqualTo(405);
    HttpResponse<String> delete =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/farms/" + NAME)).DELETE().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(405);

    assertThat(run.exit(180)).as(run.logs()).isZero();
    List<JsonNode> events = LipfarmJvm.events(out.resolve(NAME));
    assertThat(LipfarmJvm.countPerRun(events, "RunFinished")).hasSize(4);
    assertThat(events.get(events.size() - 1).get("type").asText()).isEqualTo("FarmFinished");
    assertThatThrownBy(() -> get(base + "/health"))
        .as("the server ends with the farm")
        .isInstanceOf(IOException.class);
  }

  /** /metrics once the farm has trained some epochs (the counter moves while it runs). */
  private String awaitMetrics(String base, LipfarmJvm run) throws Exception {
    Pattern epochs =
        Pattern.compile(
            "^lipfarm_training_epochs_total\\{farm=\"" + NAME + "\"} (\\S+)$", Pattern.MULTILINE);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String body = "";
    while (System.nanoTime() < deadline && run.process.isAlive()) {
      HttpResponse<String> r = get(base + "/metrics");
      assertThat(r.statusCode()).isEqualTo(200);
      body = r.body();
      Matcher m = epochs.matcher(body);
      if (m.find() && Double.parseDouble(m.group(1)) > 0) {
        return body;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no trained epochs in /metrics while the farm ran:\n" + body);
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
