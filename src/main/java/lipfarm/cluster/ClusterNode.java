package lipfarm.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import lipfarm.farm.EventJournal;
import lipfarm.farm.EventProjection;
import lipfarm.farm.FarmManager;
import lipfarm.farm.FarmRuntime;
import lipfarm.farm.Faults;
import lipfarm.farm.JournalDatabase;
import lipfarm.farm.RunChildren;
import lipfarm.farm.RunLauncher;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.external.ExternalShardAllocation;
import org.apache.pekko.cluster.sharding.external.ExternalShardAllocationStrategy;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * One member of a lipfarm cluster ({@code lipfarm node}): an actor system on Pekko Cluster whose
 * persistence plugins point at the cluster's shared journal, with
 *
 * <ul>
 *   <li>the sharded {@link FarmEntity} (one writer per farm) and {@link RunEntity} (one per
 *       configuration, pinned to the node chosen by free slots),
 *   <li>this node's {@link SlotKeeper} ({@code slots} compute slots) and {@link Placer},
 *   <li>the {@link FarmDirectory} singleton (proxy),
 *   <li>the {@link ClusterFront} that the HTTP API talks to, fed by this node's projection of the
 *       journal into its {@link EventJournal}.
 * </ul>
 */
public final class ClusterNode implements AutoCloseable {

  /**
   * @param host the address other nodes reach this one at (Artery's canonical host name)
   * @param port Artery's port (0: any free one)
   * @param bindHost the interface Artery binds ("": the canonical host)
   * @param seeds seed nodes as {@code host:port}; empty: this node starts a cluster of its own
   * @param slots compute slots (runs executing at once on this node; also the compute threads)
   * @param root the results root, shared by every node (checkpoints, networks, reports)
   * @param extra further settings (e.g. the HTTP server's, TLS), over the cluster's
   */
  public record Settings(
      String host,
      int port,
      String bindHost,
      List<String> seeds,
      int slots,
      Path root,
      JournalDatabase database,
      MeterRegistry meters,
      RunChildren children,
      Faults faults,
      int eventLogCapacity,
      Config extra) {}

  /** The actor system's name: every node of a cluster must use it. */
  public static final String SYSTEM = "lipfarm";

  private final ActorSystem<Void> system;
  private final MeterRegistry meters;
  private final ActorRef<FarmManager.Command> front;
  private final ActorRef<EventJournal.Command> eventLog;

  private ClusterNode(
      ActorSystem<Void> system,
      MeterRegistry meters,
      ActorRef<FarmManager.Command> front,
      ActorRef<EventJournal.Command> eventLog) {
    this.system = system;
    this.meters = meters;
    this.front = front;
    this.eventLog = eventLog;
  }

  private record Refs(ActorRef<FarmManager.Command> front, ActorRef<EventJournal.Command> log) {}

