package lipfarm.bounds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;

/** Every formula against arithmetic written out by hand from theory.md section 6. */
class TheoryBoundsTest {
  /** Closed forms evaluated in a different order agree to a few ulps. */
  private static final double TOL = 1e-12;

  /** n = 400, d = 20, k = 20, bias-free two-layer sphere run. */
  private static final RunFacts BASE = RunFacts.twoLayerSphere(400, 20, 20, false, 2.0, 1.25);

  private static final double T400 = Math.sqrt(2 * Math.log(64 / 0.05) / 400);

  @Test
  void f0IsTheConcentrationSlack() {
    TheoryBound b = TheoryBounds.f0(BASE);
    assertThat(b.id()).isEqualTo("F0");
    assertThat(b.applicable()).isTrue();
    assertThat(b.value()).isCloseTo(T400, within(TOL));
  }

  @Test
  void f1DependsOnTheFitType() {
    assertThat(TheoryBounds.f1(BASE).value()).isCloseTo(1 - T400, within(TOL));
    assertThat(TheoryBounds.f1(BASE.withFit(FitType.MARGIN, 0.5, 0.99)).value())
        .isCloseTo(0.5 * (1 - T400), within(TOL));
    assertThat(TheoryBounds.f1(BASE.withFit(FitType.MSE, 1, 0.8)).value())
        .isCloseTo(0.8 / 2 - T400, within(TOL));
    // ε/2 − t ≤ 0 for a weak MSE fit: the requirement is vacuous.
    TheoryBound weak = TheoryBounds.f1(BASE.withFit(FitType.MSE, 1, 0.2));
    assertThat(weak.applicable()).isFalse();
    assertThat(weak.value()).isNaN();
    assertThat(weak.notApplicableReason()).contains("vacuous");
  }

  @Test
  void f2PathNormFloorWithAndWithoutBias() {
    assertThat(TheoryBounds.f2(BASE).value())
        .isCloseTo((1 - T400) * Math.sqrt(400) / (4 * 1 * 1.0), within(TOL));
    RunFacts biased = RunFacts.twoLayerSphere(400, 20, 20, true, 2.0, 1.25);
    assertThat(TheoryBounds.f2(biased).value())
        .isCloseTo((1 - T400) * Math.sqrt(400) / (4 * Math.sqrt(1 + 1)), within(TOL));
  }

  @Test
  void f3SpectralFloor() {
    TheoryBound b = TheoryBounds.f3(BASE);
    assertThat(b.value())
        .isCloseTo(
            (1 - Math.sqrt(2 * Math.log(64 / 0.05) / 400)) * Math.sqrt(400.0 / 20) / 4,
            within(TOL));
    assertThat(b.status()).isEqualTo(Status.DERIVED);
    assertThat(b.assumptions()).contains("bias-free");
  }

  @Test
  void twoLayerFormulasAreNotApplicableToDeepNets() {
    RunFacts deep =
        new RunFacts(
            400,
            20,
            20,
            3,
            1000,
            false,
            1,
            Sampling.RANDOM_SPHERE,
            0.05,
            64,
            FitType.EXACT,
            1,
            0.99,
            1e-3,
            1,
            2,
            1.25);
    for (TheoryBound b :
        List.of(TheoryBounds.f2(deep), TheoryBounds.f3(deep), TheoryBounds.f4(deep))) {
      assertThat(b.applicable()).as(b.id()).isFalse();
      assertThat(b.value()).as(b.id()).isNaN();
      assertThat(b.notApplicableReason()).as(b.id()).contains("two-layer");
    }
  }

  @Test
  void f4IsTheConjectureShape() {
    TheoryBound b = TheoryBounds.f4(BASE);
    assertThat(b.value()).isCloseTo(Math.sqrt(400.0 / 20), within(TOL));
    assertThat(b.status()).isEqualTo(Status.RECONSTRUCTED);
    assertThat(b.kind()).isEqualTo("shape only (c=1)");
  }

