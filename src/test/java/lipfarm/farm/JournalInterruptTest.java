package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread interrupted while it writes to an H2 journal (as a shutting-down executor interrupts its
 * workers) must not close the database for the rest of the JVM: another connection to the same
 * journal still writes, and every committed row is still there. With H2's default file access, an
 * NIO FileChannel closed by the interrupt, this failed in most trials.
 */
class JournalInterruptTest {
  private static final int TRIALS = 5;
  private static final String ROW = "x".repeat(5000);

  @TempDir Path tmp;

  @Test
  void anInterruptedWriterLeavesTheJournalOpenForOthers() throws Exception {
    for (int trial = 0; trial < TRIALS; trial++) {
      JournalDatabase db = JournalDatabase.h2(tmp.resolve("journal-" + trial));
      db.createSchemaIfMissing();
      try (Connection held = DriverManager.getConnection(db.url(), db.user(), db.password())) {
        held.createStatement().execute("CREATE TABLE probe(id INT AUTO_INCREMENT, v VARCHAR)");
        CountDownLatch writing = new CountDownLatch(50);
        int[] committed = {0};
        Thread writer =
            new Thread(
                () -> {
                  try (PreparedStatement p =
                      held.prepareStatement("INSERT INTO probe(v) VALUES (?)")) {
                    while (!Thread.currentThread().isInterrupted()) {
                      p.setString(1, ROW);
                      p.executeUpdate();
                      committed[0]++;
                      writing.countDown();
                    }
                  } catch (SQLException e) {
                    // the interrupted write: its row is not counted
                  }
                });
        writer.start();
        assertThat(writing.await(30, TimeUnit.SECONDS)).isTrue();
        writer.interrupt();
        writer.join();
        // The held connection (as a pool keeps it) still pins the database's state in this JVM.
        try (Connection other = DriverManager.getConnection(db.url(), db.user(), db.password())) {
          other.createStatement().execute("INSERT INTO probe(v) VALUES ('after')");
          ResultSet r = other.createStatement().executeQuery("SELECT COUNT(*) FROM probe");
          r.next();
          assertThat(r.getInt(1)).as("trial %d", trial).isGreaterThanOrEqualTo(committed[0] + 1);
        }
      }
    }
  }
}
