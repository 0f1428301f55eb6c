package lipfarm.bounds;

import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;

/**
 * Everything a theory bound may need about one run.
 *
 * @param n training points
 * @param d input dimension
 * @param k hidden width (first hidden layer)
 * @param depth number of affine layers D (2 for a two-layer net)
 * @param parameters trainable parameters p
 * @param biases whether the net has biases (then x̃ = (x, 1) and R̃ = √(R² + 1))
 * @param inputRadius R with ‖x_i‖ ≤ R (1 for the sphere)
 * @param sampling how points and labels were drawn: decides which bounds apply and the isoperimetry
 *     constant c of Bubeck–Sellke ({@link Sampling#isoperimetryC})
 * @param delta failure probability δ (default 0.05)
 * @param peelingM peeling grid size M (default 64)
 * @param fitType how the labels are fitted
 * @param gamma margin γ (MARGIN fits; 1 otherwise)
 * @param epsilon ε of an MSE fit (1/n)Σ(f − y)² ≤ 1 − ε
 * @param tol interpolation tolerance of an EXACT fit, max_i |f(x_i) − y_i| ≤ tol
 * @param activationLipschitz L_ψ (1 for ReLU)
 * @param maxAbsWeight W_max, the largest |parameter| of the trained net
 * @param minOppositeLabelDistance min over y_i ≠ y_j of ‖x_i − x_j‖
 */
public record RunFacts(
    int n,
    int d,
    int k,
    int depth,
    long parameters,
    boolean biases,
    double inputRadius,
    Sampling sampling,
    double delta,
    int peelingM,
    FitType fitType,
    double gamma,
    double epsilon,
    double tol,
    double activationLipschitz,
    double maxAbsWeight,
    double minOppositeLabelDistance) {

  public static final double DEFAULT_DELTA = 0.05;
  public static final int DEFAULT_PEELING_M = 64;

  /** ε used for exact interpolation of ±1 labels (σ² = 1, training MSE 0 ≤ 1 − ε). */
  public static final double INTERPOLATION_EPSILON = 0.99;

  /** Default interpolation tolerance. */
  public static final double DEFAULT_TOL = 1e-3;

  /**
   * The canonical two-layer ReLU sphere case: f(x) = Σ_j a_j relu(w_j·x + b_j) (+ c), x uniform on
   * S^{d−1} (R = 1, c = d/(d−1)), exact fit within {@link #DEFAULT_TOL}, δ = 0.05, M = 64. With
   * biases p = kd + k + k + 1, else p = kd + k.
   */
  public static RunFacts twoLayerSphere(
      int n, int d, int k, boolean biases, double maxAbsWeight, double minOppositeLabelDistance) {
    long p = (long) k * d + k + (biases ? k + 1 : 0);
    return new RunFacts(
        n,
        d,
        k,
        2,
        p,
        biases,
        1.0,
        Sampling.RANDOM_SPHERE,
        DEFAULT_DELTA,
        DEFAULT_PEELING_M,
        FitType.EXACT,
        1.0,
        INTERPOLATION_EPSILON,
        DEFAULT_TOL,
        1.0,
        maxAbsWeight,
        minOppositeLabelDistance);
  }

  /**
   * Facts of a trained net on sphere data with random labels, read off the snapshot and the dataset
   * (k = width of the first hidden layer, W_max = largest |weight or bias|, R = max(1, max‖x_i‖)),
   * exact fit within tol.
   */
  public static RunFacts sphere(NetworkSnapshot net, Dataset data, double tol) {
    double wMax = 0;
    boolean biases = false;
    for (NetworkSnapshot.Layer l : net.layers()) {
      for (double v : l.weights()) {
        wMax = Math.max(wMax, Math.abs(v));
      }
      if (l.bias() != null) {
        biases = true;
        for (double v : l.bias()) {
          wMax = Math.max(wMax, Math.abs(v));
        }
      }
    }
    double r = Math.max(1.0, data.maxNorm());
    return new RunFacts(
        data.n(),
        data.d(),
        net.layers().get(0).rows(),
        net.layers().size(),
        net.parameterCount(),
        biases,
        r,
        Sampling.RANDOM_SPHERE,
        DEFAULT_DELTA,
        DEFAULT_PEELING_M,
        FitType.EXACT,
        1.0,
        INTERPOLATION_EPSILON,
        tol,
        1.0,
        wMax,
        data.minOppositeLabelDistance());
  }

  /** Isoperimetry constant of the uniform sphere S^{d−1}: d/(d−1) (log-Sobolev + Herbst). */
  public static double sphereC(int d) {
    return d > 1 ? d / (d - 1.0) : Double.NaN;
  }

  /** Bubeck–Sellke's c for this run's data model (NaN when none is known). */
  public double isoperimetryC() {
    return sampling.isoperimetryC(d);
  }

  /** A copy with another fit type, margin and MSE level. */
  public RunFacts withFit(FitType type, double gamma, double epsilon) {
    return new RunFacts(
        n,
        d,
        k,
        depth,
        parameters,
        biases,
        inputRadius,
        sampling,
        delta,
        peelingM,
        type,
        gamma,
        epsilon,
        tol,
        activationLipschitz,
        maxAbsWeight,
        minOppositeLabelDistance);
  }

  /** A copy with another data and label model. */
  public RunFacts withSampling(Sampling s) {
    return new RunFacts(
        n,
        d,
        k,
        depth,
        parameters,
        biases,
        inputRadius,
        s,
        delta,
        peelingM,
        fitType,
        gamma,
        epsilon,
        tol,
        activationLipschitz,
        maxAbsWeight,
        minOppositeLabelDistance);
  }

  /** R̃ = √(R² + 1) with biases (x̃ = (x, 1)), R without. */
  public double augmentedRadius() {
    return biases ? Math.sqrt(inputRadius * inputRadius + 1) : inputRadius;
  }
}
