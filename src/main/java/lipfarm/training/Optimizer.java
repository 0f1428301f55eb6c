package lipfarm.training;

/**
 * Optimiser settings.
 *
 * @param kind GD (full-batch gradient descent), SGD (minibatch, heavy-ball momentum), ADAM
 * @param learningRate base step size η₀
 * @param momentum heavy-ball μ for SGD (v ← μ v + g; θ ← θ − η v)
 * @param batchSize minibatch size for SGD and Adam; 0 = full batch
 * @param schedule CONSTANT, STEP (η₀·factor^⌊epoch/every⌋) or COSINE (η₀·½(1 +
 *     cos(π·epoch/maxEpochs)))
 * @param decayFactor STEP factor
 * @param decayEvery STEP period in epochs
 */
public record Optimizer(
    Kind kind,
    double learningRate,
    double momentum,
    int batchSize,
    Schedule schedule,
    double decayFactor,
    int decayEvery) {

  public enum Kind implements Keyed {
    GD("gd"),
    SGD("sgd"),
    ADAM("adam");

    private final String key;

    Kind(String key) {
      this.key = key;
    }

    @Override
    public String key() {
      return key;
    }

    public static Kind of(String key) {
      return Keyed.of(Kind.class, key, "optimizer");
    }
  }

  public enum Schedule implements Keyed {
    CONSTANT("constant"),
    STEP("step"),
    COSINE("cosine");

    private final String key;

    Schedule(String key) {
      this.key = key;
    }

    @Override
    public String key() {
      return key;
    }

    public static Schedule of(String key) {
      return Keyed.of(Schedule.class, key, "schedule");
    }
  }

  public static Optimizer adam(double lr) {
    return new Optimizer(Kind.ADAM, lr, 0.0, 0, Schedule.CONSTANT, 1.0, 1);
  }

  /** The step size at {@code epoch} (0-based) of a run of {@code maxEpochs}. */
  public double rateAt(int epoch, int maxEpochs) {
    return switch (schedule) {
      case CONSTANT -> learningRate;
      case STEP ->
          learningRate * Math.pow(decayFactor, Math.floorDiv(epoch, Math.max(1, decayEvery)));
      case COSINE ->
          learningRate
              * 0.5
              * (1 + Math.cos(Math.PI * Math.min(epoch, maxEpochs) / Math.max(1, maxEpochs)));
    };
  }
}
