package lipfarm.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import lipfarm.data.DataModels;
import lipfarm.data.Dataset;
import lipfarm.protocol.NetworkSnapshot;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Batched restarts follow the same trajectories as separate trainers with the same seeds. */
class BatchedRestartsTest {
  /** Stacked products sum the same terms in another order: agreement to rounding. */
  private static final double TRAJECTORY_TOL = 1e-9;

  /** Float trajectories: ND4J rounds every op to float, the kernel fewer; 20 steps within 1e-4. */
  private static final double FLOAT_TOL = 1e-4;

  @Test
  void eachRestartMatchesItsOwnTrainer() {
    Dataset data = DataModels.sphereRandomLabels(40, 6, 3);
    TrainingSpec spec = TrainingSpec.twoLayerRelu(7, true, 0.01, 0.0, 1000);
    long[] seeds = {11, 12, 13};
    BatchedRestarts batch = new BatchedRestarts(data, spec, seeds, DataType.DOUBLE);
    MlpTrainer[] single = trainers(data, spec, seeds, DataType.DOUBLE);
    assertSameLosses(batch, single, 30, TRAJECTORY_TOL);
    for (int s = 0; s < seeds.length; s++) {
      NetworkSnapshot a = batch.snapshot(s);
      NetworkSnapshot b = single[s].snapshot();
      for (int l = 0; l < 2; l++) {
        double[] wa = a.layers().get(l).weights();
        double[] wb = b.layers().get(l).weights();
        for (int i = 0; i < wa.length; i++) {
          assertThat(wa[i]).isCloseTo(wb[i], within(TRAJECTORY_TOL));
        }
        double[] ba = a.layers().get(l).bias();
        double[] bb = b.layers().get(l).bias();
        for (int i = 0; i < ba.length; i++) {
          assertThat(ba[i]).isCloseTo(bb[i], within(TRAJECTORY_TOL));
        }
      }
    }
  }

  /** In single precision too, each restart follows its own (float) trainer. */
  @Test
  void floatRestartsMatchTheirTrainers() {
    Dataset data = DataModels.sphereRandomLabels(40, 6, 5);
    TrainingSpec spec = TrainingSpec.twoLayerRelu(5, true, 0.01, 0.0, 1000);
    long[] seeds = {21, 22};
    BatchedRestarts batch = new BatchedRestarts(data, spec, seeds, DataType.FLOAT);
    assertSameLosses(batch, trainers(data, spec, seeds, DataType.FLOAT), 20, FLOAT_TOL);
  }

  /** One separate trainer a seed: the reference runs on ND4J's ops, not the batch's kernel. */
  private static MlpTrainer[] trainers(
      Dataset data, TrainingSpec spec, long[] seeds, DataType type) {
    MlpTrainer[] single = new MlpTrainer[seeds.length];
    for (int s = 0; s < seeds.length; s++) {
      single[s] =
          new MlpTrainer(
              data, MlpTrainer.targetsFromLabels(data.y(), 1), spec, seeds[s], type, false);
    }
    return single;
  }

  /** Steps the batch and every trainer {@code steps} times; each restart's loss tracks its own. */
  private static void assertSameLosses(
      BatchedRestarts batch, MlpTrainer[] single, int steps, double tol) {
    for (int step = 0; step < steps; step++) {
      List<BatchedRestarts.RestartStats> stats = batch.step();
      for (int s = 0; s < single.length; s++) {
        EpochStats one = single[s].step();
        assertThat(stats.get(s).stats().loss())
            .as("step %d", step)
            .isCloseTo(one.loss(), within(tol));
      }
    }
  }

  @Test
  void stopsWhenARestartFitsAndRefusesOtherModels() {
    Dataset data = DataModels.sphereRandomLabels(60, 20, 4);
    BatchedRestarts batch =
        new BatchedRestarts(
            data,
            TrainingSpec.twoLayerRelu(20, true, 0.01, 0.05, 5000),
            new long[] {1, 2, 3, 4},
            DataType.DOUBLE);
    List<BatchedRestarts.RestartStats> last = null;
    for (int i = 0; i < 5000; i++) {
      last = batch.step();
      if (last.stream().anyMatch(s -> s.stats().maxError() <= 0.05)) {
        break;
      }
    }
    assertThat(last).anySatisfy(s -> assertThat(s.stats().maxError()).isLessThanOrEqualTo(0.05));
    int epoch = batch.epoch();
    batch.step();
    assertThat(batch.epoch()).as("no step once a restart fits").isEqualTo(epoch);
    TrainingSpec tanh =
        new TrainingSpec(
            List.of(5),
            1,
            true,
            Activation.TANH,
            0,
            Loss.SQUARED,
            FitCriterion.exact(0.01),
            Optimizer.adam(0.01),
            WeightBound.none(),
            10);
    assertThatThrownBy(() -> new BatchedRestarts(data, tanh, new long[] {1, 2}, DataType.DOUBLE))
        .hasMessageContaining("two-layer ReLU");
  }
}
