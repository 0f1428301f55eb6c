package lipfarm.data;

import java.util.SplittableRandom;

/**
 * Named random streams derived from one seed. Each part of a dataset (points, labels, label noise,
 * teacher, subsample, projection) draws from its own stream, so changing one parameter (say the
 * label-noise rate) leaves every other part of the data bit-for-bit the same.
 */
public final class Seeds {
  private Seeds() {}

  /**
   * The seed of stream {@code name} under {@code seed}: SplitMix64 finalisers chained over the
   * name.
   */
  public static long derive(long seed, String name) {
    long h = mix(seed + 0x9E3779B97F4A7C15L);
    for (int i = 0; i < name.length(); i++) {
      h = mix(h ^ name.charAt(i));
    }
    return mix(h ^ name.length());
  }

  /** A generator for stream {@code name} under {@code seed}. */
  public static SplittableRandom stream(long seed, String name) {
    return new SplittableRandom(derive(seed, name));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
