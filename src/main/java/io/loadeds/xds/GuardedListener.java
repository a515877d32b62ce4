package io.loadeds.xds;

import io.loadeds.snapshot.ResourceType;
import java.util.Set;

/**
 * Keeps the promise of {@link XdsListener}: a failure thrown by an observer is logged and does not
 * affect the stream (unguarded, it would end the gRPC call it was thrown on).
 */
final class GuardedListener implements XdsListener {
  private static final System.Logger LOG = System.getLogger(GuardedListener.class.getName());

  private final XdsListener delegate;

  GuardedListener(XdsListener delegate) {
    this.delegate = delegate;
  }

  @Override
  public void streamOpened(long streamId, String mode) {
    guard(() -> delegate.streamOpened(streamId, mode));
  }

  @Override
  public void streamClosed(long streamId, String mode, String nodeId) {
    guard(() -> delegate.streamClosed(streamId, mode, nodeId));
  }

  @Override
  public void responseSent(long streamId, String nodeId, ResourceType type, String version) {
    guard(() -> delegate.responseSent(streamId, nodeId, type, version));
  }

  @Override
  public void responseSent(
      long streamId, String nodeId, ResourceType type, String version, String nonce) {
    guard(() -> delegate.responseSent(streamId, nodeId, type, version, nonce));
  }

  @Override
  public void nodeIdentified(long streamId, String nodeId, String userAgent) {
    guard(() -> delegate.nodeIdentified(streamId, nodeId, userAgent));
  }

  @Override
  public void subscribed(long streamId, ResourceType type, Set<String> names, boolean wildcard) {
    guard(() -> delegate.subscribed(streamId, type, names, wildcard));
  }

  @Override
  public void acked(long streamId, String nodeId, ResourceType type, String version) {
    guard(() -> delegate.acked(streamId, nodeId, type, version));
  }

  @Override
  public void nacked(
      long streamId, String nodeId, ResourceType type, String version, String error) {
    guard(() -> delegate.nacked(streamId, nodeId, type, version, error));
  }

  @Override
  public void staleNonce(long streamId, String nodeId, ResourceType type) {
    guard(() -> delegate.staleNonce(streamId, nodeId, type));
  }

  private void guard(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "xDS listener " + delegate + " failed", e);
    }
  }
}
