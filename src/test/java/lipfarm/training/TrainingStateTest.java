package lipfarm.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** A captured and restored trainer continues bit-identically to an uninterrupted one. */
class TrainingStateTest {
  private static final Dataset DATA = DataModels.sphereRandomLabels(40, 6, 3);

  private static TrainingSpec spec(Optimizer opt, WeightBound wb, Activation act) {
    return new TrainingSpec(
        List.of(12), 1, true, act, 0.1, Loss.SQUARED, FitCriterion.exact(0.0), opt, wb, 400);
  }

  private static MlpTrainer trainer(TrainingSpec s, DataType dtype) {
    return new MlpTrainer(DATA, MlpTrainer.targetsFromLabels(DATA.y(), 1), s, 77, dtype);
  }

  private static void checkResumeIsBitIdentical(TrainingSpec s, DataType dtype) {
    MlpTrainer straight = trainer(s, dtype);
    EpochStats last = null;
    for (int i = 0; i < 60; i++) {
      last = straight.step();
    }
    MlpTrainer first = trainer(s, dtype);
    for (int i = 0; i < 23; i++) {
      first.step();
    }
    TrainingState state = first.capture();
    TrainingState copied = TrainingState.fromBytes(state.toBytes());
    assertThat(copied).isEqualTo(state);
    MlpTrainer resumed = trainer(s, dtype);
    resumed.restore(copied);
    assertThat(resumed.epoch()).isEqualTo(23);
    EpochStats resumedLast = null;
    for (int i = 23; i < 60; i++) {
      resumedLast = resumed.step();
    }
    assertThat(resumed.parameters())
        .as("%s %s", s.optimizer(), dtype)
        .isEqualTo(straight.parameters());
    assertThat(resumedLast).isEqualTo(last);
    assertThat(resumed.capture()).isEqualTo(straight.capture());
  }

  @Test
  void everyOptimizerResumesBitIdentically() {
    List<Optimizer> opts =
        List.of(
            Optimizer.adam(0.01),
            new Optimizer(Optimizer.Kind.ADAM, 0.01, 0, 8, Optimizer.Schedule.COSINE, 1, 1),
            new Optimizer(Optimizer.Kind.SGD, 0.05, 0.9, 7, Optimizer.Schedule.STEP, 0.5, 10),
            new Optimizer(Optimizer.Kind.GD, 0.3, 0, 0, Optimizer.Schedule.CONSTANT, 1, 1));
    for (Optimizer opt : opts) {
      checkResumeIsBitIdentical(spec(opt, WeightBound.none(), Activation.RELU), DataType.DOUBLE);
    }
  }

  /** The fused two-layer kernel (full batch) resumes bit-identically in both precisions. */
  @Test
  void fusedKernelResumesBitIdenticallyInBothPrecisions() {
    for (DataType dtype : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      checkResumeIsBitIdentical(
          spec(Optimizer.adam(0.02), WeightBound.none(), Activation.RELU), dtype);
      checkResumeIsBitIdentical(
          spec(
              new Optimizer(Optimizer.Kind.SGD, 0.05, 0.9, 0, Optimizer.Schedule.CONSTANT, 1, 1),
              WeightBound.none(),
              Activation.SOFTPLUS),
          dtype);
    }
  }

  @Test
  void floatPrecisionAndSpectralBoundResumeBitIdentically() {
    checkResumeIsBitIdentical(
        spec(
            new Optimizer(Optimizer.Kind.ADAM, 0.02, 0, 16, Optimizer.Schedule.CONSTANT, 1, 1),
            WeightBound.none(),
            Activation.TANH),
        DataType.FLOAT);
    // The spectral projection warm-starts its power iteration: that vector is training state too.
    checkResumeIsBitIdentical(
        spec(
            Optimizer.adam(0.05),
            new WeightBound(WeightBound.Kind.SPECTRAL, 1, 1, 0.5),
            Activation.RELU),
        DataType.DOUBLE);
  }

  @Test
  void refusesCorruptedBytesAndATrainedTrainer() {
    TrainingSpec s = spec(Optimizer.adam(0.01), WeightBound.none(), Activation.RELU);
    MlpTrainer t = trainer(s, DataType.DOUBLE);
    t.step();
    byte[] bytes = t.capture().toBytes();
    bytes[bytes.length / 2] ^= 1;
    assertThatThrownBy(() -> TrainingState.fromBytes(bytes)).hasMessageContaining("checksum");
    byte[] whole = t.capture().toBytes();
    assertThatThrownBy(
            () -> TrainingState.fromBytes(java.util.Arrays.copyOf(whole, whole.length / 3)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.restore(t.capture())).hasMessageContaining("fresh trainer");
    MlpTrainer sgd =
        trainer(
            spec(
                new Optimizer(Optimizer.Kind.SGD, 0.05, 0.9, 7, Optimizer.Schedule.CONSTANT, 1, 1),
                WeightBound.none(),
                Activation.RELU),
            DataType.DOUBLE);
    assertThatThrownBy(() -> sgd.restore(t.capture())).hasMessageContaining("does not match");
  }
}
