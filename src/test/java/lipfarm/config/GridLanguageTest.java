package lipfarm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** where, derive, zip and ranges in farm files, and every error form they add. */
class GridLanguageTest {

  private static FarmDefinition parse(String farmBody) {
    return FarmDefinition.parse("farm {\n" + farmBody + "\n}");
  }

  private static void refused(String farmBody, String key, String... fragments) {
    var t =
        assertThatThrownBy(() -> parse(farmBody).expand())
            .isInstanceOf(ConfigException.class)
            .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
    for (String f : fragments) {
      t.hasMessageContaining(f);
    }
  }

  // ---- where ----------------------------------------------------------------------------------

  @Test
  void whereKeepsExactlyTheConfigurationsThatSatisfyEveryConstraint() {
    int[] ns = {100, 200, 400, 800};
    int[] ks = {5, 10, 20, 40, 80};
    List<String> expected = new ArrayList<>();
    for (int n : ns) {
      for (int k : ks) {
        if (k * 20 >= 2 * n && k < n / 4) {
          expected.add(n + "/" + k);
        }
      }
    }
    FarmDefinition def =
        parse(
            "defaults { d = 20 }\ngrid { n = [100, 200, 400, 800], k = [5, 10, 20, 40, 80] }\n"
                + "where = [\"k * d >= 2 * n\", \"k < n / 4\"]");
    assertThat(def.expand()).extracting(r -> r.n() + "/" + r.k()).isEqualTo(expected);
    assertThat(expected).hasSizeBetween(2, 19); // the constraints do filter
    // A single string is one constraint; strings and booleans compare too.
    assertThat(
            parse(
                    "grid { activation = [relu, tanh], bias = [true, false] }\n"
                        + "where = \"activation == 'tanh' and not bias\"")
                .expand())
        .singleElement()
        .satisfies(r -> assertThat(r.activation() + r.bias()).isEqualTo("tanhfalse"));
  }

  @Test
  void whereErrors() {
    refused("where = [\"n >\"]", "farm.where[0]", "'n >'", "position 4", "unexpected end");
    refused("where = [\"n > 1\", \"n + k\"]", "farm.where[1]", "'n + k'", "a number", "comparison");
    refused("where = [\"n > width\"]", "farm.where[0]", "position 5", "unknown parameter 'width'");
    refused("where = []", "farm.where", "empty");
    refused("where = [3]", "farm.where[0]", "in quotes");
    refused(
        "where = [" + String.join(",", java.util.Collections.nCopies(65, "\"n > 1\"")) + "]",
        "farm.where",
        "at most 64");
    refused(
        "grid { n = [100, 200] }\nwhere = [\"n > 1000\"]",
        "farm.where",
        "no configuration satisfies",
        "n > 1000");
  }

  // ---- derive ---------------------------------------------------------------------------------

  @Test
  void deriveRoundsIntegerParametersHalfUp() {
    List<RunConfig> runs =
        parse(
                "grid { n = [100, 250, 15, 35] }\nderive { k = \"n / 10\", learning-rate = \"0.1 / n\" }")
            .expand();
    // 10, 25, 1.5 → 2, 3.5 → 4 (half up); reals are not rounded.
    assertThat(runs).extracting(RunConfig::k).containsExactly(10, 25, 2, 4);
    assertThat(runs)
        .extracting(RunConfig::learningRate)
        .containsExactly(0.1 / 100, 0.1 / 250, 0.1 / 15, 0.1 / 35);
    // Derived values are visible to where.
    assertThat(
            parse("grid { n = [100, 250] }\nderive { k = \"n / 10\" }\nwhere = \"k > 10\"")
                .expand())
        .extracting(RunConfig::k)
        .containsExactly(25);
  }

