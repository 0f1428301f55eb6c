package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzed farm definitions (unknown keys, wrong types, out-of-range values, truncated files,
 * garbage): every one is refused with exit code 2 and a message naming the problem, and nothing is
 * written: no run directory for a new farm, not a byte changed in an existing farm's directory (its
 * journal included).
 */
class FuzzedDefinitionTest {
  @TempDir Path tmp;

  static final String VALID =
      "farm {\n  name = fz\n  max-concurrent-runs = 1\n  checkpoint-every = 250\n"
          + "  defaults { d = 4, n = 10, k = 2, max-epochs = 30, estimator-budget = 200, tol = 0.01 }\n"
          + "  grid { seed = [1] }\n}\n";

  /** Keys whose values are replaced, with values each of which is invalid for that key. */
  static final Map<String, List<String>> BAD_VALUES =
      Map.ofEntries(
          Map.entry(
              "n", List.of("0", "-5", "\"ten\"", "1.5", "true", "[]", "{ a = 1 }", "99999999999")),
          Map.entry("d", List.of("-1", "\"x\"", "2.25", "false")),
          Map.entry("k", List.of("0", "-3", "\"k\"", "0.5", "2000000")),
          Map.entry("depth", List.of("1", "21", "\"deep\"", "2.5")),
          Map.entry("max-epochs", List.of("0", "-10", "\"long\"", "1e12")),
          Map.entry("learning-rate", List.of("0", "-0.1", "11", "\"fast\"", "true")),
          Map.entry("tol", List.of("0", "1.5", "-1", "\"tight\"")),
          Map.entry("seed", List.of("-1", "\"s\"", "0.5")),
          Map.entry("estimator-budget", List.of("0", "-2", "\"big\"")),
          Map.entry("activation", List.of("\"sigmoid\"", "3", "true", "\"RELU\"")),
          Map.entry("optimizer", List.of("\"rmsprop\"", "1", "false")),
          Map.entry("data", List.of("\"moons\"", "7")),
          Map.entry("labels", List.of("\"sorted\"", "0")),
          Map.entry("bias", List.of("\"yes\"", "1", "2.5")),
          Map.entry("precision", List.of("\"half\"", "16")),
          Map.entry("label-noise", List.of("0.9", "-0.1", "\"some\"")),
          Map.entry("momentum", List.of("1.5", "-0.5", "\"m\"")),
          Map.entry("weight-bound", List.of("\"l1\"", "1")),
          Map.entry("hidden-widths", List.of("\"a,b\"", "\"0,3\"", "\"-4\"")),
          Map.entry("loss", List.of("\"cross-entropy\"", "2")));

  static final Map<String, List<String>> BAD_FARM_VALUES =
      Map.ofEntries(
          Map.entry("name", List.of("\"has space\"", "\"a/b\"", "\"\"", "42.5")),
          Map.entry("max-concurrent-runs", List.of("-1", "5000", "\"many\"", "1.5")),
          Map.entry("journal", List.of("\"mysql\"", "1", "\"H2\"")),
          Map.entry("journal-url", List.of("\"jdbc:mysql://x\"", "3")),
          Map.entry("checkpoint-every", List.of("-1", "\"often\"", "2.5")),
          Map.entry("max-retries", List.of("-1", "101", "\"some\"")),
          Map.entry("retry-backoff", List.of("\"soon\"", "-5", "true", "1.5")),
          Map.entry("run-timeout", List.of("\"forever\"", "-1", "[1]")),
          Map.entry("grid", List.of("3", "\"n\"")),
          Map.entry("defaults", List.of("[1, 2]", "\"d\"")));

  static String word(Random r) {
    StringBuilder sb = new StringBuilder("zz");
    for (int i = 0, len = 1 + r.nextInt(8); i < len; i++) {
      sb.append((char) ('a' + r.nextInt(26)));
    }
    return sb.toString();
  }

  static String anyValue(Random r) {
    return switch (r.nextInt(5)) {
      case 0 -> Integer.toString(r.nextInt(1000) - 500);
      case 1 -> "\"" + word(r) + "\"";
      case 2 -> r.nextBoolean() ? "true" : "false";
      case 3 -> "[" + r.nextInt(9) + ", " + r.nextInt(9) + "]";
      default -> "{ " + word(r) + " = " + r.nextInt(9) + " }";
    };
  }

