package io.loadeds.xds.delta;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.XdsListener;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays the client of one {@link DeltaStream}: sends requests on the stream's context and tells the
 * {@link CheckedDeltaSink} which responses it answered, as an xDS client would.
 */
final class DeltaClient {
  private static final AtomicLong IDS = new AtomicLong();

  final CheckedDeltaSink sink;
  final DeltaStream stream;
  final long id = IDS.incrementAndGet();
  private final Executor context;

  /**
   * @param only the type of a per-type service, or null for ADS
   * @param context the stream's context; requests run on it too
   */
  DeltaClient(ResourceSource source, ResourceType only, Executor context, XdsListener listener) {
    this(source, only, context, listener, XdsConfig.defaults().maxNamesPerSubscription());
  }

  /** The same with a limit on the names per type ({@code xds.maxNamesPerSubscription}). */
  DeltaClient(
      ResourceSource source,
      ResourceType only,
      Executor context,
      XdsListener listener,
      int maxNames) {
    this(source, only, context, listener, maxNames, XdsConfig.defaults().maxMessageBytes());
  }

  /** The same with a limit on the characters of the names per type too. */
  DeltaClient(
      ResourceSource source,
      ResourceType only,
      Executor context,
      XdsListener listener,
      int maxNames,
      long maxNameChars) {
    this.sink = new CheckedDeltaSink(only);
    this.context = context;
    this.stream =
        new DeltaStream(
            id,
            only == null ? "delta-ads" : "delta-" + only,
            source,
            only,
            sink,
            context,
            listener,
            maxNames,
            maxNameChars);
  }

  /** Sends the first request of a type (with the node) and returns its answer. */
  DeltaDiscoveryResponse subscribe(ResourceType type, String... names) {
    send(DeltaMessages.first(type, names));
    return sink.next();
  }

  /** ACKs {@code r}. */
  void ack(DeltaDiscoveryResponse r) {
    sink.answered(r.getTypeUrl(), r.getNonce());
    send(DeltaMessages.ack(r));
  }

  /** NACKs {@code r} with {@code error}. */
  void nack(DeltaDiscoveryResponse r, String error) {
    sink.answered(r.getTypeUrl(), r.getNonce());
    send(DeltaMessages.nack(r, error));
  }

  /** Sends a request as is, on the stream's context, and waits until it was handled. */
  void send(DeltaDiscoveryRequest request) {
    CompletableFuture.runAsync(() -> stream.onRequest(request), context).join();
  }

  void close() {
    CompletableFuture.runAsync(stream::close, context).join();
  }
}
