package lipfarm.farm;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A real server-sent-events client (java.net.http) reading a stream on a thread of its own, so a
 * test can watch it while the server is killed. Heartbeats (no id, no type, empty data) are
 * skipped.
 */
final class SseClient implements AutoCloseable {
  record Event(long id, String type, String data) {}

  final List<Event> events = new CopyOnWriteArrayList<>();
  final int status;
  private final Thread reader;
  private final Stream<String> lines;
  private volatile boolean ended;

  /**
   * Opens {@code url}, with {@code Last-Event-ID} when {@code lastEventId} is not null; returns
   * once the response headers are in.
   */
  SseClient(String url, Long lastEventId) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      b.header("Last-Event-ID", Long.toString(lastEventId));
    }
    HttpResponse<Stream<String>> r =
        http.send(b.GET().build(), HttpResponse.BodyHandlers.ofLines());
    status = r.statusCode();
    lines = r.body();
    reader = new Thread(this::read, "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    Long id = null;
    String type = null;
    StringBuilder data = null;
    try {
      for (var it = lines.iterator(); it.hasNext(); ) {
        String line = it.next();
        if (line.isEmpty()) {
          if (id != null || type != null || (data != null && data.length() > 0)) {
            events.add(new Event(id == null ? -1 : id, type, data == null ? "" : data.toString()));
          }
          id = null;
          type = null;
          data = null;
        } else if (line.startsWith(":")) {
          continue; // comment
        } else {
          int colon = line.indexOf(':');
          String field = colon < 0 ? line : line.substring(0, colon);
          String value = colon < 0 ? "" : line.substring(colon + 1);
          if (value.startsWith(" ")) {
            value = value.substring(1);
          }
          switch (field) {
            case "id" -> id = Long.parseLong(value);
            case "event" -> type = value;
            case "data" -> {
              if (data == null) {
                data = new StringBuilder(value);
              } else {
                data.append('\n').append(value);
              }
            }
            default -> {}
          }
        }
      }
    } catch (RuntimeException e) {
      // the server went away (killed): the stream simply ends
    } finally {
      ended = true;
    }
  }

  boolean ended() {
    return ended;
  }

  /** Waits until an event matches; fails after the timeout. */
  Event await(Predicate<Event> p, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      for (Event e : events) {
        if (p.test(e)) {
          return e;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no matching event within " + seconds + " s; got " + events.size());
  }

  /** Waits until the stream has ended (the server closed it or died). */
  boolean awaitEnd(long seconds) throws InterruptedException {
    reader.join(TimeUnit.SECONDS.toMillis(seconds));
    return ended;
  }

  @Override
  public void close() {
    lines.close();
  }
}