  /** One invalid definition, of the {@code kind}-th family. */
  static String mutate(Random r, int kind) {
    switch (kind) {
      case 0 -> { // unknown key in the farm block, defaults or grid
        String where = List.of("farm {\n", "defaults { ", "grid { ").get(r.nextInt(3));
        String value = where.equals("grid { ") ? "[" + r.nextInt(9) + "]" : anyValue(r);
        return VALID.replace(where, where + word(r) + " = " + value + "\n");
      }
      case 1 -> { // a parameter with a wrong type or out of range, in defaults or as a grid list
        List<String> keys = List.copyOf(BAD_VALUES.keySet());
        String key = keys.get(r.nextInt(keys.size()));
        List<String> values = BAD_VALUES.get(key);
        String v = values.get(r.nextInt(values.size()));
        if (r.nextBoolean() && !v.startsWith("[") && !v.startsWith("{")) {
          return VALID.replace(
              "seed = [1] }", "seed = [1]\n" + key + " = [" + v + "] }"); // last value wins
        }
        return VALID.replace(
            "tol = 0.01 }", "tol = 0.01, " + key + " = " + v + " }"); // last value wins
      }
      case 2 -> { // a farm-level key with a bad value
        List<String> keys = List.copyOf(BAD_FARM_VALUES.keySet());
        String key = keys.get(r.nextInt(keys.size()));
        List<String> values = BAD_FARM_VALUES.get(key);
        String text = VALID;
        if (key.equals("grid") || key.equals("defaults")) {
          int start = text.indexOf("  " + key + " {");
          int end = text.indexOf("}\n", start) + 2;
          text = text.substring(0, start) + text.substring(end);
        }
        text =
            text.replaceAll("(?m)^  " + key + " = [^\n]*\n", ""); // HOCON: the last value would win
        return text.replace(
            "farm {\n", "farm {\n  " + key + " = " + values.get(r.nextInt(values.size())) + "\n");
      }
      case 3 -> { // truncated: some prefix strictly before the closing brace of the farm block
        int cut = r.nextInt(VALID.lastIndexOf('}'));
        return VALID.substring(0, cut);
      }
      case 4 -> { // an empty grid list
        return VALID.replace(
            "grid { seed = [1] }",
            "grid { " + List.of("n", "k", "seed", "d").get(r.nextInt(4)) + " = [] }");
      }
      default -> { // not a farm at all
        return List.of(
                "farm = " + anyValue(r).replace("{", "[").replace("}", "]").replace(" = ", ", "),
                "{{{",
                "farm { name = fz",
                "",
                "farm: [",
                word(r) + " { }")
            .get(r.nextInt(6));
      }
    }
  }

  static Map<String, String> digest(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    if (!Files.exists(dir)) {
      return m;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        try {
          m.put(
              dir.relativize(p).toString(),
              HexFormat.of()
                      .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))
                  + "@"
                  + Files.getLastModifiedTime(p).toMillis());
        } catch (java.security.NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return m;
  }

  @Test
  void everyFuzzedDefinitionIsRefusedAndNothingIsWritten() throws IOException {
    // An existing farm of the same name: a refused definition must not touch it.
    Path existing = tmp.resolve("existing");
    Path valid = tmp.resolve("valid.conf");
    Files.writeString(valid, VALID);
    MainTest.Result ok =
        MainTest.run("run", "--no-progress", "--output-dir", existing.toString(), valid.toString());
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(existing.resolve("fz/journal.mv.db")).isNotEmptyFile();
    Map<String, String> before = digest(existing);

    Random r = new Random(20240508);
    int cases = 0;
    for (int i = 0; i < 260; i++) {
      String text = mutate(r, i % 6);
      Path f = tmp.resolve("fuzz-" + i + ".conf");
      Files.writeString(f, text);
      Path fresh = tmp.resolve("fresh-" + i);
      Path out = i % 2 == 0 ? fresh : existing;
      MainTest.Result res =
          MainTest.run("run", "--no-progress", "--output-dir", out.toString(), f.toString());
      assertThat(res.code())
          .as("case %d must be refused:%n%s%nstderr: %s", i, text, res.err())
          .isEqualTo(Main.EXIT_USAGE);
      assertThat(res.err())
          .as("case %d", i)
          .contains("invalid farm definition")
          .doesNotContain("Exception\n\tat");
      String message = res.err().substring(res.err().indexOf("invalid farm definition"));
      assertThat(message)
          .as("case %d names a key or the file", i)
          .containsPattern("(farm[.a-z\\-\\[\\]0-9]*|FILE): ");
      assertThat(fresh).as("case %d wrote a run directory", i).doesNotExist();
      cases++;
    }
    assertThat(cases).isGreaterThanOrEqualTo(200);
    assertThat(digest(existing))
        .as("the existing farm's directory and journal are untouched")
        .isEqualTo(before);
  }
}
