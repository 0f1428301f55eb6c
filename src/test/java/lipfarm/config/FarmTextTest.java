package lipfarm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Farm text read as data: includes, substitutions and deep nesting refused before parsing. */
class FarmTextTest {
  private static final int DEPTH = FarmText.DEFAULT_MAX_DEPTH;

  private static FarmText.Refused refused(String text) {
    FarmText.Refused r =
        catchThrowableOfType(FarmText.Refused.class, () -> FarmText.parse(text, DEPTH));
    assertThat(r).as(text).isNotNull();
    return r;
  }

  @Test
  void validTextParses() {
    FarmText.Parsed p =
        FarmText.parse("farm {\n name = t\n grid { n = [10, 20], k = [2] }\n}", DEPTH);
    assertThat(p.definition().grid().get("n")).containsExactly(10, 20);
    // JSON too, and a quoted "${X}" is text, not a substitution.
    FarmText.Parsed j =
        FarmText.parse("{\"farm\": {\"defaults\": {\"file\": \"${HOME}\"}}}", DEPTH);
    assertThat(j.definition().defaults().get("file")).isEqualTo("${HOME}");
  }

  @Test
  void everyIncludeFormIsRefusedWithItsLine(@TempDir Path tmp) throws Exception {
    Path secret = tmp.resolve("secret.conf");
    Files.writeString(secret, "farm { name = leaked }");
    String f = secret.toString();
    // The control: a default parse really reads the file, so refusing it is what protects it.
    assertThat(ConfigFactory.parseString("include file(\"" + f + "\")").getString("farm.name"))
        .isEqualTo("leaked");
    List<String> forms =
        List.of(
            "include \"" + f + "\"",
            "include file(\"" + f + "\")",
            "include url(\"file://" + f + "\")",
            "include classpath(\"reference.conf\")",
            "include required(file(\"" + f + "\"))",
            "include required(\"" + f + "\")",
            "include\"" + f + "\"",
            "include\u00a0\"" + f + "\"", // a no-break space is whitespace to the parser
            "include\ufeff file(\"" + f + "\")",
            "include \"\"\"" + f + "\"\"\"");
    for (String form : forms) {
      FarmText.Refused top = refused("# comment\n" + form + "\n");
      assertThat(top.line()).as(form).isEqualTo(2);
      assertThat(top.detail()).contains("include");
      FarmText.Refused nested = refused("farm {\n  defaults {\n    " + form + "\n  }\n}");
      assertThat(nested.line()).isEqualTo(3);
      assertThat(nested.key()).isEqualTo("farm.defaults");
      assertThat(nested.getMessage()).doesNotContain("leaked");
    }
    // A quoted "include" is an ordinary key (and unknown here).
    assertThat(refused("farm { defaults { \"include\" = 1 } }").key())
        .isEqualTo("farm.defaults.include");
  }

  @Test
  void everySubstitutionFormIsRefused() {
    for (String form :
        List.of(
            "${HOME}",
            "${?HOME}",
            "${\"HOME\"}",
            "${java.home}",
            "${farm.name}",
            "abc${HOME}",
            "[${HOME}]",
            "{ x = ${?PATH} }")) {
      FarmText.Refused r = refused("farm {\n name = " + form + "\n}");
      assertThat(r.line()).as(form).isEqualTo(2);
      assertThat(r.detail()).contains("substitution");
      assertThat(r.key()).startsWith("farm.name");
    }
    assertThat(refused("farm { grid { n = [1] }\n grid.n += 2 }").detail()).contains("+=");
  }

  @Test
  void nestingIsBoundedBeforeTheParserRuns() {
    // Deep enough to overflow the recursive parser's stack: refused by the scan instead.
    for (String deep :
        List.of(
            "[".repeat(100_000),
            "x = " + "[".repeat(50_000) + "]".repeat(50_000),
            "{a:".repeat(30_000) + "1" + "}".repeat(30_000),
            "a" + ".a".repeat(30_000) + " = 1",
            "\"a\"" + ".\"a\"".repeat(30_000) + " { }",
            "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a { a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a = 1 }")) {
      FarmText.Refused r = refused(deep);
      assertThat(r.detail()).contains("nested deeper than " + DEPTH);
    }
    // Exactly at the limit is fine for the scan (the farm check then names what is wrong).
    String atLimit = "x = " + "[".repeat(DEPTH - 1) + "]".repeat(DEPTH - 1);
    assertThat(refused(atLimit).key()).isEqualTo("farm");
    // Dots inside a quoted key and numbers with dots do not nest.
    assertThat(refused("\"" + "a.".repeat(200) + "\" = 1.5").key()).isEqualTo("farm");
  }

