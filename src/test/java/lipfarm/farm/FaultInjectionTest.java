package lipfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills that provably land where recovery matters, through the deterministic fault points of {@link
 * Faults} ({@code -Dlipfarm.faults}): right after a trainer checkpoint (mid-training) and between
 * persisting a result and writing its {@code events.ndjson} line. Asserts that recovery was
 * exercised (the checkpoint was loaded, the result re-published once), not only the end state.
 */
@Tag("slow")
class FaultInjectionTest {
  private static final String NAME = "faults";
  private static final int CONFIGS = 4;

  @TempDir static Path shared;
  private static Path conf;
  private static LipfarmJvm reference;

  @TempDir Path tmp;

  /** The uninterrupted run both tests compare with, computed while they run. */
  @BeforeAll
  static void startReference() throws Exception {
    conf = shared.resolve(NAME + ".conf");
    Files.writeString(conf, LipfarmJvm.smallFarm(NAME, 2));
    reference =
        LipfarmJvm.start(
            shared.resolve("logs"),
            "reference",
            List.of(),
            "run",
            "--no-progress",
            "--output-dir",
            shared.resolve("reference").toString(),
            conf.toString());
  }

  @AfterAll
  static void stopReference() throws InterruptedException {
    LipfarmJvm.killAll();
  }

  private static Path referenceDir() throws Exception {
    synchronized (FaultInjectionTest.class) {
      if (reference.process.isAlive() || reference.process.exitValue() != 0) {
        assertThat(reference.exit(180)).as(reference.logs()).isZero();
      }
    }
    return shared.resolve("reference").resolve(NAME);
  }

  /**
   * Runs the farm into {@code tmp/out} with {@code fault} injected; it must halt there, saying so
   * on stderr in a line matching {@code faultLine}, whose match this returns.
   */
  private Matcher haltAt(String fault, String faultLine) throws Exception {
    LipfarmJvm run =
        LipfarmJvm.start(
            tmp,
            "run",
            List.of("-Dlipfarm.faults=" + fault),
            "run",
            "--no-progress",
            "--output-dir",
            tmp.resolve("out").toString(),
            conf.toString());
    assertThat(run.exit(180)).as(run.logs()).isEqualTo(Faults.EXIT);
    return run.awaitLine(run.err, faultLine, 5);
  }

  /** Resumes the farm in {@code dir} without faults; it must finish. Returns its events. */
  private List<JsonNode> resume(Path dir) throws Exception {
    LipfarmJvm resume =
        LipfarmJvm.start(tmp, "resume", List.of(), "resume", "--no-progress", dir.toString());
    assertThat(resume.exit(180)).as(resume.logs()).isZero();
    return LipfarmJvm.events(dir);
  }

  @Test
  void haltAfterACheckpointResumesFromThatCheckpoint() throws Exception {
    Path dir = tmp.resolve("out").resolve(NAME);
    Matcher fault =
        haltAt(
            "halt-after-checkpoint=2",
            "lipfarm: FAULT INJECTED: halting after checkpoint 2 \\(run ([0-9a-f]+), epoch (\\d+)\\)");
    String runId = fault.group(1);
    int epoch = Integer.parseInt(fault.group(2));
    assertThat(epoch).as("a checkpoint mid-training").isPositive().isLessThan(3000);
    assertThat(LipfarmJvm.countPerRun(LipfarmJvm.events(dir), "RunFinished"))
        .as("halted mid-training: %s has no result yet", runId)
        .doesNotContainKey(runId);
    assertThat(dir.resolve("checkpoints").resolve(runId + ".ckpt")).exists();

    List<JsonNode> events = resume(dir);
    List<JsonNode> resumed =
        events.stream().filter(e -> "RunResumed".equals(e.get("type").asText())).toList();
    assertThat(resumed)
        .as("recovery loaded the checkpoint the fault followed")
        .anySatisfy(
            e -> {
              assertThat(e.get("runId").asText()).isEqualTo(runId);
              assertThat(e.get("epoch").asInt()).isEqualTo(epoch);
            });
    LipfarmJvm.assertFarmComplete(dir, referenceDir(), CONFIGS);
  }

  @Test
  void haltBeforeAResultLineRepublishesThatResultOnce() throws Exception {
    Path dir = tmp.resolve("out").resolve(NAME);
    Matcher fault =
        haltAt(
            "halt-before-result-line=2",
            "lipfarm: FAULT INJECTED: halting before the events.ndjson line of persisted result"
                + " ([0-9a-f]+) \\(seq (\\d+)\\)");
    String runId = fault.group(1);
    long seq = Long.parseLong(fault.group(2));
    List<JsonNode> afterKill = LipfarmJvm.events(dir);
    assertThat(LipfarmJvm.countPerRun(afterKill, "RunFinished"))
        .as("the persisted result of %s is not in events.ndjson yet", runId)
        .doesNotContainKey(runId)
        .hasSize(1);
    assertThat(LipfarmJvm.seqs(afterKill))
        .as("nothing at or after seq %d yet", seq)
        .allMatch(s -> s < seq);

    List<JsonNode> events = resume(dir);
    List<JsonNode> finished =
        events.stream()
            .filter(e -> "RunFinished".equals(e.get("type").asText()))
            .filter(e -> runId.equals(e.get("runId").asText()))
            .toList();
    assertThat(finished).as("the persisted result re-published once").hasSize(1);
    assertThat(finished.get(0).get("seq").asLong())
        .as("with the seq it was persisted under")
        .isEqualTo(seq);
    assertThat(LipfarmJvm.countPerRun(events, "RunStarted").get(runId))
        .as("%s was not run again: its result came from the journal", runId)
        .isEqualTo(1);
    LipfarmJvm.assertFarmComplete(dir, referenceDir(), CONFIGS);
  }
}
