package lipfarm.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

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
 */
public record ServiceConfig(
    String host,
    int port,
    String token,
    Path outputRoot,
    long maxBodyBytes,
    Duration heartbeat,
    int eventLogCapacity,
    int computeThreads) {

  public static ServiceConfig defaults() {
    return new ServiceConfig(
        "127.0.0.1",
        8080,
        null,
        Path.of("runs"),
        64 * 1024,
        Duration.ofSeconds(15),
        200_000,
        Runtime.getRuntime().availableProcessors());
  }

  public ServiceConfig withHost(String h) {
    return new ServiceConfig(
        h, port, token, outputRoot, maxBodyBytes, heartbeat, eventLogCapacity, computeThreads);
  }

  public ServiceConfig withPort(int p) {
    return new ServiceConfig(
        host, p, token, outputRoot, maxBodyBytes, heartbeat, eventLogCapacity, computeThreads);
  }

  public ServiceConfig withToken(String t) {
    return new ServiceConfig(
        host, port, t, outputRoot, maxBodyBytes, heartbeat, eventLogCapacity, computeThreads);
  }

  public ServiceConfig withOutputRoot(Path r) {
    return new ServiceConfig(
        host, port, token, r, maxBodyBytes, heartbeat, eventLogCapacity, computeThreads);
  }

  public ServiceConfig withMaxBodyBytes(long b) {
    return new ServiceConfig(
        host, port, token, outputRoot, b, heartbeat, eventLogCapacity, computeThreads);
  }

  public ServiceConfig withHeartbeat(Duration h) {
    return new ServiceConfig(
        host, port, token, outputRoot, maxBodyBytes, h, eventLogCapacity, computeThreads);
  }

  public ServiceConfig withEventLogCapacity(int c) {
    return new ServiceConfig(
        host, port, token, outputRoot, maxBodyBytes, heartbeat, c, computeThreads);
  }

  public ServiceConfig withComputeThreads(int c) {
    return new ServiceConfig(
        host, port, token, outputRoot, maxBodyBytes, heartbeat, eventLogCapacity, c);
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

  /** The configuration to serve with, and whether its token was generated here. */
  public record TokenDecision(ServiceConfig config, boolean generated) {}
}
