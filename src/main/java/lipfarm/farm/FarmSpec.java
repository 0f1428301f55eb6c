package lipfarm.farm;

import java.util.List;
import lipfarm.config.RunConfig;
import lipfarm.protocol.LipfarmSerializable;

/**
 * Everything the runtime needs to host one farm.
 *
 * @param id the farm's id: events, meters and the API name it (the directory's name)
 * @param name the farm's name from its definition
 * @param dir the farm's directory (absolute)
 * @param persistenceId the id of its journal
 * @param runs the expanded grid
 * @param confText the farm file written to {@code farm.conf} (resume reads it)
 * @param resumeEnded whether a farm whose journal says it ended runs again (the CLI: a rerun), or
 *     is only listed with its results (a recovering service)
 */
public record FarmSpec(
    String id,
    String name,
    String dir,
    String persistenceId,
    List<RunConfig> runs,
    int maxConcurrent,
    RunPolicy policy,
    String confText,
    boolean resumeEnded)
    implements LipfarmSerializable {

  /** A farm file holding the rendered farm block {@code source} (which has no braces). */
  public static String farmFile(String source) {
    return "farm {\n" + source.strip() + "\n}\n";
  }

  /** The spec of the service farm {@code e} under the results root {@code root}. */
  public static FarmSpec ofService(
      java.nio.file.Path root,
      lipfarm.config.FarmDefinition def,
      List<RunConfig> runs,
      ServiceRegistry.Entry e) {
    return new FarmSpec(
        e.id(),
        def.name(),
        root.resolve(e.dir()).toString(),
        e.persistenceId(),
        runs,
        def.maxConcurrentRuns(),
        RunPolicy.of(lipfarm.config.Durability.of(def)),
        farmFile(def.source()),
        false);
  }
}
