package lipfarm.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import lipfarm.farm.EventJournal;
import lipfarm.farm.FarmManager;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A farm that does not answer in time (its host busy, or, in a cluster, the farm moving to another
 * node) is a 503 with Retry-After that the client can act on, not an internal error.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ServiceTimeoutTest {
  static final ServiceConfig CONFIG = ServiceConfig.defaults().withPort(0);
  static final ActorTestKit testKit = ActorTestKit.create(FarmService.systemConfig(CONFIG));

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void anUnansweredQuestionIsA503WithRetryAfter() throws Exception {
    // The real HTTP API in front of a farm manager that takes every question and never answers.
    ActorRef<FarmManager.Command> silent = testKit.spawn(Behaviors.ignore(), "silent-farms");
    ActorRef<EventJournal.Command> log = testKit.spawn(Behaviors.ignore(), "silent-log");
    ServerBinding binding =
        FarmService.bindApi(
                testKit.system(),
                silent,
                log,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                CONFIG)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    try {
      int port = binding.localAddress().getPort();
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/farms/f1"))
                      .timeout(Duration.ofSeconds(40))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
      JsonNode body = new ObjectMapper().readTree(r.body());
      assertThat(body.get("error").asText()).contains("retry later");
      assertThat(r.body()).doesNotContain("Exception").doesNotContain("pekko");
    } finally {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
