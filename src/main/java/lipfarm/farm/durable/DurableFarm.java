package lipfarm.farm.durable;

import java.util.List;
import lipfarm.farm.durable.FarmJournal.Command;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a coordinator needs to run a farm durably.
 *
 * @param journal the farm's journal; results and failures are published only once it has them
 * @param state the state recovered from the journal when the farm started
 * @param unlogged finished results that the journal has but {@code events.ndjson} lacks (the
 *     process stopped between the two): published again, once, so the log is complete
 * @param checkpoints the trainers' checkpoints (a finished run's is deleted), or null
 * @param maxRetries failed attempts retried before a run's failure is final
 * @param retryBackoffMillis wait before the first retry, doubled for each further one
 * @param runTimeoutMillis time budget of one attempt; 0 = none
 */
public record DurableFarm(
    ActorRef<Command> journal,
    FarmState state,
    List<lipfarm.protocol.RunResult> unlogged,
    CheckpointStore checkpoints,
    int maxRetries,
    long retryBackoffMillis,
    long runTimeoutMillis) {

  /**
   * The wait before retry number {@code failures} (1-based): backoff · 2^(failures − 1), capped at
   * an hour.
   */
  public long backoffMillis(int failures) {
    long b = retryBackoffMillis;
    for (int i = 1; i < failures && b < 3_600_000L; i++) {
      b *= 2;
    }
    return Math.min(b, 3_600_000L);
  }
}
