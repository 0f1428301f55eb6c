package lipfarm.bounds;

import java.util.List;

/**
 * The formulas F0–F11 of theory.md section 6. Every method returns a {@link TheoryBound}; one whose
 * precondition fails is {@code applicable = false} with value NaN and the reason. High-probability
 * statements hold with probability ≥ 1 − δ over the random ±1 labels.
 *
 * <p>Notation: t = F0, "num" = the F1 fit requirement (1 − t exact, γ(1 − t) margin, ε/2 − t MSE),
 * R̃ = √(R² + 1) with biases (x̃ = (x, 1)) and R̃ = R without.
 */
public final class TheoryBounds {
  static final String LOWER_LIP = "lower bound on Lip";
  static final String SHAPE = "shape only (c=1)";
  private static final String RANDOM_LABELS =
      "labels i.i.d. uniform ±1 independent of x; ‖x_i‖ ≤ R; holds w.p. ≥ 1 − δ over the labels";

  /** Search limit for F9's minimal depth. */
  static final int MAX_DEPTH_SEARCH = 1_000_000;

  private TheoryBounds() {}

  /** F0, concentration slack: t = √(2 ln(M/δ)/n) (McDiarmid plus peeling over M classes). */
  public static TheoryBound f0(RunFacts r) {
    String id = "F0";
    String name = "concentration slack";
    String kind = "slack t";
    String assumptions = "peeling grid of M classes with δ/M each";
    Formula f = new Formula(id, name, Status.DERIVED, kind, assumptions);
    if (r.n() < 1 || !(r.delta() > 0 && r.delta() < 1) || r.peelingM() < 1) {
      return f.notApplicable("needs n ≥ 1, 0 < δ < 1, M ≥ 1");
    }
    return f.of(slack(r));
  }

  static double slack(RunFacts r) {
    return Math.sqrt(2 * Math.log(r.peelingM() / r.delta()) / r.n());
  }

  /** The F1 requirement: exact 1 − t; margin γ(1 − t); MSE ε/2 − t. */
  static double fitRequirement(RunFacts r) {
    double t = slack(r);
    return switch (r.fitType()) {
      case EXACT -> 1 - t;
      case MARGIN -> r.gamma() * (1 - t);
      case MSE -> r.epsilon() / 2 - t;
    };
  }

  /** F1, Rademacher complexity needed to fit random labels (Lemma A): R̂_S(G) ≥ num. */
  public static TheoryBound f1(RunFacts r) {
    String id = "F1";
    String name = "required Rademacher complexity";
    String kind = "lower bound on R̂_S of the class";
    String assumptions = RANDOM_LABELS + "; class fixed before the labels (peeling otherwise)";
    Formula f = new Formula(id, name, Status.DERIVED, kind, assumptions);
    TheoryBound t = f0(r);
    if (!t.applicable()) {
      return f.notApplicable(t.notApplicableReason());
    }
    String labelGap = r.sampling().rademacherGap();
    if (labelGap != null) {
      return f.notApplicable(labelGap);
    }
    double num = fitRequirement(r);
    if (!(num > 0)) {
      return f.notApplicable("vacuous: the requirement is ≤ 0 (n too small)");
    }
    return f.of(num);
  }

  /** F2, two-layer path-norm floor: P_1 = Σ_j|a_j|‖w̃_j‖ ≥ num·√n/(4 L_ψ R̃) (H2-path). */
  public static TheoryBound f2(RunFacts r) {
    String id = "F2";
    String name = "two-layer path-norm floor";
    String kind = "lower bound on Σ|a_j|‖w̃_j‖ (path norm incl. bias)";
    String assumptions =
        "two-layer net, ψ L_ψ-Lipschitz with ψ(0) = 0; "
            + RANDOM_LABELS
            + "; R̃ = √(R²+1) with biases";
    Formula f = new Formula(id, name, Status.DERIVED, kind, assumptions);
    TheoryBound req = f1(r);
    if (r.depth() != 2) {
      return f.notApplicable("needs a two-layer net, depth is " + r.depth());
    }
    if (!req.applicable()) {
      return f.notApplicable(req.notApplicableReason());
    }
    double value =
        req.value() * Math.sqrt(r.n()) / (4 * r.activationLipschitz() * r.augmentedRadius());
    return f.of(value);
  }

