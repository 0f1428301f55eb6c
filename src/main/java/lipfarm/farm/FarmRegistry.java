package lipfarm.farm;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import lipfarm.protocol.RunResult;
import lipfarm.reporting.ReportOrder;

/**
 * The farms one {@link FarmManager} hosts: found by id (the protocol's) or by their journal's
 * persistence id (the projection's), their states counted for the {@code lipfarm.farms} gauge, and
 * the answers to the manager's queries. A plain class owned by the manager's actor (not
 * thread-safe), so that the bookkeeping is read apart from the message handling.
 */
final class FarmRegistry {
  private final Map<String, HostedFarm> farms = new LinkedHashMap<>();
  private final Map<String, String> byPersistenceId = new HashMap<>();
  private final Map<String, AtomicInteger> farmsByState = new HashMap<>();

  /**
   * Registers the {@code lipfarm.farms} gauge, one series per state of {@link FarmManager#STATES}.
   */
  FarmRegistry(MeterRegistry registry) {
    for (String state : FarmManager.STATES) {
      AtomicInteger v = new AtomicInteger();
      farmsByState.put(state, v);
      Gauge.builder("lipfarm.farms", v, AtomicInteger::get)
          .tag("state", state)
          .description("farms of the runtime by state")
          .strongReference(true)
          .register(registry);
    }
  }

  /** The farm {@code id}, or null. */
  HostedFarm get(String id) {
    return farms.get(id);
  }

  boolean contains(String id) {
    return farms.containsKey(id);
  }

  /**
   * The farm whose journal is {@code persistenceId}, or null (another farm in a shared journal).
   */
  HostedFarm byPersistenceId(String persistenceId) {
    String id = byPersistenceId.get(persistenceId);
    return id == null ? null : farms.get(id);
  }

  Collection<HostedFarm> all() {
    return farms.values();
  }

  /** A farm being opened: hosted, and counted as running. */
  void add(HostedFarm f) {
    farms.put(f.spec.id(), f);
    count("running", 1);
  }

  /** Its journal and reporter run: the projection's events reach it from now on. */
  void journalStarted(HostedFarm f) {
    byPersistenceId.put(f.spec.persistenceId(), f.spec.id());
  }

  /** No longer hosted; {@code state} is the gauge series it leaves. */
  void remove(HostedFarm f, String state) {
    farms.remove(f.spec.id());
    count(state, -1);
    byPersistenceId.remove(f.spec.persistenceId());
  }

  void setState(HostedFarm f, String state) {
    count(f.state, -1);
    f.state = state;
    count(state, 1);
  }

  /** The farm failed with {@code error}: its end waiters hear so. */
  void fail(HostedFarm f, String error) {
    f.error = error;
    f.active.clear();
    setState(f, "failed");
    f.endWaiters.forEach(r -> r.tell(new FarmManager.Lookup(f.status())));
    f.endWaiters.clear();
  }

  private void count(String state, int delta) {
    farmsByState.get(state).addAndGet(delta);
  }

  // ---- queries ----------------------------------------------------------------------------------

  FarmManager.FarmList list() {
    return new FarmManager.FarmList(farms.values().stream().map(HostedFarm::status).toList());
  }

  /** The farm's status; a null status for an unknown id. */
  FarmManager.Lookup lookup(String id) {
    HostedFarm f = farms.get(id);
    return new FarmManager.Lookup(f == null ? null : f.status());
  }

  /** The results of the runs finished so far, in the reports' order. */
  FarmManager.Results results(String id) {
    HostedFarm f = farms.get(id);
    if (f == null) {
      return new FarmManager.Results(null, List.of());
    }
    List<RunResult> sorted = new ArrayList<>(f.results.values());
    sorted.sort(ReportOrder.BY_PARAMETERS);
    return new FarmManager.Results(f.status(), List.copyOf(sorted));
  }

  /** Whether no hosted farm has a coordinator any more. */
  boolean coordinatorsStopped() {
    return farms.values().stream().allMatch(f -> f.coordinator == null);
  }
}
