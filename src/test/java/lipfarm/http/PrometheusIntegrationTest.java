package lipfarm.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import lipfarm.farm.RunChildren;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's {@code prometheus}, installed by .ci/run) scrapes a real service
 * running a small farm. Every PromQL expression of the Grafana dashboard and of the alert rules
 * must return data over the farm's lifetime, and promtool must accept monitoring/.
 */
@Tag("slow")
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PrometheusIntegrationTest {
  static final Path MONITORING = Path.of("monitoring");
  static final String FARM =
      "farm { name = prom, max-concurrent-runs = 2, defaults { d = 10, max-epochs = 40000, estimator-budget = 20000 }, grid { n = [100, 200], k = [2, 8, 32] } }";

  @TempDir static Path tmp;
  static FarmService service;
  static Process prometheus;
  static Api prom;
  static Api api;

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static ProcessResult run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new ProcessResult(p.exitValue(), out);
  }

  record ProcessResult(int code, String out) {}

  @BeforeAll
  static void start() throws Exception {
    service =
        FarmService.start(
                ServiceConfig.defaults()
                    .withPort(0)
                    .withOutputRoot(tmp.resolve("runs"))
                    .withComputeThreads(2),
                RunChildren.real())
            .toCompletableFuture()
            .get();
    api = new Api(service.baseUri(), null);
    // The shipped config with a 1 s scrape of this service; the shipped rules unchanged.
    Files.copy(MONITORING.resolve("alerts.yml"), tmp.resolve("alerts.yml"));
    String cfg =
        Files.readString(MONITORING.resolve("prometheus.yml"))
            .replace("scrape_interval: 15s", "scrape_interval: 1s")
            .replace("evaluation_interval: 15s", "evaluation_interval: 1s")
            .replace("127.0.0.1:8080", "127.0.0.1:" + service.port());
    assertThat(cfg).contains("127.0.0.1:" + service.port()).contains("scrape_interval: 1s");
    Files.writeString(tmp.resolve("prometheus.yml"), cfg);
    int port = freePort();
    prometheus =
        new ProcessBuilder(
                "prometheus",
                "--config.file=" + tmp.resolve("prometheus.yml"),
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("prometheus.log").toFile())
            .start();
    prom = new Api("http://127.0.0.1:" + port, null);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        if (prom.get("/-/ready").status() == 200) {
          break;
        }
      } catch (RuntimeException e) {
        // not listening yet
      }
      assertThat(System.nanoTime() < deadline)
          .as("prometheus ready; log: %s", Files.readString(tmp.resolve("prometheus.log")))
          .isTrue();
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      prometheus.waitFor(20, TimeUnit.SECONDS);
    }
    if (service != null) {
      service.close();
    }
  }

  @Test
  void promtoolAcceptsConfigAndRules() throws Exception {
    ProcessResult config =
        run("promtool", "check", "config", MONITORING.resolve("prometheus.yml").toString());
    assertThat(config.code()).as(config.out()).isZero();
    ProcessResult rules =
        run("promtool", "check", "rules", MONITORING.resolve("alerts.yml").toString());
    assertThat(rules.code()).as(rules.out()).isZero();
    assertThat(rules.out()).contains("SUCCESS");
  }

  /**
   * The expression with every top-level comparison made a {@code bool} comparison, so it returns a
   * sample wherever its series exist, whether or not the alert would fire.
   */
  static String withBoolComparisons(String expr) {
    StringBuilder out = new StringBuilder();
    int braces = 0;
    boolean quoted = false;
    for (int i = 0; i < expr.length(); i++) {
      char c = expr.charAt(i);
      out.append(c);
      if (quoted) {
        if (c == '\\') {
          out.append(expr.charAt(++i));
        } else if (c == '"') {
          quoted = false;
        }
        continue;
      }
      if (c == '"') {
        quoted = true;
      } else if (c == '{') {
        braces++;
      } else if (c == '}') {
        braces--;
      } else if (braces == 0 && (c == '>' || c == '<' || c == '=' || c == '!')) {
        boolean two = i + 1 < expr.length() && expr.charAt(i + 1) == '=';
        if (c == '=' && !two || c == '!' && !two) {
          continue;
        }
        if (two) {
          out.append('=');
          i++;
        }
        if (!expr.substring(i + 1).stripLeading().startsWith("bool")) {
          out.append(" bool");
        }
      }
    }
    return out.toString();
  }

  @Test
  void withBoolComparisonsRewritesOnlyComparisons() {
    assertThat(withBoolComparisons("up{job=\"lipfarm\"} == 0"))
        .isEqualTo("up{job=\"lipfarm\"} == bool 0");
    assertThat(withBoolComparisons("(a > 0) and (delta(b[30m]) >= 0)"))
        .isEqualTo("(a > bool 0) and (delta(b[30m]) >= bool 0)");
    assertThat(withBoolComparisons("x{a!=\"b\",c=~\"d\"} != bool 1"))
        .isEqualTo("x{a!=\"b\",c=~\"d\"} != bool 1");
  }

  static List<String> alertExpressions() throws IOException {
    List<String> out = new ArrayList<>();
    Matcher m =
        Pattern.compile("(?m)^\\s+expr:\\s*(.+)$")
            .matcher(Files.readString(MONITORING.resolve("alerts.yml")));
    while (m.find()) {
      out.add(m.group(1).trim());
    }
    return out;
  }

  static Set<String> dashboardExpressions() throws IOException {
    JsonNode dash =
        new ObjectMapper().readTree(MONITORING.resolve("grafana/lipfarm-dashboard.json").toFile());
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode panel : dash.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        out.add(target.get("expr").asText());
      }
    }
    out.addAll(
        dash.findValuesAsText("definition").stream()
            .map(d -> d.replaceAll("label_values\\((\\w+), \\w+\\)", "$1"))
            .toList());
    return out;
  }

  static String grafanaToPromQl(String expr) {
    return expr.replace("$farm", ".*").replace("$__rate_interval", "30s");
  }

  private JsonNode queryRange(String query, long start, long end) {
    String q =
        "/api/v1/query_range?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8)
            + "&start="
            + start
            + "&end="
            + end
            + "&step=1";
    Api.Response r = prom.get(q);
    assertThat(r.status()).as("%s -> %s", query, r.body()).isEqualTo(200);
    return r.json().get("data").get("result");
  }

  @Test
  void everyDashboardAndAlertExpressionReturnsData() throws Exception {
    // Wait until Prometheus has scraped the service once.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (prom.get(
            "/api/v1/query?query="
                + URLEncoder.encode("up{job=\"lipfarm\"} == 1", StandardCharsets.UTF_8))
        .json()
        .get("data")
        .get("result")
        .isEmpty()) {
      assertThat(System.nanoTime() < deadline).as("prometheus scrapes the service").isTrue();
      Thread.sleep(500);
    }
    long start = System.currentTimeMillis() / 1000 - 2;
    String id = api.submit(FARM);
    try (Api.EventStream s = api.events("?farm=" + id + "&type=FarmFinished", null)) {
      s.next();
    }
    Thread.sleep(Duration.ofSeconds(4).toMillis()); // a few scrapes after the end
    long end = System.currentTimeMillis() / 1000;

    List<String> alerts = alertExpressions();
    assertThat(alerts).hasSize(8);
    Set<String> dashboard = dashboardExpressions();
    assertThat(dashboard).hasSizeGreaterThan(15);
    List<String> empty = new ArrayList<>();
    for (String expr : alerts) {
      if (queryRange(withBoolComparisons(expr), start, end).isEmpty()) {
        empty.add("alert: " + expr);
      }
    }
    for (String expr : dashboard) {
      JsonNode result = queryRange(grafanaToPromQl(expr), start, end);
      if (result.isEmpty()) {
        empty.add("dashboard: " + expr);
      }
    }
    assertThat(empty).as("expressions without data").isEmpty();

    // Per-run series existed while runs were active, never more than max-concurrent-runs at once
    // (bounded cardinality), and are gone (stale) now.
    JsonNode perRun = queryRange("count(lipfarm_run_loss{farm=\"" + id + "\"})", start, end);
    assertThat(perRun).hasSize(1);
    List<Double> counts = new ArrayList<>();
    perRun.get(0).get("values").forEach(v -> counts.add(v.get(1).asDouble()));
    assertThat(counts).isNotEmpty().allSatisfy(c -> assertThat(c).isBetween(1.0, 2.0));
    JsonNode now =
        prom.get(
                "/api/v1/query?query="
                    + URLEncoder.encode(
                        "lipfarm_run_loss{farm=\"" + id + "\"}", StandardCharsets.UTF_8))
            .json();
    assertThat(now.get("data").get("result")).isEmpty();
    JsonNode finished =
        prom.get(
                "/api/v1/query?query="
                    + URLEncoder.encode(
                        "sum(lipfarm_runs_finished_total{farm=\"" + id + "\"})",
                        StandardCharsets.UTF_8))
            .json();
    assertThat(finished.get("data").get("result").get(0).get("value").get(1).asDouble())
        .isEqualTo(6.0);

    // Prometheus loaded and evaluated every rule without error.
    JsonNode groups = prom.get("/api/v1/rules").json().get("data").get("groups");
    List<JsonNode> rules = new ArrayList<>();
    groups.forEach(g -> g.get("rules").forEach(rules::add));
    assertThat(rules).hasSize(8);
    assertThat(rules)
        .allSatisfy(
            r -> assertThat(r.get("health").asText()).as(r.get("name").asText()).isEqualTo("ok"));
  }

  /**
   * The alert rules mean what they say: a diverging farm fires LipfarmRunDiverged for that farm.
   */
  @Test
  void divergedRunFiresItsAlertAndNothingElseFires() throws Exception {
    String id =
        api.submit(
            "farm { name = div, max-concurrent-runs = 2, defaults { d = 10, n = 20, k = 16, learning-rate = 10, optimizer = sgd, max-epochs = 2000, estimator-budget = 1000 }, grid { seed = [1, 2] } }");
    try (Api.EventStream s = api.events("?farm=" + id + "&type=FarmFinished", null)) {
      s.next();
    }
    assertThat(api.get("/farms/" + id + "/results").json().get("runs").findValuesAsText("outcome"))
        .containsOnly("diverged");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<String> firing;
    while (true) {
      firing = new ArrayList<>();
      for (JsonNode a : prom.get("/api/v1/alerts").json().get("data").get("alerts")) {
        if ("firing".equals(a.get("state").asText())) {
          firing.add(
              a.get("labels").get("alertname").asText()
                  + "/"
                  + a.get("labels").path("farm").asText());
        }
      }
      if (firing.contains("LipfarmRunDiverged/" + id) || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(firing).contains("LipfarmRunDiverged/" + id);
    assertThat(firing)
        .noneMatch(
            f ->
                f.startsWith("LipfarmEstimatorInvariantViolated")
                    || f.startsWith("LipfarmServiceDown")
                    || f.startsWith("LipfarmFarmFailed"));
  }
}
