package lipfarm.farm;

import lipfarm.config.Durability;
import lipfarm.protocol.LipfarmSerializable;

/**
 * How every run of a farm is supervised: retries, time budget, checkpoints and the snapshots its
 * estimator bounds while it trains. Farm-level settings: none changes a configuration id.
 *
 * @param maxRetries failed attempts retried before a run's failure is final
 * @param retryBackoffMillis wait before the first retry, doubled for each further one
 * @param runTimeoutMillis time budget of one attempt; 0 = none
 * @param checkpointEvery epochs between trainer checkpoints; 0 = only when stopped
 * @param snapshotEvery epochs between intermediate snapshots; 0 = none
 * @param snapshotSeconds seconds between intermediate snapshots; 0 = off
 * @param snapshotShare largest share of a run's time spent estimating intermediate snapshots
 */
public record RunPolicy(
    int maxRetries,
    long retryBackoffMillis,
    long runTimeoutMillis,
    int checkpointEvery,
    int snapshotEvery,
    int snapshotSeconds,
    double snapshotShare)
    implements LipfarmSerializable {

  public static RunPolicy of(Durability d) {
    return new RunPolicy(
        d.maxRetries(),
        d.retryBackoffMillis(),
        d.runTimeoutMillis(),
        d.checkpointEvery(),
        d.snapshotEvery(),
        d.snapshotSeconds(),
        d.snapshotShare());
  }

  public static RunPolicy defaults() {
    return of(Durability.defaults());
  }

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
