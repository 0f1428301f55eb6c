package lipfarm.http;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * Answers requests too malformed to reach the routes (bad request line, oversized headers or URI)
 * with the service's JSON error body. Named by {@code pekko.http.server.parsing.error-handler}.
 */
public final class JsonParsingErrors extends org.apache.pekko.http.ParsingErrorHandler {
  @Override
  public HttpResponse handle(
      StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    log.warning("malformed request: {}: {}", status, info.summary());
    return JsonErrors.of(status, JsonErrors.clean(status.reason() + ": " + info.summary()));
  }
}
