package lipfarm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The experiment files of conf/experiments/ (issue 17): every one parses and expands, with the
 * number of configurations counted here by plain loops over the grids the files' comments state
 * (log-range values written out by hand from the documented rule, the where constraints as Java
 * predicates), every quick variant has a full variant and vice versa, and the parameters the files'
 * claims rest on (derived α, bias-free nets for F3/F8/F9) are what the expansion gives.
 */
class ExperimentFilesTest {

  private static final File DIR = new File("conf/experiments");

  /** Absolute tolerance on a derived real parameter (the parser keeps doubles exact enough). */
  private static final double DERIVED_TOL = 1e-9;

  // The log-range grids, written out from the rule in README (geometric, rounded half up).
  private static final int[] N_100_3200 = {100, 200, 400, 800, 1600, 3200};
  private static final int[] N_100_1600 = {100, 200, 400, 800, 1600};
  private static final int[] K_4_6400 = {4, 8, 15, 30, 59, 114, 224, 438, 856, 1673, 3273, 6400};
  private static final double[] C_005_20 = {
    0.05,
    0.105737126344,
    0.22360679775,
    0.472870804502,
    1,
    2.11474252688,
    4.472135955,
    9.45741609003,
    20
  };

  private static FarmDefinition load(String name) {
    return FarmDefinition.load(new File(DIR, name + ".conf"));
  }

  /** Expansion with every check, except for file data (the Fashion-MNIST files may be absent). */
  private static List<RunConfig> expand(String name) {
    FarmDefinition def = load(name);
    return def.defaults().get("file").toString().isEmpty() ? def.expand() : def.configurations();
  }

  /** How many (a, b) pairs of the two lists satisfy the predicate. */
  private static long pairs(
      int[] as, int[] bs, java.util.function.BiPredicate<Integer, Integer> p) {
    return Arrays.stream(as)
        .mapToLong(a -> Arrays.stream(bs).filter(b -> p.test(a, b)).count())
        .sum();
  }

  @Test
  void everyQuickVariantHasAFullVariantAndBackAndTheirNamesMatch() {
    TreeSet<String> quick = new TreeSet<>();
    TreeSet<String> full = new TreeSet<>();
    for (String f : DIR.list()) {
      assertThat(f).endsWith(".conf");
      if (f.endsWith(".quick.conf")) {
        quick.add(f.substring(0, f.length() - ".quick.conf".length()));
      } else {
        full.add(f.substring(0, f.length() - ".conf".length()));
      }
    }
    assertThat(full)
        .containsExactly(
            "a-sqrt-n-over-k",
            "b-weight-bounded",
            "c-depth-vs-n",
            "d-bubeck-sellke",
            "e-low-dimension",
            "f-fashion-mnist");
    assertThat(quick).isEqualTo(full);
    for (String e : full) {
      assertThat(load(e).name()).isEqualTo(e);
      assertThat(load(e + ".quick").name()).isEqualTo(e + "-quick");
    }
  }

  @Test
  void everyFileStatesItsExpectedWallTime() throws IOException {
    for (String f : DIR.list()) {
      String text = Files.readString(new File(DIR, f).toPath(), StandardCharsets.UTF_8);
      assertThat(text).as(f).containsPattern("(?i)expected wall time");
    }
  }

  @Test
  void everyFileExpandsToTheCountOfItsGrid() {
    Map<String, Long> expected = new TreeMap<>();
    // a: k·d ≥ 2n and k ≤ 2n, per d; 5 seeds; objective fit everywhere, min-lipschitz for
    // n ≤ 400 (quick: d = 20, n ≤ 400, 3 seeds, min-lipschitz for n ≤ 200).
    long aFit = 0;
    long aMin = 0;
    for (int d : new int[] {20, 50}) {
      aFit += pairs(N_100_3200, K_4_6400, (n, k) -> k * d >= 2 * n && k <= 2 * n);
      aMin += pairs(N_100_3200, K_4_6400, (n, k) -> k * d >= 2 * n && k <= 2 * n && n <= 400);
    }
    expected.put("a-sqrt-n-over-k", (aFit + aMin) * 5);
    long aQuickFit =
        pairs(new int[] {100, 200, 400}, K_4_6400, (n, k) -> k * 20 >= 2 * n && k <= 2 * n);
    long aQuickMin = pairs(new int[] {100, 200}, K_4_6400, (n, k) -> k * 20 >= 2 * n && k <= 2 * n);
    expected.put("a-sqrt-n-over-k.quick", (aQuickFit + aQuickMin) * 3);
    // b: k·d ≥ 4n with d = 20, 9 values of c, 3 seeds (quick: 3 values, 2 seeds).
    expected.put(
        "b-weight-bounded",
        pairs(N_100_1600, new int[] {20, 80, 320}, (n, k) -> k * 20 >= 4 * n) * 9 * 3);
    expected.put(
        "b-weight-bounded.quick",
        pairs(new int[] {100, 200}, new int[] {20, 80}, (n, k) -> k * 20 >= 4 * n) * 3 * 2);
    // c: n × depth × seed.
    expected.put("c-depth-vs-n", 5L * 6 * 3);
    expected.put("c-depth-vs-n.quick", 2L * 4 * 2);
    // d: (n, k) with n/k ∈ {2, 8} and k·d ≥ 2n, per d; two data models, 5 seeds.
    int[] dn = {200, 800, 3200};
    int[] dk = {25, 100, 400, 1600};
    long dFull = 0;
    for (int d : new int[] {10, 20, 40, 80}) {
      dFull += pairs(dn, dk, (n, k) -> (n == 2 * k || n == 8 * k) && k * d >= 2 * n);
    }
    expected.put("d-bubeck-sellke", dFull * 2 * 5);
    long dQuick = 0;
    for (int d : new int[] {10, 20, 40}) {
      dQuick +=
          pairs(
              new int[] {200, 400},
              new int[] {25, 50, 100, 200},
              (n, k) -> (n == 2 * k || n == 8 * k) && k * d >= 2 * n);
    }
    expected.put("d-bubeck-sellke.quick", dQuick * 2 * 3);
    // e: n × k × d × seed, no constraint (every k ≥ n).
    expected.put("e-low-dimension", 5L * 2 * 2 * 3);
    expected.put("e-low-dimension.quick", 3L * 2 * 3);
    // f: k ≤ n, two label rules, 3 seeds (quick: 2 seeds).
    expected.put(
        "f-fashion-mnist", pairs(N_100_1600, new int[] {25, 100, 400}, (n, k) -> k <= n) * 2 * 3);
    expected.put(
        "f-fashion-mnist.quick",
        pairs(new int[] {100, 200}, new int[] {25, 100}, (n, k) -> k <= n) * 2 * 2);

    Map<String, Long> actual = new TreeMap<>();
    for (String name : expected.keySet()) {
      actual.put(name, (long) expand(name).size());
    }
    assertThat(actual).isEqualTo(expected);
    // A sanity check on the hand counts themselves: the sizes the files' comments state.
    assertThat(expected)
        .containsEntry("a-sqrt-n-over-k", 290L + 145L)
        .containsEntry("b-weight-bounded", 243L)
        .containsEntry("d-bubeck-sellke", 210L)
        .containsEntry("f-fashion-mnist", 78L);
  }