  @Test
  void f5BubeckSellkeForLargeN() {
    int n = 100_000;
    int d = 20;
    int k = 50;
    RunFacts r = RunFacts.twoLayerSphere(n, d, k, true, 3.0, 1.0);
    double p = 20 * 50 + 50 + 50 + 1;
    double eps = 0.99;
    double c = 20 / 19.0;
    double wDiam = 2 * 3.0 * Math.sqrt(p);
    double j = 1.0 * Math.pow(3.0 * 1 * p, 2);
    double expected =
        eps
            / (512 * Math.sqrt(c))
            * Math.sqrt((double) n * d / (p * Math.log(60 * wDiam * j / eps) + Math.log(4 / 0.05)));
    TheoryBound b = TheoryBounds.f5(r);
    assertThat(r.parameters()).isEqualTo((long) p);
    assertThat(b.applicable()).isTrue();
    assertThat(b.status()).isEqualTo(Status.VERIFIED);
    assertThat(b.value()).isCloseTo(expected, within(expected * TOL));
  }

  @Test
  void f5PreconditionFailsForSmallN() {
    // n·ε² = 400·0.9801 < 4096·ln(8/0.05) ≈ 20788.
    TheoryBound b = TheoryBounds.f5(BASE);
    assertThat(400 * 0.99 * 0.99).isLessThan(4096 * Math.log(8 / 0.05));
    assertThat(b.applicable()).isFalse();
    assertThat(b.value()).isNaN();
    assertThat(b.notApplicableReason()).contains("4096");
  }

  @Test
  void f5StaysFiniteForDeepWideNets() {
    // J = R(W p)^D overflows a double here (10^(6·60)); the log-space form must not.
    RunFacts r =
        new RunFacts(
            1_000_000,
            100,
            1000,
            60,
            1_000_000,
            true,
            1,
            Sampling.RANDOM_SPHERE,
            0.05,
            64,
            FitType.EXACT,
            1,
            0.99,
            1e-3,
            1,
            1.0,
            1.0);
    double p = 1e6;
    double logArg = Math.log(60) + Math.log(2 * Math.sqrt(p)) + 60 * Math.log(p) - Math.log(0.99);
    double expected =
        0.99 / (512 * Math.sqrt(100 / 99.0)) * Math.sqrt(1e6 * 100 / (p * logArg + Math.log(80)));
    assertThat(Math.pow(p, 60)).isInfinite();
    assertThat(TheoryBounds.f5(r).value()).isCloseTo(expected, within(expected * TOL));
  }

  @Test
  void f6AndF7Shapes() {
    double p = 20 * 20 + 20;
    assertThat(TheoryBounds.f6(BASE).value()).isCloseTo(Math.sqrt(400 * 20 / p), within(TOL));
    assertThat(TheoryBounds.f6Deep(BASE).value())
        .isCloseTo(Math.sqrt(400 * 20 / (2 * p)), within(TOL));
    assertThat(TheoryBounds.f6NormBounded(BASE, Math.E * Math.E).value())
        .isCloseTo(Math.sqrt(400 * 20 / (p * 2)), within(TOL));
    assertThat(TheoryBounds.f6NormBounded(BASE, 0.5).applicable()).isFalse();
    assertThat(TheoryBounds.f7(BASE).value()).isCloseTo(Math.sqrt(400 / p), within(TOL));
    assertThat(TheoryBounds.f7Dimension(BASE).value())
        .isCloseTo(Math.exp(Math.log(400) / 20), within(TOL));
    assertThat(TheoryBounds.f7(BASE).kind()).isEqualTo("shape only (c=1)");
  }

  @Test
  void f8FrobeniusFloorIsBiasFreeOnly() {
    assertThat(TheoryBounds.f8(BASE).value())
        .isCloseTo(
            (1 - T400) * Math.sqrt(400) / (2 * 1 * (1 + Math.sqrt(2 * 2 * Math.log(2)))),
            within(TOL));
    assertThat(TheoryBounds.f8(RunFacts.twoLayerSphere(400, 20, 20, true, 2, 1)).applicable())
        .isFalse();
  }

