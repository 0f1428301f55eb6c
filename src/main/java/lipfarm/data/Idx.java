package lipfarm.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reader of the IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed (recognised by the
 * gzip magic bytes 1f 8b, not by the file name). An IDX file is a big-endian header: a 4-byte magic
 * number {@code 00 00 TT NN} (TT = element type, 0x08 = unsigned byte; NN = number of dimensions),
 * then NN 4-byte dimension sizes, then the elements in row-major order. Images are magic {@code
 * 0x00000803} (count × rows × cols), labels {@code 0x00000801} (count). Every problem is a {@link
 * DataException} naming the file and the byte offset, counted in the decompressed stream for gzip
 * files.
 */
public final class Idx {
  /** Unsigned-byte elements, three dimensions: images. */
  public static final int IMAGES_MAGIC = 0x00000803;

  /** Unsigned-byte elements, one dimension: labels. */
  public static final int LABELS_MAGIC = 0x00000801;

  private Idx() {}

  /**
   * Unsigned-byte images, row-major: pixel (r, c) of image i is {@code pixels[i·rows·cols + r·cols
   * + c] & 0xff}. Kept as bytes because the 60 000 Fashion-MNIST training images take 47 MB as
   * bytes but 376 MB as doubles; {@link #image01} converts one image at a time.
   */
  public record Images(int count, int rows, int cols, byte[] pixels) {
    public Images {
      if ((long) count * rows * cols != pixels.length) {
        throw new IllegalArgumentException(
            count
                + " images of "
                + rows
                + "x"
                + cols
                + " need "
                + (long) count * rows * cols
                + " bytes, got "
                + pixels.length);
      }
    }

    public int pixelsPerImage() {
      return rows * cols;
    }

    /** Image i as a vector in [0, 1]^{rows·cols}: each unsigned byte divided by 255. */
    public double[] image01(int i) {
      int p = pixelsPerImage();
      double[] v = new double[p];
      for (int c = 0; c < p; c++) {
        v[c] = (pixels[i * p + c] & 0xff) / 255.0;
      }
      return v;
    }
  }

  /** Reads an images file (magic 0x00000803). */
  public static Images readImages(Path file) {
    Parsed p = parse(file, IMAGES_MAGIC, "images");
    long need = (long) p.dims[0] * p.dims[1] * p.dims[2];
    byte[] pixels =
        java.util.Arrays.copyOfRange(p.bytes, p.headerBytes, (int) (p.headerBytes + need));
    return new Images(p.dims[0], p.dims[1], p.dims[2], pixels);
  }

  /** Reads a labels file (magic 0x00000801); each label is an unsigned byte 0–255. */
  public static int[] readLabels(Path file) {
    Parsed p = parse(file, LABELS_MAGIC, "labels");
    int[] labels = new int[p.dims[0]];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = p.bytes[p.headerBytes + i] & 0xff;
    }
    return labels;
  }

  private record Parsed(byte[] bytes, int headerBytes, int[] dims) {}

  private static Parsed parse(Path file, int expectedMagic, String what) {
    boolean[] gzip = new boolean[1];
    byte[] b = readAll(file, gzip);
    String where = file + (gzip[0] ? " (gzip; offsets in the decompressed data)" : "");
    int ndims = expectedMagic & 0xff;
    if (b.length < 4) {
      throw new DataException(
          where
              + ": truncated at byte "
              + b.length
              + ": the 4-byte IDX magic number is incomplete"
              + (b.length == 0 ? " (empty file)" : ""));
    }
    int magic = readInt(b, 0);
    if (magic != expectedMagic) {
      String hint =
          magic == IMAGES_MAGIC
              ? " (this is an images file)"
              : magic == LABELS_MAGIC ? " (this is a labels file)" : "";
      throw new DataException(
          String.format(
              "%s: byte 0: bad magic number 0x%08x%s; an IDX %s file starts with 0x%08x"
                  + " (unsigned bytes, %d dimension%s)",
              where, magic, hint, what, expectedMagic, ndims, ndims == 1 ? "" : "s"));
    }
    int header = 4 + 4 * ndims;
    if (b.length < header) {
      throw new DataException(
          where
              + ": truncated at byte "
              + b.length
              + ": the header of an IDX "
              + what
              + " file has "
              + header
              + " bytes");
    }
    int[] dims = new int[ndims];
    long elements = 1;
    for (int k = 0; k < ndims; k++) {
      dims[k] = readInt(b, 4 + 4 * k);
      // Sizes are unsigned 32-bit in the format; anything past 2^31 − 1 cannot be a real data set.
      if (dims[k] < 0 || (k > 0 && dims[k] == 0)) {
        throw new DataException(
            where
                + ": byte "
                + (4 + 4 * k)
                + ": dimension "
                + k
                + " has the impossible size "
                + Integer.toUnsignedString(dims[k]));
      }
      elements *= dims[k];
    }
    long expected = header + elements;
    String shape =
        ndims == 3 ? dims[0] + " images of " + dims[1] + "x" + dims[2] : dims[0] + " labels";
    if (expected > Integer.MAX_VALUE - 8) {
      throw new DataException(
          where
              + ": byte 4: "
              + shape
              + " would need "
              + expected
              + " bytes, more than this reader holds");
    }
    if (b.length < expected) {
      long per = ndims == 3 ? (long) dims[1] * dims[2] : 1;
      throw new DataException(
          where
              + ": truncated at byte "
              + b.length
              + ": the header announces "
              + shape
              + ", which need "
              + expected
              + " bytes; "
              + (ndims == 3 ? "image " : "label ")
              + (b.length - header) / per
              + " is the first incomplete one");
    }
    if (b.length > expected) {
      throw new DataException(
          where
              + ": byte "
              + expected
              + ": "
              + (b.length - expected)
              + " unexpected bytes after the "
              + shape
              + " announced in the header");
    }
    return new Parsed(b, header, dims);
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24)
        | ((b[at + 1] & 0xff) << 16)
        | ((b[at + 2] & 0xff) << 8)
        | (b[at + 3] & 0xff);
  }

  private static byte[] readAll(Path file, boolean[] gzip) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      gzip[0] = b0 == 0x1f && b1 == 0x8b;
      if (!gzip[0]) {
        return raw.readAllBytes();
      }
      try (InputStream in = new GZIPInputStream(raw, 1 << 16)) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new DataException(
            file + ": not a valid gzip stream (truncated or corrupt): " + e.getMessage(), e);
      }
    } catch (NoSuchFileException e) {
      throw new DataException(file + ": no such file", e);
    } catch (IOException e) {
      throw new DataException(file + ": cannot read: " + e, e);
    }
  }
}
