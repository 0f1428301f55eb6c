package lipfarm.farm;

import java.nio.file.Path;
import java.util.List;
import lipfarm.config.ConfigException;
import lipfarm.config.FarmDefinition;
import lipfarm.config.RunConfig;
import lipfarm.protocol.LipfarmSerializable;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The service's side of the farm manager: hands out farm ids and directories, records every
 * submission and cancellation in the {@link ServiceRegistry} before the farm starts, and on start
 * has the manager host every farm the registry recorded (unfinished ones resume). A child of the
 * {@link FarmManager}, which forwards submissions here and is told which farms to host.
 */
final class ServiceFarms extends AbstractBehavior<ServiceFarms.Command> {

  sealed interface Command extends LipfarmSerializable {}

  /** A submission forwarded by the manager. */
  record Submit(FarmManager.Submit submit) implements Command {}

  /** Record that the farm's cancellation was asked for (so a restart does not resume it). */
  record RecordCancel(String id) implements Command {}

  private record RegistryRead(ServiceRegistry.State state) implements Command {}

  private record Registered(FarmManager.Submit submit, FarmSpec spec, Throwable error)
      implements Command {}

  private final Path root;
  private final ActorRef<FarmManager.Command> manager;
  private final ActorRef<ServiceRegistry.Command> registry;
  private long lastNumber;

  static Behavior<Command> create(
      Path root, String registryId, ActorRef<FarmManager.Command> manager) {
    return Behaviors.setup(ctx -> new ServiceFarms(ctx, root, registryId, manager));
  }

  private ServiceFarms(
      ActorContext<Command> ctx,
      Path root,
      String registryId,
      ActorRef<FarmManager.Command> manager) {
    super(ctx);
    this.root = root.toAbsolutePath().normalize();
    this.manager = manager;
    this.registry = ctx.spawn(ServiceRegistry.create(registryId), "service-registry");
    ctx.watch(registry); // a registry that stops stops this actor, and so the manager
    ctx.ask(
        ServiceRegistry.State.class,
        registry,
        FarmJournal.WAIT,
        ServiceRegistry.Get::new,
        (s, e) -> {
          if (s == null) {
            throw new IllegalStateException("cannot read the service registry", e);
          }
          return new RegistryRead(s);
        });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(RegistryRead.class, this::onRegistryRead)
        .onMessage(Submit.class, m -> onSubmit(m.submit()))
        .onMessage(Registered.class, this::onRegistered)
        .onMessage(
            RecordCancel.class,
            m -> {
              registry.tell(
                  new ServiceRegistry.RequestCancel(m.id(), getContext().getSystem().ignoreRef()));
              return this;
            })
        .build();
  }

  /** Every recorded farm is hosted again, then the projection starts (so it finds them all). */
  private Behavior<Command> onRegistryRead(RegistryRead m) {
    lastNumber = m.state().lastNumber();
    for (ServiceRegistry.Entry e : m.state().farms().values()) {
      FarmDefinition def;
      try {
        def = FarmDefinition.parse(FarmSpec.farmFile(e.source()));
      } catch (ConfigException | com.typesafe.config.ConfigException ex) {
        getContext().getLog().error("cannot recover farm {}: {}", e.id(), ex.getMessage());
        continue;
      }
      boolean cancelled = m.state().cancelRequested().contains(e.id());
      manager.tell(
          new FarmManager.Host(
              specOf(def, def.expand(), e), null, cancelled, getContext().getSystem().ignoreRef()));
    }
    manager.tell(FarmManager.StartProjection.INSTANCE);
    return this;
  }

  private FarmSpec specOf(FarmDefinition def, List<RunConfig> runs, ServiceRegistry.Entry e) {
    return FarmSpec.ofService(root, def, runs, e);
  }

  private Behavior<Command> onSubmit(FarmManager.Submit m) {
    FarmDefinition def = m.definition();
    ServiceRegistry.Entry entry =
        ServiceRegistry.Entry.next(root, def.name(), def.source(), lastNumber, id -> false);
    if (entry == null) {
      m.replyTo()
          .tell(
              new FarmManager.Submitted(
                  null, "farm name '" + def.name() + "' would leave the results root"));
      return this;
    }
    lastNumber = entry.number();
    FarmSpec spec = specOf(def, m.runs(), entry);
    getContext()
        .ask(
            Done.class,
            registry,
            FarmJournal.WAIT,
            r -> new ServiceRegistry.Register(entry, r),
            (ok, err) -> new Registered(m, spec, err));
    return this;
  }

  /** Recorded: the manager hosts it and answers the submitter once its journal has it. */
  private Behavior<Command> onRegistered(Registered m) {
    ActorRef<FarmManager.Submitted> replyTo = m.submit().replyTo();
    if (m.error() != null) {
      getContext().getLog().error("could not record farm {}", m.spec().id(), m.error());
      replyTo.tell(
          new FarmManager.Submitted(null, "could not record the farm; see the service log"));
      return this;
    }
    ActorRef<FarmManager.Opened> answer =
        getContext()
            .spawnAnonymous(
                Behaviors.receiveMessage(
                    (FarmManager.Opened o) -> {
                      replyTo.tell(new FarmManager.Submitted(o.status(), o.error()));
                      return Behaviors.stopped();
                    }));
    manager.tell(new FarmManager.Host(m.spec(), m.submit().note(), false, answer));
    return this;
  }
}
