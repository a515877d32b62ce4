package io.loadeds.transport;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Folds a connection's flushes made in one run of its event loop into one socket write.
 *
 * <p>Vert.x flushes an HTTP/2 connection after every write made outside a read. A change that wakes
 * the 50 xDS streams of one Envoy fleet's connection would so cost 50 socket writes (and 50
 * wake-ups of the peer), though the streams' sends run in one loop task ({@code xds.LoopBatches}).
 * Netty's {@link FlushConsolidationHandler} defers such a flush to the end of the loop's current
 * batch of tasks, so the 50 responses leave in one write. Flushes in reply to a read are folded at
 * the end of the read, as Vert.x does already.
 *
 * <p>Vert.x has no public option for this: the handler is added to the connection's Netty pipeline
 * through {@link ConnectionBase}, a Vert.x internal class. A connection of another class is left as
 * it is (and served correctly, with more writes); {@code FlushBatchingTest} fails if an upgrade of
 * Vert.x makes that the case. Runs on the connection's event loop.
 */
final class FlushBatching {
  private static final String NAME = "loadeds-flush-batching";
  // Netty's default: a flush is forced after this many deferred ones, bounding what waits.
  private static final int FLUSH_AT_LATEST_AFTER = 256;

  private FlushBatching() {}

  /** Installs the batching on {@code connection}'s pipeline, once; the connection handler. */
  static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      ChannelPipeline pipeline = base.channel().pipeline();
      if (pipeline.get(NAME) == null) {
        pipeline.addFirst(NAME, new FlushConsolidationHandler(FLUSH_AT_LATEST_AFTER, true));
      }
    }
  }

  /** Whether {@code connection} batches its flushes (for tests). */
  static boolean installed(HttpConnection connection) {
    return connection instanceof ConnectionBase base && base.channel().pipeline().get(NAME) != null;
  }
}
