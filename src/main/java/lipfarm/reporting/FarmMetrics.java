package lipfarm.reporting;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import lipfarm.config.RunConfig;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmCancelled;
import lipfarm.protocol.FarmEvent.FarmFinished;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.FarmEvent.TrainingProgress;
import lipfarm.protocol.RunResult;

/**
 * Micrometer meters of one farm. Per-run gauges are tagged with the run id and removed when the run
 * finishes (or the farm ends), so tag cardinality is bounded by {@code max-concurrent-runs}.
 * Micrometer keeps only weak references to gauge state: the farm's gauges are registered with
 * strong references, so they keep their final values after the farm's actors (and this object) are
 * gone, as long as the registry keeps the meters. Called from the reporter actor only. The names
 * below are Micrometer's; Prometheus sees dots as underscores and counters with a {@code _total}
 * suffix. docs/events.md lists them all.
 *
 * <ul>
 *   <li>{@code lipfarm.runs.total} (Prometheus: {@code lipfarm_runs}), {@code lipfarm.runs.active}:
 *       gauges, tag {@code farm}
 *   <li>{@code lipfarm.events}: counter, tags {@code farm}, {@code type} (the event's record name)
 *   <li>{@code lipfarm.farm.runs}: gauge, tags {@code farm}, {@code state} (pending, active,
 *       finished, failed, cancelled)
 *   <li>{@code lipfarm.runs.finished}: counter, tags {@code farm}, {@code outcome} (every outcome
 *       is registered at zero when the farm starts)
 *   <li>{@code lipfarm.training.epochs}: counter of epochs trained (its rate is epochs per second)
 *   <li>{@code lipfarm.run.loss}, {@code lipfarm.run.max.error}, {@code
 *       lipfarm.run.lipschitz.lower}, {@code lipfarm.run.lipschitz.upper}, {@code
 *       lipfarm.run.lipschitz.gap} (upper − lower), {@code lipfarm.run.sqrt.n.over.k}: gauges per
 *       active run, tags {@code farm}, {@code run}
 *   <li>{@code lipfarm.run.snapshot.epoch}: gauge per active run, tags {@code farm}, {@code run}:
 *       the epoch of the network snapshot whose sandwich the lower/upper gauges show (the latest
 *       snapshot estimated)
 *   <li>{@code lipfarm.bound.ratio}: summary per finished run with a sandwich, tags {@code farm},
 *       {@code ratio} (lower_over_sqrt_n_over_k, upper_over_sqrt_n_over_k, upper_over_lower)
 *   <li>{@code lipfarm.estimator.invariant.violations}: counter (lower &gt; upper, or F10 &gt;
 *       lower)
 *   <li>{@code lipfarm.coordinator.mailbox.backlog}: gauge, tag {@code farm}, when the caller can
 *       measure it
 * </ul>
 */
public final class FarmMetrics {
  /** Every value of the {@code outcome} tag of {@code lipfarm.runs.finished}. */
  public static final List<String> OUTCOMES =
      List.of("converged", "did-not-interpolate", "diverged", "failed");

  private final MeterRegistry registry;
  private final String farm;
  private final AtomicInteger total = new AtomicInteger();
  private final AtomicInteger active = new AtomicInteger();
  private final Map<String, AtomicInteger> byState = new HashMap<>();
  private final Counter epochs;
  private final Counter violations;
  private final Map<String, Counter> finishedByOutcome = new HashMap<>();
  private final Map<String, DistributionSummary> ratios = new HashMap<>();
  private final Map<String, double[]> runState =
      new HashMap<>(); // loss, maxErr, lower, upper, sqrt(n/k)
  private final Map<String, List<Meter>> runMeters = new HashMap<>();
  // the snapshot epoch whose sandwich the lower/upper gauges show
  private final Map<String, double[]> snapshotEpoch = new HashMap<>();
  private final Map<String, Integer> lastEpoch = new HashMap<>();
  private final Map<Class<?>, Counter> events = new HashMap<>();
  private final IntSupplier coordinatorBacklog; // held strongly: gauges keep weak references

  public FarmMetrics(MeterRegistry registry, String farm) {
    this(registry, farm, null);
  }

