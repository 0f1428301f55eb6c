package lipfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import lipfarm.farm.JournalDatabase;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal write that stalls for longer than Pekko's default circuit-breaker timeout (10 s) and
 * than the 60 s the farm's actors once waited for the journal, as on a machine busy enough to
 * starve a farm at nice 19, does not fail the farm: it finishes every run. The stall is real: an H2
 * trigger on the journal's table sleeps inside one insert, while the first run ends and asks the
 * journal to record its result.
 */
@Tag("slow")
class SlowJournalTest {
  /**
   * Longer than Pekko's default call-timeout (10 s) and the old 60 s waits; below lipfarm's 120 s.
   */
  static final long STALL_MILLIS = 70_000;

  @TempDir Path tmp;

  /** Sleeps inside the insert of the farm's third event (its first run's events follow). */
  public static final class Stall implements org.h2.api.Trigger {
    @Override
    public void fire(Connection conn, Object[] oldRow, Object[] newRow) {
      // columns: ordering, deleted, persistence_id, sequence_number, ...
      if (String.valueOf(newRow[2]).contains("|slow|") && ((Number) newRow[3]).longValue() == 3) {
        try {
          Thread.sleep(STALL_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  @Test
  void aJournalWriteStalledForAMinuteDoesNotFailTheFarm() throws Exception {
    Path runs = tmp.resolve("runs");
    Path dir = runs.resolve("slow");
    Files.createDirectories(dir);
    // The farm's own journal, created ahead of the run to carry the stalling trigger.
    JournalDatabase db = JournalDatabase.h2(dir.resolve("journal"));
    db.createSchemaIfMissing();
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      c.createStatement()
          .execute(
              "CREATE TRIGGER stall BEFORE INSERT ON PUBLIC.\"event_journal\" FOR EACH ROW CALL \""
                  + Stall.class.getName()
                  + "\"");
    }
    Path f = tmp.resolve("slow.conf");
    Files.writeString(
        f,
        "farm {\n name = slow\n max-concurrent-runs = 1\n output-dir = \""
            + runs
            + "\"\n defaults { d = 4, n = 10, k = 8, max-epochs = 500, estimator-budget = 500 }\n"
            + " grid { seed = [1, 2] }\n}\n");
    long start = System.nanoTime();
    MainTest.Result r = MainTest.run("run", "--no-progress", f.toString());
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(millis).as("the stall happened").isGreaterThanOrEqualTo(STALL_MILLIS);
    JsonNode results = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    assertThat(results.get("runs")).hasSize(2);
  }
}
