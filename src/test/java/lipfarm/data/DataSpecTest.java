package lipfarm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** validate() names the parameter, the allowed values and the value given. */
class DataSpecTest {
  private static final DataSpec OK = DataSpec.defaults();

  @Test
  void defaultsAreValid() {
    assertThat(OK.validate()).isSameAs(OK);
    assertThat(OK.data()).isEqualTo("sphere");
    assertThat(OK.labels()).isEqualTo("random");
    assertThat(OK.center()).isTrue();
    assertThat(OK.normalize()).isTrue();
  }

  @Test
  void nullListsAndStringsBecomeEmpty() {
    DataSpec s =
        new DataSpec("sphere", "random", 1, 1, 0, 2, 1, 0, null, null, null, null, true, true);
    assertThat(s.file()).isEmpty();
    assertThat(s.positiveClasses()).isEmpty();
    assertThat(s.validate()).isSameAs(s);
  }

  @Test
  void badDataModel() {
    assertThatThrownBy(() -> OK.withData("torus").validate())
        .isInstanceOf(DataException.class)
        .hasMessage("data: must be one of sphere, gaussian, cube, mixture, csv, idx, got 'torus'");
  }

  @Test
  void labelRuleMustFitTheData() {
    assertThatThrownBy(() -> OK.withData("gaussian").withLabels("cluster").validate())
        .hasMessage("labels: must be one of random, teacher for data = gaussian, got 'cluster'");
    assertThatThrownBy(() -> OK.withData("mixture").withLabels("noisy").validate())
        .hasMessage(
            "labels: must be one of random, teacher, cluster for data = mixture, got 'noisy'");
  }

  @Test
  void numericRanges() {
    assertThatThrownBy(() -> OK.withN(0).validate()).hasMessage("n: must be an integer ≥ 1, got 0");
    assertThatThrownBy(() -> OK.withD(0).validate()).hasMessage("d: must be an integer ≥ 1, got 0");
    assertThatThrownBy(() -> OK.withLabelNoise(0.6).validate())
        .hasMessage("label-noise: must be a number in [0, 0.5], got 0.6");
    assertThatThrownBy(() -> OK.withLabelNoise(Double.NaN).validate())
        .hasMessageStartingWith("label-noise: must be");
    assertThatThrownBy(() -> OK.withTeacherWidth(1).validate())
        .hasMessage("teacher-width: must be an integer ≥ 2, got 1");
    assertThatThrownBy(() -> OK.withComponents(0).validate())
        .hasMessage("components: must be an integer ≥ 1, got 0");
    assertThatThrownBy(
            () -> OK.withData("mixture").withLabels("cluster").withComponents(1).validate())
        .hasMessage("components: must be an integer ≥ 2 for labels = cluster, got 1");
    assertThatThrownBy(() -> OK.withSeparation(-1).validate())
        .hasMessage("separation: must be a finite number ≥ 0, got -1.0");
  }

  @Test
  void filesAreRequiredAndMustExist(@TempDir Path dir) throws Exception {
    DataSpec csv = OK.withData("csv").withLabels("noisy").withD(0);
    assertThatThrownBy(csv::validate).hasMessage("file: required: the path of the CSV file");
    Path missing = dir.resolve("missing.csv");
    assertThatThrownBy(() -> csv.withFiles(missing.toString(), "").validate())
        .hasMessage("file: no such file: " + missing);
    Path images = Files.writeString(dir.resolve("images"), "x");
    DataSpec idx = OK.withData("idx").withD(0).withFiles(images.toString(), "");
    assertThatThrownBy(idx::validate)
        .hasMessage("label-file: required: the path of the IDX labels file");
    assertThat(idx.withFiles(images.toString(), images.toString()).validate()).isNotNull();
    assertThatThrownBy(() -> csv.withFiles(images.toString(), "").withD(-1).validate())
        .hasMessage(
            "d: must be an integer ≥ 0 for data = csv (0 keeps the file's dimension), got -1");
  }

  @Test
  void classListsAreConsistent() {
    assertThatThrownBy(() -> OK.withClasses(List.of(), List.of("1")).validate())
        .hasMessage(
            "negative-classes: needs positive-classes as well (got negative-classes = [1])");
    assertThatThrownBy(() -> OK.withClasses(List.of("1", "1.0"), List.of()).validate())
        .hasMessage("positive-classes: class '1' is listed twice in [1, 1.0]");
    assertThatThrownBy(() -> OK.withClasses(List.of("0", "2"), List.of("+2")).validate())
        .hasMessage(
            "negative-classes: class '2' is also in positive-classes; a class has one label");
    assertThatThrownBy(() -> OK.withClasses(List.of(" "), List.of()).validate())
        .hasMessage("positive-classes: class names must be non-empty, got [ ]");
  }
}
