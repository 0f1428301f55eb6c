package lipfarm.http;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import lipfarm.config.ConfigException;
import lipfarm.config.FarmDefinition;
import lipfarm.config.FarmText;
import lipfarm.config.RunConfig;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * The checks of {@code POST /farms}, cheapest first, all before anything is started: the body read
 * as data ({@link FarmText}), the service policy, the grid's size from its list sizes against
 * {@code --max-configurations}, the data files' real paths, and, on every point without expanding
 * the grid, the checks between keys and the run's size against {@code --max-run-cells}. Nothing
 * here can end the JVM: recursion is bounded by the depth limit, and a stack overflow is still
 * turned into an answer.
 */
final class SubmitCheck {
  private SubmitCheck() {}

  /** What the check concluded: a definition to run, or an answer to give. */
  sealed interface Outcome permits Accepted, Rejected {}

  /**
   * @param configurations how many configurations the grid spans (from the list sizes)
   */
  record Accepted(FarmDefinition definition, java.util.List<lipfarm.config.RunConfig> runs)
      implements Outcome {}

  record Rejected(StatusCode status, String message, String key, int line) implements Outcome {
    HttpResponse response() {
      return JsonErrors.of(status, message, key, line);
    }
  }

  /**
   * {@link #check} on the blocking dispatcher: checking every point of a grid at the cap takes
   * about a second, which must not hold a thread that serves requests.
   */
  static CompletionStage<Outcome> checkAsync(
      String body, ServiceConfig.Limits limits, ActorSystem<?> system) {
    return CompletableFuture.supplyAsync(
        () -> check(body, limits), system.dispatchers().lookup(DispatcherSelector.blocking()));
  }

  /** A configuration over the per-run size limit. */
  private static final class TooLarge extends RuntimeException {
    final String key;

    TooLarge(String key, String message) {
      super(message, null, false, false);
      this.key = key;
    }
  }

  static Outcome check(String body, ServiceConfig.Limits limits) {
    FarmText.Parsed parsed = null;
    try {
      parsed = FarmText.parse(body, limits.maxDepth());
      FarmDefinition def = parsed.definition();
      ServicePolicy.checkPlacement(def, parsed.root());
      long count = def.configurationCountBound(); // grid lists × zip length, before `where`
      if (count > limits.maxConfigurations()) {
        return new Rejected(
            StatusCodes.PAYLOAD_TOO_LARGE,
            "the grid spans "
                + (count == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : Long.toString(count))
                + " configurations; this service accepts at most "
                + limits.maxConfigurations()
                + " per farm (--max-configurations); nothing was started",
            "farm.grid",
            FarmText.lineOfKey(parsed.root(), "farm.grid"));
      }
      ServicePolicy.checkDataFiles(def, limits.dataDirs());
      // Expanded here, once, within the cap (which bounds the work and memory): expanding checks
      // every point, the grid language included, and the farm manager takes these configurations
      // as they are.
      List<RunConfig> runs = def.expand();
      String where = def.grid().isEmpty() ? "farm.defaults" : "farm.grid";
      for (RunConfig rc : runs) {
        double cells = RunSize.cells(rc);
        if (cells > limits.maxRunCells()) {
          throw new TooLarge(
              where,
              String.format(
                  "a configuration (n = %d, d = %d, hidden widths %s) would hold about %.3g"
                      + " numbers at once; this service accepts at most %d per run"
                      + " (--max-run-cells); nothing was started",
                  rc.n(),
                  rc.d(),
                  rc.hiddenLayerWidths().size() > 8
                      ? rc.hiddenLayerWidths().subList(0, 8) + "…"
                      : rc.hiddenLayerWidths(),
                  cells,
                  limits.maxRunCells()));
        }
      }
      return new Accepted(def, runs);
    } catch (TooLarge e) {
      return new Rejected(
          StatusCodes.PAYLOAD_TOO_LARGE,
          e.getMessage(),
          e.key,
          FarmText.lineOfKey(parsed.root(), e.key));
    } catch (FarmText.Refused e) {
      return new Rejected(StatusCodes.BAD_REQUEST, e.detail(), e.key(), e.line());
    } catch (ConfigException e) {
      String detail = e.getMessage();
      if (detail.startsWith(e.key() + ": ")) {
        detail = detail.substring(e.key().length() + 2);
      }
      int line = parsed == null ? 0 : FarmText.lineOfKey(parsed.root(), e.key());
      return new Rejected(StatusCodes.BAD_REQUEST, detail, FarmText.excerpt(e.key()), line);
    } catch (StackOverflowError e) {
      return new Rejected(
          StatusCodes.BAD_REQUEST, "the body is nested too deeply to read", "FILE", 0);
    }
  }
}
