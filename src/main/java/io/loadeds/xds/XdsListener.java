package io.loadeds.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.loadeds.snapshot.ResourceType;
import java.util.Set;

/**
 * Observes xDS streams (logging, metrics, debugging). Methods are called on the stream's context
 * and must not block; every method has a no-op default. A failure thrown here is logged and does
 * not affect the stream.
 */
public interface XdsListener {
  /** A stream opened; {@code mode} is e.g. {@code sotw-ads} or {@code sotw-eds}. */
  default void streamOpened(long streamId, String mode) {}

  /**
   * A stream ended: once per stream, with the {@code mode} it {@linkplain #streamOpened opened}
   * with, so a listener that counts streams by mode needs no table of its own per stream.
   */
  default void streamClosed(long streamId, String mode, String nodeId) {}

  /** A response was written. */
  default void responseSent(long streamId, String nodeId, ResourceType type, String version) {}

  /**
   * A response was written with {@code nonce}. Streams call this one; by default it reports {@link
   * #responseSent(long, String, ResourceType, String)}, so listeners that need no nonce override
   * that.
   */
  default void responseSent(
      long streamId, String nodeId, ResourceType type, String version, String nonce) {
    responseSent(streamId, nodeId, type, version);
  }

  /** The first request that named a node: its id and user agent ({@code name/version}). */
  default void nodeIdentified(long streamId, String nodeId, String userAgent) {}

  /** The stream's subscription to {@code type} is now {@code names} (or wildcard). */
  default void subscribed(long streamId, ResourceType type, Set<String> names, boolean wildcard) {}

  /** The client accepted {@code version}. */
  default void acked(long streamId, String nodeId, ResourceType type, String version) {}

  /** The client rejected {@code version}; it keeps its previous config. */
  default void nacked(
      long streamId, String nodeId, ResourceType type, String version, String error) {}

  /** A request carried a nonce that is not the latest one sent, and was ignored. */
  default void staleNonce(long streamId, String nodeId, ResourceType type) {}

  /** {@code user_agent_name/version} as a node reports it, for {@link #nodeIdentified}. */
  static String userAgent(Node node) {
    String version =
        node.hasUserAgentBuildVersion()
            ? node.getUserAgentBuildVersion().getVersion().getMajorNumber()
                + "."
                + node.getUserAgentBuildVersion().getVersion().getMinorNumber()
                + "."
                + node.getUserAgentBuildVersion().getVersion().getPatch()
            : node.getUserAgentVersion();
    return version.isEmpty() ? node.getUserAgentName() : node.getUserAgentName() + "/" + version;
  }

  /** A listener that does nothing. */
  XdsListener NONE = new XdsListener() {};

  /** {@code listener} with its failures logged and kept from the stream, as promised above. */
  static XdsListener guarded(XdsListener listener) {
    return listener instanceof GuardedListener || listener == NONE
        ? listener
        : new GuardedListener(listener);
  }
}
