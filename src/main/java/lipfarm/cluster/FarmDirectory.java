package lipfarm.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import lipfarm.config.ConfigException;
import lipfarm.config.FarmDefinition;
import lipfarm.farm.FarmManager;
import lipfarm.farm.FarmSpec;
import lipfarm.farm.ServiceRegistry;
import lipfarm.protocol.LipfarmSerializable;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The cluster's list of farms, a cluster singleton: hands out farm ids and directories, records
 * every submission and cancellation in the {@link ServiceRegistry} (in the shared journal) before
 * the farm starts, and keeps every recorded farm hosted: each {@link #ENSURE_EVERY} it tells every
 * farm's {@link FarmEntity} to be hosted, so a farm whose node was lost is hosted again elsewhere
 * (and an unfinished one resumes). A new singleton (its node lost) reads the registry again.
 */
final class FarmDirectory {
  private FarmDirectory() {}

  /** The registry's persistence id in the shared journal. */
  static final String REGISTRY_ID = "lipfarm-cluster|registry";

  /** How often every farm is told to be hosted (how soon a lost farm is hosted again). */
  static final Duration ENSURE_EVERY = Duration.ofSeconds(2);

  sealed interface Command extends LipfarmSerializable {}

  /** A submission: {@code source} is the farm block as submitted (validated by the HTTP API). */
  record Submit(String source, String note, ActorRef<FarmManager.Submitted> replyTo)
      implements Command {}

  /** Replies with every farm's id, in submission order. */
  record ListIds(ActorRef<Ids> replyTo) implements Command {}

  record Ids(List<String> ids) implements LipfarmSerializable {}

  /** A farm entity started without its spec (a question reached it first). */
  record RequestEnsure(String id) implements Command {}

  /** Record the farm's cancellation (so it is not resumed). */
  record RecordCancel(String id) implements Command {}

  private record RegistryRead(ServiceRegistry.State state, Throwable error) implements Command {}

  private record Registered(Submit submit, FarmSpec spec, Throwable error) implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  private record Known(FarmSpec spec, boolean cancelled) {}

  static Behavior<Command> create(Path root) {
    return Behaviors.withStash(
        1000,
        stash ->
            Behaviors.setup(
                ctx ->
                    Behaviors.withTimers(
                        timers -> {
                          ActorRef<ServiceRegistry.Command> registry =
                              ctx.spawn(ServiceRegistry.create(REGISTRY_ID), "registry");
                          ctx.ask(
                              ServiceRegistry.State.class,
                              registry,
                              Duration.ofSeconds(120),
                              ServiceRegistry.Get::new,
                              RegistryRead::new);
                          return reading(ctx, stash, timers, root, registry);
                        })));
  }

  private static Behavior<Command> reading(
      ActorContext<Command> ctx,
      StashBuffer<Command> stash,
      org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers,
      Path root,
      ActorRef<ServiceRegistry.Command> registry) {
    return Behaviors.receive(Command.class)
        .onMessage(
            RegistryRead.class,
            m -> {
              if (m.error() != null) {
                throw new IllegalStateException("cannot read the cluster's registry", m.error());
              }
              Map<String, Known> known = new LinkedHashMap<>();
              for (ServiceRegistry.Entry e : m.state().farms().values()) {
                try {
                  FarmDefinition def = FarmDefinition.parse(FarmSpec.farmFile(e.source()));
                  known.put(
                      e.id(),
                      new Known(
                          FarmSpec.ofService(root, def, def.expand(), e),
                          m.state().cancelRequested().contains(e.id())));
                } catch (ConfigException | com.typesafe.config.ConfigException ex) {
                  ctx.getLog().error("cannot recover farm {}: {}", e.id(), ex.getMessage());
                }
              }
              timers.startTimerWithFixedDelay(Tick.INSTANCE, ENSURE_EVERY);
              Directory d = new Directory(ctx, root, registry, known, m.state().lastNumber());
              d.ensureAll();
              return stash.unstashAll(d.behavior());
            })
        .onAnyMessage(
            m -> {
              stash.stash(m);
              return Behaviors.same();
            })
        .build();
  }

  private static final class Directory {
    private final ActorContext<Command> ctx;
    private final Path root;
    private final ActorRef<ServiceRegistry.Command> registry;
    private final Map<String, Known> known;
    private final Set<String> registering = new HashSet<>();
    private final ClusterSharding sharding;
    private long lastNumber;

    Directory(
        ActorContext<Command> ctx,
        Path root,
        ActorRef<ServiceRegistry.Command> registry,
        Map<String, Known> known,
        long lastNumber) {
      this.ctx = ctx;
      this.root = root.toAbsolutePath().normalize();
      this.registry = registry;
      this.known = known;
      this.lastNumber = lastNumber;
      this.sharding = ClusterSharding.get(ctx.getSystem());
    }

    void ensureAll() {
      known.forEach((id, k) -> ensure(k, null, null));
    }

    private void ensure(Known k, String note, ActorRef<FarmManager.Opened> replyTo) {
      sharding
          .entityRefFor(FarmEntity.KEY, k.spec().id())
          .tell(new FarmEntity.Ensure(k.spec(), note, k.cancelled(), replyTo));
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessageEquals(
              Tick.INSTANCE,
              () -> {
                ensureAll();
                return Behaviors.same();
              })
          .onMessage(
              ListIds.class,
              m -> {
                m.replyTo().tell(new Ids(new ArrayList<>(known.keySet())));
                return Behaviors.same();
              })
          .onMessage(
              RequestEnsure.class,
              m -> {
                Known k = known.get(m.id());
                if (k != null) {
                  ensure(k, null, null);
                }
                return Behaviors.same();
              })
          .onMessage(
              RecordCancel.class,
              m -> {
                Known k = known.get(m.id());
                if (k != null && !k.cancelled()) {
                  known.put(m.id(), new Known(k.spec(), true));
                  registry.tell(
                      new ServiceRegistry.RequestCancel(m.id(), ctx.getSystem().ignoreRef()));
                }
                return Behaviors.same();
              })
          .onMessage(Submit.class, this::onSubmit)
          .onMessage(Registered.class, this::onRegistered)
          .build();
    }

    private Behavior<Command> onSubmit(Submit m) {
      FarmDefinition def;
      try {
        def = FarmDefinition.parse(FarmSpec.farmFile(m.source()));
      } catch (ConfigException | com.typesafe.config.ConfigException e) {
        m.replyTo().tell(new FarmManager.Submitted(null, "invalid farm: " + e.getMessage()));
        return Behaviors.same();
      }
      ServiceRegistry.Entry entry =
          ServiceRegistry.Entry.next(
              root, def.name(), def.source(), lastNumber, registering::contains);
      if (entry == null) {
        m.replyTo()
            .tell(
                new FarmManager.Submitted(
                    null, "farm name '" + def.name() + "' would leave the results root"));
        return Behaviors.same();
      }
      lastNumber = entry.number();
      String id = entry.id();
      FarmSpec spec = FarmSpec.ofService(root, def, def.expand(), entry);
      registering.add(id);
      ctx.ask(
          Done.class,
          registry,
          Duration.ofSeconds(60),
          r -> new ServiceRegistry.Register(entry, r),
          (ok, err) -> new Registered(m, spec, err));
      return Behaviors.same();
    }

    private Behavior<Command> onRegistered(Registered m) {
      registering.remove(m.spec().id());
      ActorRef<FarmManager.Submitted> replyTo = m.submit().replyTo();
      if (m.error() != null) {
        ctx.getLog().error("could not record farm {}", m.spec().id(), m.error());
        replyTo.tell(
            new FarmManager.Submitted(null, "could not record the farm; see the node's log"));
        return Behaviors.same();
      }
      Known k = new Known(m.spec(), false);
      known.put(m.spec().id(), k);
      ActorRef<FarmManager.Opened> answer =
          ctx.spawnAnonymous(
              Behaviors.receiveMessage(
                  (FarmManager.Opened o) -> {
                    replyTo.tell(new FarmManager.Submitted(o.status(), o.error()));
                    return Behaviors.stopped();
                  }));
      ensure(k, m.submit().note(), answer);
      return Behaviors.same();
    }
  }

  /** The persistence id's farm id ({@code lipfarm|<id>|<uuid>}), or null for another id. */
  static String farmIdOf(String persistenceId) {
    String[] parts = persistenceId.split("\\|");
    return parts.length == 3 && parts[0].equals("lipfarm") ? parts[1] : null;
  }
}
