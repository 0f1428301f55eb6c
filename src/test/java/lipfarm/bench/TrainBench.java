package lipfarm.bench;

import java.util.Locale;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.training.MlpTrainer;
import lipfarm.training.Nd4jRuntime;
import lipfarm.training.TrainingSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training-speed benchmark (run by {@code bench/train.sh}, not by the tests): milliseconds per
 * full-batch Adam epoch of the farm's trainer for two-layer ReLU nets, and the single-thread GEMM
 * peak of this machine measured in the same process. Prints tab-separated lines for the script.
 */
public final class TrainBench {
  private TrainBench() {}

  public static void main(String[] args) {
    Nd4jRuntime.configure();
    System.out.printf(Locale.ROOT, "peak\tfloat\t%.2f%n", gemmPeak(DataType.FLOAT));
    System.out.printf(Locale.ROOT, "peak\tdouble\t%.2f%n", gemmPeak(DataType.DOUBLE));
    int[][] shapes = {{1000, 20, 50}, {10000, 100, 500}};
    for (int[] s : shapes) {
      for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
        double ms = msPerEpoch(s[0], s[1], s[2], dt);
        double flops = 4.0 * s[0] * s[1] * s[2] + 6.0 * s[0] * s[2];
        System.out.printf(
            Locale.ROOT,
            "train\t%d\t%d\t%d\t%s\t%.4f\t%.2f%n",
            s[0],
            s[1],
            s[2],
            dt == DataType.FLOAT ? "float32" : "float64",
            ms,
            flops / (ms * 1e6));
      }
    }
    // Restarts of the small net trained as one computation: time per network-epoch.
    for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      int restarts = 8;
      double ms = msPerBatchedEpoch(1000, 20, 50, restarts, dt) / restarts;
      double flops = 4.0 * 1000 * 20 * 50 + 6.0 * 1000 * 50;
      System.out.printf(
          Locale.ROOT,
          "batched\t%d\t%d\t%d\t%s\t%d\t%.4f\t%.2f%n",
          1000,
          20,
          50,
          dt == DataType.FLOAT ? "float32" : "float64",
          restarts,
          ms,
          flops / (ms * 1e6));
    }
  }

  static double msPerBatchedEpoch(int n, int d, int k, int restarts, DataType dt) {
    Dataset data = DataModels.sphereRandomLabels(n, d, 1);
    long[] seeds = new long[restarts];
    for (int i = 0; i < restarts; i++) {
      seeds[i] = 2 + i;
    }
    lipfarm.training.BatchedRestarts t =
        new lipfarm.training.BatchedRestarts(
            data, TrainingSpec.twoLayerRelu(k, true, 1e-3, 0.0, Integer.MAX_VALUE), seeds, dt);
    return bestMsPerEpoch(t::step, 300);
  }

  /**
   * Best of several timed epochs after a warm-up; the net never reaches tol = 0, so every call
   * trains.
   */
  static double msPerEpoch(int n, int d, int k, DataType dt) {
    Dataset data = DataModels.sphereRandomLabels(n, d, 1);
    TrainingSpec spec = TrainingSpec.twoLayerRelu(k, true, 1e-3, 0.0, Integer.MAX_VALUE);
    MlpTrainer t = new MlpTrainer(data, MlpTrainerTargets.of(data), spec, 2, dt);
    return bestMsPerEpoch(t::step, n * (long) d * k > 1e8 ? 10 : 300);
  }

  /**
   * Best of five timed runs of {@code epochs} steps, after a warm-up of a fifth as many (at least
   * 5), in this thread's CPU time: the machine is shared, and CPU time does not count the time the
   * thread waits for a core (the PyTorch script measures the same way).
   */
  static double bestMsPerEpoch(Runnable step, int epochs) {
    for (int i = 0; i < Math.max(5, epochs / 5); i++) {
      step.run();
    }
    double best = Double.POSITIVE_INFINITY;
    for (int rep = 0; rep < 5; rep++) {
      long t0 = cpuNanos();
      for (int i = 0; i < epochs; i++) {
        step.run();
      }
      best = Math.min(best, (cpuNanos() - t0) / 1e6 / epochs);
    }
    return best;
  }

  /** CPU time of the calling thread (all compute here runs on it: one BLAS thread). */
  static long cpuNanos() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  /** GFLOP/s of one 2000×2000×2000 gemm on one thread (best of 5, CPU time). */
  static double gemmPeak(DataType dt) {
    int m = 2000;
    INDArray a = Nd4j.rand(dt, m, m);
    INDArray b = Nd4j.rand(dt, m, m);
    INDArray c = Nd4j.zeros(dt, m, m);
    Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
    double best = Double.POSITIVE_INFINITY;
    for (int rep = 0; rep < 5; rep++) {
      long t0 = cpuNanos();
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      best = Math.min(best, (cpuNanos() - t0) / 1e9);
    }
    return 2.0 * m * m * m / best / 1e9;
  }

  /** Labels replicated as scalar targets. */
  static final class MlpTrainerTargets {
    private MlpTrainerTargets() {}

    static double[][] of(Dataset data) {
      double[][] t = new double[data.n()][1];
      for (int i = 0; i < data.n(); i++) {
        t[i][0] = data.y()[i];
      }
      return t;
    }
  }
}