  /**
   * F3, two-layer spectral floor (H2-l2): L_ψ‖a‖₂‖W‖_op ≥ num·√(n/k)/(4R). This is a statement
   * about the bias-free net, where L_ψ‖a‖‖W‖_op is an upper bound on Lip. With biases the
   * derivation only bounds L_ψ‖a‖‖W̃‖_op (bias column included, R replaced by R̃), a capacity proxy
   * rather than a Lipschitz bound; kind and value say so.
   */
  public static TheoryBound f3(RunFacts r) {
    String id = "F3";
    String name = "two-layer spectral floor";
    String kind =
        r.biases()
            ? "lower bound on L_ψ‖a‖‖W̃‖_op (bias column included; not a Lipschitz bound)"
            : "lower bound on L_ψ‖a‖‖W‖_op (a Lipschitz upper bound)";
    String assumptions =
        "bias-free two-layer statement (with biases: W̃ = [W b], R̃ = √(R²+1)); ψ L_ψ-Lipschitz,"
            + " ψ(0) = 0; "
            + RANDOM_LABELS;
    Formula f = new Formula(id, name, Status.DERIVED, kind, assumptions);
    TheoryBound req = f1(r);
    if (r.depth() != 2 || r.k() < 1) {
      return f.notApplicable("needs a two-layer net with k ≥ 1");
    }
    if (!req.applicable()) {
      return f.notApplicable(req.notApplicableReason());
    }
    double value = req.value() * Math.sqrt((double) r.n() / r.k()) / (4 * r.augmentedRadius());
    return f.of(value);
  }

  /** F4, the BLN conjecture value √(n/k), printed with constant c = 1. */
  public static TheoryBound f4(RunFacts r) {
    String id = "F4";
    String name = "BLN conjecture √(n/k)";
    String assumptions =
        "conjecture (Bubeck–Li–Nagaraj): two-layer net interpolating generic data, n/d ≲ k ≲ n;"
            + " unknown constant";
    Formula f = new Formula(id, name, Status.RECONSTRUCTED, SHAPE, assumptions);
    if (r.depth() != 2 || r.k() < 1) {
      return f.notApplicable("needs a two-layer net with k ≥ 1");
    }
    return f.of(Math.sqrt((double) r.n() / r.k()));
  }

  /**
   * ε for Bubeck–Sellke, training MSE ≤ σ² − ε: 0.99·σ² for interpolation, σ² − (1 − ε_run) for an
   * MSE fit (1/n)Σ(f − y)² ≤ 1 − ε_run; NaN for a margin fit.
   */
  static double bsEpsilon(RunFacts r) {
    double sigma2 = r.sampling().conditionalVariance();
    return switch (r.fitType()) {
      case EXACT -> RunFacts.INTERPOLATION_EPSILON * sigma2;
      case MSE -> sigma2 - (1 - r.epsilon());
      case MARGIN -> Double.NaN;
    };
  }

