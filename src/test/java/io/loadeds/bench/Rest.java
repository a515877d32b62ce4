package io.loadeds.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The REST side of the harness: registrations and toggles over kept-alive HTTP/1.1 connections,
 * sent from one Vert.x event loop; completions run on that loop, so what is chained on them must
 * not block. Both servers get the same client.
 */
final class Rest implements AutoCloseable {
  // The JDK client used before opened a connection per request in flight and started a thread
  // per completion: in churn-100 (1000 writes/s) it took a quarter of the harness's CPU on the
  // cores the server shares, which moved the latencies from run to run.
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
  private final HttpClient client =
      vertx.createHttpClient(
          new HttpClientOptions()
              .setProtocolVersion(HttpVersion.HTTP_1_1)
              .setKeepAlive(true)
              .setConnectTimeout(5_000),
          new PoolOptions().setHttp1MaxSize(32));
  // Requests are made on the client's own loop only: called from the sending thread, the pool
  // now and then left a request waiting for a connection for ever (Vert.x 5.0.7).
  private final Context context = vertx.getOrCreateContext();
  private final int port;

  Rest(int port) {
    this.port = port;
  }

  /** Sends {@code method path body}; completes with the status, failing on anything but 2xx. */
  CompletableFuture<Integer> send(String method, String path, String json) {
    CompletableFuture<Integer> status = new CompletableFuture<>();
    context.runOnContext(v -> send(method, path, json, status));
    return status;
  }

  private void send(String method, String path, String json, CompletableFuture<Integer> status) {
    client
        .request(
            new RequestOptions()
                .setMethod(HttpMethod.valueOf(method))
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI(path)
                .setTimeout(30_000)
                .putHeader("content-type", "application/json"))
        .compose(request -> request.send(json))
        .compose(response -> response.body().map(body -> new Answer(response.statusCode(), body)))
        .onComplete(
            (answer, failure) -> {
              if (failure != null) {
                status.completeExceptionally(failure);
              } else if (answer.status / 100 != 2) {
                status.completeExceptionally(
                    new IllegalStateException(
                        method + " " + path + " -> " + answer.status + " " + answer.body));
              } else {
                status.complete(answer.status);
              }
            });
  }

  private record Answer(int status, io.vertx.core.buffer.Buffer body) {}

  /** Registers every endpoint of {@code clusters} with {@code capacity}, one request at a time. */
  void registerAll(Iterable<ClusterModel> clusters, int capacity) {
    for (ClusterModel c : clusters) {
      for (int e = 0; e < c.endpoints(); e++) {
        send("PUT", c.path(e), c.registration(e, capacity)).join();
      }
    }
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
