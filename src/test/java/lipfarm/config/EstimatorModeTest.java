package lipfarm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The estimator key: the default keeps every id, "lower" is a different configuration. */
class EstimatorModeTest {
  private static RunConfig only(String defaults) {
    return FarmDefinition.parse("farm { name = t, defaults { " + defaults + " } }").expand().get(0);
  }

  @Test
  void theDefaultIsHashedAsBeforeTheKeyExisted() {
    RunConfig plain = only("n = 50");
    RunConfig full = only("n = 50, estimator = full");
    assertThat(full.estimator()).isEqualTo("full");
    assertThat(full.id()).isEqualTo(plain.id());
    assertThat(full.canonical()).doesNotContain("estimator=");
    assertThat(full.asMap()).containsEntry("estimator", "full");
  }

  @Test
  void lowerIsAnotherConfiguration() {
    RunConfig lower = only("n = 50, estimator = lower");
    assertThat(lower.estimator()).isEqualTo("lower");
    assertThat(lower.canonical()).endsWith("estimator=lower;");
    assertThat(lower.id()).isNotEqualTo(only("n = 50").id());
    // The same network, bounded another way: the weights do not depend on the estimator.
    assertThat(lower.initSeed()).isEqualTo(only("n = 50").initSeed());
  }

  @Test
  void unknownModesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> only("estimator = fast"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("estimator")
        .hasMessageContaining("lower");
  }
}
