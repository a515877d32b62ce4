package io.loadeds.xds.sotw;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.Responses;
import io.loadeds.xds.XdsListener;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays the client of one {@link SotwStream}: sends requests on the stream's context and tells the
 * {@link CheckedSink} which responses it answered, as an xDS client would.
 */
final class SotwClient {
  static final String NODE = "node-1";
  private static final AtomicLong IDS = new AtomicLong();

  final CheckedSink sink;
  final SotwStream stream;
  final long id = IDS.incrementAndGet();
  private final Executor context;
  private final Map<String, String> accepted = new HashMap<>();

  /**
   * @param only the type of a per-type service, or null for ADS
   * @param context the stream's context; requests run on it too
   */
  SotwClient(ResourceSource source, ResourceType only, Executor context, XdsListener listener) {
    this(source, only, context, listener, XdsConfig.defaults().maxNamesPerSubscription());
  }

  /** The same with a limit on the names per type ({@code xds.maxNamesPerSubscription}). */
  SotwClient(
      ResourceSource source,
      ResourceType only,
      Executor context,
      XdsListener listener,
      int maxNames) {
    this.sink = new CheckedSink(only);
    this.context = context;
    this.stream =
        new SotwStream(
            id,
            only == null ? "sotw-ads" : "sotw-" + only,
            source,
            only,
            sink,
            context,
            listener,
            maxNames);
  }

  /** Sends the first request of a type (with the node) and returns its answer. */
  DiscoveryResponse subscribe(ResourceType type, String... names) {
    send(Responses.first(NODE, type, names));
    return sink.next();
  }

  /** ACKs {@code r}, naming {@code names} (SotW: the whole subscription). */
  void ack(DiscoveryResponse r, String... names) {
    sink.answered(r.getTypeUrl(), r.getNonce());
    accepted.put(r.getTypeUrl(), r.getVersionInfo());
    send(Responses.ack(r, names));
  }

  /** NACKs {@code r} with {@code error}, naming {@code names}. */
  void nack(DiscoveryResponse r, String error, String... names) {
    sink.answered(r.getTypeUrl(), r.getNonce());
    send(Responses.nack(r, accepted.getOrDefault(r.getTypeUrl(), ""), error, names));
  }

  /** Sends a request as is, on the stream's context, and waits until it was handled. */
  void send(DiscoveryRequest request) {
    CompletableFuture.runAsync(() -> stream.onRequest(request), context).join();
  }

  void close() {
    CompletableFuture.runAsync(stream::close, context).join();
  }
}
