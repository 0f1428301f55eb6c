package lipfarm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real Fashion-MNIST files of Debian's {@code dataset-fashion-mnist} package, when installed
 * (skipped otherwise; the IDX reader itself is always tested on generated files in {@link
 * IdxTest}).
 */
class FashionMnistTest {
  static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");

  static final Path TRAIN_IMAGES = DIR.resolve("train-images-idx3-ubyte.gz");

  static final Path TRAIN_LABELS = DIR.resolve("train-labels-idx1-ubyte.gz");

  static final Path TEST_IMAGES = DIR.resolve("t10k-images-idx3-ubyte.gz");

  static final Path TEST_LABELS = DIR.resolve("t10k-labels-idx1-ubyte.gz");

  private static final double EXACT = 1e-12;

  private static void assumeInstalled() {
    assumeTrue(
        Files.isReadable(TRAIN_IMAGES)
            && Files.isReadable(TRAIN_LABELS)
            && Files.isReadable(TEST_IMAGES)
            && Files.isReadable(TEST_LABELS),
        "dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)");
  }

  /** 60 000 training and 10 000 test images of 28×28, ten balanced classes, first label 9. */
  @Test
  void realFilesHaveTheDocumentedShape() {
    assumeInstalled();
    Idx.Images test = Idx.readImages(TEST_IMAGES);
    int[] testLabels = Idx.readLabels(TEST_LABELS);
    assertThat(test.count()).isEqualTo(10_000);
    assertThat(test.rows()).isEqualTo(28);
    assertThat(test.cols()).isEqualTo(28);
    assertThat(testLabels).hasSize(10_000);
    int[] perClass = new int[10];
    for (int l : testLabels) {
      perClass[l]++;
    }
    assertThat(perClass).containsOnly(1000);
    int[] trainLabels = Idx.readLabels(TRAIN_LABELS);
    assertThat(trainLabels).hasSize(60_000);
    assertThat(trainLabels[0]).isEqualTo(9); // an ankle boot, as in the format's reference files
    assertThat(testLabels[0]).isEqualTo(9);
  }

  /** The subset of conf/fashion-mnist.conf: T-shirt/top (0) vs trouser (1), noisy and random. */
  @Test
  void noisyAndRandomLabelSubsetsOfTheTrainingSet() {
    assumeInstalled();
    DataSpec spec =
        DataSpec.defaults()
            .withData("idx")
            .withFiles(TRAIN_IMAGES.toString(), TRAIN_LABELS.toString())
            .withLabels("noisy")
            .withClasses(List.of("0"), List.of("1"))
            .withN(200)
            .withD(0);
    Dataset clean = DataSets.create(spec, 1);
    Dataset noisy = DataSets.create(spec.withLabelNoise(0.2), 1);
    Dataset projected = DataSets.create(spec.withD(32), 1);
    Dataset random = DataSets.create(spec.withLabels("random"), 1);
    assertThat(clean.d()).isEqualTo(784);
    assertThat(projected.d()).isEqualTo(32);
    for (Dataset ds : List.of(clean, projected)) {
      for (double[] x : ds.x()) {
        assertThat(DataModelsTest.norm2(x)).isCloseTo(1.0, within(EXACT));
      }
    }
    assertThat(noisy.x()).isDeepEqualTo(clean.x());
    assertThat(random.x()).isDeepEqualTo(clean.x());
    long plus = Arrays.stream(clean.y()).filter(v -> v > 0).count();
    // 6000 images of each class: the subsample is about half and half.
    assertThat(plus).isBetween(60L, 140L);
    assertThat(noisy.y()).isNotEqualTo(clean.y());
    // No image occurs with both labels: otherwise no function fits the subset (F10 would be +∞).
    assertThat(clean.minOppositeLabelDistance()).isGreaterThan(0.0);
  }
}
