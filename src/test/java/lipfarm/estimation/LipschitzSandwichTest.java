package lipfarm.estimation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class LipschitzSandwichTest {
  /** Lower and upper must both meet an exactly known constant this closely. */
  private static final double EXACT_TOL = 1e-9;

  /** The search must reach the enumerated exact value to this relative accuracy. */
  private static final double SEARCH_TOL = 1e-6;

  /** Rounding slack when comparing two computations of the same attained value. */
  private static final double ROUNDING = 1e-12;

  private static void runToEnd(LipschitzSandwich s) {
    while (s.step(1000)) {
      // keep probing until the budget is spent or the sandwich closes
    }
  }

  private static List<Bound> ofKind(LipschitzSandwich s, BoundKind kind) {
    List<Bound> out = new ArrayList<>();
    for (Bound b : s.bounds()) {
      if (b.kind() == kind) {
        out.add(b);
      }
    }
    return out;
  }

  @Test
  void linearModelIsPinnedToNormOfW() {
    SplittableRandom rng = new SplittableRandom(1234);
    double[] w = new double[6];
    for (int i = 0; i < w.length; i++) {
      w[i] = DataModels.gaussian(rng);
    }
    NetworkSnapshot net =
        new NetworkSnapshot(
            "relu", List.of(new NetworkSnapshot.Layer(1, 6, w, new double[] {0.7})));
    LipschitzSandwich s = new LipschitzSandwich(net, DataModels.sphereRandomLabels(50, 6, 1), 42);
    runToEnd(s);
    double norm = TestNets.norm(w);
    assertThat(s.lower()).isCloseTo(norm, within(EXACT_TOL));
    assertThat(s.upper()).isCloseTo(norm, within(EXACT_TOL));
    assertThat(s.upper()).isGreaterThanOrEqualTo(norm);
    assertThat(s.exactValue()).isCloseTo(norm, within(EXACT_TOL));
    // An affine map has one gradient: the sandwich closes after the first probe.
    assertThat(s.evaluations()).isLessThan(LipschitzSandwich.DEFAULT_BUDGET);
  }

  @Test
  void singleReluUnitHasLipschitzConstantAbsATimesNormW() {
    SplittableRandom rng = new SplittableRandom(2024);
    double[] w = new double[5];
    for (int i = 0; i < w.length; i++) {
      w[i] = DataModels.gaussian(rng);
    }
    double a = -2.5;
    NetworkSnapshot net =
        new NetworkSnapshot(
            "relu",
            List.of(
                new NetworkSnapshot.Layer(1, 5, w, new double[] {0.3}),
                new NetworkSnapshot.Layer(1, 1, new double[] {a}, new double[] {1.0})));
    LipschitzSandwich s = new LipschitzSandwich(net, DataModels.sphereRandomLabels(30, 5, 2), 43);
    runToEnd(s);
    double expected = Math.abs(a) * TestNets.norm(w);
    assertThat(s.lower()).isCloseTo(expected, within(EXACT_TOL));
    assertThat(s.upper()).isCloseTo(expected, within(EXACT_TOL)).isGreaterThanOrEqualTo(expected);
    assertThat(s.pathNormUpper()).isCloseTo(expected, within(EXACT_TOL));
  }

  @Test
  void randomTwoLayerNetsReachTheEnumeratedExactValue() {
    SplittableRandom rng = new SplittableRandom(1234);
    for (int trial = 0; trial < 4; trial++) {
      int d = 12;
      int k = 6 + 2 * trial;
      NetworkSnapshot net = TestNets.random(rng, false, d, k, 1);
      Dataset data = DataModels.sphereRandomLabels(100, d, trial);
      LipschitzSandwich s = new LipschitzSandwich(net, data, 7 + trial);
      // Independent: the test's own loop over all patterns (k ≤ d, random rows: all realised).
      double exact = TestNets.patternMax(net);
      assertThat(s.exactValue()).as("k=%d", k).isCloseTo(exact, within(exact * ROUNDING));
      assertThat(ofKind(s, BoundKind.EXACT))
          .as("k=%d", k)
          .extracting(Bound::method)
          .containsExactly("pattern-enumeration");
      runToEnd(s);
      assertThat(s.lower()).as("k=%d", k).isLessThanOrEqualTo(exact * (1 + ROUNDING));
      assertThat(s.lower()).as("k=%d", k).isGreaterThanOrEqualTo(exact * (1 - SEARCH_TOL));
      for (Bound upper : ofKind(s, BoundKind.CERTIFIED_UPPER)) {
        assertThat(upper.value()).as(upper.method()).isGreaterThanOrEqualTo(exact);
      }
      for (Bound lower : ofKind(s, BoundKind.CERTIFIED_LOWER)) {
        assertThat(lower.value()).as(lower.method()).isLessThanOrEqualTo(s.lower());
      }
      assertThat(s.evaluations()).isLessThanOrEqualTo(LipschitzSandwich.DEFAULT_BUDGET + 2 * k);
    }
  }

  @Test
  void trainedTwoLayerNetsReachTheEnumeratedExactValueGlobally() {
    SplittableRandom rng = new SplittableRandom(99);
    for (String act : new String[] {"relu", "leaky-relu:0.05"}) {
      int d = 10;
      int k = 8;
      Dataset data = DataModels.sphereRandomLabels(12, d, 4);
      NetworkSnapshot net = TestNets.trainedTwoLayer(act, data, k, 400, rng);
      LipschitzSandwich s = new LipschitzSandwich(net, data, 21);
      double exact = TestNets.patternMax(net);
      assertThat(s.exactValue()).as(act).isCloseTo(exact, within(exact * ROUNDING));
      assertThat(exact).as(act).isPositive();
      runToEnd(s);
      // Trained nets have biases: the exact value is the global constant, reached by the global
      // search; the local (ball) lower bound may stay below it.
      assertThat(s.lowerGlobal()).as(act).isCloseTo(exact, within(exact * SEARCH_TOL));
      assertThat(s.lowerGlobal()).as(act).isLessThanOrEqualTo(exact * (1 + ROUNDING));
      assertThat(s.lower()).as(act).isLessThanOrEqualTo(s.lowerGlobal());
      assertThat(s.violations(Double.NaN)).as(act).isEmpty();
    }
  }

  @Test
  void smoothActivationsKeepLowerBelowEnumerationUpperBound() {
    SplittableRandom rng = new SplittableRandom(7);
    for (String act : new String[] {"tanh", "softplus"}) {
      NetworkSnapshot net = new NetworkSnapshot(act, TestNets.random(rng, true, 6, 5, 1).layers());
      LipschitzSandwich s = new LipschitzSandwich(net, DataModels.sphereRandomLabels(30, 6, 2), 3);
      // σ' ∈ (0, 1) is not a vertex pattern: enumeration is only an upper bound here.
      assertThat(s.exactValue()).as(act).isNaN();
      assertThat(ofKind(s, BoundKind.CERTIFIED_UPPER))
          .extracting(Bound::method)
          .contains("pattern-enumeration-upper");
      runToEnd(s);
      assertThat(s.lowerGlobal()).isPositive();
      assertThat(s.violations(Double.NaN)).as(act).isEmpty();
    }
  }

  @Test
  void invariantViolationsAreReportedAsEstimatorErrors() {
    SplittableRandom rng = new SplittableRandom(5);
    NetworkSnapshot net = TestNets.random(rng, false, 4, 6, 1);
    LipschitzSandwich s = new LipschitzSandwich(net, DataModels.sphereRandomLabels(20, 4, 1), 3);
    runToEnd(s);
    // An F10 above the certified lower bound must surface as an error entry.
    List<Bound> errors = s.violations(10 * s.upper());
    assertThat(errors).extracting(Bound::method).containsExactly("invariant:F10<=lower");
    assertThat(errors.get(0).kind()).isEqualTo(BoundKind.ESTIMATOR_ERROR);
    assertThat(errors.get(0).value()).isGreaterThan(1);
    assertThat(s.bounds(10 * s.upper())).contains(errors.get(0));
    assertThat(s.violations(0.5 * s.lower())).isEmpty();
  }

  @Test
  void differenceQuotientsAreCertifiedLowerBounds() {
    SplittableRandom rng = new SplittableRandom(12);
    NetworkSnapshot net = TestNets.random(rng, true, 5, 9, 1);
    Dataset data = DataModels.sphereRandomLabels(40, 5, 6);
    double best = 0;
    for (int i = 0; i < data.n(); i++) {
      for (int j = 0; j < i; j++) {
        double df = NetworkMath.value(net, data.x()[i]) - NetworkMath.value(net, data.x()[j]);
        double dx = 0;
        for (int c = 0; c < 5; c++) {
          dx += Math.pow(data.x()[i][c] - data.x()[j][c], 2);
        }
        best = Math.max(best, Math.abs(df) / Math.sqrt(dx));
      }
    }
    LipschitzSandwich s = new LipschitzSandwich(net, data, 1, 2000);
    runToEnd(s);
    Bound dq =
        s.bounds().stream().filter(b -> b.method().equals("diff-quotient@data")).findFirst().get();
    assertThat(dq.kind()).isEqualTo(BoundKind.CERTIFIED_LOWER);
    assertThat(dq.value()).isCloseTo(best, within(best * 1e-8)).isLessThanOrEqualTo(s.lower());
  }

  @Test
  void cleverIsALabelledEstimateNearTheConstant() {
    SplittableRandom rng = new SplittableRandom(2);
    NetworkSnapshot net = TestNets.random(rng, false, 6, 5, 1);
    LipschitzSandwich s = new LipschitzSandwich(net, DataModels.sphereRandomLabels(20, 6, 1), 9);
    runToEnd(s);
    Bound c = s.clever(40, 50);
    assertThat(c.kind()).isEqualTo(BoundKind.ESTIMATE);
    assertThat(c.method()).isEqualTo("clever@ball");
    // Not a bound either way, but on a bias-free net with k < d it should land near the truth.
    double exact = TestNets.patternMax(net);
    assertThat(c.value()).isCloseTo(exact, within(0.25 * exact));
    assertThat(s.bounds()).contains(c);
  }

  @Test
  void enumerationOfBruteForceMatchesDefinition() {
    // Independent check of L = max_s ‖Σ_j s_j a_j w_j‖ by a plain loop over all 2^k subsets.
    SplittableRandom rng = new SplittableRandom(555);
    int d = 6;
    int k = 5;
    NetworkSnapshot net = TestNets.random(rng, true, d, k, 1);
    NetworkSnapshot.Layer first = net.layers().get(0);
    NetworkSnapshot.Layer second = net.layers().get(1);
    double best = 0;
    for (int mask = 0; mask < (1 << k); mask++) {
      double[] v = new double[d];
      for (int j = 0; j < k; j++) {
        if ((mask & (1 << j)) != 0) {
          for (int c = 0; c < d; c++) {
            v[c] += second.w(0, j) * first.w(j, c);
          }
        }
      }
      best = Math.max(best, TestNets.norm(v));
    }
    LipschitzSandwich s = new LipschitzSandwich(net, DataModels.sphereRandomLabels(20, d, 3), 1);
    assertThat(s.exactValue()).isCloseTo(best, within(best * ROUNDING));
  }

  @Test
  void moreUnitsThanDimensionsGiveOnlyAnEnumerationUpperBound() {
    SplittableRandom rng = new SplittableRandom(8);
    NetworkSnapshot net = TestNets.random(rng, true, 4, 9, 1);
    LipschitzSandwich s = new LipschitzSandwich(net, DataModels.sphereRandomLabels(60, 4, 3), 1);
    assertThat(ofKind(s, BoundKind.EXACT)).isEmpty();
    assertThat(s.exactValue()).isNaN();
    assertThat(ofKind(s, BoundKind.CERTIFIED_UPPER))
        .extracting(Bound::method)
        .contains("pattern-enumeration-upper");
    runToEnd(s);
    assertThat(s.lower()).isLessThanOrEqualTo(s.upper());
  }

  @Test
  void pathNormAndCombettesPesquetMatchTheirFormulas() {
    SplittableRandom rng = new SplittableRandom(31);
    int d = 7;
    int k = 30;
    NetworkSnapshot net = TestNets.random(rng, true, d, k, 1);
    NetworkSnapshot.Layer wl = net.layers().get(0);
    NetworkSnapshot.Layer al = net.layers().get(1);
    double path = 0;
    double aNorm2 = 0;
    double[] wta = new double[d];
    for (int j = 0; j < k; j++) {
      double a = al.w(0, j);
      double wn = 0;
      for (int c = 0; c < d; c++) {
        wn += wl.w(j, c) * wl.w(j, c);
        wta[c] += wl.w(j, c) * a;
      }
      path += Math.abs(a) * Math.sqrt(wn);
      aNorm2 += a * a;
    }
    double sigmaW = TestNets.powerIteration(k, d, wl.weights(), rng);
    double cp = 0.5 * (TestNets.norm(wta) + Math.sqrt(aNorm2) * sigmaW);
    double spectral = Math.sqrt(aNorm2) * sigmaW;
    LipschitzSandwich s = new LipschitzSandwich(net, DataModels.sphereRandomLabels(40, d, 5), 1);
    assertThat(s.pathNormUpper()).isCloseTo(path, within(path * 1e-9));
    assertThat(s.spectralProductUpper()).isCloseTo(spectral, within(spectral * 1e-8));
    Bound cpBound =
        s.bounds().stream().filter(b -> b.method().equals("combettes-pesquet")).findFirst().get();
    assertThat(cpBound.value()).isCloseTo(cp, within(cp * 1e-8));
    assertThat(s.upper()).isLessThanOrEqualTo(Math.min(path, Math.min(cp, spectral)) * (1 + 1e-8));
  }

  @Test
  void boundsAreMonotoneOverRepeatedSteps() {
    SplittableRandom rng = new SplittableRandom(1234);
    NetworkSnapshot net = TestNets.random(rng, true, 10, 25, 1);
    LipschitzSandwich s = new LipschitzSandwich(net, DataModels.sphereRandomLabels(200, 10, 9), 3);
    double lastLower = s.lower();
    double lastUpper = s.upper();
    int calls = 0;
    boolean more = true;
    while (more) {
      more = s.step(250);
      calls++;
      assertThat(s.lower()).isGreaterThanOrEqualTo(lastLower);
      assertThat(s.upper()).isLessThanOrEqualTo(lastUpper);
      assertThat(s.lower()).isLessThanOrEqualTo(s.upper());
      lastLower = s.lower();
      lastUpper = s.upper();
    }
    assertThat(calls).isGreaterThan(10);
    assertThat(s.lower()).isPositive();
    assertThat(s.relativeGap()).isCloseTo((s.upper() - s.lower()) / s.upper(), within(1e-15));
    // Each probe family was used, in the documented order.
    assertThat(ofKind(s, BoundKind.CERTIFIED_LOWER))
        .extracting(Bound::method)
        .containsSubsequence("grad@data", "grad@chord", "grad@sphere", "ascent");
  }

  @Test
  void sameSeedGivesSameResult() {
    SplittableRandom rng = new SplittableRandom(1);
    NetworkSnapshot net = TestNets.random(rng, true, 8, 30, 1);
    Dataset data = DataModels.sphereRandomLabels(80, 8, 2);
    LipschitzSandwich a = new LipschitzSandwich(net, data, 5, 3000);
    LipschitzSandwich b = new LipschitzSandwich(net, data, 5, 3000);
    runToEnd(a);
    runToEnd(b);
    assertThat(a.lower()).isEqualTo(b.lower());
    assertThat(a.evaluations()).isEqualTo(b.evaluations());
  }

  @Test
  void deepVectorNetsKeepLowerBelowEveryUpperBound() {
    SplittableRandom rng = new SplittableRandom(4);
    for (int trial = 0; trial < 3; trial++) {
      NetworkSnapshot net = TestNets.random(rng, trial % 2 == 0, 5, 8, 7, 6, 3);
      LipschitzSandwich s =
          new LipschitzSandwich(net, DataModels.sphereRandomLabels(50, 5, trial), trial, 4000);
      runToEnd(s);
      assertThat(s.pathNormUpper()).isNaN();
      assertThat(s.lower()).isPositive();
      for (Bound upper : ofKind(s, BoundKind.CERTIFIED_UPPER)) {
        assertThat(upper.value()).as(upper.method()).isGreaterThanOrEqualTo(s.lower());
      }
    }
  }

  @Test
  void lipsdpReferenceNetwork() throws IOException {
    NetworkSnapshot net = TestNets.lipsdp();
    Assumptions.assumeTrue(net != null, "reference file " + TestNets.LIPSDP + " missing");
    // Few data points; in d = 2 the largest-gradient region is a wide arc that every probe finds.
    Dataset data = DataModels.sphereRandomLabels(5, 2, 11);
    LipschitzSandwich s = new LipschitzSandwich(net, data, 2019);
    runToEnd(s);
    assertThat(s.lower()).isGreaterThanOrEqualTo(36.0).isLessThanOrEqualTo(36.483);
    for (Bound upper : ofKind(s, BoundKind.CERTIFIED_UPPER)) {
      assertThat(upper.value()).as(upper.method()).isGreaterThanOrEqualTo(36.481);
    }
    assertThat(s.spectralProductUpper()).isCloseTo(43.306, within(5e-4));
    Bound lipSdp =
        ofKind(s, BoundKind.CERTIFIED_UPPER).stream()
            .filter(b -> b.method().equals("lipsdp-neuron"))
            .findFirst()
            .orElseThrow();
    assertThat(lipSdp.value()).isCloseTo(36.482, within(0.01 * 36.482));
    assertThat(s.upper()).isCloseTo(36.482, within(0.01 * 36.482));
    // Branch and bound closes the pair on this small bias-free net.
    assertThat(s.upper() - s.lower()).isLessThanOrEqualTo(1e-3 * s.upper());
  }
}
