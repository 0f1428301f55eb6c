package lipfarm.http;

import java.util.OptionalLong;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Refuses a body whose declared length is over the limit before reading it, and reads (discards) it
 * all the same before answering: a server that closes the connection with the body unread makes the
 * client's TCP stack reset it, and the client loses the 413. The server-wide length limit ({@link
 * FarmService#systemConfig}) bounds what is discarded.
 */
final class SafeBody extends AllDirectives {
  private final long maxBytes;
  private final ActorSystem<?> system;

  SafeBody(long maxBytes, ActorSystem<?> system) {
    this.maxBytes = maxBytes;
    this.system = system;
  }

  /** How much the server reads at most, to discard an oversized body politely. */
  static long discardLimit(long maxBytes) {
    return Math.max(maxBytes * 16, 1 << 20);
  }

  Route limited(Supplier<Route> inner) {
    return extractRequestEntity(
        entity -> {
          OptionalLong declared = entity.getContentLengthOption();
          if (declared.isPresent() && declared.getAsLong() > maxBytes) {
            return onComplete(
                entity.discardBytes(system).completionStage(),
                done ->
                    complete(
                        JsonErrors.of(
                            StatusCodes.PAYLOAD_TOO_LARGE,
                            "request body of "
                                + declared.getAsLong()
                                + " bytes is larger than "
                                + maxBytes
                                + " bytes")));
          }
          return inner.get();
        });
  }
}
