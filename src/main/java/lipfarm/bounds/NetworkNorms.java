package lipfarm.bounds;

import lipfarm.protocol.NetworkSnapshot;

public record NetworkNorms(double pathNorm, double spectralProxy, double frobeniusProduct, double spectralProduct) {
  public static NetworkNorms of(NetworkSnapshot net) { return new NetworkNorms(Double.NaN, Double.NaN, Double.NaN, Double.NaN); }
}
