package lipfarm.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The single entry point from a {@link DataSpec} and a seed to a {@link Dataset}. Each part of the
 * data draws from its own stream {@link Seeds#stream}{@code (seed, name)}: "points", "centres",
 * "teacher", "labels", "noise", "subsample", "projection". So, for one seed, the points do not
 * depend on the label rule or the noise rate, and the noisy labels differ from the clean ones
 * exactly where the "noise" stream flips them.
 *
 * <p>One exception keeps old results reproducible: sphere data with random labels is {@link
 * DataModels#sphereRandomLabels}{@code (n, d, seed)} bit-for-bit, the model every farm ran before
 * the other models existed.
 */
public final class DataSets {
  private DataSets() {}

  /** Validates the spec and builds its dataset. Throws {@link DataException} on bad input. */
  public static Dataset create(DataSpec spec, long seed) {
    spec.validate();
    if (spec.isFile()) {
      return fromFile(spec, seed);
    }
    if ("sphere".equals(spec.data()) && "random".equals(spec.labels())) {
      return DataModels.sphereRandomLabels(spec.n(), spec.d(), seed);
    }
    return synthetic(spec, seed);
  }

  /** The teacher that {@code labels = teacher} uses for this spec and seed. */
  public static Teacher teacher(DataSpec spec, long seed) {
    return Teacher.random(spec.d(), spec.teacherWidth(), Seeds.stream(seed, "teacher"));
  }

  /** The mixture centres that {@code data = mixture} uses for this spec and seed. */
  public static double[][] centres(DataSpec spec, long seed) {
    return DataModels.mixtureCentres(
        spec.components(), spec.d(), spec.separation(), Seeds.stream(seed, "centres"));
  }

  private static Dataset synthetic(DataSpec spec, long seed) {
    int n = spec.n();
    int d = spec.d();
    SplittableRandom rng = Seeds.stream(seed, "points");
    double[][] x = new double[n][];
    int[] component = new int[n];
    double[][] centres = "mixture".equals(spec.data()) ? centres(spec, seed) : null;
    for (int i = 0; i < n; i++) {
      x[i] =
          switch (spec.data()) {
            case "sphere" -> DataModels.uniformSpherePoint(d, rng);
            case "gaussian" -> DataModels.gaussianPoint(d, rng);
            case "cube" -> DataModels.cubePoint(d, rng);
            case "mixture" -> {
              component[i] = rng.nextInt(centres.length);
              yield DataModels.mixturePoint(centres, component[i], rng);
            }
            default ->
                throw new IllegalStateException("validate() admits no data model " + spec.data());
          };
    }
    double[] y;
    switch (spec.labels()) {
      case "random" -> {
        return new Dataset(x, DataModels.randomLabels(n, Seeds.stream(seed, "labels")));
      }
      case "teacher" -> {
        Teacher t = teacher(spec, seed);
        y = new double[n];
        for (int i = 0; i < n; i++) {
          y[i] = t.label(x[i]);
        }
      }
      case "cluster" -> {
        y = new double[n];
        for (int i = 0; i < n; i++) {
          y[i] = component[i] % 2 == 0 ? 1.0 : -1.0;
        }
      }
      default ->
          throw new IllegalStateException("validate() admits no label rule " + spec.labels());
    }
    return new Dataset(x, DataModels.flipLabels(y, spec.labelNoise(), Seeds.stream(seed, "noise")));
  }

  /** A labelled table read from a file: features in [0, 1] and a canonical class per row. */
  private interface Source {
    String name();

    int rows();

    int dim();

    String label(int i);

    double[] features01(int i);
  }

  private static Source load(DataSpec spec) {
    Path file = Path.of(spec.file());
    if ("idx".equals(spec.data())) {
      Idx.Images images = Idx.readImages(file);
      Path labelPath = Path.of(spec.labelFile());
      int[] labels = Idx.readLabels(labelPath);
      if (labels.length != images.count()) {
        throw new DataException(
            "images file "
                + file
                + " has "
                + images.count()
                + " images but labels file "
                + labelPath
                + " has "
                + labels.length
                + " labels (counts at byte 4 of each file)");
      }
      if (images.count() == 0) {
        throw new DataException(file + ": byte 4: the file holds no images");
      }
      return new Source() {
        public String name() {
          return file.toString();
        }

        public int rows() {
          return images.count();
        }

        public int dim() {
          return images.pixelsPerImage();
        }

        public String label(int i) {
          return Integer.toString(labels[i]);
        }

        public double[] features01(int i) {
          return images.image01(i);
        }
      };
    }
    Csv.Table t = Csv.read(file);
    // Min-max scaling per column over the whole file, so a point's features do not depend on which
    // other points the subsample picked. A constant column carries no information and maps to 0.
    int dim = t.dim();
    double[] lo = new double[dim];
    double[] hi = new double[dim];
    java.util.Arrays.fill(lo, Double.POSITIVE_INFINITY);
    java.util.Arrays.fill(hi, Double.NEGATIVE_INFINITY);
    for (double[] row : t.features()) {
      for (int c = 0; c < dim; c++) {
        lo[c] = Math.min(lo[c], row[c]);
        hi[c] = Math.max(hi[c], row[c]);
      }
    }
    return new Source() {
      public String name() {
        return file.toString();
      }

      public int rows() {
        return t.rows();
      }

      public int dim() {
        return dim;
      }

      public String label(int i) {
        return t.labels()[i];
      }

      public double[] features01(int i) {
        double[] v = new double[dim];
        for (int c = 0; c < dim; c++) {
          double span = hi[c] - lo[c];
          v[c] = span > 0 ? (t.features()[i][c] - lo[c]) / span : 0.0;
        }
        return v;
      }
    };
  }

  private static Dataset fromFile(DataSpec spec, long seed) {
    Source src = load(spec);
    List<String> positive = DataSpec.canonical(spec.positiveClasses());
    List<String> negative = DataSpec.canonical(spec.negativeClasses());
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < src.rows(); i++) {
      counts.merge(src.label(i), 1, Integer::sum);
    }
    for (String c : positive) {
      requirePresent("positive-classes", c, counts, src);
    }
    for (String c : negative) {
      requirePresent("negative-classes", c, counts, src);
    }
    boolean noisy = "noisy".equals(spec.labels());
    // The class of each label: +1, −1, or absent (row dropped).
    Map<String, Double> sign = new HashMap<>();
    if (positive.isEmpty()) {
      if (noisy) {
        if (counts.size() != 2) {
          throw new DataException(
              "positive-classes: required for labels = noisy: "
                  + src.name()
                  + " has "
                  + counts.size()
                  + " classes ("
                  + classList(counts)
                  + "), not two; list the classes labelled +1 (or use labels = random)");
        }
        List<String> two = sortedClasses(counts);
        sign.put(two.get(0), -1.0);
        sign.put(two.get(1), 1.0);
      } else {
        counts.keySet().forEach(c -> sign.put(c, 1.0));
      }
    } else {
      Set<String> pos = new HashSet<>(positive);
      for (String c : counts.keySet()) {
        if (pos.contains(c)) {
          sign.put(c, 1.0);
        } else if (negative.isEmpty() || negative.contains(c)) {
          sign.put(c, -1.0);
        }
      }
    }
    List<Integer> rows = new ArrayList<>();
    for (int i = 0; i < src.rows(); i++) {
      if (sign.containsKey(src.label(i))) {
        rows.add(i);
      }
    }
    int n = spec.n();
    if (n > rows.size()) {
      throw new DataException(
          "n: must be at most "
              + rows.size()
              + ", the number of rows of the selected classes in "
              + src.name()
              + ", got "
              + n);
    }
    int bigD = src.dim();
    if (spec.d() > bigD) {
      throw new DataException(
          "d: must be 0 (keep "
              + bigD
              + ") or a projection dimension in [1, "
              + bigD
              + "] for "
              + src.name()
              + ", got "
              + spec.d());
    }
    int[] pick = subsample(rows, n, Seeds.stream(seed, "subsample"));
    double[][] x = new double[n][];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = src.features01(pick[i]);
      y[i] = sign.get(src.label(pick[i]));
    }
    if (noisy) {
      y = DataModels.flipLabels(y, spec.labelNoise(), Seeds.stream(seed, "noise"));
    } else {
      y = DataModels.randomLabels(n, Seeds.stream(seed, "labels"));
    }
    if (spec.center()) {
      x = Transforms.center(x);
    }
    if (spec.d() > 0) {
      x =
          Transforms.project(
              x, Transforms.projectionMatrix(spec.d(), bigD, Seeds.stream(seed, "projection")));
    }
    if (spec.normalize()) {
      x = Transforms.normalize(x);
    }
    return new Dataset(x, y);
  }

  /** n distinct entries of {@code rows}, uniform without replacement (partial Fisher–Yates). */
  static int[] subsample(List<Integer> rows, int n, SplittableRandom rng) {
    int[] a = rows.stream().mapToInt(Integer::intValue).toArray();
    for (int i = 0; i < n; i++) {
      int j = i + rng.nextInt(a.length - i);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return java.util.Arrays.copyOf(a, n);
  }

  private static void requirePresent(
      String key, String c, Map<String, Integer> counts, Source src) {
    if (!counts.containsKey(c)) {
      throw new DataException(
          key
              + ": class '"
              + c
              + "' does not occur in "
              + src.name()
              + "; its classes are "
              + classList(counts));
    }
  }

  /** Numeric order when every class is an integer, else text order. */
  private static List<String> sortedClasses(Map<String, Integer> counts) {
    List<String> cs = new ArrayList<>(new TreeSet<>(counts.keySet()));
    if (cs.stream().allMatch(c -> c.matches("-?\\d{1,15}"))) {
      cs.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
    }
    return cs;
  }

  private static String classList(Map<String, Integer> counts) {
    List<String> cs = sortedClasses(counts);
    int shown = Math.min(cs.size(), 20);
    return String.join(", ", cs.subList(0, shown))
        + (cs.size() > shown ? ", ... (" + cs.size() + " in all)" : "");
  }
}
