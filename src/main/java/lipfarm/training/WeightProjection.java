package lipfarm.training;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Projection of an {@link MlpTrainer}'s weights onto its weight-bounded class ({@link WeightBound}:
 * per-neuron, Frobenius, spectral or path norm) after every optimiser step, and the bounded
 * quantity itself. It exists apart from the trainer because the projections carry their own state,
 * the warm starts of the spectral-norm power iteration, which a checkpoint must keep for the
 * trainer to continue bit-identically.
 */
final class WeightProjection {
  private final TrainingSpec spec;
  private final FlatParameters p;
  private final int layers;
  private final int[] sizes;
  private final INDArray[] powerVectors; // warm starts of the spectral-norm power iteration

  WeightProjection(TrainingSpec spec, FlatParameters p) {
    this.spec = spec;
    this.p = p;
    this.layers = p.layers;
    this.sizes = p.sizes;
    this.powerVectors = new INDArray[layers];
  }

  /** Projects the weights onto the configured weight-bounded class (identity inside it). */
  void project() {
    WeightBound wb = spec.bound();
    INDArray[] w = p.w;
    switch (wb.kind()) {
      case NONE -> {}
      case PER_NEURON -> {
        for (int l = 0; l < layers - 1; l++) {
          clipRows(l, wb.beta());
        }
        INDArray last = w[layers - 1];
        Transforms.min(last, wb.alpha(), false);
        Transforms.max(last, -wb.alpha(), false);
      }
      case FROBENIUS -> {
        for (int l = 0; l < layers; l++) {
          double f = w[l].norm2Number().doubleValue();
          if (f > wb.value()) {
            w[l].muli(wb.value() / f);
          }
        }
      }
      case SPECTRAL -> {
        for (int l = 0; l < layers; l++) {
          double s = spectralNorm(l);
          if (s > wb.value()) {
            w[l].muli(wb.value() / s);
          }
        }
      }
      case PATH -> {
        double pn = pathNorm();
        if (pn > wb.value()) {
          double c = Math.sqrt(wb.value() / pn);
          w[0].muli(c);
          if (spec.bias()) {
            p.b[0].muli(c);
          }
          w[1].muli(c);
        }
      }
    }
  }

  /** Clips ‖(w_j, b_j)‖₂ ≤ β for every row j of layer l. */
  private void clipRows(int l, double beta) {
    INDArray wl = p.w[l];
    INDArray bl = p.b[l];
    INDArray norms2 = wl.mul(wl).sum(1); // out
    if (spec.bias()) {
      norms2.addi(bl.mul(bl).reshape(sizes[l + 1]));
    }
    double[] nr = norms2.data().asDouble();
    double[] scale = new double[nr.length];
    boolean any = false;
    for (int j = 0; j < nr.length; j++) {
      double norm = Math.sqrt(nr[j]);
      scale[j] = norm > beta ? beta / norm : 1.0;
      any |= norm > beta;
    }
    if (any) {
      INDArray s = Nd4j.create(scale, new long[] {scale.length, 1}, 'c').castTo(p.dtype);
      wl.muliColumnVector(s);
      if (spec.bias()) {
        bl.muliRowVector(s.reshape(1, scale.length));
      }
    }
  }

  /**
   * σ_max(W_l) by power iteration on WᵀW, warm-started from the previous call's vector so that a
   * few iterations suffice between optimiser steps; iterates until the estimate is stable to 1e-12
   * relative (it converges from below).
   */
  double spectralNorm(int l) {
    INDArray wl = p.w[l];
    if (powerVectors[l] == null) {
      powerVectors[l] = Nd4j.ones(p.dtype, sizes[l], 1).divi(Math.sqrt(sizes[l]));
    }
    INDArray v = powerVectors[l];
    INDArray u = Nd4j.zeros(p.dtype, sizes[l + 1], 1);
    double prev = 0;
    double s = 0;
    for (int it = 0; it < 500; it++) {
      Nd4j.gemm(wl, v, u, false, false, 1.0, 0.0);
      Nd4j.gemm(wl, u, v, true, false, 1.0, 0.0);
      double nv = v.norm2Number().doubleValue();
      if (nv == 0) {
        return 0;
      }
      v.divi(nv);
      s = Math.sqrt(nv);
      if (Math.abs(s - prev) <= 1e-12 * s) {
        break;
      }
      prev = s;
    }
    return s;
  }

  private double pathNorm() {
    INDArray w0 = p.w[0];
    INDArray b0 = p.b[0];
    INDArray rowNorms2 = w0.mul(w0).sum(1);
    if (spec.bias()) {
      rowNorms2.addi(b0.mul(b0).reshape(sizes[1]));
    }
    double[] r = rowNorms2.data().asDouble();
    double[] av = p.w[1].data().dup().asDouble();
    double pn = 0;
    for (int j = 0; j < r.length; j++) {
      double aj = 0;
      for (int o = 0; o < sizes[2]; o++) {
        aj += Math.abs(av[o * sizes[1] + j]);
      }
      pn += aj * Math.sqrt(r[j]);
    }
    return pn;
  }

  /** The current value of the bounded quantity (NaN when unconstrained). */
  double constraintValue() {
    INDArray[] w = p.w;
    return switch (spec.bound().kind()) {
      case NONE -> Double.NaN;
      case PER_NEURON -> {
        double m = 0;
        for (int l = 0; l < layers - 1; l++) {
          INDArray norms2 = w[l].mul(w[l]).sum(1);
          if (spec.bias()) {
            norms2.addi(p.b[l].mul(p.b[l]).reshape(sizes[l + 1]));
          }
          m = Math.max(m, Math.sqrt(norms2.maxNumber().doubleValue()));
        }
        yield m;
      }
      case FROBENIUS -> {
        double m = 0;
        for (int l = 0; l < layers; l++) {
          m = Math.max(m, w[l].norm2Number().doubleValue());
        }
        yield m;
      }
      case SPECTRAL -> {
        double m = 0;
        for (int l = 0; l < layers; l++) {
          m = Math.max(m, spectralNorm(l));
        }
        yield m;
      }
      case PATH -> pathNorm();
    };
  }

  /** The power iteration's warm starts, per layer (null entries when not used yet): a copy. */
  double[][] powerVectors() {
    double[][] pv = new double[layers][];
    for (int l = 0; l < layers; l++) {
      pv[l] = powerVectors[l] == null ? null : powerVectors[l].dup().data().asDouble();
    }
    return pv;
  }

  /** Restores {@link #powerVectors()} captured from a projection of the same net. */
  void restorePowerVectors(double[][] pv) {
    for (int l = 0; l < layers; l++) {
      double[] v = pv[l];
      powerVectors[l] =
          v == null ? null : Nd4j.create(v, new long[] {sizes[l], 1}, 'c').castTo(p.dtype);
    }
  }
}
