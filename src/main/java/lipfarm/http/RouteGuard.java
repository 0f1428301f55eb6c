package lipfarm.http;

import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** Wraps the service's routes in what every answer needs: a JSON body when a request times out. */
final class RouteGuard extends AllDirectives {
  Route wrap(Route inner) {
    return withRequestTimeoutResponse(JsonErrors::timeout, () -> inner);
  }
}
