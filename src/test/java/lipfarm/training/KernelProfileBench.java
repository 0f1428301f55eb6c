package lipfarm.training;

import java.util.Locale;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Where an epoch of the fused two-layer kernel spends its time (run by {@code bench/train.sh
 * --profile}, not by the tests): microseconds per epoch, per measuring forward pass, per forward
 * pass with the gradient and per optimiser update, and the same epoch through ND4J's ops (the
 * trainer without the kernel), best of five blocks.
 *
 * <p>Usage: {@code KernelProfileBench n d k [float|double]...}; prints tab-separated lines: profile
 * n d k dtype phase microseconds.
 */
public final class KernelProfileBench {
  private KernelProfileBench() {}

  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]);
    int d = Integer.parseInt(args[1]);
    int k = Integer.parseInt(args[2]);
    Nd4jRuntime.configure();
    for (int i = 3; i < args.length; i++) {
      DataType dt = args[i].equals("float") ? DataType.FLOAT : DataType.DOUBLE;
      Dataset data = DataModels.sphereRandomLabels(n, d, 1);
      TrainingSpec spec = TrainingSpec.twoLayerRelu(k, true, 1e-3, 0.0, Integer.MAX_VALUE);
      double[][] targets = MlpTrainer.targetsFromLabels(data.y(), 1);
      int epochs = (long) n * d * k > 1e8 ? 10 : 300;
      MlpTrainer fused = new MlpTrainer(data, targets, spec, 2, dt, true);
      MlpTrainer nd4j = new MlpTrainer(data, targets, spec, 2, dt, false);
      TwoLayerKernel kernel = fused.kernel();
      double[] y = data.y();
      String name = dt == DataType.FLOAT ? "float32" : "float64";
      print(n, d, k, name, "epoch (fused)", micros(fused::step, epochs));
      print(n, d, k, name, "  forward (measurement only)", micros(kernel::forward, epochs));
      print(n, d, k, name, "  forward + backward", micros(() -> kernel.forwardBackward(y), epochs));
      print(n, d, k, name, "  update", micros(() -> kernel.update(1e-3, 5), epochs));
      print(n, d, k, name, "epoch (ND4J ops)", micros(nd4j::step, epochs));
    }
  }

  static long cpuNanos() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  private static void print(int n, int d, int k, String dt, String phase, double us) {
    System.out.printf(Locale.ROOT, "profile\t%d\t%d\t%d\t%s\t%s\t%.1f%n", n, d, k, dt, phase, us);
  }

  /** Best of five blocks of {@code reps} calls after a warm-up, in µs of this thread's CPU time. */
  static double micros(Runnable r, int reps) {
    for (int i = 0; i < Math.max(5, reps / 5); i++) {
      r.run();
    }
    double best = Double.POSITIVE_INFINITY;
    for (int b = 0; b < 5; b++) {
      long t0 = cpuNanos();
      for (int i = 0; i < reps; i++) {
        r.run();
      }
      best = Math.min(best, (cpuNanos() - t0) / 1e3 / reps);
    }
    return best;
  }
}
