package lipfarm.bounds;

public enum Status {
  VERIFIED("verified"), DERIVED("derived"), RECONSTRUCTED("reconstructed"), CLAIM_WITHDRAWN("claim withdrawn by its author");
  private final String label;
  Status(String l) { label = l; }
  public String label() { return label; }
}
