package lipfarm.training;

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
 */
final class FlatParameters {
  final DataType dtype;
  final int layers;

  /** Number of parameters. */
  final int total;

  /** sizes[0] = d, sizes[layers] = outputDim. */
  final int[] sizes;

  final INDArray theta;
  final INDArray grad;
  final INDArray[] w; // W_l views, sizes[l+1] × sizes[l]
  final INDArray[] b; // b_l views, 1 × sizes[l+1]
  final INDArray[] gw;
  final INDArray[] gb;

  /** Zero parameters for a net of the given layer sizes (input first). */
  FlatParameters(int[] sizes, DataType dtype) {
    this.dtype = dtype;
    this.sizes = sizes;
    this.layers = sizes.length - 1;
    int count = 0;
    for (int l = 0; l < layers; l++) {
      count += sizes[l + 1] * sizes[l] + sizes[l + 1];
    }
    this.total = count;
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

  /** Number of parameters, as ND4J counts them. */
  long size() {
    return theta.length();
  }

  /** The current parameters (a copy). */
  double[] values() {
    return theta.dup().data().asDouble();
  }

  void set(double[] p) {
    theta.assign(Nd4j.create(p, new long[] {1, p.length}, 'c').castTo(dtype));
  }

  /** The gradient buffer (a copy). */
  double[] gradient() {
    return grad.dup().data().asDouble();
  }

  /** Copies the gradient into {@code into}, straight from its native memory (no ND4J op). */
  void gradientInto(double[] into) {
    copyOut(grad, into);
  }

  /** Copies the parameters into {@code into}, as {@link #values()} without ND4J ops. */
  void valuesInto(double[] into) {
    copyOut(theta, into);
  }

  /** Sets the parameters from {@code p}, as {@link #set} without ND4J ops. */
  void write(double[] p) {
    if (dtype == DataType.DOUBLE) {
      DoubleBuffer buf = theta.data().asNioDouble();
      buf.position(0);
      buf.put(p);
    } else if (dtype == DataType.FLOAT) {
      FloatBuffer buf = theta.data().asNioFloat();
      for (int i = 0; i < p.length; i++) {
        buf.put(i, (float) p[i]);
      }
    } else {
      set(p);
    }
  }

  private void copyOut(INDArray flat, double[] into) {
    if (dtype == DataType.DOUBLE) {
      DoubleBuffer buf = flat.data().asNioDouble();
      buf.position(0);
      buf.get(into);
    } else if (dtype == DataType.FLOAT) {
      FloatBuffer buf = flat.data().asNioFloat();
      for (int i = 0; i < into.length; i++) {
        into[i] = buf.get(i);
      }
    } else {
      System.arraycopy(flat.dup().data().asDouble(), 0, into, 0, into.length);
    }
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