  @Test
  void f9MinimalDepthIsAWithdrawnClaim() {
    int n = 1_000_000;
    RunFacts r = RunFacts.twoLayerSphere(n, 20, 20, false, 2, 1);
    double m0 = 1.5;
    double t = Math.sqrt(2 * Math.log(64 / 0.05) / n);
    // Smallest L with L ln M0 ≥ ½ ln n + ln(1 − t) − ln 2 − ln(1 + √(2 L ln 2)), by hand.
    int expected = 1;
    while (expected * Math.log(m0)
        < 0.5 * Math.log(n)
            + Math.log(1 - t)
            - Math.log(2)
            - Math.log(1 + Math.sqrt(2 * expected * Math.log(2)))) {
      expected++;
    }
    TheoryBound b = TheoryBounds.f9(r, m0);
    assertThat(b.value()).isEqualTo(expected);
    // ½ ln(10⁶)/ln 1.5 ≈ 17 dominates: a depth of order log n, minus the slowly growing terms.
    assertThat(b.value()).isBetween(5.0, 17.0);
    assertThat(b.status()).isEqualTo(Status.CLAIM_WITHDRAWN);
    assertThat(b.status().label()).isEqualTo("claim withdrawn by its author");
    assertThat(TheoryBounds.f9(r, 1.0).applicable()).isFalse();
    assertThat(TheoryBounds.f9(r, Double.NaN).notApplicableReason()).contains("unknown");
  }

  @Test
  void f10DataLowerBound() {
    assertThat(TheoryBounds.f10(BASE).value()).isCloseTo((2 - 2 * 1e-3) / 1.25, within(TOL));
    assertThat(TheoryBounds.f10(BASE.withFit(FitType.MARGIN, 0.6, 0.99)).value())
        .isCloseTo(2 * 0.6 / 1.25, within(TOL));
    assertThat(TheoryBounds.f10(BASE.withFit(FitType.MSE, 1, 0.99)).applicable()).isFalse();
    RunFacts oneLabel = RunFacts.twoLayerSphere(400, 20, 20, false, 2, Double.POSITIVE_INFINITY);
    assertThat(TheoryBounds.f10(oneLabel).applicable()).isFalse();
  }

  @Test
  void f11AndNetworkNormsFromASnapshot() {
    // W = diag(3, 4) (2×2), a = (1, −2), b = (0.5, 0): ‖W‖_op = 4, ‖a‖ = √5.
    NetworkSnapshot net =
        new NetworkSnapshot(
            "relu",
            List.of(
                new NetworkSnapshot.Layer(2, 2, new double[] {3, 0, 0, 4}, new double[] {0.5, 0}),
                new NetworkSnapshot.Layer(1, 2, new double[] {1, -2}, null)));
    NetworkNorms w = NetworkNorms.of(net);
    assertThat(w.pathNorm()).isCloseTo(1 * Math.sqrt(9 + 0.25) + 2 * 4, within(TOL));
    assertThat(w.spectralProxy()).isCloseTo(Math.sqrt(5) * 4, within(1e-8));
    assertThat(w.spectralProxy()).isGreaterThanOrEqualTo(Math.sqrt(5) * 4);
    assertThat(w.frobeniusProduct()).isCloseTo(5 * Math.sqrt(5), within(TOL));
    assertThat(w.spectralProduct()).isCloseTo(4 * Math.sqrt(5), within(1e-8));
    TheoryBound b = TheoryBounds.f11(BASE, w);
    assertThat(b.value()).isCloseTo(4 * Math.sqrt(5), within(1e-8));
    assertThat(b.kind()).isEqualTo("upper bound on Lip");
    assertThat(TheoryBounds.f11(BASE, NetworkNorms.unknown()).applicable()).isFalse();
  }