  @Test
  void quickVariantsAreSmallerThanTheirFullVariants() {
    for (String e :
        List.of(
            "a-sqrt-n-over-k",
            "b-weight-bounded",
            "c-depth-vs-n",
            "d-bubeck-sellke",
            "e-low-dimension",
            "f-fashion-mnist")) {
      assertThat(expand(e + ".quick").size()).as(e).isLessThan(expand(e).size());
    }
  }

  /** a: every min-lipschitz run has its fit twin in the farm (the objective starts from it). */
  @Test
  void everyMinLipschitzRunHasItsFitTwin() {
    for (String name : List.of("a-sqrt-n-over-k", "a-sqrt-n-over-k.quick")) {
      List<RunConfig> runs = expand(name);
      java.util.Set<String> ids = runs.stream().map(RunConfig::id).collect(Collectors.toSet());
      List<RunConfig> smooth =
          runs.stream().filter(r -> RunConfig.MIN_LIPSCHITZ.equals(r.objective())).toList();
      assertThat(smooth).as(name).isNotEmpty();
      for (RunConfig rc : smooth) {
        assertThat(ids).as(name).contains(rc.withObjective(RunConfig.FIT).id());
      }
    }
  }

  /** b: α = √n/k, so bound-beta is c = k·α·β/√n, one of the nine grid values; bias-free for F3. */
  @Test
  void weightBoundedRunsHaveTheDerivedAlpha() {
    for (RunConfig rc : expand("b-weight-bounded")) {
      assertThat(rc.weightBound()).isEqualTo("per-neuron");
      assertThat(rc.bias()).isFalse();
      assertThat(rc.boundAlpha()).isCloseTo(Math.sqrt(rc.n()) / rc.k(), within(DERIVED_TOL));
      double c = rc.k() * rc.boundAlpha() * rc.boundBeta() / Math.sqrt(rc.n());
      assertThat(Arrays.stream(C_005_20).anyMatch(v -> Math.abs(v - c) <= 1e-9 * v))
          .as("c = %s", c)
          .isTrue();
    }
  }

  /** c: the setting of F8/F9 (bias-free, Frobenius cap M₀ = 3 on every layer), depths 2..8. */
  @Test
  void depthRunsAreInTheSettingOfF9() {
    List<RunConfig> runs = expand("c-depth-vs-n");
    for (RunConfig rc : runs) {
      assertThat(rc.bias()).isFalse();
      assertThat(rc.weightBound()).isEqualTo("frobenius");
      assertThat(rc.boundValue()).isEqualTo(3.0);
      assertThat(rc.activation()).isEqualTo("relu");
    }
    TreeSet<Integer> depths =
        runs.stream().map(RunConfig::depth).collect(Collectors.toCollection(TreeSet::new));
    assertThat(depths).containsExactly(2, 3, 4, 5, 6, 8);
  }

  /** d: every run at n/k = 2 or 8, on both data models, every d at both ratios where it fits. */
  @Test
  void bubeckSellkeRunsHoldTheRatioFixed() {
    List<RunConfig> runs = expand("d-bubeck-sellke");
    IntPredicate ratio = r -> r == 2 || r == 8;
    for (RunConfig rc : runs) {
      assertThat(rc.n() % rc.k()).isZero();
      assertThat(ratio.test(rc.n() / rc.k())).isTrue();
    }
    assertThat(runs.stream().map(RunConfig::data).distinct()).containsExactly("gaussian", "sphere");
    assertThat(IntStream.of(20, 40, 80))
        .allMatch(
            d ->
                runs.stream().anyMatch(r -> r.d() == d && r.n() == 2 * r.k())
                    && runs.stream().anyMatch(r -> r.d() == d && r.n() == 8 * r.k()));
  }
}
