package lipfarm.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;
import lipfarm.config.FarmText;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * Every error answer of the service: {@code {"error": ..., "key": ..., "line": ...}} ({@code key}
 * and {@code line} when known), bounded in length, without stack traces, class names or absolute
 * paths of the server.
 */
final class JsonErrors {
  private JsonErrors() {}

  /** Longest {@code error} text; the longest real one lists the allowed keys (~700 characters). */
  static final int MAX_MESSAGE = 1000;

  static final int MAX_KEY = 160;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  // A Java or Scala class name (java.lang.Foo, org.apache.pekko.X$Y) and an absolute path.
  private static final Pattern CLASS_NAME =
      Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*");
  private static final Pattern ABSOLUTE_PATH = Pattern.compile("(?<![\\w.:])/(?:[^\\s/'\"]+/)+");

  static HttpResponse of(StatusCode status, String message) {
    return of(status, message, null, 0);
  }

  static HttpResponse of(StatusCode status, String message, String key, int line) {
    ObjectNode n = MAPPER.createObjectNode().put("error", bound(message, MAX_MESSAGE));
    if (key != null) {
      n.put("key", bound(key, MAX_KEY));
    }
    if (line > 0) {
      n.put("line", line);
    }
    try {
      return HttpResponse.create()
          .withStatus(status)
          .withEntity(
              HttpEntities.create(ContentTypes.APPLICATION_JSON, MAPPER.writeValueAsBytes(n)));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The answer when a request is not answered within pekko.http.server.request-timeout. */
  static HttpResponse timeout(HttpRequest request) {
    return of(
        StatusCodes.SERVICE_UNAVAILABLE,
        "the request was not answered in time; the service is busy, retry later");
  }

  /** Seconds a client is told to wait before retrying a 503. */
  static final long RETRY_AFTER_SECONDS = 5;

  /** A 503 with Retry-After: the actor that answers did not do so in time. */
  static HttpResponse unavailable() {
    return of(
            StatusCodes.SERVICE_UNAVAILABLE,
            "the farm did not answer in time (busy, or moving to another node); retry later")
        .addHeader(
            org.apache.pekko.http.javadsl.model.headers.RetryAfter.create(RETRY_AFTER_SECONDS));
  }

  /** An ask that timed out, possibly wrapped by the futures in between. */
  static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * A message written by a library (a rejection, an HTTP parsing error) made fit for a client: one
   * line, without class names or absolute paths, bounded.
   */
  static String clean(String text) {
    if (text == null) {
      return "";
    }
    String t = text.replaceAll("\\s+", " ").trim();
    t = CLASS_NAME.matcher(t).replaceAll("…");
    t = ABSOLUTE_PATH.matcher(t).replaceAll("…/");
    return bound(t, MAX_MESSAGE);
  }

  /** Bounded, and printable: an unpaired surrogate could not even be encoded as UTF-8. */
  private static String bound(String s, int max) {
    if (s == null) {
      return "";
    }
    String p = FarmText.printable(s);
    return p.length() <= max ? p : p.substring(0, max) + "…";
  }
}
