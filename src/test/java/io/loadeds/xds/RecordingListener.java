package io.loadeds.xds;

import io.loadeds.snapshot.ResourceType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An {@link XdsListener} that records what it is told. Thread-safe. */
public final class RecordingListener implements XdsListener {
  /** One NACK as the listener saw it. */
  public record Nack(
      long streamId, String nodeId, ResourceType type, String version, String error) {}

  /** One ACK as the listener saw it. */
  public record Ack(long streamId, String nodeId, ResourceType type, String version) {}

  /** One ignored stale request. */
  public record Stale(long streamId, String nodeId, ResourceType type) {}

  public final List<Nack> nacks = new CopyOnWriteArrayList<>();
  public final List<Ack> acks = new CopyOnWriteArrayList<>();
  public final List<Stale> stale = new CopyOnWriteArrayList<>();
  public final List<Long> closed = new CopyOnWriteArrayList<>();

  @Override
  public void nacked(
      long streamId, String nodeId, ResourceType type, String version, String error) {
    nacks.add(new Nack(streamId, nodeId, type, version, error));
  }

  @Override
  public void acked(long streamId, String nodeId, ResourceType type, String version) {
    acks.add(new Ack(streamId, nodeId, type, version));
  }

  @Override
  public void staleNonce(long streamId, String nodeId, ResourceType type) {
    stale.add(new Stale(streamId, nodeId, type));
  }

  @Override
  public void streamClosed(long streamId, String mode, String nodeId) {
    closed.add(streamId);
  }
}
