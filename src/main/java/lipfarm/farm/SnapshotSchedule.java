package lipfarm.farm;

import java.util.function.Supplier;
import lipfarm.protocol.NetworkSnapshot;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * When a {@link Trainer} hands the estimator the weights so far: every {@code every} epochs or
 * {@code seconds} seconds, whichever comes first (0 = never), checked at chunk ends only. A plain
 * helper, so the trainer's fit, restarts and objective phases share one clock.
 */
final class SnapshotSchedule {

  private final String runId;
  private final ActorRef<Trainer.Reply> replyTo;
  private final int every;
  private final long nanos;
  private int lastEpoch;
  private long lastAt;

  /** The clock starts now. */
  SnapshotSchedule(String runId, int every, int seconds, ActorRef<Trainer.Reply> replyTo) {
    this.runId = runId;
    this.replyTo = replyTo;
    this.every = every;
    this.nanos = seconds * 1_000_000_000L;
    this.lastAt = System.nanoTime();
  }

  /** Training continues from {@code epoch}: the next snapshot counts its epochs from there. */
  void resumedAt(int epoch) {
    lastEpoch = epoch;
  }

  /** Sends a {@link Trainer.Snapshot} of {@code weights} when one is due. */
  void maybeSend(int epoch, NetworkSnapshot weights) {
    maybeSend(epoch, () -> weights);
  }

  /**
   * Sends a {@link Trainer.Snapshot} when one is due; {@code weights} is only computed then (null:
   * none to send, and the schedule does not advance).
   */
  void maybeSend(int epoch, Supplier<NetworkSnapshot> weights) {
    long now = System.nanoTime();
    boolean byEpochs = every > 0 && epoch - lastEpoch >= every;
    boolean bySeconds = nanos > 0 && now - lastAt >= nanos;
    if (byEpochs || bySeconds) {
      NetworkSnapshot net = weights.get();
      if (net != null) {
        lastEpoch = epoch;
        lastAt = now;
        replyTo.tell(new Trainer.Snapshot(runId, epoch, net));
      }
    }
  }
}
