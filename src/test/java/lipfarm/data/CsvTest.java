package lipfarm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CSV reader and DataSets.create on CSV files, happy paths and every error path. */
class CsvTest {
  private static final double EXACT = 1e-12;

  @TempDir Path dir;

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  private DataSpec csv(Path file, String labels, int n) {
    return DataSpec.defaults()
        .withData("csv")
        .withLabels(labels)
        .withN(n)
        .withD(0)
        .withFiles(file.toString(), "");
  }

  @Test
  void readsHeaderCommentsBlankLinesAndCanonicalLabels() throws Exception {
    Path f = write("a.csv", "# iris-like\nx1, x2 ,label\n\n1.5,2,cat\n-3,4e1, +1.0\n");
    Csv.Table t = Csv.read(f);
    assertThat(t.header()).containsExactly("x1", "x2", "label");
    assertThat(t.features()).isDeepEqualTo(new double[][] {{1.5, 2}, {-3, 40}});
    assertThat(t.labels()).containsExactly("cat", "1");
  }

  /** What spreadsheets write: a byte-order mark, CRLF line ends, quoted fields. */
  @Test
  void quotedFieldsBomAndCrlf() throws Exception {
    Path f =
        write(
            "excel.csv",
            "\uFEFF\"x 1\",\"x, 2\",class\r\n1,\"2.5\",\"T-shirt, top\"\r\n3,4,\"say \"\"hi\"\"\"\r\n");
    Csv.Table t = Csv.read(f);
    assertThat(t.header()).containsExactly("x 1", "x, 2", "class");
    assertThat(t.features()).isDeepEqualTo(new double[][] {{1, 2.5}, {3, 4}});
    assertThat(t.labels()).containsExactly("T-shirt, top", "say \"hi\"");
  }

  /** A quoted line break keeps later line numbers right; a bad quote is named by its line. */
  @Test
  void lineNumbersAcrossQuotedLineBreaksAndBadQuotes() throws Exception {
    Path f = write("multi.csv", "a,b,y\r\n1,2,\"two\r\nlines\"\r\n# note\r\n3,x,1\r\n");
    assertThatThrownBy(() -> Csv.read(f)).hasMessage(f + " line 5, column 2: 'x' is not a number");
    Path g = write("quote.csv", "1,2,0\n3,4,\"open\n5,6,1\n");
    assertThatThrownBy(() -> Csv.read(g))
        .isInstanceOf(DataException.class)
        .hasMessageStartingWith(g + " line ")
        .hasMessageContaining("not valid CSV");
  }

  @Test
  void withoutHeaderTheFirstLineIsData() throws Exception {
    Csv.Table t = Csv.read(write("b.csv", "1,2,0\n3,4,1\n"));
    assertThat(t.header()).isNull();
    assertThat(t.rows()).isEqualTo(2);
    assertThat(t.dim()).isEqualTo(2);
  }

  @Test
  void badNumberNamesLineAndColumn() throws Exception {
    Path f = write("bad.csv", "a,b,y\n1,2,0\n3,x4,1\n");
    assertThatThrownBy(() -> Csv.read(f))
        .isInstanceOf(DataException.class)
        .hasMessage(f + " line 3, column 2: 'x4' is not a number");
    Path g = write("nan.csv", "1,NaN,0\n");
    assertThatThrownBy(() -> Csv.read(g))
        .hasMessage(g + " line 1, column 2: 'NaN' is not a finite number");
  }

  @Test
  void wrongColumnCountNamesTheLine() throws Exception {
    Path f = write("cols.csv", "1,2,0\n\n3,1\n");
    assertThatThrownBy(() -> Csv.read(f))
        .hasMessage(
            f + " line 3: expected 3 columns (2 features and a label, as on line 1), found 2");
    Path g = write("one.csv", "5\n");
    assertThatThrownBy(() -> Csv.read(g))
        .hasMessage(g + " line 1: found 1 column; a row needs at least one feature and a label");
  }

  @Test
  void emptyLabel() throws Exception {
    Path f = write("lab.csv", "1,2,0\n1,2, \n");
    assertThatThrownBy(() -> Csv.read(f)).hasMessage(f + " line 2, column 3: the label is empty");
  }

  @Test
  void emptyFileAndHeaderOnly() throws Exception {
    Path f = write("empty.csv", "\n# nothing\n");
    assertThatThrownBy(() -> Csv.read(f)).hasMessage(f + ": empty file: no data rows");
    Path g = write("header.csv", "\nx,y,label\n");
    assertThatThrownBy(() -> Csv.read(g))
        .hasMessage(g + ": no data rows after the header on line 2");
  }

