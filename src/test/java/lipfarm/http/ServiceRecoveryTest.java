package lipfarm.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import lipfarm.farm.RunChildren;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted service answers only once it hosts the farms its registry recorded: its first {@code
 * GET /farms} lists them, and a farm submitted at once gets the next id, not a recorded one.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServiceRecoveryTest {
  static final String TINY =
      "farm { name = r, max-concurrent-runs = 1, defaults { d = 4, n = 10, k = 2, max-epochs = 50, estimator-budget = 200 } }";

  @TempDir Path tmp;

  private FarmService start() throws Exception {
    ServiceConfig cfg = ServiceConfig.defaults().withPort(0).withOutputRoot(tmp);
    return FarmService.start(cfg, RunChildren.real())
        .toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
  }

  @Test
  void theFirstAnswersAfterARestartKnowTheRecordedFarms() throws Exception {
    String first;
    try (FarmService s = start()) {
      Api api = new Api(s.baseUri(), null);
      first = api.submit(TINY);
      assertThat(first).isEqualTo("r-1");
    }
    for (int restart = 0; restart < 3; restart++) {
      try (FarmService s = start()) {
        Api api = new Api(s.baseUri(), null);
        // No waiting: these are the restarted service's first requests.
        String listed = api.get("/farms").body();
        assertThat(listed).as("restart %d", restart).contains("\"" + first + "\"");
        String next = api.submit(TINY);
        assertThat(next).as("restart %d", restart).isEqualTo("r-" + (restart + 2));
      }
    }
  }
}
