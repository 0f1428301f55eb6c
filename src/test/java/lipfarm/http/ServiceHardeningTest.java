package lipfarm.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import lipfarm.farm.RunChildren;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real service under careless and hostile requests: limits before work, data files by real path,
 * JSON for every error, containment of a stack overflow, and meters kept after a farm ends.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServiceHardeningTest {
  static final long MAX_CONFIGURATIONS = 1000;

  /** One run, a few milliseconds of training. */
  static final String TINY =
      "farm { name = tiny, max-concurrent-runs = 1, defaults { n = 8, d = 2, k = 2, max-epochs = 20, estimator-budget = 200 } }";

  @TempDir static Path tmp;
  static Path out;
  static Path dataDir;
  static Path secret;
  static FarmService service;
  static Api api;

  @BeforeAll
  static void start() throws Exception {
    out = Files.createDirectories(tmp.resolve("out"));
    dataDir = Files.createDirectories(tmp.resolve("data"));
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    secret = Files.writeString(elsewhere.resolve("secret.csv"), "1,2,0\n3,4,1\n");
    Files.writeString(dataDir.resolve("points.csv"), "x,y,label\n0.1,0.2,0\n0.3,0.9,1\n");
    Files.createSymbolicLink(dataDir.resolve("link.csv"), secret);
    Files.createSymbolicLink(dataDir.resolve("dirlink"), elsewhere);
    ServiceConfig cfg =
        ServiceConfig.defaults()
            .withPort(0)
            .withOutputRoot(out)
            .withComputeThreads(1)
            .withMaxConfigurations(MAX_CONFIGURATIONS)
            .withDataDirs(List.of(dataDir));
    service =
        FarmService.start(cfg.withTokenPolicy(new SecureRandom()).config(), RunChildren.real())
            .toCompletableFuture()
            .get();
    api = new Api(service.baseUri(), null);
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  static void assertJsonError(Api.Response r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.raw().headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.json().get("error").asText()).isNotBlank();
    assertThat(r.body())
        .doesNotContain("\tat ")
        .doesNotContain("Exception")
        .doesNotContain("lipfarm.")
        .doesNotContain("org.apache")
        .doesNotContain(tmp.toString())
        .doesNotContain(Path.of("").toAbsolutePath().toString());
  }

  private static String grid(int... sizes) {
    String[] keys = {"n", "k", "seed", "max-epochs", "estimator-budget", "d"};
    StringBuilder g = new StringBuilder("farm { name = big, grid {\n");
    for (int a = 0; a < sizes.length; a++) {
      g.append(keys[a]).append(" = [");
      for (int i = 1; i <= sizes[a]; i++) {
        g.append(i).append(i < sizes[a] ? ", " : "]\n");
      }
    }
    return g + "} }";
  }

  private static boolean started(String name) {
    for (JsonNode f : api.get("/farms").json().get("farms")) {
      if (f.get("name").asText().equals(name)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void gridsAreSizedFromListSizesBeforeAnythingStarts() throws Exception {
    // 10 * 10 * 11 = 1100 > 1000: refused, naming the count and the limit.
    Api.Response over = api.post("/farms", grid(10, 10, 11));
    assertJsonError(over, 413);
    assertThat(over.json().get("error").asText()).contains("1100").contains("1000");
    assertThat(over.json().get("key").asText()).isEqualTo("farm.grid");
    // 100^6 = 10^12 configurations in a small body: refused at once, nothing expanded.
    long t0 = System.nanoTime();
    Api.Response huge = api.post("/farms", grid(100, 100, 100, 100, 100, 100));
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5.0);
    assertJsonError(huge, 413);
    assertThat(huge.json().get("error").asText()).contains("1000000000000");
    assertThat(started("big")).isFalse();
    assertThat(out.resolve("big")).doesNotExist();
    // One configuration too large to hold in memory: refused by its estimated size, unstarted.
    for (String big :
        List.of(
            "n = 10000000, d = 1000000",
            "depth = 20, k = 1000000",
            "hidden-widths = \"9999999\", d = 1000")) {
      Api.Response r = api.post("/farms", "farm { name = big, defaults { " + big + " } }");
      assertJsonError(r, 413);
      assertThat(r.json().get("error").asText()).contains("--max-run-cells");
      assertThat(r.json().get("key").asText()).isEqualTo("farm.defaults");
    }
    Api.Response inGrid =
        api.post("/farms", "farm { name = big, grid { n = [10, 10000000], d = [2, 100000] } }");
    assertJsonError(inGrid, 413);
    assertThat(inGrid.json().get("key").asText()).isEqualTo("farm.grid");
    // A grid at the limit whose points cannot all run is refused, naming the key, still unstarted.
    Api.Response inconsistent =
        api.post("/farms", "farm { name = big, grid { restarts = [1, 2], depth = [2, 3] } }");
    assertJsonError(inconsistent, 400);
    assertThat(inconsistent.json().get("key").asText()).endsWith("restarts");
    assertThat(started("big")).isFalse();
    assertThat(out.resolve("big")).doesNotExist();
  }

  @Test
  void dataFilesMustResolveInsideTheAllowedDirectories() throws Exception {
    String inside = dataDir.resolve("points.csv").toString();
    Api.Response ok =
        api.post(
            "/farms",
            "farm { name = csvfarm, defaults { data = csv, file = \""
                + inside
                + "\", n = 2, d = 0, k = 2, max-epochs = 5, estimator-budget = 100 } }");
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);
    api.delete("/farms/" + ok.json().get("id").asText());

    List<String> outside =
        List.of(
            secret.toString(),
            dataDir.resolve("link.csv").toString(), // a symlink inside, pointing outside
            dataDir.resolve("dirlink/secret.csv").toString(), // through a linked directory
            dataDir.resolve("../elsewhere/secret.csv").toString(),
            "../../../../../../../../etc/passwd",
            dataDir.resolve("missing.csv").toString(),
            dataDir.toString()); // a directory, not a file
    for (String f : outside) {
      Api.Response r =
          api.post("/farms", "farm { name = leak, defaults { data = csv, file = \"" + f + "\" } }");
      assertThat(r.status()).as(f + " " + r.body()).isEqualTo(400);
      assertThat(r.json().get("key").asText()).isEqualTo("farm.defaults.file");
      assertThat(r.body()).doesNotContain("1,2,0");
      // The same answer whether or not the target exists: no oracle for the file system.
      assertThat(r.json().get("error").asText()).contains("must be an existing file inside");
    }
    Api.Response label =
        api.post(
            "/farms",
            "farm { name = leak, defaults { data = idx, file = \""
                + inside
                + "\", label-file = \""
                + dataDir.resolve("link.csv")
                + "\" } }");
    assertThat(label.status()).isEqualTo(400);
    assertThat(label.json().get("key").asText()).isEqualTo("farm.defaults.label-file");
    assertThat(started("leak")).isFalse();
  }

  @Test
  void everyErrorIsJsonWithoutInternals() throws Exception {
    assertJsonError(api.get("/no/such/path"), 404);
    assertJsonError(api.send(api.req("/farms").PUT(HttpRequest.BodyPublishers.ofString("x"))), 405);
    assertJsonError(api.post("/farms", "farm { }\n#" + "x".repeat(70_000)), 413);
    assertJsonError(api.post("/farms", "farm { grid { n = [1, 2 }"), 400);
    assertJsonError(api.post("/farms", "farm { name = ${HOME} }"), 400);
    for (String key : List.of("journal", "journal-url", "journal-user", "journal-password")) {
      Api.Response r =
          api.post("/farms", "farm { name = j\n " + key + " = \"jdbc:postgresql://x/y\" }");
      assertJsonError(r, 400);
      assertThat(r.json().get("key").asText()).isEqualTo("farm." + key);
      assertThat(r.json().get("line").asInt()).isEqualTo(2);
    }
    Api.Response include = api.post("/farms", "farm {\n include file(\"/etc/hostname\")\n}");
    assertJsonError(include, 400);
    assertThat(include.json().get("line").asInt()).isEqualTo(2);
    // A request the HTTP parser cannot read never reaches the routes: JSON all the same.
    for (String raw :
        List.of(
            "GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
            "GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "FROB\u0001 / HTTP/1.1\r\n\r\n")) {
      String answer = rawRequest(raw);
      assertThat(answer).as(raw).matches("(?s)HTTP/1.1 [45].*").contains("application/json");
      assertThat(answer.substring(answer.indexOf("\r\n\r\n") + 4)).startsWith("{\"error\":");
    }
  }

  private static String rawRequest(String request) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), service.port())) {
      s.setSoTimeout(10_000);
      OutputStream o = s.getOutputStream();
      o.write(request.getBytes(StandardCharsets.ISO_8859_1));
      o.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      StringBuilder sb = new StringBuilder();
      int n;
      while ((n = in.read(buf)) > 0) {
        sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        if (sb.indexOf("\r\n\r\n") > 0 && sb.indexOf("}") > 0) {
          break;
        }
      }
      return sb.toString();
    }
  }

  /**
   * With the depth limit lifted, a deeply nested body overflows the recursive parser's stack: the
   * overflow becomes an answer and the service stays up.
   */
  @Test
  void aStackOverflowIsContained() throws Exception {
    ServiceConfig cfg =
        ServiceConfig.defaults()
            .withPort(0)
            .withOutputRoot(tmp.resolve("overflow"))
            .withComputeThreads(1)
            .withMaxBodyBytes(4 << 20)
            .withMaxDepth(Integer.MAX_VALUE);
    FarmService unguarded =
        FarmService.start(cfg, RunChildren.real()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    try {
      Api client = new Api(unguarded.baseUri(), null);
      Api.Response r = client.post("/farms", "x = " + "[".repeat(1_000_000));
      assertJsonError(r, 400);
      assertThat(r.json().get("error").asText()).contains("nested too deeply");
      assertThat(client.get("/health").status()).isEqualTo(200);
    } finally {
      unguarded.close();
    }
  }

  /** A request that outlives pekko.http.server.request-timeout is answered 503 in JSON. */
  @Test
  void aTimedOutRequestIsAnsweredInJson() throws Exception {
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            "timeout-test",
            com.typesafe.config.ConfigFactory.parseString(
                    "pekko.http.server.request-timeout = 300ms")
                .withFallback(com.typesafe.config.ConfigFactory.load()));
    try {
      AllDirectives d = new AllDirectives() {};
      ServerBinding b =
          Http.get(system)
              .newServerAt("127.0.0.1", 0)
              .bind(new RouteGuard().wrap(d.completeWithFuture(new CompletableFuture<>())))
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      Api client = new Api("http://127.0.0.1:" + b.localAddress().getPort(), null);
      assertJsonError(client.get("/anything"), 503);
    } finally {
      system.terminate();
    }
  }

  /**
   * The README's example bodies pass every check with the default limits: the inline one and the
   * shipped farm file (whose output-dir the service ignores).
   */
  @Test
  void theReadmeExampleAndTheShippedFarmPassTheDefaultLimits() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    String example = "farm { name = demo, grid { n = [100, 200], k = [5, 10] } }";
    assertThat(readme).contains("--data-binary '" + example + "'");
    SubmitCheck.Outcome o = SubmitCheck.check(example, ServiceConfig.Limits.defaults());
    assertThat(o).isInstanceOf(SubmitCheck.Accepted.class);
    assertThat(((SubmitCheck.Accepted) o).runs()).hasSize(4);
    // The shipped farm file as it is: its output-dir is ignored (the answer says so).
    assertThat(readme).contains("--data-binary @conf/application.conf");
    String shipped = Files.readString(Path.of("conf/application.conf"));
    SubmitCheck.Outcome s = SubmitCheck.check(shipped, ServiceConfig.Limits.defaults());
    assertThat(s).isInstanceOf(SubmitCheck.Accepted.class);
    assertThat(((SubmitCheck.Accepted) s).runs()).hasSize(3 * 4 * 3);
  }

  @Test
  void tokensWithSpacesAreRefusedAtStart() {
    ServiceConfig d = ServiceConfig.defaults();
    for (String bad : List.of("two words", " lead", "trail ", "tab\there", "nl\n", "é")) {
      assertThatThrownBy(() -> d.withToken(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(d.withToken("").token()).isNull();
    assertThat(d.withToken("a-Z_0.9~!").token()).isEqualTo("a-Z_0.9~!");
  }

  /** The header's scheme is case-insensitive and its token trimmed; anything else is 401 JSON. */
  @Test
  void theTokenRuleIsTheSameOnBothSides() throws Exception {
    String token = "tok-123";
    FarmService guarded =
        FarmService.start(
                ServiceConfig.defaults()
                    .withPort(0)
                    .withOutputRoot(tmp.resolve("guarded"))
                    .withComputeThreads(1)
                    .withToken(token),
                RunChildren.real())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    try {
      Api client = new Api(guarded.baseUri(), null);
      for (String header : List.of("Bearer tok-123", "bearer tok-123", "Bearer   tok-123  ")) {
        Api.Response r =
            client.send(client.req("/farms/none-1").header("Authorization", header).DELETE());
        assertThat(r.status()).as(header).isEqualTo(404);
      }
      for (String header : List.of("Bearer tok-1234", "Bearer tok", "tok-123", "Basic tok-123")) {
        Api.Response r =
            client.send(client.req("/farms/none-1").header("Authorization", header).DELETE());
        assertJsonError(r, 401);
      }
      assertJsonError(client.delete("/farms/none-1"), 401);
    } finally {
      guarded.close();
    }
  }

  /** Micrometer holds gauges weakly: a finished farm's meters must not turn NaN after a GC. */
  @Test
  void finishedFarmsKeepTheirMetersAfterGc() throws Exception {
    String id = api.submit(TINY);
    try (Api.EventStream s = api.events("?farm=" + id + "&type=FarmFinished", null)) {
      s.next();
    }
    // Let the farm's reporter stop and its actors be collected.
    for (int i = 0;
        i < 50 && !api.get("/farms/" + id).json().get("reportWritten").asBoolean();
        i++) {
      Thread.sleep(100);
    }
    Thread.sleep(500);
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    List<String> lines =
        api.get("/metrics").body().lines().filter(l -> l.contains("farm=\"" + id + "\"")).toList();
    assertThat(lines).isNotEmpty();
    assertThat(lines).noneMatch(l -> l.endsWith("NaN"));
    assertThat(lines).contains("lipfarm_runs{farm=\"" + id + "\"} 1.0");
    assertThat(lines).contains("lipfarm_farm_runs{farm=\"" + id + "\",state=\"finished\"} 1.0");
  }
}
