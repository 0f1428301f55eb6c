package lipfarm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** DataSets.create on the synthetic models: label rules, noise, and seeding. */
class DataSetsSyntheticTest {
  private static final double Z_SIGMAS = 5.0;

  private static final long SEED = 20240601L;

  private static final DataSpec BASE = DataSpec.defaults().withN(2000).withD(10);

  @Test
  void sphereWithRandomLabelsIsTheLegacyModel() {
    Dataset ds = DataSets.create(DataSpec.defaults().withN(30).withD(5), 11);
    Dataset legacy = DataModels.sphereRandomLabels(30, 5, 11);
    assertThat(ds.x()).isDeepEqualTo(legacy.x());
    assertThat(ds.y()).containsExactly(legacy.y());
  }

  @Test
  void everyModelHasTheRequestedShapeAndLabelsArePlusMinusOne() {
    for (String data : DataSpec.SYNTHETIC) {
      for (String labels : DataSpec.labelsFor(data)) {
        Dataset ds =
            DataSets.create(
                BASE.withData(data).withLabels(labels).withN(50).withD(7).withLabelNoise(0.2),
                SEED);
        assertThat(ds.n()).isEqualTo(50);
        assertThat(ds.d()).isEqualTo(7);
        for (double y : ds.y()) {
          assertThat(y).as("%s/%s", data, labels).isIn(1.0, -1.0);
        }
      }
    }
  }

  @Test
  void sameSeedSameDataOtherSeedOtherData() {
    for (String data : DataSpec.SYNTHETIC) {
      for (String labels : DataSpec.labelsFor(data)) {
        DataSpec spec = BASE.withData(data).withLabels(labels).withN(40).withLabelNoise(0.1);
        Dataset a = DataSets.create(spec, SEED);
        Dataset b = DataSets.create(spec, SEED);
        Dataset c = DataSets.create(spec, SEED + 1);
        assertThat(a.x()).as("%s/%s", data, labels).isDeepEqualTo(b.x());
        assertThat(a.y()).containsExactly(b.y());
        assertThat(Arrays.deepEquals(a.x(), c.x()))
            .as("%s/%s with another seed", data, labels)
            .isFalse();
      }
    }
  }

  /** Points come from their own stream: the label rule and the noise rate do not move them. */
  @Test
  void pointsDoNotDependOnLabelRuleOrNoise() {
    DataSpec spec = BASE.withData("mixture").withN(100);
    double[][] x = DataSets.create(spec.withLabels("random"), SEED).x();
    assertThat(DataSets.create(spec.withLabels("teacher"), SEED).x()).isDeepEqualTo(x);
    assertThat(DataSets.create(spec.withLabels("cluster").withLabelNoise(0.3), SEED).x())
        .isDeepEqualTo(x);
  }

  @Test
  void randomLabelsAreBalancedAndIgnoreNoise() {
    DataSpec spec = BASE.withData("gaussian").withN(20_000);
    Dataset ds = DataSets.create(spec, SEED);
    long plus = Arrays.stream(ds.y()).filter(v -> v > 0).count();
    int n = ds.n();
    assertThat((double) plus).isCloseTo(n / 2.0, within(Z_SIGMAS * Math.sqrt(n / 4.0)));
    assertThat(DataSets.create(spec.withLabelNoise(0.4), SEED).y()).containsExactly(ds.y());
  }

  /** Without noise every label is sign(teacher(x)); the teacher is not constant on the data. */
  @Test
  void teacherLabelsAgreeWithTheTeacher() {
    for (String data : DataSpec.SYNTHETIC) {
      DataSpec spec = BASE.withData(data).withLabels("teacher").withN(500);
      Dataset ds = DataSets.create(spec, SEED);
      Teacher t = DataSets.teacher(spec, SEED);
      assertThat(t.width()).isEqualTo(spec.teacherWidth());
      for (int i = 0; i < ds.n(); i++) {
        assertThat(ds.y()[i])
            .as("%s point %d", data, i)
            .isEqualTo(Math.signum(t.value(ds.x()[i])) >= 0 ? 1.0 : -1.0);
      }
      assertThat(ds.y()).as(data).contains(1.0, -1.0);
    }
  }

  /** Noisy teacher labels differ from the clean ones at rate label-noise (Binomial tolerance). */
  @Test
  void teacherLabelNoiseFlipsAtTheRequestedRate() {
    int n = 20_000;
    double p = 0.15;
    DataSpec spec = BASE.withData("gaussian").withLabels("teacher").withN(n);
    Dataset clean = DataSets.create(spec, SEED);
    Dataset noisy = DataSets.create(spec.withLabelNoise(p), SEED);
    assertThat(noisy.x()).isDeepEqualTo(clean.x());
    Teacher t = DataSets.teacher(spec, SEED);
    int flips = 0;
    for (int i = 0; i < n; i++) {
      assertThat(clean.y()[i]).isEqualTo(t.label(clean.x()[i]));
      flips += noisy.y()[i] != clean.y()[i] ? 1 : 0;
    }
    assertThat((double) flips).isCloseTo(n * p, within(Z_SIGMAS * Math.sqrt(n * p * (1 - p))));
  }

  /**
   * With well separated centres (radius 10, clouds of radius about 1) the nearest centre is the
   * component, so clean cluster labels are the parity of the nearest centre; noise flips them at
   * its rate.
   */
  @Test
  void clusterLabelsAreComponentParity() {
    int n = 20_000;
    double p = 0.1;
    DataSpec spec =
        BASE.withData("mixture")
            .withLabels("cluster")
            .withComponents(4)
            .withSeparation(10)
            .withN(n);
    Dataset clean = DataSets.create(spec, SEED);
    Dataset noisy = DataSets.create(spec.withLabelNoise(p), SEED);
    double[][] centres = DataSets.centres(spec, SEED);
    int[] perComponent = new int[centres.length];
    int flips = 0;
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int j = 1; j < centres.length; j++) {
        if (dist(clean.x()[i], centres[j]) < dist(clean.x()[i], centres[best])) {
          best = j;
        }
      }
      perComponent[best]++;
      assertThat(clean.y()[i]).isEqualTo(best % 2 == 0 ? 1.0 : -1.0);
      flips += noisy.y()[i] != clean.y()[i] ? 1 : 0;
    }
    double q = 1.0 / centres.length;
    for (int count : perComponent) {
      assertThat((double) count).isCloseTo(n * q, within(Z_SIGMAS * Math.sqrt(n * q * (1 - q))));
    }
    assertThat((double) flips).isCloseTo(n * p, within(Z_SIGMAS * Math.sqrt(n * p * (1 - p))));
  }

  @Test
  void seedStreamsAreDistinctAndStable() {
    assertThat(Seeds.derive(1, "points")).isEqualTo(Seeds.derive(1, "points"));
    assertThat(Seeds.derive(1, "points")).isNotEqualTo(Seeds.derive(1, "labels"));
    assertThat(Seeds.derive(1, "points")).isNotEqualTo(Seeds.derive(2, "points"));
  }

  private static double dist(double[] a, double[] b) {
    double s = 0;
    for (int c = 0; c < a.length; c++) {
      s += (a[c] - b[c]) * (a[c] - b[c]);
    }
    return s;
  }
}
