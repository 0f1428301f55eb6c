package lipfarm.farm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import lipfarm.config.Durability;

/**
 * Where a farm's journal lives: an H2 file database {@code <farm dir>/journal} by default (no
 * server), or PostgreSQL. Creates the pekko-persistence-jdbc tables when they are missing, from the
 * DDL shipped in its jar.
 *
 * @param kind {@code h2} or {@code postgres}
 * @param url the JDBC URL
 */
public record JournalDatabase(String kind, String url, String user, String password) {

  /**
   * @param env the process environment ({@code LIPFARM_JOURNAL_URL}, {@code _USER}, {@code
   *     _PASSWORD} supply what the farm file leaves out)
   * @throws IllegalArgumentException if postgres is asked for without a URL
   */
  public static JournalDatabase of(Durability d, Path farmDir, Map<String, String> env) {
    if (d.journal().equals("postgres")) {
      String url =
          !d.journalUrl().isEmpty() ? d.journalUrl() : env.getOrDefault("LIPFARM_JOURNAL_URL", "");
      if (url.isEmpty()) {
        throw new IllegalArgumentException(
            "farm.journal = postgres needs farm.journal-url or LIPFARM_JOURNAL_URL (jdbc:postgresql://HOST:PORT/DB)");
      }
      String user =
          !d.journalUser().isEmpty()
              ? d.journalUser()
              : env.getOrDefault("LIPFARM_JOURNAL_USER", "");
      String password =
          !d.journalPassword().isEmpty()
              ? d.journalPassword()
              : env.getOrDefault("LIPFARM_JOURNAL_PASSWORD", "");
      return new JournalDatabase("postgres", url, user, password);
    }
    try {
      return h2(h2BaseOf(farmDir.toAbsolutePath()));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read " + farmDir.resolve(LOCATION_FILE), e);
    }
  }

  /**
   * The journal of a service whose output root is {@code root}: PostgreSQL when {@code
   * LIPFARM_JOURNAL_URL} is set, else an H2 file {@code root/journal.mv.db} shared by its farms.
   */
  public static JournalDatabase forService(Path root, Map<String, String> env) {
    String url = env.getOrDefault("LIPFARM_JOURNAL_URL", "");
    if (!url.isEmpty()) {
      return new JournalDatabase(
          "postgres",
          url,
          env.getOrDefault("LIPFARM_JOURNAL_USER", ""),
          env.getOrDefault("LIPFARM_JOURNAL_PASSWORD", ""));
    }
    return h2(root.toAbsolutePath().resolve("journal"));
  }

  /** An H2 file database {@code base.mv.db}. */
  public static JournalDatabase h2(Path base) {
    // WRITE_DELAY=0: a commit is written before it is acknowledged, so a kill loses no event.
    // async: the same file through an AsynchronousFileChannel, which a thread's interrupt does not
    // close: with H2's default FileChannel, a journal write interrupted by a shutting-down executor
    // closed the whole database for every later connection in the JVM (a service restarted in
    // the same JVM could not open its journal: JournalInterruptTest).
    return new JournalDatabase(
        "h2",
        "jdbc:h2:async:" + base.toAbsolutePath() + ";DATABASE_TO_UPPER=false;WRITE_DELAY=0",
        "sa",
        "");
  }

  /**
   * Where a farm directory's journal lives: the file {@value #LOCATION_FILE} (written for farms of
   * a service) names the H2 base path relative to the directory; without it, the farm's own {@code
   * journal} file.
   */
  public static final String LOCATION_FILE = "journal.location";

  public static Path h2BaseOf(Path farmDir) throws java.io.IOException {
    Path loc = farmDir.resolve(LOCATION_FILE);
    if (java.nio.file.Files.isRegularFile(loc)) {
      return farmDir.resolve(java.nio.file.Files.readString(loc).strip()).normalize();
    }
    return farmDir.resolve("journal");
  }

  /** How long one journal write may take before the farm fails (see {@link #config}). */
  static final String JOURNAL_CALL_TIMEOUT = "120s";

  private static String quote(String s) {
    return ConfigValueFactory.fromAnyRef(s).render();
  }

  /** The persistence plugins bound to this database (one shared Slick database). */
  public Config config() {
    String profile =
        kind.equals("postgres") ? "slick.jdbc.PostgresProfile$" : "slick.jdbc.H2Profile$";
    String driver = kind.equals("postgres") ? "org.postgresql.Driver" : "org.h2.Driver";
    return ConfigFactory.parseString(
        String.join(
            "\n",
            "pekko.persistence.journal.plugin = \"jdbc-journal\"",
            "pekko.persistence.snapshot-store.plugin = \"jdbc-snapshot-store\"",
            "jdbc-journal.use-shared-db = \"lipfarm\"",
            "jdbc-snapshot-store.use-shared-db = \"lipfarm\"",
            "jdbc-read-journal.use-shared-db = \"lipfarm\"",
            "pekko-persistence-jdbc.shared-databases.lipfarm {",
            "  profile = " + quote(profile),
            "  db {",
            "    url = " + quote(url),
            "    user = " + quote(user),
            "    password = " + quote(password),
            "    driver = " + quote(driver),
            "    numThreads = 2",
            "    maxConnections = 2",
            "    minConnections = 1",
            "    connectionTimeout = 60s",
            "  }",
            "}",
            // A journal write that outlasts the circuit breaker's call timeout (Pekko's default
            // 10 s) stops the farm's journal and fails the farm. A farm at nice 19 on a busy
            // machine, or a PostgreSQL failover, can stall that long: wait for two minutes.
            "jdbc-journal.circuit-breaker.call-timeout = " + JOURNAL_CALL_TIMEOUT,
            "jdbc-snapshot-store.circuit-breaker.call-timeout = " + JOURNAL_CALL_TIMEOUT));
  }

  /** Opens the database and creates the journal and snapshot tables if missing. */
  public void createSchemaIfMissing() throws SQLException {
    String resource =
        kind.equals("postgres")
            ? "schema/postgres/postgres-create-schema.sql"
            : "schema/h2/h2-create-schema.sql";
    String ddl;
    try (InputStream in = JournalDatabase.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new SQLException(
            "pekko-persistence-jdbc's " + resource + " is not on the class path");
      }
      ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SQLException("cannot read " + resource, e);
    }
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement st = c.createStatement()) {
      for (String raw : ddl.split(";")) {
        String sql = raw.strip();
        if (sql.isEmpty() || sql.contains("durable_state") || sql.contains("global_offset_seq")) {
          continue; // lipfarm uses the event journal and snapshots only
        }
        sql =
            sql.replace("CREATE UNIQUE INDEX \"", "CREATE UNIQUE INDEX IF NOT EXISTS \"")
                .replace(
                    "CREATE UNIQUE INDEX event_journal",
                    "CREATE UNIQUE INDEX IF NOT EXISTS event_journal");
        st.execute(sql);
      }
    }
  }

  /** The URL without credentials, for messages. */
  public String describe() {
    return kind + " " + url.replaceAll("password=[^&;]*", "password=***");
  }
}
