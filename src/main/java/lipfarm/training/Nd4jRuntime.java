package lipfarm.training;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * One-time native set-up shared by every trainer and estimator in the JVM: one thread per
 * computation.
 *
 * <p>Parallelism comes from running trainers and estimators side by side, one per worker thread of
 * the compute dispatcher, so each native call must stay on its caller's thread. Two libraries could
 * start threads of their own: ND4J's OpenMP loops and OpenBLAS's pthread pool (which defaults to
 * one thread per core, and is used both by ND4J's gemm and by the direct BLAS calls of {@link
 * TwoLayerKernel}). Both limits are process-wide in these library versions (OpenBLAS 0.3.19 has no
 * per-thread setting), so {@link #configure()} sets both to 1 once, before any computation; with W
 * workers the process then uses at most W compute threads.
 */
public final class Nd4jRuntime {
  private Nd4jRuntime() {}

  private static final Object LOCK = new Object();
  private static boolean configured;

  /**
   * Double precision by default (gradient checks need it and the nets are small), one OpenMP thread
   * and one OpenBLAS thread per call. Idempotent and cheap after the first call.
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
      configureBlas();
      configured = true;
    }
  }

  /**
   * Loads OpenBLAS and pins it to one thread per call, without starting ND4J (the fused two-layer
   * kernel needs no more, so a farm of such nets never pays ND4J's native start-up). Idempotent;
   * {@link #configure()} repeats the pinning after ND4J's start-up.
   */
  public static void configureBlas() {
    synchronized (LOCK) {
      Loader.load(openblas_nolapack.class);
      openblas_nolapack.blas_set_num_threads(1);
    }
  }

  /**
   * The thread counts the native libraries will use per call, after {@link #configure()}: for a
   * start-up log line and for tests. Both must be 1.
   */
  public static ThreadCounts threadCounts() {
    configure();
    return new ThreadCounts(
        NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads(),
        openblas_nolapack.blas_get_num_threads());
  }

  /** Threads per native call: ND4J's OpenMP and OpenBLAS's pool. */
  public record ThreadCounts(int openMp, int openBlas) {
    @Override
    public String toString() {
      return "OpenMP " + openMp + ", OpenBLAS " + openBlas + " thread(s) per call";
    }
  }
}
