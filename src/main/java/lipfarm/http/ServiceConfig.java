package lipfarm.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import lipfarm.config.FarmText;

/**
 * Settings of {@code lipfarm serve}.
 *
 * @param host address to bind; 127.0.0.1 by default
 * @param port TCP port; 0 picks a free one
 * @param token the bearer token required by requests that change state; null for none. Use {@link
 *     #withTokenPolicy} to apply the rule for non-loopback addresses.
 * @param outputRoot results root: farm {@code id} writes to {@code <root>/<name>/<id>/}
 * @param maxBodyBytes largest accepted request body
 * @param heartbeat idle time after which an event stream sends a comment line
 * @param eventLogCapacity how many of the newest events are kept for streams and resume
 * @param computeThreads threads of the compute dispatcher shared by every farm's runs
 * @param limits what a submitted farm may ask for
 */
public record ServiceConfig(
    String host,
    int port,
    String token,
    Path outputRoot,
    long maxBodyBytes,
    Duration heartbeat,
    int eventLogCapacity,
    int computeThreads,
    Limits limits) {

  /** A token must be printable ASCII without spaces, or it could never be sent and matched. */
  public ServiceConfig {
    if (token != null && token.isEmpty()) {
      token = null;
    }
    if (token != null && !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(
          "the token must be printable ASCII characters without spaces (it is sent in an HTTP header)");
    }
  }

  /**
   * What a farm submitted over HTTP may ask for.
   *
   * @param maxConfigurations most configurations one farm's grid may span
   * @param maxRunCells most numbers one run may hold at once, as estimated by {@link RunSize}
   * @param maxDepth deepest nesting of a request body (objects, lists, dotted keys)
   * @param dataDirs directories besides the working directory whose files farms may read
   */
  public record Limits(
      long maxConfigurations, long maxRunCells, int maxDepth, List<Path> dataDirs) {
    public Limits {
      if (maxConfigurations < 1 || maxRunCells < 1 || maxDepth < 1) {
        throw new IllegalArgumentException("limits must be positive");
      }
      dataDirs = List.copyOf(dataDirs);
    }

    /** 100 000 configurations; 50 million numbers (400 MB as doubles) per run. */
    public static Limits defaults() {
      return new Limits(100_000, 50_000_000, FarmText.DEFAULT_MAX_DEPTH, List.of());
    }
  }

  public static ServiceConfig defaults() {
    return new ServiceConfig(
        "127.0.0.1",
        8080,
        null,
        Path.of("runs"),
        64 * 1024,
        Duration.ofSeconds(15),
        200_000,
        Runtime.getRuntime().availableProcessors(),
        Limits.defaults());
  }

  public ServiceConfig withHost(String h) {
    return copy(b -> b.host = h);
  }

  public ServiceConfig withPort(int p) {
    return copy(b -> b.port = p);
  }

  public ServiceConfig withToken(String t) {
    return copy(b -> b.token = t);
  }

  public ServiceConfig withOutputRoot(Path r) {
    return copy(b -> b.outputRoot = r);
  }

  public ServiceConfig withMaxBodyBytes(long m) {
    return copy(b -> b.maxBodyBytes = m);
  }

  public ServiceConfig withHeartbeat(Duration h) {
    return copy(b -> b.heartbeat = h);
  }

  public ServiceConfig withEventLogCapacity(int c) {
    return copy(b -> b.eventLogCapacity = c);
  }

  public ServiceConfig withComputeThreads(int c) {
    return copy(b -> b.computeThreads = c);
  }

  public ServiceConfig withLimits(Limits l) {
    return copy(b -> b.limits = l);
  }

  public ServiceConfig withMaxConfigurations(long max) {
    return withLimits(new Limits(max, limits.maxRunCells(), limits.maxDepth(), limits.dataDirs()));
  }

  public ServiceConfig withMaxDepth(int depth) {
    return withLimits(
        new Limits(limits.maxConfigurations(), limits.maxRunCells(), depth, limits.dataDirs()));
  }

  public ServiceConfig withDataDirs(List<Path> dirs) {
    return withLimits(
        new Limits(limits.maxConfigurations(), limits.maxRunCells(), limits.maxDepth(), dirs));
  }

  public ServiceConfig withMaxRunCells(long cells) {
    return withLimits(
        new Limits(limits.maxConfigurations(), cells, limits.maxDepth(), limits.dataDirs()));
  }

  /** Whether {@code host} names only this machine (127.0.0.0/8, ::1, localhost). */
  public static boolean isLoopback(String host) {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * The token rule: a configured token is always required; on a non-loopback address a token is
   * required even if none was configured, so one is generated (and must be shown to the operator).
   */
  public TokenDecision withTokenPolicy(SecureRandom random) {
    if (token != null && !token.isBlank()) {
      return new TokenDecision(this, false);
    }
    if (isLoopback(host)) {
      return new TokenDecision(withToken(null), false);
    }
    byte[] b = new byte[24];
    random.nextBytes(b);
    return new TokenDecision(withToken(HexFormat.of().formatHex(b)), true);
  }

  /** This configuration with the components {@code change} sets; the one place listing them. */
  private ServiceConfig copy(Consumer<Copy> change) {
    Copy b = new Copy(this);
    change.accept(b);
    return new ServiceConfig(
        b.host,
        b.port,
        b.token,
        b.outputRoot,
        b.maxBodyBytes,
        b.heartbeat,
        b.eventLogCapacity,
        b.computeThreads,
        b.limits);
  }

  /** The components of a configuration, to change some before building a new one. */
  private static final class Copy {
    String host;
    int port;
    String token;
    Path outputRoot;
    long maxBodyBytes;
    Duration heartbeat;
    int eventLogCapacity;
    int computeThreads;
    Limits limits;

    Copy(ServiceConfig c) {
      host = c.host;
      port = c.port;
      token = c.token;
      outputRoot = c.outputRoot;
      maxBodyBytes = c.maxBodyBytes;
      heartbeat = c.heartbeat;
      eventLogCapacity = c.eventLogCapacity;
      computeThreads = c.computeThreads;
      limits = c.limits;
    }
  }

  /** The configuration to serve with, and whether its token was generated here. */
  public record TokenDecision(ServiceConfig config, boolean generated) {}
}
