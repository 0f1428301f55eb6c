package lipfarm.bounds;

/** How the trained network fits the ±1 labels. */
public enum FitType {
  /** Interpolation: max_i |f(x_i) − y_i| ≤ tol. */
  EXACT,
  /** Margin: y_i f(x_i) ≥ γ for all i. */
  MARGIN,
  /** Below the noise level: (1/n) Σ (f(x_i) − y_i)² ≤ 1 − ε. */
  MSE
}
