package lipfarm.estimation;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;

/**
 * Bench main (not a test) for bench/lower.sh: milliseconds of thread CPU time per network of the
 * lower-bound mode ({@link LowerBoundSearch}) and of the quick sandwich with the same budget, for
 * two-layer ReLU nets with biases on n sphere points in d = 30, for each k given. Prints the median
 * over the rounds after one warm-up round.
 *
 * <p>Usage: LowerBoundBench n budget rounds k...
 */
public final class LowerBoundBench {
  private LowerBoundBench() {}

  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]);
    long budget = Long.parseLong(args[1]);
    int rounds = Integer.parseInt(args[2]);
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    for (int a = 3; a < args.length; a++) {
      int k = Integer.parseInt(args[a]);
      double[] search = new double[rounds];
      double[] quick = new double[rounds];
      for (int r = -1; r < rounds; r++) {
        SplittableRandom rng = new SplittableRandom(100 + r);
        NetworkSnapshot net = TestNets.random(rng, true, 30, k, 1);
        Dataset data = DataModels.sphereRandomLabels(n, 30, 100 + r);
        long t0 = cpu.getCurrentThreadCpuTime();
        new LowerBoundSearch(net, data, 3, budget, false).run();
        long t1 = cpu.getCurrentThreadCpuTime();
        LipschitzSandwich q = LipschitzSandwich.quick(net, data, 3, budget, false);
        while (q.step(2_000)) {
          // to the budget
        }
        long t2 = cpu.getCurrentThreadCpuTime();
        if (r >= 0) {
          search[r] = (t1 - t0) / 1e6;
          quick[r] = (t2 - t1) / 1e6;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "lipfarm n=%d d=30 k=%d budget=%d: LowerBoundSearch %.1f ms, quick sandwich %.1f ms (CPU, median of %d)%n",
          n,
          k,
          budget,
          median(search),
          median(quick),
          rounds);
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
