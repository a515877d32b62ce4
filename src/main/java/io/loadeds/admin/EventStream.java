package io.loadeds.admin;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/**
 * One {@code GET /v1/events} response (server-sent events): a full {@code event: snapshot} at once,
 * every {@link AdminApi#SNAPSHOT_EVERY_MS} ms and shortly after each change, and every registry
 * event as {@code event: registry}. It never ends by itself, so it ends when shutdown starts (after
 * an {@code event: shutdown}): an open dashboard must not hold the graceful-shutdown grace open,
 * and the browser's EventSource reconnects by itself, to another instance if there is one.
 *
 * <p>Confined to the context of its request: the feed and the timers deliver there, and a phase
 * change (heard on whichever thread made it) hops there before it touches the response.
 */
final class EventStream {
  private static final long SNAPSHOT_AFTER_CHANGE_MS = 100;

  private final Vertx vertx;
  private final Context context;
  private final HttpServerResponse response;
  private final Supplier<JsonObject> snapshot;
  private Runnable unsubscribe = () -> {};
  private Runnable stopWatching = () -> {};
  private long timer = -1;
  private boolean pending;
  private boolean released;

  private EventStream(Vertx vertx, HttpServerResponse response, Supplier<JsonObject> snapshot) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.response = response;
    this.snapshot = snapshot;
  }

  /** Starts the stream on {@code response}; call on the request's context. */
  static void open(
      Vertx vertx,
      HttpServerResponse response,
      EventFeed feed,
      Readiness readiness,
      Supplier<JsonObject> snapshot) {
    new EventStream(vertx, response, snapshot).start(feed, readiness);
  }

  private void start(EventFeed feed, Readiness readiness) {
    response
        .setChunked(true)
        .putHeader("content-type", "text/event-stream")
        .putHeader("cache-control", "no-cache")
        .write("retry: 2000\n\n");
    send("snapshot", snapshot.get());
    unsubscribe = feed.subscribe(context, this::onRegistryEvent);
    timer = vertx.setPeriodic(AdminApi.SNAPSHOT_EVERY_MS, t -> send("snapshot", snapshot.get()));
    response.closeHandler(v -> release());
    stopWatching =
        readiness.onChange(
            phase -> {
              if (phase == Readiness.Phase.CLOSING) {
                context.runOnContext(v -> shutDown());
              }
            });
    // Shutdown may have started before the listener was registered: it would never hear of it.
    if (readiness.phase() == Readiness.Phase.CLOSING) {
      shutDown();
    }
  }

  private void onRegistryEvent(JsonObject event) {
    send("registry", event);
    if (!pending && !released) {
      pending = true;
      vertx.setTimer(
          SNAPSHOT_AFTER_CHANGE_MS,
          t -> {
            pending = false;
            send("snapshot", snapshot.get());
          });
    }
  }

  private void shutDown() {
    if (released) {
      return;
    }
    send("shutdown", new JsonObject().put("reason", "server shutting down"));
    release();
    if (!response.ended() && !response.closed()) {
      response.end();
    }
  }

  /** Stops every delivery to this response; idempotent. */
  private void release() {
    if (!released) {
      released = true;
      unsubscribe.run();
      stopWatching.run();
      vertx.cancelTimer(timer);
    }
  }

  private void send(String event, JsonObject data) {
    // A slow dashboard must not make the server buffer without bound: skip while it is behind.
    if (!response.closed() && !response.ended() && !response.writeQueueFull()) {
      response.write("event: " + event + "\ndata: " + data.encode() + "\n\n");
    }
  }
}