  /**
   * Creates the journal's tables if missing, starts the node and has it join the cluster.
   *
   * @throws SQLException if the journal's database cannot be opened
   */
  public static ClusterNode start(Settings s) throws SQLException {
    s.database().createSchemaIfMissing();
    CompletableFuture<Refs> refs = new CompletableFuture<>();
    Behavior<Void> guardian =
        Behaviors.setup(
            ctx -> {
              ActorSystem<?> system = ctx.getSystem();
              String self = Cluster.get(system).selfMember().address().toString();
              ActorRef<EventJournal.Command> log =
                  ctx.spawn(
                      EventJournal.create(s.eventLogCapacity(), Duration.ofSeconds(10)),
                      "event-journal");
              ClusterSharding sharding = ClusterSharding.get(system);
              ActorRef<SlotKeeper.Command> keeper =
                  ctx.spawn(SlotKeeper.create(self, s.slots(), s.meters(), sharding), "slots");
              ActorRef<Placer.Command> placer = ctx.spawn(Placer.create(), "placer");
              sharding.init(
                  Entity.of(
                          RunEntity.KEY,
                          ec -> RunEntity.create(ec.getEntityId(), self, s.children(), keeper))
                      .withMessageExtractor(new OneShardPerEntity<RunEntity.Command>())
                      .withAllocationStrategy(
                          ExternalShardAllocationStrategy.create(
                              system, RunEntity.TYPE, Duration.ofSeconds(5)))
                      .withStopMessage(RunEntity.Stop.INSTANCE));
              RunLauncher launcher =
                  RunStandIn.launcher(
                      sharding,
                      ExternalShardAllocation.get(system).getClient(RunEntity.TYPE),
                      placer);
              ActorRef<FarmDirectory.Command> directory =
                  ClusterSingleton.get(system)
                      .init(
                          SingletonActor.of(
                              Behaviors.supervise(FarmDirectory.create(s.root()))
                                  .onFailure(
                                      SupervisorStrategy.restartWithBackoff(
                                          Duration.ofSeconds(1), Duration.ofSeconds(10), 0.2)),
                              "farm-directory"));
              FarmManager.Settings managerSettings =
                  new FarmManager.Settings(
                      s.root(),
                      s.meters(),
                      system.ignoreRef(), // this node's projection feeds its event log
                      s.children(),
                      s.faults(),
                      e -> {},
                      null,
                      launcher);
              sharding.init(
                  Entity.of(
                          FarmEntity.KEY,
                          ec ->
                              FarmEntity.create(
                                  ec.getEntityId(),
                                  () -> FarmManager.create(managerSettings),
                                  directory))
                      .withStopMessage(FarmEntity.Stop.INSTANCE));
              ActorRef<FarmManager.Command> front =
                  ctx.spawn(ClusterFront.create(directory, log), "front");
              EventProjection.start(system, front);
              refs.complete(new Refs(front, log));
              return Behaviors.empty();
            });
    ActorSystem<Void> system = ActorSystem.create(guardian, SYSTEM, config(s));
    Cluster cluster = Cluster.get(system);
    // Membership as this node sees it: for dashboards, and to wait until a cluster has formed
    // (a node still Joining does not count for the Split Brain Resolver's majority).
    Gauge.builder("lipfarm.cluster.members.up", cluster, ClusterNode::membersUp)
        .description("cluster members this node sees Up")
        .register(s.meters());
    Gauge.builder(
            "lipfarm.cluster.members.unreachable", cluster, c -> c.state().getUnreachable().size())
        .description("cluster members this node sees unreachable")
        .register(s.meters());
    if (s.seeds().isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    } else {
      cluster
          .manager()
          .tell(new JoinSeedNodes(s.seeds().stream().map(ClusterNode::seedAddress).toList()));
    }
    Refs r = refs.join();
    return new ClusterNode(system, s.meters(), r.front(), r.log());
  }

  private static double membersUp(Cluster c) {
    int up = 0;
    for (org.apache.pekko.cluster.Member m : c.state().getMembers()) {
      up += m.status() == org.apache.pekko.cluster.MemberStatus.up() ? 1 : 0;
    }
    return up;
  }

  /** {@code host:port} as a cluster address of a lipfarm node. */
  public static Address seedAddress(String hostPort) {
    return AddressFromURIString.parse("pekko://" + SYSTEM + "@" + hostPort.strip());
  }

  static Config config(Settings s) {
    Config cluster =
        ConfigFactory.empty()
            .withValue(
                "pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(s.host()))
            .withValue(
                "pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(s.port()));
    if (!s.bindHost().isEmpty()) {
      cluster =
          cluster.withValue(
              "pekko.remote.artery.bind.hostname", ConfigValueFactory.fromAnyRef(s.bindHost()));
    }
    FarmRuntime.Settings runtime =
        new FarmRuntime.Settings(
            s.root(),
            s.database(),
            s.slots(),
            s.meters(),
            s.children(),
            s.faults(),
            e -> {},
            null,
            s.eventLogCapacity(),
            s.extra()
                .withFallback(cluster)
                .withFallback(ConfigFactory.parseResources("lipfarm-cluster.conf")));
    // Like any Typesafe config, -D system properties win (e.g. a shorter stable-after in tests).
    return ConfigFactory.systemProperties().withFallback(FarmRuntime.config(runtime));
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** This node's meters (its free slots among them). */
  public MeterRegistry meters() {
    return meters;
  }

  /** What the HTTP API talks to (the farm manager's protocol). */
  public ActorRef<FarmManager.Command> front() {
    return front;
  }

  public ActorRef<EventJournal.Command> eventLog() {
    return eventLog;
  }

  /** This node's cluster address. */
  public String address() {
    return Cluster.get(system).selfMember().address().toString();
  }

  /** Leaves the cluster (its farms and runs move to the other nodes) and stops. */
  @Override
  public void close() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /** Shard id = entity id: each run can be pinned to a node of its own. */
  static final class OneShardPerEntity<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {
    @Override
    public String entityId(ShardingEnvelope<M> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId;
    }

    @Override
    public M unwrapMessage(ShardingEnvelope<M> envelope) {
      return envelope.message();
    }
  }
}
