/**
 * Closed-form law-of-robustness bounds F0–F11 of {@code theory.md} section 6, each with its
 * provenance label ({@link lipfarm.bounds.Status}) and applicability. Pure numerics: no actor or
 * ND4J dependencies.
 */
package lipfarm.bounds;
