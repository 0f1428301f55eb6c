package lipfarm.protocol;

import java.util.Arrays;
import java.util.List;

/**
 * An immutable copy of a fully connected network's weights: {@code f(x) = L_m σ(... σ(L_1 x))}
 * where each layer is {@code x -> W x + b}. The activation is applied between layers, never after
 * the last one. Weights are row-major, shape {@code [rows = out, cols = in]}.
 *
 * @param activation the hidden activation ("relu" for now)
 * @param layers the affine layers, input first
 */
public record NetworkSnapshot(String activation, List<Layer> layers)
    implements LipfarmSerializable {

  public NetworkSnapshot {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("a network needs at least one layer");
    }
    for (int i = 1; i < layers.size(); i++) {
      if (layers.get(i).cols() != layers.get(i - 1).rows()) {
        throw new IllegalArgumentException(
            "layer " + i + " input size does not match layer " + (i - 1));
      }
    }
    layers = List.copyOf(layers);
  }

  public int inputDim() {
    return layers.get(0).cols();
  }

  public int outputDim() {
    return layers.get(layers.size() - 1).rows();
  }

  /** Number of trainable parameters (weights and biases). */
  public long parameterCount() {
    long p = 0;
    for (Layer l : layers) {
      p += (long) l.rows() * l.cols() + (l.bias() == null ? 0 : l.bias().length);
    }
    return p;
  }

  /**
   * One affine layer. The arrays are defensively copied so a snapshot never aliases live training
   * buffers.
   *
   * @param rows output size
   * @param cols input size
   * @param weights row-major {@code rows × cols}
   * @param bias length {@code rows}, or null for a bias-free layer
   */
  public record Layer(int rows, int cols, double[] weights, double[] bias) {
    public Layer {
      if (weights.length != rows * cols) {
        throw new IllegalArgumentException(
            "weights length " + weights.length + " != " + rows + "x" + cols);
      }
      if (bias != null && bias.length != rows) {
        throw new IllegalArgumentException("bias length " + bias.length + " != " + rows);
      }
      weights = weights.clone();
      bias = bias == null ? null : bias.clone();
    }

    /** Entry {@code W[r][c]}. */
    public double w(int r, int c) {
      return weights[r * cols + c];
    }

    @Override
    public double[] weights() {
      return weights.clone();
    }

    @Override
    public double[] bias() {
      return bias == null ? null : bias.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Layer l
          && l.rows == rows
          && l.cols == cols
          && Arrays.equals(l.weights, weights)
          && Arrays.equals(l.bias, bias);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(weights) + Arrays.hashCode(bias);
    }

    @Override
    public String toString() {
      return "Layer[" + rows + "x" + cols + (bias == null ? ", no bias]" : ", bias]");
    }
  }
}