  /**
   * @param coordinatorBacklog messages waiting in the coordinator's mailbox, or null if unknown;
   *     must be thread-safe (the registry reads it on scrape)
   */
  public FarmMetrics(MeterRegistry registry, String farm, IntSupplier coordinatorBacklog) {
    this.registry = registry;
    this.farm = farm;
    this.coordinatorBacklog = coordinatorBacklog;
    Gauge.builder("lipfarm.runs.total", total, AtomicInteger::get)
        .tag("farm", farm)
        .description("configurations in the farm")
        .strongReference(true)
        .register(registry);
    Gauge.builder("lipfarm.runs.active", active, AtomicInteger::get)
        .tag("farm", farm)
        .description("configurations training or estimating")
        .strongReference(true)
        .register(registry);
    for (String state : List.of("pending", "active", "finished", "failed", "cancelled")) {
      AtomicInteger v = new AtomicInteger();
      byState.put(state, v);
      Gauge.builder("lipfarm.farm.runs", v, AtomicInteger::get)
          .tag("farm", farm)
          .tag("state", state)
          .description("configurations of the farm by state")
          .strongReference(true)
          .register(registry);
    }
    epochs =
        Counter.builder("lipfarm.training.epochs")
            .tag("farm", farm)
            .description("full-batch epochs trained")
            .register(registry);
    violations =
        Counter.builder("lipfarm.estimator.invariant.violations")
            .tag("farm", farm)
            .description("runs whose certified sandwich contradicts itself or F10")
            .register(registry);
    for (String outcome : OUTCOMES) {
      finishedByOutcome.put(
          outcome,
          Counter.builder("lipfarm.runs.finished")
              .tag("farm", farm)
              .tag("outcome", outcome)
              .description("configurations finished, by outcome")
              .register(registry));
    }
    for (String ratio :
        List.of("lower_over_sqrt_n_over_k", "upper_over_sqrt_n_over_k", "upper_over_lower")) {
      ratios.put(
          ratio,
          DistributionSummary.builder("lipfarm.bound.ratio")
              .tag("farm", farm)
              .tag("ratio", ratio)
              .description("ratios of a finished run's certified sandwich and sqrt(n/k)")
              .register(registry));
    }
    if (coordinatorBacklog != null) {
      Gauge.builder("lipfarm.coordinator.mailbox.backlog", coordinatorBacklog, s -> s.getAsInt())
          .tag("farm", farm)
          .description("messages waiting in the coordinator's mailbox")
          .strongReference(true)
          .register(registry);
    }
  }

