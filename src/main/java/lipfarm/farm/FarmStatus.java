package lipfarm.farm;

import java.time.Instant;
import lipfarm.protocol.LipfarmSerializable;

/**
 * A farm as the API shows it (GET /farms/{id}).
 *
 * @param state running, cancelling, finished, cancelled or failed
 * @param runsDone runs that finished (failed ones included)
 * @param runsActive runs being trained or estimated now
 * @param runsQueued runs waiting for a compute slot
 * @param reportWritten the result files (report.md, results.csv, results.json) are complete
 * @param lastSeq sequence number of the farm's latest event
 * @param note what the service changed in the submission (e.g. keys it ignored), or null
 */
public record FarmStatus(
    String id,
    String name,
    String state,
    Instant submitted,
    int totalRuns,
    int runsDone,
    int runsActive,
    int runsQueued,
    int runsFailed,
    int runsCancelled,
    double progress,
    long lastSeq,
    String dir,
    boolean reportWritten,
    String error,
    String note)
    implements LipfarmSerializable {}
