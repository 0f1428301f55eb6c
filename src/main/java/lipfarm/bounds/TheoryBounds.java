package lipfarm.bounds;

import java.util.List;

public final class TheoryBounds {
  public static List<TheoryBound> all(RunFacts r, NetworkNorms w) {
    double t = Math.sqrt(2 * Math.log(r.peelingM() / r.delta()) / r.n());
    return List.of(
        new TheoryBound("F3", "spectral floor", Status.DERIVED, "lower bound on ‖a‖‖W‖_op", "bias-free", true, (1 - t) * Math.sqrt((double) r.n() / r.k()) / 4, null),
        new TheoryBound("F5", "BS", Status.VERIFIED, "lower bound on Lip", "iso", false, Double.NaN, "n ε² < 4096 ln(8/δ)"),
        new TheoryBound("F10", "data", Status.DERIVED, "lower bound on Lip", "fit within tol", true, (2 - 2 * r.tol()) / r.minOppositeLabelDistance(), null),
        new TheoryBound("F9", "depth", Status.CLAIM_WITHDRAWN, "min depth", "x", false, Double.NaN, "x"));
  }
}
