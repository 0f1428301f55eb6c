package lipfarm.bounds;

/** Provenance of a formula, as labelled in theory.md. */
public enum Status {
  /** Read in a public source. */
  VERIFIED("verified"),
  /** A short derivation in theory.md; constants are the project's, not a paper's. */
  DERIVED("derived"),
  /** A best guess at a paper's statement; never print it as the paper's number. */
  RECONSTRUCTED("reconstructed"),
  /** The author withdrew the paper making the claim (Husain & Balle, arXiv 2102.08093v2). */
  CLAIM_WITHDRAWN("claim withdrawn by its author");

  private final String label;

  Status(String label) {
    this.label = label;
  }

  /** Human-readable label for reports. */
  public String label() {
    return label;
  }
}
