package lipfarm.training;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The minibatch order of an {@link MlpTrainer}: a copy of the data whose rows are reshuffled, with
 * a seeded permutation, once per epoch, so that minibatches are contiguous row ranges. It exists
 * apart from the trainer because a checkpoint must put the seeded stream back where it was: it
 * counts the permutations drawn and {@link #replay}s them, which reproduces the stream exactly
 * without touching the generator's private state.
 */
final class MinibatchOrder {
  private final INDArray x; // n × d, data in original order
  private final INDArray y; // n × m targets
  private final INDArray xs; // n × d, shuffled copy for minibatches
  private final INDArray ys; // n × m
  private final SplittableRandom rng;
  private final int[] perm;
  private long shuffles; // permutations drawn so far: the position of rng's stream

  /** The order of the {@code n} rows of (x, y), drawn from {@code rng}; identity at first. */
  MinibatchOrder(INDArray x, INDArray y, int n, SplittableRandom rng) {
    this.x = x;
    this.y = y;
    // Null data: the fused full-batch path, which never reorders (nor starts ND4J).
    this.xs = x == null ? null : x.dup();
    this.ys = y == null ? null : y.dup();
    this.rng = rng;
    perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
  }

  /** The inputs in the current order. */
  INDArray inputs() {
    return xs;
  }

  /** The targets in the current order. */
  INDArray targets() {
    return ys;
  }

  /** Draws the next permutation and reorders the copy. */
  void shuffle() {
    permute();
    shuffles++;
    Nd4j.pullRows(x, xs, 1, perm);
    Nd4j.pullRows(y, ys, 1, perm);
  }

  /** One Fisher-Yates pass over {@code perm}, drawing n − 1 numbers from {@code rng}. */
  private void permute() {
    for (int i = perm.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
  }

  /** Permutations drawn so far. */
  long shuffles() {
    return shuffles;
  }

  /** The current permutation (a copy). */
  int[] permutation() {
    return perm.clone();
  }

  /**
   * Advances a fresh order by drawing {@code count} permutations, which must end at {@code
   * expected}, and reorders the copy.
   *
   * @throws IllegalStateException if the replayed permutation differs from {@code expected}
   */
  void replay(long count, int[] expected) {
    for (long i = 0; i < count; i++) {
      permute();
    }
    if (!Arrays.equals(perm, expected)) {
      throw new IllegalStateException("checkpoint's minibatch permutation does not match its seed");
    }
    shuffles = count;
    if (shuffles > 0 && x != null) {
      Nd4j.pullRows(x, xs, 1, perm);
      Nd4j.pullRows(y, ys, 1, perm);
    }
  }
}
