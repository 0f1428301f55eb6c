package lipfarm.training;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import lipfarm.protocol.NetworkSnapshot;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameters of an {@link MlpTrainer} in one flat vector {@code theta}, and their gradient in
 * {@code grad} with the same layout (layer by layer: W_l row-major, then b_l); each W_l, b_l and
 * its gradient is a view into them. It exists because the layout is shared by everything that
 * touches the weights (the ND4J passes, the optimiser, the projections, the fused kernel,
 * checkpoints), and the copies in and out of native memory without ND4J ops belong with it.
 *
 * <p>Two storages: ND4J arrays (the ND4J passes, the optimiser's ND4J update and the projections
 * work on views of them), or plain heap buffers when only the fused kernel touches the parameters
 * (a two-layer net without weight bound), so that such a trainer never starts ND4J's native
 * backend, about a second of every farm's start-up. Either way {@link #thetaBuffer()} and {@link
 * #gradBuffer()} are the one copy of the values.
 */
final class FlatParameters {
  final DataType dtype;
  final int layers;

  /** Number of parameters. */
  final int total;

  /** sizes[0] = d, sizes[layers] = outputDim. */
  final int[] sizes;

  // ND4J storage: null in heap storage.
  final INDArray theta;
  final INDArray grad;
  final INDArray[] w; // W_l views, sizes[l+1] × sizes[l]
  final INDArray[] b; // b_l views, 1 × sizes[l+1]
  final INDArray[] gw;
  final INDArray[] gb;

  // The values, as nio buffers (DoubleBuffer or FloatBuffer by dtype) over either storage.
  private final Buffer thetaBuf;
  private final Buffer gradBuf;

  /** Zero parameters for a net of the given layer sizes (input first), in ND4J arrays. */
  FlatParameters(int[] sizes, DataType dtype) {
    this(sizes, dtype, true);
  }

  /**
   * Zero parameters for a net of the given layer sizes (input first).
   *
   * @param nd4j whether to keep them in ND4J arrays (needed by everything but the fused kernel)
   */
  FlatParameters(int[] sizes, DataType dtype, boolean nd4j) {
    if (dtype != DataType.DOUBLE && dtype != DataType.FLOAT) {
      throw new IllegalArgumentException("parameters are DOUBLE or FLOAT, not " + dtype);
    }
    this.dtype = dtype;
    this.sizes = sizes;
    this.layers = sizes.length - 1;
    int count = 0;
    for (int l = 0; l < layers; l++) {
      count += sizes[l + 1] * sizes[l] + sizes[l + 1];
    }
    this.total = count;
    if (!nd4j) {
      theta = null;
      grad = null;
      w = b = gw = gb = null;
      thetaBuf = heapBuffer(dtype, total);
      gradBuf = heapBuffer(dtype, total);
      return;
    }
    theta = Nd4j.zeros(dtype, 1, total);
    grad = Nd4j.zeros(dtype, 1, total);
    w = new INDArray[layers];
    b = new INDArray[layers];
    gw = new INDArray[layers];
    gb = new INDArray[layers];
    int off = 0;
    for (int l = 0; l < layers; l++) {
      int out = sizes[l + 1];
      int in = sizes[l];
      w[l] = view(theta, off, out, in);
      gw[l] = view(grad, off, out, in);
      off += out * in;
      b[l] = view(theta, off, 1, out);
      gb[l] = view(grad, off, 1, out);
      off += out;
    }
    thetaBuf = nioView(theta);
    gradBuf = nioView(grad);
  }

  /** A zero heap buffer of {@code length} values: DoubleBuffer or FloatBuffer by dtype. */
  static Buffer heapBuffer(DataType dtype, int length) {
    return dtype == DataType.DOUBLE ? DoubleBuffer.allocate(length) : FloatBuffer.allocate(length);
  }