  /**
   * F5, Bubeck–Sellke Theorem 3 with Lemma 3.1: Lip ≥ (ε/(2⁹√c))·√(nd/(p·ln(60·W·J/ε) + ln(4/δ)))
   * with parameter-set diameter W = 2·W_max·√p and J = R·(W_max·Q·p)^D, Q = 1. The logarithm is
   * formed in log space (J overflows for deep nets). Lemma 3.1 needs W_max ≥ 1, so max(W_max, 1) is
   * used (a superset class). Precondition with K mixture components (K = 1 except for mixture
   * data): n·ε² ≥ 4096·K·ln(8K/δ). Needs a known σ² = E Var(y|x) > 0 (random labels: 1; teacher
   * labels flipped with probability η: 4η(1 − η)) and a known isoperimetry constant c of the data
   * model ({@link Sampling#isoperimetryC}).
   */
  public static TheoryBound f5(RunFacts r) {
    String id = "F5";
    String name = "Bubeck–Sellke universal law";
    Sampling sm = r.sampling();
    int mix = sm.mixtureComponents();
    String assumptions =
        "x_i i.i.d. from "
            + (mix > 1 ? "a mixture of K = " + mix + " components, each " : "")
            + "c-isoperimetric (data = "
            + sm.data()
            + ", c = "
            + String.format(java.util.Locale.ROOT, "%.4g", r.isoperimetryC())
            + ("cube".equals(sm.data())
                ? ", 2d/π: RECONSTRUCTED by transporting N(0, I_d) with 2Φ − 1"
                : "")
            + "), σ² = E Var(y|x) > 0 (labels = "
            + sm.labels()
            + "), training MSE ≤ σ² − ε, every parameter |w| ≤ W_max (W_max ≥ 1 used),"
            + " 1-Lipschitz activation, Q = 1; holds w.p. ≥ 1 − δ";
    Formula f = new Formula(id, name, Status.VERIFIED, LOWER_LIP, assumptions);
    double sigma2 = sm.conditionalVariance();
    if (Double.isNaN(sigma2)) {
      return f.notApplicable("σ² = E Var(y|x) is not known for labels = " + sm.labels());
    }
    if (!(sigma2 > 0)) {
      return f.notApplicable(
          "σ² = E Var(y|x) = 0: the labels are a function of x (labels = "
              + sm.labels()
              + ", label-noise = "
              + sm.labelNoise()
              + ")");
    }
    if (Double.isNaN(r.isoperimetryC())) {
      return f.notApplicable("no isoperimetry constant is known for data = " + sm.data());
    }
    double eps = bsEpsilon(r);
    if (Double.isNaN(eps)) {
      return f.notApplicable(
          "needs an MSE or interpolation fit; a margin fit does not bound the training MSE");
    }
    if (!(eps > 0)) {
      return f.notApplicable("the MSE fit does not reach below σ²");
    }
    if (r.fitType() == FitType.EXACT && r.tol() * r.tol() > sigma2 - eps) {
      return f.notApplicable("interpolation tolerance too loose: tol² > σ² − ε");
    }
    if (!(r.maxAbsWeight() > 0) || r.parameters() < 1 || !(r.isoperimetryC() > 0)) {
      return f.notApplicable("needs W_max > 0, p ≥ 1 and c > 0");
    }
    double need = 4096.0 * mix * Math.log(8 * mix / r.delta());
    if (r.n() * eps * eps < need) {
      return f.notApplicable(
          String.format(
              java.util.Locale.ROOT,
              "precondition n·ε² ≥ 4096·K·ln(8K/δ) fails: %.4g < %.4g (K = %d)",
              r.n() * eps * eps,
              need,
              mix));
    }
    double p = r.parameters();
    double w = Math.max(r.maxAbsWeight(), 1);
    double logJ = Math.log(r.inputRadius()) + r.depth() * Math.log(w * p);
    double logArg = Math.log(60) + Math.log(2 * w * Math.sqrt(p)) + logJ - Math.log(eps);
    double denom = p * logArg + Math.log(4 / r.delta());
    double value = eps / (512 * Math.sqrt(r.isoperimetryC())) * Math.sqrt(r.n() * r.d() / denom);
    return f.of(value);
  }

  /** F6, Bubeck–Sellke shape √(nd/p). */
  public static TheoryBound f6(RunFacts r) {
    return TheoryBound.of(
        "F6",
        "Bubeck–Sellke shape √(nd/p)",
        Status.VERIFIED,
        SHAPE,
        "informal Theorem 1, Lip ≥ Ω̃(√(nd/p)); constant and logs dropped",
        Math.sqrt((double) r.n() * r.d() / r.parameters()));
  }

  /** F6b, deep Bubeck–Sellke shape √(nd/(D·p)) (their eq. 3.1). */
  public static TheoryBound f6Deep(RunFacts r) {
    return TheoryBound.of(
        "F6b",
        "Bubeck–Sellke deep shape √(nd/(Dp))",
        Status.VERIFIED,
        SHAPE,
        "eq. (3.1): depth D, polynomially bounded weights; constant and logs dropped",
        Math.sqrt((double) r.n() * r.d() / ((double) r.depth() * r.parameters())));
  }