  @Test
  void runFactsFromSnapshotAndData() {
    SplittableRandom rng = new SplittableRandom(1234);
    Dataset data = DataModels.sphereRandomLabels(50, 3, 9);
    NetworkSnapshot net =
        new NetworkSnapshot(
            "relu",
            List.of(
                new NetworkSnapshot.Layer(4, 3, randomArray(12, rng), randomArray(4, rng)),
                new NetworkSnapshot.Layer(1, 4, new double[] {0.1, -7.5, 0.2, 0.3}, null)));
    RunFacts r = RunFacts.sphere(net, data, 1e-3);
    assertThat(r.n()).isEqualTo(50);
    assertThat(r.d()).isEqualTo(3);
    assertThat(r.k()).isEqualTo(4);
    assertThat(r.depth()).isEqualTo(2);
    assertThat(r.parameters()).isEqualTo(12 + 4 + 4);
    assertThat(r.biases()).isTrue();
    assertThat(r.maxAbsWeight()).isEqualTo(7.5);
    assertThat(r.isoperimetryC()).isCloseTo(1.5, within(TOL));
    assertThat(r.inputRadius()).isCloseTo(1.0, within(1e-12));
    assertThat(r.minOppositeLabelDistance()).isEqualTo(data.minOppositeLabelDistance());
  }

  @Test
  void allListsEveryFormulaInOrder() {
    List<TheoryBound> all = TheoryBounds.all(BASE, NetworkNorms.unknown(), 2.0);
    assertThat(all)
        .extracting(TheoryBound::id)
        .containsExactly(
            "F0", "F1", "F2", "F3", "F4", "F5", "F6", "F6b", "F7", "F7b", "F8", "F9", "F10", "F11");
    for (TheoryBound b : all) {
      assertThat(Double.isNaN(b.value())).as(b.id()).isEqualTo(!b.applicable());
      assertThat(b.notApplicableReason().isEmpty()).as(b.id()).isEqualTo(b.applicable());
    }
    assertThat(Status.VERIFIED.label()).isEqualTo("verified");
    assertThat(Status.RECONSTRUCTED.label()).isEqualTo("reconstructed");
  }

  private static double[] randomArray(int len, SplittableRandom rng) {
    double[] a = new double[len];
    for (int i = 0; i < len; i++) {
      a[i] = rng.nextDouble() - 0.5;
    }
    return a;
  }

  /** Large enough that F5's precondition holds for random sphere labels. */
  private static final RunFacts LARGE = RunFacts.twoLayerSphere(200_000, 20, 20, false, 2.0, 1.25);

  @Test
  void rademacherBoundsNeedRandomLabels() {
    for (String labels : List.of("teacher", "cluster", "noisy")) {
      RunFacts r = BASE.withSampling(new Sampling("sphere", labels, 0.1, 2));
      for (TheoryBound b :
          List.of(
              TheoryBounds.f1(r),
              TheoryBounds.f2(r),
              TheoryBounds.f3(r),
              TheoryBounds.f8(r),
              TheoryBounds.f9(r, 3.0))) {
        assertThat(b.applicable()).as("%s %s", labels, b.id()).isFalse();
        assertThat(b.value()).isNaN();
        assertThat(b.notApplicableReason()).as(b.id()).contains("labels = " + labels);
      }
    }
    // The data lower bound holds for any labels the net fits.
    RunFacts teacher = BASE.withSampling(new Sampling("sphere", "teacher", 0, 1));
    assertThat(TheoryBounds.f10(teacher).applicable()).isTrue();
    assertThat(TheoryBounds.f1(BASE).applicable()).isTrue();
  }