  @Test
  void deriveErrors() {
    refused(
        "grid { n = [100, 5] }\nderive { k = \"n / 100\" }",
        "farm.derive.k",
        "'n / 100' gives 0.05 at n=5",
        "rounded half up: 0",
        "integer in [1,");
    refused("derive { k = \"n / 0\" }", "farm.derive.k", "Infinity", "finite");
    refused("derive { k = \"n >\" }", "farm.derive.k", "'n >'", "position 4");
    refused("derive { k = \"n > 3\" }", "farm.derive.k", "a boolean", "a number");
    refused("derive { k = 10 }", "farm.derive.k", "in quotes");
    refused("derive { activation = \"1\" }", "farm.derive.activation", "only numeric");
    refused("derive { width = \"1\" }", "farm.derive.width", "unknown key");
    refused("grid { k = [1, 2] }\nderive { k = \"n\" }", "farm.derive.k", "also set in grid");
    refused("defaults { k = 3 }\nderive { k = \"n\" }", "farm.derive.k", "also set in defaults");
    refused(
        "zip { k = [1, 2], n = [3, 4] }\nderive { k = \"n\" }", "farm.derive.k", "also set in zip");
    refused(
        "derive { k = \"n / 10\", d = \"k * 2\" }",
        "farm.derive.d",
        "position 1",
        "'k' is derived too");
    refused("derive = 3", "farm.derive", "object");
  }

  // ---- zip ------------------------------------------------------------------------------------

  @Test
  void zippedKeysVaryTogetherAndCrossTheGrid() {
    List<RunConfig> runs =
        parse("zip { n = [100, 200, 400], k = [10, 20, 40] }\ngrid { seed = [1, 2] }").expand();
    List<String> expected = new ArrayList<>();
    int[][] pairs = {{100, 10}, {200, 20}, {400, 40}};
    for (int[] p : pairs) {
      for (int seed : new int[] {1, 2}) {
        expected.add(p[0] + "/" + p[1] + "/" + seed);
      }
    }
    assertThat(runs).extracting(r -> r.n() + "/" + r.k() + "/" + r.seed()).isEqualTo(expected);
    // A range in a zip group gives its values in order.
    assertThat(parse("zip { n = { log-range = [100, 400], points = 3 }, k = [1, 2, 3] }").expand())
        .extracting(r -> r.n() + "/" + r.k())
        .containsExactly("100/1", "200/2", "400/3");
  }

  @Test
  void zipErrors() {
    refused(
        "zip { n = [100, 200, 400], k = [10, 20] }",
        "farm.zip.k",
        "has 2 values but zip.n has 3",
        "equal length");
    refused("zip { n = [100] }\ngrid { n = [100] }", "farm.zip.n", "also in grid");
    refused("zip {}", "farm.zip", "empty");
    refused("zip { n = 100 }", "farm.zip.n", "list");
    refused("zip { n = [] }", "farm.zip.n", "empty");
    refused("zip { n = [100, 0] }", "farm.zip.n[1]", "integer in [1,");
    refused("zip { width = [1] }", "farm.zip.width", "unknown key");
    refused("zip = [1]", "farm.zip", "object");
  }

  // ---- ranges ---------------------------------------------------------------------------------

  @Test
  void rangesGiveEndPointsAndEvenlySpacedValues() {
    assertThat(parse("grid { n = { log-range = [100, 3200], points = 6 } }").grid().get("n"))
        .containsExactly(100, 200, 400, 800, 1600, 3200);
    assertThat(
            parse("grid { learning-rate = { range = [0.001, 0.01], points = 4 } }")
                .grid()
                .get("learning-rate"))
        .containsExactly(0.001, 0.004, 0.007, 0.01);
    // Integer keys are rounded half up, duplicates dropped: 1, 1.5, 2, 2.5, 3 → 1, 2, 3.
    assertThat(parse("grid { k = { range = [1, 3], points = 5 } }").grid().get("k"))
        .containsExactly(1, 2, 3);
    assertThat(parse("grid { k = { range = [7, 7], points = 1 } }").grid().get("k"))
        .containsExactly(7);
  }

  /** A range gives the same configurations, with the same ids, as the list it stands for. */
  @Test
  void rangeIdsEqualListIds() {
    assertThat(parse("grid { learning-rate = { range = [0.001, 0.01], points = 4 } }").expand())
        .extracting(RunConfig::id)
        .isEqualTo(
            parse("grid { learning-rate = [0.001, 0.004, 0.007, 0.01] }").expand().stream()
                .map(RunConfig::id)
                .toList());
  }

