package lipfarm.reporting;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import lipfarm.protocol.FarmEvent;
import lipfarm.protocol.FarmEvent.FarmStarted;
import lipfarm.protocol.FarmEvent.LipschitzEstimate;
import lipfarm.protocol.FarmEvent.RunFinished;
import lipfarm.protocol.FarmEvent.RunStarted;
import lipfarm.protocol.FarmEvent.TrainingProgress;

/**
 * Micrometer meters of one farm. Per-run gauges are tagged with the run id and removed when the
 * run finishes, so tag cardinality is bounded by {@code max-concurrent-runs}. Gauge state is held
 * strongly here (Micrometer keeps only weak references). Called from the reporter actor only.
 *
 * <ul>
 *   <li>{@code lipfarm.runs.total}, {@code lipfarm.runs.active}: gauges, tag {@code farm}
 *   <li>{@code lipfarm.runs.finished}: counter, tags {@code farm}, {@code outcome}
 *   <li>{@code lipfarm.training.epochs}: counter of epochs trained
 *   <li>{@code lipfarm.run.loss}, {@code lipfarm.run.max.error}, {@code lipfarm.run.lipschitz.lower},
 *       {@code lipfarm.run.lipschitz.upper}: gauges per active run, tags {@code farm}, {@code run}
 *   <li>{@code lipfarm.estimator.invariant.violations}: counter (lower &gt; upper, or F10 &gt; lower)
 * </ul>
 */
public final class FarmMetrics {
  private final MeterRegistry registry;
  private final String farm;
  private final AtomicInteger total = new AtomicInteger();
  private final AtomicInteger active = new AtomicInteger();
  private final Counter epochs;
  private final Counter violations;
  private final Map<String, double[]> runState = new HashMap<>(); // loss, maxErr, lower, upper
  private final Map<String, List<Meter>> runMeters = new HashMap<>();
  private final Map<String, Integer> lastEpoch = new HashMap<>();

  public FarmMetrics(MeterRegistry registry, String farm) {
    this.registry = registry;
    this.farm = farm;
    Gauge.builder("lipfarm.runs.total", total, AtomicInteger::get).tag("farm", farm).description("configurations in the farm").register(registry);
    Gauge.builder("lipfarm.runs.active", active, AtomicInteger::get).tag("farm", farm).description("configurations training or estimating").register(registry);
    epochs = Counter.builder("lipfarm.training.epochs").tag("farm", farm).description("full-batch epochs trained").register(registry);
    violations =
        Counter.builder("lipfarm.estimator.invariant.violations").tag("farm", farm).description("runs whose certified sandwich contradicts itself or F10").register(registry);
  }

  public void record(FarmEvent event) {
    if (event instanceof FarmStarted s) {
      total.set(s.totalRuns());
    } else if (event instanceof RunStarted s) {
      active.incrementAndGet();
      startRun(s.runId());
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
    } else if (event instanceof LipschitzEstimate e) {
      double[] st = runState.get(e.runId());
      if (st != null) {
        st[2] = e.lower();
        st[3] = e.upper();
      }
    } else if (event instanceof RunFinished f) {
      active.decrementAndGet();
      Counter.builder("lipfarm.runs.finished").tag("farm", farm).tag("outcome", f.result().outcome()).register(registry).increment();
      if (f.result().lipLower() > f.result().lipUpper() || !ReportWriter.f10Holds(f.result())) {
        violations.increment();
      }
      endRun(f.runId());
    }
  }

  private void startRun(String run) {
    double[] st = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    runState.put(run, st);
    List<Meter> meters = new ArrayList<>();
    String[] names = {"lipfarm.run.loss", "lipfarm.run.max.error", "lipfarm.run.lipschitz.lower", "lipfarm.run.lipschitz.upper"};
    for (int i = 0; i < names.length; i++) {
      int idx = i;
      meters.add(Gauge.builder(names[i], st, s -> s[idx]).tag("farm", farm).tag("run", run).register(registry));
    }
    runMeters.put(run, meters);
  }

  private void endRun(String run) {
    List<Meter> meters = runMeters.remove(run);
    if (meters != null) {
      meters.forEach(registry::remove);
    }
    runState.remove(run);
    lastEpoch.remove(run);
  }
}
