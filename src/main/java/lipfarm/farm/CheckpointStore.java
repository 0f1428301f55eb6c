package lipfarm.farm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import lipfarm.training.TrainingState;

/**
 * Trainer checkpoints of one farm: {@code <dir>/<runId>.ckpt}, the latest one per run. A checkpoint
 * is written to a temporary file, forced to disk and atomically moved into place, so a kill at any
 * moment leaves either the previous or the new checkpoint, never a torn one (and a corrupted file
 * is detected by its checksum and ignored).
 */
public final class CheckpointStore {

  /** A run's training state with the trainer's own bookkeeping. */
  public record Checkpoint(double initialLoss, TrainingState state) {}

  private final Path dir;

  public CheckpointStore(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  private Path file(String runId) {
    if (!runId.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException("bad run id for a checkpoint file: " + runId);
    }
    return dir.resolve(runId + ".ckpt");
  }

  /** Writes the checkpoint of {@code runId} durably, replacing the previous one atomically. */
  public void save(String runId, Checkpoint c) {
    byte[] state = c.state().toBytes();
    ByteBuffer buf = ByteBuffer.allocate(8 + state.length);
    buf.putLong(Double.doubleToRawLongBits(c.initialLoss())).put(state).flip();
    try {
      Files.createDirectories(dir);
      Path target = file(runId);
      Path tmp =
          dir.resolve(
              runId
                  + ".ckpt.tmp-"
                  + ProcessHandle.current().pid()
                  + "-"
                  + Thread.currentThread().getId());
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint of run " + runId + " in " + dir, e);
    }
  }

  /**
   * The latest checkpoint of {@code runId}, or empty when there is none or it is unreadable (a
   * corrupted checkpoint only costs the epochs since the run's start).
   */
  public Optional<Checkpoint> load(String runId) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file(runId));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
    if (bytes.length < 8) {
      return Optional.empty();
    }
    double initialLoss = Double.longBitsToDouble(ByteBuffer.wrap(bytes, 0, 8).getLong());
    try {
      return Optional.of(
          new Checkpoint(
              initialLoss,
              TrainingState.fromBytes(java.util.Arrays.copyOfRange(bytes, 8, bytes.length))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Removes the checkpoint of a finished run (and stray temporary files of it). */
  public void delete(String runId) {
    try {
      Files.deleteIfExists(file(runId));
    } catch (IOException e) {
      // a leftover checkpoint of a finished run is never read again
    }
  }
}