  public void record(FarmEvent event) {
    events
        .computeIfAbsent(
            event.getClass(),
            c ->
                Counter.builder("lipfarm.events")
                    .tag("farm", farm)
                    .tag("type", c.getSimpleName())
                    .description("events published, by type")
                    .register(registry))
        .increment();
    if (event instanceof FarmStarted s) {
      // A new session (a resumption, or a replay of the farm's journal): runs of an earlier
      // session that never finished are no longer active.
      List.copyOf(runMeters.keySet()).forEach(this::endRun);
      active.set(0);
      byState.get("active").set(0);
      total.set(s.totalRuns());
      byState.get("pending").set(s.totalRuns() - s.runsFinished());
    } else if (event instanceof RunStarted || event instanceof FarmEvent.RunAdopted) {
      // RunAdopted: a run that kept executing while the farm's coordinator moved (cluster).
      RunConfig c =
          event instanceof RunStarted s ? s.config() : ((FarmEvent.RunAdopted) event).config();
      if (runMeters.containsKey(event.runId())) {
        return; // a retry of an active run: its gauges are already there
      }
      active.incrementAndGet();
      byState.get("pending").decrementAndGet();
      byState.get("active").incrementAndGet();
      startRun(event.runId(), Math.sqrt((double) c.n() / c.k()));
    } else if (event instanceof TrainingProgress p) {
      double[] st = runState.get(p.runId());
      if (st != null) {
        st[0] = p.loss();
        st[1] = p.maxError();
      }
      int prev = lastEpoch.getOrDefault(p.runId(), 0);
      epochs.increment(Math.max(0, p.epoch() - prev));
      lastEpoch.put(p.runId(), p.epoch());
    } else if (event instanceof FarmEvent.TrainingOutcome o) {
      double[] st = runState.get(o.runId());
      if (st != null) {
        st[0] = o.loss();
        st[1] = o.maxError();
      }
      int prev = lastEpoch.getOrDefault(o.runId(), 0);
      epochs.increment(Math.max(0, o.epochs() - prev));
      lastEpoch.put(o.runId(), Math.max(prev, o.epochs()));
    } else if (event instanceof LipschitzEstimate e) {
      double[] st = runState.get(e.runId());
      if (st != null) {
        st[2] = e.lower();
        st[3] = e.upper();
      }
      double[] snapshot = snapshotEpoch.get(e.runId());
      if (snapshot != null) {
        snapshot[0] = e.snapshotEpoch();
      }
    } else if (event instanceof RunFinished f) {
      active.decrementAndGet();
      byState.get("active").decrementAndGet();
      RunResult r = f.result();
      byState.get("failed".equals(r.outcome()) ? "failed" : "finished").incrementAndGet();
      finishedByOutcome
          .computeIfAbsent(
              r.outcome(),
              o ->
                  Counter.builder("lipfarm.runs.finished")
                      .tag("farm", farm)
                      .tag("outcome", o)
                      .register(registry))
          .increment();
      if (ReportWriter.certifiedViolation(r)) {
        violations.increment();
      }
      recordRatios(r);
      endRun(f.runId());
    } else if (event instanceof FarmCancelled c) {
      byState.get("cancelled").set(c.runsCancelled());
      byState.get("pending").set(0);
      byState.get("active").set(0);
      active.set(0);
      List.copyOf(runMeters.keySet()).forEach(this::endRun);
    } else if (event instanceof FarmFinished) {
      List.copyOf(runMeters.keySet()).forEach(this::endRun);
    }
  }

  private void recordRatios(RunResult r) {
    double lower = r.lipLower();
    double upper = r.lipUpper();
    if (!Double.isFinite(lower) || !Double.isFinite(upper) || r.config() == null) {
      return;
    }
    double sqrtNk = Math.sqrt((double) r.config().n() / r.config().k());
    ratios.get("lower_over_sqrt_n_over_k").record(lower / sqrtNk);
    ratios.get("upper_over_sqrt_n_over_k").record(upper / sqrtNk);
    if (lower > 0) {
      ratios.get("upper_over_lower").record(upper / lower);
    }
  }

  private void startRun(String run, double sqrtNk) {
    double[] st = {Double.NaN, Double.NaN, Double.NaN, Double.NaN, sqrtNk};
    runState.put(run, st);
    List<Meter> meters = new ArrayList<>();
    String[] names = {
      "lipfarm.run.loss",
      "lipfarm.run.max.error",
      "lipfarm.run.lipschitz.lower",
      "lipfarm.run.lipschitz.upper"
    };
    for (int i = 0; i < names.length; i++) {
      int idx = i;
      meters.add(
          Gauge.builder(names[i], st, s -> s[idx])
              .tag("farm", farm)
              .tag("run", run)
              .register(registry));
    }
    meters.add(
        Gauge.builder("lipfarm.run.lipschitz.gap", st, s -> s[3] - s[2])
            .tag("farm", farm)
            .tag("run", run)
            .register(registry));
    meters.add(
        Gauge.builder("lipfarm.run.sqrt.n.over.k", st, s -> s[4])
            .tag("farm", farm)
            .tag("run", run)
            .register(registry));
    double[] snapshot = {Double.NaN};
    snapshotEpoch.put(run, snapshot);
    meters.add(
        Gauge.builder("lipfarm.run.snapshot.epoch", snapshot, s -> s[0])
            .tag("farm", farm)
            .tag("run", run)
            .description("training epoch of the snapshot the run's sandwich gauges describe")
            .register(registry));
    runMeters.put(run, meters);
  }

  private void endRun(String run) {
    List<Meter> meters = runMeters.remove(run);
    if (meters != null) {
      meters.forEach(registry::remove);
    }
    runState.remove(run);
    snapshotEpoch.remove(run);
    lastEpoch.remove(run);
  }
}
