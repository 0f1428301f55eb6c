/**
 * Lipschitz-constant estimation for fully connected networks on plain {@code double[]} arrays:
 * exact forward passes and input gradients ({@link lipfarm.estimation.NetworkMath}) and an anytime
 * sandwich of certified lower and upper bounds ({@link lipfarm.estimation.LipschitzSandwich}).
 *
 * <p>This package is pure numerics: no actor, ND4J or I/O dependencies.
 */
package lipfarm.estimation;
