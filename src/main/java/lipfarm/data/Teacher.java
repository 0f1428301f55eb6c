package lipfarm.data;

import java.util.SplittableRandom;

/**
 * A planted two-layer ReLU teacher {@code f(x) = Σ_j a_j · relu(w_j · x)} without biases, with w_j
 * i.i.d. N(0, I_d/d) and fixed output weights a_j = +1/√m for even j and −1/√m for odd j (m =
 * width). The alternating signs make f(x) symmetric in law over the teacher's draw when m is even,
 * so the labels {@code sign f(x)} are balanced on average; random output signs would make a narrow
 * teacher label almost everything alike. Arrays are owned by the record; callers must not mutate
 * them.
 *
 * @param w hidden weights, {@code w[j]} has length d
 * @param a output weights, length m
 */
public record Teacher(double[][] w, double[] a) {
  public Teacher {
    if (w.length == 0 || w.length != a.length) {
      throw new IllegalArgumentException(
          "teacher needs m ≥ 1 hidden units with one output weight each");
    }
  }

  /** A random teacher of the given input dimension and width m, drawn from {@code rng}. */
  public static Teacher random(int d, int width, SplittableRandom rng) {
    double[][] w = new double[width][];
    double[] a = new double[width];
    for (int j = 0; j < width; j++) {
      w[j] = DataModels.gaussianPoint(d, rng);
      a[j] = (j % 2 == 0 ? 1.0 : -1.0) / Math.sqrt(width);
    }
    return new Teacher(w, a);
  }

  public int width() {
    return a.length;
  }

  /** f(x). */
  public double value(double[] x) {
    double f = 0;
    for (int j = 0; j < w.length; j++) {
      double z = 0;
      for (int c = 0; c < x.length; c++) {
        z += w[j][c] * x[c];
      }
      f += a[j] * Math.max(0.0, z);
    }
    return f;
  }

  /** sign f(x), with sign 0 = +1 (ties have probability zero for continuous data). */
  public double label(double[] x) {
    return value(x) >= 0 ? 1.0 : -1.0;
  }
}
