package lipfarm.training;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/** One-time ND4J set-up shared by every trainer in the JVM. */
public final class Nd4jRuntime {
  private Nd4jRuntime() {}

  private static final Object LOCK = new Object();
  private static boolean configured;

  /**
   * Double precision (gradient checks need it and the nets are small) and one OpenMP thread per op:
   * parallelism comes from running trainers side by side on the compute dispatcher, and ND4J's
   * default two threads per op would fight the actors on a 2-core machine.
   */
  public static void configure() {
    synchronized (LOCK) {
      if (configured) {
        return;
      }
      Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
      Nd4j.getEnvironment().setMaxThreads(1);
      Nd4j.getEnvironment().setMaxMasterThreads(1);
      NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
      configured = true;
    }
  }
}
