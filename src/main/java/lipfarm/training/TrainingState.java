package lipfarm.training;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Everything an {@link MlpTrainer} needs to continue bit-identically: see {@link
 * MlpTrainer#capture()}. Arrays hold exact values (float buffers widen to double losslessly).
 *
 * @param epoch epochs trained
 * @param updates optimiser steps taken (Adam's bias-correction counter)
 * @param shuffles minibatch permutations drawn (the position of the seeded shuffle stream)
 * @param permutation the current minibatch permutation of the data rows
 * @param parameters the flat parameter vector
 * @param adam Adam's state {@code [m | v]}, or null for other optimisers
 * @param velocity SGD's heavy-ball velocity, or null for other optimisers
 * @param powerVectors per layer, the warm start of the spectral-norm power iteration (null entries
 *     when not used yet)
 */
public record TrainingState(
    int epoch,
    int updates,
    long shuffles,
    int[] permutation,
    double[] parameters,
    double[] adam,
    double[] velocity,
    double[][] powerVectors) {

  private static final int MAGIC = 0x4c465443; // "LFTC"
  private static final int VERSION = 1;

  /** A self-checking binary form (magic, version, payload, CRC-32). */
  public byte[] toBytes() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(epoch);
      out.writeInt(updates);
      out.writeLong(shuffles);
      out.writeInt(permutation.length);
      for (int p : permutation) {
        out.writeInt(p);
      }
      writeArray(out, parameters);
      writeArray(out, adam);
      writeArray(out, velocity);
      out.writeInt(powerVectors.length);
      for (double[] v : powerVectors) {
        writeArray(out, v);
      }
      out.flush();
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeLong(crc.getValue());
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @throws IllegalArgumentException if the bytes are not a complete, uncorrupted state
   */
  public static TrainingState fromBytes(byte[] b) {
    if (b.length < 16) {
      throw new IllegalArgumentException("checkpoint too short (" + b.length + " bytes)");
    }
    CRC32 crc = new CRC32();
    crc.update(b, 0, b.length - 8);
    long stored = java.nio.ByteBuffer.wrap(b, b.length - 8, 8).getLong();
    if (stored != crc.getValue()) {
      throw new IllegalArgumentException("checkpoint checksum mismatch (torn or corrupted file)");
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b, 0, b.length - 8))) {
      if (in.readInt() != MAGIC || in.readInt() != VERSION) {
        throw new IllegalArgumentException("not a lipfarm checkpoint of version " + VERSION);
      }
      int epoch = in.readInt();
      int updates = in.readInt();
      long shuffles = in.readLong();
      int[] perm = new int[in.readInt()];
      for (int i = 0; i < perm.length; i++) {
        perm[i] = in.readInt();
      }
      double[] params = readArray(in);
      double[] adam = readArray(in);
      double[] velocity = readArray(in);
      double[][] pv = new double[in.readInt()][];
      for (int l = 0; l < pv.length; l++) {
        pv[l] = readArray(in);
      }
      return new TrainingState(epoch, updates, shuffles, perm, params, adam, velocity, pv);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated checkpoint: " + e.getMessage(), e);
    }
  }

  private static void writeArray(DataOutputStream out, double[] a) throws IOException {
    if (a == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(a.length);
    for (double v : a) {
      out.writeLong(Double.doubleToRawLongBits(v));
    }
  }

  private static double[] readArray(DataInputStream in) throws IOException {
    int len = in.readInt();
    if (len < 0) {
      return null;
    }
    double[] a = new double[len];
    for (int i = 0; i < len; i++) {
      a[i] = Double.longBitsToDouble(in.readLong());
    }
    return a;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingState s
        && s.epoch == epoch
        && s.updates == updates
        && s.shuffles == shuffles
        && Arrays.equals(s.permutation, permutation)
        && Arrays.equals(s.parameters, parameters)
        && Arrays.equals(s.adam, adam)
        && Arrays.equals(s.velocity, velocity)
        && Arrays.deepEquals(s.powerVectors, powerVectors);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * epoch + updates) + Arrays.hashCode(parameters);
  }

  @Override
  public String toString() {
    return "TrainingState[epoch=" + epoch + ", updates=" + updates + ", shuffles=" + shuffles + "]";
  }
}
