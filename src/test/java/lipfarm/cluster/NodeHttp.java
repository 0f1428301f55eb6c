package lipfarm.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real HTTP client for one node's API: JSON answers and the event stream's data lines. */
record NodeHttp(String base, String token) {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  JsonNode get(String path) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + base + path + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  String text(String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Submits a farm; its id. */
  String submit(String hocon) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/farms"))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(hocon));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new AssertionError("POST /farms: " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body()).get("id").asText();
  }

  /**
   * The {@code data:} lines of the event stream {@code path} from its start, until {@code count}
   * have arrived or {@code seconds} passed.
   */
  List<JsonNode> events(String path, int count, long seconds) throws Exception {
    HttpResponse<InputStream> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
            HttpResponse.BodyHandlers.ofInputStream());
    List<JsonNode> got = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while (got.size() < count && (line = in.readLine()) != null) {
                  if (line.startsWith("data:")) {
                    got.add(JSON.readTree(line.substring(5).strip()));
                  }
                }
              } catch (Exception e) {
                // the stream was closed: return what arrived
              }
            });
    reader.setDaemon(true);
    reader.start();
    reader.join(TimeUnit.SECONDS.toMillis(seconds));
    r.body().close();
    return new ArrayList<>(got);
  }
}
