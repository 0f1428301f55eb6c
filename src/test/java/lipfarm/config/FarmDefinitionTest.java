package lipfarm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FarmDefinitionTest {

  private static FarmDefinition parse(String farmBody) {
    return FarmDefinition.parse("farm {\n" + farmBody + "\n}");
  }

  /** The grid is the Cartesian product of its lists over the defaults. */
  @Test
  void expandsCartesianProduct() {
    FarmDefinition def =
        parse(
            "defaults { d = 20 }\ngrid { n = [100, 200, 400], k = [5, 10, 20, 40], seed = [1, 2] }");
    List<RunConfig> runs = def.expand();
    assertThat(runs).hasSize(24);
    assertThat(runs).allSatisfy(r -> assertThat(r.d()).isEqualTo(20));
    Set<String> combos = new HashSet<>();
    runs.forEach(r -> combos.add(r.n() + "/" + r.k() + "/" + r.seed()));
    assertThat(combos).hasSize(24);
  }

  /** Ids are a function of the resolved parameters only: not of key order or the farm's name. */
  @Test
  void idsAreStableAndUnique() {
    List<RunConfig> a = parse("name = a\ngrid { n = [100, 200], k = [5, 10] }").expand();
    List<RunConfig> b = parse("name = b\ngrid { k = [10, 5], n = [200, 100] }").expand();
    Set<String> ida = new HashSet<>();
    a.forEach(r -> ida.add(r.id()));
    Set<String> idb = new HashSet<>();
    b.forEach(r -> idb.add(r.id()));
    assertThat(ida).hasSize(4).isEqualTo(idb);
    RunConfig r = a.get(0);
    assertThat(r.id()).hasSize(16).matches("[0-9a-f]{16}");
    assertThat(r.id()).isNotEqualTo(a.get(1).id());
  }

  /** A grid value equal to the default does not create a second run of the same id. */
  @Test
  void duplicatePointsRunOnce() {
    List<RunConfig> runs = parse("defaults { n = 100 }\ngrid { n = [100, 100, 200] }").expand();
    assertThat(runs).extracting(RunConfig::n).containsExactly(100, 200);
  }

  /** Configurations with the same data parameters share the data seed; init seeds differ. */
  @Test
  void seedsDerivedFromConfiguration() {
    List<RunConfig> runs = parse("grid { k = [5, 10] }").expand();
    assertThat(runs.get(0).dataSeed()).isEqualTo(runs.get(1).dataSeed());
    assertThat(runs.get(0).initSeed()).isNotEqualTo(runs.get(1).initSeed());
  }

  @Test
  void unknownKeyNamesKeyAndAllowedKeys() {
    assertThatThrownBy(() -> parse("defaults { widht = 3 }"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("farm.defaults.widht")
        .hasMessageContaining("allowed keys")
        .hasMessageContaining("k");
    assertThatThrownBy(() -> parse("grid { foo = [1] }")).hasMessageContaining("farm.grid.foo");
    assertThatThrownBy(() -> parse("colour = red")).hasMessageContaining("farm.colour");
    assertThatThrownBy(() -> parse("name = \"..\""))
        .hasMessageContaining("farm.name")
        .hasMessageContaining("only dots");
    assertThatThrownBy(() -> parse("name = \"a/b\"")).hasMessageContaining("farm.name");
  }

  @Test
  void wrongTypeNamesKeyAndType() {
    assertThatThrownBy(() -> parse("defaults { n = \"many\" }"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("farm.defaults.n")
        .hasMessageContaining("integer");
    assertThatThrownBy(() -> parse("defaults { bias = 3 }")).hasMessageContaining("true or false");
    assertThatThrownBy(() -> parse("defaults { activation = sigmoid }"))
        .hasMessageContaining("farm.defaults.activation")
        .hasMessageContaining("one of relu");
    assertThatThrownBy(() -> parse("defaults { n = 1.5 }")).hasMessageContaining("farm.defaults.n");
  }

  @Test
  void nonPositiveSizesRefused() {
    assertThatThrownBy(() -> parse("defaults { n = 0 }"))
        .hasMessageContaining("farm.defaults.n")
        .hasMessageContaining("[1,");
    assertThatThrownBy(() -> parse("grid { k = [5, -1] }")).hasMessageContaining("farm.grid.k[1]");
    assertThatThrownBy(() -> parse("defaults { learning-rate = 0 }"))
        .hasMessageContaining("farm.defaults.learning-rate");
  }

  @Test
  void emptyGridListRefused() {
    assertThatThrownBy(() -> parse("grid { n = [] }"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("farm.grid.n")
        .hasMessageContaining("empty");
  }

  @Test
  void missingFarmBlockOrFile() {
    assertThatThrownBy(() -> FarmDefinition.parse("x = 1")).hasMessageContaining("farm");
    assertThatThrownBy(() -> FarmDefinition.load(new File("does/not/exist.conf")))
        .hasMessageContaining("no such farm file");
    assertThatThrownBy(() -> FarmDefinition.parse("farm { grid { n = [1, 2 }"))
        .hasMessageContaining("HOCON");
  }

  /** The shipped default farm parses and has the documented size. */
  @Test
  void shippedDefaultFarm() {
    FarmDefinition def = FarmDefinition.load(new File("conf/application.conf"));
    assertThat(def.name()).isEqualTo("default");
    assertThat(def.expand()).hasSize(36);
    assertThat(def.maxConcurrentRuns()).isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  /** Training-engine keys reach the configuration, and cross-key rules name the key. */
  @Test
  void trainingEngineKeys() {
    RunConfig rc =
        parse(
                "defaults { depth = 3, hidden-widths = \"30, 10\", activation = tanh, loss = logistic, fit = margin, margin = 0.5,"
                    + " optimizer = sgd, momentum = 0.8, batch-size = 32, lr-schedule = cosine, weight-bound = spectral, bound-value = 2 }")
            .expand()
            .get(0);
    assertThat(rc.hiddenLayerWidths()).containsExactly(30, 10);
    assertThat(rc.activation()).isEqualTo("tanh");
    assertThat(rc.batchSize()).isEqualTo(32);
    assertThat(parse("defaults { depth = 4, k = 7 }").expand().get(0).hiddenLayerWidths())
        .containsExactly(7, 7, 7);
    assertThatThrownBy(() -> parse("defaults { depth = 3, hidden-widths = \"30\" }").expand())
        .hasMessageContaining("hidden-widths")
        .hasMessageContaining("depth");
    assertThatThrownBy(() -> parse("defaults { depth = 3, weight-bound = path }").expand())
        .hasMessageContaining("weight-bound");
    assertThatThrownBy(() -> parse("defaults { hidden-widths = \"3,x\" }"))
        .hasMessageContaining("farm.defaults.hidden-widths");
    assertThatThrownBy(() -> parse("defaults { output-dim = 2, loss = hinge }").expand())
        .hasMessageContaining("loss");
  }

  /** Data keys: class lists as lists or strings, and the data package's own checks named by key. */
  @Test
  void dataKeys() {
    RunConfig rc =
        parse("defaults { data = mixture, labels = cluster, components = 3, label-noise = 0.1 }")
            .expand()
            .get(0);
    assertThat(rc.dataSpec().components()).isEqualTo(3);
    assertThat(
            parse("defaults { positive-classes = [0, 2], negative-classes = \"1,3\" }").defaults())
        .containsEntry("positive-classes", "0,2")
        .containsEntry("negative-classes", "1,3");
    List<RunConfig> grid = parse("grid { positive-classes = [[0], [0, 2]] }").expand();
    assertThat(grid).extracting(RunConfig::positiveClasses).containsExactly("0", "0,2");
    assertThatThrownBy(() -> parse("defaults { labels = cluster }").expand())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("labels")
        .hasMessageContaining("random, teacher");
    assertThatThrownBy(() -> parse("defaults { data = idx, d = 0 }").expand())
        .hasMessageContaining("file")
        .hasMessageContaining("required");
    assertThatThrownBy(() -> parse("defaults { d = 0 }").expand()).hasMessageContaining("d");
    assertThatThrownBy(() -> parse("defaults { label-noise = 0.7 }"))
        .hasMessageContaining("farm.defaults.label-noise");
  }
}
