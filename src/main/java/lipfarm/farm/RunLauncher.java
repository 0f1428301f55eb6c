package lipfarm.farm;

import lipfarm.config.RunConfig;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;

/**
 * What a {@link Coordinator} spawns, as its child, to carry one configuration to its one result: in
 * one runtime the {@link RunSupervisor} itself; a cluster spawns a stand-in that has the run
 * executed on another node. Whatever it is reports to {@code parent} exactly as a supervisor does
 * and is stopped by the coordinator when the farm is cancelled or stopped.
 */
@FunctionalInterface
public interface RunLauncher {

  /**
   * @param farm the farm's id
   * @param priorFailures failed attempts the journal already holds for this run
   * @param checkpoints the farm's checkpoints (null: none)
   */
  Behavior<?> run(
      String farm,
      RunConfig config,
      int priorFailures,
      CheckpointStore checkpoints,
      RunPolicy policy,
      ActorRef<FarmJournal.Command> journal,
      ActorRef<RunSupervisor.Report> parent);

  /** Runs execute here, as the coordinator's children. */
  static RunLauncher local(RunChildren children) {
    return (farm, config, failures, checkpoints, policy, journal, parent) ->
        RunSupervisor.create(config, failures, children, checkpoints, policy, journal, parent);
  }
}