  /** F6c, norm-bounded Bubeck–Sellke shape √(nd/(p·ln B̄)) (their eq. 3.2); needs B̄ > 1. */
  public static TheoryBound f6NormBounded(RunFacts r, double bBar) {
    String id = "F6c";
    String name = "Bubeck–Sellke shape √(nd/(p ln B̄))";
    String assumptions = "eq. (3.2): class with B(w) = max_i Π_{j≠i}‖W_j‖_op ≤ B̄";
    Formula f = new Formula(id, name, Status.VERIFIED, SHAPE, assumptions);
    if (!(bBar > 1)) {
      return f.notApplicable("needs B̄ > 1 (ln B̄ > 0)");
    }
    return f.of(Math.sqrt((double) r.n() * r.d() / (r.parameters() * Math.log(bBar))));
  }

  /** F7, Wu–Huang–Zhang network shape √(n/p). */
  public static TheoryBound f7(RunFacts r) {
    return TheoryBound.of(
        "F7",
        "Wu–Huang–Zhang shape √(n/p)",
        Status.VERIFIED,
        SHAPE,
        "rate Ω(√(n/p)) for interpolating nets with polynomial weights, any bounded data;"
            + " constants unknown (reconstructed form)",
        Math.sqrt((double) r.n() / r.parameters()));
  }

  /** F7b, Wu–Huang–Zhang function-class shape n^{1/d}. */
  public static TheoryBound f7Dimension(RunFacts r) {
    return TheoryBound.of(
        "F7b",
        "Wu–Huang–Zhang shape n^{1/d}",
        Status.VERIFIED,
        SHAPE,
        "rate Ω(n^{1/d}) for any interpolating function; constants unknown",
        Math.pow(r.n(), 1.0 / r.d()));
  }

  /**
   * F8, deep Frobenius-product floor from Golowich–Rakhlin–Shamir: Π_j‖W_j‖_F ≥ num·√n/(2R(1 + √(2L
   * ln 2))) with L = depth.
   */
  public static TheoryBound f8(RunFacts r) {
    String id = "F8";
    String name = "deep Frobenius-product floor";
    String kind = "lower bound on Π‖W_j‖_F";
    String assumptions =
        "bias-free depth-L net, scalar output, 1-Lipschitz positively homogeneous activation (GRS"
            + " Thm 1); "
            + RANDOM_LABELS;
    Formula f = new Formula(id, name, Status.DERIVED, kind, assumptions);
    TheoryBound req = f1(r);
    if (r.biases()) {
      return f.notApplicable("GRS Theorem 1 is stated for bias-free nets");
    }
    if (!req.applicable()) {
      return f.notApplicable(req.notApplicableReason());
    }
    double value =
        req.value()
            * Math.sqrt(r.n())
            / (2 * r.inputRadius() * (1 + Math.sqrt(2 * r.depth() * Math.log(2))));
    return f.of(value);
  }

  /**
   * F9, minimal depth with every ‖W_j‖_F ≤ M₀: the smallest integer L ≥ 1 with L·ln M₀ ≥ ½ ln n +
   * ln(num) − ln(2R) − ln(1 + √(2L ln 2)). This is Husain & Balle's "log n layers" claim, which its
   * author withdrew.
   *
   * @param m0 per-layer Frobenius cap M₀; not applicable when NaN or ≤ 1
   */
  public static TheoryBound f9(RunFacts r, double m0) {
    String id = "F9";
    String name = "minimal depth for per-layer Frobenius cap M₀";
    String kind = "lower bound on depth (layers)";
    String assumptions = "every ‖W_j‖_F ≤ M₀ = " + m0 + "; F8's assumptions";
    Formula f = new Formula(id, name, Status.CLAIM_WITHDRAWN, kind, assumptions);
    TheoryBound req = f1(r);
    TheoryBound f8 = f8(r);
    if (!f8.applicable()) {
      return f.notApplicable("F8's assumptions fail: " + f8.notApplicableReason());
    }
    if (!(m0 > 1)) {
      return f.notApplicable(
          Double.isNaN(m0) ? "per-layer Frobenius cap M₀ unknown" : "needs M₀ > 1");
    }
    if (!req.applicable()) {
      return f.notApplicable(req.notApplicableReason());
    }
    double logM0 = Math.log(m0);
    double rhsBase = 0.5 * Math.log(r.n()) + Math.log(req.value()) - Math.log(2 * r.inputRadius());
    for (int layers = 1; layers <= MAX_DEPTH_SEARCH; layers++) {
      double rhs = rhsBase - Math.log(1 + Math.sqrt(2 * layers * Math.log(2)));
      if (layers * logM0 >= rhs) {
        return f.of(layers);
      }
    }
    return f.notApplicable("no depth ≤ 10⁶ suffices");
  }

