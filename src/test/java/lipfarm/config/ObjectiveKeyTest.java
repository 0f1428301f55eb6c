package lipfarm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code objective} key: default, ids, seeds and refusals. */
class ObjectiveKeyTest {

  private static FarmDefinition parse(String farmBody) {
    return FarmDefinition.parse("farm {\n" + farmBody + "\n}");
  }

  /**
   * The default objective leaves the id as it was before the key existed: its canonical string is
   * the one without the key (recomputed here by hand, SHA-256 over it).
   */
  @Test
  void defaultObjectiveKeepsIds() throws Exception {
    RunConfig plain = parse("defaults { n = 50, k = 7 }").expand().get(0);
    RunConfig explicit = parse("defaults { n = 50, k = 7, objective = fit }").expand().get(0);
    assertThat(plain.objective()).isEqualTo("fit");
    assertThat(explicit.id()).isEqualTo(plain.id());
    assertThat(plain.canonical()).doesNotContain("objective").endsWith("restarts=1;");
    byte[] h =
        java.security.MessageDigest.getInstance("SHA-256")
            .digest(plain.canonical().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(plain.id()).isEqualTo(java.util.HexFormat.of().formatHex(h).substring(0, 16));
  }

  /** min-lipschitz is another configuration, with the same data and the same initial weights. */
  @Test
  void minLipschitzIsAnotherRunFromTheSameStart() {
    List<RunConfig> runs = parse("grid { objective = [fit, min-lipschitz] }").expand();
    assertThat(runs).hasSize(2);
    RunConfig fit = runs.get(0);
    RunConfig min = runs.get(1);
    assertThat(min.objective()).isEqualTo("min-lipschitz");
    assertThat(min.minimisesLipschitz()).isTrue();
    assertThat(fit.minimisesLipschitz()).isFalse();
    assertThat(min.id()).isNotEqualTo(fit.id());
    assertThat(min.canonical()).endsWith("objective=min-lipschitz;");
    assertThat(min.dataSeed()).isEqualTo(fit.dataSeed());
    assertThat(min.initSeed()).isEqualTo(fit.initSeed());
    assertThat(min.estimatorSeed()).isNotEqualTo(fit.estimatorSeed());
    assertThat(fit.withObjective("min-lipschitz")).isEqualTo(min);
    assertThat(min.asMap()).containsEntry("objective", "min-lipschitz");
  }

  @Test
  void unknownObjectiveNamesKeyAndValues() {
    assertThatThrownBy(() -> parse("defaults { objective = smooth }"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("farm.defaults.objective")
        .hasMessageContaining("fit")
        .hasMessageContaining("min-lipschitz");
    assertThatThrownBy(() -> parse("grid { objective = [fit, robust] }"))
        .hasMessageContaining("farm.grid.objective[1]");
  }

  @Test
  void batchedRestartsRefused() {
    assertThatThrownBy(() -> parse("defaults { objective = min-lipschitz, restarts = 2 }").expand())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("objective")
        .hasMessageContaining("restarts = 1");
  }

  /** Where constraints can select by objective. */
  @Test
  void whereSeesTheObjective() {
    List<RunConfig> runs =
        parse(
                "grid { objective = [fit, min-lipschitz], k = [5, 10] }\n"
                    + "where = [\"objective == 'fit' or k > 5\"]")
            .expand();
    assertThat(runs).hasSize(3);
  }
}
