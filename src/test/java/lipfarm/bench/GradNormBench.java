package lipfarm.bench;

import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.SplittableRandom;
import lipfarm.estimation.BatchGradients;
import lipfarm.estimation.nd4j.Nd4jGradientNorms;
import lipfarm.training.Nd4jRuntime;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Benchmark of issue 5: input-gradient norms per second of a two-layer ReLU net (d = 100, k = 500,
 * batches of 10⁴ points) with {@link BatchGradients}, and the single-core SGEMM peak measured in
 * the same run (ND4J/OpenBLAS float gemm with one thread, and a plain-Java float matmul of the same
 * rank-one-update style). Writes the network and one batch as little-endian float32 to DIR so the
 * PyTorch script can time the same network and check the norms.
 *
 * <p>Rates are per second of this thread's CPU time. Usage: {@code GradNormBench DIR [seconds]};
 * prints key=value lines.
 */
public final class GradNormBench {
  static final int D = 100;
  static final int K = 500;
  static final int BATCH = 10_000;

  public static void main(String[] args) throws IOException {
    String dir = args.length > 0 ? args[0] : "/tmp";
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
    SplittableRandom rng = new SplittableRandom(2026);
    double[] w = new double[K * D];
    double[] b = new double[K];
    double[] a = new double[K];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (rng.nextGaussian() / Math.sqrt(D));
    }
    for (int j = 0; j < K; j++) {
      b[j] = (float) (0.1 * rng.nextGaussian());
      a[j] = (float) (rng.nextGaussian() / Math.sqrt(K));
    }
    float[] x = new float[BATCH * D];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    write(dir + "/bench_w.f32", w);
    write(dir + "/bench_b.f32", b);
    write(dir + "/bench_a.f32", a);
    writeF(dir + "/bench_x.f32", x);

    BatchGradients bg = new BatchGradients(D, K, w, b, a, "relu");
    float[] out = new float[BATCH];
    bg.norms(x, BATCH, out);
    writeF(dir + "/bench_norms.f32", out);
    // Warm-up for the JIT, then time whole batches.
    long end = System.nanoTime() + 1_000_000_000L;
    while (System.nanoTime() < end) {
      bg.norms(x, BATCH, out);
    }
    long points = 0;
    long c0 = cpuNanos();
    end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      bg.norms(x, BATCH, out);
      points += BATCH;
    }
    double secs = (cpuNanos() - c0) / 1e9;
    double perSec = points / secs;
    System.out.printf(Locale.ROOT, "java_grads_per_s=%.1f%n", perSec);
    System.out.printf(Locale.ROOT, "java_gflops=%.3f%n", perSec * 4.0 * D * K / 1e9);
    // The batched ND4J kernel on the same network and batch.
    Nd4jGradientNorms kernel = new Nd4jGradientNorms(D, K, w, b, a, "relu");
    float[] nd = kernel.norms(x, BATCH);
    double maxRel = 0;
    for (int i = 0; i < BATCH; i++) {
      maxRel = Math.max(maxRel, Math.abs(nd[i] - out[i]) / Math.max(1e-12, Math.abs(out[i])));
    }
    end = System.nanoTime() + 1_000_000_000L;
    while (System.nanoTime() < end) {
      kernel.norms(x, BATCH);
    }
    points = 0;
    c0 = cpuNanos();
    end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      kernel.norms(x, BATCH);
      points += BATCH;
    }
    double nd4jPerSec = points / ((cpuNanos() - c0) / 1e9);
    System.out.printf(Locale.ROOT, "nd4j_grads_per_s=%.1f%n", nd4jPerSec);
    System.out.printf(Locale.ROOT, "nd4j_gflops=%.3f%n", nd4jPerSec * 4.0 * D * K / 1e9);
    System.out.printf(Locale.ROOT, "nd4j_vs_java_max_rel_diff=%.2e%n", maxRel);
    System.out.printf(Locale.ROOT, "nd4j_sgemm_gflops=%.3f%n", nd4jPeak(seconds));
    System.out.printf(Locale.ROOT, "java_matmul_gflops=%.3f%n", javaPeak(seconds));
  }

  /** Single-thread ND4J (OpenBLAS) float gemm, 2000×2000×2000, averaged like the kernels. */
  static double nd4jPeak(double seconds) {
    Nd4jRuntime.configure();
    int n = 2000;
    INDArray p = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray q = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray r = Nd4j.create(DataType.FLOAT, n, n);
    for (int i = 0; i < 3; i++) {
      p.mmuli(q, r);
    }
    long reps = 0;
    long c0 = cpuNanos();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      p.mmuli(q, r);
      reps++;
    }
    double secs = (cpuNanos() - c0) / 1e9;
    return reps * 2.0 * n * n * n / secs / 1e9;
  }

  /** Plain-Java float matmul C += A·B (512³) with the same 4-row rank-one-update kernel. */
  static double javaPeak(double seconds) {
    int n = 512;
    float[] am = new float[n * n];
    float[] bm = new float[n * n];
    float[] cm = new float[n * n];
    SplittableRandom rng = new SplittableRandom(1);
    for (int i = 0; i < am.length; i++) {
      am[i] = (float) rng.nextDouble();
      bm[i] = (float) rng.nextDouble();
    }
    matmul(am, bm, cm, n);
    long reps = 0;
    long c0 = cpuNanos();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      matmul(am, bm, cm, n);
      reps++;
    }
    double secs = (cpuNanos() - c0) / 1e9;
    return reps * 2.0 * n * n * n / secs / 1e9;
  }

  private static void matmul(float[] am, float[] bm, float[] cm, int n) {
    for (int i = 0; i < n; i += 4) {
      for (int kk = 0; kk < n; kk++) {
        float a0 = am[i * n + kk];
        float a1 = am[(i + 1) * n + kk];
        float a2 = am[(i + 2) * n + kk];
        float a3 = am[(i + 3) * n + kk];
        int ob = kk * n;
        for (int j = 0; j < n; j++) {
          float bv = bm[ob + j];
          cm[i * n + j] += a0 * bv;
          cm[(i + 1) * n + j] += a1 * bv;
          cm[(i + 2) * n + j] += a2 * bv;
          cm[(i + 3) * n + j] += a3 * bv;
        }
      }
    }
  }

  /**
   * CPU time of the calling thread: the machine is shared, and CPU time leaves out the time spent
   * waiting for a core (the PyTorch script measures the same way).
   */
  static long cpuNanos() {
    return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  private static void write(String file, double[] v) throws IOException {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    writeF(file, f);
  }

  private static void writeF(String file, float[] v) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(v);
    try (DataOutputStream out = new DataOutputStream(new FileOutputStream(file))) {
      out.write(buf.array());
    }
  }
}