  /**
   * F10, data lower bound: any f fitting the labels has Lip ≥ |f(x_i) − f(x_j)|/‖x_i − x_j‖ for y_i
   * ≠ y_j, i.e. (2 − 2·tol)/min‖x_i − x_j‖ for an exact fit within tol and 2γ/min‖x_i − x_j‖ for a
   * margin-γ fit.
   */
  public static TheoryBound f10(RunFacts r) {
    String id = "F10";
    String name = "data lower bound";
    String assumptions = "the trained net fits every label (±1 labels); deterministic, no δ";
    Formula f = new Formula(id, name, Status.DERIVED, LOWER_LIP, assumptions);
    double dist = r.minOppositeLabelDistance();
    if (!(dist > 0) || Double.isInfinite(dist)) {
      return f.notApplicable("needs two differently-labelled distinct points");
    }
    double gap =
        switch (r.fitType()) {
          case EXACT -> 2 - 2 * r.tol();
          case MARGIN -> 2 * r.gamma();
          case MSE -> Double.NaN;
        };
    if (Double.isNaN(gap)) {
      return f.notApplicable("an MSE fit gives no pointwise guarantee");
    }
    if (!(gap > 0)) {
      return f.notApplicable("vacuous: fit too loose");
    }
    return f.of(gap / dist);
  }

  /** F11, network upper bound L_ψ^{D−1}·Π_j‖W_j‖_op (two-layer: L_ψ‖a‖₂‖W‖_op). */
  public static TheoryBound f11(RunFacts r, NetworkNorms w) {
    String id = "F11";
    String name = "spectral-product upper bound";
    String kind = "upper bound on Lip";
    String assumptions = "activation L_ψ-Lipschitz; biases do not matter";
    Formula f = new Formula(id, name, Status.DERIVED, kind, assumptions);
    if (w == null || !(w.spectralProduct() >= 0)) {
      return f.notApplicable("network weights not available");
    }
    double value = Math.pow(r.activationLipschitz(), r.depth() - 1) * w.spectralProduct();
    return f.of(value);
  }

  /** F0–F11 (with variants F6b and F7b); F9 is not applicable since M₀ is unknown. */
  public static List<TheoryBound> all(RunFacts r, NetworkNorms w) {
    return all(r, w, Double.NaN);
  }

  /** F0–F11 (with variants F6b and F7b), F9 for the per-layer Frobenius cap m0. */
  public static List<TheoryBound> all(RunFacts r, NetworkNorms w, double m0) {
    return List.of(
        f0(r),
        f1(r),
        f2(r),
        f3(r),
        f4(r),
        f5(r),
        f6(r),
        f6Deep(r),
        f7(r),
        f7Dimension(r),
        f8(r),
        f9(r, m0),
        f10(r),
        f11(r, w));
  }

  /** What a formula states, apart from its value; the two ways it evaluates. */
  private record Formula(String id, String name, Status status, String kind, String assumptions) {
    TheoryBound of(double value) {
      return TheoryBound.of(id, name, status, kind, assumptions, value);
    }

    TheoryBound notApplicable(String reason) {
      return TheoryBound.notApplicable(id, name, status, kind, assumptions, reason);
    }
  }
}
