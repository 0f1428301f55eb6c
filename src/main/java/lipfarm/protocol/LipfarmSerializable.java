package lipfarm.protocol;

/**
 * Marker for every message and event that may cross an actor boundary. Bound to Jackson CBOR in
 * {@code reference.conf}, so the same records work unchanged when runs become sharded entities.
 */
public interface LipfarmSerializable {}
