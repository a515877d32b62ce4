package io.loadeds.admin;

import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.XdsListener;
import java.util.List;
import java.util.Set;

/**
 * Hands every xDS callback to several listeners in order, each guarded ({@link
 * XdsListener#guarded}) so one failing listener neither affects the stream nor starves the others.
 * Immutable; as thread-safe as its parts.
 */
public final class CompositeXdsListener implements XdsListener {
  private final List<XdsListener> listeners;

  public CompositeXdsListener(List<XdsListener> listeners) {
    this.listeners = listeners.stream().map(XdsListener::guarded).toList();
  }

  @Override
  public void streamOpened(long streamId, String mode) {
    listeners.forEach(l -> l.streamOpened(streamId, mode));
  }

  @Override
  public void streamClosed(long streamId, String mode, String nodeId) {
    listeners.forEach(l -> l.streamClosed(streamId, mode, nodeId));
  }

  @Override
  public void responseSent(long streamId, String nodeId, ResourceType type, String version) {
    listeners.forEach(l -> l.responseSent(streamId, nodeId, type, version));
  }

  @Override
  public void responseSent(
      long streamId, String nodeId, ResourceType type, String version, String nonce) {
    listeners.forEach(l -> l.responseSent(streamId, nodeId, type, version, nonce));
  }

  @Override
  public void nodeIdentified(long streamId, String nodeId, String userAgent) {
    listeners.forEach(l -> l.nodeIdentified(streamId, nodeId, userAgent));
  }

  @Override
  public void subscribed(long streamId, ResourceType type, Set<String> names, boolean wildcard) {
    listeners.forEach(l -> l.subscribed(streamId, type, names, wildcard));
  }

  @Override
  public void acked(long streamId, String nodeId, ResourceType type, String version) {
    listeners.forEach(l -> l.acked(streamId, nodeId, type, version));
  }

  @Override
  public void nacked(
      long streamId, String nodeId, ResourceType type, String version, String error) {
    listeners.forEach(l -> l.nacked(streamId, nodeId, type, version, error));
  }

  @Override
  public void staleNonce(long streamId, String nodeId, ResourceType type) {
    listeners.forEach(l -> l.staleNonce(streamId, nodeId, type));
  }
}
