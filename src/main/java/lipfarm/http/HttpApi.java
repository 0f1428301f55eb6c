package lipfarm.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import lipfarm.config.FarmDefinition;
import lipfarm.farm.EventJournal;
import lipfarm.farm.FarmManager;
import lipfarm.reporting.EventJson;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of the service; see README "Service mode and monitoring" and docs/events.md. Every
 * error is a JSON object {@code {"error": ..., "key": ...}} without internals; the full exception
 * goes to the log. The event stream ({@code GET /events}) is {@link EventStreamRoutes}; this class
 * holds the farm routes, metrics, authorization and the error and rejection handling.
 */
final class HttpApi extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  private static final Duration ASK = Duration.ofSeconds(10);
  private static final Duration CANCEL_WAIT = Duration.ofSeconds(30);
  private static final ContentType MARKDOWN =
      MediaTypes.applicationWithOpenCharset("markdown")
          .toContentType(org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8);

  private final ActorSystem<?> system;
  private final ActorRef<FarmManager.Command> manager;
  private final PrometheusMeterRegistry registry;
  private final ServiceConfig config;
  private final byte[] token;
  private final ObjectMapper mapper =
      EventJson.newMapper().copy().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  private final EventStreamRoutes events;

  HttpApi(
      ActorSystem<?> system,
      ActorRef<FarmManager.Command> manager,
      ActorRef<EventJournal.Command> eventLog,
      PrometheusMeterRegistry registry,
      ServiceConfig config) {
    this.system = system;
    this.manager = manager;
    this.registry = registry;
    this.config = config;
    this.token = config.token() == null ? null : config.token().getBytes(StandardCharsets.UTF_8);
    this.events =
        new EventStreamRoutes(system, manager, eventLog, registry, config.heartbeat(), ASK);
  }

  Route routes() {
    return handleExceptions(
        exceptions(),
        () ->
            handleRejections(
                rejections(),
                () ->
                    concat(
                        path(
                            "health",
                            () ->
                                get(
                                    () ->
                                        complete(
                                            json(
                                                StatusCodes.OK,
                                                mapper.createObjectNode().put("status", "ok"))))),
                        path("metrics", () -> get(this::metrics)),
                        path("events", () -> get(events::events)),
                        pathPrefix(
                            "farms",
                            () ->
                                concat(
                                    pathEnd(
                                        () ->
                                            concat(
                                                get(this::listFarms),
                                                post(() -> authorized(this::submit)))),
                                    pathPrefix(
                                        PathMatchers.segment(),
                                        id ->
                                            concat(
                                                pathEnd(
                                                    () ->
                                                        concat(
                                                            get(() -> getFarm(id)),
                                                            delete(
                                                                () ->
                                                                    authorized(() -> cancel(id))))),
                                                path("results", () -> get(() -> results(id))),
                                                path("report", () -> get(() -> report(id))))))))));
  }

  // ---- errors ---------------------------------------------------------------------------------

  static HttpResponse error(StatusCode status, String message, String key) {
    return JsonErrors.of(status, message, key, 0);
  }

  private HttpResponse json(StatusCode status, Object body) {
    try {
      return HttpResponse.create()
          .withStatus(status)
          .withEntity(
              HttpEntities.create(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(body)));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .match(
            org.apache.pekko.http.scaladsl.model.EntityStreamSizeException.class,
            e ->
                complete(
                    error(
                        StatusCodes.PAYLOAD_TOO_LARGE,
                        "request body larger than " + config.maxBodyBytes() + " bytes",
                        null)))
        .match(
            Throwable.class,
            e -> {
              if (JsonErrors.isTimeout(e)) {
                // Not an internal error: the farm's host is busy or, in a cluster, the farm is
                // moving to another node. The client should retry.
                log.warn("request not answered in time: {}", e.toString());
                return complete(JsonErrors.unavailable());
              }
              log.error("request failed", e);
              return complete(
                  error(
                      StatusCodes.INTERNAL_SERVER_ERROR,
                      "internal error; see the service log",
                      null));
            })
        .build();
  }

  private RejectionHandler rejections() {
    return RejectionHandler.defaultHandler()
        .mapRejectionResponse(
            resp -> {
              if (resp.entity() instanceof HttpEntity.Strict s
                  && !s.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
                String text = s.getData().utf8String();
                StatusCode status = resp.status();
                if (text.contains("EntityStreamSizeException")
                    || text.contains("exceeded content length limit")) {
                  status = StatusCodes.PAYLOAD_TOO_LARGE;
                  text = "request body larger than " + config.maxBodyBytes() + " bytes";
                }
                return error(status, JsonErrors.clean(text), null).addHeaders(resp.getHeaders());
              }
              return resp;
            });
  }

  private Route authorized(Supplier<Route> inner) {
    if (token == null) {
      return inner.get();
    }
    return optionalHeaderValueByName(
        "Authorization",
        h -> {
          String given =
              // The scheme is case-insensitive (RFC 7235); the token is trimmed, and a configured
              // token never has spaces (ServiceConfig refuses them).
              h.filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7))
                  .map(v -> v.substring(7).trim())
                  .orElse("");
          if (MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token)) {
            return inner.get();
          }
          return complete(
              error(
                      StatusCodes.UNAUTHORIZED,
                      "this request needs the header 'Authorization: Bearer <token>'",
                      null)
                  .addHeader(
                      org.apache.pekko.http.javadsl.model.HttpHeader.parse(
                          "WWW-Authenticate", "Bearer realm=\"lipfarm\"")));
        });
  }

  // ---- farms ----------------------------------------------------------------------------------

  private <T> CompletionStage<T> ask(
      Function<ActorRef<T>, FarmManager.Command> msg, Duration timeout) {
    return AskPattern.ask(manager, msg::apply, timeout, system.scheduler());
  }

  private Route submit() {
    return new SafeBody(config.maxBodyBytes(), system).limited(this::readAndSubmit);
  }

  private Route readAndSubmit() {
    return withSizeLimit(
        config.maxBodyBytes(),
        () ->
            entity(
                Unmarshaller.entityToString(),
                body ->
                    onSuccess(
                        SubmitCheck.checkAsync(body, config.limits(), system),
                        checked -> {
                          if (checked instanceof SubmitCheck.Rejected rejected) {
                            return complete(rejected.response());
                          }
                          SubmitCheck.Accepted accepted = (SubmitCheck.Accepted) checked;
                          FarmDefinition def = accepted.definition();
                          String note = ServicePolicy.ignoredKeys(def);
                          CompletionStage<HttpResponse> r =
                              this.<FarmManager.Submitted>ask(
                                      replyTo ->
                                          new FarmManager.Submit(
                                              def, accepted.runs(), note, replyTo),
                                      ASK)
                                  .thenApply(
                                      s -> {
                                        if (s.status() == null) {
                                          return error(
                                              StatusCodes.INTERNAL_SERVER_ERROR, s.error(), null);
                                        }
                                        return json(StatusCodes.CREATED, s.status())
                                            .addHeader(
                                                Location.create("/farms/" + s.status().id()));
                                      });
                          return completeWithFuture(r);
                        })));
  }

  private Route listFarms() {
    return completeWithFuture(
        this.<FarmManager.FarmList>ask(FarmManager.ListFarms::new, ASK)
            .thenApply(
                l ->
                    json(
                        StatusCodes.OK,
                        mapper.createObjectNode().set("farms", mapper.valueToTree(l.farms())))));
  }

  static HttpResponse notFound(String id) {
    return error(StatusCodes.NOT_FOUND, "no farm with id '" + id + "'", null);
  }

  private Route getFarm(String id) {
    return completeWithFuture(
        this.<FarmManager.Lookup>ask(r -> new FarmManager.GetFarm(id, r), ASK)
            .thenApply(l -> l.status() == null ? notFound(id) : json(StatusCodes.OK, l.status())));
  }

  private Route cancel(String id) {
    CompletionStage<HttpResponse> r =
        this.<FarmManager.Lookup>ask(rep -> new FarmManager.CancelFarm(id, rep), CANCEL_WAIT)
            .thenApply(
                l -> {
                  if (l.status() == null) {
                    return notFound(id);
                  }
                  if ("finished".equals(l.status().state())) {
                    ObjectNode n =
                        mapper
                            .createObjectNode()
                            .put("error", "farm '" + id + "' had already finished");
                    n.set("farm", mapper.valueToTree(l.status()));
                    return json(StatusCodes.CONFLICT, n);
                  }
                  return json(StatusCodes.OK, l.status());
                })
            .exceptionally(
                e ->
                    error(
                        StatusCodes.ACCEPTED,
                        "cancellation requested; the farm has not stopped yet (watch GET /farms/"
                            + id
                            + ")",
                        null));
    return completeWithFuture(r);
  }

  private Route results(String id) {
    return completeWithFuture(
        this.<FarmManager.Results>ask(r -> new FarmManager.GetResults(id, r), ASK)
            .thenApply(
                res -> {
                  if (res.status() == null) {
                    return notFound(id);
                  }
                  ObjectNode n = mapper.createObjectNode();
                  n.set("farm", mapper.valueToTree(res.status()));
                  n.put("complete", res.status().reportWritten());
                  n.set("runs", mapper.valueToTree(res.runs()));
                  return json(StatusCodes.OK, n);
                }));
  }

  private Route report(String id) {
    return completeWithFuture(
        this.<FarmManager.Lookup>ask(r -> new FarmManager.GetFarm(id, r), ASK)
            .thenApply(
                l -> {
                  if (l.status() == null) {
                    return notFound(id);
                  }
                  if (!l.status().reportWritten()) {
                    return error(
                        StatusCodes.CONFLICT,
                        "farm '"
                            + id
                            + "' is "
                            + l.status().state()
                            + "; its report is written when it ends",
                        null);
                  }
                  try {
                    byte[] md = Files.readAllBytes(Path.of(l.status().dir()).resolve("report.md"));
                    return HttpResponse.create().withEntity(HttpEntities.create(MARKDOWN, md));
                  } catch (IOException e) {
                    log.error("cannot read the report of {}", id, e);
                    return error(
                        StatusCodes.INTERNAL_SERVER_ERROR,
                        "cannot read the report; see the service log",
                        null);
                  }
                }));
  }

  // ---- metrics --------------------------------------------------------------------------------

  private Route metrics() {
    return complete(
        HttpResponse.create()
            .withEntity(
                HttpEntities.create(
                    ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8"),
                    registry.scrape().getBytes(StandardCharsets.UTF_8))));
  }
}
