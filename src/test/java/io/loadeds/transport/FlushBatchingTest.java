package io.loadeds.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flush batching reaches every kind of connection the port serves (HTTP/2 with prior knowledge, as
 * Envoy and gRPC clients connect, and HTTP/1.1), and defers no write for good: responses written
 * outside any read, as the xDS push path writes them, still arrive. It also fails when a Vert.x
 * upgrade no longer lets the batching into the connection (an internal class).
 */
class FlushBatchingTest {
  private Vertx vertx;
  private HttpServer server;
  private final Queue<Boolean> installed = new ConcurrentLinkedQueue<>();
  private final List<HttpServerResponse> waiting = new ArrayList<>(); // confined to the loop

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .connectionHandler(
                c -> {
                  FlushBatching.install(c);
                  FlushBatching.install(c); // idempotent: an upgraded connection is seen again
                  installed.add(FlushBatching.installed(c));
                })
            .requestHandler(
                req -> {
                  if (req.path().equals("/later")) {
                    // Answered all at once from a timer: outside any read, like a push.
                    waiting.add(req.response());
                    if (waiting.size() == 50) {
                      vertx.setTimer(
                          20,
                          id -> {
                            for (int i = 0; i < waiting.size(); i++) {
                              waiting.get(i).end("r" + i);
                            }
                          });
                    }
                  } else {
                    req.response().end("now");
                  }
                })
            .listen()
            .await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private HttpClient client(HttpVersion version) {
    return vertx.createHttpClient(
        new HttpClientOptions()
            .setProtocolVersion(version)
            .setHttp2ClearTextUpgrade(false)
            .setHttp2MultiplexingLimit(100)
            .setDefaultHost("127.0.0.1")
            .setDefaultPort(server.actualPort()),
        new PoolOptions().setHttp2MaxSize(1));
  }

  private static Future<String> get(HttpClient client, String path) {
    return client
        .request(HttpMethod.GET, path)
        .compose(r -> r.send().compose(HttpClientResponse::body))
        .map(Buffer::toString);
  }

  @Test
  void http2WithPriorKnowledgeBatchesAndWritesOutsideAReadStillArrive() throws Exception {
    HttpClient client = client(HttpVersion.HTTP_2);
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      answers.add(get(client, "/later"));
    }
    List<String> bodies = new ArrayList<>();
    for (Future<String> a : answers) {
      bodies.add(a.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS));
    }
    assertThat(bodies).hasSize(50).allMatch(b -> b.startsWith("r"));
    assertThat(installed).as("one HTTP/2 connection, batching").containsExactly(true);
  }

  @Test
  void http1ConnectionsBatchToo() throws Exception {
    HttpClient client = client(HttpVersion.HTTP_1_1);
    assertThat(get(client, "/").toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS))
        .isEqualTo("now");
    assertThat(installed).containsExactly(true);
  }
}
