package lipfarm.training;

import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * JIT warm-up of the training kernels, for a process about to train many short runs: the farm's
 * runs often fit in 100-300 epochs, and a run that starts while the kernel's loops are still
 * interpreted or C1-compiled pays several milliseconds per epoch instead of tenths. Training a
 * small net in both precisions for a few thousand epochs (about a second of CPU) compiles them
 * once, before the first real run.
 */
public final class Warmup {
  private Warmup() {}

  private static final Object LOCK = new Object();
  private static boolean done;

  /** Trains throw-away nets once per JVM; later calls return at once. */
  public static void run() {
    synchronized (LOCK) {
      if (done) {
        return;
      }
      Nd4jRuntime.configure();
      Dataset data = DataModels.sphereRandomLabels(256, 16, 1);
      TrainingSpec spec = TrainingSpec.twoLayerRelu(32, true, 1e-3, 0.0, Integer.MAX_VALUE);
      double[][] targets = MlpTrainer.targetsFromLabels(data.y(), 1);
      for (DataType dtype : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
        MlpTrainer t = new MlpTrainer(data, targets, spec, 1, dtype);
        for (int i = 0; i < 3000; i++) {
          t.step();
        }
        t.evaluate();
      }
      done = true;
    }
  }
}