  @Test
  void parserErrorsNameLineAndKeyAndQuoteLittle() {
    FarmText.Refused r = refused("farm {\n  grid {\n    n = [1, 2 }\n  }\n}");
    assertThat(r.line()).isEqualTo(3);
    assertThat(r.key()).isEqualTo("farm.grid");
    assertThat(r.detail()).startsWith("not valid HOCON or JSON");

    String longName = "x".repeat(5000);
    FarmText.Refused name = refused("farm {\n\n name = \"" + longName + "\" }");
    assertThat(name.key()).isEqualTo("farm.name");
    assertThat(name.line()).isEqualTo(3);
    assertThat(name.detail().length()).isLessThan(300);

    FarmText.Refused value = refused("farm { grid {\n k = [5,\n \"ten\"] } }");
    assertThat(value.key()).isEqualTo("farm.grid.k[1]");
    assertThat(value.line()).isEqualTo(3);
    FarmText.Refused huge = refused("farm { defaults { n = [" + "1,".repeat(5000) + "1] } }");
    assertThat(huge.detail().length()).isLessThan(300);
  }

  @Test
  void controlCharactersAndUnpairedSurrogatesAreRefused() {
    for (String v : List.of("a\\u0000b", "\\u001b[31m", "x\\ud800", "\\udc00y", "tab\\there")) {
      FarmText.Refused r = refused("farm {\n defaults {\n positive-classes = \"" + v + "\"\n } }");
      assertThat(r.key()).as(v).isEqualTo("farm.defaults.positive-classes");
      assertThat(r.line()).isEqualTo(3);
      assertThat(r.detail()).contains("U+");
    }
    // Printable text in any script is data like any other.
    assertThat(
            FarmText.parse("farm { defaults { positive-classes = \"é,中,\ud83d\ude00\" } }", DEPTH)
                .definition()
                .defaults()
                .get("positive-classes"))
        .isEqualTo("é,中,\ud83d\ude00");
  }

  @Test
  void countComesFromListSizes() {
    FarmDefinition def =
        FarmDefinition.parse(
            "farm { grid { n = [1, 2, 3], k = [1, 2], seed = [1, 2, 3, 4, 5], tol = 0.1 } }");
    assertThat(def.configurationCountBound()).isEqualTo(3 * 2 * 5).isEqualTo(def.expand().size());
    StringBuilder g = new StringBuilder("farm { grid {");
    for (String key : List.of("n", "k", "d", "seed", "max-epochs", "estimator-budget")) {
      g.append(key).append(" = [");
      for (int i = 1; i <= 2000; i++) {
        g.append(i).append(i < 2000 ? "," : "]\n");
      }
    }
    // 2000^6 = 6.4e19 overflows a long: the count saturates instead of wrapping.
    assertThat(FarmDefinition.parse(g + "} }").configurationCountBound()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void expansionIsQuickAtTheDefaultCap() {
    FarmDefinition def =
        FarmDefinition.parse(
            "farm { grid { n = ["
                + String.join(",", java.util.Collections.nCopies(1, "10"))
                + "], seed = ["
                + java.util.stream.IntStream.rangeClosed(1, 1000)
                    .mapToObj(Integer::toString)
                    .collect(java.util.stream.Collectors.joining(","))
                + "], k = ["
                + java.util.stream.IntStream.rangeClosed(1, 100)
                    .mapToObj(Integer::toString)
                    .collect(java.util.stream.Collectors.joining(","))
                + "] } }");
    assertThat(def.configurationCountBound()).isEqualTo(100_000);
    long t0 = System.nanoTime();
    assertThat(def.expand()).hasSize(100_000); // what the service does with a body at its cap
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(ms).isLessThan(20_000);
    assertThatThrownBy(() -> FarmText.parse("farm { name = \"a b\" }", DEPTH))
        .isInstanceOf(FarmText.Refused.class);
  }
}
