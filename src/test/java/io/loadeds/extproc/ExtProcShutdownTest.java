package io.loadeds.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.loadeds.config.ExtProcConfig;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.transport.LoadEdsServer;
import io.loadeds.xds.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * ext_proc exchanges in flight when shutdown starts may finish within the grace, on a connection
 * where Envoy keeps opening exchanges for new requests until it hears the server's GOAWAY. An
 * exchange opened just as that GOAWAY leaves must not cost the others on the connection their end.
 */
class ExtProcShutdownTest {
  // The race is a matter of microseconds: with Vert.x's GOAWAY, most runs lost it in a round.
  private static final int ROUNDS = 8;

  /** What the race depends on, seen from a client: the one GOAWAY it gets names no last stream. */
  @Test
  void theGoAwayAClientGetsTakesEveryStream() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      LoadEdsServer server = start(vertx);
      List<Integer> lastStreamIds = new CopyOnWriteArrayList<>();
      AtomicBoolean closed = new AtomicBoolean();
      HttpClientAgent client =
          vertx
              .httpClientBuilder()
              .with(
                  new HttpClientOptions()
                      .setProtocolVersion(HttpVersion.HTTP_2)
                      .setHttp2ClearTextUpgrade(false))
              .withConnectHandler(
                  c -> {
                    c.goAwayHandler(g -> lastStreamIds.add(g.getLastStreamId()));
                    c.closeHandler(v -> closed.set(true));
                  })
              .build();
      int status =
          client
              .request(HttpMethod.GET, server.port(), "127.0.0.1", "/healthz")
              .compose(r -> r.send())
              .map(r -> r.statusCode())
              .await(10, TimeUnit.SECONDS);
      assertThat(status).isEqualTo(200);

      server.close().await(10, TimeUnit.SECONDS);

      TestServer.await(closed::get, "the connection to close");
      assertThat(lastStreamIds).containsExactly(Integer.MAX_VALUE);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void anExchangeOpenedAsShutdownBeginsDoesNotCutTheOnesFinishingOnItsConnection()
      throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      Vertx vertx = Vertx.vertx();
      ManagedChannel channel = null;
      try {
        LoadEdsServer server = start(vertx);
        channel =
            Grpc.newChannelBuilderForAddress(
                    "127.0.0.1", server.port(), InsecureChannelCredentials.create())
                .build();
        EnvoyStream open = stream(channel);
        open.requestHeaders(Map.of(":path", "/in-flight"));

        Future<Void> closed = server.close();
        // At once, on the same connection, as Envoy does for the next request: it may reach the
        // server just after its GOAWAY. Whether it is served or refused does not matter here.
        EnvoyStream late = stream(channel);
        late.send(
            io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest.newBuilder()
                .setRequestHeaders(
                    io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders.newBuilder()
                        .setHeaders(EnvoyStream.headers(Map.of(":path", "/late"))))
                .build());

        ProcessingResponse answer = open.responseHeaders(Map.of(":status", "200"));
        assertThat(answer.hasResponseHeaders()).as("round %d", round).isTrue();
        open.finish();
        Status status = open.awaitStatus();
        assertThat(status.getCode()).as("round %d: %s", round, status).isEqualTo(Status.Code.OK);
        late.cancel();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        closed.await(10, TimeUnit.SECONDS);
      } finally {
        if (channel != null) {
          channel.shutdownNow();
        }
        vertx.close().await();
      }
    }
  }

  private static LoadEdsServer start(Vertx vertx) {
    return LoadEdsServer.start(
            vertx,
            ServerConfig.defaults()
                .withHttp(
                    HttpConfig.defaults()
                        .withHost("127.0.0.1")
                        .withPort(0)
                        .withEventLoops(1)
                        .withShutdownGrace(Duration.ofSeconds(5)))
                .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO))
                .withExtProc(ExtProcConfig.defaults().withProcessors(List.of("every-phase"))),
            Clock.systemUTC())
        .await();
  }

  private static EnvoyStream stream(ManagedChannel channel) {
    return new EnvoyStream(channel, Map.of(ExtProcService.PROCESSORS_HEADER, "every-phase"));
  }
}
