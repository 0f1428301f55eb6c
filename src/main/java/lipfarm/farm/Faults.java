package lipfarm.farm;

/**
 * Deterministic fault-injection points for crash tests: the process halts (as if killed with
 * SIGKILL: no shutdown hooks, nothing flushed) at a chosen place. Read from the system property
 * {@code lipfarm.faults} by the front ends, e.g. {@code halt-after-checkpoint=2} (after the second
 * trainer checkpoint written in this process) or {@code halt-before-result-line=3} (after the third
 * result of this process is persisted, before its {@code events.ndjson} line is written).
 *
 * @param haltAfterCheckpoint halt after this many checkpoints (0: never)
 * @param haltBeforeResultLine halt before writing this many result lines (0: never)
 */
public record Faults(
    int haltAfterCheckpoint,
    int haltBeforeResultLine,
    java.util.concurrent.atomic.AtomicInteger checkpoints,
    java.util.concurrent.atomic.AtomicInteger resultLines) {

  /** Exit status of a halt at a fault point. */
  public static final int EXIT = 86;

  /** No fault points (each runtime gets its own counters). */
  public static Faults none() {
    return of(0, 0);
  }

  static Faults of(int ckpt, int line) {
    return new Faults(
        ckpt,
        line,
        new java.util.concurrent.atomic.AtomicInteger(),
        new java.util.concurrent.atomic.AtomicInteger());
  }

  /** Called after each checkpoint is written. */
  public void checkpointWritten(String runId, int epoch) {
    if (haltAfterCheckpoint > 0 && checkpoints.incrementAndGet() == haltAfterCheckpoint) {
      halt("after checkpoint " + haltAfterCheckpoint + " (run " + runId + ", epoch " + epoch + ")");
    }
  }

  /** Called before a result's events.ndjson line is written (the result is already persisted). */
  public void beforeResultLine(String runId, long seq) {
    if (haltBeforeResultLine > 0 && resultLines.incrementAndGet() == haltBeforeResultLine) {
      halt("before the events.ndjson line of persisted result " + runId + " (seq " + seq + ")");
    }
  }

  /**
   * @param spec comma-separated {@code name=count} pairs, or null/empty for none
   */
  public static Faults parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return none();
    }
    int ckpt = 0;
    int line = 0;
    for (String part : spec.split(",")) {
      String[] kv = part.strip().split("=", 2);
      int n = kv.length == 2 ? Integer.parseInt(kv[1].strip()) : 1;
      switch (kv[0].strip()) {
        case "halt-after-checkpoint" -> ckpt = n;
        case "halt-before-result-line" -> line = n;
        default -> throw new IllegalArgumentException("unknown fault point: " + kv[0]);
      }
    }
    return of(ckpt, line);
  }

  /** Halts the JVM at once, saying where (to stderr, for the test that planted the fault). */
  public static void halt(String where) {
    System.err.println("lipfarm: FAULT INJECTED: halting " + where);
    System.err.flush();
    Runtime.getRuntime().halt(EXIT);
  }
}
