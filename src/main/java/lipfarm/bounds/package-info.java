/**
 * Closed-form law-of-robustness bounds F0–F11 of {@code theory.md} section 6, each with its
 * provenance label ({@link lipfarm.bounds.Status}) and applicability. Pure numerics: no actor or
 * ND4J dependencies.
 *
 * <p>A bound is reported only where its assumptions hold, otherwise not applicable with the reason
 * ({@link lipfarm.bounds.Sampling} carries the data and label model):
 *
 * <ul>
 *   <li>F1, F2, F3, F8 (Rademacher arguments) need labels i.i.d. uniform ±1 independent of x
 *       ({@code labels = random}); teacher, cluster and noisy class labels: not applicable. F2 and
 *       F3 need depth 2; F8 a bias-free net; F9 exactly where F8 applies.
 *   <li>F5 (Bubeck–Sellke) needs σ² = E Var(y|x) known and positive (random labels 1, teacher
 *       labels flipped with probability η: 4η(1 − η); cluster and file labels: unknown) and an
 *       isoperimetry constant of the data model (sphere d/(d−1), Gaussian 1, cube 2d/π, each
 *       mixture component 1 with K components in the precondition, files: none).
 *   <li>F10 holds for any labels the net fits; F4, F6, F7 are shapes with unknown constants.
 * </ul>
 */
package lipfarm.bounds;
