package lipfarm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IDX reader on small files the test writes (plain and gzip), and DataSets on IDX data. */
class IdxTest {
  private static final double EXACT = 1e-12;

  private static final int COUNT = 12;

  private static final int ROWS = 3;

  private static final int COLS = 2;

  @TempDir Path dir;

  /** Header (magic, dims) and payload, written plainly or gzip-compressed. */
  static Path writeIdx(Path file, int magic, int[] dims, byte[] payload, boolean gzip)
      throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(buf);
    out.writeInt(magic);
    for (int dim : dims) {
      out.writeInt(dim);
    }
    out.write(payload);
    out.flush();
    return writeBytes(file, buf.toByteArray(), gzip);
  }

  static Path writeBytes(Path file, byte[] bytes, boolean gzip) throws Exception {
    try (OutputStream os =
        gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      os.write(bytes);
    }
    return file;
  }

  /** Pixel (i, c) = 20 i + c (mod 256), so images differ and include values above 127. */
  static byte[] pixels() {
    byte[] p = new byte[COUNT * ROWS * COLS];
    for (int i = 0; i < COUNT; i++) {
      for (int c = 0; c < ROWS * COLS; c++) {
        p[i * ROWS * COLS + c] = (byte) (20 * i + c);
      }
    }
    return p;
  }

  /** Label of image i is i mod 3. */
  static byte[] labels(int count) {
    byte[] l = new byte[count];
    for (int i = 0; i < count; i++) {
      l[i] = (byte) (i % 3);
    }
    return l;
  }

  private Path images(boolean gzip) throws Exception {
    return writeIdx(
        dir.resolve(gzip ? "img.gz" : "img"),
        Idx.IMAGES_MAGIC,
        new int[] {COUNT, ROWS, COLS},
        pixels(),
        gzip);
  }

  private Path labelFile(boolean gzip, int count) throws Exception {
    return writeIdx(
        dir.resolve((gzip ? "lab.gz" : "lab") + count),
        Idx.LABELS_MAGIC,
        new int[] {count},
        labels(count),
        gzip);
  }

  @Test
  void readsPlainAndGzipFiles() throws Exception {
    for (boolean gzip : new boolean[] {false, true}) {
      Idx.Images img = Idx.readImages(images(gzip));
      assertThat(img.count()).isEqualTo(COUNT);
      assertThat(img.rows()).isEqualTo(ROWS);
      assertThat(img.cols()).isEqualTo(COLS);
      assertThat(img.pixels()).isEqualTo(pixels());
      // Image 7, pixel 3 is the unsigned byte 143.
      assertThat(img.image01(7)[3]).isCloseTo(143 / 255.0, within(EXACT));
      assertThat(Idx.readLabels(labelFile(gzip, COUNT)))
          .containsExactly(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2);
    }
  }

  @Test
  void badMagicNamesByteZero() throws Exception {
    Path lab = labelFile(false, COUNT);
    assertThatThrownBy(() -> Idx.readImages(lab))
        .isInstanceOf(DataException.class)
        .hasMessage(
            lab
                + ": byte 0: bad magic number 0x00000801 (this is a labels file); an IDX images file starts with"
                + " 0x00000803 (unsigned bytes, 3 dimensions)");
    Path junk = writeIdx(dir.resolve("junk.gz"), 0x12345678, new int[] {1}, new byte[1], true);
    assertThatThrownBy(() -> Idx.readLabels(junk))
        .hasMessage(
            junk
                + " (gzip; offsets in the decompressed data): byte 0: bad magic number 0x12345678;"
                + " an IDX labels file starts with 0x00000801 (unsigned bytes, 1 dimension)");
  }

  @Test
  void truncatedFilesNameTheOffset() throws Exception {
    Path empty = writeBytes(dir.resolve("empty"), new byte[0], false);
    assertThatThrownBy(() -> Idx.readLabels(empty))
        .hasMessage(
            empty
                + ": truncated at byte 0: the 4-byte IDX magic number is incomplete (empty file)");
    Path header =
        writeIdx(dir.resolve("header"), Idx.IMAGES_MAGIC, new int[] {COUNT}, new byte[2], false);
    assertThatThrownBy(() -> Idx.readImages(header))
        .hasMessage(
            header + ": truncated at byte 10: the header of an IDX images file has 16 bytes");
    byte[] short1 = Arrays.copyOf(pixels(), 5 * ROWS * COLS + 2);
    for (boolean gzip : new boolean[] {false, true}) {
      Path body =
          writeIdx(
              dir.resolve("body" + gzip),
              Idx.IMAGES_MAGIC,
              new int[] {COUNT, ROWS, COLS},
              short1,
              gzip);
      assertThatThrownBy(() -> Idx.readImages(body))
          .hasMessageStartingWith(body.toString())
          .hasMessageEndingWith(
              ": truncated at byte 48: the header announces 12 images of 3x2, which need 88 bytes; image 5 is the first"
                  + " incomplete one");
    }
  }

  @Test
  void trailingBytesAndImpossibleSizes() throws Exception {
    Path extra =
        writeIdx(dir.resolve("extra"), Idx.LABELS_MAGIC, new int[] {2}, new byte[5], false);
    assertThatThrownBy(() -> Idx.readLabels(extra))
        .hasMessage(
            extra + ": byte 10: 3 unexpected bytes after the 2 labels announced in the header");
    Path neg =
        writeIdx(dir.resolve("neg"), Idx.IMAGES_MAGIC, new int[] {1, -2, 2}, new byte[0], false);
    assertThatThrownBy(() -> Idx.readImages(neg))
        .hasMessage(neg + ": byte 8: dimension 1 has the impossible size 4294967294");
  }

  @Test
  void corruptGzipAndMissingFile() throws Exception {
    byte[] gz = Files.readAllBytes(images(true));
    Path cut = writeBytes(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2), false);
    assertThatThrownBy(() -> Idx.readImages(cut))
        .hasMessageStartingWith(cut + ": not a valid gzip stream (truncated or corrupt)");
    Path none = dir.resolve("none");
    assertThatThrownBy(() -> Idx.readImages(none)).hasMessage(none + ": no such file");
  }

  private DataSpec idx(Path images, Path labels, String mode, int n) {
    return DataSpec.defaults()
        .withData("idx")
        .withLabels(mode)
        .withN(n)
        .withD(0)
        .withFiles(images.toString(), labels.toString());
  }

  @Test
  void mismatchedCountsNameBothFiles() throws Exception {
    Path img = images(false);
    Path lab = labelFile(false, COUNT - 1);
    assertThatThrownBy(() -> DataSets.create(idx(img, lab, "random", 3), 1))
        .hasMessage(
            "images file "
                + img
                + " has 12 images but labels file "
                + lab
                + " has 11 labels (counts at byte 4 of each"
                + " file)");
  }

  /**
   * A class pair (0 vs 1): rows of class 2 are dropped; without preprocessing pixels are byte/255.
   */
  @Test
  void classPairSubsetKeepsPixelsAndLabels() throws Exception {
    for (boolean gzip : new boolean[] {false, true}) {
      DataSpec spec =
          idx(images(gzip), labelFile(gzip, COUNT), "noisy", 8)
              .withClasses(List.of("0"), List.of("1"))
              .withPreprocessing(false, false);
      Dataset ds = DataSets.create(spec, 9);
      assertThat(ds.d()).isEqualTo(ROWS * COLS);
      boolean[] seen = new boolean[COUNT];
      for (int i = 0; i < ds.n(); i++) {
        // Pixel 0 of image i is 20 i ≤ 220 for i < 12, so it names the image.
        int image = (int) Math.round(ds.x()[i][0] * 255) / 20;
        assertThat(image % 3).isNotEqualTo(2);
        assertThat(seen[image]).isFalse();
        seen[image] = true;
        assertThat(ds.y()[i]).isEqualTo(image % 3 == 0 ? 1.0 : -1.0);
      }
    }
  }

  /** Centre, project to d, normalise: d columns, unit norms, deterministic in the seed. */
  @Test
  void projectionGivesUnitPointsInDDimensions() throws Exception {
    DataSpec spec = idx(images(true), labelFile(true, COUNT), "random", 10).withD(3);
    Dataset a = DataSets.create(spec, 4);
    assertThat(a.d()).isEqualTo(3);
    for (double[] x : a.x()) {
      assertThat(DataModelsTest.norm2(x)).isCloseTo(1.0, within(EXACT));
    }
    assertThat(DataSets.create(spec, 4).x()).isDeepEqualTo(a.x());
    assertThat(Arrays.deepEquals(DataSets.create(spec, 5).x(), a.x())).isFalse();
  }
}
