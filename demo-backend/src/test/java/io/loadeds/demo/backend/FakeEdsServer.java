package io.loadeds.demo.backend;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the EDS server's registration API, on loopback: it keeps the set of registered
 * endpoints (PUT adds, DELETE removes, PATCH of an unknown one answers 404 as the real server does)
 * and records every request for the tests to assert on.
 *
 * <p>Threading: handlers run on one event loop; the records are concurrent collections read by the
 * test thread.
 */
final class FakeEdsServer {

  /** One request as received. */
  record Call(String method, String path, JsonObject body) {
    Integer active() {
      return body == null ? null : body.getInteger("active");
    }
  }

  private final Vertx vertx;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile long answerDelayMillis;
  private HttpServer server;

  FakeEdsServer(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Listens on {@code port} of 127.0.0.1 (0 for a free one) and returns the bound port. */
  int start(int port) throws Exception {
    server =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
            .requestHandler(this::handle)
            .listen()
            .await(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  void stop() throws Exception {
    if (server != null) {
      server.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Forgets every registration, as a restarted server would. */
  void forgetAll() {
    known.clear();
  }

  /** Delays every answer, to let the backend's count change while a request is in flight. */
  void delayAnswers(long millis) {
    answerDelayMillis = millis;
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  List<Call> calls(String method) {
    return calls.stream().filter(c -> c.method().equals(method)).toList();
  }

  /** The most requests the server has seen in flight at once. */
  int maxInFlight() {
    return maxInFlight.get();
  }

  private void handle(HttpServerRequest req) {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    req.body()
        .onSuccess(
            buf -> {
              JsonObject body = buf.length() == 0 ? null : buf.toJsonObject();
              String method = req.method().name();
              calls.add(new Call(method, req.path(), body));
              int status = status(method, req.path());
              Runnable answer =
                  () -> {
                    inFlight.decrementAndGet();
                    req.response().setStatusCode(status).end(status == 204 ? "" : "{}");
                  };
              if (answerDelayMillis > 0) {
                vertx.setTimer(answerDelayMillis, id -> answer.run());
              } else {
                answer.run();
              }
            });
  }

  private int status(String method, String path) {
    return switch (method) {
      case "PUT" -> known.add(path) ? 201 : 200;
      case "PATCH" -> known.contains(path) ? 200 : 404;
      case "DELETE" -> known.remove(path) ? 204 : 404;
      default -> 405;
    };
  }
}
