package io.loadeds.xds;

import io.loadeds.snapshot.ResourceType;

/**
 * Observes xDS streams (logging, metrics, debugging). Methods are called on the stream's context
 * and must not block; every method has a no-op default. A failure thrown here is logged and does
 * not affect the stream.
 */
public interface XdsListener {
  /** A stream opened; {@code mode} is e.g. {@code sotw-ads} or {@code sotw-eds}. */
  default void streamOpened(long streamId, String mode) {}

  /** A stream ended. */
  default void streamClosed(long streamId, String nodeId) {}

  /** A response was written. */
  default void responseSent(long streamId, String nodeId, ResourceType type, String version) {}

  /** The client accepted {@code version}. */
  default void acked(long streamId, String nodeId, ResourceType type, String version) {}

  /** The client rejected {@code version}; it keeps its previous config. */
  default void nacked(
      long streamId, String nodeId, ResourceType type, String version, String error) {}

  /** A request carried a nonce that is not the latest one sent, and was ignored. */
  default void staleNonce(long streamId, String nodeId, ResourceType type) {}

  /** A listener that does nothing. */
  XdsListener NONE = new XdsListener() {};

  /** {@code listener} with its failures logged and kept from the stream, as promised above. */
  static XdsListener guarded(XdsListener listener) {
    return listener instanceof GuardedListener || listener == NONE
        ? listener
        : new GuardedListener(listener);
  }
}
