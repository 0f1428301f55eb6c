package lipfarm.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.ExecutionException;
import lipfarm.farm.FarmRuntime;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code lipfarm run --http-port}: the service's read-only endpoints ({@code /metrics}, {@code
 * /health}, {@code /events}, {@code /farms}, {@code /farms/{id}}, {@code /farms/{id}/results}) for
 * the farm a CLI session runs, on the same runtime; requests that would change state answer 405.
 */
public final class WatchServer extends AllDirectives {
  private WatchServer() {}

  /** Binds to {@code config.host()} (loopback unless a token is configured) and port. */
  public static ServerBinding start(
      FarmRuntime runtime, PrometheusMeterRegistry registry, ServiceConfig config)
      throws ExecutionException, InterruptedException {
    HttpApi api =
        new HttpApi(runtime.system(), runtime.manager(), runtime.eventLog(), registry, config);
    WatchServer w = new WatchServer();
    return Http.get(runtime.system())
        .newServerAt(config.host(), config.port())
        .bind(new RouteGuard().wrap(w.readOnly(api.routes())))
        .toCompletableFuture()
        .get();
  }

  private Route readOnly(Route inner) {
    HttpResponse refused =
        HttpResponse.create()
            .withStatus(StatusCodes.METHOD_NOT_ALLOWED)
            .withEntity(
                HttpEntities.create(
                    ContentTypes.APPLICATION_JSON,
                    "{\"error\":\"read-only: this is a lipfarm run session; submit and cancel"
                        + " farms through lipfarm serve\"}"));
    return concat(
        method(HttpMethods.POST, () -> complete(refused)),
        method(HttpMethods.DELETE, () -> complete(refused)),
        method(HttpMethods.PUT, () -> complete(refused)),
        inner);
  }
}
