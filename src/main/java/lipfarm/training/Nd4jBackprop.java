package lipfarm.training;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.LeakyReLU;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SoftPlus;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Forward and backward passes of an {@link MlpTrainer} on ND4J ops, over row ranges of the data, on
 * n×width buffers allocated once. It exists apart from the trainer because it is one of two
 * interchangeable paths: a trainer whose two-layer full-batch step runs on the fused {@link
 * TwoLayerKernel} has none. Products use gemm with transpose flags rather than transposed views.
 */
final class Nd4jBackprop {
  private final TrainingSpec spec;
  private final FlatParameters p;
  private final int n;
  private final int layers;
  private final int[] sizes;
  private final INDArray[] z; // pre-activations per layer, n × sizes[l+1]
  private final INDArray[] a; // activations per hidden layer
  private final INDArray[] da; // backprop buffers
  private final INDArray[] deriv; // σ'(z) buffers

  /** Buffers for {@code n} rows of the net whose parameters are {@code p}. */
  Nd4jBackprop(TrainingSpec spec, FlatParameters p, int n) {
    this.spec = spec;
    this.p = p;
    this.n = n;
    this.layers = p.layers;
    this.sizes = p.sizes;
    z = new INDArray[layers];
    a = new INDArray[layers];
    da = new INDArray[layers];
    deriv = new INDArray[layers];
    for (int l = 0; l < layers; l++) {
      int out = sizes[l + 1];
      z[l] = Nd4j.zeros(p.dtype, n, out);
      a[l] = Nd4j.zeros(p.dtype, n, out);
      da[l] = Nd4j.zeros(p.dtype, n, out);
      // σ'(z) buffers serve only activations other than ReLU.
      deriv[l] = spec.activation() == Activation.RELU ? null : Nd4j.zeros(p.dtype, n, out);
    }
  }

  /** Forward pass over rows [from, to) of {@code input}; returns the output buffer view. */
  INDArray forward(INDArray input, int from, int to) {
    INDArray prev = rows(input, from, to);
    for (int l = 0; l < layers; l++) {
      INDArray zl = rows(z[l], from, to);
      Nd4j.gemm(prev, p.w[l], zl, false, true, 1.0, 0.0);
      if (spec.bias()) {
        zl.addiRowVector(p.b[l]);
      }
      if (l < layers - 1) {
        INDArray al = rows(a[l], from, to);
        activate(zl, al);
        prev = al;
      } else {
        prev = zl;
      }
    }
    return prev;
  }

  private INDArray rows(INDArray m, int from, int to) {
    return from == 0 && to == n ? m : m.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
  }

  private void activate(INDArray zl, INDArray al) {
    switch (spec.activation()) {
      case RELU -> Nd4j.getExecutioner().exec(new RectifiedLinear(zl, al, 0.0));
      case LEAKY_RELU -> Nd4j.getExecutioner().exec(new LeakyReLU(zl, al, spec.leakySlope()));
      case TANH -> Nd4j.getExecutioner().exec(new Tanh(zl, al));
      case SOFTPLUS -> Nd4j.getExecutioner().exec(new SoftPlus(zl, al));
    }
  }

  /**
   * σ'(z) into {@code d}. ReLU and leaky ReLU use the convention σ'(0) = slope of the left side.
   */
  private void derivative(INDArray zl, INDArray al, INDArray d) {
    switch (spec.activation()) {
      case RELU -> Nd4j.getExecutioner().exec(new Step(zl, d, 0.0));
      case LEAKY_RELU -> {
        Nd4j.getExecutioner().exec(new Step(zl, d, 0.0));
        d.muli(1 - spec.leakySlope()).addi(spec.leakySlope());
      }
      case TANH -> {
        al.mul(al, d);
        d.rsubi(1.0);
      }
      case SOFTPLUS -> Nd4j.getExecutioner().exec(new Sigmoid(zl, d));
    }
  }

  /**
   * Gradient of the mean {@code loss} over rows [from, to) of (inputs, targets) into the gradient
   * buffer; {@code out} holds the forward output for those rows and is overwritten.
   */
  void backward(INDArray inputs, INDArray targets, int from, int to, INDArray out, Loss loss) {
    int rowsN = to - from;
    INDArray t = rows(targets, from, to);
    INDArray dz = out; // reuse the output buffer for dL/dz_L
    switch (loss) {
      case SQUARED -> dz.subi(t).muli(1.0 / rowsN);
      case HINGE -> {
        // d/df max(0, 1 − y f) = −y·1[y f < 1]
        INDArray yf = dz.mul(t);
        INDArray active = Nd4j.getExecutioner().exec(new Step(yf.rsubi(1.0), yf, 0.0));
        dz.assign(active.muli(t).muli(-1.0 / rowsN));
      }
      case LOGISTIC -> {
        // d/df log(1 + e^{−y f}) = −y·sigmoid(−y f)
        INDArray s = dz.mul(t).negi();
        Nd4j.getExecutioner().exec(new Sigmoid(s, s));
        dz.assign(s.muli(t).muli(-1.0 / rowsN));
      }
    }
    for (int l = layers - 1; l >= 0; l--) {
      INDArray prev = l == 0 ? rows(inputs, from, to) : rows(a[l - 1], from, to);
      Nd4j.gemm(dz, prev, p.gw[l], true, false, 1.0, 0.0);
      if (spec.bias()) {
        p.gb[l].assign(dz.sum(0).reshape(1, sizes[l + 1]));
      }
      if (l > 0) {
        INDArray dal = rows(da[l - 1], from, to);
        Nd4j.gemm(dz, p.w[l], dal, false, false, 1.0, 0.0);
        if (spec.activation() == Activation.RELU) {
          // One fused op instead of σ'(z) then a product: ReLU is the common, large case.
          Nd4j.getExecutioner().exec(new ThresholdReluBp(rows(z[l - 1], from, to), dal, dal, 0.0));
        } else {
          INDArray dv = rows(deriv[l - 1], from, to);
          derivative(rows(z[l - 1], from, to), rows(a[l - 1], from, to), dv);
          dal.muli(dv);
        }
        dz = dal;
      }
    }
  }
}