  @Test
  void missingFile() {
    Path f = dir.resolve("nope.csv");
    assertThatThrownBy(() -> Csv.read(f)).hasMessage(f + ": no such file");
  }

  /**
   * A two-class file keeps both classes; the larger (numerically) is +1. Features scale to [0,1].
   */
  @Test
  void binaryFileMapsLargerClassToPlusOne() throws Exception {
    Path f = write("bin.csv", "0,10,2\n5,10,10\n10,10,2\n");
    DataSpec spec = csv(f, "noisy", 3).withPreprocessing(false, false);
    Dataset ds = DataSets.create(spec, 1);
    for (int i = 0; i < 3; i++) {
      double[] x = ds.x()[i];
      // Column 1 is min-max scaled; column 2 is constant and maps to 0.
      assertThat(x[1]).isEqualTo(0.0);
      double expectedLabel = x[0] == 0.5 ? 1.0 : -1.0;
      assertThat(ds.y()[i]).isEqualTo(expectedLabel);
    }
    assertThat(Arrays.stream(ds.x()).mapToDouble(x -> x[0]).sorted().toArray())
        .containsExactly(0.0, 0.5, 1.0);
  }

  @Test
  void multiClassFileNeedsPositiveClassesForNoisyLabels() throws Exception {
    Path f = write("multi.csv", "1,0,a\n2,0,b\n3,0,c\n4,0,a\n");
    assertThatThrownBy(() -> DataSets.create(csv(f, "noisy", 2), 1))
        .hasMessage(
            "positive-classes: required for labels = noisy: "
                + f
                + " has 3 classes (a, b, c), not two; list the classes labelled +1 (or use labels = random)");
    assertThatThrownBy(
            () -> DataSets.create(csv(f, "noisy", 2).withClasses(List.of("z"), List.of()), 1))
        .hasMessage(
            "positive-classes: class 'z' does not occur in " + f + "; its classes are a, b, c");
    assertThatThrownBy(
            () -> DataSets.create(csv(f, "noisy", 2).withClasses(List.of("a"), List.of("q")), 1))
        .hasMessage(
            "negative-classes: class 'q' does not occur in " + f + "; its classes are a, b, c");
  }

  /** Positive set only: the rest is −1. With a negative set, other classes are dropped. */
  @Test
  void classSetsSelectAndLabelRows() throws Exception {
    Path f = write("multi.csv", "1,0,a\n2,0,b\n3,0,c\n4,0,a\n");
    Dataset all =
        DataSets.create(
            csv(f, "noisy", 4).withClasses(List.of("a"), List.of()).withPreprocessing(false, false),
            3);
    for (int i = 0; i < 4; i++) {
      double v = all.x()[i][0] * 3 + 1; // undo min-max scaling of 1..4
      assertThat(all.y()[i]).isEqualTo(v == 1 || Math.abs(v - 4) < EXACT ? 1.0 : -1.0);
    }
    DataSpec pair =
        csv(f, "noisy", 3).withClasses(List.of("a"), List.of("c")).withPreprocessing(false, false);
    Dataset ds = DataSets.create(pair, 3);
    assertThat(Arrays.stream(ds.x()).mapToDouble(x -> x[0] * 3 + 1).sorted().toArray())
        .containsExactly(new double[] {1, 3, 4}, within(EXACT));
    assertThatThrownBy(() -> DataSets.create(pair.withN(4), 3))
        .hasMessage(
            "n: must be at most 3, the number of rows of the selected classes in " + f + ", got 4");
  }

  /** Random relabelling keeps every row of a multi-class file and draws ±1 labels. */
  @Test
  void randomRelabelOfMultiClassFile() throws Exception {
    StringBuilder sb = new StringBuilder("f1,f2,digit\n");
    for (int i = 0; i < 400; i++) {
      sb.append(i).append(',').append(i % 7).append(',').append(i % 10).append('\n');
    }
    Path f = write("digits.csv", sb.toString());
    Dataset a = DataSets.create(csv(f, "random", 400), 5);
    Dataset b = DataSets.create(csv(f, "random", 400), 6);
    assertThat(a.y()).contains(1.0, -1.0);
    assertThat(a.y()).isNotEqualTo(b.y());
    for (double[] x : a.x()) {
      assertThat(DataModelsTest.norm2(x)).isCloseTo(1.0, within(EXACT));
    }
  }

  @Test
  void projectionBeyondTheFileDimensionIsRejected() throws Exception {
    Path f = write("bin.csv", "0,1,0\n1,0,1\n");
    assertThatThrownBy(() -> DataSets.create(csv(f, "noisy", 2).withD(3), 1))
        .hasMessage(
            "d: must be 0 (keep 2) or a projection dimension in [1, 2] for " + f + ", got 3");
  }
}
