package lipfarm.reporting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import lipfarm.config.RunConfig;
import lipfarm.protocol.NetworkSnapshot;

/**
 * A finished run's network on disk: {@code runs/<farm>/networks/<run-id>.json}, in the format
 * {@code lipfarm estimate} reads ({@code activation}, {@code layers} with {@code weights} as rows
 * [out][in] and {@code bias}), plus the run's {@code config} (every parameter, as in results.json),
 * from which its training data is regenerated ({@code DataSets.create(config.dataSpec(),
 * config.dataSeed())}), and the estimator's {@code seed} and {@code budget} for that run. Doubles
 * are written in their shortest round-trip form, so reading gives the same bits. Files are written
 * to a temporary file, forced to disk and renamed, so a reader never sees half a network.
 */
public final class NetworkFiles {
  private NetworkFiles() {}

  /** Folder of the saved networks inside a farm directory. */
  public static final String DIR = "networks";

  /** The format tag of a saved network file. */
  public static final String FORMAT = "lipfarm-network/1";

  /** A saved network with the configuration it was trained on. */
  public record Saved(RunConfig config, NetworkSnapshot network) {}

  /** Where the network of {@code runId} is saved, relative to the farm directory. */
  public static String relativePath(String runId) {
    return DIR + "/" + runId + ".json";
  }

  public static Path path(Path farmDir, String runId) {
    return farmDir.resolve(relativePath(runId));
  }

  /** Writes the network of a run atomically; replaces an earlier file of the same run. */
  public static Path write(Path farmDir, RunConfig config, NetworkSnapshot net) throws IOException {
    Path target = path(farmDir, config.id());
    Files.createDirectories(target.getParent());
    byte[] bytes = json(config, net).getBytes(StandardCharsets.UTF_8);
    Path tmp = Files.createTempFile(target.getParent(), "." + config.id(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target;
  }

  /** The file's JSON text. */
  static String json(RunConfig config, NetworkSnapshot net) throws IOException {
    ObjectMapper mapper = EventJson.newMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("format", FORMAT);
    root.put("runId", config.id());
    root.put("activation", net.activation());
    ArrayNode layers = root.putArray("layers");
    for (NetworkSnapshot.Layer l : net.layers()) {
      ObjectNode ln = layers.addObject();
      ArrayNode rows = ln.putArray("weights");
      for (int r = 0; r < l.rows(); r++) {
        ArrayNode row = rows.addArray();
        for (int c = 0; c < l.cols(); c++) {
          row.add(l.w(r, c));
        }
      }
      double[] bias = l.bias();
      if (bias != null) {
        ArrayNode b = ln.putArray("bias");
        for (double v : bias) {
          b.add(v);
        }
      }
    }
    root.set("config", mapper.valueToTree(config));
    root.put("dataSeed", config.dataSeed());
    ObjectNode est = root.putObject("estimator");
    est.put("seed", config.estimatorSeed());
    est.put("budget", config.estimatorBudget());
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
  }

  /** The configuration of a saved network file's JSON, or null if it has none. */
  public static RunConfig config(JsonNode root) throws IOException {
    JsonNode c = root == null ? null : root.get("config");
    if (c == null || c.isNull()) {
      return null;
    }
    try {
      return EventJson.newMapper().treeToValue(c, RunConfig.class);
    } catch (IllegalArgumentException e) {
      throw new IOException("config: " + e.getMessage(), e);
    }
  }

  /** Reads a saved network file. */
  public static Saved read(Path file) throws IOException {
    JsonNode root = EventJson.newMapper().readTree(file.toFile());
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new IOException(file + ": not a saved lipfarm network (format " + FORMAT + ")");
    }
    List<NetworkSnapshot.Layer> layers = new ArrayList<>();
    for (JsonNode l : root.get("layers")) {
      JsonNode w = l.get("weights");
      int rows = w.size();
      int cols = w.get(0).size();
      double[] flat = new double[rows * cols];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          flat[r * cols + c] = w.get(r).get(c).asDouble();
        }
      }
      double[] bias = null;
      if (l.has("bias")) {
        bias = new double[rows];
        for (int r = 0; r < rows; r++) {
          bias[r] = l.get("bias").get(r).asDouble();
        }
      }
      layers.add(new NetworkSnapshot.Layer(rows, cols, flat, bias));
    }
    return new Saved(config(root), new NetworkSnapshot(root.get("activation").asText(), layers));
  }
}