  /** The nio view of a DOUBLE or FLOAT array's native memory (it does not keep it alive). */
  static Buffer nioView(INDArray a) {
    return a.dataType() == DataType.DOUBLE ? a.data().asNioDouble() : a.data().asNioFloat();
  }

  /** Whether the parameters live in ND4J arrays (else only the fused kernel may touch them). */
  boolean nd4j() {
    return theta != null;
  }

  /** The parameters' values: a DoubleBuffer or FloatBuffer by dtype (positions are not kept). */
  Buffer thetaBuffer() {
    return thetaBuf;
  }

  /** The gradient's values, as {@link #thetaBuffer()}. */
  Buffer gradBuffer() {
    return gradBuf;
  }

  private static INDArray view(INDArray flat, int offset, int rows, int cols) {
    INDArray v =
        flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(offset, offset + rows * cols))
            .reshape('c', rows, cols);
    if (!v.isView()) {
      throw new IllegalStateException(
          "ND4J returned a copy instead of a view; parameters would not update");
    }
    return v;
  }

  /** Number of parameters. */
  long size() {
    return total;
  }

  /** The current parameters (a copy). */
  double[] values() {
    double[] v = new double[total];
    copyOut(thetaBuf, v);
    return v;
  }

  /** The gradient buffer (a copy). */
  double[] gradient() {
    double[] g = new double[total];
    copyOut(gradBuf, g);
    return g;
  }

  /** Copies the gradient into {@code into}, straight from its memory (no ND4J op). */
  void gradientInto(double[] into) {
    copyOut(gradBuf, into);
  }

  /** Copies the parameters into {@code into}, as {@link #values()} without ND4J ops. */
  void valuesInto(double[] into) {
    copyOut(thetaBuf, into);
  }

  /** Sets the parameters from {@code p} (float storage rounds to nearest), without ND4J ops. */
  void write(double[] p) {
    copyIn(p, thetaBuf);
  }

  /** Copies {@code from} into a DoubleBuffer or FloatBuffer from index 0. */
  static void copyIn(double[] from, Buffer to) {
    if (to instanceof DoubleBuffer buf) {
      buf.position(0);
      buf.put(from);
    } else {
      FloatBuffer buf = (FloatBuffer) to;
      for (int i = 0; i < from.length; i++) {
        buf.put(i, (float) from[i]);
      }
    }
  }

  /**
   * Copies a DoubleBuffer's or FloatBuffer's first {@code into.length} values into {@code into}.
   */
  static void copyOut(Buffer from, double[] into) {
    if (from instanceof DoubleBuffer buf) {
      buf.position(0);
      buf.get(into);
    } else {
      FloatBuffer buf = (FloatBuffer) from;
      for (int i = 0; i < into.length; i++) {
        into[i] = buf.get(i);
      }
    }
  }

  /** ‖W_l‖_F from the flat values (no ND4J op). */
  double frobenius(int l) {
    double[] p = values();
    int off = 0;
    for (int i = 0; i < l; i++) {
      off += sizes[i + 1] * sizes[i] + sizes[i + 1];
    }
    double s = 0;
    for (int i = off; i < off + sizes[l + 1] * sizes[l]; i++) {
      s += p[i] * p[i];
    }
    return Math.sqrt(s);
  }

  /** An immutable copy of the current weights; biases only when the net has them. */
  NetworkSnapshot snapshot(String activation, boolean bias) {
    double[] p = values();
    List<NetworkSnapshot.Layer> out = new ArrayList<>();
    int off = 0;
    for (int l = 0; l < layers; l++) {
      int rows = sizes[l + 1];
      int cols = sizes[l];
      double[] wv = new double[rows * cols];
      System.arraycopy(p, off, wv, 0, wv.length);
      off += wv.length;
      double[] bv = new double[rows];
      System.arraycopy(p, off, bv, 0, rows);
      off += rows;
      out.add(new NetworkSnapshot.Layer(rows, cols, wv, bias ? bv : null));
    }
    return new NetworkSnapshot(activation, out);
  }
}
