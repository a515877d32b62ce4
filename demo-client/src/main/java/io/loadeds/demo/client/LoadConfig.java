package io.loadeds.demo.client;

import java.time.Duration;
import java.util.Objects;

/**
 * What one load run does. Immutable; validated on construction.
 *
 * @param target where the streams go
 * @param streams how many {@code Max} streams are kept going at once
 * @param duration how long the run lasts
 * @param interval the pause between two numbers on a stream
 * @param hold keep each stream open until the end of the run; otherwise a stream ends after {@code
 *     messagesPerStream} numbers and a new one takes its place
 * @param messagesPerStream the numbers sent on a short stream (ignored with {@code hold})
 * @param retry open a new stream after {@code retryBackoff} when one is refused or fails; otherwise
 *     that stream slot stays empty for the rest of the run
 * @param retryBackoff the pause before such a retry
 */
public record LoadConfig(
    Target target,
    int streams,
    Duration duration,
    Duration interval,
    boolean hold,
    int messagesPerStream,
    boolean retry,
    Duration retryBackoff,
    Duration ramp) {

  public LoadConfig {
    Objects.requireNonNull(target, "target");
    if (streams < 1) {
      throw new IllegalArgumentException("--streams must be at least 1, was " + streams);
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("--duration must be positive, was " + duration);
    }
    if (interval.toMillis() < 1) {
      throw new IllegalArgumentException("--interval must be at least 1ms, was " + interval);
    }
    if (messagesPerStream < 1) {
      throw new IllegalArgumentException("--messages must be at least 1, was " + messagesPerStream);
    }
    if (ramp.isNegative()) {
      throw new IllegalArgumentException("--ramp must not be negative");
    }
    if (retryBackoff.isNegative()) {
      throw new IllegalArgumentException("--retry-backoff must not be negative");
    }
  }

  /** Where the streams go: a plaintext {@code host:port} or a proxyless {@code xds:///cluster}. */
  public sealed interface Target {

    /** The gRPC target string handed to the channel builder. */
    String uri();

    /** A plaintext gRPC server or proxy, such as Envoy's listener. */
    record Direct(String hostPort) implements Target {
      @Override
      public String uri() {
        return hostPort;
      }
    }

    /** A cluster resolved by grpc-java's xDS client from the given xDS server. */
    record Xds(String cluster, String xdsServer) implements Target {
      @Override
      public String uri() {
        return "xds:///" + cluster;
      }
    }
  }
}
