package io.loadeds.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Registration throughput: {@code connections} HTTP/1.1 connections, each with one request in
 * flight at a time, send load reports (PATCH {@code active}, a weight-only change: capacities are
 * large) round-robin over every endpoint for a fixed time.
 */
final class Throughput {
  /** Requests answered 2xx, other answers and failures, and the time it took. */
  record Result(long ok, long failed, double seconds) {
    double perSecond() {
      return ok / seconds;
    }
  }

  private Throughput() {}

  static Result run(int port, List<ClusterModel> clusters, int connections, double seconds)
      throws InterruptedException, java.util.concurrent.TimeoutException {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient client =
          vertx.createHttpClient(
              new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true),
              new PoolOptions().setHttp1MaxSize(connections));
      AtomicLong ok = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      AtomicLong sequence = new AtomicLong();
      CountDownLatch done = new CountDownLatch(connections);
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      for (int i = 0; i < connections; i++) {
        loop(client, port, clusters, sequence, ok, failed, end, done);
      }
      done.await((long) seconds + 60, TimeUnit.SECONDS);
      double took = (System.nanoTime() - start) / 1e9;
      client.close().await(10, TimeUnit.SECONDS);
      return new Result(ok.get(), failed.get(), took);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static void loop(
      HttpClient client,
      int port,
      List<ClusterModel> clusters,
      AtomicLong sequence,
      AtomicLong ok,
      AtomicLong failed,
      long end,
      CountDownLatch done) {
    if (System.nanoTime() >= end) {
      done.countDown();
      return;
    }
    long n = sequence.getAndIncrement();
    ClusterModel c = clusters.get((int) (n % clusters.size()));
    int e = (int) ((n / clusters.size()) % c.endpoints());
    String body = "{\"active\":" + (n % 1000) + "}";
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.PATCH)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI(c.path(e))
            .putHeader("content-type", "application/json");
    client
        .request(options)
        .compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .recover(err -> Future.succeededFuture(-1))
        .onComplete(
            ar -> {
              if (ar.result() / 100 == 2) {
                ok.incrementAndGet();
              } else {
                failed.incrementAndGet();
              }
              loop(client, port, clusters, sequence, ok, failed, end, done);
            });
  }
}
