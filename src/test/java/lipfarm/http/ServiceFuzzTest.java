package lipfarm.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import lipfarm.farm.RunChildren;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over a thousand generated request bodies (seeded) against a real service over real HTTP: random
 * bytes, truncated farm files, deep nesting, huge lists and grids, every include and substitution
 * form, unicode and control characters in every string field, boundary numbers. Every answer must
 * be JSON (400/413, or 201 for a valid farm, which is cancelled at once), {@code /health} must
 * answer after each, no file may appear outside the output directory, and no answer may contain a
 * planted secret: a file's content (reachable by include or by a data-file path), an environment
 * variable (planted by surefire, see pom.xml) or a system property. Control parses with a default
 * HOCON parser show that each secret is really reachable by the forms sent.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServiceFuzzTest {
  static final long SEED = 20261129L;
  static final String ENV = "LIPFARM_FUZZ_SECRET";
  static final String PROP = "lipfarm.fuzz.secret";
  static final String PROP_SECRET = "prop-secret-83b1c0d2e4";
  static final String FILE_SECRET = "file-secret-4a9e61bb07";
  static final int MAX_CONFIGURATIONS = 20;

  /** Valid farms: one or two configurations of a few milliseconds each. */
  static final List<String> VALID =
      List.of(
          "farm {\n  name = fz\n  max-concurrent-runs = 1\n  defaults {\n    n = 8\n    d = 2\n"
              + "    k = 2\n    max-epochs = 5\n    estimator-budget = 50\n  }\n}\n",
          "{\"farm\": {\"name\": \"fz-json\", \"defaults\": {\"n\": 6, \"d\": 2, \"k\": 3,"
              + " \"max-epochs\": 5, \"estimator-budget\": 50}, \"grid\": {\"seed\": [1, 2]}}}",
          "# a comment\nfarm.name = fz-dotted\nfarm.defaults { n = 8, d = 2, k = 2 }\n"
              + "farm.defaults.max-epochs = 5\nfarm.defaults.estimator-budget = 50\n");

  /** Every string-valued setting, with a context that is otherwise valid and tiny. */
  static final List<String> STRING_KEYS =
      List.of(
          "name",
          "data",
          "labels",
          "activation",
          "optimizer",
          "loss",
          "fit",
          "lr-schedule",
          "weight-bound",
          "precision",
          "hidden-widths",
          "positive-classes",
          "negative-classes",
          "file",
          "label-file");

  static final List<String> NUMBER_KEYS =
      List.of(
          "n",
          "d",
          "k",
          "depth",
          "learning-rate",
          "max-epochs",
          "tol",
          "seed",
          "estimator-budget",
          "output-dim",
          "leaky-slope",
          "margin",
          "mse-epsilon",
          "momentum",
          "batch-size",
          "lr-decay-factor",
          "lr-decay-every",
          "bound-alpha",
          "bound-beta",
          "bound-value",
          "label-noise",
          "teacher-width",
          "components",
          "separation",
          "restarts",
          "max-concurrent-runs");

  /** Large valid sizes are refused by --max-run-cells or cancelled at once. */
  static final List<String> BOUNDARY_NUMBERS =
      List.of(
          "1000000",
          "10000000",
          "-1",
          "0",
          "1",
          "2",
          "-0",
          "0.0",
          "1.5",
          "2147483647",
          "2147483648",
          "-2147483648",
          "9223372036854775807",
          "9223372036854775808",
          "-9223372036854775809",
          "1e308",
          "1e309",
          "-1e309",
          "4.9e-324",
          "1e-400",
          "1e999999999",
          "123456789012345678901234567890123456789012345678901234567890",
          "NaN",
          "Infinity",
          "-Infinity",
          "0x10",
          "00012",
          "1_000",
          "\"7\"",
          "\"\"",
          "true",
          "null",
          "[]",
          "{}",
          "[1, 2]");

  @TempDir static Path tmp;
  static Path out;
  static Path dataDir;
  static Path secretFile;
  static Path secretConf;
  static Path secretValueConf;
  static String envSecret;
  static FarmService service;
  static HttpServer leakServer;
  static final AtomicInteger leakHits = new AtomicInteger();
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final ObjectMapper mapper = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    envSecret = System.getenv(ENV);
    assertThat(envSecret)
        .as("the surefire configuration in pom.xml plants %s for this test", ENV)
        .isNotBlank();
    System.setProperty(PROP, PROP_SECRET);
    // Typesafe Config caches system properties on first use: make the planted one visible to it.
    ConfigFactory.invalidateCaches();
    out = Files.createDirectories(tmp.resolve("out"));
    dataDir = Files.createDirectories(tmp.resolve("data"));
    Path secrets = Files.createDirectories(tmp.resolve("secrets"));
    secretFile = Files.writeString(secrets.resolve("secret.txt"), FILE_SECRET + ",1\n2,0\n");
    // Included at the farm level it would name the farm; in defaults it would be quoted as a bad
    // value: either way it would show in an answer.
    secretConf = Files.writeString(secrets.resolve("secret.conf"), "name = " + FILE_SECRET + "\n");
    secretValueConf =
        Files.writeString(secrets.resolve("value.conf"), "data = " + FILE_SECRET + "\n");
    Files.writeString(dataDir.resolve("points.csv"), "x,y,label\n0.1,0.2,0\n0.3,0.9,1\n");
    Files.createSymbolicLink(dataDir.resolve("link.csv"), secretFile);
    leakServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    leakServer.createContext(
        "/",
        ex -> {
          leakHits.incrementAndGet();
          byte[] b = ("name = " + FILE_SECRET).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    leakServer.start();
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
            .get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
    if (leakServer != null) {
      leakServer.stop(0);
    }
    System.clearProperty(PROP);
    ConfigFactory.invalidateCaches();
  }

  String leakUrl() {
    return "http://127.0.0.1:" + leakServer.getAddress().getPort() + "/x.conf";
  }

  /**
   * The secrets are really reachable by the forms the fuzzer sends: a default HOCON parse resolves
   * the environment variable, reads the file and fetches the URL. Refusing them is what keeps them.
   */
  @Test
  void controlTheSecretsAreReachableByANaiveParser() {
    assertThat(ConfigFactory.parseString("x = ${" + ENV + "}").resolve().getString("x"))
        .isEqualTo(envSecret);
    assertThat(
            ConfigFactory.parseString("x = ${" + PROP + "}")
                .resolveWith(ConfigFactory.systemProperties())
                .getString("x"))
        .isEqualTo(PROP_SECRET);
    assertThat(ConfigFactory.parseString("include file(\"" + secretConf + "\")").getString("name"))
        .isEqualTo(FILE_SECRET);
    assertThat(
            ConfigFactory.parseString("include file(\"" + secretValueConf + "\")")
                .getString("data"))
        .isEqualTo(FILE_SECRET);
    int before = leakHits.get();
    assertThat(ConfigFactory.parseString("include url(\"" + leakUrl() + "\")").getString("name"))
        .isEqualTo(FILE_SECRET);
    assertThat(leakHits.get()).isEqualTo(before + 1);
    leakHits.set(0);
  }

  /** One generated request: its body and the statuses allowed for it. */
  record Case(String kind, byte[] body, Set<Integer> allowed) {
    static Case of(String kind, String body, Integer... allowed) {
      return new Case(kind, body.getBytes(StandardCharsets.UTF_8), Set.of(allowed));
    }
  }

  @Test
  void generatedBodiesNeverCrashLeakOrWriteOutside() throws Exception {
    controlTheSecretsAreReachableByANaiveParser();
    Random rnd = new Random(SEED);
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < 160; i++) {
      cases.add(randomBytes(rnd));
    }
    for (int i = 0; i < 150; i++) {
      cases.add(truncated(rnd));
    }
    for (int i = 0; i < 100; i++) {
      cases.add(deep(rnd));
    }
    for (int i = 0; i < 100; i++) {
      cases.add(huge(rnd));
    }
    cases.addAll(includes(rnd));
    cases.addAll(operatorKeys(rnd));
    cases.addAll(substitutions(rnd));
    for (int i = 0; i < 150; i++) {
      cases.add(unicode(rnd));
    }
    for (int i = 0; i < 110; i++) {
      cases.add(boundary(rnd));
    }
    for (String v : VALID) {
      cases.add(Case.of("valid", v, 201));
    }
    assertThat(cases.size()).isGreaterThanOrEqualTo(1000);

    Set<String> filesBefore = filesOutsideOutput();
    String cwd = Path.of("").toAbsolutePath().toString();
    int created = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      String bodyText = new String(c.body(), StandardCharsets.UTF_8);
      String what = "case " + i + " (" + c.kind() + "): " + abbreviate(bodyText);
      HttpResponse<String> r;
      try {
        r = post(c.body());
      } catch (RuntimeException e) {
        throw new AssertionError(what, e);
      }
      assertThat(c.allowed())
          .as(what + "\n→ " + r.statusCode() + " " + r.body())
          .contains(r.statusCode());
      assertThat(r.headers().firstValue("Content-Type")).as(what).hasValue("application/json");
      JsonNode json = mapper.readTree(r.body());
      assertThat(json.isObject()).as(what).isTrue();
      assertNoSecret(r.body(), what);
      if (r.statusCode() == 201) {
        created++;
        String id = json.get("id").asText();
        HttpResponse<String> del = send(req("/farms/" + id).DELETE());
        assertThat(del.statusCode()).as(what + " cancel").isIn(200, 202, 409);
      } else {
        assertThat(json.get("error").asText()).as(what).isNotBlank();
        assertThat(r.body())
            .as(what)
            .doesNotContain("\tat ")
            .doesNotContain("Exception")
            .doesNotContain("com.typesafe")
            .doesNotContain("java.")
            .doesNotContain("lipfarm.");
        // Server paths appear only when the client sent them.
        for (String serverPath : List.of(cwd, tmp.toString())) {
          if (!bodyText.contains(serverPath)) {
            assertThat(r.body()).as(what).doesNotContain(serverPath);
          }
        }
      }
      HttpResponse<String> health = send(req("/health").GET());
      assertThat(health.statusCode()).as("health after " + what).isEqualTo(200);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("fuzz: %d bodies, %d created, %.1f s%n", cases.size(), created, seconds);
    assertThat(created).isGreaterThanOrEqualTo(VALID.size());

    assertThat(leakHits.get()).as("URL includes fetched, journal URLs connected").isZero();
    assertThat(filesOutsideOutput()).isEqualTo(filesBefore);
    HttpResponse<String> farms = send(req("/farms").GET());
    assertNoSecret(farms.body(), "/farms");
    assertNoSecret(send(req("/metrics").GET()).body(), "/metrics");
    try (Stream<Path> s = Files.walk(out)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        assertNoSecret(p.toString(), "output file name");
        if (p.getFileName().toString().equals("farm.conf")) {
          assertNoSecret(Files.readString(p), p.toString());
        }
      }
    }
  }

  // ---- generators -----------------------------------------------------------------------------

  static Case randomBytes(Random rnd) {
    byte[] b = new byte[rnd.nextInt(2000)];
    rnd.nextBytes(b);
    return new Case("random bytes", b, Set.of(400));
  }

  static Case truncated(Random rnd) {
    String v = VALID.get(rnd.nextInt(VALID.size()));
    // A cut can leave a valid farm (a shorter number, a dropped comment): then it is created.
    return Case.of("truncated", v.substring(0, rnd.nextInt(v.length())), 201, 400);
  }

  static Case deep(Random rnd) {
    int depth = 20 + rnd.nextInt(rnd.nextBoolean() ? 40 : 20_000);
    String body =
        switch (rnd.nextInt(7)) {
          case 0 -> "[".repeat(depth);
          case 1 -> "x = " + "[".repeat(depth) + "]".repeat(depth);
          case 2 -> "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
          case 3 -> "farm {" + " a {".repeat(depth) + "}".repeat(depth + 1);
          case 4 -> "farm.defaults.n" + ".a".repeat(depth) + " = 1";
          case 5 -> "farm { defaults { n = " + "[".repeat(depth) + "1" + "]".repeat(depth) + " } }";
          default -> {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < depth; i++) {
              b.append(rnd.nextBoolean() ? "{a:" : "[");
            }
            yield b.toString();
          }
        };
    return Case.of("deep nesting " + depth, body, 400, 413);
  }

  static Case huge(Random rnd) {
    switch (rnd.nextInt(4)) {
      case 0 -> {
        // A product of list sizes over the cap (up to ~10^15 configurations in a few KB).
        StringBuilder g = new StringBuilder("farm { name = huge, grid {\n");
        List<String> keys = List.of("n", "k", "seed", "max-epochs", "estimator-budget", "d");
        int axes = 2 + rnd.nextInt(keys.size() - 1);
        for (int a = 0; a < axes; a++) {
          int size = 5 + rnd.nextInt(300);
          g.append(keys.get(a)).append(" = [");
          for (int i = 1; i <= size; i++) {
            g.append(i).append(i < size ? "," : "]\n");
          }
        }
        return Case.of("huge grid", g + "} }", 413);
      }
      case 1 -> {
        int size = 21 + rnd.nextInt(15_000);
        StringBuilder g = new StringBuilder("farm { grid { seed = [");
        for (int i = 0; i < size; i++) {
          g.append(i).append(i + 1 < size ? "," : "] } }");
        }
        return Case.of("long grid list " + size, g.toString(), 413);
      }
      case 2 -> {
        int size = 1000 + rnd.nextInt(20_000);
        StringBuilder g = new StringBuilder("farm { defaults { n = [");
        for (int i = 0; i < size; i++) {
          g.append('"').append(rnd.nextInt()).append("\",");
        }
        return Case.of("long list " + size, g + "1] } }", 400, 413);
      }
      default -> {
        return Case.of(
            "oversized body",
            "farm { name = big }\n#" + "x".repeat(70_000 + rnd.nextInt(1000)),
            413);
      }
    }
  }

  List<Case> includes(Random rnd) {
    List<String> targets =
        List.of(
            "\"" + secretConf + "\"",
            "file(\"" + secretValueConf + "\")",
            "file(\"" + secretConf + "\")",
            "url(\"" + leakUrl() + "\")",
            "url(\"file://" + secretConf + "\")",
            "classpath(\"reference.conf\")",
            "classpath(\"META-INF/services/ch.qos.logback.classic.spi.Configurator\")",
            "\"secret.conf\"",
            "\"../../../../../../../.." + secretConf + "\"",
            "required(file(\"" + secretConf + "\"))",
            "required(url(\"" + leakUrl() + "\"))",
            "required(classpath(\"reference.conf\"))",
            "required(\"" + secretConf + "\")",
            "\"\"\"" + secretConf + "\"\"\"",
            "\"" + leakUrl() + "\"");
    List<String> spacing = List.of(" ", "  ", "\t", "", " \n ", "\u00a0", "\ufeff", "\u2007");
    List<Case> cases = new ArrayList<>();
    for (String t : targets) {
      for (int where = 0; where < 4; where++) {
        for (int k = 0; k < 2; k++) {
          String inc = "include" + spacing.get(rnd.nextInt(spacing.size())) + t;
          String body =
              switch (where) {
                case 0 -> inc + "\n" + VALID.get(0);
                case 1 -> "farm {\n  " + inc + "\n  name = fz\n}";
                case 2 -> "farm { defaults {\n" + inc + "\n n = 8, d = 2, k = 2 } }";
                default -> "farm { grid { seed = [1] }, x { " + inc + " } }";
              };
          cases.add(Case.of("include", body, 400));
        }
      }
    }
    return cases;
  }

  /**
   * Keys only the operator sets: a journal URL pointing at the planted server (refused), output
   * dirs (ignored: the farm is created under the service's output directory, which the test's check
   * that no file appears elsewhere covers).
   */
  List<Case> operatorKeys(Random rnd) {
    String url = "jdbc:postgresql://127.0.0.1:" + leakServer.getAddress().getPort() + "/db";
    List<String> fields =
        List.of(
            "journal = postgres, journal-url = \"" + url + "\"",
            "journal-url = \"" + url + "\"",
            "journal = postgres",
            "journal = h2",
            "journal-user = postgres, journal-password = x",
            "output-dir = \"" + tmp.resolve("elsewhere") + "\"",
            "output-dir = \"../../..\"",
            "output-dir = \"/tmp\"");
    List<Case> cases = new ArrayList<>();
    for (String f : fields) {
      for (int k = 0; k < 3; k++) {
        String tiny = "n = 8, d = 2, k = 2, max-epochs = 5, estimator-budget = 50";
        cases.add(
            Case.of(
                "operator key",
                "farm { name = fzo" + k + ", " + f + ", defaults { " + tiny + " } }",
                f.startsWith("output-dir") ? 201 : 400));
      }
    }
    return cases;
  }

  static List<Case> substitutions(Random rnd) {
    List<String> refs =
        List.of(
            "${" + ENV + "}",
            "${?" + ENV + "}",
            "${\"" + ENV + "\"}",
            "${" + PROP + "}",
            "${?" + PROP + "}",
            "${\"lipfarm\".fuzz.secret}",
            "prefix-${" + ENV + "}-suffix",
            "${" + ENV + "}${" + ENV + "}",
            "${farm.defaults.data}",
            "${?farm.name}",
            "${java.home}",
            "${user.dir}",
            "${HOME}",
            "${PATH}");
    List<Case> cases = new ArrayList<>();
    for (String ref : refs) {
      for (int k = 0; k < 8; k++) {
        String key = STRING_KEYS.get(rnd.nextInt(STRING_KEYS.size()));
        String body =
            switch (k % 4) {
              case 0 -> "farm { name = fz, defaults { " + key + " = " + ref + " } }";
              case 1 -> "farm { name = " + ref + " }";
              case 2 -> "farm { grid { " + key + " = [" + ref + "] } }";
              default -> "farm { defaults { data = sphere }\n defaults." + key + " = " + ref + " }";
            };
        cases.add(Case.of("substitution", body, 400));
      }
    }
    cases.add(Case.of("+=", "farm { grid { seed = [1] }\n grid.seed += 2 }", 400));
    cases.add(Case.of("+=", "farm { grid.seed += 2 }", 400));
    // Quoted, a reference is plain text: never resolved (the answer may quote it, not its value).
    for (int k = 0; k < 6; k++) {
      String key = STRING_KEYS.get(rnd.nextInt(STRING_KEYS.size()));
      cases.add(
          Case.of(
              "quoted reference",
              "farm { name = fzq, defaults { n = 8, d = 2, k = 2, max-epochs = 5,"
                  + " estimator-budget = 50, "
                  + key
                  + " = \"${"
                  + ENV
                  + "}\" } }",
              201,
              400));
    }
    return cases;
  }

  static final String[] ODD =
      new String[] {
        "\u0000",
        "\u0001",
        "\u0007",
        "\b",
        "\t",
        "\n",
        "\r",
        "\u001b[31m",
        "\u007f",
        "\u0085",
        "\u00e9",
        "\u4e2d",
        "\ud83d\ude00",
        "\u202e",
        "\u200b",
        "\ufeff",
        "\ufffe",
        "\uffff",
        "\ud800",
        "\udc00",
        "\"",
        "\\",
        "'",
        "$",
        "{",
        "}",
        "[",
        "]",
        "=",
        ":",
        "#",
        "//",
        "..",
        "/",
        "~",
        "%00",
        "%2e%2e%2f",
        "${x}",
        "\u0130",
        "\u00df"
      };

  /** A tiny valid farm whose one string setting carries odd characters, as JSON or HOCON. */
  static Case unicode(Random rnd) {
    String key = STRING_KEYS.get(rnd.nextInt(STRING_KEYS.size()));
    StringBuilder v = new StringBuilder(rnd.nextBoolean() ? "" : "fz");
    int parts = 1 + rnd.nextInt(4);
    for (int i = 0; i < parts; i++) {
      v.append(ODD[rnd.nextInt(ODD.length)]);
      if (rnd.nextInt(3) == 0) {
        v.append((char) rnd.nextInt(0x10000));
      }
    }
    String value = v.toString();
    String body;
    if (rnd.nextBoolean()) {
      com.fasterxml.jackson.databind.node.ObjectNode defaults =
          mapper
              .createObjectNode()
              .put("n", 8)
              .put("d", 2)
              .put("k", 2)
              .put("max-epochs", 5)
              .put("estimator-budget", 50);
      com.fasterxml.jackson.databind.node.ObjectNode farm = mapper.createObjectNode();
      if (key.equals("name")) {
        farm.put("name", value);
      } else {
        farm.put("name", "fzu");
        defaults.put(key, value);
      }
      farm.set("defaults", defaults);
      // Jackson writes lone surrogates and controls as \\u escapes: the parser decodes them.
      body = mapper.createObjectNode().set("farm", farm).toString();
    } else {
      String quoted = hoconQuoted(value, rnd.nextBoolean());
      body =
          key.equals("name")
              ? "farm { name = " + quoted + ", defaults { n = 8, d = 2, k = 2, max-epochs = 5 } }"
              : "farm { name = fzu\n defaults { n = 8, d = 2, k = 2, max-epochs = 5\n "
                  + (rnd.nextBoolean() ? key : "\"" + key + "\"")
                  + " = "
                  + quoted
                  + " } }";
    }
    return Case.of("unicode in " + key, body, 201, 400);
  }

  /** A HOCON string: escaped in quotes, or raw (unquoted or triple-quoted) when {@code raw}. */
  static String hoconQuoted(String v, boolean raw) {
    if (raw) {
      return v.contains("\"\"\"") ? v : "\"\"\"" + v + "\"\"\"";
    }
    StringBuilder b = new StringBuilder("\"");
    for (char c : v.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || Character.isSurrogate(c)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  static Case boundary(Random rnd) {
    String key = NUMBER_KEYS.get(rnd.nextInt(NUMBER_KEYS.size()));
    String value = BOUNDARY_NUMBERS.get(rnd.nextInt(BOUNDARY_NUMBERS.size()));
    String tiny = "n = 8, d = 2, k = 2, max-epochs = 5, estimator-budget = 50";
    String body =
        key.equals("max-concurrent-runs")
            ? "farm { name = fzb, max-concurrent-runs = " + value + ", defaults { " + tiny + " } }"
            : rnd.nextBoolean()
                ? "farm { name = fzb, defaults { " + tiny + "\n " + key + " = " + value + " } }"
                : "farm { name = fzb, defaults { "
                    + tiny
                    + " }, grid { "
                    + key
                    + " = ["
                    + value
                    + "] } }";
    return Case.of("boundary " + key + " = " + value, body, 201, 400, 413);
  }

  // ---- helpers --------------------------------------------------------------------------------

  void assertNoSecret(String text, String what) {
    assertThat(text)
        .as(what)
        .doesNotContain(FILE_SECRET)
        .doesNotContain(envSecret)
        .doesNotContain(PROP_SECRET);
  }

  /** Every file under the temporary root and the working directory, except the output directory. */
  static Set<String> filesOutsideOutput() throws IOException {
    Set<String> files = new TreeSet<>();
    Path cwd = Path.of("").toAbsolutePath();
    Set<Path> skip = Set.of(out, cwd.resolve("target"), cwd.resolve(".git"));
    for (Path root : List.of(tmp, cwd)) {
      Files.walkFileTree(
          root,
          new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult preVisitDirectory(
                Path dir, java.nio.file.attribute.BasicFileAttributes attrs) {
              if (skip.contains(dir)) {
                return java.nio.file.FileVisitResult.SKIP_SUBTREE;
              }
              files.add(dir.toString());
              return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFile(
                Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
              files.add(file.toString());
              return java.nio.file.FileVisitResult.CONTINUE;
            }
          });
    }
    return files;
  }

  static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "… (" + s.length() + " chars)";
  }

  static HttpRequest.Builder req(String path) {
    return HttpRequest.newBuilder(URI.create(service.baseUri() + path))
        .timeout(Duration.ofSeconds(60));
  }

  static HttpResponse<String> post(byte[] body) {
    return send(
        req("/farms")
            .header("Content-Type", "text/plain; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  static HttpResponse<String> send(HttpRequest.Builder b) {
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
