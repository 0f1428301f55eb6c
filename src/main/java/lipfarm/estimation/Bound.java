package lipfarm.estimation;

/**
 * One Lipschitz number with its provenance.
 *
 * @param method short machine-friendly name, e.g. "grad@data" or "spectral-product"
 * @param kind what the number certifies
 * @param value the number
 */
public record Bound(String method, BoundKind kind, double value) {}
