package lipfarm.cluster;

import lipfarm.farm.FarmManager;
import lipfarm.farm.FarmSpec;
import lipfarm.protocol.LipfarmSerializable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * One farm of the cluster as a Cluster Sharding entity (type {@value #TYPE}, entity id the farm's
 * id), so exactly one node writes the farm's journal. It hosts the farm the way one runtime does: a
 * one-farm {@link FarmManager} (made by the node) with the farm's journal, reporter (the report
 * files, on the shared results root) and coordinator, whose runs are placed in the cluster. The
 * {@link FarmDirectory} has it hosted ({@link Ensure}) when the farm is submitted, when the
 * directory starts, and again after the node that hosted it was lost.
 */
final class FarmEntity {
  private FarmEntity() {}

  static final String TYPE = "farm";
  static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, TYPE);

  sealed interface Command extends LipfarmSerializable {}

  /**
   * Host the farm if it is not hosted yet; {@code replyTo} (may be null) hears when its journal has
   * it.
   */
  record Ensure(
      FarmSpec spec, String note, boolean cancelRequested, ActorRef<FarmManager.Opened> replyTo)
      implements Command {}

  record GetFarm(ActorRef<FarmManager.Lookup> replyTo) implements Command {}

  record GetResults(ActorRef<FarmManager.Results> replyTo) implements Command {}

  record Cancel(ActorRef<FarmManager.Lookup> replyTo) implements Command {}

  record AwaitEnd(ActorRef<FarmManager.Lookup> replyTo) implements Command {}

  /** Sharding's hand-off: stop; the farm is hosted again on another node. */
  enum Stop implements Command {
    INSTANCE
  }

  private enum ManagerStopped implements Command {
    INSTANCE
  }

  /** Makes the one-farm manager of a farm entity (the node supplies meters, launcher, ...). */
  interface Managers {
    Behavior<FarmManager.Command> manager();
  }

  static Behavior<Command> create(
      String farmId, Managers managers, ActorRef<FarmDirectory.Command> directory) {
    return Behaviors.withStash(
        1000, stash -> Behaviors.setup(ctx -> unhosted(ctx, stash, farmId, managers, directory)));
  }

  private static Behavior<Command> unhosted(
      ActorContext<Command> ctx,
      StashBuffer<Command> stash,
      String farmId,
      Managers managers,
      ActorRef<FarmDirectory.Command> directory) {
    boolean[] asked = {false};
    return Behaviors.receive(Command.class)
        .onMessage(
            Ensure.class,
            e -> {
              ActorRef<FarmManager.Command> manager = ctx.spawn(managers.manager(), "manager");
              markHost(ctx, e.spec());
              ctx.watchWith(manager, ManagerStopped.INSTANCE);
              manager.tell(
                  new FarmManager.Host(
                      e.spec(),
                      e.note(),
                      e.cancelRequested(),
                      e.replyTo() != null ? e.replyTo() : ctx.getSystem().ignoreRef()));
              return stash.unstashAll(hosted(ctx, farmId, manager));
            })
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .onMessageEquals(ManagerStopped.INSTANCE, Behaviors::stopped)
        .onAnyMessage(
            m -> {
              // A question before the farm is hosted (it was just started on this node): the
              // directory knows the farm and has it hosted.
              stash.stash(m);
              if (!asked[0]) {
                asked[0] = true;
                directory.tell(new FarmDirectory.RequestEnsure(farmId));
              }
              return Behaviors.same();
            })
        .build();
  }

  /** The file in a farm's directory naming the node that hosts its coordinator. */
  static final String HOST_FILE = "coordinator.node";

  /** Notes in the farm's directory which node hosts it (for operators and tests). */
  private static void markHost(ActorContext<Command> ctx, FarmSpec spec) {
    String self =
        org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem())
            .selfMember()
            .address()
            .toString();
    try {
      java.nio.file.Path dir = java.nio.file.Path.of(spec.dir());
      java.nio.file.Files.createDirectories(dir);
      lipfarm.reporting.ReportWriter.atomicWrite(
          dir.resolve(HOST_FILE), (self + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.io.IOException ex) {
      ctx.getLog().warn("cannot note the host of farm {}: {}", spec.id(), ex.getMessage());
    }
  }

  private static Behavior<Command> hosted(
      ActorContext<Command> ctx, String farmId, ActorRef<FarmManager.Command> manager) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Ensure.class,
            e -> {
              if (e.replyTo() != null) {
                manager.tell(
                    new FarmManager.Host(e.spec(), e.note(), e.cancelRequested(), e.replyTo()));
              }
              return Behaviors.same(); // already hosted: the periodic ensure
            })
        .onMessage(
            GetFarm.class,
            m -> {
              manager.tell(new FarmManager.GetFarm(farmId, m.replyTo()));
              return Behaviors.same();
            })
        .onMessage(
            GetResults.class,
            m -> {
              manager.tell(new FarmManager.GetResults(farmId, m.replyTo()));
              return Behaviors.same();
            })
        .onMessage(
            Cancel.class,
            m -> {
              manager.tell(new FarmManager.CancelFarm(farmId, m.replyTo()));
              return Behaviors.same();
            })
        .onMessage(
            AwaitEnd.class,
            m -> {
              manager.tell(new FarmManager.AwaitEnd(farmId, m.replyTo()));
              return Behaviors.same();
            })
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .onMessageEquals(
            ManagerStopped.INSTANCE,
            () -> {
              ctx.getLog().error("the manager of farm {} stopped; it is hosted again", farmId);
              return Behaviors.stopped();
            })
        .build();
  }
}