  @Test
  void f5NeedsAPositiveKnownLabelVariance() {
    assertThat(TheoryBounds.f5(LARGE).applicable()).isTrue();
    TheoryBound clean =
        TheoryBounds.f5(LARGE.withSampling(new Sampling("sphere", "teacher", 0, 1)));
    assertThat(clean.applicable()).isFalse();
    assertThat(clean.notApplicableReason()).contains("σ²").contains("= 0");
    TheoryBound cluster =
        TheoryBounds.f5(LARGE.withSampling(new Sampling("mixture", "cluster", 0.1, 2)));
    assertThat(cluster.applicable()).isFalse();
    assertThat(cluster.notApplicableReason()).contains("not known");
    // Teacher labels flipped with probability η: σ² = 4η(1 − η), ε = 0.99σ², everything else as
    // for random labels, so the bound scales by σ² (it is linear in ε apart from ln(1/ε)).
    double eta = 0.25;
    double sigma2 = 4 * eta * (1 - eta);
    RunFacts noisy = LARGE.withSampling(new Sampling("sphere", "teacher", eta, 1));
    TheoryBound b = TheoryBounds.f5(noisy);
    assertThat(b.applicable()).isTrue();
    assertThat(b.value()).isCloseTo(f5ByHand(noisy, 0.99 * sigma2, 20 / 19.0), within(1e-12));
  }

  @Test
  void f5UsesTheDataModelsIsoperimetryConstant() {
    // Uniform cube [−1, 1]^d: c = 2d/π; Gaussian N(0, I/d): c = 1; files: unknown.
    RunFacts cube = LARGE.withSampling(new Sampling("cube", "random", 0, 1));
    assertThat(TheoryBounds.f5(cube).value())
        .isCloseTo(f5ByHand(cube, 0.99, 2 * 20 / Math.PI), within(1e-12));
    RunFacts gauss = LARGE.withSampling(new Sampling("gaussian", "random", 0, 1));
    assertThat(TheoryBounds.f5(gauss).value()).isCloseTo(f5ByHand(gauss, 0.99, 1), within(1e-12));
    TheoryBound file = TheoryBounds.f5(LARGE.withSampling(new Sampling("csv", "random", 0, 1)));
    assertThat(file.applicable()).isFalse();
    assertThat(file.notApplicableReason()).contains("isoperimetry").contains("csv");
  }

  @Test
  void mixturesUseTheirComponentCountInThePrecondition() {
    // n·ε² ≥ 4096·K·ln(8K/δ): with ε = 0.99, δ = 0.05 and K = 8 that needs n ≥ 2.5·10⁵.
    RunFacts mix = LARGE.withSampling(new Sampling("mixture", "random", 0, 8));
    TheoryBound b = TheoryBounds.f5(mix);
    double need = 4096 * 8 * Math.log(64 / 0.05);
    assertThat(200_000 * 0.99 * 0.99).isLessThan(need);
    assertThat(b.applicable()).isFalse();
    assertThat(b.notApplicableReason()).contains("K = 8");
    RunFacts two = LARGE.withSampling(new Sampling("mixture", "random", 0, 2));
    assertThat(TheoryBounds.f5(two).value()).isCloseTo(f5ByHand(two, 0.99, 1), within(1e-12));
    // The components count is ignored for other data models.
    RunFacts sphere = LARGE.withSampling(new Sampling("sphere", "random", 0, 8));
    assertThat(TheoryBounds.f5(sphere).applicable()).isTrue();
  }

  @Test
  void f9OnlyWhereF8Applies() {
    RunFacts biased = RunFacts.twoLayerSphere(400, 20, 20, true, 2, 1);
    assertThat(TheoryBounds.f8(biased).applicable()).isFalse();
    TheoryBound f9 = TheoryBounds.f9(biased, 3.0);
    assertThat(f9.applicable()).isFalse();
    assertThat(f9.notApplicableReason()).startsWith("F8's assumptions fail");
    assertThat(TheoryBounds.f9(BASE, 3.0).applicable()).isTrue();
  }

  /** Bubeck–Sellke Theorem 3 with Lemma 3.1, written out from theory.md for a two-layer net. */
  private static double f5ByHand(RunFacts r, double eps, double c) {
    double p = r.parameters();
    double w = Math.max(r.maxAbsWeight(), 1);
    double diam = 2 * w * Math.sqrt(p);
    double logJ = Math.log(r.inputRadius()) + 2 * Math.log(w * p);
    double denom = p * (Math.log(60 * diam / eps) + logJ) + Math.log(4 / 0.05);
    return eps / (512 * Math.sqrt(c)) * Math.sqrt(r.n() * r.d() / denom);
  }
}
