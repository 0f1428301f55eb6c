package lipfarm.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.stream.Stream;
import lipfarm.farm.RunChildren;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grid-language errors in a submitted farm: 400 naming the key, nothing started or written. */
class GridLanguageServiceTest {
  static final String TOKEN = "grid-token";
  @TempDir static Path tmp;
  static FarmService service;
  static Api api;

  @BeforeAll
  static void start() throws Exception {
    ServiceConfig cfg = ServiceConfig.defaults().withPort(0).withOutputRoot(tmp).withToken(TOKEN);
    service =
        FarmService.start(cfg.withTokenPolicy(new SecureRandom()).config(), RunChildren.real())
            .toCompletableFuture()
            .get();
    api = new Api(service.baseUri(), TOKEN);
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  private static void refused(String body, String key, String fragment) throws Exception {
    Api.Response r = api.post("/farms", body);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().get("key").asText()).isEqualTo(key);
    assertThat(r.json().get("error").asText()).contains(fragment);
  }

  @Test
  void expressionErrorsAreBadRequestsAndStartNothing() throws Exception {
    refused("farm { where = [\"k * (d >= 2\"] }", "farm.where[0]", "position 12");
    refused("farm { derive { k = \"n / 1000\" } }", "farm.derive.k", "rounded half up");
    refused("farm { zip { n = [1, 2], k = [1] } }", "farm.zip.k", "equal length");
    refused(
        "farm { grid { n = [10, 20] }, where = \"n > 100\" }", "farm.where", "no configuration");
    refused("farm { where = [\"" + "(".repeat(40) + "n\"] }", "farm.where[0]", "nested more than");
    refused(
        "farm { zip { data = [csv], file = [\"/etc/passwd\"] } }",
        "farm.zip.file[0]",
        "inside the service's working directory");
    try (Stream<Path> s = Files.walk(tmp)) {
      // The service's own journal and identity live in the root; farms live in sub-directories.
      assertThat(s.filter(Files::isRegularFile).filter(p -> !p.getParent().equals(tmp))).isEmpty();
    }
    assertThat(api.get("/farms").json().get("farms")).isEmpty();
  }
}
