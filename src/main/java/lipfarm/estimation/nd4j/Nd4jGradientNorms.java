package lipfarm.estimation.nd4j;

import lipfarm.training.Nd4jRuntime;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Input-gradient norms of a two-layer scalar net f(x) = Σ_j a_j σ(w_j·x + b_j) + c for a whole
 * batch at once, with ND4J in single precision: Z = XWᵀ + b (B×k), U = σ'(Z) ⊙ a (B×k), G = UW
 * (B×d), ‖G_i‖. That is about 4·d·k flops per point in two GEMMs and four element-wise ops, so
 * ND4J's per-op overhead is paid once per batch, not once per point.
 *
 * <p>Single precision is for throughput (screening many probe points); a value that is reported as
 * a certified bound must be recomputed in double ({@code lipfarm.estimation.NetworkMath}). This
 * kernel lives apart from the pure-Java estimation package because it needs ND4J. Buffers are
 * reused between calls with the same batch size; one owner at a time.
 */
public final class Nd4jGradientNorms {
  private final int d;
  private final int k;
  private final INDArray w; // k × d
  private final INDArray b; // 1 × k
  private final INDArray a; // 1 × k
  private final String activation;
  private final double leakySlope;
  private INDArray x; // B × d
  private INDArray z; // B × k
  private INDArray t; // B × k, tanh scratch
  private INDArray g; // B × d
  private int batch = -1;

  /**
   * @param w first-layer weights, row-major k×d
   * @param b biases (length k) or null
   * @param a output weights (length k)
   * @param activation relu, leaky-relu:α, tanh, softplus or linear
   */
  public Nd4jGradientNorms(int d, int k, double[] w, double[] b, double[] a, String activation) {
    Nd4jRuntime.configure();
    this.d = d;
    this.k = k;
    this.w = Nd4j.create(w, new long[] {k, d}, 'c').castTo(DataType.FLOAT);
    this.b =
        Nd4j.create(b == null ? new double[k] : b, new long[] {1, k}, 'c').castTo(DataType.FLOAT);
    this.a = Nd4j.create(a, new long[] {1, k}, 'c').castTo(DataType.FLOAT);
    String act = activation == null ? "relu" : activation;
    if (act.startsWith("leaky-relu")) {
      this.activation = "leaky-relu";
      this.leakySlope =
          act.contains(":") ? Double.parseDouble(act.substring(act.indexOf(':') + 1)) : 0.01;
    } else if (act.equals("relu")
        || act.equals("tanh")
        || act.equals("softplus")
        || act.equals("linear")) {
      this.activation = act;
      this.leakySlope = 0;
    } else {
      throw new IllegalArgumentException("unsupported activation: " + activation);
    }
  }

  /**
   * ‖∇f(x_i)‖ for the n points of {@code xs} (row-major n×d), in single precision.
   *
   * @return the n norms
   */
  public float[] norms(float[] xs, int n) {
    if (xs.length < n * d) {
      throw new IllegalArgumentException("need " + n + "×" + d + " values, got " + xs.length);
    }
    if (n != batch) {
      x = Nd4j.create(DataType.FLOAT, n, d);
      z = Nd4j.create(DataType.FLOAT, n, k);
      t = "tanh".equals(activation) ? Nd4j.create(DataType.FLOAT, n, k) : null;
      g = Nd4j.create(DataType.FLOAT, n, d);
      batch = n;
    }
    x.data().setData(n * d == xs.length ? xs : java.util.Arrays.copyOf(xs, n * d));
    Nd4j.gemm(x, w, z, false, true, 1.0, 0.0);
    z.addiRowVector(b);
    switch (activation) {
      case "relu" -> Nd4j.getExecutioner().exec(new Step(z, z, 0.0));
      case "leaky-relu" -> {
        Nd4j.getExecutioner().exec(new Step(z, z, 0.0));
        z.muli(1 - leakySlope).addi(leakySlope);
      }
      case "tanh" -> {
        Nd4j.getExecutioner().exec(new Tanh(z, t));
        t.muli(t).rsubi(1.0);
        z.assign(t);
      }
      case "softplus" -> Nd4j.getExecutioner().exec(new Sigmoid(z, z));
      default -> z.assign(1.0);
    }
    z.muliRowVector(a);
    Nd4j.gemm(z, w, g, false, false, 1.0, 0.0);
    return g.norm2(1).toFloatVector();
  }
}