  @Test
  void rangeErrors() {
    refused(
        "grid { activation = { range = [1, 2], points = 2 } }", "farm.grid.activation", "numeric");
    refused(
        "grid { n = { range = [1, 2], log-range = [1, 2], points = 2 } }",
        "farm.grid.n",
        "exactly one");
    refused("grid { n = { points = 2 } }", "farm.grid.n", "exactly one");
    refused("grid { n = { range = [1, 2] } }", "farm.grid.n.points", "missing");
    refused("grid { n = { range = [1, 2], points = 0 } }", "farm.grid.n.points", "[1, 10000]");
    refused("grid { n = { range = [1, 2], points = 10001 } }", "farm.grid.n.points", "[1, 10000]");
    refused("grid { n = { range = [1, 2], points = 1 } }", "farm.grid.n.points", "from = to");
    refused("grid { n = { range = [1], points = 2 } }", "farm.grid.n.range", "two numbers");
    refused(
        "grid { n = { log-range = [0, 10], points = 2 } }", "farm.grid.n.log-range", "positive");
    refused(
        "grid { n = { range = [1, 2], points = 2, step = 1 } }", "farm.grid.n.step", "unknown key");
    refused(
        "grid { n = { range = [0, 10], points = 3 } }", "farm.grid.n (value 1)", "integer in [1,");
  }

  /** conf/law-of-robustness.conf: every width with k ≥ 2n/d and k ≤ n, n on a log scale. */
  @Test
  void shippedLawOfRobustnessFarm() {
    List<String> expected = new ArrayList<>();
    for (int n : new int[] {100, 200, 400, 800, 1600}) {
      for (int k : new int[] {5, 10, 20, 40, 80, 160, 320}) {
        for (int seed = 1; seed <= 3; seed++) {
          if (k >= 2.0 * n / 20 && k <= n) {
            expected.add(n + "/" + k + "/" + seed);
          }
        }
      }
    }
    FarmDefinition def = FarmDefinition.load(new java.io.File("conf/law-of-robustness.conf"));
    assertThat(def.expand())
        .extracting(r -> r.n() + "/" + r.k() + "/" + r.seed())
        .containsExactlyElementsOf(expected);
    assertThat(expected).hasSize(51);
  }

  /** farm.conf (the rendered source) reads back to the same farm: lipfarm resume relies on it. */
  @Test
  void renderedSourceReadsBackToTheSameConfigurations() {
    FarmDefinition def =
        parse(
            "grid { n = { log-range = [100, 400], points = 3 } }\nzip { k = [5, 50], seed = [1, 2] }\n"
                + "derive { learning-rate = \"0.1 / sqrt(n)\" }\n"
                + "where = [\"k * d >= 2 * n\", \"activation == 'relu'\"]");
    FarmDefinition again = FarmDefinition.parse("farm {\n" + def.source().strip() + "\n}\n");
    assertThat(again.expand()).isEqualTo(def.expand());
    assertThat(def.expand()).hasSizeBetween(1, 5);
  }

  // ---- the count bound ------------------------------------------------------------------------

  @Test
  void configurationCountBoundNeedsNoExpansion() {
    FarmDefinition def =
        parse(
            "grid { n = [100, 200, 400], k = [5, 10, 20, 40] }\nzip { seed = [1, 2, 3, 4, 5], d = [10, 20, 30, 40, 50] }\n"
                + "where = \"k * d >= 2 * n\"");
    assertThat(def.configurationCountBound()).isEqualTo(3 * 4 * 5);
    assertThat((long) def.expand().size()).isLessThan(60).isPositive();
    assertThat(parse("grid { n = [1, 2] }").configurationCountBound()).isEqualTo(2);
    assertThat(parse("").configurationCountBound()).isEqualTo(1);
    // 10^4 values on each of five keys: 10^20 configurations, saturated instead of overflowing.
    String axis = "{ range = [1, 10000], points = 10000 }";
    FarmDefinition huge =
        parse(
            "grid { n = "
                + axis
                + ", k = "
                + axis
                + ", d = "
                + axis
                + ", seed = "
                + axis
                + ", max-epochs = "
                + axis
                + " }");
    assertThat(huge.configurationCountBound()).isEqualTo(Long.MAX_VALUE);
  }
}
