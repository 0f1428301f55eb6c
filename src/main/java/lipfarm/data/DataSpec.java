package lipfarm.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Everything that defines a dataset apart from the seed; {@link DataSets#create} builds it. Keys in
 * brackets are the farm-file names; defaults are those of {@link #defaults()}.
 *
 * <p>Synthetic models ({@code data} = sphere, gaussian, cube, mixture) draw n points in R^d. Files
 * ({@code data} = csv, idx) are read, restricted to the selected classes, subsampled to n points,
 * scaled to [0, 1] per feature, then optionally centred, randomly projected to d dimensions (d = 0:
 * keep the file's dimension) and normalised to the unit sphere.
 *
 * @param data [data] sphere (uniform on S^{d−1}), gaussian (N(0, I/d)), cube (uniform on [−1,1]^d),
 *     mixture (Gaussian mixture), csv, idx. Default sphere.
 * @param labels [labels] random (independent uniform ±1, any data), teacher (sign of a planted
 *     two-layer ReLU net; synthetic data), cluster (parity of the mixture component; mixture only),
 *     noisy (the file's classes mapped to ±1, then flipped; files only). Default random.
 * @param n [n] number of points, ≥ 1. Default 100.
 * @param d [d] dimension: ≥ 1 for synthetic data; for files 0 keeps the file's dimension and 1 ≤ d
 *     ≤ D projects to d. Default 20.
 * @param labelNoise [label-noise] probability in [0, 0.5] that a teacher, cluster or noisy label is
 *     flipped; 0.5 makes labels pure noise, so larger rates are only relabelings. Ignored for
 *     random labels (flipping a uniform ±1 label leaves it uniform). Default 0.
 * @param teacherWidth [teacher-width] hidden units m ≥ 2 of the teacher (a one-unit ReLU teacher
 *     without bias labels every point alike). Default 10.
 * @param components [components] number of mixture components, ≥ 1; ≥ 2 for cluster labels. Default
 *     2.
 * @param separation [separation] radius ≥ 0 of the sphere the mixture centres are drawn from
 *     (within-component covariance I/d, i.e. a cloud of radius about 1). Default 2.
 * @param file [file] the CSV file, or the IDX images file; required for csv and idx.
 * @param labelFile [label-file] the IDX labels file; required for idx.
 * @param positiveClasses [positive-classes] classes labelled +1 (for a multi-class file with noisy
 *     labels: required). Empty: a two-class file labels its larger class +1. Default empty.
 * @param negativeClasses [negative-classes] classes labelled −1; rows of other classes are dropped.
 *     Empty: every class not positive is −1. With random labels a non-empty class list still
 *     selects the rows. Default empty.
 * @param center [center] subtract the mean of the n points (files only). Default true.
 * @param normalize [normalize] scale each point to norm 1 after centring and projection (files
 *     only). Default true: the theory assumes ‖x‖ ≤ R and the farm's estimator probes the unit
 *     ball, so R = 1.
 */
public record DataSpec(
    String data,
    String labels,
    int n,
    int d,
    double labelNoise,
    int teacherWidth,
    int components,
    double separation,
    String file,
    String labelFile,
    List<String> positiveClasses,
    List<String> negativeClasses,
    boolean center,
    boolean normalize) {

  /** Synthetic point models. */
  public static final List<String> SYNTHETIC = List.of("sphere", "gaussian", "cube", "mixture");

  /** File sources. */
  public static final List<String> FILES = List.of("csv", "idx");

  /** Largest label-noise rate: at 0.5 the labels carry no information. */
  public static final double MAX_LABEL_NOISE = 0.5;

  public DataSpec {
    data = data == null ? "" : data;
    labels = labels == null ? "" : labels;
    file = file == null ? "" : file;
    labelFile = labelFile == null ? "" : labelFile;
    positiveClasses = positiveClasses == null ? List.of() : List.copyOf(positiveClasses);
    negativeClasses = negativeClasses == null ? List.of() : List.copyOf(negativeClasses);
  }

  /** The defaults: 100 points uniform on S^19 with random labels. */
  public static DataSpec defaults() {
    return new DataSpec(
        "sphere", "random", 100, 20, 0.0, 10, 2, 2.0, "", "", List.of(), List.of(), true, true);
  }

  public boolean isFile() {
    return FILES.contains(data);
  }

  /** The label rules allowed for {@code data}. */
  public static List<String> labelsFor(String data) {
    return switch (data) {
      case "mixture" -> List.of("random", "teacher", "cluster");
      case "csv", "idx" -> List.of("random", "noisy");
      default -> List.of("random", "teacher");
    };
  }

  /**
   * Checks every parameter, and that the named files exist (their contents are checked when read).
   * Throws {@link DataException} naming the parameter, its allowed values and the value given.
   */
  public DataSpec validate() {
    List<String> all = new java.util.ArrayList<>(SYNTHETIC);
    all.addAll(FILES);
    if (!all.contains(data)) {
      throw bad("data", "one of " + String.join(", ", all), "'" + data + "'");
    }
    List<String> allowedLabels = labelsFor(data);
    if (!allowedLabels.contains(labels)) {
      throw bad(
          "labels",
          "one of " + String.join(", ", allowedLabels) + " for data = " + data,
          "'" + labels + "'");
    }
    if (n < 1) {
      throw bad("n", "an integer ≥ 1", Integer.toString(n));
    }
    if (isFile() ? d < 0 : d < 1) {
      throw bad(
          "d",
          isFile()
              ? "an integer ≥ 0 for data = " + data + " (0 keeps the file's dimension)"
              : "an integer ≥ 1",
          Integer.toString(d));
    }
    if (!(labelNoise >= 0 && labelNoise <= MAX_LABEL_NOISE)) {
      throw bad(
          "label-noise", "a number in [0, " + MAX_LABEL_NOISE + "]", Double.toString(labelNoise));
    }
    if (teacherWidth < 2) {
      throw bad("teacher-width", "an integer ≥ 2", Integer.toString(teacherWidth));
    }
    if (components < ("cluster".equals(labels) ? 2 : 1)) {
      throw bad(
          "components",
          "cluster".equals(labels) ? "an integer ≥ 2 for labels = cluster" : "an integer ≥ 1",
          Integer.toString(components));
    }
    if (!(separation >= 0 && Double.isFinite(separation))) {
      throw bad("separation", "a finite number ≥ 0", Double.toString(separation));
    }
    if (isFile()) {
      requireFile("file", file, "idx".equals(data) ? "the IDX images file" : "the CSV file");
      if ("idx".equals(data)) {
        requireFile("label-file", labelFile, "the IDX labels file");
      }
    }
    checkClasses("positive-classes", positiveClasses);
    checkClasses("negative-classes", negativeClasses);
    if (!negativeClasses.isEmpty() && positiveClasses.isEmpty()) {
      throw new DataException(
          "negative-classes: needs positive-classes as well (got negative-classes = "
              + negativeClasses
              + ")");
    }
    Set<String> pos = new HashSet<>(canonical(positiveClasses));
    for (String c : canonical(negativeClasses)) {
      if (pos.contains(c)) {
        throw new DataException(
            "negative-classes: class '"
                + c
                + "' is also in positive-classes; a class has one label");
      }
    }
    return this;
  }

  /** The class lists in canonical form ({@link Csv#canonicalClass}). */
  static List<String> canonical(List<String> classes) {
    return classes.stream().map(Csv::canonicalClass).toList();
  }

  private static void checkClasses(String key, List<String> classes) {
    Set<String> seen = new HashSet<>();
    for (String c : classes) {
      String k = Csv.canonicalClass(c);
      if (k.isEmpty()) {
        throw new DataException(key + ": class names must be non-empty, got " + classes);
      }
      if (!seen.add(k)) {
        throw new DataException(key + ": class '" + k + "' is listed twice in " + classes);
      }
    }
  }

  private static void requireFile(String key, String path, String what) {
    if (path.isBlank()) {
      throw new DataException(key + ": required: the path of " + what);
    }
    Path p = Path.of(path);
    if (!Files.isRegularFile(p)) {
      throw new DataException(key + ": no such file: " + p);
    }
    if (!Files.isReadable(p)) {
      throw new DataException(key + ": cannot read " + p);
    }
  }

  private static DataException bad(String key, String allowed, String got) {
    return new DataException(key + ": must be " + allowed + ", got " + got);
  }

  public DataSpec withData(String v) {
    return copy(b -> b.data = v);
  }

  public DataSpec withLabels(String v) {
    return copy(b -> b.labels = v);
  }

  public DataSpec withN(int v) {
    return copy(b -> b.n = v);
  }

  public DataSpec withD(int v) {
    return copy(b -> b.d = v);
  }

  public DataSpec withLabelNoise(double v) {
    return copy(b -> b.labelNoise = v);
  }

  public DataSpec withTeacherWidth(int v) {
    return copy(b -> b.teacherWidth = v);
  }

  public DataSpec withComponents(int v) {
    return copy(b -> b.components = v);
  }

  public DataSpec withSeparation(double v) {
    return copy(b -> b.separation = v);
  }

  /** Sets {@code file} and {@code label-file} (empty for CSV). */
  public DataSpec withFiles(String dataFile, String labelsFile) {
    return copy(
        b -> {
          b.file = dataFile;
          b.labelFile = labelsFile;
        });
  }

  public DataSpec withClasses(List<String> positive, List<String> negative) {
    return copy(
        b -> {
          b.positiveClasses = positive;
          b.negativeClasses = negative;
        });
  }

  public DataSpec withPreprocessing(boolean centerPoints, boolean normalizePoints) {
    return copy(
        b -> {
          b.center = centerPoints;
          b.normalize = normalizePoints;
        });
  }

  /** This spec with the components {@code change} sets; the one place that lists them all. */
  private DataSpec copy(Consumer<Copy> change) {
    Copy b = new Copy(this);
    change.accept(b);
    return new DataSpec(
        b.data,
        b.labels,
        b.n,
        b.d,
        b.labelNoise,
        b.teacherWidth,
        b.components,
        b.separation,
        b.file,
        b.labelFile,
        b.positiveClasses,
        b.negativeClasses,
        b.center,
        b.normalize);
  }

  /** The components of a spec, to change some before building a new one. */
  private static final class Copy {
    String data;
    String labels;
    int n;
    int d;
    double labelNoise;
    int teacherWidth;
    int components;
    double separation;
    String file;
    String labelFile;
    List<String> positiveClasses;
    List<String> negativeClasses;
    boolean center;
    boolean normalize;

    Copy(DataSpec s) {
      data = s.data;
      labels = s.labels;
      n = s.n;
      d = s.d;
      labelNoise = s.labelNoise;
      teacherWidth = s.teacherWidth;
      components = s.components;
      separation = s.separation;
      file = s.file;
      labelFile = s.labelFile;
      positiveClasses = s.positiveClasses;
      negativeClasses = s.negativeClasses;
      center = s.center;
      normalize = s.normalize;
    }
  }
}
