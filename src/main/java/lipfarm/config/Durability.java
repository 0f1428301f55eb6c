package lipfarm.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.Set;

/**
 * How a farm survives crashes: where its journal lives, how often trainers checkpoint, and how
 * failed runs are retried. These farm-level keys are not part of any configuration id, so they may
 * change between a farm's sessions.
 *
 * @param journal {@code h2} (a file database in the farm directory) or {@code postgres}
 * @param journalUrl JDBC URL for postgres (else {@code LIPFARM_JOURNAL_URL}); empty for h2
 * @param journalUser database user (else {@code LIPFARM_JOURNAL_USER})
 * @param journalPassword database password (else {@code LIPFARM_JOURNAL_PASSWORD})
 * @param checkpointEvery epochs between trainer checkpoints; 0 disables checkpoints
 * @param maxRetries how often a failed run is retried before it is final
 * @param retryBackoffMillis wait before the first retry; doubled for each further retry
 * @param runTimeoutMillis time budget of one attempt (training and estimation); 0 = none
 * @param snapshotEvery epochs between the network snapshots a trainer hands its estimator while it
 *     trains; 0 = only the final network
 * @param snapshotSeconds seconds between such snapshots (whichever of the two comes first); 0 = off
 * @param snapshotShare at most this share of a run's compute goes to estimating intermediate
 *     snapshots (the final network always gets the full estimator budget)
 */
public record Durability(
    String journal,
    String journalUrl,
    String journalUser,
    String journalPassword,
    int checkpointEvery,
    int maxRetries,
    long retryBackoffMillis,
    long runTimeoutMillis,
    int snapshotEvery,
    int snapshotSeconds,
    double snapshotShare) {

  /** The farm-block keys read here. */
  public static final Set<String> KEYS =
      Set.of(
          "journal",
          "journal-url",
          "journal-user",
          "journal-password",
          "checkpoint-every",
          "max-retries",
          "retry-backoff",
          "run-timeout",
          "snapshot-every",
          "snapshot-seconds",
          "snapshot-share");

  public static Durability defaults() {
    return new Durability("h2", "", "", "", 1000, 2, 1000, 0, 500, 30, 0.1);
  }

  /** Reads and validates the durability keys of a {@code farm} block. */
  static Durability fromFarm(ConfigObject farm) {
    Durability d = defaults();
    String journal =
        farm.containsKey("journal") ? text(farm.get("journal"), "farm.journal") : d.journal;
    if (!journal.equals("h2") && !journal.equals("postgres")) {
      throw new ConfigException(
          "farm.journal",
          "'" + FarmText.excerpt(journal) + "' is not allowed; allowed values: h2, postgres");
    }
    String url =
        farm.containsKey("journal-url") ? text(farm.get("journal-url"), "farm.journal-url") : "";
    if (!url.isEmpty() && !url.startsWith("jdbc:postgresql:")) {
      throw new ConfigException(
          "farm.journal-url",
          "'"
              + FarmText.excerpt(url)
              + "' is not a PostgreSQL JDBC URL; expected jdbc:postgresql://HOST:PORT/DB");
    }
    String user =
        farm.containsKey("journal-user") ? text(farm.get("journal-user"), "farm.journal-user") : "";
    String password =
        farm.containsKey("journal-password")
            ? text(farm.get("journal-password"), "farm.journal-password")
            : "";
    int every = integer(farm, "checkpoint-every", d.checkpointEvery, 0, 100_000_000);
    int retries = integer(farm, "max-retries", d.maxRetries, 0, 100);
    long backoff =
        farm.containsKey("retry-backoff")
            ? millis(farm, "retry-backoff", 0, 3_600_000L)
            : d.retryBackoffMillis;
    long timeout =
        farm.containsKey("run-timeout")
            ? millis(farm, "run-timeout", 0, 30L * 24 * 3_600_000L)
            : d.runTimeoutMillis;
    int snapshotEvery = integer(farm, "snapshot-every", d.snapshotEvery, 0, 100_000_000);
    int snapshotSeconds = integer(farm, "snapshot-seconds", d.snapshotSeconds, 0, 86_400);
    double share =
        farm.containsKey("snapshot-share")
            ? ((Number)
                    FarmDefinition.Param.realClosed("snapshot-share", d.snapshotShare, 0, 0.5)
                        .read(farm.get("snapshot-share"), "farm.snapshot-share"))
                .doubleValue()
            : d.snapshotShare;
    return new Durability(
        journal,
        url,
        user,
        password,
        every,
        retries,
        backoff,
        timeout,
        snapshotEvery,
        snapshotSeconds,
        share);
  }

  /** The durability settings of a validated definition (re-read from its rendered farm block). */
  public static Durability of(FarmDefinition def) {
    return fromFarm(ConfigFactory.parseString(def.source()).root());
  }

  /** An integer farm key in [min, max], or {@code fallback} when it is absent. */
  private static int integer(ConfigObject farm, String key, int fallback, long min, long max) {
    if (!farm.containsKey(key)) {
      return fallback;
    }
    return (int)
        FarmDefinition.Param.integer(key, fallback, min, max).read(farm.get(key), "farm." + key);
  }

  private static String text(ConfigValue v, String key) {
    if (v.valueType() != ConfigValueType.STRING) {
      throw new ConfigException(key, "must be a string, got " + FarmDefinition.typeName(v));
    }
    return (String) v.unwrapped();
  }

  private static long millis(ConfigObject farm, String key, long min, long max) {
    ConfigValue v = farm.get(key);
    String full = "farm." + key;
    long ms;
    if (v.valueType() == ConfigValueType.NUMBER) {
      Number num = (Number) v.unwrapped();
      if (num.doubleValue() != Math.rint(num.doubleValue())) {
        throw new ConfigException(
            full,
            "must be whole milliseconds or a duration such as \"30s\" or \"10m\", got "
                + v.render());
      }
      ms = num.longValue();
    } else if (v.valueType() == ConfigValueType.STRING) {
      Config c = ConfigFactory.empty().withValue("v", v);
      try {
        Duration dur = c.getDuration("v");
        ms = dur.toMillis();
      } catch (com.typesafe.config.ConfigException e) {
        throw new ConfigException(
            full,
            "'"
                + FarmText.excerpt(String.valueOf(v.unwrapped()))
                + "' is not a duration; use for example \"500ms\", \"30s\", \"10m\" or \"2h\"");
      }
    } else {
      throw new ConfigException(
          full, "must be a duration such as \"30s\", got " + FarmDefinition.typeName(v));
    }
    if (ms < min || ms > max) {
      throw new ConfigException(full, ms + " ms is out of range [" + min + ", " + max + "] ms");
    }
    return ms;
  }
}
