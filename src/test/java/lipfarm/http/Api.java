package lipfarm.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/** A real HTTP client for the service under test: JSON requests and an SSE line reader. */
final class Api {
  final String base;
  final String token;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final ObjectMapper mapper = new ObjectMapper();

  Api(String base, String token) {
    this.base = base;
    this.token = token;
  }

  record Response(int status, String body, HttpResponse<String> raw) {
    JsonNode json() {
      try {
        return new ObjectMapper().readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  Response send(HttpRequest.Builder b) {
    try {
      HttpResponse<String> r =
          http.send(
              b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpRequest.Builder req(String path) {
    return HttpRequest.newBuilder(URI.create(base + path));
  }

  HttpRequest.Builder authed(String path) {
    HttpRequest.Builder b = req(path);
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  Response get(String path) {
    return send(req(path).GET());
  }

  Response post(String path, String body) {
    return send(
        authed(path)
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  Response delete(String path) {
    return send(authed(path).DELETE());
  }

  /** Submits a farm and returns its id. */
  String submit(String hocon) {
    Response r = post("/farms", hocon);
    if (r.status() != 201) {
      throw new AssertionError("POST /farms: " + r.status() + " " + r.body());
    }
    return r.json().get("id").asText();
  }

  /** One server-sent event. */
  record Sse(String id, String event, String data) {}

  /** An open event stream, read line by line. */
  final class EventStream implements AutoCloseable {
    private final java.util.stream.Stream<String> lines;
    private final Iterator<String> it;
    int heartbeats;

    EventStream(java.util.stream.Stream<String> lines) {
      this.lines = lines;
      this.it = lines.iterator();
    }

    /**
     * The next event; heartbeats (events with empty data and no id or type, or comment lines) are
     * counted and skipped. Null at end of stream.
     */
    Sse next() {
      while (true) {
        Sse e = read();
        if (e == null || !isHeartbeat(e)) {
          return e;
        }
        heartbeats++;
      }
    }

    private boolean isHeartbeat(Sse e) {
      return e.id() == null && e.event() == null && e.data().isEmpty();
    }

    /** The next event or heartbeat; null at end of stream. */
    private Sse read() {
      String id = null;
      String event = null;
      StringBuilder data = null;
      while (it.hasNext()) {
        String line = it.next();
        if (line.isEmpty()) {
          if (data != null || event != null || id != null) {
            return new Sse(id, event, data == null ? "" : data.toString());
          }
          continue;
        }
        if (line.startsWith(":")) {
          heartbeats++;
          continue;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
          value = value.substring(1);
        }
        switch (field) {
          case "id" -> id = value;
          case "event" -> event = value;
          case "data" ->
              data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
          default -> {}
        }
      }
      return null;
    }

    /** Reads events up to and including the first that matches {@code last}. */
    List<Sse> until(Predicate<Sse> last) {
      List<Sse> out = new ArrayList<>();
      while (true) {
        Sse e = next();
        if (e == null) {
          throw new AssertionError("stream ended after " + out.size() + " events");
        }
        out.add(e);
        if (last.test(e)) {
          return out;
        }
      }
    }

    /** Reads until {@code n} heartbeats have arrived; returns the events in between. */
    List<Sse> untilHeartbeats(int n) {
      List<Sse> out = new ArrayList<>();
      while (heartbeats < n) {
        Sse e = read();
        if (e == null) {
          throw new AssertionError("stream ended");
        }
        if (isHeartbeat(e)) {
          heartbeats++;
        } else {
          out.add(e);
        }
      }
      return out;
    }

    @Override
    public void close() {
      lines.close();
    }
  }

  /** Opens {@code /events...}; returns once the response headers have arrived. */
  EventStream events(String query, String lastEventId) {
    HttpRequest.Builder b = req("/events" + query).header("Accept", "text/event-stream").GET();
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    try {
      HttpResponse<java.util.stream.Stream<String>> r =
          http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
      if (r.statusCode() != 200) {
        String body = String.join("\n", r.body().toList());
        throw new AssertionError("GET /events" + query + ": " + r.statusCode() + " " + body);
      }
      return new EventStream(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static boolean isEnd(Sse e) {
    return "FarmFinished".equals(e.event()) || "FarmCancelled".equals(e.event());
  }
}
